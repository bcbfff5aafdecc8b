//! The listener as an operator meets it: TLS with Secure cookies, and graceful shutdown that lets
//! requests in flight finish.

mod common;

use std::time::Duration;

use common::{Backend, sign_in, spawn_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn tls_serves_https_with_secure_cookies() {
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let (c, k) = (cert_path.clone(), key_path.clone());
    let app = spawn_with(Backend::Sqlite, true, move |raw| {
        raw.tls.cert = Some(c);
        raw.tls.key = Some(k);
    })
    .await;
    let port = app.addr.port();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .resolve("localhost", app.addr)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let home = client.get(format!("{base}/en/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let login = client.get(format!("{base}/login")).send().await.unwrap();
    let csrf_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        csrf_cookie.starts_with("__Host-egov_csrf=") && csrf_cookie.contains("Secure"),
        "{csrf_cookie}"
    );
    let token = common::csrf_from(&login.text().await.unwrap());
    let (email, password) = app.account("platform-admin");
    let signed = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", email.as_str()),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    let session = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-egov_session="))
        .expect("a __Host- session cookie under TLS");
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("Path=/")
    );
    let admin = client.get(format!("{base}/admin")).send().await.unwrap();
    assert_eq!(admin.status(), 200);
    assert_eq!(
        admin.headers()["strict-transport-security"],
        "max-age=31536000"
    );

    // Plain HTTP to the TLS port gets no page.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/en/", app.addr))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    app.stop().await.unwrap();
}

#[tokio::test]
async fn bad_tls_files_are_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("cert.pem");
    std::fs::write(&bogus, "not a certificate").unwrap();
    let files = egov::config::TlsFiles {
        cert: bogus,
        key: dir.path().join("missing.pem"),
    };
    let err = format!(
        "{:#}",
        egov::server::tls_acceptor(&files, None)
            .err()
            .expect("refused")
    );
    assert!(err.contains("tls.cert") || err.contains("tls.key"), "{err}");
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let mut app = spawn_with(Backend::Sqlite, true, |_| {}).await;
    let client = app.client();
    let token = common::login_token(&app, &client).await;
    let cookie = format!("egov_csrf={token}");
    let (email, password) = app.account("platform-admin");
    let body = format!(
        "csrf={token}&email={}&password={password}&next=%2Fadmin",
        email.replace('@', "%40")
    );

    // Send the head and half of the body, then ask the server to stop.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.trigger_shutdown();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // New connections are no longer accepted…
    assert!(
        tokio::net::TcpStream::connect(app.addr).await.is_err(),
        "listener closed"
    );
    // …but the request in flight completes with its real answer.
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert!(answer.contains("egov_session="));
    tokio::time::timeout(Duration::from_secs(20), app.wait())
        .await
        .expect("server stopped")
        .unwrap();
}

#[tokio::test]
async fn sessions_survive_a_restart_on_postgres() {
    // Sessions live in the store, so a node can be restarted or replaced without signing everyone out.
    let app = spawn_with(Backend::Postgres, true, |_| {}).await;
    let client = app.client();
    let (email, password) = app.account("agency-admin");
    assert_eq!(
        sign_in(&app, &client, &email, &password).await.status(),
        303
    );
    let creds = app.creds.clone();
    let db = app.stop_keep_db().await;
    let mut again = common::spawn_on(db, false, |_| {}).await;
    again.creds = creds;
    // Cookies are per host, not per port: the same browser session reaches the new node.
    let admin = client.get(again.url("/admin")).send().await.unwrap();
    assert_eq!(admin.status(), 200);
    assert!(admin.text().await.unwrap().contains(&email));
    again.stop().await.unwrap();
}
