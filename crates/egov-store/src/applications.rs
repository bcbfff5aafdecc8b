//! Access applications, their comments, the grants they become, and the notifications that tell each side.
//!
//! The rules the store itself keeps (whoever calls): a member cannot apply for its own service, nor twice
//! for the same service and environment while an application is pending or a grant is live; an application
//! asks only for what the service has; only the provider decides, once, and may narrow but never widen; an
//! approval and its grant are one transaction. Every step is audited.

use egov_core::clock::Millis;
use egov_core::{ApplicationStatus, EndpointPattern, Environment, OrgId, ServiceStatus, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Change, write_audit};
use crate::{Actor, Result, Store, StoreError, corrupt, on_pool};

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    /// The consumer's subsystem.
    pub consumer: i64,
    pub service: i64,
    pub environment: Environment,
    pub endpoints: Vec<EndpointPattern>,
    pub purpose: String,
    pub legal_basis: String,
    pub status: ApplicationStatus,
    /// The decision is due by then (working days after the application).
    pub due_at: Millis,
    pub applied_by: UserId,
    pub created_at: Millis,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<Millis>,
    /// The rejection's reason, or the approval's note.
    pub reason: Option<String>,
}

impl Application {
    pub fn is_overdue(&self, now: Millis) -> bool {
        self.status == ApplicationStatus::Pending && now > self.due_at
    }
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub consumer: i64,
    pub service: i64,
    pub environment: Environment,
    pub endpoints: Vec<EndpointPattern>,
    pub purpose: String,
    pub legal_basis: String,
    pub applied_by: UserId,
    /// Working days the provider has to decide.
    pub due_working_days: u32,
}

/// The provider's answer.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve {
        /// What is granted: the requested endpoints or fewer.
        endpoints: Vec<EndpointPattern>,
        /// Calls per minute.
        quota: i64,
        expires_at: Option<Millis>,
        note: Option<String>,
    },
    Reject {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub id: i64,
    pub application: i64,
    pub consumer: i64,
    pub service: i64,
    pub environment: Environment,
    pub endpoints: Vec<EndpointPattern>,
    pub quota: i64,
    pub expires_at: Option<Millis>,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
}

impl Grant {
    pub fn is_live(&self, now: Millis) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: i64,
    pub author: UserId,
    pub text: String,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub message: String,
    pub link: String,
    pub created_at: Millis,
}

pub(crate) fn patterns(text: &str) -> Result<Vec<EndpointPattern>> {
    serde_json::from_str(text).map_err(corrupt)
}

macro_rules! application_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(Application {
            id: r.try_get("id")?,
            consumer: r.try_get("consumer_id")?,
            service: r.try_get("service_id")?,
            environment: Environment::parse(r.try_get("environment")?).map_err(corrupt)?,
            endpoints: patterns(r.try_get("endpoints")?)?,
            purpose: r.try_get("purpose")?,
            legal_basis: r.try_get("legal_basis")?,
            status: ApplicationStatus::parse(r.try_get("status")?).map_err(corrupt)?,
            due_at: Millis(r.try_get("due_at")?),
            applied_by: UserId(r.try_get("applied_by")?),
            created_at: Millis(r.try_get("created_at")?),
            decided_by: r.try_get::<Option<i64>, _>("decided_by")?.map(UserId),
            decided_at: r.try_get::<Option<i64>, _>("decided_at")?.map(Millis),
            reason: r.try_get("reason")?,
        })
    }};
}

macro_rules! grant_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(Grant {
            id: r.try_get("id")?,
            application: r.try_get("application_id")?,
            consumer: r.try_get("consumer_id")?,
            service: r.try_get("service_id")?,
            environment: Environment::parse(r.try_get("environment")?).map_err(corrupt)?,
            endpoints: patterns(r.try_get("endpoints")?)?,
            quota: r.try_get("quota")?,
            expires_at: r.try_get::<Option<i64>, _>("expires_at")?.map(Millis),
            created_at: Millis(r.try_get("created_at")?),
            revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(Millis),
        })
    }};
}
pub(crate) use grant_from_row;

const APPLICATION_COLUMNS: &str = "id, consumer_id, service_id, environment, endpoints, purpose, legal_basis, \
     status, due_at, applied_by, created_at, decided_by, decided_at, reason";
