//! Wiring: from a validated [`Config`] to a running platform (store, migrations, portal, listener).

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use egov_portal::{AppState, MetricsRender};
use egov_store::{Actor, Store};
use tokio::net::TcpListener;

use crate::config::{Config, Database};
use crate::{server, telemetry};

/// Opens the store the configuration names, creating the data folder for SQLite.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.data_dir.display()
        )
    })?;
    match &config.database {
        Database::Sqlite(path) => Store::open_sqlite(path)
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display())),
        Database::Postgres(url) => Store::open_postgres(url).await.with_context(|| {
            format!(
                "cannot connect to PostgreSQL at {}",
                egov_store::redact_url(url)
            )
        }),
    }
}

/// Opens and migrates the store and records the deployment's identity.
pub async fn prepare_store(config: &Config) -> anyhow::Result<Store> {
    let store = open_store(config).await?;
    store
        .migrate()
        .await
        .context("applying database migrations")?;
    store
        .put_deployment(&config.deployment, &Actor::System)
        .await
        .context("recording the deployment")?;
    Ok(store)
}

/// The whole HTTP surface of this node.
pub fn app(config: &Config, store: Store) -> anyhow::Result<(Router, AppState)> {
    let metrics: Option<MetricsRender> = telemetry::metrics_handle().map(|h| {
        let render: MetricsRender = std::sync::Arc::new(move || h.render());
        render
    });
    let state = AppState::new(
        store,
        config.deployment.clone(),
        config.portal.clone(),
        metrics,
    )
    .context("assembling the portal")?;
    Ok((egov_portal::router(state.clone()), state))
}

/// Serves the platform on `listener` until `shutdown` resolves; closes the store afterwards.
pub async fn run(
    config: &Config,
    store: Store,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let tls = config.tls.as_ref().map(server::tls_acceptor).transpose()?;
    let (router, state) = app(config, store.clone())?;
    state.refresh_content_version().await;
    let upkeep_state = state.clone();
    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            upkeep_state.housekeeping().await;
        }
    });
    // Pages cached on this node retire within a second of a content change made on any node.
    let freshness = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            state.refresh_content_version().await;
        }
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        address = %listener.local_addr()?,
        backend = ?store.kind(),
        "serving on {scheme}://{}/",
        listener.local_addr()?
    );
    let result = server::serve(listener, router, tls, shutdown).await;
    upkeep.abort();
    freshness.abort();
    store.close().await;
    tracing::info!("stopped");
    result
}

/// Binds the configured address with a message an operator can act on.
pub async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    TcpListener::bind(config.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (in use, or not allowed?)",
            config.listen
        )
    })
}
