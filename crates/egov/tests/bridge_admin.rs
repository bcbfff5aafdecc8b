//! Access applications over real HTTP on both backends: a consumer's administrator applies from a passport,
//! the provider's administrator approves, the consumer sees the grant and may revoke it; applying twice,
//! applying for one's own service, deciding someone else's application and acting without the role are
//! refused, and nothing changes.

#[macro_use]
mod common;

use common::{Backend, TestApp, csrf_from, page, signed_in, spawn_demo};

on_both_backends!(apply_decide_grant_revoke);

/// The value of the first `<option value="…">` after `id="consumer"`.
fn first_system(html: &str) -> String {
    let at = html.find("id=\"consumer\"").expect("a system to choose");
    let v = &html[at..];
    let start = v.find("<option value=\"").unwrap() + 15;
    v[start..].split('"').next().unwrap().to_owned()
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), r.text().await.unwrap(), loc)
}

async fn apply_decide_grant_revoke(backend: Backend) {
    let app = spawn_demo(backend).await;
    // Anonymous and a user without an administrator's role are turned away.
    let (s, _) = page(&app.client(), &app, "/admin/bridge/applications").await;
    assert!(matches!(s, 303 | 401), "{s}");
    let editor = signed_in(&app, "editor@mfa.tj").await;
    assert_eq!(
        page(&editor, &app, "/admin/bridge/apply/TAX-S-0001")
            .await
            .0,
        403
    );

    let bank = signed_in(&app, "admin@bank.tj").await;
    let (s, form) = page(&bank, &app, "/admin/bridge/apply/TAX-S-0001").await;
    assert_eq!(s, 200);
    let token = csrf_from(&form);
    let system = first_system(&form);
    let fields = |env: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("consumer", system.clone()),
            ("environment", env.to_owned()),
            ("endpoint", "GET /companies/{inn}".to_owned()),
            (
                "purpose",
                "Checking a company before opening an account".to_owned(),
            ),
            ("legal_basis", "Law on Banks (sample)".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>()
    };
    let before = app.store.applications(None).await.unwrap().len();
    let r = bank
        .post(app.url("/admin/bridge/apply/TAX-S-0001"))
        .form(&as_refs(&fields("test")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        app.store.applications(None).await.unwrap().len(),
        before + 1
    );
    // The same again: refused with the reason, nothing added.
    let r = bank
        .post(app.url("/admin/bridge/apply/TAX-S-0001"))
        .form(&as_refs(&fields("test")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("pending or granted"));
    // A system that is not the user's own: refused.
    let mut foreign = fields("test");
    foreign[1].1 = "1".into();
    let r = bank
        .post(app.url("/admin/bridge/apply/TAX-S-0001"))
        .form(&as_refs(&foreign))
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 409), "{}", r.status());
    // Without the anti-forgery token: refused.
    let mut no_token = fields("production");
    no_token[0].1 = "x".repeat(64);
    let r = bank
        .post(app.url("/admin/bridge/apply/TAX-S-0001"))
        .form(&as_refs(&no_token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.store.applications(None).await.unwrap().len(),
        before + 1
    );

    // The Tax Committee cannot apply for its own service.
    let tax = signed_in(&app, "admin@tax.tj").await;
    let (_, form) = page(&tax, &app, "/admin/bridge/apply/TAX-S-0001").await;
    let own = [
        ("csrf", csrf_from(&form)),
        ("consumer", first_system(&form)),
        ("environment", "test".into()),
        ("endpoint", "GET /companies/{inn}".into()),
        ("purpose", "x".into()),
        ("legal_basis", "y".into()),
    ];
    let r = tax
        .post(app.url("/admin/bridge/apply/TAX-S-0001"))
        .form(&own)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("own service"));

    // Someone else's application cannot be decided: the consumer, another agency.
    let moj = signed_in(&app, "admin@moj.tj").await;
    for (c, who) in [(&bank, "consumer"), (&moj, "another agency")] {
        // The user's own anti-forgery token (every signed-in page carries it in the sign-out form), so a
        // refusal here is the role's, not the token's.
        let t = csrf_from(&page(c, &app, "/admin").await.1);
        let (s, _, _) = post(
            c,
            &app,
            &format!("/admin/bridge/applications/{id}/decide"),
            &[
                ("csrf", &t),
                ("decision", "approve"),
                ("endpoint", "GET /companies/{inn}"),
                ("quota", "10"),
            ],
        )
        .await;
        assert_eq!(s, 403, "{who}");
    }
    // The provider approves, narrowing nothing, with a quota.
    let (s, html) = page(&tax, &app, &format!("/admin/bridge/applications/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("/decide"));
    let t = csrf_from(&html);
    let (s, _, _) = post(
        &tax,
        &app,
        &format!("/admin/bridge/applications/{id}/decide"),
        &[
            ("csrf", &t),
            ("decision", "approve"),
            ("endpoint", "* /companies/**"),
            ("quota", "10"),
        ],
    )
    .await;
    assert_eq!(s, 400, "widening is refused");
    let (s, _, _) = post(
        &tax,
        &app,
        &format!("/admin/bridge/applications/{id}/decide"),
        &[
            ("csrf", &t),
            ("decision", "approve"),
            ("endpoint", "GET /companies/{inn}"),
            ("quota", "10"),
            ("expires", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _, _) = post(
        &tax,
        &app,
        &format!("/admin/bridge/applications/{id}/decide"),
        &[
            ("csrf", &t),
            ("decision", "reject"),
            ("reason", "changed my mind"),
        ],
    )
    .await;
    assert_eq!(s, 409, "decided once");

    // The consumer sees the grant and its notification, and may revoke it.
    let (_, grants) = page(&bank, &app, "/admin/bridge/grants").await;
    assert!(grants.contains("TAX-S-0001") && grants.contains("/revoke"));
    let (_, list) = page(&bank, &app, "/admin/bridge/applications").await;
    assert!(list.contains("TAX-S-0001"));
    let g = app
        .store
        .grants(None)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.application == id)
        .unwrap();
    assert_eq!(g.quota, 10);
    let (s, _, _) = post(
        &moj,
        &app,
        &format!("/admin/bridge/grants/{}/revoke", g.id),
        &[("csrf", &csrf_from(&page(&moj, &app, "/admin").await.1))],
    )
    .await;
    assert_eq!(s, 403, "a third party cannot revoke");
    let bt = csrf_from(&grants);
    let (s, _, _) = post(
        &bank,
        &app,
        &format!("/admin/bridge/grants/{}/revoke", g.id),
        &[("csrf", &bt)],
    )
    .await;
    assert_eq!(s, 303);
    assert!(
        app.store
            .grants(None)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.id == g.id)
            .unwrap()
            .revoked_at
            .is_some()
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_revocable() {
    let app = spawn_demo(Backend::Sqlite).await;
    // The demo's consumer token is in the credentials file and its digest (only) in the store.
    let demo = app
        .creds
        .as_ref()
        .unwrap()
        .consumer_token
        .clone()
        .expect("the demo's consumer token");
    assert_eq!(demo.client, "TJ/COM/030000201/loan-desk");
    assert!(demo.token.starts_with("egov_") && demo.token.len() == 45);
    let found = app
        .store
        .credential_by_hash(&egov_portal::security::token_hash(&demo.token))
        .await
        .unwrap()
        .expect("the digest is stored");
    assert!(found.is_valid(egov_core::clock::Millis::now()));

    let bank = signed_in(&app, "admin@bank.tj").await;
    let (s, html) = page(&bank, &app, "/admin/bridge/credentials").await;
    assert_eq!(s, 200);
    assert!(html.contains("Demo loan desk"));
    assert!(!html.contains(&demo.token), "a token is never shown again");
    let t = csrf_from(&html);
    let at = html.find("id=\"subsystem\"").unwrap();
    let start = html[at..].find("<option value=\"").unwrap() + at + 15;
    let system = html[start..].split('"').next().unwrap().to_owned();
    let r = bank
        .post(app.url("/admin/bridge/credentials"))
        .form(&[
            ("csrf", t.as_str()),
            ("subsystem", system.as_str()),
            ("label", "CI job"),
            ("days", "30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let start = html.find("class=\"tracking token\">").unwrap() + 23;
    let token = html[start..].split('<').next().unwrap().to_owned();
    assert!(token.starts_with("egov_"));
    let (_, again) = page(&bank, &app, "/admin/bridge/credentials").await;
    assert!(!again.contains(&token));
    let cred = app
        .store
        .credential_by_hash(&egov_portal::security::token_hash(&token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cred.label, "CI job");
    // Bad input changes nothing: a foreign system, an impossible validity.
    let before = app.store.credentials(None).await.unwrap().len();
    for (sys, days) in [
        ("1", "30"),
        (system.as_str(), "0"),
        (system.as_str(), "9999"),
    ] {
        let r = bank
            .post(app.url("/admin/bridge/credentials"))
            .form(&[
                ("csrf", t.as_str()),
                ("subsystem", sys),
                ("label", "x"),
                ("days", days),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status().as_u16(), 400 | 403),
            "{sys} {days}: {}",
            r.status()
        );
    }
    assert_eq!(app.store.credentials(None).await.unwrap().len(), before);
    // Another organization cannot revoke it; its own administrator can.
    let tax = signed_in(&app, "admin@tax.tj").await;
    let tt = csrf_from(&page(&tax, &app, "/admin").await.1);
    let (s, _, _) = post(
        &tax,
        &app,
        &format!("/admin/bridge/credentials/{}/revoke", cred.id),
        &[("csrf", &tt)],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = post(
        &bank,
        &app,
        &format!("/admin/bridge/credentials/{}/revoke", cred.id),
        &[("csrf", &t)],
    )
    .await;
    assert_eq!(s, 303);
    let revoked = app
        .store
        .credential_by_hash(&egov_portal::security::token_hash(&token))
        .await
        .unwrap()
        .unwrap();
    assert!(!revoked.is_valid(egov_core::clock::Millis::now()));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_demo_provider_backend_answers_the_sample_services() {
    let db = egov_store::testing::sqlite().await;
    egov::demo::load_if_empty(&db.store, db.dir.path(), "http://127.0.0.1:1")
        .await
        .unwrap();
    let (router, services) = egov::demo::provider::router(&db.store).await.unwrap();
    assert_eq!(services, 10, "five services, production and test");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    common::install_crypto();
    let c = reqwest::Client::new();
    let get = |p: &str| c.get(format!("{base}{p}")).send();
    let r = get("/moj/civil-registry/persons/1000777777").await.unwrap();
    assert_eq!(r.status(), 200);
    let person: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        person["personalNumber"], "1000777777",
        "the requested person is answered"
    );
    let r = get("/test/tax/tax-register/companies/030000999")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["inn"],
        "030000999"
    );
    assert_eq!(
        get("/tax/tax-register/companies/x").await.unwrap().status(),
        404
    );
    assert_eq!(
        get("/tax/tax-register/unknown").await.unwrap().status(),
        404
    );
    assert_eq!(
        c.delete(format!("{base}/tax/tax-register/companies/030000999"))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
}

/// The value of the first `<option>` of the `<select id="{id}">` in `html`.
fn first_option(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap();
    let start = html[at..].find("<option value=\"").unwrap() + at + 15;
    html[start..].split('"').next().unwrap().to_owned()
}

fn textarea(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap();
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find("</textarea>").unwrap() + start;
    html[start..end]
        .replace("&#x2f;", "/")
        .replace("&#x3d;", "=")
        .replace("&#x2b;", "+")
}

#[tokio::test]
async fn client_certificates_come_from_a_request_or_a_generated_key_and_are_revocable() {
    let app = spawn_demo(Backend::Sqlite).await;
    let bank = signed_in(&app, "admin@bank.tj").await;
    let (_, html) = page(&bank, &app, "/admin/bridge/credentials").await;
    let t = csrf_from(&html);
    let system = first_option(&html, "cert-subsystem");
    let issue = |csr: String, days: &'static str| {
        let (bank, t, system) = (&bank, t.clone(), system.clone());
        let url = app.url("/admin/bridge/certificates");
        async move {
            bank.post(url)
                .form(&[
                    ("csrf", t.as_str()),
                    ("subsystem", system.as_str()),
                    ("label", "Loan desk mTLS"),
                    ("days", days),
                    ("csr", csr.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // A generated key pair: the key is shown once, the certificate names the system.
    let r = issue(String::new(), "365").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("TJ/COM/030000201/loan-desk"));
    let key = textarea(&html, "issued-key");
    assert!(key.contains("BEGIN PRIVATE KEY"), "{key}");
    let cert = textarea(&html, "issued-cert");
    assert!(cert.contains("BEGIN CERTIFICATE"));
    let (_, again) = page(&bank, &app, "/admin/bridge/credentials").await;
    assert!(
        !again.contains("BEGIN PRIVATE KEY"),
        "the key is never shown again"
    );
    let certs: Vec<_> = app
        .store
        .credentials(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == egov_store::CredentialKind::Certificate)
        .collect();
    assert_eq!(certs.len(), 1);
    let stored = &certs[0];
    assert!(!stored.certificate.as_deref().unwrap().contains("PRIVATE"));

    // From a signing request: only its key is used, the subject is the platform's.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut asked = rcgen::CertificateParams::new(vec![]).unwrap();
    asked
        .distinguished_name
        .push(rcgen::DnType::CommonName, "TJ/GOV/020000106/civil-registry");
    let csr = asked.serialize_request(&key).unwrap().pem().unwrap();
    let html = issue(csr, "30").await.text().await.unwrap();
    assert!(
        !html.contains("issued-key"),
        "no key is made when a request is given"
    );
    assert!(html.contains("TJ/COM/030000201/loan-desk"));

    // Refused, changing nothing: a broken request, an impossible validity, another organization's system.
    let before = app.store.credentials(None).await.unwrap().len();
    let r = issue(
        "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----".into(),
        "30",
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("signing request"));
    assert_eq!(issue(String::new(), "900").await.status(), 400);
    let foreign = bank
        .post(app.url("/admin/bridge/certificates"))
        .form(&[
            ("csrf", t.as_str()),
            ("subsystem", "1"),
            ("label", "x"),
            ("days", "30"),
            ("csr", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert_eq!(app.store.credentials(None).await.unwrap().len(), before);

    // The certificate downloads again for its owner only; revocation works as for tokens.
    let path = format!("/admin/bridge/credentials/{}/certificate", stored.id);
    let r = bank.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("BEGIN CERTIFICATE"));
    let tax = signed_in(&app, "admin@tax.tj").await;
    assert_eq!(tax.get(app.url(&path)).send().await.unwrap().status(), 403);
    let r = bank
        .post(app.url(&format!("/admin/bridge/credentials/{}/revoke", stored.id)))
        .form(&[("csrf", t.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    let after = app.store.credential(stored.id).await.unwrap().unwrap();
    assert!(after.revoked_at.is_some());
}
