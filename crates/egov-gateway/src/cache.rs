//! A short-lived read-through memory of what every call asks the store (credentials, services, grants),
//! so a busy gateway does not ask the same questions hundreds of times a second. Entries live for a fraction
//! of a second: a revocation made on any node still takes effect within [`FRESH`], well inside the
//! one second the platform promises. Only found answers are kept, so junk requests cannot fill it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer from the store is reused.
pub const FRESH: Duration = Duration::from_millis(250);

/// Entries kept at most; beyond this the memory starts over.
const MAX_ENTRIES: usize = 50_000;

pub struct Recent<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    ttl: Duration,
}

impl<K: Eq + Hash + Clone, V: Clone> Recent<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Recent {
            entries: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.entries.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// Remembers `value`, read from the store starting at `read_at` (taken before the read, so a slow
    /// read cannot make an old answer look fresh); an answer read later is never replaced by this one.
    pub fn put(&self, key: K, value: V, read_at: Instant) {
        if let Ok(mut map) = self.entries.lock() {
            if map.get(&key).is_some_and(|(at, _)| *at > read_at) {
                return;
            }
            if map.len() >= MAX_ENTRIES {
                let ttl = self.ttl;
                map.retain(|_, (at, _)| at.elapsed() < ttl);
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (read_at, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_expire() {
        let r = Recent::new(Duration::from_millis(30));
        r.put("a", 1, Instant::now());
        assert_eq!(r.get(&"a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(r.get(&"a"), None);
    }
}
