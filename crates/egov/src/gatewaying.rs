//! The gateway of this node: its `[gateway]` and `[log]` configuration, its signing key in the data folder, the
//! message log's writer, and the operator's `egov log …` commands (verify, proof, check-proof,
//! consistency).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use egov_gateway::log::{keys, proofs};
use egov_gateway::{Durability, Gateway, GatewayConfig, LogConfig, MessageLog};
use egov_store::Store;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGateway {
    /// This node's name in the log, unique among nodes sharing a database [default: node-1].
    pub node: Option<String>,
    /// The checkpoints' origin [default: `<public host>/gateway/<node>`].
    pub origin: Option<String>,
    /// Time allowed for a provider's whole answer, in milliseconds [default: 30000].
    pub timeout_ms: Option<u64>,
    /// Largest request or response body carried [default: 10 MiB].
    pub max_body_bytes: Option<usize>,
    /// PEM files of CA certificates trusted for https:// providers besides the system's roots.
    #[serde(default)]
    pub provider_ca: Vec<std::path::PathBuf>,
}

/// The `[log]` section: the gateway's message log.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    /// `commit` (default): an answer is released once its leaf is committed; `async`: at once.
    pub durability: Option<Durability>,
    /// Sign a checkpoint every this many leaves [default: 1000]…
    pub checkpoint_every: Option<u64>,
    /// …or this often while calls arrive, in milliseconds [default: 1000].
    pub checkpoint_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct GatewaySettings {
    pub node: String,
    /// The origin for a new node key; an existing key keeps the origin it was made with.
    pub origin: String,
    /// Whether the operator chose the origin (then an existing key must match it).
    pub origin_set: bool,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub provider_ca: Vec<std::path::PathBuf>,
    pub durability: Durability,
    pub checkpoint_every: u64,
    pub checkpoint_interval: Duration,
}

impl RawGateway {
    pub fn validate(self, log: RawLog, public_url: &str) -> anyhow::Result<GatewaySettings> {
        let node = self.node.unwrap_or_else(|| "node-1".into());
        if node.is_empty()
            || node.len() > 64
            || !node
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            bail!("key `gateway.node`: {node:?} must be 1–64 letters, digits, '-', '_' or '.'");
        }
        let host = public_url
            .split("://")
            .nth(1)
            .unwrap_or(public_url)
            .split('/')
            .next()
            .unwrap_or("localhost");
        let host = host.split(':').next().unwrap_or(host);
        let origin_set = self.origin.is_some();
        let origin = self
            .origin
            .unwrap_or_else(|| format!("{host}/gateway/{node}"));
        if !signed_note::is_key_name_valid(&origin) {
            bail!("key `gateway.origin`: {origin:?} must have no spaces or '+'");
        }
        let timeout_ms = self.timeout_ms.unwrap_or(30_000);
        if !(100..=600_000).contains(&timeout_ms) {
            bail!("key `gateway.timeout_ms`: {timeout_ms} is outside 100..=600000");
        }
        let max_body_bytes = self.max_body_bytes.unwrap_or(10 * 1024 * 1024);
        if !(1024..=1024 * 1024 * 1024).contains(&max_body_bytes) {
            bail!("key `gateway.max_body_bytes`: {max_body_bytes} is outside 1 KiB..=1 GiB");
        }
        let checkpoint_every = log.checkpoint_every.unwrap_or(1000);
        let checkpoint_ms = log.checkpoint_ms.unwrap_or(1000);
        if checkpoint_every == 0 || !(10..=3_600_000).contains(&checkpoint_ms) {
            bail!(
                "keys `log.checkpoint_every` (≥ 1) and `log.checkpoint_ms` (10..=3600000) are out of range"
            );
        }
        Ok(GatewaySettings {
            node,
            origin,
            origin_set,
            timeout: Duration::from_millis(timeout_ms),
            max_body_bytes,
            provider_ca: self.provider_ca,
            durability: log.durability.unwrap_or(Durability::Commit),
            checkpoint_every,
            checkpoint_interval: Duration::from_millis(checkpoint_ms),
        })
    }
}

pub fn describe(g: &GatewaySettings) -> String {
    format!(
        "\n[gateway]\nnode = {:?}\norigin = {:?}\ntimeout_ms = {}\nmax_body_bytes = {}\n\n[log]\ndurability = \"{}\"\ncheckpoint_every = {}\ncheckpoint_ms = {}\n",
        g.node,
        g.origin,
        g.timeout.as_millis(),
        g.max_body_bytes,
        match g.durability {
            Durability::Commit => "commit",
            Durability::Async => "async",
        },
        g.checkpoint_every,
        g.checkpoint_interval.as_millis()
    )
}

/// The folder of this node's log key.
pub fn key_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("gateway")
}

