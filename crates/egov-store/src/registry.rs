//! The bridge's registry: each member's information systems (subsystems) and the services they offer, with
//! a human passport code (`MFA-S-0001`) and the operations (method + path) that grants will name.
//!
//! Ids are X-Road's: a subsystem is found by its organization and code, a service by its subsystem and code;
//! the instance and member parts come from the deployment and the organization (its legal id is the member
//! code). Every change is audited.

use egov_core::clock::Millis;
use egov_core::{Email, Localized, OrgId, ServiceCode, ServiceStatus, SubsystemCode, SubsystemId};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Change, write_audit};
use crate::{Actor, Result, Store, StoreError, bump_version, corrupt, json_text, on_pool};

#[derive(Debug, Clone, Serialize)]
pub struct Subsystem {
    pub id: i64,
    pub org: OrgId,
    pub code: SubsystemCode,
    pub name: Localized,
    /// Who answers for the system.
    pub contact: Email,
    pub created_at: Millis,
}

/// One operation of a service: an HTTP method and a path (OpenAPI's template, e.g. `/persons/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub id: i64,
    pub subsystem: i64,
    pub code: ServiceCode,
    /// `MFA-S-0001`: the provider's slug upper-cased and a running number.
    pub passport: String,
    pub title: Localized,
    pub description: Localized,
    pub category: String,
    pub production_url: Option<String>,
    pub test_url: Option<String>,
    /// The OpenAPI 3 document, validated before it is stored.
    pub openapi: Option<serde_json::Value>,
    pub personal_data: bool,
    /// Calls per minute a grant gets unless its decision says otherwise.
    pub rate_limit: i64,
    pub sla: Localized,
    pub status: ServiceStatus,
    pub endpoints: Vec<Endpoint>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone)]
pub struct NewService {
    pub subsystem: i64,
    pub code: ServiceCode,
    pub title: Localized,
    pub description: Localized,
    pub category: String,
    pub production_url: Option<String>,
    pub test_url: Option<String>,
    pub openapi: Option<serde_json::Value>,
    pub personal_data: bool,
    pub rate_limit: i64,
    pub sla: Localized,
    pub endpoints: Vec<Endpoint>,
}

fn localized(text: &str) -> Result<Localized> {
    serde_json::from_str(text).map_err(corrupt)
}

macro_rules! subsystem_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(Subsystem {
            id: r.try_get("id")?,
            org: OrgId(r.try_get("org_id")?),
            code: SubsystemCode::parse(r.try_get("code")?).map_err(corrupt)?,
            name: localized(r.try_get("name")?)?,
            contact: Email::parse(r.try_get("contact")?).map_err(corrupt)?,
            created_at: Millis(r.try_get("created_at")?),
        })
    }};
}

macro_rules! service_from_row {
    ($r:expr) => {{
        let r = $r;
        let openapi: Option<String> = r.try_get("openapi")?;
        Ok::<_, StoreError>(Service {
            id: r.try_get("id")?,
            subsystem: r.try_get("subsystem_id")?,
            code: ServiceCode::parse(r.try_get("code")?).map_err(corrupt)?,
            passport: r.try_get("passport")?,
            title: localized(r.try_get("title")?)?,
            description: localized(r.try_get("description")?)?,
            category: r.try_get("category")?,
            production_url: r.try_get("production_url")?,
            test_url: r.try_get("test_url")?,
            openapi: openapi
                .map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(corrupt)?,
            personal_data: r.try_get("personal_data")?,
            rate_limit: r.try_get("rate_limit")?,
            sla: localized(r.try_get("sla")?)?,
            status: ServiceStatus::parse(r.try_get("status")?).map_err(corrupt)?,
            endpoints: Vec::new(),
            created_at: Millis(r.try_get("created_at")?),
            updated_at: Millis(r.try_get("updated_at")?),
        })
    }};
}

const SUBSYSTEM_COLUMNS: &str = "id, org_id, code, name, contact, created_at";
const SERVICE_COLUMNS: &str = "id, subsystem_id, code, passport, title, description, category, production_url, \
     test_url, openapi, personal_data, rate_limit, sla, status, created_at, updated_at";

