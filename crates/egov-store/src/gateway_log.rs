//! Persistence of the gateway's transparency log: leaves, the tree's stored hashes and signed checkpoints,
//! per gateway node. The tree arithmetic lives in the gateway; this module only writes a batch of leaves
//! with their hashes in one transaction (one commit serves every call in the batch) and reads them back.

use egov_core::clock::Millis;
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, StoreError, on_pool};

/// One call as logged.
#[derive(Debug, Clone, Serialize)]
pub struct LogLeaf {
    pub node: String,
    pub idx: u64,
    pub message_id: String,
    pub at: Millis,
    pub client: String,
    pub service: String,
    pub user_id: Option<String>,
    pub status: u16,
    pub error: Option<String>,
    pub duration_us: i64,
    /// The leaf's data: the canonical JSON record whose RFC 6962 leaf hash is in the tree.
    pub record: String,
}

/// A signed checkpoint of a node's tree.
#[derive(Debug, Clone, Serialize)]
pub struct StoredCheckpoint {
    pub node: String,
    pub size: u64,
    /// The C2SP signed note, as served.
    pub note: String,
    pub created_at: Millis,
}

/// What to look for in the log; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub message_id: Option<String>,
    pub client: Option<String>,
    pub service: Option<String>,
    pub user_id: Option<String>,
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    /// Only calls by or to these subsystems (client ids); `None` for all.
    pub parties: Option<Vec<String>>,
    pub limit: u32,
}

const LEAF_COLUMNS: &str =
    "node, idx, message_id, at, client, service, user_id, status, error, duration_us, record";

macro_rules! leaf_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(LogLeaf {
            node: r.try_get("node")?,
            idx: r.try_get::<i64, _>("idx")? as u64,
            message_id: r.try_get("message_id")?,
            at: Millis(r.try_get("at")?),
            client: r.try_get("client")?,
            service: r.try_get("service")?,
            user_id: r.try_get("user_id")?,
            status: r.try_get::<i32, _>("status")? as u16,
            error: r.try_get("error")?,
            duration_us: r.try_get("duration_us")?,
            record: r.try_get("record")?,
        })
    }};
}

fn index(i: u64) -> Result<i64> {
    i64::try_from(i).map_err(|_| StoreError::Corrupt(format!("log index {i} out of range")))
}

impl Store {
    /// The number of leaves of `node`'s log (the next leaf's index).
    pub async fn log_size(&self, node: &str) -> Result<u64> {
        let n: Option<i64> = on_pool!(self, pool => {
            sqlx::query("SELECT MAX(idx) AS m FROM gateway_log WHERE node = $1")
                .bind(node)
                .fetch_one(pool)
                .await?
                .try_get("m")?
        });
        Ok(n.map_or(0, |m| m as u64 + 1))
    }

