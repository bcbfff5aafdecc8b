//! Accounts, the roles they hold in organizations, and their sign-in sessions.

use egov_core::clock::Millis;
use egov_core::{Email, OrgId, Role, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, Change, write_audit};
use crate::{Result, Store, StoreError, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub disabled: bool,
    pub created_at: Millis,
    #[serde(skip)]
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRole {
    pub role: Role,
    /// `None` only for platform-wide roles.
    pub org: Option<OrgId>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    /// An argon2id PHC string; the store never sees a password.
    pub password_hash: String,
}

/// A live session and whose it is.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub roles: Vec<UserRole>,
    pub expires_at: Millis,
}

macro_rules! user_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(User {
            id: UserId(r.try_get("id")?),
            email: Email::parse(r.try_get("email")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            display_name: r.try_get("display_name")?,
            disabled: r.try_get("disabled")?,
            created_at: Millis(r.try_get("created_at")?),
            password_hash: r.try_get("password_hash")?,
        })
    }};
}

/// Inserts an account row through an executor (the caller's transaction) and returns its id.
macro_rules! insert_user {
    ($exec:expr, $u:expr, $now:expr) => {{
        let u: &NewUser = $u;
        let row = sqlx::query(
            "INSERT INTO users (email, display_name, password_hash, disabled, created_at, password_changed_at) \
             VALUES ($1, $2, $3, FALSE, $4, $4) RETURNING id",
        )
        .bind(u.email.as_str())
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind($now)
        .fetch_one($exec)
        .await;
        match row {
            Ok(r) => r.try_get::<i64, _>("id").map_err(StoreError::from),
            Err(e) => Err(match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("user {}", u.email)),
                other => other,
            }),
        }
    }};
}

/// Inserts a role row; a missing organization is [`StoreError::NotFound`], a role held already a conflict.
macro_rules! insert_role {
    ($exec:expr, $user:expr, $role:expr, $org:expr) => {{
        let org: Option<OrgId> = $org;
        sqlx::query("INSERT INTO user_roles (user_id, role, org_id) VALUES ($1, $2, $3)")
            .bind($user)
            .bind($role.as_str())
            .bind(org.map(|o| o.0))
            .execute($exec)
            .await
            .map(|_| ())
            .map_err(|e| match StoreError::from(e) {
                StoreError::Database(sqlx::Error::Database(db))
                    if db.is_foreign_key_violation() =>
                {
                    StoreError::NotFound("organization".into())
                }
                other => other,
            })
    }};
}

const USER_COLUMNS: &str = "id, email, display_name, disabled, created_at, password_hash";

