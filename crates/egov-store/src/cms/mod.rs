//! Editorial work on content items: every save is a numbered revision, and the newest revision moves
//! through the workflow (draft → in review → published now or scheduled → archived; unpublish takes an item
//! off the site). The item's row keeps what the public sees; a newer revision waits beside it until a
//! reviewer approves it. The store keeps the workflow's rules — a reviewer never approves their own
//! revision, a state changes only from the state it was read in — and the portal checks who acts for which
//! agency.

use egov_core::clock::Millis;
use egov_core::{ContentKind, ItemSlug, Lang, Localized, OrgId, Status, UserId, Workflow};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, Change, write_audit};
use crate::content::{COLUMNS, item_from_row};
use crate::{ContentItem, Result, Store, StoreError, from_json, json_text, on_pool};

/// What an editor saves: every field of an item but its address. `body` is sanitized HTML rendered from
/// `source` (what the editor typed, kept so the next edit starts from it).
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    pub subtype: String,
    pub date: Option<Millis>,
    pub title: Localized,
    pub summary: Localized,
    pub body: Localized,
    pub source: Localized,
    pub meta: serde_json::Value,
    /// The editor's word on the change ("fixed the date"), shown in the history.
    pub note: String,
}

/// Who writes a revision: the account and the name the history shows.
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub id: UserId,
    pub name: &'a str,
}

/// One saved version of an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revision {
    pub number: i64,
    pub subtype: String,
    pub date: Option<Millis>,
    pub title: Localized,
    pub summary: Localized,
    pub body: Localized,
    pub source: Localized,
    pub meta: serde_json::Value,
    pub author_id: Option<UserId>,
    pub author: String,
    pub note: String,
    pub created_at: Millis,
}

/// An item with where it stands in the workflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditorialItem {
    pub item: ContentItem,
    pub workflow: Workflow,
    /// The newest revision's number (0 for an item loaded before the CMS, with no revision yet).
    pub head_rev: i64,
    /// The revision the public sees, if any.
    pub live_rev: Option<i64>,
    pub publish_at: Option<Millis>,
    /// The reviewer's comment when the item was sent back.
    pub review_note: String,
}

/// How recently an agency's site changed: its newest published news, and its newest change elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freshness {
    pub org: OrgId,
    pub last_news: Option<Millis>,
    pub last_other: Option<Millis>,
}

const EDITORIAL: &str = "workflow, head_rev, live_rev, publish_at, review_note";
const REVISION: &str = "number, subtype, date, title, summary, body, source, meta, author_id, author, note, created_at";

macro_rules! editorial_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(EditorialItem {
            item: item_from_row!(r)?,
            workflow: Workflow::parse(r.try_get("workflow")?).map_err(crate::corrupt)?,
            head_rev: r.try_get("head_rev")?,
            live_rev: r.try_get("live_rev")?,
            publish_at: r.try_get::<Option<i64>, _>("publish_at")?.map(Millis),
            review_note: r.try_get("review_note")?,
        })
    }};
}

macro_rules! revision_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, StoreError>(Revision {
            number: r.try_get("number")?,
            subtype: r.try_get("subtype")?,
            date: r.try_get::<Option<i64>, _>("date")?.map(Millis),
            title: from_json("revision title", r.try_get("title")?)?,
            summary: from_json("revision summary", r.try_get("summary")?)?,
            body: from_json("revision body", r.try_get("body")?)?,
            source: from_json("revision source", r.try_get("source")?)?,
            meta: from_json("revision meta", r.try_get("meta")?)?,
            author_id: r.try_get::<Option<i64>, _>("author_id")?.map(UserId),
            author: r.try_get("author")?,
            note: r.try_get("note")?,
            created_at: Millis(r.try_get("created_at")?),
        })
    }};
}

