//! Looking up grants: one by id, and the live ones a consumer holds for a service (what the gateway checks
//! on every call).

use egov_core::Environment;
use egov_core::clock::Millis;
use sqlx::Row;

use crate::applications::{GRANT_COLUMNS, grant_from_row, patterns};
use crate::{Grant, Result, Store, StoreError, corrupt, on_pool};

impl Store {
    pub async fn grant(&self, id: i64) -> Result<Option<Grant>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| grant_from_row!(&r))
                .transpose()
        })
    }

    /// The grants of `consumer` (a subsystem) for `service` that are live at `now`: not revoked, not
    /// expired. Read from the store on each call, so a revocation on any node takes effect at once.
    pub async fn live_grants(
        &self,
        consumer: i64,
        service: i64,
        now: Millis,
    ) -> Result<Vec<Grant>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {GRANT_COLUMNS} FROM grants WHERE consumer_id = $1 AND service_id = $2 \
                 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3) ORDER BY id"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(consumer)
                .bind(service)
                .bind(now.0)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| grant_from_row!(r))
                .collect()
        })
    }
}
