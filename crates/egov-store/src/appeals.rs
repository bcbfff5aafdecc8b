//! Citizens' appeals to an agency: created when a citizen asks for a person (from the assistant), answered
//! once by someone working for that agency, looked up by the citizen with the tracking number.
//!
//! The audit log records that an appeal was created and answered, never the citizen's name, contact or text.

use egov_core::clock::Millis;
use egov_core::{AppealNumber, AppealStatus, Lang, OrgId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Change, write_audit};
use crate::{Actor, Result, Store, StoreError, corrupt, on_pool};

/// Longest text of a question or an answer, in characters.
pub const MAX_APPEAL_TEXT: usize = 5000;
/// Longest name or contact, in characters.
pub const MAX_APPEAL_FIELD: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Appeal {
    pub id: i64,
    pub number: AppealNumber,
    pub org: OrgId,
    pub lang: Lang,
    pub name: String,
    pub contact: String,
    pub question: String,
    pub status: AppealStatus,
    pub answer: Option<String>,
    pub answered_by: Option<UserId>,
    pub created_at: Millis,
    pub answered_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct NewAppeal {
    pub number: AppealNumber,
    pub org: OrgId,
    pub lang: Lang,
    pub name: String,
    pub contact: String,
    pub question: String,
}

const COLUMNS: &str = "id, number, org_id, lang, name, contact, question, status, answer, answered_by, \
                       created_at, answered_at";

macro_rules! appeal_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(Appeal {
            id: r.try_get("id")?,
            number: AppealNumber::parse(r.try_get("number")?).map_err(corrupt)?,
            org: OrgId(r.try_get("org_id")?),
            lang: Lang::parse(r.try_get("lang")?).map_err(corrupt)?,
            name: r.try_get("name")?,
            contact: r.try_get("contact")?,
            question: r.try_get("question")?,
            status: AppealStatus::parse(r.try_get("status")?).map_err(corrupt)?,
            answer: r.try_get("answer")?,
            answered_by: r.try_get::<Option<i64>, _>("answered_by")?.map(UserId),
            created_at: Millis(r.try_get("created_at")?),
            answered_at: r.try_get::<Option<i64>, _>("answered_at")?.map(Millis),
        })
    }};
}

fn check_text(what: &str, text: &str, max: usize) -> Result<()> {
    if text.trim().is_empty() {
        return Err(StoreError::Corrupt(format!("an appeal needs a {what}")));
    }
    if text.chars().count() > max {
        return Err(StoreError::Corrupt(format!(
            "the {what} is longer than {max} characters"
        )));
    }
    Ok(())
}

impl Store {
    /// Records a new appeal (status new). A number already taken is a conflict (the caller draws another).
    pub async fn create_appeal(&self, a: &NewAppeal, actor: &Actor) -> Result<Appeal> {
        check_text("name", &a.name, MAX_APPEAL_FIELD)?;
        check_text("contact", &a.contact, MAX_APPEAL_FIELD)?;
        check_text("question", &a.question, MAX_APPEAL_TEXT)?;
        let now = Millis::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO appeals (number, org_id, lang, name, contact, question, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(a.number.as_str())
            .bind(a.org.0)
            .bind(a.lang.as_str())
            .bind(a.name.trim())
            .bind(a.contact.trim())
            .bind(a.question.trim())
            .bind(AppealStatus::New.as_str())
            .bind(now.0)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                    StoreError::NotFound("organization".into())
                }
                other => other,
            })?;
            write_audit!(&mut *tx, actor, Change {
                action: "appeal.create",
                subject: format!("appeal:{}", a.number),
                org_id: Some(a.org),
                before: None,
                after: Some(serde_json::json!({"lang": a.lang}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.appeal_by_number(&a.number)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("appeal {}", a.number)))
    }

    pub async fn appeal_by_number(&self, number: &AppealNumber) -> Result<Option<Appeal>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM appeals WHERE number = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(number.as_str())
                .fetch_optional(pool)
                .await?
                .map(|r| appeal_from_row!(&r))
                .transpose()
        })
    }

    pub async fn appeal(&self, id: i64) -> Result<Option<Appeal>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM appeals WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| appeal_from_row!(&r))
                .transpose()
        })
    }

    /// An organization's appeals (every organization's with `None`), optionally of one status, newest first.
    pub async fn appeals(
        &self,
        org: Option<OrgId>,
        status: Option<AppealStatus>,
        limit: u32,
    ) -> Result<Vec<Appeal>> {
        let limit = i64::from(limit.clamp(1, 1000));
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {COLUMNS} FROM appeals WHERE ($1 IS NULL OR org_id = $1) \
                 AND ($2 IS NULL OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.map(|o| o.0))
                .bind(status.map(|s| s.as_str()))
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| appeal_from_row!(r))
                .collect()
        })
    }

    /// Answers an appeal that is still new. An answered one is a conflict: the first answer stands.
    pub async fn answer_appeal(
        &self,
        id: i64,
        answer: &str,
        by: UserId,
        actor: &Actor,
    ) -> Result<Appeal> {
        check_text("answer", answer, MAX_APPEAL_TEXT)?;
        let before = self
            .appeal(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("appeal {id}")))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE appeals SET status = $1, answer = $2, answered_by = $3, answered_at = $4 \
                 WHERE id = $5 AND status = $6",
            )
            .bind(AppealStatus::Answered.as_str())
            .bind(answer.trim())
            .bind(by.0)
            .bind(Millis::now().0)
            .bind(id)
            .bind(AppealStatus::New.as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("appeal {} has been answered already", before.number)));
            }
            write_audit!(&mut *tx, actor, Change {
                action: "appeal.answer",
                subject: format!("appeal:{}", before.number),
                org_id: Some(before.org),
                before: Some(serde_json::json!({"status": before.status}).to_string()),
                after: Some(serde_json::json!({"status": AppealStatus::Answered}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.appeal(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("appeal {id}")))
    }
}