/// Starts this node's message log and gateway.
pub async fn start(
    store: &Store,
    instance: &str,
    data_dir: &Path,
    g: &GatewaySettings,
) -> anyhow::Result<Gateway> {
    let (signer, vkey) =
        keys::load_or_create(&key_dir(data_dir), &g.origin).map_err(anyhow::Error::msg)?;
    let origin = signed_note::Signer::name(&signer).to_owned();
    if g.origin_set && origin != g.origin {
        bail!(
            "key `gateway.origin` is {:?} but this node's key in {} was made for {origin:?}; checkpoints keep their origin for life",
            g.origin,
            key_dir(data_dir).display()
        );
    }
    let log = MessageLog::start(
        store.clone(),
        LogConfig {
            node: g.node.clone(),
            origin,
            durability: g.durability,
            checkpoint_every: g.checkpoint_every,
            checkpoint_interval: g.checkpoint_interval,
        },
        signer,
    )
    .await
    .context("starting the message log")?;
    let mut provider_roots = Vec::new();
    for path in &g.provider_ca {
        use rustls::pki_types::pem::PemObject;
        for c in rustls::pki_types::CertificateDer::pem_file_iter(path)
            .with_context(|| format!("gateway.provider_ca: reading {}", path.display()))?
        {
            let c =
                c.with_context(|| format!("gateway.provider_ca: {} is not PEM", path.display()))?;
            provider_roots.push(c.to_vec());
        }
    }
    Gateway::new(
        store.clone(),
        GatewayConfig {
            instance: instance.to_owned(),
            timeout: g.timeout,
            max_body_bytes: g.max_body_bytes,
            provider_roots,
        },
        log,
        g.node.clone(),
        vkey,
    )
    .map_err(anyhow::Error::msg)
}

fn read_key(path: &Path) -> anyhow::Result<signed_note::StandardVerifier> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    keys::verifier(&text).map_err(anyhow::Error::msg)
}

/// `egov log verify`: every node's log (or one), with a progress bar. Fails naming the first bad leaf.
pub async fn verify(
    store: &Store,
    data_dir: &Path,
    node: Option<&str>,
    key: Option<&Path>,
) -> anyhow::Result<()> {
    let key_path = key.map_or_else(|| key_dir(data_dir).join("node.pub"), Path::to_path_buf);
    let verifier = read_key(&key_path)?;
    let nodes = match node {
        Some(n) => vec![n.to_owned()],
        None => store.log_nodes().await?,
    };
    if nodes.is_empty() {
        println!("the message log is empty");
        return Ok(());
    }
    for node in nodes {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} leaves")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(format!("verifying {node}"));
        let result = proofs::verify(store, &node, &verifier, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
        bar.finish_and_clear();
        match result {
            Ok(r) => println!(
                "{}: {} leaves, {} checkpoints: the log verifies",
                r.node, r.leaves, r.checkpoints
            ),
            Err(e) => bail!("{node}: {e}"),
        }
    }
    Ok(())
}

/// `egov log proof MESSAGE_ID`: the inclusion proof as JSON on standard output.
pub async fn proof(store: &Store, message_id: &str, at: Option<(&str, u64)>) -> anyhow::Result<()> {
    let p = proofs::prove(store, message_id, at)
        .await
        .map_err(anyhow::Error::msg)?;
    println!("{}", serde_json::to_string_pretty(&p)?);
    Ok(())
}

/// `egov log check-proof FILE --key node.pub`: offline, no data folder needed.
pub fn check_proof(file: &Path, key: &Path) -> anyhow::Result<()> {
    let verifier = read_key(key)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let p: proofs::InclusionProof =
        serde_json::from_str(&text).context("the file is not an inclusion proof")?;
    let cp = proofs::check_proof(&p, &verifier).map_err(anyhow::Error::msg)?;
    println!(
        "the record of leaf {} is in the log {} of {} leaves, signed by its key: the proof holds",
        p.index, cp.origin, cp.size
    );
    Ok(())
}

/// `egov log consistency FILE`: proves that this node's log, as of its latest signed checkpoint, extends
/// the checkpoint in FILE (a signed checkpoint, or a proof file carrying one); prints the proof as JSON.
pub async fn consistency(
    store: &Store,
    data_dir: &Path,
    node: &str,
    file: &Path,
    key: Option<&Path>,
) -> anyhow::Result<()> {
    let key_path = key.map_or_else(|| key_dir(data_dir).join("node.pub"), Path::to_path_buf);
    let verifier = read_key(&key_path)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let note = match serde_json::from_str::<proofs::InclusionProof>(&text) {
        Ok(p) => p.checkpoint,
        Err(_) => text,
    };
    let c = proofs::consistency(store, node, &note, &verifier)
        .await
        .map_err(anyhow::Error::msg)?;
    let (old, new) = proofs::check_consistency(&c, &verifier).map_err(anyhow::Error::msg)?;
    println!("{}", serde_json::to_string_pretty(&c)?);
    eprintln!("the log's checkpoint at {new} leaves extends the one at {old} leaves");
    Ok(())
}

/// `egov log check-consistency FILE --key node.pub`: offline, no data folder needed.
pub fn check_consistency(file: &Path, key: &Path) -> anyhow::Result<()> {
    let verifier = read_key(key)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let c: proofs::Consistency =
        serde_json::from_str(&text).context("the file is not a consistency proof")?;
    let (old, new) = proofs::check_consistency(&c, &verifier).map_err(anyhow::Error::msg)?;
    println!(
        "the checkpoint at {new} leaves extends the one at {old} leaves, both signed by the key: the proof holds"
    );
    Ok(())
}
