//! Wiring: from a validated [`Config`] to a running platform (store, migrations, portal, listener).

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use egov_portal::{AppState, MetricsRender};
use egov_store::{Actor, Store};
use tokio::net::TcpListener;

use std::sync::Arc;

use egov_search::SearchIndex;

use crate::config::{Config, Database};
use crate::{asking, authority, gatewaying, indexing, server, telemetry};
use egov_core::clock::Millis;

/// Opens the store the configuration names, creating the data folder for SQLite.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.data_dir.display()
        )
    })?;
    let store = match &config.database {
        Database::Sqlite(path) => Store::open_sqlite(path)
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?,
        Database::Postgres(url) => Store::open_postgres(url).await.with_context(|| {
            format!(
                "cannot connect to PostgreSQL at {}",
                egov_store::redact_url(url)
            )
        })?,
    };
    // The media library's files live in the data folder (on several nodes: a shared folder there).
    Ok(store.with_media_dir(config.data_dir.join("media")))
}

/// Opens and migrates the store, leaving the recorded deployment as it is (for one-shot commands, which
/// may run with a narrower configuration than the servers).
pub async fn open_migrated(config: &Config) -> anyhow::Result<Store> {
    let store = open_store(config).await?;
    store
        .migrate()
        .await
        .context("applying database migrations")?;
    Ok(store)
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

/// Opens this node's search index (in the data folder) and brings it up to date with the store: a full
/// rebuild when it is new, missing or was unusable, otherwise only what changed since its last commit.
pub async fn prepare_search(config: &Config, store: &Store) -> anyhow::Result<Arc<SearchIndex>> {
    let dir = config.data_dir.join("search-index");
    let (index, fresh) = SearchIndex::open(&dir, &config.deployment.languages)
        .with_context(|| format!("opening the search index in {}", dir.display()))?;
    let index = Arc::new(index);
    let started = std::time::Instant::now();
    let (how, n) = if fresh || index.watermark().is_none() {
        (
            "rebuilt",
            indexing::rebuild(store, &index, &mut |_| {}).await?,
        )
    } else {
        ("caught up", indexing::catch_up(store, &index).await?)
    };
    tracing::info!(
        items = n,
        documents = index.num_docs(),
        ms = started.elapsed().as_millis() as u64,
        "search index {how}"
    );
    Ok(index)
}

/// The citizens' assistant of this node, fed with everything published; `.1` is the feed's watermark.
pub async fn prepare_assistant(
    config: &Config,
    store: &Store,
) -> anyhow::Result<(Arc<egov_assistant::Assistant>, Millis)> {
    let assistant =
        egov_assistant::Assistant::new(&config.deployment.languages, config.assistant.clone())
            .context("starting the assistant")?;
    let started = std::time::Instant::now();
    let mark = asking::catch_up(store, &assistant, Millis(0)).await?;
    tracing::info!(
        items = assistant.item_count(),
        ms = started.elapsed().as_millis() as u64,
        "assistant loaded"
    );
    Ok((Arc::new(assistant), mark))
}

/// The whole HTTP surface of this node.
pub fn app(
    config: &Config,
    store: Store,
    search: Option<Arc<SearchIndex>>,
    assistant: Option<Arc<dyn egov_core::assist::Assistant>>,
) -> anyhow::Result<(Router, AppState)> {
    let metrics: Option<MetricsRender> = telemetry::metrics_handle().map(|h| {
        let render: MetricsRender = std::sync::Arc::new(move || h.render());
        render
    });
    let state = AppState::new(
        store,
        config.deployment.clone(),
        config.portal.clone(),
        metrics,
        search,
        assistant,
    )
    .context("assembling the portal")?;
    if let Some(ca) = authority::load(&config.data_dir)? {
        state.set_ca(Arc::new(ca));
    }
    Ok((egov_portal::router(state.clone()), state))
}

/// Serves the platform on `listener` until `shutdown` resolves; closes the store afterwards.
pub async fn run(
    config: &Config,
    store: Store,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let client_ca = authority::cert_path(&config.data_dir);
    let client_ca = client_ca.exists().then_some(client_ca);
    let tls = config
        .tls
        .as_ref()
        .map(|files| server::tls_acceptor(files, client_ca.as_deref()))
        .transpose()?;
    // Read before the index catches up: a change made while it does is then seen as new by the loop below.
    let start_version = store.content_version().await?;
    let search = prepare_search(config, &store).await?;
    let (assistant, mut assistant_mark) = prepare_assistant(config, &store).await?;
    let asks: Arc<dyn egov_core::assist::Assistant> = assistant.clone();
    let (router, state) = app(config, store.clone(), Some(search.clone()), Some(asks))?;
    let gateway = gatewaying::start(
        &store,
        &config.deployment.instance,
        &config.data_dir,
        &config.gateway,
    )
    .await?;
    let router = router.merge(egov_gateway::router(gateway));
    state.page_cache().set_version(start_version);
    // Scheduled items go live on time, and those whose time passed while no node ran go live at start.
    let schedule_store = store.clone();
    let schedule = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match schedule_store
                .publish_due(egov_core::clock::Millis::now())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(items = n, "scheduled items published"),
                Err(e) => tracing::warn!(error = %e, "could not publish scheduled items"),
            }
        }
    });
    let upkeep_state = state.clone();
    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            upkeep_state.housekeeping().await;
        }
    });
    // Within a second of a content change made on any node, this node's cached pages retire and its search
    // index has the change.
    let follow_store = store.clone();
    let freshness = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut seen = start_version;
        let mut failures: u32 = 0;
        loop {
            tick.tick().await;
            let Ok(version) = follow_store.content_version().await else {
                continue;
            };
            if version == seen {
                continue;
            }
            // Pages retire at once, whatever happens to the index.
            state.page_cache().set_version(version);
            match asking::catch_up(&follow_store, &assistant, assistant_mark).await {
                Ok(mark) => assistant_mark = mark,
                Err(e) => tracing::warn!(error = %e, "assistant could not catch up"),
            }
            match indexing::catch_up(&follow_store, &search).await {
                Ok(_) => {
                    seen = version;
                    failures = 0;
                }
                Err(e) => {
                    failures += 1;
                    let pause = Duration::from_millis(250 * (1 << failures.min(6)));
                    tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64, "search index could not catch up");
                    tokio::time::sleep(pause).await;
                }
            }
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
    schedule.abort();
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
