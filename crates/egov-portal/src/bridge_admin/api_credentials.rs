//! The JSON API's credentials: bearer tokens and client certificates of a member's systems — issue (the
//! secret in that one answer only), list (never with secrets), revoke. See [`super::api`] for
//! authentication.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use egov_core::clock::Millis;
use egov_store::{CredentialKind, NewCredential};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api::{ApiUser, forbidden, own_system, refusal};
use super::certificates::NotIssued;
use crate::AppState;
use crate::accounts::ClientAddr;
use crate::api::ApiError;
use crate::errors::ErrorCode;
use crate::security::token_hash;

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, m)
}

#[derive(Serialize, ToSchema)]
pub struct CredentialBody {
    pub id: i64,
    /// The system's client id.
    pub system: String,
    /// `token` or `certificate`.
    pub kind: String,
    pub label: String,
    pub serial: Option<String>,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub valid: bool,
    /// Only in the answer that issues it: the bearer token, never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A certificate's PEM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Only in the answer that issues it, when the platform generated the key pair: never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CredentialList {
    pub credentials: Vec<CredentialBody>,
}

async fn credential_body(
    state: &AppState,
    c: egov_store::Credential,
) -> Result<CredentialBody, ApiError> {
    let system = state.store().client_id(c.subsystem).await?;
    Ok(CredentialBody {
        id: c.id,
        system: system.map(|s| s.to_string()).unwrap_or_default(),
        kind: c.kind.as_str().to_owned(),
        valid: c.is_valid(Millis::now()),
        label: c.label,
        serial: c.serial,
        expires_at: c.expires_at.rfc3339(),
        revoked_at: c.revoked_at.map(|m| m.rfc3339()),
        token: None,
        certificate: c.certificate,
        private_key: None,
    })
}

#[utoipa::path(get, path = "/api/v1/bridge/credentials", tag = "bridge", security(("session" = [])),
    responses((status = 200, description = "Credentials of your organizations' systems (no secrets)", body = CredentialList),
              (status = 401, body = crate::api::ErrorBody)))]
pub(crate) async fn credentials(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<CredentialList>, ApiError> {
    let mut credentials = Vec::new();
    for org in user.orgs() {
        for c in state.store().credentials(Some(org)).await? {
            credentials.push(credential_body(&state, c).await?);
        }
    }
    Ok(Json(CredentialList { credentials }))
}

#[derive(Deserialize, ToSchema)]
pub struct IssueBody {
    /// Your system's client id.
    pub system: String,
    /// `token` or `certificate`.
    pub kind: String,
    pub label: String,
    /// Validity in days (tokens up to 730, certificates up to 825).
    pub days: i64,
    /// For a certificate: a signing request in PEM; without it a key pair is generated and returned once.
    pub csr: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/bridge/credentials", tag = "bridge", security(("session" = [])), request_body = IssueBody,
    responses((status = 201, description = "Issued; the token or generated key is in this answer only", body = CredentialBody),
              (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn issue(
    State(state): State<AppState>,
    user: ApiUser,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<IssueBody>,
) -> Result<Response, ApiError> {
    let system = own_system(&state, &user, &body.system).await?;
    let (kind, secret, hash, cert, key, expires_at) = match body.kind.as_str() {
        "token" => {
            if !(1..=730).contains(&body.days) {
                return Err(bad("a token is valid for 1 to 730 days"));
            }
            let token = super::new_token();
            let hash = token_hash(&token);
            (
                CredentialKind::Token,
                Some(token),
                hash,
                None,
                None,
                Millis::now().plus_secs(body.days * 86_400),
            )
        }
        "certificate" => {
            let lang = state.languages().default_lang();
            let csr = body.csr.as_deref().unwrap_or("");
            let (_, issued) = super::certificates::issue_for(&state, &system, csr, body.days, lang)
                .await
                .map_err(|e| match e {
                    NotIssued::Refused(why) => bad(why),
                    NotIssued::Failed(why) => ApiError::new(ErrorCode::Internal, why),
                    NotIssued::Store(e) => e.into(),
                })?;
            (
                CredentialKind::Certificate,
                None,
                issued.fingerprint,
                Some((issued.cert_pem, issued.serial)),
                issued.key_pem,
                issued.not_after,
            )
        }
        other => return Err(bad(format!("kind {other:?} is not token or certificate"))),
    };
    let made = state
        .store()
        .create_credential(
            NewCredential {
                subsystem: system.id,
                kind,
                label: &body.label,
                secret_hash: &hash,
                certificate: cert.as_ref().map(|(c, s)| (c.as_str(), s.as_str())),
                expires_at,
                by: Some(user.0.user.id),
            },
            &user.actor(addr),
        )
        .await
        .map_err(refusal)?;
    let mut shown = credential_body(&state, made).await?;
    shown.token = secret;
    shown.private_key = key;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(shown),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/bridge/credentials/{id}/revoke", tag = "bridge", security(("session" = [])),
    params(("id" = i64, Path, description = "The credential's number")),
    responses((status = 204, description = "Revoked: the gateway refuses it from the next call"),
              (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn revoke_credential(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ClientAddr(addr): ClientAddr,
) -> Result<StatusCode, ApiError> {
    match state
        .store()
        .revoke_credential(id, &user.orgs(), &user.actor(addr))
        .await
    {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(egov_store::StoreError::Refused(_)) => Err(forbidden("that credential")),
        Err(e @ egov_store::StoreError::Conflict(_)) => Err(refusal(e)),
        Err(e) => Err(e.into()),
    }
}
