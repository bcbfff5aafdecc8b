//! Content items (news, legal documents, pages, leaders, units, vacancies, events, service links), their
//! attachments, and the version counter that tells every node when its cached pages are stale.

use egov_core::clock::Millis;
use egov_core::{ContentKind, FileName, ItemSlug, Lang, Localized, OrgId, Status};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, Change, write_audit};
use crate::{Result, Store, StoreError, bump_version, from_json, json_text, on_pool};

/// One item as stored. `meta` holds the fields only its kind has (a document's number and signatory, an
/// event's place, a leader's position…), as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentItem {
    pub id: i64,
    pub org: OrgId,
    pub kind: ContentKind,
    pub slug: ItemSlug,
    /// A finer kind within the kind: `press-release`, `appointment` for news; `order`, `law` for documents.
    pub subtype: String,
    pub status: Status,
    /// The item's own date: publication (news), adoption (documents), the day (events), deadline (vacancies).
    pub date: Option<Millis>,
    pub position: i64,
    pub title: Localized,
    pub summary: Localized,
    pub body: Localized,
    pub meta: serde_json::Value,
    pub published_at: Option<Millis>,
    pub updated_at: Millis,
}

/// An item to create or replace (keyed by organization, kind and slug). `body` must already be sanitized.
#[derive(Debug, Clone, Serialize)]
pub struct NewContent {
    pub org: OrgId,
    pub kind: ContentKind,
    pub slug: ItemSlug,
    pub subtype: String,
    pub status: Status,
    pub date: Option<Millis>,
    pub position: i64,
    pub title: Localized,
    pub summary: Localized,
    pub body: Localized,
    pub meta: serde_json::Value,
}

/// Which items to list. Only published items unless `include_unpublished`.
#[derive(Debug, Clone)]
pub struct ContentQuery {
    pub org: Option<OrgId>,
    pub kind: ContentKind,
    pub subtype: Option<String>,
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    pub include_unpublished: bool,
    pub offset: u32,
    pub limit: u32,
}

impl ContentQuery {
    pub fn published(kind: ContentKind) -> Self {
        ContentQuery {
            org: None,
            kind,
            subtype: None,
            from: None,
            to: None,
            include_unpublished: false,
            offset: 0,
            limit: 20,
        }
    }
}

/// A file attached to an item (a legal act's text, say), without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    pub filename: FileName,
    pub lang: Option<Lang>,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: FileName,
    pub lang: Option<Lang>,
    pub media_type: String,
    pub sha256: String,
    pub data: Vec<u8>,
}

/// The largest attachment the store accepts.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

pub(crate) const COLUMNS: &str = "id, org_id, kind, slug, subtype, status, date, position, title, summary, body, meta, published_at, updated_at";

macro_rules! item_from_row {
    ($r:expr) => {{
        let r = $r;
        let corrupt = |e: egov_core::ParseError| StoreError::Corrupt(e.to_string());
        Ok::<_, StoreError>(ContentItem {
            id: r.try_get("id")?,
            org: OrgId(r.try_get("org_id")?),
            kind: ContentKind::parse(r.try_get("kind")?).map_err(corrupt)?,
            slug: ItemSlug::parse(r.try_get("slug")?).map_err(corrupt)?,
            subtype: r.try_get("subtype")?,
            status: Status::parse(r.try_get("status")?).map_err(corrupt)?,
            date: r.try_get::<Option<i64>, _>("date")?.map(Millis),
            position: r.try_get("position")?,
            title: from_json("content title", r.try_get("title")?)?,
            summary: from_json("content summary", r.try_get("summary")?)?,
            body: from_json("content body", r.try_get("body")?)?,
            meta: from_json("content meta", r.try_get("meta")?)?,
            published_at: r.try_get::<Option<i64>, _>("published_at")?.map(Millis),
            updated_at: Millis(r.try_get("updated_at")?),
        })
    }};
}
pub(crate) use item_from_row;

