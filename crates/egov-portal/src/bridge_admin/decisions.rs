//! Deciding, commenting, grants and revocation (see the parent module).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::clock::Millis;
use egov_core::{ApplicationStatus, OrgId};
use egov_store::{Actor, Application, Decision, StoreError};
use minijinja::context;
use serde::Serialize;

use super::{Nothing, admin_orgs, field, fields, names, parse_endpoints, refused, row};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::view;

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
            d => match Millis::parse_ymd(d).map(|m| m.plus_secs(86_400)) {
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
    let mine = admin_orgs(&user);
    if mine.is_empty() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    // The user revokes for whichever of their organizations is a party.
    match state
        .store()
        .revoke_grant(id, &mine, user.user.id, &actor)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/bridge/grants").into_response()),
        Err(StoreError::Refused(_)) => Err(PageError::new(ErrorCode::Forbidden)),
        Err(StoreError::Conflict(_)) => Err(PageError::new(ErrorCode::BadRequest)),
        Err(e) => Err(e.into()),
    }
}
