//! Credentials of subsystems for the gateway: bearer tokens, of which only a SHA-256 digest is stored (the
//! token itself is shown once, when issued), and client certificates of the deployment CA, known by the
//! SHA-256 of their DER bytes. Revocable; listed with their expiry. Audited without secrets.

use egov_core::clock::Millis;
use egov_core::{OrgId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Change, write_audit};
use crate::{Actor, Result, Store, StoreError, on_pool};

#[derive(Debug, Clone, Serialize)]
pub struct Credential {
    pub id: i64,
    pub subsystem: i64,
    pub kind: CredentialKind,
    pub label: String,
    /// The certificate (PEM) of a `certificate` credential.
    pub certificate: Option<String>,
    /// Its serial number, hex.
    pub serial: Option<String>,
    pub expires_at: Millis,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// What proves a subsystem's identity to the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    /// A bearer token in `Authorization: Bearer …`.
    Token,
    /// A client certificate of the deployment CA, presented in the TLS handshake.
    Certificate,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Token => "token",
            CredentialKind::Certificate => "certificate",
        }
    }
}

/// A credential to record: for a token, `secret_hash` is the token's SHA-256; for a certificate, the
/// SHA-256 of its DER bytes, with the PEM and serial in `certificate`.
pub struct NewCredential<'a> {
    pub subsystem: i64,
    pub kind: CredentialKind,
    pub label: &'a str,
    pub secret_hash: &'a str,
    pub certificate: Option<(&'a str, &'a str)>,
    pub expires_at: Millis,
    pub by: Option<UserId>,
}

impl Credential {
    pub fn is_valid(&self, now: Millis) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

const COLUMNS: &str =
    "id, subsystem_id, kind, label, certificate, serial, expires_at, created_at, revoked_at";

macro_rules! credential_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(Credential {
            id: r.try_get("id")?,
            subsystem: r.try_get("subsystem_id")?,
            kind: match r.try_get::<String, _>("kind")?.as_str() {
                "token" => CredentialKind::Token,
                "certificate" => CredentialKind::Certificate,
                other => return Err(crate::corrupt(format!("credential kind {other}"))),
            },
            label: r.try_get("label")?,
            certificate: r.try_get("certificate")?,
            serial: r.try_get("serial")?,
            expires_at: Millis(r.try_get("expires_at")?),
            created_at: Millis(r.try_get("created_at")?),
            revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(Millis),
        })
    }};
}

impl Store {
    /// Records a bearer token or a client certificate for a subsystem.
    pub async fn create_credential(
        &self,
        new: NewCredential<'_>,
        actor: &Actor,
    ) -> Result<Credential> {
        let NewCredential {
            subsystem,
            kind,
            label,
            secret_hash,
            certificate,
            expires_at,
            by,
        } = new;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(StoreError::Refused(
                "a label has 1 to 100 characters".into(),
            ));
        }
        if secret_hash.len() != 64 || !secret_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Corrupt(
                "a credential digest is 64 hex digits".into(),
            ));
        }
        let now = Millis::now();
        if expires_at <= now {
            return Err(StoreError::Refused(
                "the expiry must be in the future".into(),
            ));
        }
        let org: i64 = on_pool!(self, pool => {
            sqlx::query("SELECT org_id FROM subsystems WHERE id = $1")
                .bind(subsystem)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("subsystem {subsystem}")))?
                .try_get("org_id")?
        });
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO credentials (subsystem_id, kind, label, secret_hash, certificate, serial, expires_at, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(subsystem)
            .bind(kind.as_str())
            .bind(label)
            .bind(secret_hash)
            .bind(certificate.map(|c| c.0))
            .bind(certificate.map(|c| c.1))
            .bind(expires_at.0)
            .bind(by.map(|u| u.0))
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            write_audit!(&mut *tx, actor, Change {
                action: "credential.issue",
                subject: format!("credential:{id}"),
                org_id: Some(OrgId(org)),
                before: None,
                after: Some(serde_json::json!({"kind": kind.as_str(), "serial": certificate.map(|c| c.1), "label": label, "subsystem": subsystem, "expires_at": expires_at}).to_string()),
            })?;
            tx.commit().await?;
            id
        });
        self.credential(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("credential {id}")))
    }

    /// The credentials of `org`'s subsystems (all with `None`), newest first.
    pub async fn credentials(&self, org: Option<OrgId>) -> Result<Vec<Credential>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {COLUMNS} FROM credentials WHERE $1 IS NULL OR subsystem_id IN \
                 (SELECT id FROM subsystems WHERE org_id = $1) ORDER BY id DESC"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.map(|o| o.0))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| credential_from_row!(r))
                .collect()
        })
    }

    pub async fn credential(&self, id: i64) -> Result<Option<Credential>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM credentials WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| credential_from_row!(&r))
                .transpose()
        })
    }

    /// The credential a token digest or certificate fingerprint belongs to, valid or not (the caller checks expiry and revocation).
    pub async fn credential_by_hash(&self, secret_hash: &str) -> Result<Option<Credential>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM credentials WHERE secret_hash = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(secret_hash)
                .fetch_optional(pool)
                .await?
                .map(|r| credential_from_row!(&r))
                .transpose()
        })
    }

    /// Revokes a credential of a subsystem of one of `orgs` (those the acting user administers).
    pub async fn revoke_credential(
        &self,
        id: i64,
        orgs: &[OrgId],
        actor: &Actor,
    ) -> Result<Credential> {
        let refused = || {
            StoreError::Refused("only the subsystem's organization revokes its credentials".into())
        };
        let mine = self.credential(id).await?.ok_or_else(refused)?;
        let org = self
            .subsystem_by_id(mine.subsystem)
            .await?
            .map(|s| s.org)
            .filter(|o| orgs.contains(o))
            .ok_or_else(refused)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE credentials SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(Millis::now().0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("a revocation of credential {id}")));
            }
            write_audit!(&mut *tx, actor, Change {
                action: "credential.revoke",
                subject: format!("credential:{id}"),
                org_id: Some(org),
                before: Some(serde_json::json!({"label": mine.label, "revoked": false}).to_string()),
                after: Some(serde_json::json!({"revoked": true}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.credential(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("credential {id}")))
    }
}