pub(crate) const GRANT_COLUMNS: &str = "id, application_id, consumer_id, service_id, environment, endpoints, quota, \
     expires_at, created_at, revoked_at";

fn required_text(what: &str, text: &str, max: usize) -> Result<()> {
    let n = text.trim().chars().count();
    if n == 0 || n > max {
        return Err(StoreError::Refused(format!(
            "the {what} must have 1 to {max} characters"
        )));
    }
    Ok(())
}

async fn org_of_subsystem(store: &Store, subsystem: i64) -> Result<OrgId> {
    store
        .subsystem_by_id(subsystem)
        .await?
        .map(|s| s.org)
        .ok_or_else(|| StoreError::NotFound(format!("subsystem {subsystem}")))
}

/// Tells an organization, in the caller's transaction, that something needs it: a message key with its
/// argument (`application-new MOJ-S-0001`, read by the admin pages) and where to look.
macro_rules! notify {
    ($exec:expr, $org:expr, $message:expr, $link:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO notifications (org_id, message, link, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind($org.0)
        .bind($message)
        .bind($link)
        .bind($now.0)
        .execute($exec)
        .await
    };
}

impl Store {
    /// Files an application (status pending, due in the given working days) and notifies the provider.
    pub async fn apply_for_access(&self, a: &NewApplication, actor: &Actor) -> Result<Application> {
        required_text("purpose", &a.purpose, 2000)?;
        required_text("legal basis", &a.legal_basis, 1000)?;
        let service = self
            .service(a.service)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("service {}", a.service)))?;
        let consumer_org = org_of_subsystem(self, a.consumer).await?;
        let provider_org = org_of_subsystem(self, service.subsystem).await?;
        if consumer_org == provider_org {
            return Err(StoreError::Refused(
                "an organization does not apply for its own service".into(),
            ));
        }
        if service.status != ServiceStatus::Active {
            return Err(StoreError::Refused(format!(
                "service {} takes no new consumers",
                service.passport
            )));
        }
        if a.endpoints.is_empty() {
            return Err(StoreError::Refused("name at least one endpoint".into()));
        }
        let offered: Vec<EndpointPattern> = service
            .endpoints
            .iter()
            .filter_map(|e| EndpointPattern::parse(&e.method, &e.path).ok())
            .collect();
        for e in &a.endpoints {
            if !offered.iter().any(|o| e.within(o)) {
                return Err(StoreError::Refused(format!(
                    "service {} has no endpoint like {e}",
                    service.passport
                )));
            }
        }
        let now = Millis::now();
        let due = egov_core::grants::add_working_days(now, a.due_working_days);
        let endpoints = serde_json::to_string(&a.endpoints).map_err(corrupt)?;
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let open: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM access_applications WHERE consumer_id = $1 AND service_id = $2 \
                 AND environment = $3 AND (status = 'pending' OR (status = 'approved' AND id IN \
                 (SELECT application_id FROM grants WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $4))))",
            )
            .bind(a.consumer)
            .bind(a.service)
            .bind(a.environment.as_str())
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if open > 0 {
                return Err(StoreError::Conflict(format!(
                    "an application of this system for {} ({}) is pending or granted",
                    service.passport, a.environment
                )));
            }
            let id: i64 = sqlx::query(
                "INSERT INTO access_applications (consumer_id, service_id, environment, endpoints, purpose, \
                 legal_basis, status, due_at, applied_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING id",
            )
            .bind(a.consumer)
            .bind(a.service)
            .bind(a.environment.as_str())
            .bind(&endpoints)
            .bind(a.purpose.trim())
            .bind(a.legal_basis.trim())
            .bind(due.0)
            .bind(a.applied_by.0)
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            notify!(&mut *tx, provider_org, format!("application-new {}", service.passport), format!("/admin/bridge/applications/{id}"), now)?;
            write_audit!(&mut *tx, actor, Change {
                action: "application.create",
                subject: format!("application:{id}"),
                org_id: Some(consumer_org),
                before: None,
                after: Some(serde_json::json!({"service": service.passport, "environment": a.environment, "endpoints": a.endpoints}).to_string()),
            })?;
            tx.commit().await?;
            id
        });
        self.application(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("application {id}")))
    }

    pub async fn application(&self, id: i64) -> Result<Option<Application>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {APPLICATION_COLUMNS} FROM access_applications WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| application_from_row!(&r))
                .transpose()
        })
    }

    /// Applications made by `org`'s subsystems or addressed to its services (every one with `None`), newest first.
    pub async fn applications(&self, org: Option<OrgId>) -> Result<Vec<Application>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {APPLICATION_COLUMNS} FROM access_applications WHERE $1 IS NULL \
                 OR consumer_id IN (SELECT id FROM subsystems WHERE org_id = $1) \
                 OR service_id IN (SELECT sv.id FROM services sv JOIN subsystems ss ON ss.id = sv.subsystem_id WHERE ss.org_id = $1) \
                 ORDER BY created_at DESC, id DESC"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.map(|o| o.0))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| application_from_row!(r))
                .collect()
        })
    }

    /// The provider's decision, made once. `provider` is the organization of the one deciding: it must own
    /// the service. An approval narrows (never widens) the endpoints and becomes a grant in the same transaction.
    pub async fn decide_application(
        &self,
        id: i64,
        provider: OrgId,
        decision: &Decision,
        by: UserId,
        actor: &Actor,
    ) -> Result<Application> {
        let app = self
            .application(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("application {id}")))?;
        let service = self
            .service(app.service)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("service {}", app.service)))?;
        let provider_org = org_of_subsystem(self, service.subsystem).await?;
        if provider_org != provider {
            return Err(StoreError::Refused(
                "only the service's provider decides on its applications".into(),
            ));
        }
        let consumer_org = org_of_subsystem(self, app.consumer).await?;
        let now = Millis::now();
        match decision {
            Decision::Approve {
                endpoints,
                quota,
                expires_at,
                note,
            } => {
                if endpoints.is_empty() {
                    return Err(StoreError::Refused(
                        "an approval grants at least one endpoint".into(),
                    ));
                }
                if let Some(wider) = endpoints
                    .iter()
                    .find(|e| !app.endpoints.iter().any(|r| e.within(r)))
                {
                    return Err(StoreError::Refused(format!(
                        "{wider} was not asked for; a decision may only narrow"
                    )));
                }
                if !(1..=1_000_000).contains(quota) {
                    return Err(StoreError::Refused(
                        "the quota is 1 to 1000000 calls per minute".into(),
                    ));
                }
                if expires_at.is_some_and(|e| e <= now) {
                    return Err(StoreError::Refused(
                        "the expiry must be in the future".into(),
                    ));
                }
                if let Some(n) = note {
                    required_text("note", n, 2000)?;
                }
            }
            Decision::Reject { reason } => required_text("reason", reason, 2000)?,
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (status, reason) = match decision {
                Decision::Approve { note, .. } => (ApplicationStatus::Approved, note.clone()),
                Decision::Reject { reason } => (ApplicationStatus::Rejected, Some(reason.clone())),
            };
            let done = sqlx::query(
                "UPDATE access_applications SET status = $1, decided_by = $2, decided_at = $3, reason = $4 \
                 WHERE id = $5 AND status = 'pending'",
            )
            .bind(status.as_str())
            .bind(by.0)
            .bind(now.0)
            .bind(reason.as_deref().map(str::trim))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("a decision on application {id}")));
            }
            let mut after = serde_json::json!({"status": status});
            if let Decision::Approve { endpoints, quota, expires_at, .. } = decision {
                let granted = serde_json::to_string(endpoints).map_err(corrupt)?;
                sqlx::query(
                    "INSERT INTO grants (application_id, consumer_id, service_id, environment, endpoints, quota, \
                     expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(app.consumer)
                .bind(app.service)
                .bind(app.environment.as_str())
                .bind(granted)
                .bind(*quota)
                .bind(expires_at.map(|e| e.0))
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
                after = serde_json::json!({"status": status, "endpoints": endpoints, "quota": quota, "expires_at": expires_at});
            }
            notify!(&mut *tx, consumer_org, format!("application-{} {}", status, service.passport), format!("/admin/bridge/applications/{id}"), now)?;
            write_audit!(&mut *tx, actor, Change {
                action: if status == ApplicationStatus::Approved { "application.approve" } else { "application.reject" },
                subject: format!("application:{id}"),
                org_id: Some(provider),
                before: Some(serde_json::json!({"status": app.status}).to_string()),
                after: Some(after.to_string()),
            })?;
            tx.commit().await?;
        });
        self.application(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("application {id}")))
    }

    /// Grants held by `org`'s subsystems or given on its services (all with `None`), newest first.
    pub async fn grants(&self, org: Option<OrgId>) -> Result<Vec<Grant>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {GRANT_COLUMNS} FROM grants WHERE $1 IS NULL \
                 OR consumer_id IN (SELECT id FROM subsystems WHERE org_id = $1) \
                 OR service_id IN (SELECT sv.id FROM services sv JOIN subsystems ss ON ss.id = sv.subsystem_id WHERE ss.org_id = $1) \
                 ORDER BY created_at DESC, id DESC"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.map(|o| o.0))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| grant_from_row!(r))
                .collect()
        })
    }

    /// Revokes a live grant for whichever of `orgs` (those the acting user administers) is its provider or
    /// consumer.
    pub async fn revoke_grant(
        &self,
        id: i64,
        orgs: &[OrgId],
        by: UserId,
        actor: &Actor,
    ) -> Result<Grant> {
        let grant = self
            .grant(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("grant {id}")))?;
        let service = self
            .service(grant.service)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("service {}", grant.service)))?;
        let provider = org_of_subsystem(self, service.subsystem).await?;
        let consumer = org_of_subsystem(self, grant.consumer).await?;
        let org = orgs
            .iter()
            .copied()
            .find(|o| *o == provider || *o == consumer)
            .ok_or_else(|| {
                StoreError::Refused("only the provider or the consumer revokes a grant".into())
            })?;
        let now = Millis::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL")
                .bind(now.0)
                .bind(by.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("a revocation of grant {id}")));
            }
            let other = if org == provider { consumer } else { provider };
            notify!(&mut *tx, other, format!("grant-revoked {}", service.passport), "/admin/bridge/grants".to_owned(), now)?;
            write_audit!(&mut *tx, actor, Change {
                action: "grant.revoke",
                subject: format!("grant:{id}"),
                org_id: Some(org),
                before: Some(serde_json::json!({"revoked": false}).to_string()),
                after: Some(serde_json::json!({"revoked": true, "service": service.passport}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.grant(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("grant {id}")))
    }

    /// Adds a comment to an application's thread.
    pub async fn comment_on_application(
        &self,
        id: i64,
        author: UserId,
        text: &str,
        actor: &Actor,
    ) -> Result<Comment> {
        required_text("comment", text, 4000)?;
        let app = self
            .application(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("application {id}")))?;
        let now = Millis::now();
        let cid: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let cid: i64 = sqlx::query(
                "INSERT INTO application_comments (application_id, author, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(id)
            .bind(author.0)
            .bind(text.trim())
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            write_audit!(&mut *tx, actor, Change {
                action: "application.comment",
                subject: format!("application:{}", app.id),
                org_id: None,
                before: None,
                after: Some(serde_json::json!({"comment": cid}).to_string()),
            })?;
            tx.commit().await?;
            cid
        });
        Ok(Comment {
            id: cid,
            author,
            text: text.trim().to_owned(),
            created_at: now,
        })
    }

    /// An application's comments, oldest first.
    pub async fn application_comments(&self, id: i64) -> Result<Vec<Comment>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT id, author, text, created_at FROM application_comments WHERE application_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(Comment {
                    id: r.try_get("id")?,
                    author: UserId(r.try_get("author")?),
                    text: r.try_get("text")?,
                    created_at: Millis(r.try_get("created_at")?),
                }))
                .collect()
        })
    }

    /// An organization's newest notifications.
    pub async fn notifications(&self, org: OrgId, limit: u32) -> Result<Vec<Notification>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT id, message, link, created_at FROM notifications WHERE org_id = $1 ORDER BY id DESC LIMIT $2")
                .bind(org.0)
                .bind(i64::from(limit.clamp(1, 200)))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(Notification {
                    id: r.try_get("id")?,
                    message: r.try_get("message")?,
                    link: r.try_get("link")?,
                    created_at: Millis(r.try_get("created_at")?),
                }))
                .collect()
        })
    }
}
