//! The bridge's JSON API (`/api/v1/bridge/…`), so integrators can automate what `/admin/bridge` offers:
//! registering systems and services, applying for access, deciding, comments, grants and credentials.
//!
//! Authentication is a session token in `Authorization: Bearer …`, obtained from `POST /api/v1/session`
//! with an account's e-mail and password (throttled and audited like the sign-in form) and ended with
//! `DELETE /api/v1/session`. Browsers never send that header on their own, so no anti-forgery token is
//! needed; session cookies are not accepted here. The same rules as the pages apply: an organization's
//! administrator acts for its own systems, the provider decides, and the store refuses the rest.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_core::{Email, OrgId, Role, SubsystemCode, SubsystemId};
use egov_store::{Actor, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::accounts::{ClientAddr, SignInFailure, SignedInUser, authenticate};
use crate::api::ApiError;
use crate::errors::ErrorCode;
use crate::security::token_hash;

/// A signed-in account calling the API with its session token.
pub struct ApiUser(pub SignedInUser);

impl ApiUser {
    /// The organizations the account administers.
    pub(super) fn orgs(&self) -> Vec<OrgId> {
        super::admin_orgs(&self.0)
    }

    pub(super) fn actor(&self, addr: Option<std::net::IpAddr>) -> Actor {
        Actor::user(self.0.user.id, addr.map(|a| a.to_string()))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = || {
            ApiError::new(
                ErrorCode::Unauthorized,
                "send Authorization: Bearer <session token> from POST /api/v1/session",
            )
        };
        let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
        if token.len() != 64 {
            return Err(unauthorized());
        }
        let hash = token_hash(token);
        let session = state
            .store()
            .session(&hash, Millis::now())
            .await?
            .ok_or_else(unauthorized)?;
        let user = SignedInUser {
            user: session.user,
            roles: session.roles,
            token_hash: hash,
        };
        if !user.roles.iter().any(|r| r.role == Role::AgencyAdmin) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "the bridge API is for administrators of member organizations",
            ));
        }
        Ok(ApiUser(user))
    }
}

/// A refusal by the store's rules as a 400 with its reason; anything else as the store's failure.
pub(super) fn refusal(e: StoreError) -> ApiError {
    match e {
        StoreError::Refused(m) | StoreError::Corrupt(m) => ApiError::new(ErrorCode::BadRequest, m),
        StoreError::Conflict(m) => {
            ApiError::new(ErrorCode::BadRequest, format!("{m} already exists"))
        }
        StoreError::NotFound(m) => ApiError::new(ErrorCode::NotFound, format!("no {m}")),
        other => other.into(),
    }
}

pub(super) fn forbidden(what: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Forbidden,
        format!("{what} is not one of your organization's"),
    )
}

#[derive(Deserialize, ToSchema)]
pub struct SessionRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
}

#[utoipa::path(post, path = "/api/v1/session", tag = "bridge", request_body = SessionRequest,
    responses((status = 201, description = "A session for the API", body = SessionBody),
              (status = 401, body = crate::api::ErrorBody), (status = 429, body = crate::api::ErrorBody)))]
pub(crate) async fn start_session(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Json(body): Json<SessionRequest>,
) -> Result<Response, ApiError> {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    match authenticate(&state, &body.email, body.password, addr, ua).await {
        Ok(token) => {
            let expires = Millis::now().plus_secs(state.config().session_ttl_secs);
            Ok((
                StatusCode::CREATED,
                [(header::CACHE_CONTROL, "no-store")],
                Json(SessionBody {
                    token,
                    expires_at: expires.rfc3339(),
                }),
            )
                .into_response())
        }
        Err(SignInFailure::Refused) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the e-mail address or password is wrong, or the account is disabled",
        )),
        Err(SignInFailure::Throttled(wait)) => Err(ApiError::new(
            ErrorCode::TooManyRequests,
            format!("too many attempts; retry in {wait} s"),
        )),
        Err(SignInFailure::Busy) => Err(ApiError::new(
            ErrorCode::Unavailable,
            "busy checking passwords; retry in a few seconds",
        )),
        Err(SignInFailure::Store(e)) => Err(e.into()),
        Err(SignInFailure::Internal(e)) => Err(ApiError::new(ErrorCode::Internal, e)),
    }
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "bridge", security(("session" = [])),
    responses((status = 204, description = "The session is ended"), (status = 401, body = crate::api::ErrorBody)))]
