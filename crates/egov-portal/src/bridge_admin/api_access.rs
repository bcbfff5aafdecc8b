//! The JSON API's access part: applications (apply, read, comment, decide) and grants (list, revoke).
//! See [`super::api`] for authentication.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use egov_core::clock::Millis;
use egov_core::{Environment, OrgId};
use egov_store::{Application, Decision, NewApplication};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api::{ApiUser, forbidden, own_system, refusal};
use crate::AppState;
use crate::accounts::ClientAddr;
use crate::api::ApiError;
use crate::errors::ErrorCode;

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, m)
}

fn patterns(v: &[String]) -> Result<Vec<egov_core::EndpointPattern>, ApiError> {
    super::parse_endpoints(v).map_err(bad)
}

#[derive(Serialize, ToSchema)]
pub struct CommentBody {
    pub author: i64,
    pub text: String,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationBody {
    pub id: i64,
    /// The service's passport code.
    pub service: String,
    /// The consumer system's client id.
    pub consumer: String,
    /// `test` or `production`.
    pub environment: String,
    pub endpoints: Vec<String>,
    pub purpose: String,
    pub legal_basis: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub due_at: String,
    pub overdue: bool,
    pub decided_at: Option<String>,
    /// The rejection's reason or the approval's note.
    pub reason: Option<String>,
    /// Whether the caller decides it (provider) or asked for it (consumer).
    pub your_side: String,
    pub comments: Vec<CommentBody>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationList {
    pub applications: Vec<ApplicationBody>,
}

/// The application with the caller's side in it: `(application, provider org, consumer org)`, either
/// side `None` when the caller is not that party; refused when the caller is neither.
async fn party(
    state: &AppState,
    user: &ApiUser,
    id: i64,
) -> Result<(Application, Option<OrgId>, Option<OrgId>), ApiError> {
    let app = state
        .store()
        .application(id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no application {id}")))?;
    let service = state.store().service(app.service).await?;
    let org_of = |s: Option<egov_store::Subsystem>| s.map(|s| s.org);
    let provider_org = match &service {
        Some(s) => org_of(state.store().subsystem_by_id(s.subsystem).await?),
        None => None,
    };
    let consumer_org = org_of(state.store().subsystem_by_id(app.consumer).await?);
    let mine = user.orgs();
    let provider = provider_org.filter(|o| mine.contains(o));
    let consumer = consumer_org.filter(|o| mine.contains(o));
    if provider.is_none() && consumer.is_none() {
        return Err(forbidden("that application"));
    }
    Ok((app, provider, consumer))
}

async fn application_body(
    state: &AppState,
    a: Application,
    provider: bool,
    with_comments: bool,
) -> Result<ApplicationBody, ApiError> {
    let service = state.store().service(a.service).await?;
    let consumer = state.store().client_id(a.consumer).await?;
    let comments = if with_comments {
        state
            .store()
            .application_comments(a.id)
            .await?
            .into_iter()
            .map(|c| CommentBody {
                author: c.author.0,
                text: c.text,
                created_at: c.created_at.rfc3339(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ApplicationBody {
        id: a.id,
        service: service.map(|s| s.passport).unwrap_or_default(),
        consumer: consumer.map(|c| c.to_string()).unwrap_or_default(),
        environment: a.environment.as_str().to_owned(),
        endpoints: a.endpoints.iter().map(|e| e.to_string()).collect(),
        overdue: a.is_overdue(Millis::now()),
        status: a.status.as_str().to_owned(),
        due_at: a.due_at.rfc3339(),
        decided_at: a.decided_at.map(|m| m.rfc3339()),
        reason: a.reason,
        purpose: a.purpose,
        legal_basis: a.legal_basis,
        your_side: if provider { "provider" } else { "consumer" }.to_owned(),
        comments,
    })
}

#[utoipa::path(get, path = "/api/v1/bridge/applications", tag = "bridge", security(("session" = [])),
    responses((status = 200, description = "Applications your organizations made or must decide", body = ApplicationList),
              (status = 401, body = crate::api::ErrorBody)))]
pub(crate) async fn applications(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<ApplicationList>, ApiError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut applications = Vec::new();
    for org in user.orgs() {
        for a in state.store().applications(Some(org)).await? {
            if seen.insert(a.id) {
                let (_, provider, _) = party(&state, &user, a.id).await?;
                applications.push(application_body(&state, a, provider.is_some(), false).await?);
            }
        }
    }
    Ok(Json(ApplicationList { applications }))
}

#[utoipa::path(get, path = "/api/v1/bridge/applications/{id}", tag = "bridge", security(("session" = [])),
    params(("id" = i64, Path, description = "The application's number")),
    responses((status = 200, description = "The application with its comments", body = ApplicationBody),
              (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn application(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationBody>, ApiError> {
    let (a, provider, _) = party(&state, &user, id).await?;
    Ok(Json(
        application_body(&state, a, provider.is_some(), true).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ApplyBody {
    /// The service's passport code, e.g. `TAX-S-0001`.
    pub service: String,
    /// Your system's client id: `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    pub consumer: String,
    /// `test` or `production`.
    pub environment: String,
    /// `METHOD /path` each; `*` matches one path segment, a trailing `/**` the rest.
    pub endpoints: Vec<String>,
    pub purpose: String,
    pub legal_basis: String,
}

#[utoipa::path(post, path = "/api/v1/bridge/applications", tag = "bridge", security(("session" = [])), request_body = ApplyBody,
    responses((status = 201, description = "Filed; the provider decides", body = ApplicationBody),
              (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn apply(
    State(state): State<AppState>,
    user: ApiUser,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<ApplyBody>,
) -> Result<(StatusCode, Json<ApplicationBody>), ApiError> {
    let consumer = own_system(&state, &user, &body.consumer).await?;
    let service = super::service_by_passport(&state, body.service.trim())
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no service {}", body.service.trim()),
            )
        })?;
    let environment = Environment::parse(&body.environment).map_err(|e| bad(e.to_string()))?;
    let new = NewApplication {
        consumer: consumer.id,
        service: service.id,
        environment,
        endpoints: patterns(&body.endpoints)?,
        purpose: body.purpose,
        legal_basis: body.legal_basis,
        applied_by: user.0.user.id,
        due_working_days: super::DUE_WORKING_DAYS,
    };
    let a = state
        .store()
        .apply_for_access(&new, &user.actor(addr))
        .await
        .map_err(refusal)?;
    Ok((
        StatusCode::CREATED,
        Json(application_body(&state, a, false, true).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// `true` approves, `false` rejects.
    pub approve: bool,
    /// On approval: the endpoints granted (the applied ones or narrower); all applied for when absent.
    pub endpoints: Option<Vec<String>>,
    /// On approval: calls per minute; the service's default when absent.
    pub quota: Option<i64>,
    /// On approval: the last day (`2027-12-31`), or none.
    pub expires: Option<String>,
    /// The approval's note or the rejection's reason (required to reject).
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/bridge/applications/{id}/decision", tag = "bridge", security(("session" = [])),
    params(("id" = i64, Path, description = "The application's number")), request_body = DecisionBody,
    responses((status = 200, description = "Decided; an approval is now a grant", body = ApplicationBody),
              (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<DecisionBody>,
) -> Result<Json<ApplicationBody>, ApiError> {
    let (app, provider, _) = party(&state, &user, id).await?;
    let provider = provider.ok_or_else(|| {
        ApiError::new(
            ErrorCode::Forbidden,
            "only the service's provider decides an application",
        )
    })?;
    let decision = if body.approve {
        let endpoints = match &body.endpoints {
            Some(e) => patterns(e)?,
            None => app.endpoints.clone(),
        };
        let quota = match body.quota {
            Some(q) => q,
            None => state
                .store()
                .service(app.service)
                .await?
                .map_or(60, |s| s.rate_limit),
        };
        let expires_at = match body.expires.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(
                Millis::parse_ymd(d)
                    .map(|m| m.plus_secs(86_400))
                    .ok_or_else(|| bad("the expiry is a date like 2027-12-31"))?,
            ),
        };
        Decision::Approve {
            endpoints,
            quota,
            expires_at,
            note: body.note.filter(|n| !n.trim().is_empty()),
        }
    } else {
        Decision::Reject {
            reason: body.note.unwrap_or_default(),
        }
    };
    let decided = state
        .store()
        .decide_application(
            app.id,
            provider,
            &decision,
            user.0.user.id,
            &user.actor(addr),
        )
        .await
        .map_err(refusal)?;
    Ok(Json(application_body(&state, decided, true, true).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCommentBody {
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/bridge/applications/{id}/comments", tag = "bridge", security(("session" = [])),
    params(("id" = i64, Path, description = "The application's number")), request_body = NewCommentBody,
    responses((status = 201, description = "Added", body = CommentBody), (status = 400, body = crate::api::ErrorBody),
              (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn comment(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<NewCommentBody>,
) -> Result<(StatusCode, Json<CommentBody>), ApiError> {
    party(&state, &user, id).await?;
    let c = state
        .store()
        .comment_on_application(id, user.0.user.id, &body.text, &user.actor(addr))
        .await
        .map_err(refusal)?;
    Ok((
        StatusCode::CREATED,
        Json(CommentBody {
            author: c.author.0,
            text: c.text,
            created_at: c.created_at.rfc3339(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct GrantBody {
    pub id: i64,
    pub application: i64,
    pub service: String,
    pub consumer: String,
    pub environment: String,
    pub endpoints: Vec<String>,
    /// Calls per minute.
    pub quota: i64,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub live: bool,
}

#[derive(Serialize, ToSchema)]
pub struct GrantList {
    pub grants: Vec<GrantBody>,
}

#[utoipa::path(get, path = "/api/v1/bridge/grants", tag = "bridge", security(("session" = [])),
    responses((status = 200, description = "Grants where your organizations consume or provide", body = GrantList),
              (status = 401, body = crate::api::ErrorBody)))]
pub(crate) async fn grants(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<GrantList>, ApiError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut grants = Vec::new();
    for org in user.orgs() {
        for g in state.store().grants(Some(org)).await? {
            if !seen.insert(g.id) {
                continue;
            }
            let service = state.store().service(g.service).await?;
            let consumer = state.store().client_id(g.consumer).await?;
            grants.push(GrantBody {
                id: g.id,
                application: g.application,
                service: service.map(|s| s.passport).unwrap_or_default(),
                consumer: consumer.map(|c| c.to_string()).unwrap_or_default(),
                environment: g.environment.as_str().to_owned(),
                endpoints: g.endpoints.iter().map(|e| e.to_string()).collect(),
                quota: g.quota,
                expires_at: g.expires_at.map(|m| m.rfc3339()),
                revoked_at: g.revoked_at.map(|m| m.rfc3339()),
                live: g.is_live(Millis::now()),
            });
        }
    }
    Ok(Json(GrantList { grants }))
}

#[utoipa::path(post, path = "/api/v1/bridge/grants/{id}/revoke", tag = "bridge", security(("session" = [])),
    params(("id" = i64, Path, description = "The grant's number")),
    responses((status = 204, description = "Revoked: the gateway refuses its calls from now on"),
              (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn revoke_grant(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
) -> Result<StatusCode, ApiError> {
    match state
        .store()
        .revoke_grant(id, &user.orgs(), user.0.user.id, &user.actor(addr))
        .await
    {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(egov_store::StoreError::Refused(_)) => Err(forbidden("that grant")),
        Err(e @ egov_store::StoreError::Conflict(_)) => Err(refusal(e)),
        Err(e) => Err(e.into()),
    }
}
