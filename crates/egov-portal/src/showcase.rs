//! The bridge's showcase: `/{lang}/services` lists the services state information systems offer (search,
//! filters by category, provider and personal data), and each service's passport page renders its OpenAPI
//! document as a readable reference, with its full X-Road id; the document itself is downloadable.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use egov_core::{Lang, Localized, OrgId, ServiceStatus};
use egov_store::{Organization, Service, Subsystem};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::ApiError;
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::view::{self, Crumb};

/// Everything the showcase shows of one service.
struct Entry {
    service: Service,
    subsystem: Subsystem,
    provider: Organization,
}

async fn entries(state: &AppState) -> Result<Vec<Entry>, PageError> {
    let orgs: HashMap<OrgId, Organization> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let subsystems: HashMap<i64, Subsystem> = state
        .store()
        .subsystems(None)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(state
        .store()
        .services(None)
        .await?
        .into_iter()
        .filter_map(|service| {
            let subsystem = subsystems.get(&service.subsystem)?.clone();
            let provider = orgs.get(&subsystem.org)?.clone();
            Some(Entry {
                service,
                subsystem,
                provider,
            })
        })
        .collect())
}

/// `TJ/GOV/020000106/civil-registry/person-lookup`.
fn service_id(state: &AppState, e: &Entry) -> String {
    format!(
        "{}/{}/{}/{}/{}",
        state.deployment().instance,
        e.provider.member_class.as_str(),
        e.provider.legal_id.as_str(),
        e.subsystem.code,
        e.service.code
    )
}

fn local(l: &Localized, lang: Lang, state: &AppState) -> view::Text {
    view::text(l, lang, state.languages()).unwrap_or(view::Text {
        text: String::new(),
        lang: lang.to_string(),
        fallback: false,
    })
}

#[derive(Serialize)]
struct Card {
    passport: String,
    title: view::Text,
    description: view::Text,
    provider: String,
    category: String,
    personal_data: bool,
    deprecated: bool,
    operations: usize,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// Words to find in the title, description, passport code or provider's name.
    q: Option<String>,
    /// Only this category (`civil-status`, `business`, `transport`, `justice`…).
    category: Option<String>,
    /// Only this provider (its slug).
    provider: Option<String>,
    /// `yes`: only services with personal data; `no`: only without.
    personal: Option<String>,
    /// API only: the language of titles and descriptions (default: the deployment's first).
    lang: Option<String>,
}

/// `personal=yes|no`, or none.
fn personal_filter(f: &Filters) -> Result<Option<bool>, String> {
    match f.personal.as_deref() {
        None | Some("") => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(other) => Err(format!("personal: {other:?} is neither yes nor no")),
    }
}