impl Store {
    /// Creates an account. A taken e-mail address is a [`StoreError::Conflict`].
    pub async fn create_user(&self, u: &NewUser, actor: &Actor) -> Result<User> {
        let now = Millis::now().0;
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = insert_user!(&mut *tx, u, now)?;
            write_audit!(&mut *tx, actor, Change {
                action: "user.create",
                subject: format!("user:{}", u.email),
                org_id: None,
                before: None,
                after: Some(serde_json::json!({"email": u.email, "display_name": u.display_name}).to_string()),
            })?;
            tx.commit().await?;
            id
        });
        self.user(UserId(id))
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    /// Creates an account and gives it its first role in one transaction: either both exist afterwards, or
    /// neither (a missing organization or a taken address changes nothing).
    pub async fn create_user_with_role(
        &self,
        u: &NewUser,
        role: Role,
        org: Option<OrgId>,
        actor: &Actor,
    ) -> Result<User> {
        if role.needs_org() != org.is_some() {
            return Err(StoreError::Corrupt(format!(
                "role {role} and organization do not fit together"
            )));
        }
        let now = Millis::now().0;
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = insert_user!(&mut *tx, u, now)?;
            insert_role!(&mut *tx, id, role, org).map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::Conflict(format!("role {role} of user {}", u.email)),
                other => other,
            })?;
            write_audit!(&mut *tx, actor, Change {
                action: "user.create",
                subject: format!("user:{}", u.email),
                org_id: org,
                before: None,
                after: Some(serde_json::json!({"email": u.email, "display_name": u.display_name, "role": role, "org": org}).to_string()),
            })?;
            tx.commit().await?;
            id
        });
        self.user(UserId(id))
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(pool)
                .await?
                .map(|r| user_from_row!(&r))
                .transpose()
        })
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(email.as_str())
                .fetch_optional(pool)
                .await?
                .map(|r| user_from_row!(&r))
                .transpose()
        })
    }

    /// Users holding any role in `org`, or every user when `org` is `None`; ordered by e-mail.
    pub async fn users(&self, org: Option<OrgId>) -> Result<Vec<User>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users WHERE $1 IS NULL OR id IN \
                 (SELECT user_id FROM user_roles WHERE org_id = $1) ORDER BY email"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.map(|o| o.0))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| user_from_row!(r))
                .collect()
        })
    }

    /// Replaces a password hash and ends every session of the account, so a stolen session dies with
    /// the old password.
    pub async fn set_password(&self, id: UserId, password_hash: &str, actor: &Actor) -> Result<()> {
        let user = self
            .user(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(Millis::now().0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            write_audit!(&mut *tx, actor, Change {
                action: "user.password",
                subject: format!("user:{}", user.email),
                org_id: None,
                before: None,
                after: None,
            })?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Gives a user a role in an organization (or platform-wide). Granting a role already held is a conflict.
    pub async fn grant_role(
        &self,
        id: UserId,
        role: Role,
        org: Option<OrgId>,
        actor: &Actor,
    ) -> Result<()> {
        if role.needs_org() != org.is_some() {
            return Err(StoreError::Corrupt(if role.needs_org() {
                format!("role {role} must name an organization")
            } else {
                format!("role {role} is platform-wide and takes no organization")
            }));
        }
        let user = self
            .user(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_role!(&mut *tx, id.0, role, org).map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::Conflict(format!("role {role} of user {}", user.email)),
                other => other,
            })?;
            write_audit!(&mut *tx, actor, Change {
                action: "role.grant",
                subject: format!("user:{}", user.email),
                org_id: org,
                before: None,
                after: Some(serde_json::json!({"role": role, "org": org}).to_string()),
            })?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes a role away; taking one not held is [`StoreError::NotFound`].
    pub async fn revoke_role(
        &self,
        id: UserId,
        role: Role,
        org: Option<OrgId>,
        actor: &Actor,
    ) -> Result<()> {
        let user = self
            .user(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "DELETE FROM user_roles WHERE user_id = $1 AND role = $2 AND COALESCE(org_id, 0) = $3",
            )
            .bind(id.0)
            .bind(role.as_str())
            .bind(org.map_or(0, |o| o.0))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("role {role} of user {}", user.email)));
            }
            write_audit!(&mut *tx, actor, Change {
                action: "role.revoke",
                subject: format!("user:{}", user.email),
                org_id: org,
                before: Some(serde_json::json!({"role": role, "org": org}).to_string()),
                after: None,
            })?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn roles(&self, id: UserId) -> Result<Vec<UserRole>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT role, org_id FROM user_roles WHERE user_id = $1 ORDER BY role, org_id")
                .bind(id.0)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    let role: &str = r.try_get("role")?;
                    Ok(UserRole {
                        role: role.parse().map_err(|e: egov_core::ParseError| StoreError::Corrupt(e.to_string()))?,
                        org: r.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
                    })
                })
                .collect()
        })
    }

    /// Stores a new session under the SHA-256 of its token (the token itself is never stored).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: Millis,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<()> {
        let now = Millis::now().0;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $3, $5, $6)",
            )
            .bind(token_hash)
            .bind(user.0)
            .bind(now)
            .bind(expires_at.0)
            .bind(ip)
            .bind(user_agent.map(|ua| ua.chars().take(300).collect::<String>()))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The session with this token hash, if it exists, has not expired and its account is enabled.
    pub async fn session(&self, token_hash: &str, now: Millis) -> Result<Option<Session>> {
        let found: Option<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query(
                "SELECT s.user_id, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .bind(now.0)
            .fetch_optional(pool)
            .await?
            .map(|r| Ok::<_, StoreError>((r.try_get("user_id")?, r.try_get("expires_at")?)))
            .transpose()?
        });
        let Some((user_id, expires_at)) = found else {
            return Ok(None);
        };
        let Some(user) = self.user(UserId(user_id)).await? else {
            return Ok(None);
        };
        let roles = self.roles(user.id).await?;
        Ok(Some(Session {
            user,
            roles,
            expires_at: Millis(expires_at),
        }))
    }

    /// Ends one session; ending one that does not exist is not an error (sign-out is idempotent).
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Deletes sessions that expired before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: Millis) -> Result<u64> {
        on_pool!(self, pool => {
            Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now.0)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }
}
