//! The signed-in area's front page and the platform administrator's audit log view.
//! (Content editing arrives with the CMS; this is what every account sees after signing in.)

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Html;
use egov_core::clock::Millis;
use minijinja::context;
use serde::Serialize;

use crate::AppState;
use crate::accounts::{PlatformAdmin, SignedInUser};
use crate::errors::PageError;
use crate::render::Chrome;

#[derive(Serialize)]
struct RoleView {
    role: String,
    org: Option<String>,
}

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    user: SignedInUser,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let orgs: HashMap<_, _> = state
        .store()
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let langs = state.languages();
    let roles: Vec<RoleView> = user
        .roles
        .iter()
        .map(|r| RoleView {
            role: state
                .messages()
                .get(chrome.lang, &format!("role-{}", r.role), &[]),
            org: r.org.and_then(|id| orgs.get(&id)).and_then(|o| {
                o.name
                    .resolve(chrome.lang, langs)
                    .map(|n| n.text.to_owned())
            }),
        })
        .collect();
    chrome.render(
        &state,
        "admin.html",
        context! { roles => minijinja::Value::from(minijinja::value::Serde(&roles)), is_platform_admin => user.is_platform_admin() },
    )
}

#[derive(Serialize)]
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    subject: String,
    ip: Option<String>,
    change: Option<String>,
}

pub(crate) async fn audit_log(
    State(state): State<AppState>,
    PlatformAdmin(_): PlatformAdmin,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let rows: Vec<AuditRow> = state
        .store()
        .audit_entries(None, 200)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: Millis::rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            ip: e.ip,
            change: match (e.before, e.after) {
                (None, None) => None,
                (b, a) => Some(format!(
                    "{} → {}",
                    b.map_or("∅".into(), |v| v.to_string()),
                    a.map_or("∅".into(), |v| v.to_string())
                )),
            },
        })
        .collect();
    chrome.render(
        &state,
        "audit.html",
        context! { rows => minijinja::Value::from(minijinja::value::Serde(&rows)) },
    )
}
