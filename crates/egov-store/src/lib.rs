//! Persistence for the whole platform: one API, two backends.
//!
//! [`Store`] runs on SQLite (WAL, the embedded default: one file in the data folder) or on PostgreSQL (many
//! stateless nodes, one database). Every query is written once: sqlx binds `$1, $2…` by number on both, and the
//! schema keeps to types the two agree on (BIGINT milliseconds for times, TEXT holding JSON for localized
//! text). Each backend has its own migration files, embedded in the binary and applied on start.
//!
//! Only this crate knows sqlx. Callers get domain types from `egov-core` and [`StoreError`]; they never see a
//! row, a pool or SQL. Every change to an organization, a user or a role writes an [`audit`] entry in the
//! same transaction, and the audit table refuses updates and deletes at the database level.

pub mod appeals;
pub mod applications;
pub mod audit;
pub mod cms;
pub mod content;
pub mod credentials;
pub mod deployment;
pub mod gateway_log;
pub mod grants;
pub mod media;
mod migrations;
pub mod organizations;
pub mod registry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use appeals::{Appeal, NewAppeal};
pub use applications::{Application, Comment, Decision, Grant, NewApplication, Notification};
pub use audit::{Actor, AuditEntry, AuditQuery};
pub use cms::{Author, Draft, EditorialItem, Freshness, Revision};
pub use content::{AttachmentInfo, ContentItem, ContentQuery, NewAttachment, NewContent};
pub use credentials::{Credential, CredentialKind, NewCredential};
pub use deployment::Deployment;
pub use gateway_log::{LogLeaf, LogQuery, StoredCheckpoint};
pub use media::{Media, NewMedia};
pub use organizations::{NewOrganization, Organization};
pub use registry::{Endpoint, NewService, Service, Subsystem};
pub use users::{NewUser, Session, User, UserRole};

/// What went wrong in the store, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Conflict(String),
    /// The change breaks a rule of the domain (applying for one's own service, deciding another provider's
    /// application…); the text says which.
    #[error("refused: {0}")]
    Refused(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The media folder could not be read or written.
    #[error("media files: {0}")]
    Io(String),
    #[error("unsupported database URL: {0} (use sqlite:PATH or postgres://...)")]
    UnsupportedUrl(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(
                db.constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned()),
            ),
            sqlx::Error::RowNotFound => StoreError::NotFound("record".into()),
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The platform's storage. Cheap to clone (it holds a pool).
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    media_dir: Option<Arc<PathBuf>>,
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

/// Runs the same body against whichever pool the store holds. The body is compiled once per backend, so
/// each arm is fully typed; the SQL text is shared.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Bumps the content version inside the transaction making a change that public pages show, so every
/// node's cached pages and search index learn of it.
macro_rules! bump_version {
    ($exec:expr) => {
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute($exec)
            .await
    };
}
pub(crate) use bump_version;

impl Store {
    /// Opens (creating if needed) the SQLite database file at `path`, in WAL mode.
    pub async fn open_sqlite(path: &Path) -> Result<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Ok(Store {
            backend: Backend::Sqlite(pool),
            media_dir: None,
        })
    }

    /// Connects to PostgreSQL at a `postgres://` URL.
    pub async fn open_postgres(url: &str) -> Result<Self> {
        let opts = PgConnectOptions::from_str(url)?.application_name("egov");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Store {
            backend: Backend::Postgres(pool),
            media_dir: None,
        })
    }

    /// Opens a store from a URL: `postgres://…`/`postgresql://…`, or `sqlite:PATH`.
    pub async fn open_url(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url).await
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            Self::open_sqlite(Path::new(path.trim_start_matches("//"))).await
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// Keeps media files in `dir` (created when needed) instead of in the database.
    pub fn with_media_dir(mut self, dir: PathBuf) -> Self {
        self.media_dir = Some(Arc::new(dir));
        self
    }

    pub(crate) fn media_dir(&self) -> Option<&Path> {
        self.media_dir.as_deref().map(PathBuf::as_path)
    }

    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Applies every migration not yet applied. Safe to run on every start and from several nodes at once
    /// (PostgreSQL takes an advisory lock).
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => migrations::sqlite().run(pool).await?,
            Backend::Postgres(pool) => migrations::postgres().run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers; used by `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// A database URL with any password replaced by `***`, for logs and `egov config`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((creds, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

pub(crate) fn json_text<T: serde::Serialize>(v: &T) -> String {
    // Serializing our own plain data types cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A stored value that no longer parses.
pub(crate) fn corrupt<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://egov:s3cret@db:5432/egov"),
            "postgres://egov:***@db:5432/egov"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact_url("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
    }
}
