//! Hostile input through every field an editor fills — title, summary, text and note in two languages, the
//! Markdown image syntax, an image's alt text, a legal act's number and signatory — approved and published:
//! no public page (item, lists, homes, feeds, search), no editor's screen and no preview holds live markup.

#[macro_use]
mod common;
mod cms_support;

use cms_support::{PNG, eventually, item_id, live_markup, org_id, post, token, upload};
use common::{Backend, TestApp, page, signed_in, spawn_demo};

on_both_backends!(hostile_input_stays_text);

/// Sends item `id` (revision 1) to review as the editor, approves it as the reviewer, and checks its public
/// page at `public` has no live markup.
async fn publish_clean(
    app: &TestApp,
    (editor, t): (&reqwest::Client, &str),
    (reviewer, rt): (&reqwest::Client, &str),
    id: i64,
    public: &str,
    payload: &str,
) {
    let submit = format!("/admin/content/{id}/submit");
    assert_eq!(post(editor, app, &submit, &[("csrf", t)]).await.0, 303);
    let approve = format!("/admin/content/{id}/step/approve");
    let form = [("csrf", rt), ("head", "1")];
    assert_eq!(post(reviewer, app, &approve, &form).await.0, 303);
    let html = eventually(app, public, 200, "").await;
    assert!(
        live_markup(&html).is_empty(),
        "{public} with {payload}: {:?}",
        live_markup(&html)
    );
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
        publish_clean(
            &app,
            (&editor, &t),
            (&reviewer, &rt),
            id,
            &format!("/en/tax/news/{slug}"),
            payload,
        )
        .await;
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
        publish_clean(
            &app,
            (&editor, &t),
            (&reviewer, &rt),
            id,
            &format!("/en/tax/documents/{doc}"),
            payload,
        )
        .await;
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
