//! `/admin/password`: every account changes its own password — the current one, then the new one twice.
//! A change ends every session of the account (this one too), so a password someone else knew stops
//! working everywhere at once.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::accounts::{ClientAddr, SignedInUser};
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::VerifiedForm;

#[derive(Deserialize)]
pub(crate) struct Change {
    current: String,
    new: String,
    repeat: String,
}

async fn render(
    state: &AppState,
    chrome: &Chrome,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = chrome.render(
        state,
        "password.html",
        context! { error, form_csrf => chrome.csrf() },
    )?;
    Ok((status, page).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    _user: SignedInUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    render(&state, &chrome, None, StatusCode::OK).await
}

pub(crate) async fn change(
    State(state): State<AppState>,
    user: SignedInUser,
    ClientAddr(addr): ClientAddr,
    chrome: Chrome,
    VerifiedForm(f): VerifiedForm<Change>,
) -> Result<Response, PageError> {
    let say = |id: &str| state.messages().get(chrome.lang, id, &[]);
    if f.new != f.repeat {
        return render(
            &state,
            &chrome,
            Some(say("password-mismatch")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if let Err(e) = egov_core::password::check_strength(&f.new) {
        return render(
            &state,
            &chrome,
            Some(e.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // The same bounded argon2 work as signing in.
    let permit = tokio::time::timeout(Duration::from_secs(3), state.password_checks().acquire())
        .await
        .map_err(|_| PageError::new(ErrorCode::Unavailable))?
        .map_err(|_| PageError::new(ErrorCode::Unavailable))?;
    let (stored, current, new) = (user.user.password_hash.clone(), f.current, f.new);
    let hashed = tokio::task::spawn_blocking(move || {
        egov_core::password::verify(&current, &stored).then(|| egov_core::password::hash(&new))
    })
    .await
    .map_err(PageError::internal)?;
    drop(permit);
    let hash = match hashed {
        None => {
            return render(
                &state,
                &chrome,
                Some(say("password-wrong-current")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Some(h) => h.map_err(PageError::internal)?,
    };
    let actor = egov_store::Actor::user(user.user.id, addr.map(|a| a.to_string()));
    state
        .store()
        .set_password(user.user.id, &hash, &actor)
        .await?;
    Ok(Redirect::to("/login?changed=1").into_response())
}
