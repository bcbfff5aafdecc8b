//! Tampering with the gateway's message log is found: a changed field or record of one stored leaf, or a
//! deleted leaf, makes `egov log verify` fail naming it; a log rewritten and re-signed by someone holding
//! the node's key still cannot pass a consistency check against a proof an auditor kept from before.

#[macro_use]
mod common;

use std::process::Command;
use std::time::Duration;

use common::{Backend, TestApp, spawn_with};
use egov_gateway::log::proofs;
use egov_gateway::log::tree::{self, MemoryHashes};

on_both_backends!(tampering_is_found);

async fn some_calls(app: &TestApp, n: usize) {
    let c = reqwest::Client::new();
    for i in 0..n {
        // Refused calls (no credential) are logged like any other.
        let r = c
            .get(app.url("/r1/TJ/GOV/020000105/tax-register/company-lookup/companies/1"))
            .header("x-road-client", "TJ/COM/030000201/loan-desk")
            .header("x-road-id", format!("call-{i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

fn verify_cli(app: &TestApp) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_egov"));
    cmd.args(["log", "verify", "--data"])
        .arg(&app.config.data_dir);
    if let egov::config::Database::Postgres(url) = &app.config.database {
        cmd.args(["--database", url]);
    }
    let o = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

async fn exec(app: &TestApp, sql: String) {
    app.store.raw_execute_text_for_tests(sql).await.unwrap();
}

async fn tampering_is_found(backend: Backend) {
    let app = spawn_with(backend, false, |raw| raw.log.checkpoint_ms = Some(50)).await;
    some_calls(&app, 20).await;
    let (ok, text) = verify_cli(&app);
    assert!(ok, "{text}");
    assert!(text.contains("20 leaves"), "{text}");
    // An auditor keeps a proof (with its signed checkpoint) from now.
    let key_text = std::fs::read_to_string(app.config.data_dir.join("gateway/node.pub")).unwrap();
    let verifier = egov_gateway::log::keys::verifier(&key_text).unwrap();
    let kept = proofs::prove(&app.store, "call-3", None).await.unwrap();
    let old = proofs::check_proof(&kept, &verifier).unwrap();
    assert_eq!(old.size, 20);

    // One field of one leaf changed: named.
    exec(
        &app,
        "UPDATE gateway_log SET status = 200 WHERE idx = 5".into(),
    )
    .await;
    let (ok, text) = verify_cli(&app);
    assert!(!ok && text.contains("leaf 5 (call-5)"), "{text}");
    exec(
        &app,
        "UPDATE gateway_log SET status = 401 WHERE idx = 5".into(),
    )
    .await;
    assert!(verify_cli(&app).0, "restored");

    // The record itself changed (columns and record agree): named by the tree.
    let leaf = app
        .store
        .log_leaves("node-1", 7, 8)
        .await
        .unwrap()
        .remove(0);
    let forged = leaf.record.replace("\"status\":401", "\"status\":402");
    exec(
        &app,
        format!(
            "UPDATE gateway_log SET record = '{}', status = 402 WHERE idx = 7",
            forged.replace('\'', "''")
        ),
    )
    .await;
    let (ok, text) = verify_cli(&app);
    assert!(
        !ok && text.contains("leaf 7 (call-7) was altered"),
        "{text}"
    );

    // Someone with the node's key rewrites history consistently: new hashes, old checkpoints replaced by
    // a fresh signature. The log "verifies" on its own, but not against the auditor's kept checkpoint.
    let leaves = app.store.log_leaves("node-1", 0, 20).await.unwrap();
    let mut all = MemoryHashes::default();
    for l in &leaves {
        for (i, h) in all
            .append(l.idx, tlog_tiles::tlog::record_hash(l.record.as_bytes()))
            .unwrap()
        {
            exec(
                &app,
                format!(
                    "UPDATE gateway_log_hashes SET hash = '{}' WHERE node = 'node-1' AND idx = {i}",
                    tree::to_hex(&h)
                ),
            )
            .await;
        }
    }
    exec(&app, "DELETE FROM gateway_checkpoints".into()).await;
    let (signer, _) =
        egov_gateway::log::keys::load_or_create(&app.config.data_dir.join("gateway"), "unused")
            .unwrap();
    let root = tlog_tiles::tlog::tree_hash(20, &all).unwrap();
    let note = egov_gateway::log::sign_checkpoint(&signer, &old.origin, 20, root).unwrap();
    app.store.add_checkpoint("node-1", 20, &note).await.unwrap();
    let report = proofs::verify(&app.store, "node-1", &verifier, &mut |_, _| {}).await;
    assert!(
        report.is_ok(),
        "a consistent rewrite passes on its own: {report:?}"
    );
    let err = proofs::consistency(&app.store, "node-1", &kept.checkpoint, &verifier)
        .await
        .unwrap_err();
    assert!(err.contains("not an extension"), "{err}");
    assert!(
        proofs::check_proof(&kept, &verifier).is_ok(),
        "the kept proof still holds for what it saw"
    );

    // A deleted leaf: named.
    exec(&app, "DELETE FROM gateway_log WHERE idx = 9".into()).await;
    let (ok, text) = verify_cli(&app);
    assert!(!ok && text.contains("leaf 9 is missing"), "{text}");
    // And the last leaves removed: found against the signed size.
    exec(&app, "DELETE FROM gateway_log WHERE idx >= 15".into()).await;
    let (ok, text) = verify_cli(&app);
    assert!(!ok && text.contains("missing"), "{text}");
}
