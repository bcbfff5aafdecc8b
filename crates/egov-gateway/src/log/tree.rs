//! The tree arithmetic over stored hashes, as in Go's sumdb/tlog (RFC 6962 hashing): the right edge a
//! writer keeps in memory, and readers that let the synchronous proof functions work over the store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use tlog_tiles::tlog::{self, Hash, HashReader};

/// Stored-hash indexes of the perfect subtrees that make up a tree of `n` leaves (its right edge): all a
/// writer needs to append the next leaf and to compute the root.
pub fn edge_indexes(n: u64) -> Vec<u64> {
    (0..64u8)
        .filter(|l| n >> l & 1 == 1)
        .map(|l| tlog::stored_hash_index(l, (n >> l) - 1))
        .collect()
}

/// Stored hashes held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryHashes(pub BTreeMap<u64, Hash>);

impl HashReader for MemoryHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        indexes
            .iter()
            .map(|i| self.0.get(i).copied().ok_or(tlog::Error::IndexesNotInTree))
            .collect()
    }
}

impl MemoryHashes {
    /// Keeps only the right edge of a tree of `n` leaves.
    pub fn keep_edge(&mut self, n: u64) {
        let keep: BTreeSet<u64> = edge_indexes(n).into_iter().collect();
        self.0.retain(|i, _| keep.contains(i));
    }

    /// Adds leaf `n` with `record_hash`; returns the stored hashes written, with their indexes.
    pub fn append(&mut self, n: u64, record_hash: Hash) -> Result<Vec<(u64, Hash)>, tlog::Error> {
        let hashes = tlog::stored_hashes_for_record_hash(n, record_hash, self)?;
        let first = tlog::stored_hash_index(0, n);
        let out: Vec<(u64, Hash)> = hashes
            .into_iter()
            .enumerate()
            .map(|(k, h)| (first + k as u64, h))
            .collect();
        for (i, h) in &out {
            self.0.insert(*i, *h);
        }
        Ok(out)
    }
}

/// A reader that only notes which indexes were asked for (answering zeros), so the store can be asked for
/// exactly those before the real computation: the indexes a proof needs depend only on the sizes.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<u64>>);

impl HashReader for Recorder {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(indexes);
        }
        Ok(vec![Hash([0; 32]); indexes.len()])
    }
}

impl Recorder {
    pub fn take(self) -> Vec<u64> {
        self.0.into_inner().unwrap_or_default()
    }
}

/// The stored hashes at `indexes` of `node`'s tree, read from the store.
pub async fn load(
    store: &egov_store::Store,
    node: &str,
    indexes: &[u64],
) -> Result<MemoryHashes, String> {
    let stored = store
        .log_hashes(node, indexes)
        .await
        .map_err(|e| e.to_string())?;
    let mut mem = MemoryHashes::default();
    for (i, h) in indexes.iter().zip(stored) {
        let h = from_hex(&h).ok_or_else(|| format!("stored hash {i} is malformed"))?;
        mem.0.insert(*i, h);
    }
    Ok(mem)
}

pub fn to_hex(h: &Hash) -> String {
    hex::encode(h.0)
}

pub fn from_hex(s: &str) -> Option<Hash> {
    let v = hex::decode(s).ok()?;
    Some(Hash(v.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edge_alone_appends_and_roots_like_the_whole_tree() {
        let mut all = MemoryHashes::default();
        let mut edge = MemoryHashes::default();
        for n in 0..300u64 {
            let h = tlog::record_hash(format!("leaf {n}").as_bytes());
            let a = all.append(n, h).unwrap();
            let b = edge.append(n, h).unwrap();
            assert_eq!(a, b);
            edge.keep_edge(n + 1);
            assert_eq!(
                tlog::tree_hash(n + 1, &all).unwrap(),
                tlog::tree_hash(n + 1, &edge).unwrap()
            );
            assert!(edge.0.len() <= 9);
        }
        // An inclusion proof made from the whole tree checks against the root.
        let root = tlog::tree_hash(300, &all).unwrap();
        let p = tlog::prove_record(300, 123, &all).unwrap();
        let leaf = tlog::record_hash(b"leaf 123");
        assert!(tlog::check_record(&p, 300, root, 123, leaf).is_ok());
        assert!(tlog::check_record(&p, 300, root, 123, tlog::record_hash(b"leaf 124")).is_err());
        // The recorder learns what a proof needs without the hashes.
        let rec = Recorder::default();
        let _ = tlog::prove_record(300, 123, &rec);
        let need = rec.take();
        let mut some = MemoryHashes::default();
        for i in need {
            some.0.insert(i, all.0[&i]);
        }
        assert_eq!(tlog::prove_record(300, 123, &some).unwrap(), p);
    }
}
