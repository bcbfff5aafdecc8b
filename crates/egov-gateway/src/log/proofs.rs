//! Checking the log: a full verification from the store (`egov log verify`), an inclusion proof for one
//! message that anyone can check offline with the node's public key (`egov log proof`, `check-proof`), and
//! a consistency proof that a later tree extends an earlier checkpoint (`egov log consistency`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use egov_store::Store;
use serde::{Deserialize, Serialize};
use signed_note::{Note, StandardVerifier, Verifier, VerifierList};
use tlog_tiles::Checkpoint;
use tlog_tiles::tlog::{self, Hash};

use super::tree::{self, MemoryHashes, Recorder};

/// A signed checkpoint, checked.
#[derive(Debug, Clone)]
pub struct Checked {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Checks a signed note against the verifier key and reads the checkpoint in it; the key's name must be
/// the checkpoint's origin (the note format does not tie them together by itself).
pub fn check_checkpoint(note_text: &str, verifier: &StandardVerifier) -> Result<Checked, String> {
    let note =
        Note::from_bytes(note_text.as_bytes()).map_err(|e| format!("not a signed note: {e}"))?;
    let list = VerifierList::new(vec![Box::new(verifier.clone())]);
    note.verify(&list)
        .map_err(|e| format!("the checkpoint's signature does not verify with this key: {e}"))?;
    let cp = Checkpoint::from_bytes(note.text())
        .map_err(|_| "the note is not a checkpoint".to_owned())?;
    if cp.origin() != verifier.name() {
        return Err(format!(
            "the checkpoint is of {:?} but the key is {:?}",
            cp.origin(),
            verifier.name()
        ));
    }
    Ok(Checked {
        origin: cp.origin().to_owned(),
        size: cp.size(),
        root: *cp.hash(),
    })
}

/// Reads the stored hashes a proof function will ask for, then runs it over them.
async fn with_hashes<T>(
    store: &Store,
    node: &str,
    f: impl Fn(&dyn tlog::HashReader) -> Result<T, tlog::Error>,
) -> Result<T, String> {
    let rec = Recorder::default();
    let _ = f(&rec);
    let mem = tree::load(store, node, &rec.take()).await?;
    f(&mem).map_err(|e| e.to_string())
}

struct Dyn<'a>(&'a dyn tlog::HashReader);

impl tlog::HashReader for Dyn<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        self.0.read_hashes(indexes)
    }
}

/// What `egov log proof` writes: everything needed to check, offline, that a call is in the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InclusionProof {
    pub format: String,
    pub node: String,
    pub index: u64,
    /// The leaf's data: the call's record exactly as hashed.
    pub record: String,
    pub tree_size: u64,
    /// Base64 hashes, RFC 6962 audit path.
    pub inclusion: Vec<String>,
    /// The signed checkpoint the proof leads to.
    pub checkpoint: String,
}

pub const PROOF_FORMAT: &str = "egov-log-inclusion/1";

