//! The search pages (`/{lang}/search`, `/{lang}/{agency}/search`) and `/api/v1/search`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use egov_core::{ContentKind, Lang, Slug};
use egov_search::{SearchIndex, SearchRequest, SearchResults};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::ApiError;
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::sites::resolve;
use crate::view::{self, Crumb, PAGE_SIZE};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to look for, in any language of the deployment. Quotes and operators are ignored.
    pub q: Option<String>,
    /// Only this agency (its slug).
    pub agency: Option<String>,
    /// Only this kind: news, document, page, leader, unit, vacancy, event, service.
    pub kind: Option<String>,
    /// Only items dated in this year.
    pub year: Option<String>,
    /// Only versions in this language.
    #[serde(rename = "in")]
    #[param(rename = "in")]
    pub doc_lang: Option<String>,
    /// The reader's language (API only; pages use their URL's): which version of an item to show.
    pub lang: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// Checks the parameters; `Err` names the bad one.
fn request(
    state: &AppState,
    p: &SearchParams,
    lang: Option<Lang>,
) -> Result<SearchRequest, String> {
    let text: String = p.q.as_deref().unwrap_or("").chars().take(400).collect();
    let agency = match p.agency.as_deref() {
        None | Some("") => None,
        Some(a) => Some(
            Slug::parse(a)
                .map_err(|e| format!("agency: {e}"))?
                .to_string(),
        ),
    };
    let kind = match p.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(
            ContentKind::parse(k)
                .map_err(|e| e.to_string())?
                .to_string(),
        ),
    };
    let year = match p.year.as_deref() {
        None | Some("") => None,
        Some(y) => Some(
            y.parse::<i32>()
                .ok()
                .filter(|y| (1991..=2100).contains(y))
                .ok_or("year must be a year like 2024")?,
        ),
    };
    let lang_param = |raw: Option<&str>, name: &str| -> Result<Option<Lang>, String> {
        match raw {
            None | Some("") => Ok(None),
            Some(l) => state
                .languages()
                .parse_supported(l)
                .map(Some)
                .ok_or(format!("{name}: {l:?} is not a language of this platform")),
        }
    };
    let doc_lang = lang_param(p.doc_lang.as_deref(), "in")?;
    let lang = match lang {
        Some(l) => Some(l),
        None => lang_param(p.lang.as_deref(), "lang")?,
    };
    let page = match p.page.as_deref() {
        None | Some("") => 1,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or("page must be a whole number from 1 to 1000")?,
    };
    let per_page = match p.per_page.as_deref() {
        None | Some("") => PAGE_SIZE,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or("per_page must be a whole number from 1 to 100")?,
    };
    Ok(SearchRequest {
        text,
        lang,
        agency,
        kind,
        year,
        doc_lang,
        page,
        per_page,
    })
}

