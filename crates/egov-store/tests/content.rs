//! Content items, attachments and organization profiles, on both backends.

#[macro_use]
mod common;

use common::org;
use egov_core::clock::Millis;
use egov_core::{ContentKind, FileName, ItemSlug, Lang, Localized, OrgId, Status};
use egov_store::{Actor, ContentQuery, NewAttachment, NewContent, Store, StoreError};

on_both_backends!(
    content_is_stored_listed_and_versioned,
    attachments_are_found_by_exact_name,
    organization_profiles
);

fn news(org: OrgId, slug: &str, date: &str, status: Status) -> NewContent {
    NewContent {
        org,
        kind: ContentKind::News,
        slug: ItemSlug::parse(slug).unwrap(),
        subtype: "press-release".into(),
        status,
        date: Millis::parse_ymd(date),
        position: 0,
        title: Localized::new()
            .with(Lang::EN, format!("News {slug}"))
            .with(Lang::TG, format!("Хабар {slug}")),
        summary: Localized::new().with(Lang::EN, "Summary"),
        body: Localized::new().with(Lang::EN, "<p>Body</p>"),
        meta: serde_json::json!({"kind": "press-release"}),
    }
}

async fn content_is_stored_listed_and_versioned(store: &Store) {
    let actor = Actor::System;
    let mfa = store
        .create_organization(&org("mfa", "020000001"), &actor)
        .await
        .unwrap();
    let tax = store
        .create_organization(&org("tax", "020000002"), &actor)
        .await
        .unwrap();
    let v0 = store.content_version().await.unwrap();
    store
        .put_content(
            &news(mfa.id, "visit", "2024-08-22", Status::Published),
            &actor,
        )
        .await
        .unwrap();
    store
        .put_content(
            &news(mfa.id, "memo", "2023-08-26", Status::Published),
            &actor,
        )
        .await
        .unwrap();
    store
        .put_content(
            &news(mfa.id, "draft-note", "2025-01-01", Status::Draft),
            &actor,
        )
        .await
        .unwrap();
    store
        .put_content(
            &news(tax.id, "e-filing", "2025-02-12", Status::Published),
            &actor,
        )
        .await
        .unwrap();
    assert!(store.content_version().await.unwrap() >= v0 + 4);

    let mut q = ContentQuery::published(ContentKind::News);
    let (all, total) = store.list_content(&q).await.unwrap();
    assert_eq!(total, 3, "drafts are not public");
    assert_eq!(
        all.iter().map(|i| i.slug.as_str()).collect::<Vec<_>>(),
        ["e-filing", "visit", "memo"]
    );
    q.org = Some(mfa.id);
    q.limit = 1;
    q.offset = 1;
    let (page, total) = store.list_content(&q).await.unwrap();
    assert_eq!((page.len(), total), (1, 2));
    assert_eq!(page[0].slug.as_str(), "memo");
    q.offset = 0;
    q.limit = 10;
    q.from = Millis::parse_ymd("2024-01-01");
    q.to = Millis::parse_ymd("2025-01-01");
    let (in_2024, _) = store.list_content(&q).await.unwrap();
    assert_eq!(in_2024.len(), 1);
    q.subtype = Some("appointment".into());
    assert_eq!(store.list_content(&q).await.unwrap().1, 0);
    q.subtype = Some("press-release".into());
    assert_eq!(store.list_content(&q).await.unwrap().1, 1);
    q.subtype = None;
    q.include_unpublished = true;
    q.from = None;
    q.to = None;
    assert_eq!(store.list_content(&q).await.unwrap().1, 3);

    let slug = ItemSlug::parse("visit").unwrap();
    let item = store
        .content_item(mfa.id, ContentKind::News, &slug, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.title.get(Lang::TG), Some("Хабар visit"));
    assert_eq!(item.meta["kind"], "press-release");
    assert_eq!(item.published_at, Millis::parse_ymd("2024-08-22"));
    assert!(
        store
            .content_item(tax.id, ContentKind::News, &slug, false)
            .await
            .unwrap()
            .is_none()
    );
    let draft = ItemSlug::parse("draft-note").unwrap();
    assert!(
        store
            .content_item(mfa.id, ContentKind::News, &draft, false)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .content_item(mfa.id, ContentKind::News, &draft, true)
            .await
            .unwrap()
            .is_some()
    );

    // Replacing keeps one item and records before and after.
    let mut changed = news(mfa.id, "visit", "2024-08-22", Status::Published);
    changed.title = Localized::new().with(Lang::EN, "Treaty signed");
    store.put_content(&changed, &actor).await.unwrap();
    assert_eq!(
        store
            .list_content(&ContentQuery::published(ContentKind::News))
            .await
            .unwrap()
            .1,
        3
    );
    let log = store.audit_entries(Some(mfa.id), 1).await.unwrap();
    assert_eq!(log[0].action, "content.update");
    assert_eq!(log[0].before.as_ref().unwrap()["title"]["en"], "News visit");

    // Followers (the search index) see every change, drafts included, oldest first.
    let changed = store.content_changed_since(Millis(0), 100).await.unwrap();
    assert_eq!(changed.len(), 4);
    assert!(
        changed
            .windows(2)
            .all(|w| w[0].updated_at <= w[1].updated_at)
    );
    assert_eq!(changed.last().unwrap().slug.as_str(), "visit");
    let later = store
        .content_changed_since(changed.last().unwrap().updated_at, 100)
        .await
        .unwrap();
    assert!(later.iter().any(|i| i.slug.as_str() == "visit"));
    assert_eq!(
        store
            .content_changed_since(Millis(0), 2)
            .await
            .unwrap()
            .len(),
        2
    );

    let mut untitled = news(mfa.id, "untitled", "2024-01-01", Status::Published);
    untitled.title = Localized::new();
    assert!(store.put_content(&untitled, &actor).await.is_err());
}

