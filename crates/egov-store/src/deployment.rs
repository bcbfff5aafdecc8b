//! The deployment: which country's platform this is, and in which languages it speaks.

use egov_core::clock::Millis;
use egov_core::{Languages, Localized};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, Change, write_audit};
use crate::{Result, Store, from_json, json_text, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// The X-Road instance identifier: `TJ`, `KZ`, `TJ-TEST`.
    pub instance: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// The platform's public name, per language.
    pub name: Localized,
    pub languages: Languages,
}

impl Store {
    pub async fn deployment(&self) -> Result<Option<Deployment>> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT instance, country, name, languages FROM deployment WHERE id = 1")
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                Ok(Deployment {
                    instance: r.try_get("instance")?,
                    country: r.try_get("country")?,
                    name: from_json("deployment name", r.try_get::<&str, _>("name")?)?,
                    languages: from_json("deployment languages", r.try_get::<&str, _>("languages")?)?,
                })
            })
            .transpose()
        })
    }

    /// Stores the deployment's identity; a change is audited, an unchanged value writes nothing.
    pub async fn put_deployment(&self, d: &Deployment, actor: &Actor) -> Result<()> {
        let before = self.deployment().await?;
        if before.as_ref() == Some(d) {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO deployment (id, instance, country, name, languages, updated_at) \
                 VALUES (1, $1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET instance = $1, country = $2, name = $3, languages = $4, updated_at = $5",
            )
            .bind(&d.instance)
            .bind(&d.country)
            .bind(json_text(&d.name))
            .bind(json_text(&d.languages))
            .bind(Millis::now().0)
            .execute(&mut *tx)
            .await?;
            write_audit!(&mut *tx, actor, Change {
                action: "deployment.update",
                subject: format!("deployment:{}", d.instance),
                org_id: None,
                before: before.as_ref().map(json_text),
                after: Some(json_text(d)),
            })?;
            tx.commit().await?;
        });
        Ok(())
    }
}
