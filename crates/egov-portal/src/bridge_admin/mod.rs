//! The bridge in `/admin/bridge`: a member's administrator applies for access for one of its information
//! systems (from a service's passport), the provider's administrator decides (narrowing the endpoints,
//! setting quota and expiry, or rejecting with a reason), both comment, both see the resulting grants and may
//! revoke them. The store keeps the rules; this module checks who acts for which organization.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::clock::Millis;
use egov_core::{ApplicationStatus, EndpointPattern, Environment, OrgId, Role};
use egov_store::{Actor, Application, NewApplication, StoreError};
use minijinja::context;
use serde::Serialize;

use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::view;

/// A form with nothing but its anti-forgery token (a revocation button).
#[derive(serde::Deserialize)]
pub(crate) struct Nothing {}

/// Days a provider has to decide, in working days.
const DUE_WORKING_DAYS: u32 = 10;

/// The organizations the user administers.
fn admin_orgs(user: &SignedInUser) -> Vec<OrgId> {
    let mut v: Vec<OrgId> = user
        .roles
        .iter()
        .filter(|r| r.role == Role::AgencyAdmin)
        .filter_map(|r| r.org)
        .collect();
    v.sort_unstable_by_key(|o| o.0);
    v.dedup();
    v
}

fn refused(state: &AppState, chrome: &Chrome, e: &StoreError) -> String {
    let why = match e {
        StoreError::Refused(m) => m.clone(),
        StoreError::Conflict(m) => format!("{m} already exists"),
        other => other.to_string(),
    };
    state
        .messages()
        .get(chrome.lang, "bridge-error", &[("reason", why)])
}

/// Names for ids: services by id (passport, title), subsystems by id (org, "slug/code"), orgs by id.
struct Names {
    services: HashMap<i64, (String, String, i64)>,
    subsystems: HashMap<i64, (OrgId, String)>,
}

async fn names(state: &AppState, lang: egov_core::Lang) -> Result<Names, PageError> {
    let orgs: HashMap<OrgId, String> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, o.slug.to_string()))
        .collect();
    let subsystems: HashMap<i64, (OrgId, String)> = state
        .store()
        .subsystems(None)
        .await?
        .into_iter()
        .map(|s| {
            let org = orgs.get(&s.org).cloned().unwrap_or_default();
            (s.id, (s.org, format!("{org}/{}", s.code)))
        })
        .collect();
    let services = state
        .store()
        .services(None)
        .await?
        .into_iter()
        .map(|s| {
            let title = view::text(&s.title, lang, state.languages())
                .map(|t| t.text)
                .unwrap_or_default();
            (s.id, (s.passport, title, s.subsystem))
        })
        .collect();
    Ok(Names {
        services,
        subsystems,
    })
}

#[derive(Serialize)]
struct Row {
    id: i64,
    service: String,
    passport: String,
    consumer: String,
    environment: String,
    status: String,
    pending: bool,
    due: String,
    overdue: bool,
    mine_to_decide: bool,
}

fn row(state: &AppState, lang: egov_core::Lang, n: &Names, a: &Application, mine: &[OrgId]) -> Row {
    let (passport, title, provider_sys) = n.services.get(&a.service).cloned().unwrap_or_default();
    let provider_org = n.subsystems.get(&provider_sys).map(|s| s.0);
    Row {
        id: a.id,
        service: title,
        passport,
        consumer: n
            .subsystems
            .get(&a.consumer)
            .map(|s| s.1.clone())
            .unwrap_or_default(),
        environment: state
            .messages()
            .get(lang, &format!("bridge-env-{}", a.environment), &[]),
        status: state
            .messages()
            .get(lang, &format!("bridge-status-{}", a.status), &[]),
        pending: a.status == ApplicationStatus::Pending,
        due: view::display_date(a.due_at),
        overdue: a.is_overdue(Millis::now()),
        mine_to_decide: provider_org.is_some_and(|o| mine.contains(&o)),
    }
}

pub(crate) async fn applications(
    State(state): State<AppState>,
    user: SignedInUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let mine = admin_orgs(&user);
    if mine.is_empty() && !user.is_platform_admin() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let n = names(&state, chrome.lang).await?;
    let mut list = Vec::new();
    let mut notes = Vec::new();
    if user.is_platform_admin() {
        list = state.store().applications(None).await?;
    } else {
        for org in &mine {
            list.extend(state.store().applications(Some(*org)).await?);
            notes.extend(state.store().notifications(*org, 20).await?);
        }
        list.sort_by_key(|a| std::cmp::Reverse((a.created_at, a.id)));
        list.dedup_by_key(|a| a.id);
    }
    let m = state.messages();
    let notes: Vec<_> = notes
        .iter()
        .map(|x| {
            let (key, passport) = x.message.split_once(' ').unwrap_or((&x.message, ""));
            context! {
                text => m.get(chrome.lang, &format!("bridge-note-{key}"), &[("passport", passport.to_owned())]),
                link => &x.link,
                at => view::display_date(x.created_at),
            }
        })
        .collect();
    let rows: Vec<Row> = list
        .iter()
        .map(|a| row(&state, chrome.lang, &n, a, &mine))
        .collect();
    Ok(chrome
        .render(
            &state,
            "bridge_applications.html",
            context! { rows => view::value(&rows), notes => notes },
        )?
        .into_response())
}