async fn run(index: Arc<SearchIndex>, req: SearchRequest) -> Result<SearchResults, String> {
    tokio::task::spawn_blocking(move || index.search(&req))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct FacetLink {
    label: String,
    count: usize,
    url: String,
    current: bool,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(p): Query<SearchParams>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let lang = state.page_lang(&lang)?;
    render(state, lang, None, p, chrome).await
}

pub(crate) async fn agency_page(
    State(state): State<AppState>,
    Path((lang, agency)): Path<(String, String)>,
    Query(mut p): Query<SearchParams>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let (lang, org) = resolve(&state, &lang, &agency).await?;
    p.agency = Some(org.slug.to_string());
    render(state, lang, Some(org), p, chrome).await
}

async fn render(
    state: AppState,
    lang: Lang,
    org: Option<egov_store::Organization>,
    p: SearchParams,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let index = state
        .search()
        .ok_or_else(|| PageError::new(ErrorCode::Unavailable).in_lang(lang))?;
    let req = request(&state, &p, Some(lang)).map_err(|_| {
        PageError::new(ErrorCode::BadRequest)
            .in_lang(lang)
            .detail_msg("detail-search")
    })?;
    let results = run(index, req.clone()).await.map_err(PageError::internal)?;
    let langs = state.languages();
    let m = state.messages();
    let orgs = state.store().organizations().await?;
    let name_of = |slug: &str| {
        orgs.iter()
            .find(|o| o.slug.as_str() == slug)
            .and_then(|o| view::agency_view(o, lang, langs).short_name.map(|t| t.text))
            .unwrap_or_else(|| slug.to_owned())
    };
    let base = match &org {
        Some(o) => format!("/{lang}/{}/search", o.slug),
        None => format!("/{lang}/search"),
    };
    // A URL with one parameter changed (facet links, paging), others kept.
    let link = |set: &[(&str, Option<String>)]| {
        let mut params: Vec<(&str, String)> = vec![];
        let current = [
            ("q", Some(req.text.clone())),
            (
                "agency",
                if org.is_some() {
                    None
                } else {
                    req.agency.clone()
                },
            ),
            ("kind", req.kind.clone()),
            ("year", req.year.map(|y| y.to_string())),
            ("in", req.doc_lang.map(|l| l.to_string())),
        ];
        for (k, v) in current {
            let v = set
                .iter()
                .find(|(sk, _)| *sk == k)
                .map_or(v, |(_, sv)| sv.clone());
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                params.push((k, v));
            }
        }
        format!(
            "{base}?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    };
    let facet = |name: &str,
                 values: &[(String, usize)],
                 label: &dyn Fn(&str) -> String,
                 current: Option<String>|
     -> Vec<FacetLink> {
        values
            .iter()
            .map(|(v, n)| FacetLink {
                label: label(v),
                count: *n,
                current: current.as_deref() == Some(v.as_str()),
                url: link(&[
                    (
                        name,
                        if current.as_deref() == Some(v.as_str()) {
                            None
                        } else {
                            Some(v.clone())
                        },
                    ),
                    ("page", None),
                ]),
            })
            .collect()
    };
    let kind_label = |k: &str| m.get(lang, &format!("kind-label-{k}"), &[]);
    let lang_label =
        |l: &str| Lang::parse(l).map_or_else(|_| l.to_owned(), |l| l.endonym().to_owned());
    let facets = context! {
        agency => view::value(&if org.is_some() { vec![] } else { facet("agency", &results.facets.agency, &|s| name_of(s), req.agency.clone()) }),
        kind => view::value(&facet("kind", &results.facets.kind, &kind_label, req.kind.clone())),
        year => view::value(&facet("year", &results.facets.year, &|y: &str| y.to_owned(), req.year.map(|y| y.to_string()))),
        lang => view::value(&facet("in", &results.facets.lang, &lang_label, req.doc_lang.map(|l| l.to_string()))),
    };
    let hits: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|h| {
            serde_json::json!({
                "title": h.title, "url": h.url, "snippet": h.snippet, "lang": h.lang,
                "other_lang": h.lang != lang.as_str(),
                "agency": name_of(&h.agency), "kind": kind_label(&h.kind),
                "date": h.date.map(|d| view::display_date(egov_core::clock::Millis(d))),
                "date_iso": h.date.map(|d| egov_core::clock::Millis(d).ymd()),
            })
        })
        .collect();
    let total = i64::try_from(results.total).unwrap_or(0);
    let pages = view::paging(
        &base,
        link(&[("page", None)])
            .split_once('?')
            .map_or("", |(_, q)| q),
        req.page,
        total,
    );
    let crumbs = match &org {
        Some(o) => vec![
            Crumb::link(m.get(lang, "crumb-home", &[]), format!("/{lang}/")),
            Crumb::link(
                view::agency_view(o, lang, langs).name.text,
                format!("/{lang}/{}/", o.slug),
            ),
            Crumb::here(m.get(lang, "search", &[])),
        ],
        None => vec![
            Crumb::link(m.get(lang, "crumb-home", &[]), format!("/{lang}/")),
            Crumb::here(m.get(lang, "search", &[])),
        ],
    };
    chrome.render(
        &state,
        "search.html",
        context! {
            q => req.text.clone(),
            action => base.clone(),
            hits => view::value(&hits),
            total => total,
            partial => results.partial,
            suggestion => results.suggestion.clone(),
            suggestion_url => results.suggestion.as_ref().map(|s| link(&[("q", Some(s.clone())), ("page", None)])),
            facets => facets,
            paging => view::value(&pages),
            crumbs => view::value(&crumbs),
            scope => org.as_ref().map(|o| view::agency_view(o, lang, langs).name.text),
        },
    )
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchAnswer {
    pub query: String,
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
    /// No item had every word; these match some of them.
    pub partial: bool,
    /// Nothing matched; a spelling that would.
    pub suggestion: Option<String>,
    #[schema(value_type = Object)]
    pub facets: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "content", params(SearchParams),
    responses((status = 200, description = "Items matching the words, best first, one per item", body = SearchAnswer),
              (status = 400, body = crate::api::ErrorBody), (status = 503, body = crate::api::ErrorBody)))]
pub(crate) async fn api(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchAnswer>, ApiError> {
    let index = state.search().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "search is not available on this node",
        )
    })?;
    let req = request(&state, &p, None).map_err(|e| ApiError::new(ErrorCode::BadRequest, e))?;
    let results = run(index, req.clone()).await.map_err(|e| {
        tracing::error!(error = %e, "search failed");
        ApiError::new(ErrorCode::Internal, "the search could not be completed")
    })?;
    let base = state.config().public_url.trim_end_matches('/').to_owned();
    let items = results
        .hits
        .iter()
        .map(|h| {
            serde_json::json!({
                "key": h.key, "agency": h.agency, "kind": h.kind, "lang": h.lang, "title": h.title,
                "snippet": h.snippet, "url": format!("{base}{}", h.url),
                "date": h.date.map(|d| egov_core::clock::Millis(d).ymd()), "score": h.score,
            })
        })
        .collect();
    Ok(Json(SearchAnswer {
        query: req.text,
        total: results.total,
        page: req.page,
        per_page: req.per_page,
        partial: results.partial,
        suggestion: results.suggestion,
        facets: serde_json::to_value(&results.facets).unwrap_or_default(),
        items,
    }))
}
