//! Starts the real platform on a random port, on a fresh SQLite folder or a fresh PostgreSQL database,
//! exactly as `egov serve` / `egov demo` would, and talks to it over HTTP.
#![allow(dead_code)]

use std::net::SocketAddr;

use egov::config::{Config, RawConfig};
use egov::demo::DemoCredentials;
use egov::platform;
use egov_store::Store;
use egov_store::testing::{self, TestStore};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Runs each named scenario (`async fn name(backend: Backend)`) once on SQLite and once on PostgreSQL.
/// The test file imports `Backend` from here.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await; })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await; })* }
    };
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub addr: SocketAddr,
    pub store: Store,
    pub config: Config,
    pub creds: Option<DemoCredentials>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
    _db: TestStore,
}

pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn fresh_db(backend: Backend) -> TestStore {
    match backend {
        Backend::Sqlite => testing::sqlite().await,
        Backend::Postgres => testing::postgres().await,
    }
}

pub fn config_for(db: &TestStore, tweak: impl FnOnce(&mut RawConfig)) -> Config {
    let mut raw = RawConfig {
        database_url: Some(db.url.clone()),
        data_dir: Some(db.dir.path().to_owned()),
        listen: Some("127.0.0.1:0".into()),
        ..RawConfig::default()
    };
    tweak(&mut raw);
    raw.validate(db.dir.path()).expect("test configuration")
}

/// The platform with the demo deployment loaded.
pub async fn spawn_demo(backend: Backend) -> TestApp {
    spawn_with(backend, true, |_| {}).await
}

pub async fn spawn_with(
    backend: Backend,
    demo: bool,
    tweak: impl FnOnce(&mut RawConfig),
) -> TestApp {
    spawn_on(fresh_db(backend).await, demo, tweak).await
}

/// A node on an existing database (a second node, or a restart).
pub async fn spawn_on(db: TestStore, demo: bool, tweak: impl FnOnce(&mut RawConfig)) -> TestApp {
    install_crypto();
    // Bind first, so the configuration (and the public address derived from it) names the real port.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let config = config_for(&db, |raw| {
        raw.listen = Some(addr.to_string());
        tweak(raw);
    });
    let store = platform::prepare_store(&config).await.expect("store");
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let base = format!("{scheme}://{addr}");
    let creds = if demo {
        egov::demo::load_if_empty(&store, &config.data_dir, &base)
            .await
            .expect("demo");
        let text = std::fs::read_to_string(config.data_dir.join("demo-credentials.json")).unwrap();
        Some(serde_json::from_str(&text).unwrap())
    } else {
        None
    };
    let (tx, rx) = oneshot::channel::<()>();
    let run_config = config.clone();
    let run_store = store.clone();
    let handle = tokio::spawn(async move {
        platform::run(&run_config, run_store, listener, async {
            let _ = rx.await;
        })
        .await
    });
    let app = TestApp {
        base,
        addr,
        store,
        config,
        creds,
        shutdown: Some(tx),
        handle: Some(handle),
        _db: db,
    };
    app.wait_until_serving().await;
    app
}

impl TestApp {
    /// Returns once the node answers (the store is migrated and the search index built before it does).
    async fn wait_until_serving(&self) {
        let probe = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        for _ in 0..400 {
            if let Ok(r) = probe.get(self.url("/healthz")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the test server did not start within 10 s");
    }

    /// The database this node runs on (for a second node on the same one).
    pub fn db_url(&self) -> String {
        self._db.url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub fn account(&self, role: &str) -> (String, String) {
        let a = self
            .creds
            .as_ref()
            .expect("demo credentials")
            .accounts
            .iter()
            .find(|a| a.role == role)
            .expect("demo account with role");
        (a.email.clone(), a.password.clone())
    }

    /// Asks the server to stop, as SIGTERM would, and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.handle.take() {
            Some(h) => h.await.expect("server task"),
            None => Ok(()),
        }
    }

    /// Stops the node and hands back its database, for a restart.
    pub async fn stop_keep_db(mut self) -> TestStore {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task").expect("clean stop");
        }
        self._db
    }

    pub fn trigger_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub async fn wait(mut self) -> anyhow::Result<()> {
        match self.handle.take() {
            Some(h) => h.await.expect("server task"),
            None => Ok(()),
        }
    }
}

/// The anti-forgery token in a page's form.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Loads the sign-in page (which sets the anti-forgery cookie) and returns its token.
pub async fn login_token(app: &TestApp, client: &reqwest::Client) -> String {
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    csrf_from(&page.text().await.unwrap())
}

pub async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let token = login_token(app, client).await;
    client
        .post(app.url("/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/admin"),
        ])
        .send()
        .await
        .unwrap()
}

/// A client signed in as the demo account `email`.
pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.client();
    let pw = app
        .creds
        .as_ref()
        .unwrap()
        .accounts
        .iter()
        .find(|a| a.email == email)
        .unwrap()
        .password
        .clone();
    assert_eq!(
        sign_in(app, &c, email, &pw).await.status(),
        303,
        "{email} signs in"
    );
    c
}

/// Status and body of a GET with `c`.
pub async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}
