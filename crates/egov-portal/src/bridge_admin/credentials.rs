//! Credentials for an organization's information systems, issued by its administrator: bearer tokens
//! (shown once, kept only as a SHA-256 digest) and client certificates of the deployment CA (from a
//! signing request, or with a key pair generated here and shown once); listed with their expiry, revocable.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::clock::Millis;
use egov_store::{Actor, CredentialKind, NewCredential, StoreError};
use minijinja::context;
use rand::Rng;
use serde::Serialize;

use super::{Nothing, admin_orgs, field, names, refused};
use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::{VerifiedForm, no_store, token_hash};
use crate::view;

/// `egov_` and 40 random letters and digits (about 238 bits).
pub fn new_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let body: String = (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("egov_{body}")
}

#[derive(Serialize)]
struct Row {
    id: i64,
    system: String,
    label: String,
    kind: &'static str,
    serial: Option<String>,
    expires: String,
    valid: bool,
    revoked: bool,
}

pub(super) async fn render(
    state: &AppState,
    chrome: &Chrome,
    user: &SignedInUser,
    issued: Option<minijinja::Value>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mine = admin_orgs(user);
    if mine.is_empty() {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let n = names(state, chrome.lang).await?;
    let mut rows = Vec::new();
    for org in &mine {
        for c in state.store().credentials(Some(*org)).await? {
            rows.push(Row {
                id: c.id,
                system: n
                    .subsystems
                    .get(&c.subsystem)
                    .map(|s| s.1.clone())
                    .unwrap_or_default(),
                valid: c.is_valid(Millis::now()),
                revoked: c.revoked_at.is_some(),
                label: c.label,
                kind: c.kind.as_str(),
                serial: c.serial,
                expires: view::display_date(c.expires_at),
            });
        }
    }
    let systems: Vec<_> = state
        .store()
        .subsystems(None)
        .await?
        .into_iter()
        .filter(|s| mine.contains(&s.org))
        .map(|s| context! { id => s.id, label => n.subsystems.get(&s.id).map(|x| x.1.clone()).unwrap_or_default() })
        .collect();
    let page = chrome.render(
        state,
        "bridge_credentials.html",
        context! {
            rows => view::value(&rows),
            systems => systems,
            issued => issued,
            ca => state.ca().is_some(),
            error => error,
            form_csrf => chrome.csrf(),
        },
    )?;
    // A page that may show a token once is never kept anywhere.
    Ok(no_store((status, page)))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedInUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    render(&state, &chrome, &user, None, None, StatusCode::OK).await
}

pub(crate) async fn issue(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(raw): VerifiedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mine = admin_orgs(&user);
    let system: i64 = field(&raw, "subsystem").parse().unwrap_or(-1);
    let own = state
        .store()
        .subsystem_by_id(system)
        .await?
        .is_some_and(|s| mine.contains(&s.org));
    if !own {
        return Err(PageError::new(ErrorCode::Forbidden));
    }
    let days: i64 = match field(&raw, "days").trim().parse() {
        Ok(d) if (1..=730).contains(&d) => d,
        _ => {
            let msg = refused(
                &state,
                &chrome,
                &StoreError::Refused("a token is valid for 1 to 730 days".into()),
            );
            return render(
                &state,
                &chrome,
                &user,
                None,
                Some(msg),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let label = field(&raw, "label");
    let token = new_token();
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state
        .store()
        .create_credential(
            NewCredential {
                subsystem: system,
                kind: CredentialKind::Token,
                label: &label,
                secret_hash: &token_hash(&token),
                certificate: None,
                expires_at: Millis::now().plus_secs(days * 86_400),
                by: Some(user.user.id),
            },
            &actor,
        )
        .await
    {
        Ok(c) => {
            render(
                &state,
                &chrome,
                &user,
                Some(context! { token => token, label => c.label }),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e @ StoreError::Refused(_)) => {
            let msg = refused(&state, &chrome, &e);
            render(
                &state,
                &chrome,
                &user,
                None,
                Some(msg),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
    ClientAddr(addr): ClientAddr,
    VerifiedForm(_): VerifiedForm<Nothing>,
) -> Result<Response, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(ErrorCode::NotFound))?;
    let actor = Actor::user(user.user.id, addr.map(|a| a.to_string()));
    match state
        .store()
        .revoke_credential(id, &admin_orgs(&user), &actor)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/bridge/credentials").into_response()),
        Err(StoreError::Refused(_)) => Err(PageError::new(ErrorCode::Forbidden)),
        Err(StoreError::Conflict(_)) => Err(PageError::new(ErrorCode::BadRequest)),
        Err(e) => Err(e.into()),
    }
}
