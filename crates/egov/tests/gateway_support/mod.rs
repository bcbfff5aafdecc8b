//! What the gateway tests share: a real provider on a random port, and the registry set-up that grants
//! the demo bank's loan desk two services of the Tax Committee that point at it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{any, get};
use egov_core::{EndpointPattern, Environment, ServiceCode};
use egov_store::{Actor, Decision, Endpoint, NewApplication, NewService};
use serde_json::{Value, json};

use crate::common::TestApp;

/// A provider that answers companies, echoes what it received, sleeps, and redirects.
pub async fn provider() -> SocketAddr {
    serve_provider(None).await
}

/// The same provider over HTTPS with a certificate for `localhost` issued by a CA of its own; returns the
/// address and that CA's certificate (PEM).
pub async fn https_provider(dir: &std::path::Path) -> (SocketAddr, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(vec![]).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Provider test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let (c, k) = (dir.join("provider.pem"), dir.join("provider.key"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    let acceptor =
        egov::server::tls_acceptor(&egov::config::TlsFiles { cert: c, key: k }, None).unwrap();
    (serve_provider(Some(acceptor)).await, ca_cert.pem())
}

async fn serve_provider(tls: Option<tokio_rustls::TlsAcceptor>) -> SocketAddr {
    let app =
        axum::Router::new()
            .route(
                "/companies/{inn}",
                get(|Path(inn): Path<String>| async move {
                    Json(json!({"inn": inn, "name": "Namuna"}))
                }),
            )
            .route(
                "/echo/{*rest}",
                any(|headers: HeaderMap, body: String| async move {
                    let names: Vec<String> =
                        headers.keys().map(|k| k.as_str().to_owned()).collect();
                    (
                        [
                            ("connection", "close, x-secret"),
                            ("x-secret", "hop"),
                            ("x-road-client", "forged"),
                        ],
                        Json(json!({"headers": names, "body": body})),
                    )
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    "late"
                }),
            )
            .route(
                "/moved",
                get(|| async {
                    (
                        StatusCode::FOUND,
                        [("location", "http://127.0.0.1:1/elsewhere")],
                        "",
                    )
                }),
            );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(egov::server::serve(l, app, tls, std::future::pending()));
    addr
}

pub struct Setup {
    pub token: String,
    /// `/r1/…` of the echo service.
    pub echo: String,
    /// `/r1/…` of the personal-data service.
    pub personal: String,
    pub grant: i64,
}

/// Registers two services of the Tax Committee at `backend` and grants the bank's loan desk parts of them.
pub async fn setup(app: &TestApp, backend: &str, quota: i64) -> Setup {
    let store = &app.store;
    let token = app
        .creds
        .as_ref()
        .unwrap()
        .consumer_token
        .as_ref()
        .unwrap()
        .token
        .clone();
    let systems = store.subsystems(None).await.unwrap();
    let tax = systems
        .iter()
        .find(|s| s.code.as_str() == "tax-register")
        .unwrap();
    let bank = systems
        .iter()
        .find(|s| s.code.as_str() == "loan-desk")
        .unwrap();
    let mut grants = vec![];
    for (code, personal) in [("echo", false), ("person-check", true)] {
        let s = store
            .create_service(
                &NewService {
                    subsystem: tax.id,
                    code: ServiceCode::parse(code).unwrap(),
                    title: egov_core::Localized::new().with(egov_core::Lang::parse("en").unwrap(), code),
                    description: egov_core::Localized::new(),
                    category: "tax".into(),
                    production_url: Some(backend.to_owned()),
                    test_url: None,
                    openapi: Some(json!({"openapi": "3.0.3", "info": {"title": code, "version": "1"}, "servers": [{"url": "https://tax.example/api/v1"}], "paths": {"/echo/{x}": {"get": {"responses": {"200": {"description": "ok"}}}}}})),
                    personal_data: personal,
                    rate_limit: 60,
                    sla: egov_core::Localized::new(),
                    endpoints: vec![
                        Endpoint { method: "GET".into(), path: "/echo/{x}".into() },
                        Endpoint { method: "POST".into(), path: "/echo/{x}".into() },
                        Endpoint { method: "GET".into(), path: "/slow".into() },
                        Endpoint { method: "GET".into(), path: "/moved".into() },
                    ],
                },
                &Actor::System,
            )
            .await
            .unwrap();
        let endpoints = vec![
            EndpointPattern::parse("GET", "/echo/*").unwrap(),
            EndpointPattern::parse("GET", "/slow").unwrap(),
            EndpointPattern::parse("GET", "/moved").unwrap(),
        ];
        let a = store
            .apply_for_access(
                &NewApplication {
                    consumer: bank.id,
                    service: s.id,
                    environment: Environment::Production,
                    endpoints: endpoints.clone(),
                    purpose: "tests".into(),
                    legal_basis: "tests".into(),
                    applied_by: egov_core::UserId(1),
                    due_working_days: 10,
                },
                &Actor::System,
            )
            .await
            .unwrap();
        let decided = store
            .decide_application(
                a.id,
                tax.org,
                &Decision::Approve {
                    endpoints,
                    quota,
                    expires_at: None,
                    note: None,
                },
                egov_core::UserId(1),
                &Actor::System,
            )
            .await
            .unwrap();
        grants.push(decided.id);
    }
    let grant = store
        .grants(None)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.application == grants[0])
        .unwrap()
        .id;
    Setup {
        token,
        echo: "/r1/TJ/GOV/020000105/tax-register/echo".into(),
        personal: "/r1/TJ/GOV/020000105/tax-register/person-check".into(),
        grant,
    }
}

pub const CLIENT: &str = "TJ/COM/030000201/loan-desk";

/// A call expected to be refused: method, path, headers, status, error type.
pub type Refusal<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, u16, &'a str);

pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, HeaderMap, String) {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = c.request(method.parse().unwrap(), app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let h = r.headers().clone();
    (status, h, r.text().await.unwrap())
}

pub fn error_type(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .map(|v| v["type"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default()
}

/// Calls until the gateway refuses (a revocation reaches it within a second: answers are remembered for a
/// quarter of one); returns the refusal and how many calls it took. Fails after 1 s.
pub async fn until_refused(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String, u64) {
    let started = std::time::Instant::now();
    let mut calls = 0;
    loop {
        let (st, _, body) = call(app, "GET", path, headers).await;
        calls += 1;
        if st >= 400 {
            return (st, body, calls);
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still allowed a second after the revocation"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
