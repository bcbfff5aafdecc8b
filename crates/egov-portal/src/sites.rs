//! An agency's site: its home page, sections and free pages. (News and documents have their own modules.)

use axum::extract::{Path, State};
use axum::response::Html;
use egov_core::{ContentKind, ItemSlug, Lang, Slug};
use egov_store::{ContentItem, ContentQuery, Organization};
use minijinja::{Value, context};
use serde::Serialize;

use crate::AppState;
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::view::{self, Crumb, ItemView};

/// The sections every agency site has, in menu order: (URL segment, message id, kind listed there).
pub(crate) const SECTIONS: &[(&str, &str, Option<ContentKind>)] = &[
    ("news", "section-news", Some(ContentKind::News)),
    (
        "documents",
        "section-documents",
        Some(ContentKind::Document),
    ),
    (
        "leadership",
        "section-leadership",
        Some(ContentKind::Leader),
    ),
    ("structure", "section-structure", Some(ContentKind::Unit)),
    ("contacts", "section-contacts", None),
    ("vacancies", "section-vacancies", Some(ContentKind::Vacancy)),
    ("events", "section-events", Some(ContentKind::Event)),
    ("services", "section-services", Some(ContentKind::Service)),
];

#[derive(Serialize)]
pub(crate) struct NavLink {
    label: String,
    url: String,
    current: bool,
}

/// The language and agency of a site URL, or a 404 page in the best language we can tell.
pub(crate) async fn resolve(
    state: &AppState,
    lang: &str,
    agency: &str,
) -> Result<(Lang, Organization), PageError> {
    let Some(lang) = state.languages().parse_supported(lang) else {
        return Err(PageError::new(ErrorCode::NotFound));
    };
    let not_found = || PageError::new(ErrorCode::NotFound).in_lang(lang);
    let slug = Slug::parse(agency).map_err(|_| not_found())?;
    let org = state
        .store()
        .organization_by_slug(&slug)
        .await?
        .ok_or_else(not_found)?;
    if org.member_class.as_str() != "GOV" {
        return Err(not_found());
    }
    Ok((lang, org))
}

fn item_slug(raw: &str, lang: Lang) -> Result<ItemSlug, PageError> {
    ItemSlug::parse(raw).map_err(|_| PageError::new(ErrorCode::NotFound).in_lang(lang))
}

/// The published item at `/{lang}/{agency}/{section}/{slug}`, or a 404 page in the best language we can tell.
pub(crate) async fn published_item(
    state: &AppState,
    lang: &str,
    agency: &str,
    kind: ContentKind,
    slug: &str,
) -> Result<(Lang, Organization, ContentItem), PageError> {
    let (lang, org) = resolve(state, lang, agency).await?;
    let slug = item_slug(slug, lang)?;
    let item = state
        .store()
        .content_item(org.id, kind, &slug, false)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound).in_lang(lang))?;
    Ok((lang, org, item))
}

/// Everything an agency page's frame shows: the agency, its menu (sections and free pages), breadcrumbs.
pub(crate) async fn frame(
    state: &AppState,
    lang: Lang,
    org: &Organization,
    current: &str,
    mut crumbs: Vec<Crumb>,
) -> Result<Value, PageError> {
    let langs = state.languages();
    let m = state.messages();
    let agency = view::agency_view(org, lang, langs);
    let mut nav: Vec<NavLink> = vec![NavLink {
        label: m.get(lang, "section-home", &[]),
        url: agency.url.clone(),
        current: current.is_empty(),
    }];
    for (segment, label, _) in SECTIONS {
        nav.push(NavLink {
            label: m.get(lang, label, &[]),
            url: format!("/{lang}/{}/{segment}", org.slug),
            current: current == *segment,
        });
    }
    let mut pages = ContentQuery::published(ContentKind::Page);
    pages.org = Some(org.id);
    pages.limit = 20;
    for p in state.store().list_content(&pages).await?.0 {
        let v = view::item_view(&p, org.slug.as_str(), lang, langs);
        nav.push(NavLink {
            label: v.title.text,
            current: current == format!("pages/{}", p.slug),
            url: v.url,
        });
    }
    let mut trail = vec![Crumb::link(
        m.get(lang, "crumb-home", &[]),
        format!("/{lang}/"),
    )];
    if current.is_empty() {
        trail.push(Crumb::text(&agency.name, None));
    } else {
        trail.push(Crumb::text(&agency.name, Some(agency.url.clone())));
    }
    trail.append(&mut crumbs);
    Ok(context! {
        agency => view::value(&agency),
        nav => view::value(&nav),
        crumbs => view::value(&trail),
    })
}

