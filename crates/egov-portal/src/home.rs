//! The national home page, the platform's front door in every language, and the reader's display settings.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::errors::{ErrorCode, PageError};
use crate::news;
use crate::render::{Chrome, VI_COOKIE, request_lang};
use crate::security::set_cookie;
use crate::view::{self, AgencyView, ItemView};

/// `/` sends the reader to the home page in their language.
pub(crate) async fn root(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = request_lang("/", None, &headers, state.languages());
    Redirect::to(&format!("/{lang}/")).into_response()
}

/// `/{lang}/{agency}` → `/{lang}/{agency}/`.
pub(crate) async fn add_slash(
    State(state): State<AppState>,
    Path((lang, agency)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (lang, org) = crate::sites::resolve(&state, &lang, &agency).await?;
    Ok(Redirect::permanent(&format!("/{lang}/{}/", org.slug)).into_response())
}

#[derive(Serialize)]
struct Group {
    kind: String,
    title: String,
    agencies: Vec<AgencyView>,
}

#[derive(Serialize)]
struct NewsCard {
    item: ItemView,
    agency: String,
}

/// Agencies grouped by kind, in this order.
const KINDS: &[&str] = &["ministry", "committee", "agency", "local"];

pub(crate) async fn national_home(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let Some(lang) = state.languages().parse_supported(&lang) else {
        return Err(PageError::new(ErrorCode::NotFound).in_lang(chrome.lang));
    };
    let langs = state.languages();
    let orgs = state.store().organizations().await?;
    let mut groups: Vec<Group> = KINDS
        .iter()
        .map(|k| Group {
            kind: (*k).to_owned(),
            title: state.messages().get(lang, &format!("kind-{k}"), &[]),
            agencies: vec![],
        })
        .collect();
    for o in orgs.iter().filter(|o| o.member_class.as_str() == "GOV") {
        let idx = KINDS
            .iter()
            .position(|k| *k == o.kind)
            .unwrap_or(KINDS.len() - 1);
        groups[idx].agencies.push(view::agency_view(o, lang, langs));
    }
    for g in &mut groups {
        g.agencies
            .sort_by_cached_key(|a| view::collation_key(lang, &a.name.text));
    }
    groups.retain(|g| !g.agencies.is_empty());
    let latest: Vec<NewsCard> = news::latest(&state, lang, 8)
        .await?
        .into_iter()
        .map(|(item, agency)| NewsCard { item, agency })
        .collect();
    chrome.render(
        &state,
        "home.html",
        context! {
            groups => view::value(&groups),
            latest => view::value(&latest),
            feed => format!("/{lang}/news.atom"),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct VisualMode {
    on: Option<String>,
    back: Option<String>,
}

/// Turns the visually-impaired mode on or off (a display preference, kept for a year) and returns the
/// reader to the page they were on.
pub(crate) async fn visual_mode(
    State(state): State<AppState>,
    Query(q): Query<VisualMode>,
) -> Response {
    let on = q.on.as_deref() == Some("1");
    let back = q
        .back
        .as_deref()
        .and_then(crate::security::local_path)
        .unwrap_or_else(|| "/".to_owned());
    let secure = state.config().secure_cookies;
    let cookie = if on {
        set_cookie(VI_COOKIE, "1", Some(365 * 86_400), "Lax", false, secure)
    } else {
        set_cookie(VI_COOKIE, "", Some(0), "Lax", false, secure)
    };
    let mut resp = Redirect::to(&back).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    resp
}
