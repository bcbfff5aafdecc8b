//! The CMS over real HTTP: an editor writes a news item in two languages with an image from the library and
//! sends it to review; the reviewer approves; it is on the public site at once (cached pages refreshed),
//! with its history and diff; a send-back, a restore, an unpublish; nobody approves their own revision;
//! an item scheduled while no node runs goes live at the next start. Then hostile input through every
//! field (forms without the anti-forgery token and disguised uploads are in `cms_forms.rs`).

#[macro_use]
mod common;
mod cms_support;

use std::time::Duration;

use cms_support::{PNG, item_id, live_markup, post, token, upload};
use common::{Backend, TestApp, page, signed_in, spawn_demo, spawn_on};
use egov_core::clock::Millis;
use egov_core::{ContentKind, ItemSlug, Localized, Slug, Workflow};
use egov_store::{Actor, Draft};

on_both_backends!(editor_reviewer_public, hostile_input_stays_text);

async fn org_id(app: &TestApp, slug: &str) -> i64 {
    app.store
        .organization_by_slug(&Slug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

/// Waits (up to 5 s) until `path` answers `status` anonymously; returns the body.
async fn eventually(app: &TestApp, path: &str, status: u16, needle: &str) -> String {
    let c = app.client();
    for _ in 0..50 {
        let (s, body) = page(&c, app, path).await;
        if s == status && body.contains(needle) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} did not answer {status} with {needle:?} within 5 s");
}

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
            &[("csrf", &t)]
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
        &[("csrf", &rt), ("publish_at", "")],
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
        &[("csrf", &at)],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("another reviewer"));

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
        .approve(sid, reviewer_id, Some(when), &Actor::System)
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

/// Payloads that try to become live markup, each through every field an editor fills.
const PAYLOADS: &[&str] = &[
    "<script>alert('t1')</script>",
    "<img src=x onerror=alert('t2')>",
    "\"><svg onload=alert('t3')>",
    "<a href=\"javascript:alert('t4')\">click</a>",
    "[link](javascript:alert('t5'))",
    "<iframe src=\"https://example.org\"></iframe>",
    "'><body onload=alert('t6')>",
    "<style>body{display:none}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('t7')>",
    "<a href=\"jav&#x09;ascript:alert('t8')\">x</a>",
    "</textarea><script>alert('t9')</script>",
    "<base href=\"https://evil.example/\">",
    "<div style=\"background:url(javascript:alert('t10'))\">x</div>",
    "![x\" onerror=\"alert('t11')](/media/x.png)",
    "<form action=\"javascript:alert('t12')\"><button>go</button></form>",
];

async fn hostile_input_stays_text(backend: Backend) {
    let app = spawn_demo(backend).await;
    let tax = org_id(&app, "tax").await;
    let editor = signed_in(&app, "editor@tax.tj").await;
    let reviewer = signed_in(&app, "reviewer@tax.tj").await;
    let (t, rt) = (token(&editor, &app).await, token(&reviewer, &app).await);
    let oid = tax.to_string();
    // An image whose alt text is hostile too.
    let alt = format!("{} {} {}", PAYLOADS[0], PAYLOADS[2], PAYLOADS[10]);
    let (s, _) = upload(&editor, &app, Some(&t), tax, "x.png", PNG.to_vec(), &alt).await;
    assert_eq!(s, 303);
    let (_, library) = page(&editor, &app, "/admin/media?org=tax").await;
    assert!(
        live_markup(&library).is_empty(),
        "library: {:?}",
        live_markup(&library)
    );
    let url = {
        let at = library.find("/media/").unwrap();
        library[at..].split('"').next().unwrap().to_owned()
    };
    for (n, payload) in PAYLOADS.iter().enumerate() {
        let slug = format!("hostile-{n}");
        let body = format!("{payload}\n\n![{payload}]({url})\n\n{payload}");
        let (s, resp, loc) = post(
            &editor,
            &app,
            "/admin/content/new",
            &[
                ("csrf", &t),
                ("org", &oid),
                ("kind", "news"),
                ("slug", &slug),
                ("subtype", "press-release"),
                ("title_en", payload),
                ("title_ru", payload),
                ("summary_en", payload),
                ("body_en", &body),
                ("body_ru", payload),
                ("note", payload),
            ],
        )
        .await;
        assert_eq!(s, 303, "{payload}: {resp}");
        let id = item_id(&loc.unwrap());
        // The editor's own screens show the payload as text too.
        for p in [
            format!("/admin/content/{id}"),
            format!("/admin/content/{id}/history"),
            format!("/admin/content/{id}/translate?from=en&to=tg"),
        ] {
            let (s, html) = page(&editor, &app, &p).await;
            assert_eq!(s, 200);
            assert!(
                live_markup(&html).is_empty(),
                "{p} with {payload}: {:?}",
                live_markup(&html)
            );
        }
        let (s, preview, _) = post(
            &editor,
            &app,
            "/admin/content/preview",
            &[("csrf", &t), ("source", &body)],
        )
        .await;
        assert_eq!(s, 200);
        assert!(
            live_markup(&preview).is_empty(),
            "preview of {payload}: {:?}",
            live_markup(&preview)
        );
        assert_eq!(
            post(
                &editor,
                &app,
                &format!("/admin/content/{id}/step/submit"),
                &[("csrf", &t)]
            )
            .await
            .0,
            303
        );
        assert_eq!(
            post(
                &reviewer,
                &app,
                &format!("/admin/content/{id}/step/approve"),
                &[("csrf", &rt)]
            )
            .await
            .0,
            303
        );
        let item = eventually(&app, &format!("/en/tax/news/{slug}"), 200, "").await;
        assert!(
            live_markup(&item).is_empty(),
            "{payload}: {:?}",
            live_markup(&item)
        );
        // A legal act's requisites are plain fields too.
        let doc = format!("hostile-act-{n}");
        let number = &payload[..payload.len().min(60)];
        let (s, resp, loc) = post(
            &editor,
            &app,
            "/admin/content/new",
            &[
                ("csrf", &t),
                ("org", &oid),
                ("kind", "document"),
                ("slug", &doc),
                ("subtype", "order"),
                ("date", "2026-11-20"),
                ("title_en", payload),
                ("body_en", payload),
                ("meta_number", number),
                ("meta_signatory_en", payload),
                ("meta_signatory_ru", payload),
            ],
        )
        .await;
        assert_eq!(s, 303, "{payload}: {resp}");
        let id = item_id(&loc.unwrap());
        let (_, edit) = page(&editor, &app, &format!("/admin/content/{id}")).await;
        assert!(
            live_markup(&edit).is_empty(),
            "act editor with {payload}: {:?}",
            live_markup(&edit)
        );
        assert!(
            edit.contains("name=\"meta_number\""),
            "the act's requisites are in its form"
        );
        assert_eq!(
            post(
                &editor,
                &app,
                &format!("/admin/content/{id}/step/submit"),
                &[("csrf", &t)]
            )
            .await
            .0,
            303
        );
        assert_eq!(
            post(
                &reviewer,
                &app,
                &format!("/admin/content/{id}/step/approve"),
                &[("csrf", &rt)]
            )
            .await
            .0,
            303
        );
        let act = eventually(&app, &format!("/en/tax/documents/{doc}"), 200, "").await;
        assert!(
            live_markup(&act).is_empty(),
            "act with {payload}: {:?}",
            live_markup(&act)
        );
    }
    // Every public page that lists or shows them.
    for p in [
        "/en/tax/news",
        "/ru/tax/news",
        "/en/tax/documents",
        "/ru/tax/documents",
        "/en/tax/",
        "/en/",
        "/en/tax/news.atom",
        "/en/news.atom",
        "/en/search?q=alert",
        "/en/tax/search?q=script",
    ] {
        let (s, html) = page(&app.client(), &app, p).await;
        assert_eq!(s, 200, "{p}");
        assert!(
            live_markup(&html).is_empty(),
            "{p}: {:?}",
            live_markup(&html)
        );
    }
    let (_, diff) = page(&editor, &app, "/admin/content").await;
    assert!(live_markup(&diff).is_empty());
    app.stop().await.unwrap();
}
