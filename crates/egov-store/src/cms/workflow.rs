//! The workflow's steps on an item: to review, back to its editor, approved (now or at a time), live,
//! off the site, archived. Each step changes only an item still in the state it was read in, so two people
//! (or two nodes) acting at once cannot both succeed.

use egov_core::clock::Millis;
use egov_core::{ContentKind, Status, UserId, Workflow};
use sqlx::Row;

use super::{Draft, EditorialItem, Revision, refused};
use crate::audit::{Actor, Change, write_audit};
use crate::{Result, Store, StoreError, bump_version, on_pool};

impl Store {
    /// Moves item `id` from `from` to `to`, or refuses if it is no longer in `from`. Audited.
    async fn transition(
        &self,
        id: i64,
        from: &[Workflow],
        to: Workflow,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<EditorialItem> {
        let current = self
            .editorial_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("content item {id}")))?;
        if !from.contains(&current.workflow) {
            return Err(refused(format!(
                "the item is {}, so it cannot become {to}",
                current.workflow
            )));
        }
        let now = Millis::now().0;
        // Going off the site (unpublish, archive) changes what the public sees.
        let status = match to {
            Workflow::Archived => Some(Status::Archived),
            Workflow::Draft if current.item.status == Status::Published && note.is_none() => {
                Some(Status::Draft)
            }
            _ => None,
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE content_items SET workflow = $2, status = COALESCE($3, status), \
                 live_rev = CASE WHEN $3 IS NULL THEN live_rev ELSE NULL END, \
                 review_note = COALESCE($4, review_note), publish_at = NULL, \
                 updated_at = CASE WHEN $3 IS NULL AND status = 'published' THEN updated_at ELSE $5 END \
                 WHERE id = $1 AND workflow = $6",
            )
            .bind(id)
            .bind(to.as_str())
            .bind(status.map(Status::as_str))
            .bind(note)
            .bind(now)
            .bind(current.workflow.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Err(refused("the item changed at the same moment; open it again"));
            }
            if status.is_some() {
                bump_version!(&mut *tx)?;
            }
            write_audit!(&mut *tx, actor, Change {
                action: match (to, status) {
                    (Workflow::InReview, _) => "content.submit",
                    (Workflow::Archived, _) => "content.archive",
                    (Workflow::Draft, Some(_)) => "content.unpublish",
                    _ => "content.send-back",
                },
                subject: format!("{}:{}", current.item.kind, current.item.slug),
                org_id: Some(current.item.org),
                before: Some(serde_json::json!({"workflow": current.workflow}).to_string()),
                after: Some(serde_json::json!({"workflow": to, "note": note}).to_string()),
            })?;
            tx.commit().await?;
        });
        self.editorial_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("content item {id}")))
    }

    /// Sends the newest draft to review.
    pub async fn submit_for_review(&self, id: i64, actor: &Actor) -> Result<EditorialItem> {
        if self
            .editorial_item(id)
            .await?
            .is_some_and(|e| e.head_rev == 0)
        {
            return Err(refused("save the item once before sending it to review"));
        }
        self.transition(id, &[Workflow::Draft], Workflow::InReview, None, actor)
            .await
    }

    /// A reviewer returns the revision in review to its editor, with a comment.
    pub async fn send_back(&self, id: i64, note: &str, actor: &Actor) -> Result<EditorialItem> {
        if note.trim().is_empty() {
            return Err(refused("say what should change"));
        }
        self.transition(
            id,
            &[Workflow::InReview],
            Workflow::Draft,
            Some(note),
            actor,
        )
        .await
    }

    /// Takes a live item off the site (its text stays, as a draft).
    pub async fn unpublish(&self, id: i64, actor: &Actor) -> Result<EditorialItem> {
        let current = self
            .editorial_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("content item {id}")))?;
        if current.item.status != Status::Published {
            return Err(refused("the item is not on the site"));
        }
        self.transition(id, &[current.workflow], Workflow::Draft, None, actor)
            .await
    }

    /// Withdraws an item for good: off the site, kept with its history.
    pub async fn archive(&self, id: i64, actor: &Actor) -> Result<EditorialItem> {
        self.transition(
            id,
            &[
                Workflow::Draft,
                Workflow::InReview,
                Workflow::Scheduled,
                Workflow::Published,
            ],
            Workflow::Archived,
            None,
            actor,
        )
        .await
    }

    /// A reviewer approves the revision in review: it goes live now, or at `publish_at` when that is later.
    /// Nobody approves a revision they wrote.
    pub async fn approve(
        &self,
        id: i64,
        reviewed: i64,
        reviewer: UserId,
        publish_at: Option<Millis>,
        actor: &Actor,
    ) -> Result<EditorialItem> {
        let current = self
            .editorial_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("content item {id}")))?;
        if current.head_rev != reviewed {
            return Err(refused(format!(
                "revision {} was saved after the revision {reviewed} you reviewed; read it first",
                current.head_rev
            )));
        }
        if current.workflow != Workflow::InReview {
            return Err(refused(format!(
                "the item is {}, not in review",
                current.workflow
            )));
        }
        let revisions = self.revisions(id).await?;
        let head = revisions
            .iter()
            .find(|r| r.number == current.head_rev)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(format!("revision {}", current.head_rev)))?;
        // Four eyes: nobody approves text they wrote, in any revision since the one on the site.
        let since = current.live_rev.unwrap_or(0);
        let wrote = revisions
            .iter()
            .any(|r| r.number > since && r.author_id == Some(reviewer));
        if wrote {
            return Err(refused(
                "you wrote this revision; another reviewer must approve it",
            ));
        }
        let now = Millis::now();
        match publish_at {
            Some(at) if at > now => {
                on_pool!(self, pool => {
                    let mut tx = pool.begin().await?;
                    let moved = sqlx::query(
                        "UPDATE content_items SET workflow = 'scheduled', publish_at = $2 \
                         WHERE id = $1 AND workflow = 'in-review' AND head_rev = $3",
                    )
                    .bind(id)
                    .bind(at.0)
                    .bind(current.head_rev)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if moved != 1 {
                        return Err(refused("the item changed at the same moment; open it again"));
                    }
                    write_audit!(&mut *tx, actor, Change {
                        action: "content.schedule",
                        subject: format!("{}:{}", current.item.kind, current.item.slug),
                        org_id: Some(current.item.org),
                        before: Some(serde_json::json!({"workflow": current.workflow}).to_string()),
                        after: Some(serde_json::json!({"workflow": "scheduled", "revision": head.number, "publish_at": at.0}).to_string()),
                    })?;
                    tx.commit().await?;
                });
            }
            _ => {
                self.go_live(&current, &head, Workflow::InReview, actor)
                    .await?
            }
        }
        self.editorial_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("content item {id}")))
    }

    /// Puts revision `head` on the site, if the item is still in `from` at that revision.
    async fn go_live(
        &self,
        current: &EditorialItem,
        head: &Revision,
        from: Workflow,
        actor: &Actor,
    ) -> Result<()> {
        let now = Millis::now();
        let draft = Draft::of_revision(head, String::new());
        // News without a date keep the date they first went live (a later correction does not move them to the
        // top of the list again); the first publication is stamped with its moment.
        let draft = Draft {
            date: draft.date.or_else(|| {
                (current.item.kind == ContentKind::News).then(|| current.item.date.unwrap_or(now))
            }),
            ..draft
        };
        let id = current.item.id;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE content_items SET workflow = 'published', status = 'published', live_rev = $2, \
                 publish_at = NULL, published_at = COALESCE(published_at, $3) \
                 WHERE id = $1 AND workflow = $4 AND head_rev = $2",
            )
            .bind(id)
            .bind(head.number)
            .bind(now.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Err(refused("the item changed at the same moment; open it again"));
            }
            copy_to_row!(tx, id, &draft, now.0)?;
            bump_version!(&mut *tx)?;
            write_audit!(&mut *tx, actor, Change {
                action: "content.publish",
                subject: format!("{}:{}", current.item.kind, current.item.slug),
                org_id: Some(current.item.org),
                before: Some(serde_json::json!({"workflow": current.workflow, "live": current.live_rev}).to_string()),
                after: Some(serde_json::json!({"workflow": "published", "live": head.number}).to_string()),
            })?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Publishes every scheduled item whose time has come; returns how many. Run by each node every few
    /// seconds: an item goes live once even when several nodes try at the same moment, and items whose
    /// time passed while no node ran go live at the next start.
    pub async fn publish_due(&self, now: Millis) -> Result<usize> {
        let due: Vec<i64> = on_pool!(self, pool => {
            sqlx::query("SELECT id FROM content_items WHERE workflow = 'scheduled' AND publish_at <= $1 ORDER BY publish_at")
                .bind(now.0)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<std::result::Result<_, _>>()?
        });
        let mut done = 0;
        for id in due {
            let Some(current) = self.editorial_item(id).await? else {
                continue;
            };
            let Some(head) = self.revision(id, current.head_rev).await? else {
                continue;
            };
            match self
                .go_live(&current, &head, Workflow::Scheduled, &Actor::System)
                .await
            {
                Ok(()) => done += 1,
                // Another node published it first.
                Err(StoreError::Refused(_)) => {}
                // One broken item must not hold back the others.
                Err(e) => {
                    tracing::warn!(item = id, error = %e, "scheduled item could not be published")
                }
            }
        }
        Ok(done)
    }
}