fn section_label(state: &AppState, lang: Lang, segment: &str) -> String {
    let id = SECTIONS
        .iter()
        .find(|(s, _, _)| *s == segment)
        .map_or("section-home", |(_, id, _)| id);
    state.messages().get(lang, id, &[])
}

/// A crumb for a section, linked when the page is deeper than the section.
pub(crate) fn section_crumb(
    state: &AppState,
    lang: Lang,
    org: &Organization,
    segment: &str,
    linked: bool,
) -> Crumb {
    let label = section_label(state, lang, segment);
    if linked {
        Crumb::link(label, format!("/{lang}/{}/{segment}", org.slug))
    } else {
        Crumb::here(label)
    }
}

pub(crate) async fn agency_home(
    State(state): State<AppState>,
    Path((lang, agency)): Path<(String, String)>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let (lang, org) = resolve(&state, &lang, &agency).await?;
    let langs = state.languages();
    let mut q = ContentQuery::published(ContentKind::News);
    q.org = Some(org.id);
    q.limit = 5;
    let news: Vec<ItemView> = state
        .store()
        .list_content(&q)
        .await?
        .0
        .iter()
        .map(|i| view::item_view(i, &agency, lang, langs))
        .collect();
    let mut q = ContentQuery::published(ContentKind::Document);
    q.org = Some(org.id);
    q.limit = 3;
    let documents: Vec<ItemView> = state
        .store()
        .list_content(&q)
        .await?
        .0
        .iter()
        .map(|i| view::item_view(i, &agency, lang, langs))
        .collect();
    let frame = frame(&state, lang, &org, "", vec![]).await?;
    let contacts = view::resolve_meta(&org.contacts, lang, langs);
    chrome.render(
        &state,
        "agency_home.html",
        context! { ..frame, ..context! {
            news => view::value(&news),
            documents => view::value(&documents),
            contacts => view::value(&contacts),
        }},
    )
}

/// Sections that are plain lists of items: leadership, structure, vacancies, events, services; and contacts.
pub(crate) async fn section(
    State(state): State<AppState>,
    Path((lang, agency, segment)): Path<(String, String, String)>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let (lang, org) = resolve(&state, &lang, &agency).await?;
    let Some((segment, _, kind)) = SECTIONS.iter().find(|(s, _, _)| *s == segment) else {
        return Err(PageError::new(ErrorCode::NotFound).in_lang(lang));
    };
    let langs = state.languages();
    let items: Vec<ItemView> = match kind {
        Some(kind) => {
            let mut q = ContentQuery::published(*kind);
            q.org = Some(org.id);
            q.limit = 200;
            let (mut items, _) = state.store().list_content(&q).await?;
            if matches!(
                kind,
                ContentKind::Leader | ContentKind::Unit | ContentKind::Service
            ) {
                items.sort_by_key(|i| i.position);
            }
            items
                .iter()
                .map(|i| view::item_view(i, &agency, lang, langs))
                .collect()
        }
        None => vec![],
    };
    let title = section_label(&state, lang, segment);
    let frame = frame(
        &state,
        lang,
        &org,
        segment,
        vec![section_crumb(&state, lang, &org, segment, false)],
    )
    .await?;
    let contacts = view::resolve_meta(&org.contacts, lang, langs);
    chrome.render(
        &state,
        "section.html",
        context! { ..frame, ..context! {
            section => *segment,
            title => title,
            items => view::value(&items),
            contacts => view::value(&contacts),
        }},
    )
}

/// A free page of an agency (`/{lang}/{agency}/pages/{slug}`).
pub(crate) async fn free_page(
    State(state): State<AppState>,
    Path((lang, agency, slug)): Path<(String, String, String)>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let (lang, org, item) =
        published_item(&state, &lang, &agency, ContentKind::Page, &slug).await?;
    let v = view::item_view(&item, &agency, lang, state.languages());
    let frame = frame(
        &state,
        lang,
        &org,
        &format!("pages/{slug}"),
        vec![Crumb::text(&v.title, None)],
    )
    .await?;
    chrome.render(
        &state,
        "item.html",
        context! { ..frame, ..context! { item => view::value(&v) }},
    )
}
