//! A newcomer's first call: the example in demo-credentials.json goes through the gateway to the demo
//! provider backend and answers 200 with X-Road's headers, and its record can be proven from the log.

mod common;

use common::{Backend, spawn_with};

#[tokio::test]
async fn the_demo_example_call_succeeds() {
    let app = spawn_with(Backend::Sqlite, true, |raw| {
        raw.gateway.checkpoint_ms = Some(50)
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
    let proof = egov_gateway::log::proofs::prove(&app.store, &id)
        .await
        .unwrap();
    assert!(proof.record.contains("\"status\":200"));
}
