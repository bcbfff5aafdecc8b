//! The CMS over real HTTP: an editor writes a news item in two languages with an image from the library and
//! sends it to review; the reviewer approves; it is on the public site at once (cached pages refreshed),
//! with its history and diff; a send-back, a restore, an unpublish; nobody approves their own revision;
//! an item scheduled while no node runs goes live at the next start.
//! (Hostile input is in `cms_hostile.rs`; forms without the anti-forgery token, uploads, people and
//! passwords in `cms_forms.rs`.)

#[macro_use]
mod common;
mod cms_support;

use std::time::Duration;

use cms_support::{PNG, eventually, item_id, org_id, post, token, upload};
use common::{Backend, page, signed_in, spawn_demo, spawn_on};
use egov_core::clock::Millis;
use egov_core::{ContentKind, ItemSlug, Localized, Workflow};
use egov_store::{Actor, Draft};

on_both_backends!(editor_reviewer_public);

async fn editor_reviewer_public(backend: Backend) {
    let app = spawn_demo(backend).await;
    let mfa = org_id(&app, "mfa").await;
    let editor = signed_in(&app, "editor@mfa.tj").await;
    let t = token(&editor, &app).await;
    // A cached public list before the change: it must show the new item once published.
    let (s, list_before) = page(&app.client(), &app, "/en/mfa/news").await;
    assert_eq!(s, 200);
    assert!(!list_before.contains("Consular hours extended"));

    let (s, _) = upload(
        &editor,
        &app,
        Some(&t),
        mfa,
        "consulate.png",
        PNG.to_vec(),
        "The consulate's entrance",
    )
    .await;
    assert_eq!(s, 303, "image uploaded");
    let (_, library) = page(&editor, &app, "/admin/media?org=mfa").await;
    let at = library.find("/media/").expect("the image in the library");
    let url: String = library[at..].split('"').next().unwrap().to_owned();
    assert!(library.contains("1×1"), "dimensions read from the file");

    let oid = mfa.to_string();
    let (s, _, loc) = post(&editor, &app, "/admin/content/new", &[
        ("csrf", &t), ("org", &oid), ("kind", "news"), ("slug", "consular-hours"),
        ("title_en", "Consular hours extended"), ("title_ru", "Консульские часы продлены"),
        ("summary_en", "Longer hours from December."),
        ("body_en", "The consular section opens **earlier**.\n\n| Day | Hours |\n|---|---|\n| Mon | 8–18 |"),
        ("body_ru", "Консульский отдел открывается раньше."),
    ]).await;
    assert_eq!(s, 303, "draft created");
    let id = item_id(&loc.unwrap());
    let with_image = format!(
        "The consular section opens **earlier**.\n\n![The consulate's entrance]({url})\n\n| Day | Hours |\n|---|---|\n| Mon | 8–18 |"
    );
    let (s, _, _) = post(
        &editor,
        &app,
        &format!("/admin/content/{id}"),
        &[
            ("csrf", &t),
            ("head", "1"),
            ("action", "submit"),
            ("title_en", "Consular hours extended"),
            ("title_ru", "Консульские часы продлены"),
            ("summary_en", "Longer hours from December."),
            ("body_en", &with_image),
            ("body_ru", "Консульский отдел открывается раньше."),
            ("note", "added the photo"),
        ],
    )
    .await;
    assert_eq!(s, 303, "second revision saved and sent to review");
    assert_eq!(
        page(&app.client(), &app, "/en/mfa/news/consular-hours")
            .await
            .0,
        404,
        "not public before approval"
    );
    // The editor cannot publish.
    assert_eq!(
        post(
            &editor,
            &app,
            &format!("/admin/content/{id}/step/approve"),
            &[("csrf", &t), ("head", "2")]
        )
        .await
        .0,
        403
    );

    let reviewer = signed_in(&app, "reviewer@mfa.tj").await;
    let rt = token(&reviewer, &app).await;
    let (s, review_page) = page(&reviewer, &app, &format!("/admin/content/{id}")).await;
    assert_eq!(s, 200);
    assert!(review_page.contains("/step/approve"));
    let (s, _, _) = post(
        &reviewer,
        &app,
        &format!("/admin/content/{id}/step/approve"),
        &[("csrf", &rt), ("head", "2"), ("publish_at", "")],
    )
    .await;
    assert_eq!(s, 303, "approved");

    let public = eventually(
        &app,
        "/en/mfa/news/consular-hours",
        200,
        "Consular hours extended",
    )
    .await;
    assert!(
        public.contains(&format!("src=\"{url}\"")),
        "the image is on the page"
    );
    assert!(
        public.contains("alt=\"The consulate&#x27;s entrance\"")
            || public.contains("alt=\"The consulate's entrance\""),
        "with its alt text"
    );
    assert!(public.contains("<table>"), "tables survive");
    eventually(
        &app,
        "/ru/mfa/news/consular-hours",
        200,
        "Консульские часы продлены",
    )
    .await;
    eventually(&app, "/en/mfa/news", 200, "Consular hours extended").await;
    let img = app.client().get(app.url(&url)).send().await.unwrap();
    assert_eq!(img.headers()["content-type"], "image/png");
    assert_eq!(img.bytes().await.unwrap().as_ref(), PNG);

    // History: both revisions, who and when, and a readable diff.
    let (s, history) = page(&editor, &app, &format!("/admin/content/{id}/history")).await;
    assert_eq!(s, 200);
    assert!(history.contains("MFA Editor"));
    assert!(history.contains(&format!("/admin/content/{id}/diff?from=1&amp;to=2")));
    assert!(history.contains("added the photo"));
    let (s, diff) = page(
        &editor,
        &app,
        &format!("/admin/content/{id}/diff?from=1&to=2"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(diff.contains("<ins>") && diff.contains(&url), "{diff}");

    // A third revision is sent back with a comment; the public page keeps revision 2.
    let (s, _, _) = post(
        &editor,
        &app,
        &format!("/admin/content/{id}"),
        &[
            ("csrf", &t),
            ("head", "2"),
            ("action", "submit"),
            ("title_en", "Consular hours changed"),
            ("body_en", "Draft text."),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _, _) = post(
        &reviewer,
        &app,
        &format!("/admin/content/{id}/step/send-back"),
        &[("csrf", &rt), ("comment", "Keep the old title")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, edit) = page(&editor, &app, &format!("/admin/content/{id}")).await;
    assert!(edit.contains("Keep the old title"));
    assert!(
        page(&app.client(), &app, "/en/mfa/news/consular-hours")
            .await
            .1
            .contains("Consular hours extended")
    );
    // A stale form (an old head) is refused and changes nothing.
    let (s, body, _) = post(
        &editor,
        &app,
        &format!("/admin/content/{id}"),
        &[("csrf", &t), ("head", "1"), ("title_en", "Lost update")],
    )
    .await;
    assert_eq!(s, 409, "{body}");
    // Restore revision 2 as revision 4.
    let (s, _, _) = post(
        &editor,
        &app,
        &format!("/admin/content/{id}/restore"),
        &[("csrf", &t), ("number", "2"), ("head", "3")],
    )
    .await;
    assert_eq!(s, 303);
    let e = app.store.editorial_item(id).await.unwrap().unwrap();
    assert_eq!((e.head_rev, e.workflow), (4, Workflow::Draft));
    let r4 = app.store.revision(id, 4).await.unwrap().unwrap();
    assert_eq!(
        r4.title.get(egov_core::Lang::EN),
        Some("Consular hours extended")
    );

    // Nobody approves their own revision: the agency's administrator may review, but not their own text.
    let admin = signed_in(&app, "admin@mfa.tj").await;
    let at = token(&admin, &app).await;
    let (s, _, _) = post(
        &admin,
        &app,
        &format!("/admin/content/{id}"),
        &[
            ("csrf", &at),
            ("head", "4"),
            ("action", "submit"),
            ("title_en", "Consular hours extended"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, body, _) = post(
        &admin,
        &app,
        &format!("/admin/content/{id}/step/approve"),
        &[("csrf", &at), ("head", "5")],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("another reviewer"));
    // …nor after someone else saved a later revision on top of theirs.
    let (s, _, _) = post(
        &editor,
        &app,
        &format!("/admin/content/{id}"),
        &[
            ("csrf", &t),
            ("head", "5"),
            ("action", "submit"),
            ("title_en", "Consular hours extended"),
            ("note", "typo"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, body, _) = post(
        &admin,
        &app,
        &format!("/admin/content/{id}/step/approve"),
        &[("csrf", &at), ("head", "6")],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("another reviewer"));
    // A reviewer who read revision 5 does not approve revision 6 unseen.
    let (s, body, _) = post(
        &reviewer,
        &app,
        &format!("/admin/content/{id}/step/approve?lang=en"),
        &[("csrf", &rt), ("head", "5")],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("you reviewed"), "{body}");
    assert_eq!(
        app.store
            .editorial_item(id)
            .await
            .unwrap()
            .unwrap()
            .live_rev,
        Some(2),
        "still revision 2 on the site"
    );

    // Unpublish takes it off the site.
    let (s, _, _) = post(
        &reviewer,
        &app,
        &format!("/admin/content/{id}/step/unpublish"),
        &[("csrf", &rt)],
    )
    .await;
    assert_eq!(s, 303);
    eventually(&app, "/en/mfa/news/consular-hours", 404, "").await;

    // Translations: the missing-language list names the item; the side-by-side screen fills Tajik in.
    let (_, missing) = page(&editor, &app, "/admin/content?org=mfa&missing=tg").await;
    assert!(missing.contains(&format!("/admin/content/{id}\"")));
    let (s, side) = page(
        &editor,
        &app,
        &format!("/admin/content/{id}/translate?from=en&to=tg"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(side.contains("Consular hours extended"));
    let head = app
        .store
        .editorial_item(id)
        .await
        .unwrap()
        .unwrap()
        .head_rev
        .to_string();
    let (s, _, _) = post(
        &editor,
        &app,
        &format!("/admin/content/{id}/translate"),
        &[
            ("csrf", &t),
            ("head", &head),
            ("from", "en"),
            ("to", "tg"),
            ("title", "Соатҳои консулӣ дароз шуданд"),
            ("body", "Матн."),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (_, missing) = page(&editor, &app, "/admin/content?org=mfa&missing=tg").await;
    assert!(!missing.contains(&format!("/admin/content/{id}\"")));

    // Scheduled publication survives a restart: approved for a moment when no node runs.
    let store = app.store.clone();
    let reviewer_id = store
        .user_by_email(&egov_core::Email::parse("reviewer@mfa.tj").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let editor_id = store
        .user_by_email(&egov_core::Email::parse("editor@mfa.tj").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let draft = Draft {
        subtype: String::new(),
        date: None,
        title: Localized::new().with(egov_core::Lang::EN, "Embassy opens in Tashkent"),
        summary: Localized::new(),
        body: Localized::new().with(egov_core::Lang::EN, "<p>Soon.</p>"),
        source: Localized::new().with(egov_core::Lang::EN, "Soon."),
        meta: serde_json::json!({}),
        note: String::new(),
    };
    let sid = store
        .create_draft(
            egov_core::OrgId(mfa),
            ContentKind::News,
            &ItemSlug::parse("embassy-tashkent").unwrap(),
            &draft,
            egov_store::Author {
                id: editor_id,
                name: "MFA Editor",
            },
            &Actor::System,
        )
        .await
        .unwrap();
    store.submit_for_review(sid, &Actor::System).await.unwrap();
    let when = Millis::now().plus_secs(2);
    let e = store
        .approve(sid, 1, reviewer_id, Some(when), &Actor::System)
        .await
        .unwrap();
    assert_eq!(e.workflow, Workflow::Scheduled);
    let db = app.stop_keep_db().await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let app = spawn_on(db, true, |_| {}).await;
    eventually(
        &app,
        "/en/mfa/news/embassy-tashkent",
        200,
        "Embassy opens in Tashkent",
    )
    .await;
    app.stop().await.unwrap();
}