impl Store {
    /// Registers an information system of `org`. A code the organization already uses is a conflict.
    pub async fn create_subsystem(
        &self,
        org: OrgId,
        code: &SubsystemCode,
        name: &Localized,
        contact: &Email,
        actor: &Actor,
    ) -> Result<Subsystem> {
        if name.is_empty() {
            return Err(StoreError::Corrupt("a subsystem needs a name".into()));
        }
        let now = Millis::now().0;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO subsystems (org_id, code, name, contact, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(org.0)
            .bind(code.as_str())
            .bind(json_text(name))
            .bind(contact.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("subsystem {code}")),
                StoreError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                    StoreError::NotFound("organization".into())
                }
                other => other,
            })?;
            // The showcase is a public page: cached copies retire with the content version.
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "subsystem.create",
                subject: format!("subsystem:{code}"),
                org_id: Some(org),
                before: None,
                after: Some(serde_json::json!({"code": code.as_str(), "name": name, "contact": contact.as_str()}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.subsystem(org, code)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("subsystem {code}")))
    }

    pub async fn subsystem(&self, org: OrgId, code: &SubsystemCode) -> Result<Option<Subsystem>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {SUBSYSTEM_COLUMNS} FROM subsystems WHERE org_id = $1 AND code = $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .bind(code.as_str())
                .fetch_optional(pool)
                .await?
                .map(|r| subsystem_from_row!(&r))
                .transpose()
        })
    }

    pub async fn subsystem_by_id(&self, id: i64) -> Result<Option<Subsystem>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {SUBSYSTEM_COLUMNS} FROM subsystems WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| subsystem_from_row!(&r))
                .transpose()
        })
    }

    /// One organization's subsystems (all with `None`), by code.
    /// The X-Road id of a subsystem: the deployment's instance, its organization's member class and legal
    /// id (the member code), and its own code.
    pub async fn client_id(&self, subsystem: i64) -> Result<Option<SubsystemId>> {
        let instance = self.instance().await?;
        let parts: Option<(String, String, String)> = on_pool!(self, pool => {
            sqlx::query(
                "SELECT s.code, o.member_class, o.legal_id FROM subsystems s \
                 JOIN organizations o ON o.id = s.org_id WHERE s.id = $1",
            )
            .bind(subsystem)
            .fetch_optional(pool)
            .await?
            .map(|r| -> Result<_> {
                Ok((r.try_get("member_class")?, r.try_get("legal_id")?, r.try_get("code")?))
            })
            .transpose()?
        });
        let Some((class, member, code)) = parts else {
            return Ok(None);
        };
        let id = format!("{instance}/{class}/{member}/{code}");
        SubsystemId::parse(&id).map(Some).map_err(corrupt)
    }

    /// The subsystem an X-Road client id names, when the id is of this deployment's instance.
    pub async fn subsystem_by_client(&self, id: &SubsystemId) -> Result<Option<Subsystem>> {
        if id.member.instance.as_str() != self.instance().await? {
            return Ok(None);
        }
        on_pool!(self, pool => {
            let cols = SUBSYSTEM_COLUMNS
                .split(", ")
                .map(|c| format!("s.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT {cols} FROM subsystems s JOIN organizations o ON o.id = s.org_id \
                 WHERE o.member_class = $1 AND o.legal_id = $2 AND s.code = $3"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id.member.class.as_str())
                .bind(id.member.code.as_str())
                .bind(id.code.as_str())
                .fetch_optional(pool)
                .await?
                .map(|r| subsystem_from_row!(&r))
                .transpose()
        })
    }

    /// The deployment's X-Road instance (`TJ` for a store without a recorded deployment, as in tests).
    async fn instance(&self) -> Result<String> {
        Ok(self
            .deployment()
            .await?
            .map_or_else(|| "TJ".to_owned(), |d| d.instance))
    }

    pub async fn subsystems(&self, org: Option<OrgId>) -> Result<Vec<Subsystem>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {SUBSYSTEM_COLUMNS} FROM subsystems WHERE ($1 IS NULL OR org_id = $1) ORDER BY org_id, code"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.map(|o| o.0))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| subsystem_from_row!(r))
                .collect()
        })
    }

    /// Registers a service with its operations and gives it the provider's next passport code.
    pub async fn create_service(&self, s: &NewService, actor: &Actor) -> Result<Service> {
        if s.title.is_empty() {
            return Err(StoreError::Corrupt("a service needs a title".into()));
        }
        if s.rate_limit < 1 {
            return Err(StoreError::Corrupt(
                "a rate limit is at least one call per minute".into(),
            ));
        }
        let now = Millis::now().0;
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let owner = sqlx::query(
                "SELECT o.id, o.slug FROM subsystems s JOIN organizations o ON o.id = s.org_id WHERE s.id = $1",
            )
            .bind(s.subsystem)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("subsystem {}", s.subsystem)))?;
            let org: i64 = owner.try_get("id")?;
            let slug: String = owner.try_get("slug")?;
            let taken: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM services sv JOIN subsystems ss ON ss.id = sv.subsystem_id WHERE ss.org_id = $1",
            )
            .bind(org)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            let passport = format!("{}-S-{:04}", slug.to_uppercase(), taken + 1);
            let row = sqlx::query(
                "INSERT INTO services (subsystem_id, code, passport, title, description, category, production_url, \
                 test_url, openapi, personal_data, rate_limit, sla, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
            )
            .bind(s.subsystem)
            .bind(s.code.as_str())
            .bind(&passport)
            .bind(json_text(&s.title))
            .bind(json_text(&s.description))
            .bind(&s.category)
            .bind(&s.production_url)
            .bind(&s.test_url)
            .bind(s.openapi.as_ref().map(|d| d.to_string()))
            .bind(s.personal_data)
            .bind(s.rate_limit)
            .bind(json_text(&s.sla))
            .bind(ServiceStatus::Active.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("service {}", s.code)),
                other => other,
            })?;
            let id: i64 = row.try_get("id")?;
            let mut endpoints = s.endpoints.clone();
            endpoints.sort();
            endpoints.dedup();
            for e in &endpoints {
                sqlx::query("INSERT INTO service_endpoints (service_id, method, path) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&e.method)
                    .bind(&e.path)
                    .execute(&mut *tx)
                    .await?;
            }
            // The showcase is a public page: cached copies retire with the content version.
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "service.create",
                subject: format!("service:{passport}"),
                org_id: Some(OrgId(org)),
                before: None,
                after: Some(serde_json::json!({"code": s.code.as_str(), "passport": passport, "endpoints": endpoints}).to_string()),
            })?;
            tx.commit().await?;
            id
        });
        self.service(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("service {id}")))
    }

    async fn endpoints(&self, service: i64) -> Result<Vec<Endpoint>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT method, path FROM service_endpoints WHERE service_id = $1 ORDER BY path, method")
                .bind(service)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(Endpoint { method: r.try_get("method")?, path: r.try_get("path")? }))
                .collect()
        })
    }

    /// A service with its operations.
    pub async fn service(&self, id: i64) -> Result<Option<Service>> {
        let found = on_pool!(self, pool => {
            let sql = format!("SELECT {SERVICE_COLUMNS} FROM services WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| service_from_row!(&r))
                .transpose()?
        });
        match found {
            Some(mut s) => {
                s.endpoints = self.endpoints(s.id).await?;
                Ok(Some(s))
            }
            None => Ok(None),
        }
    }

    /// A subsystem's service by its code.
    pub async fn service_by_code(
        &self,
        subsystem: i64,
        code: &ServiceCode,
    ) -> Result<Option<Service>> {
        let id: Option<i64> = on_pool!(self, pool => {
            sqlx::query("SELECT id FROM services WHERE subsystem_id = $1 AND code = $2")
                .bind(subsystem)
                .bind(code.as_str())
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?
        });
        match id {
            Some(id) => self.service(id).await,
            None => Ok(None),
        }
    }

    /// Services of one subsystem (all with `None`), by passport code, with their operations.
    pub async fn services(&self, subsystem: Option<i64>) -> Result<Vec<Service>> {
        let mut list = on_pool!(self, pool => {
            let sql = format!(
                "SELECT {SERVICE_COLUMNS} FROM services WHERE ($1 IS NULL OR subsystem_id = $1) ORDER BY passport"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(subsystem)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| service_from_row!(r))
                .collect::<Result<Vec<_>>>()?
        });
        for s in &mut list {
            s.endpoints = self.endpoints(s.id).await?;
        }
        Ok(list)
    }

    /// Marks a service deprecated (no new applications) or active again. Audited.
    pub async fn set_service_status(
        &self,
        id: i64,
        status: ServiceStatus,
        actor: &Actor,
    ) -> Result<Service> {
        let before = self
            .service(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("service {id}")))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE services SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(Millis::now().0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let org: i64 = sqlx::query("SELECT org_id FROM subsystems WHERE id = $1")
                .bind(before.subsystem)
                .fetch_one(&mut *tx)
                .await?
                .try_get("org_id")?;
            // The showcase is a public page: cached copies retire with the content version.
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "service.status",
                subject: format!("service:{}", before.passport),
                org_id: Some(OrgId(org)),
                before: Some(serde_json::json!({"status": before.status}).to_string()),
                after: Some(serde_json::json!({"status": status}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.service(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("service {id}")))
    }
}
