//! The national home page: the platform's front door in every language.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;

use crate::AppState;
use crate::errors::{ErrorCode, PageError};
use crate::render::{Chrome, request_lang};

/// `/` sends the reader to the home page in their language.
pub(crate) async fn root(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = request_lang("/", None, &headers, state.languages());
    Redirect::to(&format!("/{lang}/")).into_response()
}

#[derive(Serialize)]
struct AgencyCard {
    slug: String,
    kind: String,
    name: String,
    name_lang: String,
    fallback: bool,
}

pub(crate) async fn national_home(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    if state.languages().parse_supported(&lang).is_none() {
        return Err(PageError::new(ErrorCode::NotFound).in_lang(chrome.lang));
    }
    let langs = state.languages();
    let agencies: Vec<AgencyCard> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .filter(|o| o.member_class.as_str() == "GOV")
        .filter_map(|o| {
            let name = o.name.resolve(chrome.lang, langs)?;
            Some(AgencyCard {
                slug: o.slug.to_string(),
                kind: o.kind.clone(),
                name: name.text.to_owned(),
                name_lang: name.lang.to_string(),
                fallback: name.fallback,
            })
        })
        .collect();
    chrome.render(
        &state,
        "home.html",
        context! { agencies => minijinja::Value::from(minijinja::value::Serde(&agencies)) },
    )
}