/// Inserts revision `$number` of item `$id` from a [`Draft`].
macro_rules! insert_revision {
    ($tx:expr, $id:expr, $number:expr, $d:expr, $author:expr, $label:expr, $now:expr) => {{
        let d: &$crate::cms::Draft = $d;
        sqlx::query(
            "INSERT INTO content_revisions (content_id, number, subtype, date, title, summary, body, source, meta, \
             author_id, author, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind($id)
        .bind($number)
        .bind(&d.subtype)
        .bind(d.date.map(|t| t.0))
        .bind($crate::json_text(&d.title))
        .bind($crate::json_text(&d.summary))
        .bind($crate::json_text(&d.body))
        .bind($crate::json_text(&d.source))
        .bind(d.meta.to_string())
        .bind($author.map(|u: UserId| u.0))
        .bind($label)
        .bind(&d.note)
        .bind($now)
        .execute(&mut *$tx)
        .await
    }};
}

/// Writes a draft's fields into the item's row (what lists and, once published, the public see).
macro_rules! copy_to_row {
    ($tx:expr, $id:expr, $d:expr, $now:expr) => {{
        let d: &$crate::cms::Draft = $d;
        sqlx::query(
            "UPDATE content_items SET subtype = $2, date = $3, title = $4, summary = $5, body = $6, meta = $7, \
             updated_at = $8 WHERE id = $1",
        )
        .bind($id)
        .bind(&d.subtype)
        .bind(d.date.map(|t| t.0))
        .bind($crate::json_text(&d.title))
        .bind($crate::json_text(&d.summary))
        .bind($crate::json_text(&d.body))
        .bind(d.meta.to_string())
        .bind($now)
        .execute(&mut *$tx)
        .await
    }};
}

impl Draft {
    /// The draft an item's current row amounts to (for items that predate revisions).
    pub fn of_item(item: &ContentItem, note: &str) -> Draft {
        Draft {
            subtype: item.subtype.clone(),
            date: item.date,
            title: item.title.clone(),
            summary: item.summary.clone(),
            body: item.body.clone(),
            source: item.body.clone(),
            meta: item.meta.clone(),
            note: note.to_owned(),
        }
    }

    fn of_revision(r: &Revision, note: String) -> Draft {
        Draft {
            subtype: r.subtype.clone(),
            date: r.date,
            title: r.title.clone(),
            summary: r.summary.clone(),
            body: r.body.clone(),
            source: r.source.clone(),
            meta: r.meta.clone(),
            note,
        }
    }
}

mod workflow;

fn refused(why: impl Into<String>) -> StoreError {
    StoreError::Refused(why.into())
}

impl Store {
    /// A new item in `draft`, with its first revision. The address (organization, kind, slug) must be free.
    pub async fn create_draft(
        &self,
        org: OrgId,
        kind: ContentKind,
        slug: &ItemSlug,
        draft: &Draft,
        author: Author<'_>,
        actor: &Actor,
    ) -> Result<i64> {
        if draft.title.is_empty() {
            return Err(refused("a content item needs a title"));
        }
        if self.content_item(org, kind, slug, true).await?.is_some() {
            return Err(StoreError::Conflict(format!("{kind} {slug}")));
        }
        let now = Millis::now().0;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO content_items (org_id, kind, slug, subtype, status, date, position, title, summary, body, \
                 meta, created_at, updated_at, workflow, head_rev) \
                 VALUES ($1, $2, $3, $4, 'draft', $5, 0, $6, $7, $8, $9, $10, $10, 'draft', 1) RETURNING id",
            )
            .bind(org.0)
            .bind(kind.as_str())
            .bind(slug.as_str())
            .bind(&draft.subtype)
            .bind(draft.date.map(|t| t.0))
            .bind(json_text(&draft.title))
            .bind(json_text(&draft.summary))
            .bind(json_text(&draft.body))
            .bind(draft.meta.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            insert_revision!(tx, id, 1i64, draft, Some(author.id), author.name, now)?;
            write_audit!(&mut *tx, actor, Change {
                action: "content.create",
                subject: format!("{kind}:{slug}"),
                org_id: Some(org),
                before: None,
                after: Some(serde_json::json!({"revision": 1, "title": draft.title}).to_string()),
            })?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Saves a new revision of item `id`. `expected_head` is the revision the editor started from: if
    /// someone saved since, the save is refused (nothing is overwritten unseen). The newest revision
    /// becomes a draft — or goes to review with `submit` — and a schedule is cancelled. An item's first
    /// save under the CMS keeps its earlier text as revision 1.
    pub async fn save_revision(
        &self,
        id: i64,
        expected_head: i64,
        draft: &Draft,
        submit: bool,
        author: Author<'_>,
        actor: &Actor,
    ) -> Result<i64> {
        if draft.title.is_empty() {
            return Err(refused("a content item needs a title"));
        }
        let current = self
            .editorial_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("content item {id}")))?;
        if current.head_rev != expected_head {
            return Err(refused(format!(
                "revision {} was saved while you edited revision {expected_head}; open the item again",
                current.head_rev
            )));
        }
        let now = Millis::now().0;
        let workflow = if submit {
            Workflow::InReview
        } else {
            Workflow::Draft
        };
        let live = current.item.status == Status::Published;
        let mut number = current.head_rev + 1;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if current.head_rev == 0 {
                let earlier = Draft::of_item(&current.item, "before the first edit");
                insert_revision!(tx, id, 1i64, &earlier, None::<UserId>, "(imported)", current.item.updated_at.0)?;
                number = 2;
            }
            insert_revision!(tx, id, number, draft, Some(author.id), author.name, now)?;
            let moved = sqlx::query(
                "UPDATE content_items SET head_rev = $2, workflow = $3, publish_at = NULL, \
                 live_rev = CASE WHEN live_rev IS NULL AND status = 'published' THEN 1 ELSE live_rev END, \
                 review_note = CASE WHEN $4 THEN '' ELSE review_note END, \
                 updated_at = CASE WHEN status = 'published' THEN updated_at ELSE $5 END \
                 WHERE id = $1 AND head_rev = $6 AND status = $7",
            )
            .bind(id)
            .bind(number)
            .bind(workflow.as_str())
            .bind(submit)
            .bind(now)
            .bind(expected_head)
            // A reviewer's approval in between changes the status: then this draft must not reach the row.
            .bind(current.item.status.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Err(refused("another revision was saved at the same moment; open the item again"));
            }
            if !live {
                copy_to_row!(tx, id, draft, now)?;
            }
            write_audit!(&mut *tx, actor, Change {
                action: if submit { "content.submit" } else { "content.update" },
                subject: format!("{}:{}", current.item.kind, current.item.slug),
                org_id: Some(current.item.org),
                before: Some(serde_json::json!({"revision": current.head_rev, "workflow": current.workflow}).to_string()),
                after: Some(serde_json::json!({"revision": number, "workflow": workflow, "title": draft.title}).to_string()),
            })?;
            tx.commit().await?;
        });
        Ok(number)
    }

    /// Saves an old revision's text again as the newest revision (a draft); nothing is lost.
    pub async fn restore_revision(
        &self,
        id: i64,
        number: i64,
        expected_head: i64,
        author: Author<'_>,
        actor: &Actor,
    ) -> Result<i64> {
        let old = self
            .revision(id, number)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("revision {number}")))?;
        let draft = Draft::of_revision(&old, format!("restored revision {number}"));
        self.save_revision(id, expected_head, &draft, false, author, actor)
            .await
    }

    /// An item with its workflow state, by id, whatever its state.
    pub async fn editorial_item(&self, id: i64) -> Result<Option<EditorialItem>> {
        on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS}, {EDITORIAL} FROM content_items WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| editorial_from_row!(&r))
                .transpose()
        })
    }

    /// Items for the editors' lists: of these organizations (all when `None`), optionally one kind or
    /// workflow state, newest change first (at most 500), with those lacking `missing` in their title only.
    pub async fn editorial_items(
        &self,
        orgs: Option<&[OrgId]>,
        kind: Option<ContentKind>,
        workflow: Option<Workflow>,
        missing: Option<Lang>,
    ) -> Result<Vec<EditorialItem>> {
        let rows: Vec<EditorialItem> = on_pool!(self, pool => {
            // Organization ids are numbers, so they are written into the statement.
            let in_orgs = match orgs {
                Some([]) => "AND FALSE".to_owned(),
                Some(o) => format!("AND org_id IN ({})", o.iter().map(|i| i.0.to_string()).collect::<Vec<_>>().join(",")),
                None => String::new(),
            };
            let sql = format!(
                "SELECT {COLUMNS}, {EDITORIAL} FROM content_items WHERE ($1 IS NULL OR kind = $1) {in_orgs} \
                 AND (($2 IS NULL AND workflow <> 'archived') OR workflow = $2) \
                 ORDER BY updated_at DESC, id DESC LIMIT 2000"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(kind.map(ContentKind::as_str))
                .bind(workflow.map(Workflow::as_str))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| editorial_from_row!(r))
                .collect::<Result<_>>()?
        });
        Ok(rows
            .into_iter()
            .filter(|e| orgs.is_none_or(|o| o.contains(&e.item.org)))
            .filter(|e| kind.is_none_or(|k| e.item.kind == k))
            .filter(|e| missing.is_none_or(|l| e.item.title.get(l).is_none()))
            .take(500)
            .collect())
    }

    /// One revision of an item.
    pub async fn revision(&self, id: i64, number: i64) -> Result<Option<Revision>> {
        on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {REVISION} FROM content_revisions WHERE content_id = $1 AND number = $2"
            )))
            .bind(id)
            .bind(number)
            .fetch_optional(pool)
            .await?
            .map(|r| revision_from_row!(&r))
            .transpose()
        })
    }

    /// Every revision of an item, newest first.
    pub async fn revisions(&self, id: i64) -> Result<Vec<Revision>> {
        on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {REVISION} FROM content_revisions WHERE content_id = $1 ORDER BY number DESC"
            )))
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| revision_from_row!(r))
            .collect()
        })
    }

    /// For each organization: when its newest published news went live, and when any other published
    /// section last changed.
    pub async fn freshness(&self) -> Result<Vec<Freshness>> {
        on_pool!(self, pool => {
            sqlx::query(
                "SELECT o.id AS org_id, \
                 MAX(CASE WHEN c.kind = 'news' THEN COALESCE(c.published_at, c.updated_at) END) AS last_news, \
                 MAX(CASE WHEN c.kind <> 'news' THEN c.updated_at END) AS last_other \
                 FROM organizations o LEFT JOIN content_items c ON c.org_id = o.id AND c.status = 'published' \
                 GROUP BY o.id ORDER BY o.id",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Freshness {
                    org: OrgId(r.try_get("org_id")?),
                    last_news: r.try_get::<Option<i64>, _>("last_news")?.map(Millis),
                    last_other: r.try_get::<Option<i64>, _>("last_other")?.map(Millis),
                })
            })
            .collect()
        })
    }
}
