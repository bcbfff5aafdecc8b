//! Keeps the search index in step with the store: a full rebuild (`egov reindex`, or at start when the index
//! is missing or unusable) and incremental catch-up after every content change.
//!
//! The index's commit remembers a watermark — the latest `updated_at` it has seen — so after a restart only
//! what changed meanwhile is read again. Re-reading the items of the watermark's own millisecond is harmless:
//! replacing an item is idempotent.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use egov_core::clock::Millis;
use egov_core::{ContentKind, Lang, OrgId, Status};
use egov_search::{SearchDoc, SearchIndex, plain_text};
use egov_store::{ContentItem, Store};

const BATCH: u32 = 20_000;
const OVERLAP_MS: i64 = 5_000;

/// The documents an item contributes: one per language its title exists in; none unless published.
pub fn docs_for(item: &ContentItem, agency: &str) -> Vec<SearchDoc> {
    if item.status != Status::Published {
        return vec![];
    }
    let langs: Vec<Lang> = item.title.langs().collect();
    langs
        .into_iter()
        .map(|lang| {
            let url = url_of(item, agency, lang);
            let body = [item.summary.get(lang), item.body.get(lang)]
                .into_iter()
                .flatten()
                .map(plain_text)
                .collect::<Vec<_>>()
                .join(" ");
            SearchDoc {
                key: key_of(item, agency),
                agency: agency.to_owned(),
                kind: item.kind.to_string(),
                lang,
                title: item.title.get(lang).unwrap_or_default().to_owned(),
                body,
                url,
                date: item.date.map(|d| d.0),
            }
        })
        .collect()
}

/// Where an item is read on the portal in `lang`: its own page, or its section's for kinds listed there.
pub fn url_of(item: &ContentItem, agency: &str, lang: Lang) -> String {
    let section = egov_portal::view::section_of(item.kind);
    match item.kind {
        ContentKind::News | ContentKind::Document | ContentKind::Page => {
            format!("/{lang}/{agency}/{section}/{}", item.slug)
        }
        _ => format!("/{lang}/{agency}/{section}"),
    }
}

pub fn key_of(item: &ContentItem, agency: &str) -> String {
    format!("{}:{agency}:{}", item.kind, item.slug)
}

fn watermark(index: &SearchIndex) -> Option<Millis> {
    index.watermark().and_then(|w| w.parse().ok()).map(Millis)
}

/// Indexes everything changed since the index's watermark; returns how many items were read.
pub async fn catch_up(store: &Store, index: &Arc<SearchIndex>) -> anyhow::Result<usize> {
    catch_up_with(store, index, &mut |_| {}).await
}

async fn catch_up_with(
    store: &Store,
    index: &Arc<SearchIndex>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> anyhow::Result<usize> {
    let slugs: HashMap<OrgId, String> = store
        .organizations()
        .await?
        .into_iter()
        .map(|o| (o.id, o.slug.to_string()))
        .collect();
    // Re-read a few seconds before the watermark: a writer that took its timestamp earlier but committed later
    // (or a node whose clock runs slightly behind) is still caught. Replacing an item twice is harmless.
    let mut since =
        watermark(index).map_or(Millis(0), |w| Millis(w.0.saturating_sub(OVERLAP_MS).max(0)));
    let mut read = 0;
    loop {
        let items = store.content_changed_since(since, BATCH).await?;
        let full = items.len() == BATCH as usize;
        let Some(last) = items.last().map(|i| i.updated_at) else {
            break;
        };
        let ix = index.clone();
        let n = items.len();
        let slugs_for_batch = slugs.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            for item in &items {
                let Some(agency) = slugs_for_batch.get(&item.org) else {
                    continue;
                };
                ix.replace(&key_of(item, agency), &docs_for(item, agency))?;
            }
            ix.commit(&last.0.to_string())?;
            Ok(())
        })
        .await
        .context("indexing task")??;
        read += n;
        progress(n);
        // A full batch whose items all share one millisecond would repeat forever; step past it.
        since = if full && last == since {
            Millis(last.0 + 1)
        } else {
            last
        };
        if !full {
            break;
        }
    }
    Ok(read)
}

/// Empties the index and indexes every item again.
pub async fn rebuild(
    store: &Store,
    index: &Arc<SearchIndex>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> anyhow::Result<usize> {
    let ix = index.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        ix.clear()?;
        ix.commit("0")?;
        Ok(())
    })
    .await
    .context("indexing task")??;
    catch_up_with(store, index, progress).await
}

#[cfg(test)]
mod tests {
    use egov_core::{ItemSlug, Localized, OrgId};

    use super::*;

    fn item(status: Status) -> ContentItem {
        ContentItem {
            id: 1,
            org: OrgId(1),
            kind: ContentKind::News,
            slug: ItemSlug::parse("a-story").unwrap(),
            subtype: "news".into(),
            status,
            date: Millis::parse_ymd("2024-08-22"),
            position: 0,
            title: Localized::new()
                .with(Lang::TG, "Хабар")
                .with(Lang::EN, "Story"),
            summary: Localized::new().with(Lang::EN, "Summary"),
            body: Localized::new().with(Lang::EN, "<p>Body &amp; more</p>"),
            meta: serde_json::json!({}),
            published_at: None,
            updated_at: Millis(5),
        }
    }

    #[test]
    fn one_document_per_language_of_a_published_item() {
        let docs = docs_for(&item(Status::Published), "mfa");
        assert_eq!(docs.len(), 2);
        let en = docs.iter().find(|d| d.lang == Lang::EN).unwrap();
        assert_eq!(en.url, "/en/mfa/news/a-story");
        assert_eq!(en.body, "Summary Body & more");
        assert_eq!(en.key, "news:mfa:a-story");
        assert!(docs_for(&item(Status::Draft), "mfa").is_empty());
        assert!(docs_for(&item(Status::Archived), "mfa").is_empty());
    }
}
