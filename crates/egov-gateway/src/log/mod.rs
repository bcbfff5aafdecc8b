//! The message log as a transparency log. Every call (refused ones too) becomes one leaf: a canonical JSON
//! record whose RFC 6962 leaf hash enters this node's Merkle tree. A single writer task takes every record
//! waiting, appends them and their tree hashes to the store in one transaction (group commit: one commit
//! serves many calls), and only then releases the calls' responses (`durability = "commit"`; `"async"`
//! releases them at once and writes behind). Every N leaves or T milliseconds the node signs its tree head
//! as a C2SP `tlog-checkpoint` signed note with its Ed25519 key.

pub mod keys;
pub mod proofs;
pub mod tree;

use std::time::{Duration, Instant};

use egov_core::clock::Millis;
use egov_store::{LogLeaf, Store};
use serde::Serialize;
use signed_note::{Note, Signer, StandardSigner};
use tlog_tiles::Checkpoint;
use tlog_tiles::tlog;
use tokio::sync::{mpsc, oneshot};

use tree::MemoryHashes;

/// When a call's response is released relative to its leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// After the leaf is committed to the store (the default).
    Commit,
    /// At once; the leaf follows within milliseconds but a crash may lose the last few.
    Async,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    /// This node's name, unique among the nodes sharing a store.
    pub node: String,
    /// The checkpoints' origin line, e.g. `gateway.egov.tj/node-1`; also the signing key's name.
    pub origin: String,
    pub durability: Durability,
    /// Sign a checkpoint at least every this many leaves…
    pub checkpoint_every: u64,
    /// …and at least this often while leaves arrive.
    pub checkpoint_interval: Duration,
}

/// What is logged of one call. Field order is the record's canonical order.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub v: u8,
    pub node: String,
    pub message_id: String,
    /// Unix milliseconds when the call arrived.
    pub at: i64,
    pub client: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub user_id: Option<String>,
    pub purpose: Option<String>,
    pub issue: Option<String>,
    pub status: u16,
    pub error: Option<String>,
    pub duration_us: i64,
    /// SHA-256 (hex) of the request body as received, and of the response body as released.
    pub request_sha256: String,
    pub response_sha256: String,
}

struct Pending {
    record: Record,
    ack: Option<oneshot::Sender<Result<u64, String>>>,
}

/// The handle calls log through. Cheap to clone.
#[derive(Clone)]
pub struct MessageLog {
    tx: mpsc::Sender<Pending>,
    durability: Durability,
}

/// Why a leaf could not be written.
#[derive(Debug, thiserror::Error)]
#[error("message log: {0}")]
pub struct LogError(pub String);

impl MessageLog {
    /// Starts the writer for `config.node`, continuing the tree already in the store.
    pub async fn start(
        store: Store,
        config: LogConfig,
        signer: StandardSigner,
    ) -> Result<MessageLog, LogError> {
        let size = store
            .log_size(&config.node)
            .await
            .map_err(|e| LogError(e.to_string()))?;
        let hashes = tree::load(&store, &config.node, &tree::edge_indexes(size))
            .await
            .map_err(LogError)?;
        let signed = store
            .latest_checkpoint(&config.node)
            .await
            .map_err(|e| LogError(e.to_string()))?
            .map_or(0, |c| c.size);
        if signer.name() != config.origin {
            return Err(LogError(format!(
                "the node key is named {:?} but the log's origin is {:?}",
                signer.name(),
                config.origin
            )));
        }
        let (tx, rx) = mpsc::channel(65_536);
        let durability = config.durability;
        let writer = Writer {
            store,
            config,
            signer,
            hashes,
            size,
            signed,
            signed_at: Instant::now(),
        };
        tokio::spawn(writer.run(rx));
        Ok(MessageLog { tx, durability })
    }

    /// Logs one call. With `commit` durability this returns once the leaf is in the store (its index);
    /// with `async`, once it is queued.
    pub async fn append(&self, record: Record) -> Result<Option<u64>, LogError> {
        match self.durability {
            Durability::Async => {
                self.tx
                    .send(Pending { record, ack: None })
                    .await
                    .map_err(|_| LogError("the log writer has stopped".into()))?;
                Ok(None)
            }
            Durability::Commit => {
                let (ack, done) = oneshot::channel();
                self.tx
                    .send(Pending {
                        record,
                        ack: Some(ack),
                    })
                    .await
                    .map_err(|_| LogError("the log writer has stopped".into()))?;
                match done.await {
                    Ok(Ok(i)) => Ok(Some(i)),
                    Ok(Err(e)) => Err(LogError(e)),
                    Err(_) => Err(LogError("the log writer has stopped".into())),
                }
            }
        }
    }
}

