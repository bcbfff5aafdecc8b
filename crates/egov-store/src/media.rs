//! An agency's media library: images (with pixel size and alt text in the site's languages) and files
//! such as the text of a legal act. The portal checks what a file is by its content before it gets here;
//! the store keeps the bytes in its media directory (the data folder's `media/`, named by SHA-256, written
//! whole before they are recorded) or, when it has none, in the database.

use std::path::{Path, PathBuf};

use egov_core::clock::Millis;
use egov_core::{FileName, Localized, OrgId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::audit::{Actor, Change, write_audit};
use crate::{Result, Store, StoreError, from_json, json_text, on_pool};

/// The largest file the media library takes.
pub const MAX_MEDIA_BYTES: usize = 10 * 1024 * 1024;

/// A file in the library, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    pub id: i64,
    pub org: OrgId,
    pub filename: FileName,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub alt: Localized,
    pub created_at: Millis,
}

impl Media {
    /// Where the public fetches it: by content hash, so the address never serves other bytes.
    pub fn url(&self) -> String {
        format!("/media/{}/{}", self.sha256, self.filename)
    }

    pub fn is_image(&self) -> bool {
        self.media_type.starts_with("image/")
    }
}

/// A file to add; `media_type`, `width` and `height` come from its content.
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub org: OrgId,
    pub filename: FileName,
    pub media_type: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub alt: Localized,
    pub data: Vec<u8>,
}

const COLUMNS: &str =
    "id, org_id, filename, media_type, size, sha256, width, height, alt, created_at";

macro_rules! media_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(Media {
            id: r.try_get("id")?,
            org: OrgId(r.try_get("org_id")?),
            filename: FileName::parse(r.try_get("filename")?).map_err(crate::corrupt)?,
            media_type: r.try_get("media_type")?,
            size: r.try_get("size")?,
            sha256: r.try_get("sha256")?,
            width: r.try_get("width")?,
            height: r.try_get("height")?,
            alt: from_json("media alt", r.try_get("alt")?)?,
            created_at: Millis(r.try_get("created_at")?),
        })
    }};
}

/// The file holding bytes of this digest under `dir`.
fn blob_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(sha256)
}

/// Writes `data` to its place under `dir`: a temporary file, synced, then renamed, so a reader never sees
/// half a file and a crash leaves none.
fn write_blob(dir: &Path, sha256: &str, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let path = blob_path(dir, sha256);
    if path.exists() {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)?;
    // A name of its own per writer: two uploads of the same file at once, or two nodes sharing the folder,
    // never write into one temporary file.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = parent.join(format!(".{sha256}.{}.{seq}.{nanos}", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    // The rename itself is durable only once the folder is synced.
    std::fs::File::open(parent)?.sync_all()
}

impl Store {
    /// Adds a file to an agency's library. Images need alt text; the same file under the same name is a
    /// conflict. Audited.
    pub async fn add_media(&self, m: &NewMedia, by: UserId, actor: &Actor) -> Result<Media> {
        if m.data.is_empty() || m.data.len() > MAX_MEDIA_BYTES {
            return Err(StoreError::Refused(format!(
                "a file must have between 1 byte and {} MiB",
                MAX_MEDIA_BYTES / 1024 / 1024
            )));
        }
        if m.media_type.starts_with("image/") && m.alt.is_empty() {
            return Err(StoreError::Refused(
                "an image needs alt text describing it".into(),
            ));
        }
        let sha256 = hex_digest(&m.data);
        let in_row = match self.media_dir() {
            Some(dir) => {
                let (dir, sha, data) = (dir.to_path_buf(), sha256.clone(), m.data.clone());
                tokio::task::spawn_blocking(move || write_blob(&dir, &sha, &data))
                    .await
                    .map_err(|e| StoreError::Io(e.to_string()))?
                    .map_err(|e| StoreError::Io(e.to_string()))?;
                None
            }
            None => Some(m.data.clone()),
        };
        let now = Millis::now().0;
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO media (org_id, filename, media_type, size, sha256, width, height, alt, data, uploaded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(m.org.0)
            .bind(m.filename.as_str())
            .bind(&m.media_type)
            .bind(m.data.len() as i64)
            .bind(&sha256)
            .bind(m.width)
            .bind(m.height)
            .bind(json_text(&m.alt))
            .bind(in_row)
            .bind(by.0)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = inserted else {
                return Err(StoreError::Conflict(format!("the file {}", m.filename)));
            };
            let id: i64 = row.try_get("id")?;
            write_audit!(&mut *tx, actor, Change {
                action: "media.add",
                subject: format!("media:{id}"),
                org_id: Some(m.org),
                before: None,
                after: Some(serde_json::json!({"filename": m.filename.as_str(), "type": m.media_type, "size": m.data.len(), "sha256": sha256}).to_string()),
            })?;
            tx.commit().await?;
            id
        });
        self.media(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("media {id}")))
    }

    pub async fn media(&self, id: i64) -> Result<Option<Media>> {
        on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM media WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| media_from_row!(&r))
                .transpose()
        })
    }

    /// An agency's library, newest first.
    pub async fn media_library(&self, org: OrgId) -> Result<Vec<Media>> {
        on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM media WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1000"
            )))
            .bind(org.0)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| media_from_row!(r))
            .collect()
        })
    }

    /// A file and its bytes by its public address (digest and name).
    pub async fn media_file(
        &self,
        sha256: &str,
        filename: &FileName,
    ) -> Result<Option<(Media, Vec<u8>)>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let found = on_pool!(self, pool => {
            match sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS}, data FROM media WHERE sha256 = $1 AND filename = $2 LIMIT 1"
            )))
            .bind(sha256)
            .bind(filename.as_str())
            .fetch_optional(pool)
            .await?
            {
                Some(r) => Some((media_from_row!(&r)?, r.try_get::<Option<Vec<u8>>, _>("data")?)),
                None => None,
            }
        });
        let Some((media, data)) = found else {
            return Ok(None);
        };
        let data = match (data, self.media_dir()) {
            (Some(d), _) => d,
            (None, Some(dir)) => {
                let path = blob_path(dir, &media.sha256);
                tokio::fs::read(&path)
                    .await
                    .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?
            }
            (None, None) => {
                return Err(StoreError::Io(
                    "the file is kept in a media folder this node was not given".into(),
                ));
            }
        };
        if hex_digest(&data) != media.sha256 {
            return Err(StoreError::Corrupt(format!(
                "media {} does not match its digest",
                media.id
            )));
        }
        Ok(Some((media, data)))
    }
}

fn hex_digest(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