impl Store {
    /// Creates an item, or replaces the one with the same organization, kind and slug. Audited.
    pub async fn put_content(&self, c: &NewContent, actor: &Actor) -> Result<ContentItem> {
        if c.title.is_empty() {
            return Err(StoreError::Corrupt("a content item needs a title".into()));
        }
        let now = Millis::now().0;
        let published_at = (c.status == Status::Published).then_some(c.date.map_or(now, |d| d.0));
        let before = self.content_item(c.org, c.kind, &c.slug, true).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO content_items (org_id, kind, slug, status, date, position, title, summary, body, meta, published_at, created_at, updated_at, subtype) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) \
                 ON CONFLICT (org_id, kind, slug) DO UPDATE SET status = $4, date = $5, position = $6, title = $7, \
                 summary = $8, body = $9, meta = $10, published_at = $11, updated_at = $12, subtype = $13",
            )
            .bind(c.org.0)
            .bind(c.kind.as_str())
            .bind(c.slug.as_str())
            .bind(c.status.as_str())
            .bind(c.date.map(|d| d.0))
            .bind(c.position)
            .bind(json_text(&c.title))
            .bind(json_text(&c.summary))
            .bind(json_text(&c.body))
            .bind(c.meta.to_string())
            .bind(published_at)
            .bind(now)
            .bind(&c.subtype)
            .execute(&mut *tx)
            .await?;
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: if before.is_some() { "content.update" } else { "content.create" },
                subject: format!("{}:{}", c.kind, c.slug),
                org_id: Some(c.org),
                before: before.as_ref().map(json_text),
                after: Some(json_text(c)),
            })?;
            tx.commit().await?;
        });
        self.content_item(c.org, c.kind, &c.slug, true)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("{} {}", c.kind, c.slug)))
    }

    /// One item by its address; unpublished items only when asked for.
    pub async fn content_item(
        &self,
        org: OrgId,
        kind: ContentKind,
        slug: &ItemSlug,
        include_unpublished: bool,
    ) -> Result<Option<ContentItem>> {
        on_pool!(self, pool => {
            let sql = format!(
                "SELECT {COLUMNS} FROM content_items WHERE org_id = $1 AND kind = $2 AND slug = $3 AND ($4 OR status = 'published')"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .bind(kind.as_str())
                .bind(slug.as_str())
                .bind(include_unpublished)
                .fetch_optional(pool)
                .await?
                .map(|r| item_from_row!(&r))
                .transpose()
        })
    }

    /// A page of items, newest date first (then by position), and how many match in all.
    pub async fn list_content(&self, q: &ContentQuery) -> Result<(Vec<ContentItem>, i64)> {
        let limit = i64::from(q.limit.clamp(1, 500));
        let offset = i64::from(q.offset);
        on_pool!(self, pool => {
            let filter = "kind = $1 AND ($2 IS NULL OR org_id = $2) AND ($3 IS NULL OR date >= $3) \
                          AND ($4 IS NULL OR date < $4) AND ($5 OR status = 'published') \
                          AND ($8 IS NULL OR subtype = $8)";
            let sql = format!(
                "SELECT {COLUMNS} FROM content_items WHERE {filter} \
                 ORDER BY date DESC NULLS LAST, position ASC, id DESC LIMIT $6 OFFSET $7"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(q.kind.as_str())
                .bind(q.org.map(|o| o.0))
                .bind(q.from.map(|d| d.0))
                .bind(q.to.map(|d| d.0))
                .bind(q.include_unpublished)
                .bind(limit)
                .bind(offset)
                .bind(q.subtype.as_deref())
                .fetch_all(pool)
                .await?;
            let items = rows.iter().map(|r| item_from_row!(r)).collect::<Result<Vec<_>>>()?;
            let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM content_items WHERE {filter}")))
                .bind(q.kind.as_str())
                .bind(q.org.map(|o| o.0))
                .bind(q.from.map(|d| d.0))
                .bind(q.to.map(|d| d.0))
                .bind(q.include_unpublished)
                .bind(limit)
                .bind(offset)
                .bind(q.subtype.as_deref())
                .fetch_one(pool)
                .await?
                .try_get("n")?;
            Ok((items, total))
        })
    }

    /// Attaches a file to an item; a second file of the same name is a conflict. Audited.
    pub async fn add_attachment(
        &self,
        item: &ContentItem,
        a: &NewAttachment,
        actor: &Actor,
    ) -> Result<()> {
        if a.data.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::Corrupt(format!(
                "attachment larger than {MAX_ATTACHMENT_BYTES} bytes"
            )));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO attachments (content_id, lang, filename, media_type, size, sha256, data, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(item.id)
            .bind(a.lang.map(|l| l.to_string()))
            .bind(a.filename.as_str())
            .bind(&a.media_type)
            .bind(a.data.len() as i64)
            .bind(&a.sha256)
            .bind(&a.data)
            .bind(Millis::now().0)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("attachment {}", a.filename)),
                other => other,
            })?;
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "attachment.add",
                subject: format!("{}:{}/{}", item.kind, item.slug, a.filename),
                org_id: Some(item.org),
                before: None,
                after: Some(serde_json::json!({"size": a.data.len(), "sha256": a.sha256, "media_type": a.media_type}).to_string()),
            })?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The files attached to an item, by name.
    pub async fn attachments(&self, content_id: i64) -> Result<Vec<AttachmentInfo>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT filename, lang, media_type, size, sha256 FROM attachments WHERE content_id = $1 ORDER BY filename")
                .bind(content_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| attachment_info(r.try_get("filename")?, r.try_get("lang")?, r.try_get("media_type")?, r.try_get("size")?, r.try_get("sha256")?))
                .collect()
        })
    }

    /// One attached file with its bytes, looked up by exact name (never used as a path).
    pub async fn attachment(
        &self,
        content_id: i64,
        filename: &FileName,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT filename, lang, media_type, size, sha256, data FROM attachments WHERE content_id = $1 AND filename = $2",
            )
            .bind(content_id)
            .bind(filename.as_str())
            .fetch_optional(pool)
            .await?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let info = attachment_info(r.try_get("filename")?, r.try_get("lang")?, r.try_get("media_type")?, r.try_get("size")?, r.try_get("sha256")?)?;
                    Ok(Some((info, r.try_get::<Vec<u8>, _>("data")?)))
                }
            }
        })
    }

    /// Every item (whatever its status) changed at or after `since`, oldest change first, at most `limit`:
    /// what a search index or another follower needs to catch up.
    pub async fn content_changed_since(
        &self,
        since: Millis,
        limit: u32,
    ) -> Result<Vec<ContentItem>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM content_items WHERE updated_at >= $1 ORDER BY updated_at, id LIMIT $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(since.0)
                .bind(i64::from(limit.clamp(1, 100_000)))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| item_from_row!(r))
                .collect()
        })
    }

    /// How many content items there are, whatever their status.
    pub async fn content_count(&self) -> Result<u64> {
        on_pool!(self, pool => {
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM content_items").fetch_one(pool).await?.try_get("n")?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    /// A number that grows with every content change on any node.
    pub async fn content_version(&self) -> Result<i64> {
        on_pool!(self, pool => {
            Ok(sqlx::query("SELECT version FROM content_version WHERE id = 1")
                .fetch_one(pool)
                .await?
                .try_get("version")?)
        })
    }
}

fn attachment_info(
    filename: &str,
    lang: Option<String>,
    media_type: String,
    size: i64,
    sha256: String,
) -> Result<AttachmentInfo> {
    let corrupt = |e: egov_core::ParseError| StoreError::Corrupt(e.to_string());
    Ok(AttachmentInfo {
        filename: FileName::parse(filename).map_err(corrupt)?,
        lang: lang.map(|l| Lang::parse(&l)).transpose().map_err(corrupt)?,
        media_type,
        size,
        sha256,
    })
}
