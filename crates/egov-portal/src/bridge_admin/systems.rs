//! The provider's side of the registry in `/admin/bridge/systems`: an organization's administrator
//! registers its information systems (subsystems) and their services, each service with its OpenAPI 3
//! document (JSON or YAML, pasted or read from a file by the page), validated before anything is stored;
//! the document's operations become the endpoints that applications and grants name. A service can be
//! deprecated and brought back.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::{Email, Localized, ServiceCode, ServiceStatus, SubsystemCode};
use egov_store::{Actor, Endpoint, NewService, StoreError};
use minijinja::context;
use serde::Serialize;

use super::{Nothing, admin_orgs, field, refused};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::VerifiedForm;
use crate::view;

/// Categories a service may be filed under (the showcase filters by them).
pub const CATEGORIES: &[&str] = &[
    "civil-status",
    "business",
    "tax",
    "transport",
    "justice",
    "social",
    "health",
    "education",
    "land",
    "trade",
];

#[derive(Serialize)]
struct ServiceRow {
    passport: String,
    code: String,
    title: String,
    status: String,
    deprecated: bool,
    endpoints: usize,
}

#[derive(Serialize)]
struct SystemRow {
    id: i64,
    org: String,
    code: String,
    name: String,
    client: String,
    services: Vec<ServiceRow>,
}

async fn render(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mine = admin_orgs(user);
    if mine.is_empty() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let mut orgs = Vec::new();
    for id in &mine {
        if let Some(o) = state.store().organization(*id).await? {
            let name = view::text(&o.name, chrome.lang, state.languages())
                .map(|t| t.text)
                .unwrap_or_default();
            orgs.push((o.id, o.slug.to_string(), name));
        }
    }
    let mut systems = Vec::new();
    for (org, slug, _) in &orgs {
        for s in state.store().subsystems(Some(*org)).await? {
            let services = state
                .store()
                .services(Some(s.id))
                .await?
                .into_iter()
                .map(|v| ServiceRow {
                    title: view::text(&v.title, chrome.lang, state.languages())
                        .map(|t| t.text)
                        .unwrap_or_default(),
                    deprecated: v.status == ServiceStatus::Deprecated,
                    status: v.status.as_str().to_owned(),
                    endpoints: v.endpoints.len(),
                    code: v.code.to_string(),
                    passport: v.passport,
                })
                .collect();
            systems.push(SystemRow {
                id: s.id,
                org: slug.clone(),
                name: view::text(&s.name, chrome.lang, state.languages())
                    .map(|t| t.text)
                    .unwrap_or_default(),
                client: state
                    .store()
                    .client_id(s.id)
                    .await?
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                code: s.code.to_string(),
                services,
            });
        }
    }
    let langs: Vec<_> = state
        .languages()
        .all()
        .iter()
        .map(|l| context! { code => l.as_str(), name => l.endonym() })
        .collect();
    let page = chrome.render(
        state,
        "bridge_systems.html",
        context! {
            orgs => orgs.iter().map(|(id, slug, name)| context! { id => id.0, slug => slug, name => name }).collect::<Vec<_>>(),
            systems => view::value(&systems),
            langs => langs,
            categories => CATEGORIES.to_vec(),
            error => error,
            form_csrf => chrome.csrf(),
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    user: SignedInUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    render(&state, &chrome, &user, None, StatusCode::OK).await
}

/// The per-language fields `{prefix}_{lang}` as localized text (empty languages left out).
fn localized(state: &AppState, raw: &[(String, String)], prefix: &str) -> Localized {
    let mut l = Localized::new();
    for lang in state.languages().all() {
        let v = field(raw, &format!("{prefix}_{}", lang.as_str()));
        if !v.trim().is_empty() {
            l.set(*lang, v.trim().to_owned());
        }
    }
    l
}

/// An endpoint URL of a provider: http or https, a host (and port), a path; no user or password, query or
/// fragment (the gateway appends the called path and query), and never a link-local, unspecified or
/// multicast address (cloud metadata services live there).
fn endpoint_url(raw: &str, what: &str) -> Result<Option<String>, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "the {what} URL must be http:// or https://, with a host, and without user name, password, query, fragment or spaces"
        )
    };
    if v.len() > 500 || v.chars().any(char::is_whitespace) || v.contains(['?', '#', '@']) {
        return Err(bad());
    }
    let uri: http::Uri = v.parse().map_err(|_| bad())?;
    if !matches!(uri.scheme_str(), Some("http" | "https"))
        || !port_ok(uri.authority().map_or("", |a| a.as_str()))
    {
        return Err(bad());
    }
    let host = uri
        .host()
        .ok_or_else(bad)?
        .trim_start_matches('[')
        .trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        let forbidden = match ip {
            std::net::IpAddr::V4(a) => {
                a.is_link_local() || a.is_unspecified() || a.is_multicast() || a.is_broadcast()
            }
            std::net::IpAddr::V6(a) => {
                a.is_unspecified() || a.is_multicast() || (a.segments()[0] & 0xffc0) == 0xfe80
            }
        };
        if forbidden {
            return Err(format!(
                "the {what} URL names a link-local, unspecified or multicast address, which a service cannot have"
            ));
        }
    }
    Ok(Some(v.trim_end_matches('/').to_owned()))
}

