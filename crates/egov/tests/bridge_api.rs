//! The bridge's JSON API over real HTTP on both backends, as an integrator's script would use it: a
//! session from e-mail and password, a system and a service registered, an application filed by the
//! consumer and decided by the provider, comments, the grant listed and revoked, credentials issued (a
//! token and a certificate) and revoked. Missing or wrong credentials, foreign objects and bad input are
//! refused with JSON errors and change nothing.

#[macro_use]
mod common;

use common::{Backend, TestApp, spawn_demo};
use serde_json::{Value, json};

on_both_backends!(an_integrator_automates_the_bridge);

fn password(app: &TestApp, email: &str) -> String {
    app.creds
        .as_ref()
        .unwrap()
        .accounts
        .iter()
        .find(|a| a.email == email)
        .unwrap()
        .password
        .clone()
}

async fn session(app: &TestApp, email: &str) -> String {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": password(app, email)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{email} gets a session");
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let c = reqwest::Client::new();
    let mut req = match method {
        "GET" => c.get(app.url(path)),
        "DELETE" => c.delete(app.url(path)),
        _ => c.post(app.url(path)),
    }
    .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn an_integrator_automates_the_bridge(backend: Backend) {
    let app = spawn_demo(backend).await;
    // No session, a wrong password, a made-up token: refused in JSON.
    let (s, v) = call(&app, "", "GET", "/api/v1/bridge/systems", None).await;
    assert_eq!(s, 401);
    assert_eq!(v["error"]["code"], "unauthorized");
    let (s, _) = call(&app, &"a".repeat(64), "GET", "/api/v1/bridge/grants", None).await;
    assert_eq!(s, 401);
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": "admin@bank.tj", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let bank = session(&app, "admin@bank.tj").await;
    let tax = session(&app, "admin@tax.tj").await;
    let (s, v) = call(&app, &bank, "GET", "/api/v1/bridge/systems", None).await;
    assert_eq!(s, 200);
    let systems = v["systems"].as_array().unwrap();
    assert!(
        systems
            .iter()
            .any(|s| s["id"] == "TJ/COM/030000201/loan-desk")
    );
    // An account's answer is never kept for the next caller.
    let r = reqwest::get(app.url("/api/v1/bridge/systems"))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Register a system and a service as the bank (a business may provide services too).
    let (s, v) = call(&app, &bank, "POST", "/api/v1/bridge/systems", Some(json!({
        "organization": "sample-bank", "code": "rates", "name": {"en": "Exchange rates"}, "contact": "it@bank.tj"}))).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["id"], "TJ/COM/030000201/rates");
    let (s, _) = call(
        &app,
        &bank,
        "POST",
        "/api/v1/bridge/systems",
        Some(json!({
        "organization": "tax", "code": "sneaky", "name": {"en": "x"}, "contact": "it@bank.tj"})),
    )
    .await;
    assert_eq!(s, 403, "not the bank's organization");
    let service = json!({"system": "TJ/COM/030000201/rates", "code": "daily-rates", "title": {"en": "Daily rates"},
        "category": "business", "production_url": "http://127.0.0.1:18181/rates", "rate_limit": 60,
        "openapi": "openapi: 3.1.0\ninfo: {title: Rates, version: '1'}\npaths:\n  /rates/{day}:\n    get:\n      parameters: [{name: day, in: path, required: true}]\n      responses: {'200': {description: ok}}\n"});
    let mut broken = service.clone();
    broken["openapi"] = json!("{\"openapi\": \"3.0.0\"}");
    let before = app.store.services(None).await.unwrap().len();
    let (s, v) = call(&app, &bank, "POST", "/api/v1/bridge/services", Some(broken)).await;
    assert_eq!(s, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("OpenAPI"));
    assert_eq!(app.store.services(None).await.unwrap().len(), before);
    let (s, v) = call(
        &app,
        &bank,
        "POST",
        "/api/v1/bridge/services",
        Some(service),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["id"], "TJ/COM/030000201/rates/daily-rates");
    assert_eq!(v["endpoints"], json!(["GET /rates/{day}"]));
    // A large document (well past the 64 KiB form limit, under the 1 MiB document limit) is accepted.
    let big = format!(
        "{{\"openapi\": \"3.0.3\", \"info\": {{\"title\": \"Archive\", \"version\": \"1\", \"description\": \"{}\"}}, \"paths\": {{\"/records\": {{\"get\": {{\"responses\": {{\"200\": {{\"description\": \"ok\"}}}}}}}}}}}}",
        "x".repeat(600 * 1024)
    );
    let (s, v) = call(&app, &bank, "POST", "/api/v1/bridge/services", Some(json!({"system": "TJ/COM/030000201/rates",
        "code": "archive", "title": {"en": "Archive"}, "category": "business", "production_url": "http://127.0.0.1:18181/a",
        "rate_limit": 60, "openapi": big}))).await;
    assert_eq!(s, 201, "{v}");

    // Apply for the Tax Committee's company lookup in the test environment.
    let apply = json!({"service": "TAX-S-0001", "consumer": "TJ/COM/030000201/loan-desk", "environment": "test",
        "endpoints": ["GET /companies/*"], "purpose": "Check borrowers", "legal_basis": "Law on banks, art. 12"});
    let mut foreign = apply.clone();
    foreign["consumer"] = json!("TJ/GOV/020000106/civil-registry");
    let (s, _) = call(
        &app,
        &bank,
        "POST",
        "/api/v1/bridge/applications",
        Some(foreign),
    )
    .await;
    assert!(s == 403 || s == 404, "{s}");
    let mut unknown = apply.clone();
    unknown["service"] = json!("NOPE-S-0001");
    assert_eq!(
        call(
            &app,
            &bank,
            "POST",
            "/api/v1/bridge/applications",
            Some(unknown)
        )
        .await
        .0,
        404
    );
    let (s, v) = call(
        &app,
        &bank,
        "POST",
        "/api/v1/bridge/applications",
        Some(apply.clone()),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["status"], "pending");
    let (s, _) = call(
        &app,
        &bank,
        "POST",
        "/api/v1/bridge/applications",
        Some(apply),
    )
    .await;
    assert_eq!(
        s, 400,
        "a second pending application for the same is refused"
    );

    // Only the provider decides; both parties comment.
    let approve = json!({"approve": true, "endpoints": ["GET /companies/*"], "quota": 30, "expires": "2030-12-31"});
    let path = format!("/api/v1/bridge/applications/{id}/decision");
    assert_eq!(
        call(&app, &bank, "POST", &path, Some(approve.clone()))
            .await
            .0,
        403
    );
    let c = format!("/api/v1/bridge/applications/{id}/comments");
    assert_eq!(
        call(
            &app,
            &tax,
            "POST",
            &c,
            Some(json!({"text": "Which branch?"}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        call(&app, &bank, "POST", &c, Some(json!({"text": ""})))
            .await
            .0,
        400
    );
    let mut wider = approve.clone();
    wider["endpoints"] = json!(["DELETE /companies/*"]);
    assert_eq!(
        call(&app, &tax, "POST", &path, Some(wider)).await.0,
        400,
        "cannot widen"
    );
    let (s, v) = call(&app, &tax, "POST", &path, Some(approve.clone())).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "approved");
    assert_eq!(v["comments"].as_array().unwrap().len(), 1);
    assert_eq!(
        call(&app, &tax, "POST", &path, Some(approve)).await.0,
        400,
        "decided once"
    );

    let (_, v) = call(&app, &bank, "GET", "/api/v1/bridge/grants", None).await;
    let grant = v["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["application"] == id)
        .unwrap()
        .clone();
    assert_eq!(grant["quota"], 30);
    assert_eq!(grant["live"], true);

    // Credentials: a token (shown in this answer only) and a certificate with a generated key.
    let (s, v) = call(
        &app,
        &bank,
        "POST",
        "/api/v1/bridge/credentials",
        Some(json!({
        "system": "TJ/COM/030000201/loan-desk", "kind": "token", "label": "nightly", "days": 30})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("egov_"));
    let (s, v) = call(&app, &bank, "POST", "/api/v1/bridge/credentials", Some(json!({
        "system": "TJ/COM/030000201/loan-desk", "kind": "certificate", "label": "mtls", "days": 90}))).await;
    assert_eq!(s, 201, "{v}");
    assert!(v["private_key"].as_str().unwrap().contains("PRIVATE KEY"));
    assert!(
        v["certificate"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    let (_, list) = call(&app, &bank, "GET", "/api/v1/bridge/credentials", None).await;
    let text = list.to_string();
    assert!(
        !text.contains(&token) && !text.contains("PRIVATE KEY"),
        "secrets are never listed"
    );
    let cred = list["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "nightly")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let revoke = format!("/api/v1/bridge/credentials/{cred}/revoke");
    assert_eq!(call(&app, &tax, "POST", &revoke, None).await.0, 403);
    assert_eq!(call(&app, &bank, "POST", &revoke, None).await.0, 204);
    assert_eq!(
        call(&app, &bank, "POST", &revoke, None).await.0,
        400,
        "revoked once"
    );
    let found = app.store.credential(cred).await.unwrap().unwrap();
    assert!(found.revoked_at.is_some());

    let g = format!("/api/v1/bridge/grants/{}/revoke", grant["id"]);
    assert_eq!(call(&app, &bank, "POST", &g, None).await.0, 204);

    // The session ends; its token is worthless afterwards.
    assert_eq!(
        call(&app, &bank, "DELETE", "/api/v1/session", None).await.0,
        204
    );
    assert_eq!(
        call(&app, &bank, "GET", "/api/v1/bridge/grants", None)
            .await
            .0,
        401
    );
    // The API is described in the OpenAPI document.
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/bridge/applications/{id}/decision"]["post"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["scheme"],
        "bearer"
    );
}
