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
use egov_store::{Actor, Application, Decision, NewApplication, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::view;

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
        .subsystems(None)
        .await?
        .into_iter()
        .any(|s| s.id == consumer && mine.contains(&s.org));
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

/// The application, if the user acts for one of its two parties (platform admins see all): with whether
/// the user is its provider.
async fn party(
    state: &AppState,
    user: &SignedInUser,
    id: &str,
) -> Result<(Application, Option<OrgId>, Option<OrgId>), PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(ErrorCode::NotFound))?;
    let app = state
        .store()
        .application(id)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    let subsystems = state.store().subsystems(None).await?;
    let org_of = |sys: i64| subsystems.iter().find(|s| s.id == sys).map(|s| s.org);
    let service = state
        .store()
        .service(app.service)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    let mine = admin_orgs(user);
    let provider = org_of(service.subsystem).filter(|o| mine.contains(o));
    let consumer = org_of(app.consumer).filter(|o| mine.contains(o));
    if provider.is_none() && consumer.is_none() && !user.is_platform_admin() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    Ok((app, provider, consumer))
}

async fn application_page(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (app, provider, consumer) = party(state, user, id).await?;
    let n = names(state, chrome.lang).await?;
    let r = row(state, chrome.lang, &n, &app, &admin_orgs(user));
    let service = state.store().service(app.service).await?;
    let mut comments = Vec::new();
    for c in state.store().application_comments(app.id).await? {
        let who = state
            .store()
            .user(c.author)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        comments.push(context! { who => who, at => Millis::rfc3339(c.created_at), text => c.text });
    }
    let page = chrome.render(
        state,
        "bridge_application.html",
        context! {
            a => view::value(&r),
            endpoints => app.endpoints.iter().map(ToString::to_string).collect::<Vec<_>>(),
            purpose => &app.purpose,
            legal_basis => &app.legal_basis,
            reason => &app.reason,
            comments => comments,
            can_comment => provider.is_some() || consumer.is_some(),
            can_decide => provider.is_some() && app.status == ApplicationStatus::Pending,
            default_quota => service.map(|s| s.rate_limit).unwrap_or(60),
            error => error,
            form_csrf => chrome.csrf(),
        },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn application(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    application_page(&state, &chrome, &user, &id, None, StatusCode::OK).await
}

pub(crate) async fn comment(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    crate::security::VerifiedForm(raw): crate::security::VerifiedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (app, provider, consumer) = party(&state, &user, &id).await?;
    if provider.is_none() && consumer.is_none() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state
        .store()
        .comment_on_application(app.id, user.user.id, &field(&raw, "text"), &actor)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/bridge/applications/{}", app.id)).into_response())
        }
        Err(e @ StoreError::Refused(_)) => {
            let msg = refused(&state, &chrome, &e);
            application_page(
                &state,
                &chrome,
                &user,
                &id,
                Some(msg),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    crate::security::VerifiedForm(raw): crate::security::VerifiedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (app, provider, _) = party(&state, &user, &id).await?;
    let Some(provider) = provider else {
        return Err(PageError::new(ErrorCode::Forbidden));
    };
    let fail = |msg: String, status: StatusCode| {
        let (state, chrome, user, id) = (&state, &chrome, &user, &id);
        async move { application_page(state, chrome, user, id, Some(msg), status).await }
    };
    let decision = if field(&raw, "decision") == "approve" {
        let endpoints = match parse_endpoints(&fields(&raw, "endpoint")) {
            Ok(e) => e,
            Err(e) => return fail(e, StatusCode::BAD_REQUEST).await,
        };
        let Ok(quota) = field(&raw, "quota").trim().parse::<i64>() else {
            return fail(
                refused(
                    &state,
                    &chrome,
                    &StoreError::Refused("the quota is a whole number".into()),
                ),
                StatusCode::BAD_REQUEST,
            )
            .await;
        };
        let expires = field(&raw, "expires");
        let expires_at = match expires.trim() {
            "" => None,
            d => match Millis::parse_ymd(d) {
                Some(m) => Some(m),
                None => {
                    return fail(
                        refused(
                            &state,
                            &chrome,
                            &StoreError::Refused("the expiry is a date like 2026-12-31".into()),
                        ),
                        StatusCode::BAD_REQUEST,
                    )
                    .await;
                }
            },
        };
        let note = Some(field(&raw, "note")).filter(|n| !n.trim().is_empty());
        Decision::Approve {
            endpoints,
            quota,
            expires_at,
            note,
        }
    } else {
        Decision::Reject {
            reason: field(&raw, "reason"),
        }
    };
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state
        .store()
        .decide_application(app.id, provider, &decision, user.user.id, &actor)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/bridge/applications/{}", app.id)).into_response())
        }
        Err(e @ (StoreError::Refused(_) | StoreError::Conflict(_))) => {
            let status = if matches!(e, StoreError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            fail(refused(&state, &chrome, &e), status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct GrantRow {
    id: i64,
    service: String,
    passport: String,
    consumer: String,
    environment: String,
    endpoints: String,
    quota: i64,
    expires: Option<String>,
    state: String,
    live: bool,
}

pub(crate) async fn grants(
    State(state): State<AppState>,
    user: SignedInUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let mine = admin_orgs(&user);
    if mine.is_empty() && !user.is_platform_admin() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let mut list = Vec::new();
    if user.is_platform_admin() {
        list = state.store().grants(None).await?;
    } else {
        for org in &mine {
            list.extend(state.store().grants(Some(*org)).await?);
        }
        list.sort_by_key(|g| std::cmp::Reverse(g.id));
        list.dedup_by_key(|g| g.id);
    }
    let n = names(&state, chrome.lang).await?;
    let m = state.messages();
    let now = Millis::now();
    let rows: Vec<GrantRow> = list
        .iter()
        .map(|g| {
            let (passport, title, _) = n.services.get(&g.service).cloned().unwrap_or_default();
            let state_key = if g.revoked_at.is_some() {
                "bridge-revoked"
            } else if g.is_live(now) {
                "bridge-live"
            } else {
                "bridge-expired"
            };
            GrantRow {
                id: g.id,
                service: title,
                passport,
                consumer: n
                    .subsystems
                    .get(&g.consumer)
                    .map(|s| s.1.clone())
                    .unwrap_or_default(),
                environment: m.get(chrome.lang, &format!("bridge-env-{}", g.environment), &[]),
                endpoints: g
                    .endpoints
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                quota: g.quota,
                expires: g.expires_at.map(view::display_date),
                state: m.get(chrome.lang, state_key, &[]),
                live: g.is_live(now),
            }
        })
        .collect();
    Ok(chrome
        .render(
            &state,
            "bridge_grants.html",
            context! { rows => view::value(&rows), form_csrf => chrome.csrf(), can_revoke => !mine.is_empty() },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct Nothing {}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
    ClientAddr(addr): ClientAddr,
    crate::security::VerifiedForm(_): crate::security::VerifiedForm<Nothing>,
) -> Result<Response, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(ErrorCode::NotFound))?;
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    let mut last = Err(PageError::new(ErrorCode::Forbidden));
    // The user revokes for whichever of their organizations is a party.
    for org in admin_orgs(&user) {
        match state
            .store()
            .revoke_grant(id, org, user.user.id, &actor)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/admin/bridge/grants").into_response()),
            Err(StoreError::Refused(_)) => continue,
            Err(StoreError::Conflict(_)) => last = Err(PageError::new(ErrorCode::BadRequest)),
            Err(e) => return Err(e.into()),
        }
    }
    last
}
