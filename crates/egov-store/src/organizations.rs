//! Organizations: state bodies and the other members of the platform.

use egov_core::clock::Millis;
use egov_core::{LegalId, Localized, MemberClass, OrgId, Slug};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, Change, write_audit};
use crate::{Result, Store, StoreError, bump_version, from_json, json_text, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub id: OrgId,
    pub slug: Slug,
    pub member_class: MemberClass,
    pub legal_id: LegalId,
    /// `ministry`, `agency`, `committee`, `local`, `company`, `operator`…
    pub kind: String,
    pub name: Localized,
    pub short_name: Localized,
    pub parent: Option<OrgId>,
    /// What the organization does, per language (shown on its home page).
    pub description: Localized,
    /// Address, phone, e-mail, hours: `{"address": {lang: text}, "phone": "...", "email": "...", "hours": {...}}`.
    pub contacts: serde_json::Value,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewOrganization {
    pub slug: Slug,
    pub member_class: MemberClass,
    pub legal_id: LegalId,
    pub kind: String,
    pub name: Localized,
    pub short_name: Localized,
    pub parent: Option<OrgId>,
}

const COLUMNS: &str = "id, slug, member_class, legal_id, kind, name, short_name, parent_id, \
                       description, contacts, created_at, updated_at";

macro_rules! org_from_row {
    ($r:expr) => {{
        let r = $r;
        let parse = |e: egov_core::ParseError| StoreError::Corrupt(e.to_string());
        Ok::<_, StoreError>(Organization {
            id: OrgId(r.try_get("id")?),
            slug: Slug::parse(r.try_get("slug")?).map_err(parse)?,
            member_class: MemberClass::parse(r.try_get("member_class")?).map_err(parse)?,
            legal_id: LegalId::parse(r.try_get("legal_id")?).map_err(parse)?,
            kind: r.try_get("kind")?,
            name: from_json("organization name", r.try_get("name")?)?,
            short_name: from_json("organization short name", r.try_get("short_name")?)?,
            parent: r.try_get::<Option<i64>, _>("parent_id")?.map(OrgId),
            description: from_json("organization description", r.try_get("description")?)?,
            contacts: from_json("organization contacts", r.try_get("contacts")?)?,
            created_at: Millis(r.try_get("created_at")?),
            updated_at: Millis(r.try_get("updated_at")?),
        })
    }};
}

impl Store {
    /// Creates an organization. A taken slug or (member class, legal id) is a [`StoreError::Conflict`].
    pub async fn create_organization(
        &self,
        o: &NewOrganization,
        actor: &Actor,
    ) -> Result<Organization> {
        if o.name.is_empty() {
            return Err(StoreError::Corrupt("an organization needs a name".into()));
        }
        if o.slug.is_reserved_for_agencies() {
            return Err(StoreError::Conflict(format!(
                "slug {} (the portal uses it for its own pages)",
                o.slug
            )));
        }
        let now = Millis::now().0;
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO organizations (slug, member_class, legal_id, kind, name, short_name, parent_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(o.slug.as_str())
            .bind(o.member_class.as_str())
            .bind(o.legal_id.as_str())
            .bind(&o.kind)
            .bind(json_text(&o.name))
            .bind(json_text(&o.short_name))
            .bind(o.parent.map(|p| p.0))
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict_names(e, o))?
            .try_get("id")?;
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "organization.create",
                subject: format!("organization:{}", o.slug),
                org_id: Some(OrgId(id)),
                before: None,
                after: Some(json_text(o)),
            })?;
            tx.commit().await?;
            id
        });
        self.organization(OrgId(id))
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organization {id}")))
    }

    /// Changes an organization's names; audited with before and after.
    pub async fn rename_organization(
        &self,
        id: OrgId,
        name: &Localized,
        short_name: &Localized,
        actor: &Actor,
    ) -> Result<Organization> {
        let before = self
            .organization(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organization {id}")))?;
        if name.is_empty() {
            return Err(StoreError::Corrupt("an organization needs a name".into()));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE organizations SET name = $1, short_name = $2, updated_at = $3 WHERE id = $4")
                .bind(json_text(name))
                .bind(json_text(short_name))
                .bind(Millis::now().0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "organization.rename",
                subject: format!("organization:{}", before.slug),
                org_id: Some(id),
                before: Some(serde_json::json!({"name": before.name, "short_name": before.short_name}).to_string()),
                after: Some(serde_json::json!({"name": name, "short_name": short_name}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.organization(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organization {id}")))
    }

    /// Sets the description and contacts shown on the organization's site. Audited.
    pub async fn set_organization_profile(
        &self,
        id: OrgId,
        description: &Localized,
        contacts: &serde_json::Value,
        actor: &Actor,
    ) -> Result<()> {
        let before = self
            .organization(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organization {id}")))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE organizations SET description = $1, contacts = $2, updated_at = $3 WHERE id = $4")
                .bind(json_text(description))
                .bind(contacts.to_string())
                .bind(Millis::now().0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "organization.profile",
                subject: format!("organization:{}", before.slug),
                org_id: Some(id),
                before: Some(serde_json::json!({"description": before.description, "contacts": before.contacts}).to_string()),
                after: Some(serde_json::json!({"description": description, "contacts": contacts}).to_string()),
            })?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn organization(&self, id: OrgId) -> Result<Option<Organization>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(pool)
                .await?
                .map(|r| org_from_row!(&r))
                .transpose()
        })
    }

    pub async fn organization_by_slug(&self, slug: &Slug) -> Result<Option<Organization>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM organizations WHERE slug = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(slug.as_str())
                .fetch_optional(pool)
                .await?
                .map(|r| org_from_row!(&r))
                .transpose()
        })
    }

    /// All organizations, ordered by slug.
    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM organizations ORDER BY slug");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| org_from_row!(r))
                .collect()
        })
    }
}

fn conflict_names(e: sqlx::Error, o: &NewOrganization) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(c) if c.contains("slug") => {
            StoreError::Conflict(format!("organization with slug {}", o.slug))
        }
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("organization {}/{}", o.member_class, o.legal_id))
        }
        other => other,
    }
}