    /// Appends leaves and their stored hashes (`(stored index, hex hash)`) in one transaction: all of
    /// them are durable when this returns, or none is written.
    pub async fn append_log(&self, leaves: &[LogLeaf], hashes: &[(u64, String)]) -> Result<()> {
        let Some(node) = leaves.first().map(|l| l.node.clone()) else {
            return Ok(());
        };
        // Two multi-row statements per batch, whatever its size: the batch is one commit and nearly
        // one round of work for the database (chunks stay under both backends' parameter limits).
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in leaves.chunks(1000) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO gateway_log (node, idx, message_id, at, client, service, user_id, status, error, duration_us, record) ",
                );
                let mut bad = None;
                q.push_values(chunk, |mut b, l| {
                    let idx = index(l.idx).unwrap_or_else(|e| {
                        bad = Some(e);
                        0
                    });
                    b.push_bind(&l.node)
                        .push_bind(idx)
                        .push_bind(&l.message_id)
                        .push_bind(l.at.0)
                        .push_bind(&l.client)
                        .push_bind(&l.service)
                        .push_bind(&l.user_id)
                        .push_bind(i32::from(l.status))
                        .push_bind(&l.error)
                        .push_bind(l.duration_us)
                        .push_bind(&l.record);
                });
                if let Some(e) = bad {
                    return Err(e);
                }
                q.build().execute(&mut *tx).await?;
            }
            for chunk in hashes.chunks(3000) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO gateway_log_hashes (node, idx, hash) ");
                let mut bad = None;
                q.push_values(chunk, |mut b, (i, h)| {
                    let idx = index(*i).unwrap_or_else(|e| {
                        bad = Some(e);
                        0
                    });
                    b.push_bind(&node).push_bind(idx).push_bind(h);
                });
                if let Some(e) = bad {
                    return Err(e);
                }
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The stored hashes at `indexes` (hex), in the order asked; a missing one is an error naming it.
    pub async fn log_hashes(&self, node: &str, indexes: &[u64]) -> Result<Vec<String>> {
        let mut found = std::collections::HashMap::new();
        for chunk in indexes.chunks(500) {
            // Only numbers we made go into the text; the node is bound.
            let list = chunk
                .iter()
                .map(|i| index(*i).map(|i| i.to_string()))
                .collect::<Result<Vec<_>>>()?
                .join(",");
            let sql = format!(
                "SELECT idx, hash FROM gateway_log_hashes WHERE node = $1 AND idx IN ({list})"
            );
            on_pool!(self, pool => {
                for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(node).fetch_all(pool).await? {
                    let i: i64 = r.try_get("idx")?;
                    let h: String = r.try_get("hash")?;
                    found.insert(i as u64, h);
                }
            });
        }
        indexes
            .iter()
            .map(|i| {
                found
                    .get(i)
                    .cloned()
                    .ok_or_else(|| StoreError::NotFound(format!("stored hash {i} of node {node}")))
            })
            .collect()
    }

    /// Stored hashes with index in `from..to`, in order (for verification).
    pub async fn log_hash_range(
        &self,
        node: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, String)>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT idx, hash FROM gateway_log_hashes WHERE node = $1 AND idx >= $2 AND idx < $3 ORDER BY idx")
                .bind(node)
                .bind(index(from)?)
                .bind(index(to)?)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<i64, _>("idx")? as u64, r.try_get("hash")?)))
                .collect()
        })
    }

    /// Leaves with index in `from..to`, in order.
    pub async fn log_leaves(&self, node: &str, from: u64, to: u64) -> Result<Vec<LogLeaf>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {LEAF_COLUMNS} FROM gateway_log WHERE node = $1 AND idx >= $2 AND idx < $3 ORDER BY idx");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(node)
                .bind(index(from)?)
                .bind(index(to)?)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| leaf_from_row!(r))
                .collect()
        })
    }

    /// The nodes that have a log.
    pub async fn log_nodes(&self) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT DISTINCT node FROM gateway_log ORDER BY node")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(r.try_get("node")?))
                .collect()
        })
    }

    /// Leaves matching `q`, newest first.
    pub async fn search_log(&self, q: &LogQuery) -> Result<Vec<LogLeaf>> {
        // Only the conditions given go into the text, so each can use its index.
        on_pool!(self, pool => {
            let mut b = sqlx::QueryBuilder::new(format!("SELECT {LEAF_COLUMNS} FROM gateway_log WHERE 1 = 1"));
            if let Some(v) = &q.message_id {
                b.push(" AND message_id = ").push_bind(v.clone());
            }
            if let Some(v) = &q.client {
                b.push(" AND client = ").push_bind(v.clone());
            }
            if let Some(v) = &q.service {
                b.push(" AND service = ").push_bind(v.clone());
            }
            if let Some(v) = &q.user_id {
                b.push(" AND user_id = ").push_bind(v.clone());
            }
            if let Some(v) = q.from {
                b.push(" AND at >= ").push_bind(v.0);
            }
            if let Some(v) = q.to {
                b.push(" AND at < ").push_bind(v.0);
            }
            if let Some(parties) = &q.parties {
                // Calls made by one of these subsystems, or to one of their services.
                b.push(" AND (1 = 0");
                for p in parties {
                    b.push(" OR client = ").push_bind(p.clone());
                    let literal = p.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    b.push(" OR service LIKE ")
                        .push_bind(format!("{literal}/%"))
                        .push(" ESCAPE '\\'");
                }
                b.push(")");
            }
            b.push(" ORDER BY at DESC, idx DESC LIMIT ").push_bind(i64::from(q.limit.clamp(1, 1000)));
            b.build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| leaf_from_row!(r))
                .collect()
        })
    }

    /// Every call since `from` (oldest first, at most `limit`): the raw material of the monitoring charts.
    pub async fn log_since(&self, from: Millis, limit: u32) -> Result<Vec<LogLeaf>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {LEAF_COLUMNS} FROM gateway_log WHERE at >= $1 ORDER BY at LIMIT $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(from.0)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| leaf_from_row!(r))
                .collect()
        })
    }

    pub async fn add_checkpoint(&self, node: &str, size: u64, note: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO gateway_checkpoints (node, size, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (node, size) DO NOTHING")
                .bind(node)
                .bind(index(size)?)
                .bind(note)
                .bind(Millis::now().0)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// `node`'s latest checkpoint.
    pub async fn latest_checkpoint(&self, node: &str) -> Result<Option<StoredCheckpoint>> {
        self.one_checkpoint(node, 0).await
    }

    /// `node`'s latest checkpoint whose tree holds leaf `idx`.
    pub async fn checkpoint_covering(
        &self,
        node: &str,
        idx: u64,
    ) -> Result<Option<StoredCheckpoint>> {
        self.one_checkpoint(node, idx + 1).await
    }

    async fn one_checkpoint(&self, node: &str, min_size: u64) -> Result<Option<StoredCheckpoint>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT node, size, note, created_at FROM gateway_checkpoints WHERE node = $1 AND size >= $2 ORDER BY size DESC LIMIT 1")
                .bind(node)
                .bind(index(min_size)?)
                .fetch_optional(pool)
                .await?
                .map(|r| Ok(StoredCheckpoint {
                    node: r.try_get("node")?,
                    size: r.try_get::<i64, _>("size")? as u64,
                    note: r.try_get("note")?,
                    created_at: Millis(r.try_get("created_at")?),
                }))
                .transpose()
        })
    }

    /// `node`'s checkpoints, smallest tree first.
    pub async fn checkpoints(&self, node: &str) -> Result<Vec<StoredCheckpoint>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT node, size, note, created_at FROM gateway_checkpoints WHERE node = $1 ORDER BY size")
                .bind(node)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(StoredCheckpoint {
                    node: r.try_get("node")?,
                    size: r.try_get::<i64, _>("size")? as u64,
                    note: r.try_get("note")?,
                    created_at: Millis(r.try_get("created_at")?),
                }))
                .collect()
        })
    }
}
