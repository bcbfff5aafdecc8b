//! Legal acts and other documents: requisites (number, date, signatory), the text as a page, and the
//! attached files as downloads.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use egov_core::{ContentKind, FileName};
use minijinja::context;

use crate::AppState;
use crate::errors::{ErrorCode, PageError};
use crate::news::{ListQuery, filtered_list};
use crate::render::Chrome;
use crate::sites::{frame, published_item, resolve, section_crumb};
use crate::view::{self, Crumb};

pub(crate) const DOCUMENT_TYPES: &[&str] = &["law", "decree", "resolution", "order"];

pub(crate) async fn list(
    State(state): State<AppState>,
    Path((lang, agency)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let (lang, org) = resolve(&state, &lang, &agency).await?;
    let listing = filtered_list(
        &state,
        lang,
        &org,
        ContentKind::Document,
        DOCUMENT_TYPES,
        &q,
    )
    .await?;
    let (items, total, year, subtype, paging) = (
        listing.items,
        listing.total,
        listing.year,
        listing.subtype,
        listing.paging,
    );
    let frame = frame(
        &state,
        lang,
        &org,
        "documents",
        vec![section_crumb(&state, lang, &org, "documents", false)],
    )
    .await?;
    let types: Vec<(String, String)> = DOCUMENT_TYPES
        .iter()
        .map(|t| {
            (
                (*t).to_owned(),
                state.messages().get(lang, &format!("doctype-{t}"), &[]),
            )
        })
        .collect();
    chrome.render(
        &state,
        "documents_list.html",
        context! { ..frame, ..context! {
            items => view::value(&items),
            paging => view::value(&paging),
            total => total,
            year => year,
            subtype => subtype,
            types => types,
            years => view::recent_years(),
        }},
    )
}

pub(crate) async fn item(
    State(state): State<AppState>,
    Path((lang, agency, slug)): Path<(String, String, String)>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let (lang, org, item) =
        published_item(&state, &lang, &agency, ContentKind::Document, &slug).await?;
    let slug = &item.slug;
    let files: Vec<serde_json::Value> = state
        .store()
        .attachments(item.id)
        .await?
        .into_iter()
        .map(|a| {
            serde_json::json!({
                "name": a.filename.as_str(),
                "url": format!("/{lang}/{agency}/documents/{slug}/files/{}", a.filename),
                "size_kb": (a.size + 1023) / 1024,
                "lang": a.lang.map(|l| l.to_string()),
                "lang_name": a.lang.map(|l| l.endonym()),
                "media_type": a.media_type,
            })
        })
        .collect();
    // Files chosen from the agency's media library (kept in the act's requisites, so they change with review).
    let mut files = files;
    if let Some(chosen) = item.meta.get("files").and_then(serde_json::Value::as_array) {
        for f in chosen {
            let (Some(sha), Some(name)) = (f["sha256"].as_str(), f["name"].as_str()) else {
                continue;
            };
            files.push(serde_json::json!({
                "name": name,
                "url": format!("/media/{sha}/{name}"),
                "size_kb": (f["size"].as_i64().unwrap_or(0) + 1023) / 1024,
                "media_type": f["media_type"],
            }));
        }
    }
    let v = view::item_view(&item, &agency, lang, state.languages());
    let crumbs = vec![
        section_crumb(&state, lang, &org, "documents", true),
        Crumb::text(&v.title, None),
    ];
    let frame = frame(&state, lang, &org, "documents", crumbs).await?;
    let doctype = state
        .messages()
        .get(lang, &format!("doctype-{}", item.subtype), &[]);
    chrome.render(
        &state,
        "document.html",
        context! { ..frame, ..context! { item => view::value(&v), files => view::value(&files), doctype => doctype }},
    )
}

/// A file attached to a document. The name is parsed (never a path) and looked up exactly in the store.
pub(crate) async fn attachment(
    State(state): State<AppState>,
    Path((lang, agency, slug, filename)): Path<(String, String, String, String)>,
) -> Result<Response, PageError> {
    let (lang, _, item) =
        published_item(&state, &lang, &agency, ContentKind::Document, &slug).await?;
    let not_found = || PageError::new(ErrorCode::NotFound).in_lang(lang);
    let filename = FileName::parse(&filename).map_err(|_| not_found())?;
    let (info, bytes) = state
        .store()
        .attachment(item.id, &filename)
        .await?
        .ok_or_else(not_found)?;
    let media_type = HeaderValue::from_str(&info.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", info.filename))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let etag = HeaderValue::from_str(&format!("\"{}\"", info.sha256))
        .unwrap_or(HeaderValue::from_static("\"\""));
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::ETAG, etag),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        bytes,
    )
        .into_response())
}