/// The port of an authority (`host:port`, `[v6]:port`), if any, is 1–65535.
fn port_ok(authority: &str) -> bool {
    let after_host = authority.rsplit(']').next().unwrap_or(authority);
    match after_host.rsplit_once(':') {
        None => true,
        Some((_, port)) => port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p)),
    }
}

async fn fail(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    e: &StoreError,
) -> Result<Response, PageError> {
    let msg = refused(state, chrome, e);
    render(state, chrome, user, Some(msg), StatusCode::BAD_REQUEST).await
}

pub(crate) async fn add_system(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(raw): VerifiedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let org = field(&raw, "org").parse::<i64>().unwrap_or(-1);
    let Some(org) = admin_orgs(&user).into_iter().find(|o| o.0 == org) else {
        return Err(PageError::new(ErrorCode::Forbidden));
    };
    let code = match SubsystemCode::parse(field(&raw, "code").trim()) {
        Ok(c) => c,
        Err(e) => return fail(&state, &chrome, &user, &StoreError::Refused(e.to_string())).await,
    };
    let contact = match Email::parse(field(&raw, "contact").trim()) {
        Ok(c) => c,
        Err(e) => return fail(&state, &chrome, &user, &StoreError::Refused(e.to_string())).await,
    };
    let name = localized(&state, &raw, "name");
    if name.is_empty() {
        let e = StoreError::Refused("a system needs a name in at least one language".into());
        return fail(&state, &chrome, &user, &e).await;
    }
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state
        .store()
        .create_subsystem(org, &code, &name, &contact, &actor)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/bridge/systems").into_response()),
        Err(e @ (StoreError::Refused(_) | StoreError::Conflict(_))) => {
            fail(&state, &chrome, &user, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads the service form into a new service, or says what is wrong with it.
pub(super) fn new_service(
    state: &AppState,
    raw: &[(String, String)],
    subsystem: i64,
) -> Result<NewService, String> {
    let code = ServiceCode::parse(field(raw, "code").trim()).map_err(|e| e.to_string())?;
    let title = localized(state, raw, "title");
    if title.is_empty() {
        return Err("a service needs a title in at least one language".into());
    }
    let category = field(raw, "category");
    if !CATEGORIES.contains(&category.as_str()) {
        return Err("choose one of the listed categories".into());
    }
    let production_url = endpoint_url(&field(raw, "production_url"), "production")?;
    let test_url = endpoint_url(&field(raw, "test_url"), "test")?;
    if production_url.is_none() && test_url.is_none() {
        return Err("a service needs a production or a test URL".into());
    }
    let rate_limit = match field(raw, "rate_limit").trim().parse::<i64>() {
        Ok(n) if (1..=1_000_000).contains(&n) => n,
        _ => return Err("the rate limit is 1 to 1,000,000 calls per minute".into()),
    };
    let document = field(raw, "openapi");
    if document.trim().is_empty() {
        return Err("a service needs its OpenAPI 3 document (JSON or YAML)".into());
    }
    let (doc, described) = egov_core::openapi::parse(&document)
        .map_err(|e| format!("the OpenAPI document {}", e.why))?;
    let endpoints = egov_core::openapi::endpoints(&described)
        .into_iter()
        .map(|(method, path)| Endpoint { method, path })
        .collect();
    Ok(NewService {
        subsystem,
        code,
        title,
        description: localized(state, raw, "description"),
        category,
        production_url,
        test_url,
        openapi: Some(doc),
        personal_data: field(raw, "personal_data") == "on",
        rate_limit,
        sla: localized(state, raw, "sla"),
        endpoints,
    })
}

pub(crate) async fn add_service(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(raw): VerifiedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let system = match state
        .store()
        .subsystem_by_id(field(&raw, "subsystem").parse().unwrap_or(-1))
        .await?
    {
        Some(s) if admin_orgs(&user).contains(&s.org) => s,
        _ => return Err(PageError::new(ErrorCode::Forbidden)),
    };
    let new = match new_service(&state, &raw, system.id) {
        Ok(n) => n,
        Err(why) => return fail(&state, &chrome, &user, &StoreError::Refused(why)).await,
    };
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state.store().create_service(&new, &actor).await {
        Ok(s) => Ok(Redirect::to(&format!(
            "/{}/services/{}",
            chrome.lang.as_str(),
            s.passport
        ))
        .into_response()),
        Err(e @ (StoreError::Refused(_) | StoreError::Conflict(_) | StoreError::Corrupt(_))) => {
            fail(&state, &chrome, &user, &StoreError::Refused(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Deprecates a service, or makes a deprecated one active again (`status` = `active` | `deprecated`).
pub(crate) async fn set_status(
    State(state): State<AppState>,
    user: SignedInUser,
    Path((passport, status)): Path<(String, String)>,
    ClientAddr(addr): ClientAddr,
    VerifiedForm(_): VerifiedForm<Nothing>,
) -> Result<Response, PageError> {
    let status = ServiceStatus::parse(&status).map_err(|_| PageError::new(ErrorCode::NotFound))?;
    let service = super::service_by_passport(&state, &passport).await?;
    let owner = state.store().subsystem_by_id(service.subsystem).await?;
    if !owner.is_some_and(|s| admin_orgs(&user).contains(&s.org)) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    state
        .store()
        .set_service_status(service.id, status, &actor)
        .await?;
    Ok(Redirect::to("/admin/bridge/systems").into_response())
}
