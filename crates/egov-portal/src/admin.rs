//! The signed-in area's front page and the platform administrator's audit log view.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Html;
use egov_core::clock::Millis;
use egov_store::AuditQuery;
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::accounts::{PlatformAdmin, SignedInUser};
use crate::errors::{ErrorCode, PageError};
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
    id: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    org: Option<String>,
    ip: Option<String>,
    change: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct AuditFilter {
    org: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

const AUDIT_PAGE: u32 = 100;

/// `GET /admin/audit`: the audit log, filtered by agency, actor (an e-mail address or a label such as
/// `system`), action prefix and dates, a hundred entries a page.
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    PlatformAdmin(_): PlatformAdmin,
    Query(f): Query<AuditFilter>,
    chrome: Chrome,
) -> Result<Html<String>, PageError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let bad = |what: &str| {
        PageError::new(ErrorCode::BadRequest).detail(format!("{what}: not a date like 2026-11-23"))
    };
    let orgs = state.store().organizations().await?;
    let org = match given(&f.org) {
        Some(slug) => Some(
            orgs.iter()
                .find(|o| o.slug.as_str() == slug)
                .map(|o| o.id)
                .ok_or_else(|| {
                    PageError::new(ErrorCode::BadRequest).detail("org: no such organization")
                })?,
        ),
        None => None,
    };
    let actor = match given(&f.actor) {
        Some(a) if a.contains('@') => Some(match egov_core::Email::parse(&a).ok() {
            Some(e) => match state.store().user_by_email(&e).await? {
                Some(u) => format!("user:{}", u.id),
                None => "(nobody)".to_owned(),
            },
            None => "(nobody)".to_owned(),
        }),
        other => other,
    };
    let from = given(&f.from)
        .map(|d| Millis::parse_ymd(&d).ok_or_else(|| bad("from")))
        .transpose()?;
    let to = given(&f.to)
        .map(|d| {
            Millis::parse_ymd(&d)
                .map(|t| t.plus_secs(86_400))
                .ok_or_else(|| bad("to"))
        })
        .transpose()?;
    let q = AuditQuery {
        org,
        actor,
        action: given(&f.action),
        from,
        to,
        before: f.before,
        limit: AUDIT_PAGE,
    };
    let entries = state.store().search_audit(&q).await?;
    let mut users: HashMap<String, String> = HashMap::new();
    for e in &entries {
        if let Some(id) = e.actor.strip_prefix("user:").and_then(|i| i.parse().ok())
            && !users.contains_key(&e.actor)
            && let Some(u) = state.store().user(egov_core::UserId(id)).await?
        {
            users.insert(e.actor.clone(), u.email.to_string());
        }
    }
    let slugs: HashMap<_, _> = orgs.iter().map(|o| (o.id, o.slug.to_string())).collect();
    let next = (entries.len() as u32 == AUDIT_PAGE)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| AuditRow {
            id: e.id,
            at: Millis::rfc3339(e.at),
            actor: users.get(&e.actor).cloned().unwrap_or(e.actor),
            action: e.action,
            subject: e.subject,
            org: e.org_id.and_then(|o| slugs.get(&o).cloned()),
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
    let next_url = next.map(|id| {
        let mut params: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("org", &f.org),
            ("actor", &f.actor),
            ("action", &f.action),
            ("from", &f.from),
            ("to", &f.to),
        ] {
            if let Some(v) = given(v) {
                params.push((k, v));
            }
        }
        params.push(("before", id.to_string()));
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    });
    chrome.render(
        &state,
        "audit.html",
        context! {
            rows => minijinja::Value::from(minijinja::value::Serde(&rows)),
            orgs => orgs.iter().map(|o| o.slug.to_string()).collect::<Vec<_>>(),
            f_org => given(&f.org), f_actor => given(&f.actor), f_action => given(&f.action),
            f_from => given(&f.from), f_to => given(&f.to), next_url,
        },
    )
}
