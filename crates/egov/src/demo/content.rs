//! The demo sites' content: each agency file's profile, leadership, structure, news, documents (with their
//! files in every language), vacancies, events, free pages and e-service links, stored as a CMS would store
//! them — HTML sanitized on the way in.

use anyhow::Context;
use egov_core::clock::Millis;
use egov_core::{ContentKind, FileName, ItemSlug, Lang, Localized, OrgId, Status};
use egov_portal::sanitize::clean_html;
use egov_store::{Actor, NewAttachment, NewContent, Store};
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
pub(super) struct Site {
    #[serde(default)]
    description: Localized,
    #[serde(default)]
    contacts: serde_json::Value,
    #[serde(default)]
    leadership: Vec<Leader>,
    #[serde(default)]
    structure: Vec<Unit>,
    #[serde(default)]
    news: Vec<News>,
    #[serde(default)]
    documents: Vec<Document>,
    #[serde(default)]
    vacancies: Vec<Vacancy>,
    #[serde(default)]
    events: Vec<Event>,
    #[serde(default)]
    pages: Vec<Page>,
    #[serde(default)]
    services: Vec<Service>,
}

#[derive(Deserialize)]
struct Leader {
    name: Localized,
    position: Localized,
    bio: Localized,
    #[serde(default)]
    sample: bool,
}

#[derive(Deserialize)]
struct Unit {
    name: Localized,
    kind: String,
    description: Localized,
}

#[derive(Deserialize)]
struct News {
    slug: ItemSlug,
    date: String,
    kind: String,
    title: Localized,
    summary: Localized,
    body: Localized,
}

#[derive(Deserialize)]
struct Document {
    slug: ItemSlug,
    kind: String,
    number: String,
    date: String,
    signatory: Localized,
    title: Localized,
    body: Localized,
    attachment: Option<AttachmentText>,
}

#[derive(Deserialize)]
struct AttachmentText {
    filename: String,
    text: Localized,
}

#[derive(Deserialize)]
struct Vacancy {
    slug: ItemSlug,
    title: Localized,
    description: Localized,
    deadline: String,
}

#[derive(Deserialize)]
struct Event {
    slug: ItemSlug,
    date: String,
    title: Localized,
    description: Localized,
    place: Localized,
}

#[derive(Deserialize)]
struct Page {
    slug: ItemSlug,
    title: Localized,
    body: Localized,
}

#[derive(Deserialize)]
struct Service {
    title: Localized,
    description: Localized,
    url: String,
}

/// Sanitized HTML per language; plain text becomes one paragraph.
fn html(l: &Localized) -> Localized {
    let mut out = Localized::new();
    for lang in l.langs() {
        let text = l.get(lang).unwrap_or_default();
        let markup = if text.trim_start().starts_with('<') {
            text.to_owned()
        } else {
            format!("<p>{text}</p>")
        };
        out.set(lang, clean_html(&markup));
    }
    out
}

fn day(s: &str) -> anyhow::Result<Millis> {
    Millis::parse_ymd(s).with_context(|| format!("demo date {s:?}"))
}

fn numbered(prefix: &str, i: usize) -> anyhow::Result<ItemSlug> {
    Ok(ItemSlug::parse(&format!("{prefix}-{}", i + 1))?)
}

struct Writer<'a> {
    store: &'a Store,
    org: OrgId,
}

impl Writer<'_> {
    #[allow(clippy::too_many_arguments)]
    async fn put(
        &self,
        kind: ContentKind,
        slug: ItemSlug,
        subtype: &str,
        date: Option<Millis>,
        position: usize,
        title: Localized,
        summary: Localized,
        body: Localized,
        meta: serde_json::Value,
    ) -> anyhow::Result<egov_store::ContentItem> {
        let c = NewContent {
            org: self.org,
            kind,
            slug,
            subtype: subtype.to_owned(),
            status: Status::Published,
            date,
            position: i64::try_from(position).unwrap_or(0),
            title,
            summary,
            body,
            meta,
        };
        Ok(self.store.put_content(&c, &Actor::System).await?)
    }
}