#[derive(Serialize)]
struct Option_ {
    id: i64,
    label: String,
}

async fn service_by_passport(
    state: &AppState,
    passport: &str,
) -> Result<egov_store::Service, PageError> {
    state
        .store()
        .services(None)
        .await?
        .into_iter()
        .find(|s| s.passport == passport)
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))
}

async fn apply_form(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    passport: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let service = service_by_passport(state, passport).await?;
    let mine = admin_orgs(user);
    let n = names(state, chrome.lang).await?;
    let systems: Vec<Option_> = state
        .store()
        .subsystems(None)
        .await?
        .into_iter()
        .filter(|s| mine.contains(&s.org))
        .map(|s| Option_ {
            id: s.id,
            label: n
                .subsystems
                .get(&s.id)
                .map(|x| x.1.clone())
                .unwrap_or_default(),
        })
        .collect();
    let title = view::text(&service.title, chrome.lang, state.languages())
        .map(|t| t.text)
        .unwrap_or_default();
    let page = chrome.render(
        state,
        "bridge_apply.html",
        context! {
            passport => &service.passport,
            service => title,
            endpoints => view::value(&service.endpoints),
            systems => view::value(&systems),
            error => error,
            form_csrf => chrome.csrf(),
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn apply_page(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(passport): Path<String>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    if admin_orgs(&user).is_empty() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    apply_form(&state, &chrome, &user, &passport, None, StatusCode::OK).await
}

/// Form fields as sent: repeated `endpoint` values come in the list.
fn fields(raw: &[(String, String)], name: &str) -> Vec<String> {
    raw.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn field(raw: &[(String, String)], name: &str) -> String {
    fields(raw, name).into_iter().next().unwrap_or_default()
}

/// `GET /persons/{id}` → a pattern.
fn parse_endpoints(values: &[String]) -> Result<Vec<EndpointPattern>, String> {
    values
        .iter()
        .map(|v| {
            let (m, p) = v
                .split_once(' ')
                .ok_or_else(|| format!("{v:?} is not METHOD /path"))?;
            EndpointPattern::parse(m, p).map_err(|e| e.to_string())
        })
        .collect()
}

pub(crate) async fn apply_submit(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(passport): Path<String>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    crate::security::VerifiedForm(raw): crate::security::VerifiedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mine = admin_orgs(&user);
    if mine.is_empty() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let service = service_by_passport(&state, &passport).await?;
    let bad = |msg: String| async {
        apply_form(
            &state,
            &chrome,
            &user,
            &passport,
            Some(msg),
            StatusCode::BAD_REQUEST,
        )
        .await
    };
    let consumer: i64 = match field(&raw, "consumer").parse() {
        Ok(id) => id,
        Err(_) => {
            return bad(refused(
                &state,
                &chrome,
                &StoreError::Refused("choose your information system".into()),
            ))
            .await;
        }
    };
    // The system must belong to an organization the user administers.
    let own = state
        .store()
        .subsystem_by_id(consumer)
        .await?
        .is_some_and(|s| mine.contains(&s.org));
    if !own {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let environment = match Environment::parse(&field(&raw, "environment")) {
        Ok(e) => e,
        Err(e) => return bad(e.to_string()).await,
    };
    let endpoints = match parse_endpoints(&fields(&raw, "endpoint")) {
        Ok(e) => e,
        Err(e) => return bad(refused(&state, &chrome, &StoreError::Refused(e))).await,
    };
    let new = NewApplication {
        consumer,
        service: service.id,
        environment,
        endpoints,
        purpose: field(&raw, "purpose"),
        legal_basis: field(&raw, "legal_basis"),
        applied_by: user.user.id,
        due_working_days: DUE_WORKING_DAYS,
    };
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state.store().apply_for_access(&new, &actor).await {
        Ok(a) => Ok(Redirect::to(&format!("/admin/bridge/applications/{}", a.id)).into_response()),
        Err(e @ (StoreError::Refused(_) | StoreError::Conflict(_))) => {
            let msg = refused(&state, &chrome, &e);
            apply_form(
                &state,
                &chrome,
                &user,
                &passport,
                Some(msg),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) mod api;
pub(crate) mod api_access;
pub(crate) mod api_credentials;
mod certificates;
mod monitoring;
pub(crate) use monitoring::page as monitoring;
mod systems;
pub(crate) use systems::{
    add_service, add_system, page as systems, set_status as set_service_status,
};
mod credentials;
mod decisions;
pub(crate) use certificates::{download as download_certificate, issue as issue_certificate};
pub use credentials::new_token;
pub(crate) use credentials::{
    issue as issue_credential, list as credentials, revoke as revoke_credential,
};
pub(crate) use decisions::{application, comment, decide, grants, revoke};
