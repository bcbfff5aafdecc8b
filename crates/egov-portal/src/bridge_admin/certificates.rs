//! Client certificates of the deployment CA for an organization's information systems. The administrator
//! pastes a certificate signing request (the private key never leaves the system), or lets the platform
//! generate the key pair, which is shown once and kept nowhere. The certificate names the subsystem by its
//! X-Road id; the gateway recognizes it by its SHA-256 fingerprint, so revoking it here takes effect at the
//! next call without any revocation list.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use egov_core::ca::CaError;
use egov_store::{Actor, CredentialKind, NewCredential, StoreError};
use minijinja::context;

use super::credentials::render;
use super::{admin_orgs, field, refused};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::{VerifiedForm, no_store};
use crate::view;

/// Largest certificate signing request accepted (a 4096-bit RSA request is about 1.7 KiB in PEM).
const MAX_CSR_BYTES: usize = 16 * 1024;

/// Why a certificate was not issued.
pub(super) enum NotIssued {
    /// The request, the validity or the deployment's state: say so to the administrator.
    Refused(String),
    /// A fault of the platform.
    Failed(String),
    Store(StoreError),
}

impl From<StoreError> for NotIssued {
    fn from(e: StoreError) -> Self {
        NotIssued::Store(e)
    }
}

/// Issues a client certificate for `system` from a signing request (PEM), or with a generated key pair
/// when `csr` is blank; its organization is named in `lang`. The pages and the JSON API both issue here.
pub(super) async fn issue_for(
    state: &AppState,
    system: &egov_store::Subsystem,
    csr: &str,
    days: i64,
    lang: egov_core::Lang,
) -> Result<(egov_core::SubsystemId, egov_core::ca::Issued), NotIssued> {
    let Some(ca) = state.ca() else {
        return Err(NotIssued::Refused(
            "this deployment has no certificate authority yet; the operator creates it with `egov ca init`"
                .into(),
        ));
    };
    if csr.len() > MAX_CSR_BYTES {
        return Err(NotIssued::Refused(format!(
            "a signing request has at most {} KiB",
            MAX_CSR_BYTES / 1024
        )));
    }
    let client = state
        .store()
        .client_id(system.id)
        .await?
        .ok_or_else(|| NotIssued::Refused("unknown system".into()))?;
    let member_name = state
        .store()
        .organization(system.org)
        .await?
        .and_then(|o| view::text(&o.name, lang, state.languages()).map(|t| t.text))
        .unwrap_or_default();
    let csr = csr.trim();
    let made = if csr.is_empty() {
        ca.issue_with_new_key(&client, &member_name, days)
    } else {
        ca.issue_from_csr(csr, &client, &member_name, days)
    };
    match made {
        Ok(issued) => Ok((client, issued)),
        Err(e @ (CaError::BadRequest | CaError::BadValidity | CaError::UnsupportedKey)) => {
            Err(NotIssued::Refused(e.to_string()))
        }
        Err(e @ (CaError::Signing(_) | CaError::BadFiles(_))) => {
            Err(NotIssued::Failed(e.to_string()))
        }
    }
}

pub(crate) async fn issue(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(raw): VerifiedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mine = admin_orgs(&user);
    let system = match state
        .store()
        .subsystem_by_id(field(&raw, "subsystem").parse().unwrap_or(-1))
        .await?
    {
        Some(s) if mine.contains(&s.org) => s,
        _ => return Err(PageError::new(ErrorCode::Forbidden)),
    };
    let refuse = |why: String| {
        let msg = refused(&state, &chrome, &StoreError::Refused(why));
        render(
            &state,
            &chrome,
            &user,
            None,
            Some(msg),
            StatusCode::BAD_REQUEST,
        )
    };
    // An unreadable validity is refused by the CA like an impossible one.
    let days: i64 = field(&raw, "days").trim().parse().unwrap_or(0);
    let label = field(&raw, "label");
    let (client, issued) =
        match issue_for(&state, &system, &field(&raw, "csr"), days, chrome.lang).await {
            Ok(made) => made,
            Err(NotIssued::Refused(why)) => return refuse(why).await,
            Err(NotIssued::Failed(e)) => return Err(PageError::internal(e)),
            Err(NotIssued::Store(e)) => return Err(e.into()),
        };
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    let recorded = state
        .store()
        .create_credential(
            NewCredential {
                subsystem: system.id,
                kind: CredentialKind::Certificate,
                label: &label,
                secret_hash: &issued.fingerprint,
                certificate: Some((&issued.cert_pem, &issued.serial)),
                expires_at: issued.not_after,
                by: Some(user.user.id),
            },
            &actor,
        )
        .await;
    match recorded {
        Ok(c) => {
            let shown = context! {
                label => c.label,
                id => c.id,
                client => client.to_string(),
                certificate => issued.cert_pem,
                key => issued.key_pem,
                fingerprint => issued.fingerprint,
            };
            render(&state, &chrome, &user, Some(shown), None, StatusCode::OK).await
        }
        Err(e @ StoreError::Refused(_)) => refuse(e.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

/// The certificate (public) of one of the user's organizations' credentials, as a PEM file.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(ErrorCode::NotFound))?;
    let cred = state
        .store()
        .credential(id)
        .await?
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    let owner = state.store().subsystem_by_id(cred.subsystem).await?;
    if !owner.is_some_and(|s| admin_orgs(&user).contains(&s.org)) {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let pem = cred
        .certificate
        .ok_or_else(|| PageError::new(ErrorCode::NotFound))?;
    Ok(no_store((
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"client-{id}.pem\""),
            ),
        ],
        pem,
    ))
    .into_response())
}