pub(crate) async fn end_session(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<StatusCode, ApiError> {
    state.store().delete_session(&user.0.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ServiceSummary {
    pub passport: String,
    /// `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`.
    pub id: String,
    pub status: String,
    /// `METHOD /path` per operation.
    pub endpoints: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SystemBody {
    /// The X-Road client id: `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    pub id: String,
    pub organization: String,
    /// Per language.
    #[schema(value_type = Object)]
    pub name: egov_core::Localized,
    pub contact: String,
    pub services: Vec<ServiceSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct SystemList {
    pub systems: Vec<SystemBody>,
}

async fn system_body(state: &AppState, s: egov_store::Subsystem) -> Result<SystemBody, ApiError> {
    let client = state.store().client_id(s.id).await?;
    let org = state.store().organization(s.org).await?;
    let services = state.store().services(Some(s.id)).await?;
    Ok(SystemBody {
        id: client.as_ref().map(|c| c.to_string()).unwrap_or_default(),
        organization: org.map(|o| o.slug.to_string()).unwrap_or_default(),
        contact: s.contact.to_string(),
        services: services
            .into_iter()
            .map(|v| ServiceSummary {
                id: client
                    .as_ref()
                    .map(|c| format!("{c}/{}", v.code))
                    .unwrap_or_default(),
                status: v.status.as_str().to_owned(),
                endpoints: v
                    .endpoints
                    .iter()
                    .map(|e| format!("{} {}", e.method, e.path))
                    .collect(),
                passport: v.passport,
            })
            .collect(),
        name: s.name,
    })
}

#[utoipa::path(get, path = "/api/v1/bridge/systems", tag = "bridge", security(("session" = [])),
    responses((status = 200, description = "Your organizations' information systems and their services", body = SystemList),
              (status = 401, body = crate::api::ErrorBody)))]
pub(crate) async fn systems(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<SystemList>, ApiError> {
    let mut systems = Vec::new();
    for org in user.orgs() {
        for s in state.store().subsystems(Some(org)).await? {
            systems.push(system_body(&state, s).await?);
        }
    }
    Ok(Json(SystemList { systems }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSystemBody {
    /// The slug of one of your organizations.
    pub organization: String,
    pub code: String,
    /// Per language: `{"tg": "…", "en": "…"}`.
    #[schema(value_type = Object)]
    pub name: egov_core::Localized,
    pub contact: String,
}

#[utoipa::path(post, path = "/api/v1/bridge/systems", tag = "bridge", security(("session" = [])), request_body = NewSystemBody,
    responses((status = 201, description = "Registered", body = SystemBody), (status = 400, body = crate::api::ErrorBody),
              (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn add_system(
    State(state): State<AppState>,
    user: ApiUser,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<NewSystemBody>,
) -> Result<(StatusCode, Json<SystemBody>), ApiError> {
    let mut org = None;
    for id in user.orgs() {
        if let Some(o) = state.store().organization(id).await?
            && o.slug.as_str() == body.organization
        {
            org = Some(o.id);
        }
    }
    let org = org.ok_or_else(|| forbidden("that organization"))?;
    let code = SubsystemCode::parse(body.code.trim())
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    let contact = Email::parse(body.contact.trim())
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    if body.name.is_empty() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "a system needs a name in at least one language",
        ));
    }
    let made = state
        .store()
        .create_subsystem(org, &code, &body.name, &contact, &user.actor(addr))
        .await
        .map_err(refusal)?;
    Ok((StatusCode::CREATED, Json(system_body(&state, made).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewServiceBody {
    /// The client id of one of your systems: `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    pub system: String,
    pub code: String,
    #[schema(value_type = Object)]
    pub title: egov_core::Localized,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub description: egov_core::Localized,
    pub category: String,
    pub production_url: Option<String>,
    pub test_url: Option<String>,
    #[serde(default)]
    pub personal_data: bool,
    /// Calls per minute a grant gets unless its decision says otherwise.
    pub rate_limit: i64,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub sla: egov_core::Localized,
    /// The OpenAPI 3 document as text, JSON or YAML (at most 1 MiB).
    pub openapi: String,
}

#[utoipa::path(post, path = "/api/v1/bridge/services", tag = "bridge", security(("session" = [])), request_body = NewServiceBody,
    responses((status = 201, description = "Registered; its passport is in the showcase", body = ServiceSummary),
              (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn add_service(
    State(state): State<AppState>,
    user: ApiUser,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<NewServiceBody>,
) -> Result<(StatusCode, Json<ServiceSummary>), ApiError> {
    let system = own_system(&state, &user, &body.system).await?;
    // The same reading and checks as the page's form, from the same fields.
    let mut raw: Vec<(String, String)> = vec![
        ("code".into(), body.code.clone()),
        ("category".into(), body.category.clone()),
        (
            "production_url".into(),
            body.production_url.clone().unwrap_or_default(),
        ),
        ("test_url".into(), body.test_url.clone().unwrap_or_default()),
        ("rate_limit".into(), body.rate_limit.to_string()),
        ("openapi".into(), body.openapi.clone()),
        (
            "personal_data".into(),
            if body.personal_data { "on" } else { "" }.into(),
        ),
    ];
    for (prefix, text) in [
        ("title", &body.title),
        ("description", &body.description),
        ("sla", &body.sla),
    ] {
        for lang in text.langs() {
            raw.push((
                format!("{prefix}_{}", lang.as_str()),
                text.get(lang).unwrap_or_default().to_owned(),
            ));
        }
    }
    let new = super::systems::new_service(&state, &raw, system.id)
        .map_err(|why| ApiError::new(ErrorCode::BadRequest, why))?;
    let made = state
        .store()
        .create_service(&new, &user.actor(addr))
        .await
        .map_err(refusal)?;
    let client = state.store().client_id(system.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(ServiceSummary {
            id: client
                .map(|c| format!("{c}/{}", made.code))
                .unwrap_or_default(),
            status: made.status.as_str().to_owned(),
            endpoints: made
                .endpoints
                .iter()
                .map(|e| format!("{} {}", e.method, e.path))
                .collect(),
            passport: made.passport,
        }),
    ))
}

/// One of the caller's organizations' systems, named by its client id.
pub(super) async fn own_system(
    state: &AppState,
    user: &ApiUser,
    client: &str,
) -> Result<egov_store::Subsystem, ApiError> {
    let id = SubsystemId::parse(client.trim())
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    match state.store().subsystem_by_client(&id).await? {
        Some(s) if user.orgs().contains(&s.org) => Ok(s),
        Some(_) => Err(forbidden("that system")),
        None => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no system {id}"),
        )),
    }
}
