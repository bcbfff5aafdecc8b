//! Forms of the CMS without a valid anti-forgery token are refused, and the media library refuses files by
//! what they are, not what they are called: a web page or a program named like an image, a PNG named like
//! a PDF, an oversized file, an image without alt text. Nothing of it is stored.

#[macro_use]
mod common;
mod cms_support;

use cms_support::{PNG, org_id, post, token, upload};
use common::{Backend, signed_in, spawn_demo};

#[tokio::test]
async fn forms_need_the_token_and_uploads_are_checked() {
    let app = spawn_demo(Backend::Sqlite).await;
    let mfa = org_id(&app, "mfa").await;
    let oid = mfa.to_string();
    let editor = signed_in(&app, "editor@mfa.tj").await;
    let t = token(&editor, &app).await;
    let before = (
        app.store.audit_entries(None, 1).await.unwrap()[0].id,
        app.store.content_version().await.unwrap(),
    );
    let form = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("org", "0"),
            ("kind", "news"),
            ("slug", "no-token"),
            ("title_en", "T"),
        ]
    };
    // No token, a wrong token: refused with the expired-form page.
    for f in [
        form("").into_iter().skip(1).collect::<Vec<_>>(),
        form("0000000000000000000000000000000000000000000000000000000000000000"),
    ] {
        let mut f = f;
        for kv in f.iter_mut() {
            if kv.0 == "org" {
                kv.1 = &oid;
            }
        }
        let (s, body, _) = post(&editor, &app, "/admin/content/new?lang=en", &f).await;
        assert_eq!(s, 403);
        assert!(body.contains("The form has expired"), "{body}");
    }
    let (s, body) = upload(&editor, &app, None, mfa, "a.png", PNG.to_vec(), "alt").await;
    assert_eq!(s, 403, "upload without the token");
    assert!(body.contains("The form has expired"));
    // A web page named like an image, a script, an SVG: refused by content.
    for (name, data) in [
        (
            "photo.png",
            b"<html><script>alert(1)</script></html>".to_vec(),
        ),
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00".to_vec()),
        (
            "logo.png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
    ] {
        let (s, body) = upload(&editor, &app, Some(&t), mfa, name, data, "alt").await;
        assert_eq!(s, 422, "{name}");
        assert!(body.contains("checked by content, not by name"), "{body}");
    }
    // A real PNG that claims to be a PDF.
    let (s, body) = upload(&editor, &app, Some(&t), mfa, "act.pdf", PNG.to_vec(), "alt").await;
    assert_eq!(s, 422);
    assert!(
        body.contains("the file is a PNG image but its name ends in"),
        "{body}"
    );
    // Too large: 11 MiB.
    let mut big = PNG.to_vec();
    big.resize(11 * 1024 * 1024, 0);
    let (s, body) = upload(&editor, &app, Some(&t), mfa, "big.png", big, "alt").await;
    assert_eq!(s, 413);
    assert!(
        body.contains("larger than the library&#39;s limit of 10 MiB")
            || body.contains("larger than the library's limit of 10 MiB"),
        "{body}"
    );
    // An image needs alt text.
    let (s, body) = upload(&editor, &app, Some(&t), mfa, "a.png", PNG.to_vec(), "").await;
    assert_eq!(s, 422);
    assert!(body.contains("alt text"), "{body}");
    // Nothing of it was stored.
    assert!(
        app.store
            .media_library(egov_core::OrgId(mfa))
            .await
            .unwrap()
            .is_empty()
    );
    let after = (
        app.store.audit_entries(None, 1).await.unwrap()[0].id,
        app.store.content_version().await.unwrap(),
    );
    assert_eq!(before, after, "nothing changed");
    app.stop().await.unwrap();
}

