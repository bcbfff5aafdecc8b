//! The e-government gateway: every call between information systems goes through it.
//!
//! Its client side speaks X-Road's Message Protocol for REST (`/r1/…`), so a system written for X-Road
//! calls it by changing only its base URL and credentials. Each call is authenticated (a bearer token or a
//! client certificate of the deployment CA, bound to the subsystem named in `X-Road-Client`), authorized
//! against the registry's grants, rate-limited per grant, forwarded to the provider, and recorded as a leaf
//! of this node's transparency log before its answer is released. Metaservices (`listClients`,
//! `listMethods`, `allowedMethods`, `getOpenAPI`) answer from the registry.
//!
//! The crate knows the store and the core, never the portal; the binary mounts [`router`] beside the
//! portal's and gives it the peer certificate of mutual-TLS connections as a request extension.

pub mod call;
pub mod errors;
pub mod log;
pub mod meta;

mod access;
mod cache;
mod forward;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get};
use egov_store::Store;

pub use errors::{ErrorType, GatewayError};
pub use log::{Durability, LogConfig, MessageLog};

/// The fingerprint (SHA-256 of the DER, hex) of the client certificate a mutual-TLS connection presented;
/// the binary's TLS server puts it in each request's extensions.
#[derive(Debug, Clone)]
pub struct PeerCertificate(pub String);

/// What the gateway needs from the operator's configuration.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The deployment's X-Road instance (`TJ`).
    pub instance: String,
    /// Time allowed for the provider's whole answer.
    pub timeout: Duration,
    /// Largest request and response body carried, in bytes.
    pub max_body_bytes: usize,
    /// CA certificates (DER) trusted for `https://` providers besides the system's roots.
    pub provider_roots: Vec<Vec<u8>>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            instance: "TJ".into(),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            provider_roots: Vec::new(),
        }
    }
}

struct Inner {
    store: Store,
    config: GatewayConfig,
    log: MessageLog,
    node: String,
    verifier_key: String,
    forwarder: forward::Forwarder,
    limits: access::Limits,
    recent: access::Recent,
    /// Calls being forwarded at once: each may hold an answer of up to `max_body_bytes` in memory, so
    /// their number is bounded to keep that within about 512 MiB (at least 32, at most 1024).
    in_flight: tokio::sync::Semaphore,
}

/// The gateway of this node. Cheap to clone.
#[derive(Clone)]
pub struct Gateway(Arc<Inner>);

impl Gateway {
    pub fn new(
        store: Store,
        config: GatewayConfig,
        log: MessageLog,
        node: String,
        verifier_key: String,
    ) -> Result<Self, String> {
        let forwarder = forward::Forwarder::new(config.timeout, &config.provider_roots)?;
        let in_flight = (512 * 1024 * 1024 / config.max_body_bytes.max(1)).clamp(32, 1024);
        Ok(Gateway(Arc::new(Inner {
            store,
            config,
            log,
            node,
            verifier_key,
            forwarder,
            limits: access::Limits::default(),
            recent: access::Recent::default(),
            in_flight: tokio::sync::Semaphore::new(in_flight),
        })))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn config(&self) -> &GatewayConfig {
        &self.0.config
    }

    pub fn node(&self) -> &str {
        &self.0.node
    }
}

/// The gateway's routes: `/r1/…` (calls and metaservices), `/listClients`, and the public checkpoint and
/// key of this node's log at `/gateway/checkpoint` and `/gateway/key`.
pub fn router(gw: Gateway) -> Router {
    Router::new()
        .route("/r1/{*rest}", any(call::handle))
        .route("/listClients", get(meta::list_clients))
        .route("/gateway/checkpoint", get(meta::checkpoint))
        .route("/gateway/key", get(meta::key))
        .with_state(gw)
}