/// The entries matching the filters: every word of `q` somewhere in the title, description, passport code,
/// service code or provider's name (in `lang`), and the category, provider and personal-data choices.
fn select<'a>(
    state: &AppState,
    all: &'a [Entry],
    f: &Filters,
    personal: Option<bool>,
    lang: Lang,
) -> Vec<&'a Entry> {
    let q: String =
        f.q.as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(200)
            .collect();
    let words: Vec<String> = q
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    all.iter()
        .filter(|e| {
            f.category
                .as_deref()
                .is_none_or(|c| c.is_empty() || c == e.service.category)
        })
        .filter(|e| {
            f.provider
                .as_deref()
                .is_none_or(|p| p.is_empty() || p == e.provider.slug.as_str())
        })
        .filter(|e| personal.is_none_or(|p| p == e.service.personal_data))
        .filter(|e| {
            let hay = [
                local(&e.service.title, lang, state).text,
                local(&e.service.description, lang, state).text,
                e.service.passport.clone(),
                e.service.code.to_string(),
                view::agency_view(&e.provider, lang, state.languages())
                    .name
                    .text,
            ]
            .join(" ")
            .to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect()
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn category_label(state: &AppState, lang: Lang, c: &str) -> String {
    let id = format!("service-category-{c}");
    let label = state.messages().get(lang, &id, &[]);
    if label == id { c.to_owned() } else { label }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(f): Query<Filters>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let lang = state.page_lang(&lang)?;
    let personal = personal_filter(&f).map_err(|_| {
        PageError::new(ErrorCode::BadRequest)
            .in_lang(lang)
            .detail_msg("detail-search")
    })?;
    let q: String =
        f.q.as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(200)
            .collect();
    let all = entries(&state).await?;
    let mut categories: Vec<String> = all.iter().map(|e| e.service.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let mut providers: Vec<(String, String)> = all
        .iter()
        .map(|e| {
            (
                e.provider.slug.to_string(),
                view::agency_view(&e.provider, lang, state.languages())
                    .name
                    .text,
            )
        })
        .collect();
    providers.sort_by_cached_key(|(_, n)| view::collation_key(lang, n));
    providers.dedup();
    let cards: Vec<Card> = select(&state, &all, &f, personal, lang)
        .into_iter()
        .map(|e| Card {
            passport: e.service.passport.clone(),
            title: local(&e.service.title, lang, &state),
            description: local(&e.service.description, lang, &state),
            provider: view::agency_view(&e.provider, lang, state.languages())
                .name
                .text,
            category: category_label(&state, lang, &e.service.category),
            personal_data: e.service.personal_data,
            deprecated: e.service.status == ServiceStatus::Deprecated,
            operations: e.service.endpoints.len(),
        })
        .collect();
    let m = state.messages();
    let crumbs = vec![
        Crumb::link(m.get(lang, "crumb-home", &[]), format!("/{lang}/")),
        Crumb::here(m.get(lang, "showcase-title", &[])),
    ];
    let choice = |value: &str, label: String, current: Option<&str>| Choice {
        selected: current == Some(value),
        value: value.to_owned(),
        label,
    };
    chrome.render(
        &state,
        "showcase.html",
        context! {
            q => q,
            cards => view::value(&cards),
            total => all.len(),
            categories => view::value(&categories.iter().map(|c| choice(c, category_label(&state, lang, c), f.category.as_deref())).collect::<Vec<_>>()),
            providers => view::value(&providers.iter().map(|(s, n)| choice(s, n.clone(), f.provider.as_deref())).collect::<Vec<_>>()),
            personal => f.personal.clone().unwrap_or_default(),
            crumbs => view::value(&crumbs),
        },
    )
}

async fn find(state: &AppState, passport: &str) -> Result<Entry, PageError> {
    if passport.len() > 64
        || !passport
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(PageError::new(ErrorCode::NotFound));
    }
    entries(state)
        .await?
        .into_iter()
        .find(|e| e.service.passport == passport)
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))
}

pub(crate) async fn passport(
    State(state): State<AppState>,
    Path((lang, passport)): Path<(String, String)>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let lang = state.page_lang(&lang)?;
    let e = find(&state, &passport).await.map_err(|e| e.in_lang(lang))?;
    let reference = e
        .service
        .openapi
        .as_ref()
        .and_then(|d| egov_core::openapi::describe(d).ok());
    let m = state.messages();
    let title = local(&e.service.title, lang, &state);
    let crumbs = vec![
        Crumb::link(m.get(lang, "crumb-home", &[]), format!("/{lang}/")),
        Crumb::link(
            m.get(lang, "showcase-title", &[]),
            format!("/{lang}/services"),
        ),
        Crumb::text(&title, None),
    ];
    chrome.render(
        &state,
        "passport.html",
        context! {
            passport => &e.service.passport,
            title => view::value(&title),
            description => view::value(&local(&e.service.description, lang, &state)),
            sla => view::value(&local(&e.service.sla, lang, &state)),
            provider => view::agency_view(&e.provider, lang, state.languages()).name.text,
            provider_slug => e.provider.slug.to_string(),
            subsystem => view::value(&local(&e.subsystem.name, lang, &state)),
            contact => e.subsystem.contact.as_str(),
            service_id => service_id(&state, &e),
            category => category_label(&state, lang, &e.service.category),
            personal_data => e.service.personal_data,
            deprecated => e.service.status == ServiceStatus::Deprecated,
            rate_limit => e.service.rate_limit,
            endpoints => view::value(&e.service.endpoints),
            reference => reference.as_ref().map(view::value),
            has_openapi => e.service.openapi.is_some(),
            crumbs => view::value(&crumbs),
        },
    )
}