/// The inclusion proof of the call `message_id`, against the node's latest checkpoint that covers it.
/// Message ids are chosen by clients, so several calls may carry one: then `at` (node, index) picks the
/// leaf, and without it the answer lists them rather than guessing.
pub async fn prove(
    store: &Store,
    message_id: &str,
    at: Option<(&str, u64)>,
) -> Result<InclusionProof, String> {
    let hits = store
        .search_log(&egov_store::LogQuery {
            message_id: Some(message_id.to_owned()),
            limit: 50,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut hits: Vec<_> = match at {
        Some((node, idx)) => hits
            .into_iter()
            .filter(|l| l.node == node && l.idx == idx)
            .collect(),
        None => hits,
    };
    if hits.len() > 1 {
        let list: Vec<String> = hits
            .iter()
            .map(|l| format!("{} #{} ({}, status {})", l.node, l.idx, l.client, l.status))
            .collect();
        return Err(format!(
            "{} calls carry the id {message_id:?}: {}; name one with --node and --index",
            hits.len(),
            list.join(", ")
        ));
    }
    let leaf = hits
        .pop()
        .ok_or_else(|| format!("no call {message_id:?} in the log"))?;
    let cp = store
        .checkpoint_covering(&leaf.node, leaf.idx)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no checkpoint covers this call yet; retry in a moment".to_owned())?;
    let (t, n) = (cp.size, leaf.idx);
    let proof = with_hashes(store, &leaf.node, |r| tlog::prove_record(t, n, &Dyn(r))).await?;
    Ok(InclusionProof {
        format: PROOF_FORMAT.into(),
        node: leaf.node,
        index: leaf.idx,
        record: leaf.record,
        tree_size: cp.size,
        inclusion: proof.iter().map(|h| B64.encode(h.0)).collect(),
        checkpoint: cp.note,
    })
}

/// Checks an inclusion proof offline: the checkpoint's signature with `verifier`, then the audit path from
/// the record's leaf hash to the checkpoint's root. Returns the checked checkpoint.
pub fn check_proof(p: &InclusionProof, verifier: &StandardVerifier) -> Result<Checked, String> {
    if p.format != PROOF_FORMAT {
        return Err(format!("unknown proof format {:?}", p.format));
    }
    let cp = check_checkpoint(&p.checkpoint, verifier)?;
    if cp.size != p.tree_size {
        return Err("the proof's tree size is not the checkpoint's".into());
    }
    let path = p
        .inclusion
        .iter()
        .map(|s| {
            let v = B64
                .decode(s)
                .map_err(|_| "a proof hash is not base64".to_owned())?;
            Ok(Hash(
                v.try_into()
                    .map_err(|_| "a proof hash is not 32 bytes".to_owned())?,
            ))
        })
        .collect::<Result<Vec<_>, String>>()?;
    tlog::check_record(
        &path,
        cp.size,
        cp.root,
        p.index,
        tlog::record_hash(p.record.as_bytes()),
    )
    .map_err(|_| {
        "the record is not in the tree of this checkpoint (the proof does not lead to its root)"
            .to_owned()
    })?;
    Ok(cp)
}

/// A consistency proof between two signed checkpoints of one log: anyone holding both notes and the
/// node's key can check offline that the later tree extends the earlier one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Consistency {
    pub format: String,
    pub old_checkpoint: String,
    pub new_checkpoint: String,
    /// Base64 hashes, RFC 6962 consistency proof from the old size to the new.
    pub proof: Vec<String>,
}

pub const CONSISTENCY_FORMAT: &str = "egov-log-consistency/1";

fn hashes(list: &[String]) -> Result<Vec<Hash>, String> {
    list.iter()
        .map(|s| {
            let v = B64
                .decode(s)
                .map_err(|_| "a proof hash is not base64".to_owned())?;
            Ok(Hash(
                v.try_into()
                    .map_err(|_| "a proof hash is not 32 bytes".to_owned())?,
            ))
        })
        .collect()
}

/// Proves, from the store, that the node's latest signed checkpoint extends `old` (an earlier checked
/// checkpoint, e.g. from a proof an auditor kept), and checks the proof against the stored tree as well;
/// fails when history before `old.size` was rewritten or removed.
pub async fn consistency(
    store: &Store,
    node: &str,
    old_note: &str,
    verifier: &StandardVerifier,
) -> Result<Consistency, String> {
    let old = check_checkpoint(old_note, verifier)?;
    let size = store.log_size(node).await.map_err(|e| e.to_string())?;
    if size < old.size {
        return Err(format!(
            "the log has {size} leaves, fewer than the {} of the earlier checkpoint: leaves were removed",
            old.size
        ));
    }
    let latest = store
        .latest_checkpoint(node)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the node has signed no checkpoint".to_owned())?;
    let new = check_checkpoint(&latest.note, verifier)?;
    let rewritten = || {
        format!(
            "the log is not an extension of the checkpoint at size {}: its first {} leaves were rewritten",
            old.size, old.size
        )
    };
    let now = with_hashes(store, node, |r| tlog::tree_hash(new.size, &Dyn(r))).await?;
    if now != new.root {
        return Err(format!(
            "the stored tree does not match the latest checkpoint at size {}",
            new.size
        ));
    }
    let proof = if new.size > old.size {
        with_hashes(store, node, |r| {
            tlog::prove_tree(new.size, old.size, &Dyn(r))
        })
        .await?
    } else {
        Vec::new()
    };
    let out = Consistency {
        format: CONSISTENCY_FORMAT.into(),
        old_checkpoint: old_note.to_owned(),
        new_checkpoint: latest.note,
        proof: proof.iter().map(|h| B64.encode(h.0)).collect(),
    };
    check_consistency(&out, verifier).map_err(|_| rewritten())?;
    Ok(out)
}

/// Checks a consistency proof offline: both checkpoints signed by the key, and the later tree extending
/// the earlier. Returns (old size, new size).
pub fn check_consistency(
    c: &Consistency,
    verifier: &StandardVerifier,
) -> Result<(u64, u64), String> {
    if c.format != CONSISTENCY_FORMAT {
        return Err(format!("unknown proof format {:?}", c.format));
    }
    let old = check_checkpoint(&c.old_checkpoint, verifier)?;
    let new = check_checkpoint(&c.new_checkpoint, verifier)?;
    if old.origin != new.origin {
        return Err("the two checkpoints are of different logs".into());
    }
    if new.size < old.size {
        return Err("the later checkpoint is smaller than the earlier: leaves were removed".into());
    }
    if new.size == old.size {
        return if new.root == old.root {
            Ok((old.size, new.size))
        } else {
            Err("two different trees were signed for the same size".into())
        };
    }
    let proof = hashes(&c.proof)?;
    tlog::check_tree(&proof, new.size, new.root, old.size, old.root).map_err(|_| {
        "the later checkpoint does not extend the earlier one: history was rewritten".to_owned()
    })?;
    Ok((old.size, new.size))
}

/// What `egov log verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub node: String,
    pub leaves: u64,
    pub checkpoints: usize,
}