async fn attachments_are_found_by_exact_name(store: &Store) {
    let actor = Actor::System;
    let moj = store
        .create_organization(&org("moj", "020000006"), &actor)
        .await
        .unwrap();
    let mut doc = news(moj.id, "order-2024-17", "2024-03-11", Status::Published);
    doc.kind = ContentKind::Document;
    let item = store.put_content(&doc, &actor).await.unwrap();
    let data = "Order No. 17 (sample)".as_bytes().to_vec();
    let a = NewAttachment {
        filename: FileName::parse("order-2024-17.txt").unwrap(),
        lang: Some(Lang::EN),
        media_type: "text/plain; charset=utf-8".into(),
        sha256: "00".repeat(32),
        data: data.clone(),
    };
    store.add_attachment(&item, &a, &actor).await.unwrap();
    assert!(matches!(
        store.add_attachment(&item, &a, &actor).await,
        Err(StoreError::Conflict(_))
    ));
    let list = store.attachments(item.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].size, data.len() as i64);
    let (info, bytes) = store
        .attachment(item.id, &a.filename)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.lang, bytes), (Some(Lang::EN), data));
    assert!(
        store
            .attachment(item.id, &FileName::parse("ORDER-2024-17.txt").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

async fn organization_profiles(store: &Store) {
    let actor = Actor::System;
    let o = store
        .create_organization(&org("dushanbe", "020000008"), &actor)
        .await
        .unwrap();
    assert!(o.description.is_empty());
    let v = store.content_version().await.unwrap();
    let desc = Localized::new().with(Lang::TG, "Мақоми иҷроияи ҳокимияти давлатии шаҳри Душанбе");
    let contacts = serde_json::json!({"phone": "+992 37 000 00 00", "email": "info@dushanbe.tj"});
    store
        .set_organization_profile(o.id, &desc, &contacts, &actor)
        .await
        .unwrap();
    let o = store.organization(o.id).await.unwrap().unwrap();
    assert_eq!(o.description, desc);
    assert_eq!(o.contacts["email"], "info@dushanbe.tj");
    assert!(store.content_version().await.unwrap() > v);
    assert!(
        store
            .set_organization_profile(OrgId(999), &desc, &contacts, &actor)
            .await
            .is_err()
    );
}