pub(crate) async fn openapi_document(
    State(state): State<AppState>,
    Path((_lang, passport)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let e = find(&state, &passport).await?;
    let doc = e
        .service
        .openapi
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    let body = serde_json::to_string_pretty(&doc).map_err(PageError::internal)?;
    let disposition = format!(
        "attachment; filename=\"{}.openapi.json\"",
        e.service.passport
    );
    let mut resp = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// A service as the JSON API gives it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceItem {
    pub passport: String,
    /// The X-Road service id: `TJ/GOV/020000106/civil-registry/person-lookup`.
    pub service_id: String,
    pub title: String,
    pub description: String,
    pub provider: String,
    pub provider_name: String,
    pub category: String,
    pub personal_data: bool,
    /// `active` or `deprecated`.
    pub status: String,
    /// Calls per minute a grant gets by default.
    pub rate_limit: i64,
    #[schema(value_type = Vec<Object>)]
    pub endpoints: Vec<egov_store::Endpoint>,
    /// The passport page.
    pub url: String,
    /// The OpenAPI document, when the service has one.
    pub openapi_url: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceList {
    pub total: usize,
    pub items: Vec<ServiceItem>,
}

fn item(state: &AppState, e: &Entry, lang: Lang) -> ServiceItem {
    let base = state.config().public_url.trim_end_matches('/');
    let page = format!("{base}/{lang}/services/{}", e.service.passport);
    ServiceItem {
        passport: e.service.passport.clone(),
        service_id: service_id(state, e),
        title: local(&e.service.title, lang, state).text,
        description: local(&e.service.description, lang, state).text,
        provider: e.provider.slug.to_string(),
        provider_name: view::agency_view(&e.provider, lang, state.languages())
            .name
            .text,
        category: e.service.category.clone(),
        personal_data: e.service.personal_data,
        status: e.service.status.to_string(),
        rate_limit: e.service.rate_limit,
        endpoints: e.service.endpoints.clone(),
        openapi_url: e
            .service
            .openapi
            .as_ref()
            .map(|_| format!("{page}/openapi.json")),
        url: page,
    }
}

#[utoipa::path(get, path = "/api/v1/services", tag = "registry", params(Filters),
    responses((status = 200, description = "Services of state information systems, by passport code", body = ServiceList),
              (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn api_list(
    State(state): State<AppState>,
    Query(f): Query<Filters>,
) -> Result<Json<ServiceList>, ApiError> {
    let lang = state.api_lang(f.lang.as_deref())?;
    let personal = personal_filter(&f).map_err(|e| ApiError::new(ErrorCode::BadRequest, e))?;
    let all = entries(&state)
        .await
        .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the registry cannot be read now"))?;
    let items: Vec<ServiceItem> = select(&state, &all, &f, personal, lang)
        .into_iter()
        .map(|e| item(&state, e, lang))
        .collect();
    Ok(Json(ServiceList {
        total: items.len(),
        items,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// The language of the title and description (default: the deployment's first).
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/services/{passport}", tag = "registry",
    params(("passport" = String, Path, description = "The passport code, e.g. MOJ-S-0001"), LangParam),
    responses((status = 200, body = ServiceItem), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn api_one(
    State(state): State<AppState>,
    Path(passport): Path<String>,
    Query(p): Query<LangParam>,
) -> Result<Json<ServiceItem>, ApiError> {
    let lang = state.api_lang(p.lang.as_deref())?;
    let e = find(&state, &passport).await.map_err(|_| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no service with passport code {passport:?}"),
        )
    })?;
    Ok(Json(item(&state, &e, lang)))
}
