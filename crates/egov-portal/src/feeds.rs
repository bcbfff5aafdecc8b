//! Machine-readable views of the sites: Atom news feeds (per agency and national), `sitemap.xml` with
//! language alternates, and `robots.txt`. Absolute URLs use the configured public address, never the
//! request's Host header (which the client controls).

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_core::{ContentKind, Lang};
use egov_store::ContentQuery;

use crate::AppState;
use crate::errors::{ErrorCode, PageError};
use crate::sites::{SECTIONS, resolve};
use crate::view;

pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped rather than breaking the document.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn xml(body: String, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// `/{lang}/{agency}/news.atom`
pub(crate) async fn agency_feed(
    State(state): State<AppState>,
    Path((lang, agency)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (lang, org) = resolve(&state, &lang, &agency).await?;
    let name = view::agency_view(&org, lang, state.languages()).name.text;
    feed(&state, lang, Some((org.id, agency.as_str())), &name).await
}

/// `/{lang}/news.atom`
pub(crate) async fn national_feed(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, PageError> {
    let lang = state
        .languages()
        .parse_supported(&lang)
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    let title = state.site_name(lang);
    feed(&state, lang, None, &title).await
}

async fn feed(
    state: &AppState,
    lang: Lang,
    org: Option<(egov_core::OrgId, &str)>,
    title: &str,
) -> Result<Response, PageError> {
    let base = state.config().public_url.trim_end_matches('/').to_owned();
    let mut q = ContentQuery::published(ContentKind::News);
    q.org = org.map(|(id, _)| id);
    q.limit = 30;
    let (items, _) = state.store().list_content(&q).await?;
    let slugs: std::collections::HashMap<_, _> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, o.slug.to_string()))
        .collect();
    let self_path = match org {
        Some((_, slug)) => format!("/{lang}/{slug}/news.atom"),
        None => format!("/{lang}/news.atom"),
    };
    let updated = items
        .iter()
        .map(|i| i.updated_at)
        .max()
        .unwrap_or(Millis(0));
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n\
         <title>{}</title>\n<id>{base}{self_path}</id>\n<link rel=\"self\" href=\"{base}{self_path}\"/>\n<updated>{}</updated>\n",
        xml_escape(title),
        updated.rfc3339()
    );
    for i in &items {
        let Some(agency) = slugs.get(&i.org) else {
            continue;
        };
        let v = view::item_view(i, agency, lang, state.languages());
        let published = i.published_at.or(i.date).unwrap_or(i.updated_at);
        let _ = write!(
            out,
            "<entry>\n<title>{}</title>\n<id>{base}{url}</id>\n<link href=\"{base}{url}\"/>\n<published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n",
            xml_escape(&v.title.text),
            published.rfc3339(),
            i.updated_at.rfc3339(),
            xml_escape(agency),
            url = v.url,
        );
        if let Some(s) = &v.summary {
            let _ = writeln!(out, "<summary>{}</summary>", xml_escape(&s.text));
        }
        if let Some(b) = &v.body {
            let _ = writeln!(
                out,
                "<content type=\"html\">{}</content>",
                xml_escape(&b.text)
            );
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    Ok(xml(out, "application/atom+xml; charset=utf-8"))
}

/// Every public page in every language, each with its `hreflang` alternates.
pub(crate) async fn sitemap(State(state): State<AppState>) -> Result<Response, PageError> {
    let base = state.config().public_url.trim_end_matches('/').to_owned();
    let langs = state.languages().all().to_vec();
    let mut paths: Vec<(String, Option<Millis>)> = vec![(String::new(), None)];
    let orgs = state.store().organizations().await?;
    for org in orgs.iter().filter(|o| o.member_class.as_str() == "GOV") {
        paths.push((format!("{}/", org.slug), Some(org.updated_at)));
        for (segment, _, _) in SECTIONS {
            paths.push((format!("{}/{segment}", org.slug), None));
        }
        for kind in [ContentKind::News, ContentKind::Document, ContentKind::Page] {
            let mut q = ContentQuery::published(kind);
            q.org = Some(org.id);
            q.limit = 500;
            for item in state.store().list_content(&q).await?.0 {
                paths.push((
                    format!("{}/{}/{}", org.slug, view::section_of(kind), item.slug),
                    Some(item.updated_at),
                ));
            }
        }
    }
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (path, modified) in &paths {
        for lang in &langs {
            let _ = write!(out, "<url><loc>{base}/{lang}/{}</loc>", xml_escape(path));
            if let Some(m) = modified {
                let _ = write!(out, "<lastmod>{}</lastmod>", m.ymd());
            }
            for alt in &langs {
                let _ = write!(
                    out,
                    "<xhtml:link rel=\"alternate\" hreflang=\"{alt}\" href=\"{base}/{alt}/{}\"/>",
                    xml_escape(path)
                );
            }
            out.push_str("</url>\n");
        }
    }
    out.push_str("</urlset>\n");
    Ok(xml(out, "application/xml; charset=utf-8"))
}

pub(crate) async fn robots(State(state): State<AppState>) -> Response {
    let base = state.config().public_url.trim_end_matches('/').to_owned();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("User-agent: *\nDisallow: /admin\nDisallow: /login\nSitemap: {base}/sitemap.xml\n"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            super::xml_escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;"
        );
    }
}
