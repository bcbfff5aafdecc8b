//! Fresh stores for tests: a SQLite file in a temporary folder, or a new PostgreSQL database on the server
//! named by `EGOV_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! PostgreSQL is required, not optional: when it cannot be reached the test fails and says so, because a
//! backend that is silently skipped is a backend that is not tested.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::Store;

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A store that lives as long as this value (the SQLite folder is removed on drop; PostgreSQL test
/// databases are dropped by the next run once their process has exited).
pub struct TestStore {
    pub store: Store,
    /// `sqlite:PATH` or `postgres://…/egov_test_…`: what `egov --database` would be given.
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// The PostgreSQL server tests use.
pub fn admin_url() -> String {
    std::env::var("EGOV_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// A migrated store on a fresh SQLite file.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("egov.db");
    let store = Store::open_sqlite(&path).await.expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    TestStore {
        store,
        url: format!("sqlite:{}", path.display()),
        dir,
    }
}

/// A migrated store on a new, empty PostgreSQL database. Panics, naming the server, if it is unreachable.
pub async fn postgres() -> TestStore {
    let url = fresh_postgres_database().await;
    let store = Store::open_postgres(&url).await.expect("open PostgreSQL");
    store.migrate().await.expect("migrate PostgreSQL");
    TestStore {
        store,
        url,
        dir: tempfile::tempdir().expect("temporary folder"),
    }
}

/// Both backends, for tests that must hold on each.
pub async fn both() -> Vec<TestStore> {
    vec![sqlite().await, postgres().await]
}

/// Creates an empty database `egov_test_{pid}_{n}` and returns its URL. Databases left by test processes
/// that have exited are dropped first.
pub async fn fresh_postgres_database() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin = admin_url();
    let mut conn = match PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => panic!(
            "PostgreSQL is required for the tests and could not be reached at {}: {e}. \
             Start it (pg_ctlcluster <version> main start) or set EGOV_TEST_POSTGRES to a server where \
             this user may create databases.",
            crate::redact_url(&admin)
        ),
    };
    drop_stale(&mut conn).await;
    let name = format!(
        "egov_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
    let _ = conn.close().await;
    with_database(&admin, &name)
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

async fn drop_stale(conn: &mut PgConnection) {
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'egov\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

impl Store {
    /// Runs raw SQL, for tests that must show what the database itself refuses.
    pub async fn raw_execute_for_tests(&self, sql: &'static str) -> crate::Result<u64> {
        crate::on_pool!(self, pool => {
            Ok(sqlx::query(sql).execute(pool).await?.rows_affected())
        })
    }

    /// Runs raw SQL made by a test (tampering tests rewrite stored rows as an intruder would).
    pub async fn raw_execute_text_for_tests(&self, sql: String) -> crate::Result<u64> {
        crate::on_pool!(self, pool => {
            Ok(sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?.rows_affected())
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_url_is_swapped() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