/// Recomputes `node`'s tree from its leaves, compares every stored hash, checks every leaf's indexed
/// columns against its record and every checkpoint's root and signature. The error names the first bad
/// leaf (or checkpoint).
pub async fn verify(
    store: &Store,
    node: &str,
    verifier: &StandardVerifier,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, String> {
    let size = store.log_size(node).await.map_err(|e| e.to_string())?;
    let checkpoints = store.checkpoints(node).await.map_err(|e| e.to_string())?;
    let mut checks = std::collections::BTreeMap::new();
    for c in &checkpoints {
        let checked = check_checkpoint(&c.note, verifier)
            .map_err(|e| format!("checkpoint at size {}: {e}", c.size))?;
        if checked.size != c.size {
            return Err(format!(
                "checkpoint at size {} names size {}",
                c.size, checked.size
            ));
        }
        checks.insert(c.size, checked.root);
    }
    if let Some((&last, _)) = checks.iter().next_back()
        && last > size
    {
        return Err(format!(
            "leaf {size} is missing: the log has {size} leaves but was signed at {last} (leaves {size}..{} were removed)",
            last - 1
        ));
    }
    let mut mem = MemoryHashes::default();
    const PAGE: u64 = 5000;
    let mut from = 0;
    while from < size {
        let to = (from + PAGE).min(size);
        let leaves = store
            .log_leaves(node, from, to)
            .await
            .map_err(|e| e.to_string())?;
        let (lo, hi) = (
            tlog::stored_hash_index(0, from),
            tlog::stored_hash_index(0, to),
        );
        let stored: std::collections::HashMap<u64, String> = store
            .log_hash_range(node, lo, hi)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        let mut expect = from;
        for leaf in leaves {
            if leaf.idx != expect {
                return Err(format!("leaf {expect} is missing"));
            }
            check_columns(&leaf)?;
            let written = mem
                .append(leaf.idx, tlog::record_hash(leaf.record.as_bytes()))
                .map_err(|e| e.to_string())?;
            for (i, h) in written {
                if stored.get(&i).map(String::as_str) != Some(tree::to_hex(&h).as_str()) {
                    return Err(format!(
                        "leaf {} ({}) was altered: the tree no longer matches it",
                        leaf.idx, leaf.message_id
                    ));
                }
            }
            mem.keep_edge(leaf.idx + 1);
            if let Some(root) = checks.get(&(leaf.idx + 1)) {
                let now = tlog::tree_hash(leaf.idx + 1, &mem).map_err(|e| e.to_string())?;
                if &now != root {
                    return Err(format!(
                        "the checkpoint at size {} does not match the leaves before it (a leaf up to {} was rewritten)",
                        leaf.idx + 1,
                        leaf.idx
                    ));
                }
            }
            expect += 1;
        }
        if expect != to {
            return Err(format!("leaf {expect} is missing"));
        }
        progress(to, size);
        from = to;
    }
    Ok(Report {
        node: node.to_owned(),
        leaves: size,
        checkpoints: checkpoints.len(),
    })
}

/// The indexed columns (what searches and pages show) must say what the hashed record says.
fn check_columns(leaf: &egov_store::LogLeaf) -> Result<(), String> {
    let r: serde_json::Value = serde_json::from_str(&leaf.record)
        .map_err(|_| format!("leaf {} is not a record", leaf.idx))?;
    let same = r["message_id"] == leaf.message_id.as_str()
        && r["client"] == leaf.client.as_str()
        && r["service"] == leaf.service.as_str()
        && r["at"] == leaf.at.0
        && r["status"] == leaf.status
        && r["duration_us"] == leaf.duration_us
        && r["user_id"].as_str() == leaf.user_id.as_deref()
        && r["error"].as_str() == leaf.error.as_deref()
        && r["node"] == leaf.node.as_str();
    if same {
        Ok(())
    } else {
        Err(format!(
            "leaf {} ({}) was altered: its columns differ from its record",
            leaf.idx, leaf.message_id
        ))
    }
}