struct Writer {
    store: Store,
    config: LogConfig,
    signer: StandardSigner,
    hashes: MemoryHashes,
    size: u64,
    signed: u64,
    signed_at: Instant,
}

/// Most leaves written in one transaction.
const MAX_BATCH: usize = 2048;

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Pending>) {
        loop {
            let first = tokio::time::timeout(self.config.checkpoint_interval, rx.recv()).await;
            let mut batch = match first {
                Ok(Some(p)) => vec![p],
                Ok(None) => {
                    self.maybe_sign(true).await;
                    return;
                }
                Err(_) => {
                    self.maybe_sign(true).await;
                    continue;
                }
            };
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            self.write(batch).await;
            self.maybe_sign(false).await;
        }
    }

    async fn write(&mut self, batch: Vec<Pending>) {
        let mut next = self.hashes.clone();
        let mut leaves = Vec::with_capacity(batch.len());
        let mut stored = Vec::with_capacity(batch.len() * 2);
        let mut failed = None;
        for (k, p) in batch.iter().enumerate() {
            let idx = self.size + k as u64;
            let data = match serde_json::to_string(&p.record) {
                Ok(d) => d,
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            };
            match next.append(idx, tlog::record_hash(data.as_bytes())) {
                Ok(hs) => stored.extend(hs.iter().map(|(i, h)| (*i, tree::to_hex(h)))),
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
            let r = &p.record;
            leaves.push(LogLeaf {
                node: self.config.node.clone(),
                idx,
                message_id: r.message_id.clone(),
                at: Millis(r.at),
                client: r.client.clone(),
                service: r.service.clone(),
                user_id: r.user_id.clone(),
                status: r.status,
                error: r.error.clone(),
                duration_us: r.duration_us,
                record: data,
            });
        }
        let outcome = match failed {
            Some(e) => Err(e),
            None => self
                .store
                .append_log(&leaves, &stored)
                .await
                .map_err(|e| e.to_string()),
        };
        match outcome {
            Ok(()) => {
                let first = self.size;
                self.size += batch.len() as u64;
                next.keep_edge(self.size);
                self.hashes = next;
                metrics::counter!("egov_gateway_log_leaves_total").increment(batch.len() as u64);
                metrics::histogram!("egov_gateway_log_batch_size").record(batch.len() as f64);
                for (k, p) in batch.into_iter().enumerate() {
                    if let Some(ack) = p.ack {
                        let _ = ack.send(Ok(first + k as u64));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, leaves = batch.len(), "message log: a batch could not be written");
                metrics::counter!("egov_gateway_log_failures_total").increment(1);
                for p in batch {
                    if let Some(ack) = p.ack {
                        let _ = ack.send(Err(e.clone()));
                    }
                }
                // The commit may have happened after all (a connection lost after COMMIT): continue from
                // what the store holds, not from what this writer believes.
                if let Err(e) = self.reload().await {
                    tracing::error!(error = %e, "message log: could not re-read the tree after a failed batch");
                }
            }
        }
    }

    async fn reload(&mut self) -> Result<(), String> {
        let size = self
            .store
            .log_size(&self.config.node)
            .await
            .map_err(|e| e.to_string())?;
        self.hashes = tree::load(&self.store, &self.config.node, &tree::edge_indexes(size)).await?;
        self.size = size;
        Ok(())
    }

    async fn maybe_sign(&mut self, tick: bool) {
        if self.size == self.signed {
            return;
        }
        let due = self.size - self.signed >= self.config.checkpoint_every
            || self.signed_at.elapsed() >= self.config.checkpoint_interval
            || tick;
        if !due {
            return;
        }
        match self.sign().await {
            Ok(()) => {
                self.signed = self.size;
                self.signed_at = Instant::now();
            }
            Err(e) => tracing::error!(error = %e, "message log: signing a checkpoint failed"),
        }
    }

    async fn sign(&self) -> Result<(), String> {
        let root = tlog::tree_hash(self.size, &self.hashes).map_err(|e| e.to_string())?;
        let note = sign_checkpoint(&self.signer, &self.config.origin, self.size, root)?;
        self.store
            .add_checkpoint(&self.config.node, self.size, &note)
            .await
            .map_err(|e| e.to_string())
    }
}

/// The signed note of a checkpoint of a tree of `size` leaves with root `root`.
pub fn sign_checkpoint(
    signer: &StandardSigner,
    origin: &str,
    size: u64,
    root: tlog::Hash,
) -> Result<String, String> {
    let cp =
        Checkpoint::new(origin, size, root, "").map_err(|_| "malformed checkpoint".to_owned())?;
    let mut note = Note::new(&cp.to_bytes(), &[]).map_err(|e| e.to_string())?;
    note.add_sigs(&[signer]).map_err(|e| e.to_string())?;
    String::from_utf8(note.to_bytes()).map_err(|e| e.to_string())
}