/// Stores one agency's site.
pub(super) async fn load_site(store: &Store, org: OrgId, site: Site) -> anyhow::Result<()> {
    let w = Writer { store, org };
    store
        .set_organization_profile(org, &site.description, &site.contacts, &Actor::System)
        .await?;
    for (i, l) in site.leadership.into_iter().enumerate() {
        let meta = serde_json::json!({ "position": l.position, "sample": l.sample });
        w.put(
            ContentKind::Leader,
            numbered("leader", i)?,
            "",
            None,
            i,
            l.name,
            Localized::new(),
            html(&l.bio),
            meta,
        )
        .await?;
    }
    for (i, u) in site.structure.into_iter().enumerate() {
        w.put(
            ContentKind::Unit,
            numbered("unit", i)?,
            &u.kind,
            None,
            i,
            u.name,
            u.description,
            Localized::new(),
            serde_json::json!({}),
        )
        .await?;
    }
    for n in site.news {
        w.put(
            ContentKind::News,
            n.slug,
            &n.kind,
            Some(day(&n.date)?),
            0,
            n.title,
            n.summary,
            html(&n.body),
            serde_json::json!({}),
        )
        .await?;
    }
    for d in site.documents {
        let meta = serde_json::json!({ "number": d.number, "signatory": d.signatory });
        let item = w
            .put(
                ContentKind::Document,
                d.slug,
                &d.kind,
                Some(day(&d.date)?),
                0,
                d.title,
                Localized::new(),
                html(&d.body),
                meta,
            )
            .await?;
        if let Some(a) = d.attachment {
            attach_per_language(store, &item, &a).await?;
        }
    }
    for v in site.vacancies {
        w.put(
            ContentKind::Vacancy,
            v.slug,
            "",
            Some(day(&v.deadline)?),
            0,
            v.title,
            Localized::new(),
            html(&v.description),
            serde_json::json!({"sample": true}),
        )
        .await?;
    }
    for e in site.events {
        let meta = serde_json::json!({ "place": e.place });
        w.put(
            ContentKind::Event,
            e.slug,
            "",
            Some(day(&e.date)?),
            0,
            e.title,
            Localized::new(),
            html(&e.description),
            meta,
        )
        .await?;
    }
    for p in site.pages {
        w.put(
            ContentKind::Page,
            p.slug,
            "",
            None,
            0,
            p.title,
            Localized::new(),
            html(&p.body),
            serde_json::json!({}),
        )
        .await?;
    }
    for (i, s) in site.services.into_iter().enumerate() {
        w.put(
            ContentKind::Service,
            numbered("service", i)?,
            "",
            None,
            i,
            s.title,
            Localized::new(),
            html(&s.description),
            serde_json::json!({"url": s.url}),
        )
        .await?;
    }
    Ok(())
}

/// One text file per language: `order-2024-17.txt` becomes `order-2024-17-tg.txt`, `…-ru.txt`, `…-en.txt`.
async fn attach_per_language(
    store: &Store,
    item: &egov_store::ContentItem,
    a: &AttachmentText,
) -> anyhow::Result<()> {
    let (stem, ext) = a
        .filename
        .rsplit_once('.')
        .unwrap_or((a.filename.as_str(), "txt"));
    let langs: Vec<Lang> = a.text.langs().collect();
    for lang in langs {
        let text = a.text.get(lang).unwrap_or_default();
        let data = text.as_bytes().to_vec();
        let attachment = NewAttachment {
            filename: FileName::parse(&format!("{stem}-{lang}.{ext}"))?,
            lang: Some(lang),
            media_type: "text/plain; charset=utf-8".into(),
            sha256: hex_digest(&data),
            data,
        };
        store
            .add_attachment(item, &attachment, &Actor::System)
            .await?;
    }
    Ok(())
}

fn hex_digest(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
