//! News: an agency's list and items, and the latest across all agencies for the national home.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use egov_core::clock::Millis;
use egov_core::{ContentKind, Lang};
use egov_store::ContentQuery;
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::sites::{frame, published_item, resolve, section_crumb};
use crate::view::{self, Crumb, ItemView, PAGE_SIZE};

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    page: Option<String>,
    year: Option<String>,
    #[serde(rename = "type")]
    subtype: Option<String>,
}

/// A year filter: the range it covers and the year itself.
pub(crate) type YearRange = (Option<Millis>, Option<Millis>, Option<i32>);

/// `?year=2024` as a date range; malformed is a 400.
pub(crate) fn year_range(raw: Option<&str>, lang: Lang) -> Result<YearRange, PageError> {
    match raw {
        None | Some("") => Ok((None, None, None)),
        Some(s) => {
            let y: i32 = s
                .parse()
                .ok()
                .filter(|y| (1991..=2100).contains(y))
                .ok_or_else(|| {
                    PageError::new(ErrorCode::BadRequest)
                        .in_lang(lang)
                        .detail_msg("detail-year")
                })?;
            Ok((
                Millis::from_date(y, 1, 1),
                Millis::from_date(y + 1, 1, 1),
                Some(y),
            ))
        }
    }
}

/// `?type=` must be one of the kind's known subtypes; malformed is a 400.
pub(crate) fn subtype(
    raw: Option<&str>,
    allowed: &[&str],
    lang: Lang,
) -> Result<Option<String>, PageError> {
    match raw {
        None | Some("") => Ok(None),
        Some(s) if allowed.contains(&s) => Ok(Some(s.to_owned())),
        Some(_) => Err(PageError::new(ErrorCode::BadRequest)
            .in_lang(lang)
            .detail_msg("detail-type")),
    }
}

pub(crate) const NEWS_TYPES: &[&str] = &["news", "press-release", "appointment"];

pub(crate) async fn list(
    State(state): State<AppState>,
    Path((lang, agency)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let (lang, org) = resolve(&state, &lang, &agency).await?;
    let listing = filtered_list(&state, lang, &org, ContentKind::News, NEWS_TYPES, &q).await?;
    let (items, total, year, paging) = (listing.items, listing.total, listing.year, listing.paging);
    let frame = frame(
        &state,
        lang,
        &org,
        "news",
        vec![section_crumb(&state, lang, &org, "news", false)],
    )
    .await?;
    chrome.render(
        &state,
        "news_list.html",
        context! { ..frame, ..context! {
            items => view::value(&items),
            paging => view::value(&paging),
            total => total,
            year => year,
            feed => format!("/{lang}/{agency}/news.atom"),
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
        published_item(&state, &lang, &agency, ContentKind::News, &slug).await?;
    let v = view::item_view(&item, &agency, lang, state.languages());
    let crumbs = vec![
        section_crumb(&state, lang, &org, "news", true),
        Crumb::text(&v.title, None),
    ];
    let frame = frame(&state, lang, &org, "news", crumbs).await?;
    chrome.render(
        &state,
        "item.html",
        context! { ..frame, ..context! { item => view::value(&v), og_type => "article" }},
    )
}

/// One page of an agency's items of a kind, filtered by `?year=` and `?type=`, with its paging links.
pub(crate) struct Listing {
    pub items: Vec<ItemView>,
    pub total: i64,
    pub year: Option<i32>,
    pub subtype: Option<String>,
    pub paging: view::Paging,
}

pub(crate) async fn filtered_list(
    state: &AppState,
    lang: Lang,
    org: &egov_store::Organization,
    kind: ContentKind,
    types: &[&str],
    q: &ListQuery,
) -> Result<Listing, PageError> {
    let page = view::parse_page(q.page.as_deref(), lang)?;
    let (from, to, year) = year_range(q.year.as_deref(), lang)?;
    let subtype = subtype(q.subtype.as_deref(), types, lang)?;
    let mut query = ContentQuery::published(kind);
    query.org = Some(org.id);
    query.from = from;
    query.to = to;
    query.subtype = subtype.clone();
    query.limit = PAGE_SIZE;
    query.offset = (page - 1) * PAGE_SIZE;
    let (items, total) = state.store().list_content(&query).await?;
    let items: Vec<ItemView> = items
        .iter()
        .map(|i| view::item_view(i, org.slug.as_str(), lang, state.languages()))
        .collect();
    let mut extra = vec![];
    if let Some(y) = year {
        extra.push(format!("year={y}"));
    }
    if let Some(t) = &subtype {
        extra.push(format!("type={t}"));
    }
    let base = format!("/{lang}/{}/{}", org.slug, view::section_of(kind));
    let paging = view::paging(&base, &extra.join("&"), page, total);
    Ok(Listing {
        items,
        total,
        year,
        subtype,
        paging,
    })
}

/// The newest news of every agency, for the national home.
pub(crate) async fn latest(
    state: &AppState,
    lang: Lang,
    limit: u32,
) -> Result<Vec<(ItemView, String)>, PageError> {
    let orgs: std::collections::HashMap<_, _> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut q = ContentQuery::published(ContentKind::News);
    q.limit = limit;
    let (items, _) = state.store().list_content(&q).await?;
    let langs = state.languages();
    Ok(items
        .iter()
        .filter_map(|i| {
            let org = orgs.get(&i.org)?;
            let name = view::agency_view(org, lang, langs)
                .short_name
                .map_or_else(String::new, |t| t.text);
            Some((view::item_view(i, org.slug.as_str(), lang, langs), name))
        })
        .collect())
}