/// Editing an item that existed before the CMS keeps its earlier text as revision 1 and the fields the
/// form does not show (a legal act's number, date of adoption, signatory).
#[tokio::test]
async fn editing_keeps_history_and_the_fields_the_form_does_not_show() {
    let app = spawn_demo(Backend::Sqlite).await;
    let moj = egov_core::OrgId(org_id(&app, "moj").await);
    let slug = egov_core::ItemSlug::parse("order-2024-61").unwrap();
    let before = app
        .store
        .content_item(moj, egov_core::ContentKind::Document, &slug, false)
        .await
        .unwrap()
        .expect("a demo legal act");
    assert!(
        before.meta.as_object().is_some_and(|m| !m.is_empty()),
        "the act has its requisites"
    );
    let admin = signed_in(&app, "admin@moj.tj").await;
    let t = token(&admin, &app).await;
    let (s, body, _) = post(
        &admin,
        &app,
        &format!("/admin/content/{}", before.id),
        &[
            ("csrf", &t),
            ("head", "0"),
            ("action", "save"),
            ("title_en", "Order No. 61 (corrected)"),
            ("body_en", "Corrected text."),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let e = app.store.editorial_item(before.id).await.unwrap().unwrap();
    assert_eq!(e.head_rev, 2);
    let imported = app.store.revision(before.id, 1).await.unwrap().unwrap();
    assert_eq!(
        imported.title, before.title,
        "revision 1 is the text before the first edit"
    );
    let edited = app.store.revision(before.id, 2).await.unwrap().unwrap();
    assert_eq!(edited.meta, before.meta, "requisites kept");
    // Still the old text on the site until a reviewer approves.
    let live = app
        .store
        .content_item(moj, egov_core::ContentKind::Document, &slug, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.title, before.title);
    assert_eq!(
        live.updated_at, before.updated_at,
        "a draft does not date the public item either"
    );
    // The requisites and the act's files are edited in the form too, and reach the site with approval.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let (s, body) = upload(
        &admin,
        &app,
        Some(&t),
        moj.0,
        "order-61-ru.pdf",
        pdf.clone(),
        "",
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let file = app.store.media_library(moj).await.unwrap()[0].clone();
    let (s, edit) = common::page(&admin, &app, &format!("/admin/content/{}", before.id)).await;
    assert_eq!(s, 200);
    assert!(
        edit.contains("name=\"meta_number\"")
            && edit.contains(&format!("name=\"meta_file_{}\"", file.id))
    );
    let file_field = format!("meta_file_{}", file.id);
    let (s, body, _) = post(
        &admin,
        &app,
        &format!("/admin/content/{}", before.id),
        &[
            ("csrf", &t),
            ("head", "2"),
            ("action", "submit"),
            ("title_en", "Order No. 61 (corrected)"),
            ("body_en", "Corrected text."),
            ("meta_number", "61-A"),
            ("meta_signatory_en", "Minister of Justice"),
            ("meta_files_shown", "1"),
            (&file_field, "1"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let root = signed_in(&app, "admin@aidt.tj").await;
    let rt = token(&root, &app).await;
    let (s, body, _) = post(
        &root,
        &app,
        &format!("/admin/content/{}/step/approve", before.id),
        &[("csrf", &rt), ("head", "3")],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let mut public = String::new();
    for _ in 0..50 {
        public = common::page(&app.client(), &app, "/en/moj/documents/order-2024-61")
            .await
            .1;
        if public.contains("61-A") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        public.contains("61-A") && public.contains("Minister of Justice"),
        "{public}"
    );
    assert!(public.contains(&file.url()), "the act's file is listed");
    let got = app.client().get(app.url(&file.url())).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(got.bytes().await.unwrap().as_ref(), pdf.as_slice());
    // The platform administrator finds that edit in the audit log by person and action.
    let (s, log) = common::page(
        &root,
        &app,
        "/admin/audit?actor=admin%40moj.tj&action=content.&org=moj&lang=en",
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        log.contains("content.update") && log.contains("document:order-2024-61"),
        "{log}"
    );
    assert!(!log.contains("login"), "only that person's content changes");
    let (_, none) = common::page(
        &root,
        &app,
        "/admin/audit?actor=admin%40mfa.tj&action=content.",
    )
    .await;
    assert!(!none.contains("document:order-2024-61"));
    let (s, _) = common::page(&root, &app, "/admin/audit?from=yesterday").await;
    assert_eq!(s, 400);
    app.stop().await.unwrap();
}

/// A reviewer schedules in the platform's clock (UTC+05:00 by default, Dushanbe's), and the item page reads
/// the time back the same way.
#[tokio::test]
async fn a_reviewer_schedules_on_the_platforms_clock() {
    let app = spawn_demo(Backend::Sqlite).await;
    let mfa = org_id(&app, "mfa").await.to_string();
    let editor = signed_in(&app, "editor@mfa.tj").await;
    let t = token(&editor, &app).await;
    let (s, body, loc) = post(
        &editor,
        &app,
        "/admin/content/new",
        &[
            ("csrf", &t),
            ("org", &mfa),
            ("kind", "news"),
            ("slug", "new-year-2031"),
            ("title_en", "New Year reception"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let id = cms_support::item_id(&loc.unwrap());
    assert_eq!(
        post(
            &editor,
            &app,
            &format!("/admin/content/{id}/submit"),
            &[("csrf", &t)]
        )
        .await
        .0,
        303
    );
    let reviewer = signed_in(&app, "reviewer@mfa.tj").await;
    let rt = token(&reviewer, &app).await;
    // A malformed time is refused and changes nothing.
    let (s, body, _) = post(
        &reviewer,
        &app,
        &format!("/admin/content/{id}/step/approve?lang=en"),
        &[("csrf", &rt), ("head", "1"), ("publish_at", "tomorrow 2pm")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("is not a moment like"), "{body}");
    assert_eq!(
        app.store
            .editorial_item(id)
            .await
            .unwrap()
            .unwrap()
            .workflow,
        egov_core::Workflow::InReview
    );
    let (s, body, _) = post(
        &reviewer,
        &app,
        &format!("/admin/content/{id}/step/approve"),
        &[
            ("csrf", &rt),
            ("head", "1"),
            ("publish_at", "2031-01-02T14:30"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let e = app.store.editorial_item(id).await.unwrap().unwrap();
    assert_eq!(e.workflow, egov_core::Workflow::Scheduled);
    assert_eq!(e.publish_at.unwrap().rfc3339(), "2031-01-02T09:30:00Z");
    let (_, page) = common::page(&reviewer, &app, &format!("/admin/content/{id}?lang=en")).await;
    assert!(page.contains("2031-01-02 14:30 (UTC+05:00)"), "{page}");
    assert_eq!(
        common::page(&app.client(), &app, "/en/mfa/news/new-year-2031")
            .await
            .0,
        404,
        "not before its time"
    );
    app.stop().await.unwrap();
}

/// An agency's administrator gives roles to the agency's people and to new accounts, never to accounts of
/// other agencies (a platform administrator may); a new account's initial password works once shown, and
/// its owner changes it, which ends every session.
#[tokio::test]
async fn people_of_an_agency_and_their_passwords() {
    let app = spawn_demo(Backend::Sqlite).await;
    let mfa = org_id(&app, "mfa").await.to_string();
    let admin = signed_in(&app, "admin@mfa.tj").await;
    let t = token(&admin, &app).await;
    // Another agency's editor: refused, nothing changes.
    let (s, body, _) = post(
        &admin,
        &app,
        "/admin/users?lang=en",
        &[
            ("csrf", &t),
            ("org", &mfa),
            ("email", "editor@tax.tj"),
            ("role", "reviewer"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("works for another agency"), "{body}");
    let tax_editor = app
        .store
        .user_by_email(&egov_core::Email::parse("editor@tax.tj").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.store.roles(tax_editor.id).await.unwrap().len(), 1);
    // A platform administrator may add them.
    let root = signed_in(&app, "admin@aidt.tj").await;
    let rt = token(&root, &app).await;
    let (s, body, _) = post(
        &root,
        &app,
        "/admin/users?lang=en",
        &[
            ("csrf", &rt),
            ("org", &mfa),
            ("email", "editor@tax.tj"),
            ("role", "reviewer"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(app.store.roles(tax_editor.id).await.unwrap().len(), 2);
    // A new colleague, with an initial password shown once.
    let (s, body, _) = post(
        &admin,
        &app,
        "/admin/users?lang=en",
        &[
            ("csrf", &t),
            ("org", &mfa),
            ("email", "new.editor@mfa.tj"),
            ("name", "New Editor"),
            ("role", "editor"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let marker = "Its initial password is ";
    let at = body.find(marker).expect("the password is shown") + marker.len();
    let initial: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert_eq!(initial.len(), 20);
    let newbie = app.client();
    assert_eq!(
        common::sign_in(&app, &newbie, "new.editor@mfa.tj", &initial)
            .await
            .status(),
        303
    );
    let nt = token(&newbie, &app).await;
    for (current, new, repeat, why) in [
        (
            "wrong-password-1",
            "a brand new password",
            "a brand new password",
            "not right",
        ),
        (
            initial.as_str(),
            "a brand new password",
            "another new password",
            "differ",
        ),
        (initial.as_str(), "short", "short", "at least 12"),
    ] {
        let (s, body, _) = post(
            &newbie,
            &app,
            "/admin/password?lang=en",
            &[
                ("csrf", &nt),
                ("current", current),
                ("new", new),
                ("repeat", repeat),
            ],
        )
        .await;
        assert_eq!(s, 422, "{why}");
        assert!(body.contains(why), "{why}: {body}");
    }
    let (s, _, loc) = post(
        &newbie,
        &app,
        "/admin/password",
        &[
            ("csrf", &nt),
            ("current", &initial),
            ("new", "a brand new password"),
            ("repeat", "a brand new password"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert!(loc.unwrap().starts_with("/login"));
    assert_eq!(
        common::page(&newbie, &app, "/admin").await.0,
        303,
        "the old session ended"
    );
    let again = app.client();
    assert_eq!(
        common::sign_in(&app, &again, "new.editor@mfa.tj", &initial)
            .await
            .status(),
        401,
        "the initial password is gone"
    );
    assert_eq!(
        common::sign_in(&app, &again, "new.editor@mfa.tj", "a brand new password")
            .await
            .status(),
        303
    );
    app.stop().await.unwrap();
}
