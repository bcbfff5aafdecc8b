//! A newcomer's first call: the example in demo-credentials.json goes through the gateway to the demo
//! provider backend and answers 200 with X-Road's headers, and its record can be proven from the log.

mod common;
mod gateway_support;

use common::{Backend, spawn_with};

#[tokio::test]
async fn the_demo_example_call_succeeds() {
    let app = spawn_with(Backend::Sqlite, true, |raw| {
        raw.log.checkpoint_ms = Some(50)
    })
    .await;
    // The demo provider backend listens on its fixed port; another test run's may already be there, and
    // answers the same way (both come from the same registry).
    egov::demo::provider::spawn(&app.store).await.unwrap();
    let example = app
        .creds
        .as_ref()
        .unwrap()
        .gateway_example
        .clone()
        .expect("an example call");
    assert!(
        example
            .curl
            .starts_with("curl -i -H 'X-Road-Client: TJ/COM/030000201/loan-desk'")
    );
    let mut req = reqwest::Client::new().get(&example.url);
    for (k, v) in &example.headers {
        req = req.header(k, v);
    }
    let mut r = None;
    for _ in 0..40 {
        let resp = req.try_clone().unwrap().send().await.unwrap();
        if resp.status() == 200 {
            r = Some(resp);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = r.expect("the example call answers 200");
    assert_eq!(
        r.headers()["x-road-service"],
        "TJ/GOV/020000105/tax-register/company-lookup"
    );
    let id = r.headers()["x-road-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["inn"], "020000101");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let proof = egov_gateway::log::proofs::prove(&app.store, &id, None)
        .await
        .unwrap();
    assert!(proof.record.contains("\"status\":200"));
}

/// Two gateway nodes on one PostgreSQL: each keeps its own signed log, and a grant revoked through one is
/// refused by the other at its next call.
#[tokio::test]
async fn two_nodes_share_grants_and_keep_their_own_logs() {
    let up = gateway_support::provider().await;
    let a = spawn_with(Backend::Postgres, true, |raw| {
        raw.log.checkpoint_ms = Some(50)
    })
    .await;
    let s = gateway_support::setup(&a, &format!("http://{up}"), 1000).await;
    let second = egov_store::testing::TestStore {
        store: egov_store::Store::open_postgres(&a.db_url()).await.unwrap(),
        url: a.db_url(),
        dir: tempfile::tempdir().unwrap(),
    };
    let b = common::spawn_on(second, false, |raw| {
        raw.gateway.node = Some("node-2".into());
        raw.log.checkpoint_ms = Some(50);
    })
    .await;
    let bearer = format!("Bearer {}", s.token);
    let auth = [
        ("x-road-client", gateway_support::CLIENT),
        ("authorization", bearer.as_str()),
    ];
    let path = format!("{}/echo/x", s.echo);
    assert_eq!(gateway_support::call(&a, "GET", &path, &auth).await.0, 200);
    assert_eq!(gateway_support::call(&b, "GET", &path, &auth).await.0, 200);
    let tax = a
        .store
        .subsystems(None)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code.as_str() == "tax-register")
        .unwrap();
    a.store
        .revoke_grant(
            s.grant,
            &[tax.org],
            egov_core::UserId(1),
            &egov_store::Actor::System,
        )
        .await
        .unwrap();
    let (st, body, tries) = gateway_support::until_refused(&b, &path, &auth).await;
    assert_eq!(
        (st, gateway_support::error_type(&body).as_str()),
        (403, "Client.AccessDenied")
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for (app, node, leaves) in [(&a, "node-1", 1), (&b, "node-2", 1 + tries)] {
        assert_eq!(app.store.log_size(node).await.unwrap(), leaves);
        let key = std::fs::read_to_string(app.config.data_dir.join("gateway/node.pub")).unwrap();
        let v = egov_gateway::log::keys::verifier(&key).unwrap();
        egov_gateway::log::proofs::verify(&app.store, node, &v, &mut |_, _| {})
            .await
            .unwrap();
    }
}
