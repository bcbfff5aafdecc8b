//! Signing in and out, sessions, anti-forgery, throttling and permissions, over real HTTP, on both backends.

#[macro_use]
mod common;

use common::{Backend, TestApp, csrf_from, login_token, sign_in, spawn_demo, spawn_with};

on_both_backends!(
    demo_home_then_admin_signs_in_and_out,
    wrong_password_gets_a_generic_error_and_no_session,
    forms_without_a_valid_token_are_refused,
    oversized_forms_are_refused,
    sign_in_is_throttled_per_account,
    roles_decide_what_opens,
    operations_endpoints,
);

async fn demo_home_then_admin_signs_in_and_out(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    let root = client
        .get(app.url("/"))
        .header("accept-language", "ru,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/ru/");
    let home = client.get(app.url("/tg/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(
        home.headers().get("set-cookie").is_none(),
        "a public page without forms sets no cookie"
    );
    let html = home.text().await.unwrap();
    assert!(html.contains("<html lang=\"tg\""));
    assert!(
        html.contains("Вазорати корҳои хориҷии Ҷумҳурии Тоҷикистон"),
        "MFA listed in Tajik"
    );
    assert!(html.contains("hreflang=\"ru\""));

    let (email, password) = app.account("platform-admin");
    let resp = sign_in(&app, &client, &email, &password).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin");
    let cookies: Vec<_> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("egov_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "no Secure flag without TLS: {session}"
    );

    let admin = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(admin.status(), 200);
    let admin_html = admin.text().await.unwrap();
    assert!(admin_html.contains(&email));
    let audit = client.get(app.url("/admin/audit")).send().await.unwrap();
    assert_eq!(audit.status(), 200);
    assert!(audit.text().await.unwrap().contains("login"));

    let token = csrf_from(&admin_html);
    let out = client
        .post(app.url("/logout"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(after.status(), 303);
    assert!(
        after.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Fadmin")
    );

    let actions: Vec<String> = app
        .store
        .audit_entries(None, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"login".to_owned()) && actions.contains(&"logout".to_owned()),
        "{actions:?}"
    );
    app.stop().await.unwrap();
}

async fn wrong_password_gets_a_generic_error_and_no_session(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    let (email, _) = app.account("editor");
    let wrong = sign_in(&app, &client, &email, "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().contains("session"))
    );
    let wrong_text = wrong.text().await.unwrap();
    let unknown = sign_in(
        &app,
        &client,
        "nobody@nowhere.tj",
        "not the password at all",
    )
    .await;
    assert_eq!(unknown.status(), 401);
    let unknown_text = unknown.text().await.unwrap();
    // The same words for a wrong password and an unknown account: nothing tells which it was.
    let alert = |html: &str| {
        html.split("role=\"alert\"")
            .nth(1)
            .unwrap()
            .split("</div>")
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(alert(&wrong_text), alert(&unknown_text));
    assert!(client.get(app.url("/admin")).send().await.unwrap().status() == 303);
    let failed = app
        .store
        .audit_entries(None, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.failed")
        .count();
    assert_eq!(failed, 2);
    app.stop().await.unwrap();
}

async fn forms_without_a_valid_token_are_refused(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    let (email, password) = app.account("platform-admin");
    // No token at all, and no cookie.
    let bare = client
        .post(app.url("/login"))
        .form(&[("email", email.as_str()), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
    assert!(
        bare.text().await.unwrap().contains("<h1"),
        "an error page, not a bare status"
    );
    // A cookie, but another token in the form (a forged cross-site post).
    let _ = login_token(&app, &client).await;
    let forged = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", "0".repeat(64).as_str()),
            ("email", email.as_str()),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(
        forged
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().contains("session"))
    );
    assert_eq!(
        client.get(app.url("/admin")).send().await.unwrap().status(),
        303
    );
    // Sign-out also needs the token.
    assert_eq!(
        sign_in(&app, &client, &email, &password).await.status(),
        303
    );
    let out = client
        .post(app.url("/logout"))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 403);
    assert_eq!(
        client.get(app.url("/admin")).send().await.unwrap().status(),
        200,
        "still signed in"
    );
    app.stop().await.unwrap();
}

async fn oversized_forms_are_refused(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    let token = login_token(&app, &client).await;
    let huge = "a".repeat(200 * 1024);
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", "x@y.tj"),
            ("password", huge.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert!(resp.text().await.unwrap().contains("<h1"));
    let failed = app
        .store
        .audit_entries(None, 10)
        .await
        .unwrap()
        .into_iter()
        .any(|e| e.action.starts_with("login"));
    assert!(!failed, "a refused body reached no sign-in logic");
    app.stop().await.unwrap();
}

async fn sign_in_is_throttled_per_account(backend: Backend) {
    let app = spawn_with(backend, true, |c| {
        c.portal.login_attempts_per_account = Some(3)
    })
    .await;
    let client = app.client();
    let (email, password) = app.account("reviewer");
    for _ in 0..3 {
        assert_eq!(
            sign_in(&app, &client, &email, "wrong password here")
                .await
                .status(),
            401
        );
    }
    // Refused attempts are counted in metrics, not written to the audit log one by one.
    let throttled_rows = app
        .store
        .audit_entries(None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.contains("throttled"))
        .count();
    assert_eq!(throttled_rows, 0);
    // Even the right password waits now: the limit is on attempts, so guessing cannot continue.
    let limited = sign_in(&app, &client, &email, &password).await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    // Another account from the same address is not locked out.
    let (other, other_pw) = app.account("platform-admin");
    assert_eq!(
        sign_in(&app, &client, &other, &other_pw).await.status(),
        303
    );
    app.stop().await.unwrap();
}

async fn roles_decide_what_opens(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    let (email, password) = app.account("editor");
    assert_eq!(
        sign_in(&app, &client, &email, &password).await.status(),
        303
    );
    let admin = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(admin.status(), 200);
    let html = admin.text().await.unwrap();
    assert!(
        !html.contains("/admin/audit"),
        "no link to what the role cannot open"
    );
    assert_eq!(
        client
            .get(app.url("/admin/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    app.stop().await.unwrap();
}

async fn operations_endpoints(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ready\n"
    );
    let missing = client
        .get(app.url("/en/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let html = missing.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\"") && html.contains("Page not found"));
    assert_eq!(
        client.get(app.url("/xx/")).send().await.unwrap().status(),
        404
    );
    let wrong_method = client.delete(app.url("/login")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    let metrics = client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("egov_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/healthz\""));
    assert!(
        !metrics.contains("/en/no/such/page"),
        "raw paths never become labels"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn readiness_fails_when_the_store_is_gone() {
    let app: TestApp = spawn_demo(Backend::Sqlite).await;
    let client = app.client();
    app.store.close().await;
    let r = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = spawn_with(Backend::Sqlite, false, |c| {
        c.portal.metrics_token = Some("a-long-scrape-token-1234".into())
    })
    .await;
    let client = app.client();
    let anonymous = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = client
        .get(app.url("/metrics"))
        .bearer_auth("a-long-scrape-token-1235")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client
        .get(app.url("/metrics"))
        .bearer_auth("a-long-scrape-token-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("egov_http_requests_total")
    );
    app.stop().await.unwrap();
}
