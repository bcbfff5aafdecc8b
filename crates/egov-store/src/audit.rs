//! The append-only audit log: who did what, when, to what, with the state before and after.

use egov_core::clock::Millis;
use egov_core::{OrgId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, on_pool};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user, with the address the request came from.
    User { id: UserId, ip: Option<String> },
    /// An operator at the command line (`egov user add`, …).
    Cli,
    /// The platform itself (demo loader, scheduled jobs).
    System,
    /// A member of the public, not signed in (a citizen creating an appeal), with their address.
    Public { ip: Option<String> },
}

impl Actor {
    pub fn user(id: UserId, ip: Option<String>) -> Self {
        Actor::User { id, ip }
    }

    fn label(&self) -> String {
        match self {
            Actor::User { id, .. } => format!("user:{id}"),
            Actor::Cli => "cli".into(),
            Actor::System => "system".into(),
            Actor::Public { .. } => "public".into(),
        }
    }

    fn ip(&self) -> Option<&str> {
        match self {
            Actor::User { ip, .. } | Actor::Public { ip } => ip.as_deref(),
            _ => None,
        }
    }
}

/// One line of the audit log, as read back.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Millis,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub org_id: Option<OrgId>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
}

/// A change to record; built by the store functions that make the change.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub subject: String,
    pub org_id: Option<OrgId>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Inserts an audit line through any executor (a pool or the transaction making the change).
macro_rules! write_audit {
    ($exec:expr, $actor:expr, $change:expr) => {{
        let actor: &$crate::audit::Actor = $actor;
        let change: $crate::audit::Change<'_> = $change;
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, subject, org_id, before, after, ip) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(egov_core::clock::Millis::now().0)
        .bind(actor.label_for_log())
        .bind(change.action)
        .bind(change.subject)
        .bind(change.org_id.map(|o| o.0))
        .bind(change.before)
        .bind(change.after)
        .bind(actor.ip_for_log().map(str::to_owned))
        .execute($exec)
        .await
    }};
}
pub(crate) use write_audit;

impl Actor {
    pub(crate) fn label_for_log(&self) -> String {
        self.label()
    }
    pub(crate) fn ip_for_log(&self) -> Option<&str> {
        self.ip()
    }
}

impl Store {
    /// Records an event that changes no table of its own (a sign-in, a sign-out, a refused attempt).
    pub async fn record_event(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        org_id: Option<OrgId>,
        detail: Option<serde_json::Value>,
    ) -> Result<()> {
        let change = Change {
            action,
            subject: subject.to_owned(),
            org_id,
            before: None,
            after: detail.map(|d| d.to_string()),
        };
        on_pool!(self, pool => { write_audit!(pool, actor, change)?; });
        Ok(())
    }

    /// The newest entries first; `org` narrows to one organization's entries.
    pub async fn audit_entries(&self, org: Option<OrgId>, limit: u32) -> Result<Vec<AuditEntry>> {
        self.search_audit(&AuditQuery {
            org,
            limit,
            ..AuditQuery::default()
        })
        .await
    }

    /// Entries matching every given filter, newest first; page on with `before` (the last id seen).
    pub async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let limit = i64::from(q.limit.clamp(1, 1000));
        let action = q.action.as_deref().map(|a| format!("{}%", like_escape(a)));
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, at, actor, action, subject, org_id, before, after, ip FROM audit_log \
                 WHERE ($1 IS NULL OR org_id = $1) AND ($3 IS NULL OR actor = $3) \
                 AND ($4 IS NULL OR lower(action) LIKE lower($4) ESCAPE '\\') AND ($5 IS NULL OR at >= $5) \
                 AND ($6 IS NULL OR at < $6) AND ($7 IS NULL OR id < $7) ORDER BY id DESC LIMIT $2",
            )
            .bind(q.org.map(|o| o.0))
            .bind(limit)
            .bind(q.actor.as_deref())
            .bind(action)
            .bind(q.from.map(|t| t.0))
            .bind(q.to.map(|t| t.0))
            .bind(q.before)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let before: Option<String> = r.try_get("before")?;
                    let after: Option<String> = r.try_get("after")?;
                    Ok(AuditEntry {
                        id: r.try_get("id")?,
                        at: Millis(r.try_get("at")?),
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        subject: r.try_get("subject")?,
                        org_id: r.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
                        before: before.and_then(|s| serde_json::from_str(&s).ok()),
                        after: after.and_then(|s| serde_json::from_str(&s).ok()),
                        ip: r.try_get("ip")?,
                    })
                })
                .collect()
        })
    }
}

/// `%`, `_` and the escape character itself, taken literally in a `LIKE` pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Filters of the audit log's search; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub org: Option<OrgId>,
    /// The actor's label, exactly (`user:12`, `cli`, `system`, `public`).
    pub actor: Option<String>,
    /// The start of the action (`content.`, `role.grant`).
    pub action: Option<String>,
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    /// Only entries older than this id (the next page).
    pub before: Option<i64>,
    pub limit: u32,
}
