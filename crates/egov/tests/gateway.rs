//! The gateway over real HTTP, with a real provider on a random port, on both backends: an allowed call
//! passes with X-Road's headers and without the client's credentials; calls without a grant, with a wrong
//! method or path, with a mismatched client header, with a revoked or expired credential, over the quota,
//! without consent headers, to a slow or a down provider are refused in X-Road's format, and every call,
//! refused or not, is a leaf of a log that verifies. Metaservices list what the registry holds.

#[macro_use]
mod common;
mod gateway_support;

use std::time::Duration;

use common::{Backend, spawn_with};
use egov_core::SubsystemCode;
use egov_core::clock::Millis;
use egov_store::{Actor, CredentialKind, NewCredential};
use gateway_support::{CLIENT, Refusal, call, error_type, provider, setup, until_refused};
use serde_json::Value;

on_both_backends!(calls_are_authorized_forwarded_refused_and_logged);

async fn calls_are_authorized_forwarded_refused_and_logged(backend: Backend) {
    let up = provider().await;
    let app = spawn_with(backend, true, |raw| {
        raw.gateway.timeout_ms = Some(600);
        raw.log.checkpoint_ms = Some(50);
    })
    .await;
    let s = setup(&app, &format!("http://{up}"), 1000).await;
    let bearer = format!("Bearer {}", s.token);
    let auth: [(&str, &str); 2] = [
        ("x-road-client", CLIENT),
        ("authorization", bearer.as_str()),
    ];

    // Allowed: X-Road headers on the answer, the message id echoed, credentials and hop-by-hop headers
    // not passed on in either direction.
    let path = format!("{}/echo/abc?q=1", s.echo);
    let mut h = auth.to_vec();
    h.extend([
        ("x-road-id", "msg-1"),
        ("x-road-userid", "TJ12345"),
        ("connection", "x-private"),
        ("x-private", "p"),
    ]);
    let (st, hd, body) = call(&app, "GET", &path, &h).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(hd["x-road-id"], "msg-1");
    assert_eq!(hd["x-road-client"], CLIENT);
    assert_eq!(hd["x-road-service"], "TJ/GOV/020000105/tax-register/echo");
    assert_eq!(hd["x-road-request-id"].len(), 36);
    assert!(hd["x-road-request-hash"].len() >= 80);
    assert!(
        !hd.contains_key("x-secret"),
        "hop-by-hop answer headers are dropped"
    );
    let seen: Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = seen["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"authorization"),
        "the client's token never reaches the provider"
    );
    assert!(!names.contains(&"x-private") && !names.contains(&"connection"));
    assert!(names.contains(&"x-road-client") && names.contains(&"x-road-userid"));
    assert!(
        names.contains(&"x-road-id"),
        "the provider learns the message id"
    );

    // Refusals, each in X-Road's format with its type.
    let refusals: Vec<Refusal> = vec![
        (
            "GET",
            format!("{}/echo/a%2F..%2Fadmin", s.echo),
            auth.to_vec(),
            400,
            "Client.BadRequest",
        ),
        (
            "POST",
            format!("{}/echo/abc", s.echo),
            auth.to_vec(),
            403,
            "Client.AccessDenied",
        ),
        (
            "GET",
            format!("{}/other", s.echo),
            auth.to_vec(),
            403,
            "Client.AccessDenied",
        ),
        (
            "GET",
            "/r1/TJ/GOV/020000106/civil-registry/person-lookup/persons/1".into(),
            auth.to_vec(),
            403,
            "Client.AccessDenied",
        ),
        (
            "GET",
            "/r1/TJ/GOV/020000105/tax-register/nothing/x".into(),
            auth.to_vec(),
            404,
            "Client.UnknownService",
        ),
        (
            "GET",
            format!("{}/echo/a", s.echo),
            vec![("authorization", bearer.as_str())],
            400,
            "Client.InvalidClientIdentifier",
        ),
        (
            "GET",
            format!("{}/echo/a", s.echo),
            vec![("x-road-client", CLIENT)],
            401,
            "Client.AuthenticationFailed",
        ),
        (
            "GET",
            format!("{}/echo/a", s.echo),
            vec![
                ("x-road-client", CLIENT),
                ("authorization", "Bearer egov_made_up"),
            ],
            401,
            "Client.AuthenticationFailed",
        ),
        (
            "GET",
            format!("{}/echo/a", s.echo),
            vec![
                ("x-road-client", "TJ/GOV/020000104/export-support"),
                ("authorization", bearer.as_str()),
            ],
            403,
            "Client.IdentifierMismatch",
        ),
        (
            "GET",
            "/r1/TJ/GOV".into(),
            auth.to_vec(),
            400,
            "Client.BadRequest",
        ),
        (
            "GET",
            format!("{}/echo/a", s.personal),
            auth.to_vec(),
            403,
            "Client.ConsentMissing",
        ),
        (
            "GET",
            format!("{}/slow", s.echo),
            auth.to_vec(),
            504,
            "Server.ServerProxy.Timeout",
        ),
    ];
    for (method, path, headers, status, kind) in &refusals {
        let (st, hd, body) = call(&app, method, path, headers).await;
        assert_eq!(
            (st, error_type(&body).as_str()),
            (*status, *kind),
            "{method} {path}: {body}"
        );
        assert_eq!(hd["x-road-error"], *kind);
    }
    // With consent headers the personal-data service answers; redirects come back, not followed.
    let mut h = auth.to_vec();
    h.extend([
        ("x-road-userid", "TJ0101199012345"),
        ("x-egov-purpose", "loan application 77"),
    ]);
    assert_eq!(
        call(&app, "GET", &format!("{}/echo/a", s.personal), &h)
            .await
            .0,
        200
    );
    let (st, hd, _) = call(&app, "GET", &format!("{}/moved", s.echo), &auth).await;
    assert_eq!(st, 302);
    assert_eq!(hd["location"], "http://127.0.0.1:1/elsewhere");
    // XML for those who ask.
    let mut h = auth.to_vec();
    h.push(("accept", "text/xml"));
    let (_, _, body) = call(&app, "POST", &format!("{}/echo/abc", s.echo), &h).await;
    assert!(body.contains("<type>Client.AccessDenied</type>"), "{body}");

    // Metaservices answer from the registry.
    let (st, _, body) = call(&app, "GET", "/listClients", &[]).await;
    assert_eq!(st, 200);
    assert!(
        body.contains("<xrd:clientList")
            && body.contains("<id:subsystemCode>loan-desk</id:subsystemCode>"),
        "XML by default, as X-Road does"
    );
    let (st, _, body) = call(
        &app,
        "GET",
        "/listClients",
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(st, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["member"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"]["subsystem_code"] == "loan-desk")
    );
    let (_, _, body) = call(
        &app,
        "GET",
        "/r1/TJ/GOV/020000105/tax-register/listMethods",
        &auth,
    )
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let codes: Vec<&str> = v["service"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"company-lookup") && codes.contains(&"echo"),
        "{codes:?}"
    );
    let (_, _, body) = call(
        &app,
        "GET",
        "/r1/TJ/GOV/020000105/tax-register/allowedMethods",
        &auth,
    )
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let echo = v["service"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "echo")
        .unwrap()
        .clone();
    assert!(
        echo["endpoint_list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["method"] == "GET" && e["path"] == "/echo/*")
    );
    let (_, _, body) = call(
        &app,
        "GET",
        "/r1/TJ/GOV/020000105/tax-register/getOpenAPI?serviceCode=echo",
        &auth,
    )
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["servers"][0]["url"], "/api/v1");

    // A revoked grant is refused at the next call; so are revoked and expired credentials.
    let tax_org = app
        .store
        .subsystems(None)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code.as_str() == "tax-register")
        .unwrap()
        .org;
    app.store
        .revoke_grant(s.grant, &[tax_org], egov_core::UserId(1), &Actor::System)
        .await
        .unwrap();
    let (st, body, tries) = until_refused(&app, &format!("{}/echo/a", s.echo), &auth).await;
    assert_eq!(
        (st, error_type(&body).as_str()),
        (403, "Client.AccessDenied")
    );
    let bank = app
        .store
        .subsystems(None)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code.as_str() == SubsystemCode::parse("loan-desk").unwrap().as_str())
        .unwrap();
    let short = "egov_short_lived_token_for_the_expiry_test_xx";
    app.store
        .create_credential(
            NewCredential {
                subsystem: bank.id,
                kind: CredentialKind::Token,
                label: "short",
                secret_hash: &egov_portal::security::token_hash(short),
                certificate: None,
                expires_at: Millis::now().plus_secs(1),
                by: None,
            },
            &Actor::System,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = format!("Bearer {short}");
    let (st, _, body) = call(
        &app,
        "GET",
        &format!("{}/echo/a", s.personal),
        &[
            ("x-road-client", CLIENT),
            ("authorization", expired.as_str()),
        ],
    )
    .await;
    assert_eq!(
        (st, error_type(&body).as_str()),
        (401, "Client.AuthenticationFailed"),
        "{body}"
    );

    // Every call is a leaf, refused ones too, and the log verifies against its signed checkpoints.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let leaves = app.store.log_size("node-1").await.unwrap();
    assert_eq!(
        leaves,
        1 + refusals.len() as u64 + 2 + 1 + 3 + tries + 1,
        "one leaf per call"
    );
    let refused = app
        .store
        .search_log(&egov_store::LogQuery {
            message_id: Some("msg-1".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(refused[0].status, 200);
    let key = std::fs::read_to_string(app.config.data_dir.join("gateway/node.pub")).unwrap();
    let verifier = egov_gateway::log::keys::verifier(&key).unwrap();
    let report = egov_gateway::log::proofs::verify(&app.store, "node-1", &verifier, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.leaves, leaves);
    let proof = egov_gateway::log::proofs::prove(&app.store, "msg-1", None)
        .await
        .unwrap();
    egov_gateway::log::proofs::check_proof(&proof, &verifier).unwrap();
}

#[tokio::test]
async fn quotas_and_dead_providers_get_their_errors() {
    // A port nothing listens on: bind, note, close.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let app = spawn_with(Backend::Sqlite, true, |_| {}).await;
    let s = setup(&app, &format!("http://{dead}"), 2).await;
    let bearer = format!("Bearer {}", s.token);
    let auth = [
        ("x-road-client", CLIENT),
        ("authorization", bearer.as_str()),
    ];
    let (st, _, body) = call(&app, "GET", &format!("{}/echo/a", s.echo), &auth).await;
    assert_eq!(
        (st, error_type(&body).as_str()),
        (502, "Server.ServerProxy.NetworkError"),
        "{body}"
    );
    let _ = call(&app, "GET", &format!("{}/echo/a", s.echo), &auth).await;
    let (st, hd, body) = call(&app, "GET", &format!("{}/echo/a", s.echo), &auth).await;
    assert_eq!(
        (st, error_type(&body).as_str()),
        (429, "Client.RateLimited"),
        "{body}"
    );
    let wait: u64 = hd["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (2..=31).contains(&wait),
        "two calls a minute: wait about 30 s, not {wait}"
    );
}
