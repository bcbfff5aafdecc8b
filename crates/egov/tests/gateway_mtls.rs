//! Mutual TLS at the gateway: a client certificate issued by the deployment CA authenticates a subsystem
//! without a token; the same certificate is refused once revoked, and for another subsystem's header; a
//! certificate from another CA does not get through the handshake as a client identity.

mod common;
mod gateway_support;

use common::{Backend, spawn_with};
use egov_core::SubsystemId;
use egov_store::{Actor, CredentialKind, NewCredential};
use gateway_support::{CLIENT, error_type, provider, setup};

#[tokio::test]
async fn a_ca_issued_client_certificate_authenticates_its_subsystem() {
    common::install_crypto();
    let up = provider().await;
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    let app = spawn_with(Backend::Sqlite, true, move |raw| {
        raw.tls.cert = Some(c);
        raw.tls.key = Some(k);
    })
    .await;
    let s = setup(&app, &format!("http://{up}"), 1000).await;

    // The bank's administrator would get this from /admin/bridge/credentials; here straight from the CA.
    let ca = egov::authority::load(&app.config.data_dir)
        .unwrap()
        .expect("the demo has a CA");
    let loan_desk: SubsystemId = CLIENT.parse().unwrap();
    let issued = ca
        .issue_with_new_key(&loan_desk, "Sample Bank", 30)
        .unwrap();
    let system = app
        .store
        .subsystem_by_client(&loan_desk)
        .await
        .unwrap()
        .unwrap();
    let cred = app
        .store
        .create_credential(
            NewCredential {
                subsystem: system.id,
                kind: CredentialKind::Certificate,
                label: "mtls",
                secret_hash: &issued.fingerprint,
                certificate: Some((&issued.cert_pem, &issued.serial)),
                expires_at: issued.not_after,
                by: None,
            },
            &Actor::System,
        )
        .await
        .unwrap();
    let identity = format!("{}{}", issued.cert_pem, issued.key_pem.as_deref().unwrap());
    let client = |identity: Option<&str>| {
        let mut b = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
            .resolve("localhost", app.addr);
        if let Some(id) = identity {
            b = b.identity(reqwest::Identity::from_pem(id.as_bytes()).unwrap());
        }
        b.build().unwrap()
    };
    let url = format!("https://localhost:{}{}/echo/a", app.addr.port(), s.echo);
    let with_cert = client(Some(&identity));

    let r = with_cert
        .get(&url)
        .header("x-road-client", CLIENT)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // The certificate proves the loan desk, not another system.
    let r = with_cert
        .get(&url)
        .header("x-road-client", "TJ/GOV/020000104/export-support")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_type(&r.text().await.unwrap()),
        "Client.IdentifierMismatch"
    );
    // Without a certificate or token: refused. Pages still work without a certificate.
    let plain = client(None);
    let r = plain
        .get(&url)
        .header("x-road-client", CLIENT)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let home = plain
        .get(format!("https://localhost:{}/en/", app.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    // A certificate of another CA for the same name is not accepted as a client identity.
    let other = egov_core::ca::generate("Elsewhere CA", 1).unwrap();
    let other_ca = egov_core::ca::Ca::from_pem(&other.cert_pem, &other.key_pem).unwrap();
    let forged = other_ca
        .issue_with_new_key(&loan_desk, "Sample Bank", 30)
        .unwrap();
    let forged_id = format!("{}{}", forged.cert_pem, forged.key_pem.as_deref().unwrap());
    let outcome = client(Some(&forged_id))
        .get(&url)
        .header("x-road-client", CLIENT)
        .send()
        .await;
    assert!(
        outcome.is_err() || outcome.is_ok_and(|r| r.status() == 401),
        "a foreign CA's certificate never authenticates"
    );
    // Revoked: refused at the next call.
    app.store
        .revoke_credential(cred.id, &[system.org], &Actor::System)
        .await
        .unwrap();
    // Within a second (answers are remembered for a quarter of one), the next call is refused.
    let started = std::time::Instant::now();
    loop {
        let r = with_cert
            .get(&url)
            .header("x-road-client", CLIENT)
            .send()
            .await
            .unwrap();
        if r.status() == 401 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "still accepted after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Providers over HTTPS: reached when their certificate chains to a root the gateway trusts (here a CA the
/// operator added with `gateway.provider_ca`), refused as a network error when it does not.
#[tokio::test]
async fn https_providers_are_reached_only_with_a_trusted_certificate() {
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let (up, ca_pem) = gateway_support::https_provider(dir.path()).await;
    let ca_path = dir.path().join("provider-ca.pem");
    std::fs::write(&ca_path, ca_pem).unwrap();
    let trusted = spawn_with(Backend::Sqlite, true, move |raw| {
        raw.gateway.provider_ca = vec![ca_path];
    })
    .await;
    let url = format!("https://localhost:{}", up.port());
    let s = setup(&trusted, &url, 1000).await;
    let bearer = format!("Bearer {}", s.token);
    let auth = [
        ("x-road-client", CLIENT),
        ("authorization", bearer.as_str()),
    ];
    let (st, _, body) =
        gateway_support::call(&trusted, "GET", &format!("{}/echo/a", s.echo), &auth).await;
    assert_eq!(st, 200, "{body}");
    let untrusting = spawn_with(Backend::Sqlite, true, |_| {}).await;
    let s = setup(&untrusting, &url, 1000).await;
    let bearer = format!("Bearer {}", s.token);
    let auth = [
        ("x-road-client", CLIENT),
        ("authorization", bearer.as_str()),
    ];
    let (st, _, body) =
        gateway_support::call(&untrusting, "GET", &format!("{}/echo/a", s.echo), &auth).await;
    assert_eq!(
        (st, error_type(&body).as_str()),
        (502, "Server.ServerProxy.NetworkError"),
        "{body}"
    );
}
