//! The provider's registry forms over real HTTP on both backends: an agency's administrator registers an
//! information system and a service with a YAML OpenAPI document, which appears in the showcase with its
//! operations; invalid documents, malformed codes, bad URLs and another organization's system are refused
//! and change nothing; a service is deprecated and made active again.

#[macro_use]
mod common;

use common::{Backend, csrf_from, page, signed_in, spawn_demo};

on_both_backends!(a_provider_registers_a_system_and_a_service);

const YAML: &str = "openapi: 3.0.3
info:
  title: Land plot lookup
  version: '1.0'
paths:
  /plots/{cadastre}:
    get:
      parameters:
        - {name: cadastre, in: path, required: true, schema: {type: string}, example: '01-02-0003'}
      responses:
        '200':
          description: The plot
          content:
            application/json:
              example: {cadastre: '01-02-0003', area_m2: 600}
  /plots:
    post:
      responses:
        '201': {description: Registered}
";

async fn a_provider_registers_a_system_and_a_service(backend: Backend) {
    let app = spawn_demo(backend).await;
    let moj = signed_in(&app, "admin@moj.tj").await;
    let (s, html) = page(&moj, &app, "/admin/bridge/systems").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("civil-registry"),
        "the agency's own system is listed"
    );
    let t = csrf_from(&html);
    let at = html.find("id=\"sys-org\"").unwrap();
    let start = html[at..].find("<option value=\"").unwrap() + at + 15;
    let org = html[start..].split('"').next().unwrap().to_owned();

    let systems_before = app.store.subsystems(None).await.unwrap().len();
    let add_system = |code: &'static str, contact: &'static str| {
        let (moj, t, org) = (&moj, t.clone(), org.clone());
        let url = app.url("/admin/bridge/systems");
        async move {
            moj.post(url)
                .form(&[
                    ("csrf", t.as_str()),
                    ("org", org.as_str()),
                    ("code", code),
                    ("name_tg", "Феҳристи қитъаҳои замин"),
                    ("name_en", "Land plot register"),
                    ("contact", contact),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(add_system("bad code!", "it@moj.tj").await.status(), 400);
    assert_eq!(
        add_system("land-plots", "not an address").await.status(),
        400
    );
    assert_eq!(
        app.store.subsystems(None).await.unwrap().len(),
        systems_before
    );
    assert_eq!(add_system("land-plots", "it@moj.tj").await.status(), 303);
    let twice = add_system("land-plots", "it@moj.tj").await;
    assert_eq!(twice.status(), 400, "one code per organization");
    let system = app
        .store
        .subsystems(None)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.code.as_str() == "land-plots")
        .expect("registered");

    let services_before = app.store.services(None).await.unwrap().len();
    let add_service = |openapi: &'static str, url: &'static str, sys: String| {
        let (moj, t) = (&moj, t.clone());
        let to = app.url("/admin/bridge/services");
        async move {
            moj.post(to)
                .form(&[
                    ("csrf", t.as_str()),
                    ("subsystem", sys.as_str()),
                    ("code", "plot-lookup"),
                    ("title_tg", "Маълумот дар бораи қитъаи замин"),
                    ("title_en", "Land plot lookup"),
                    ("category", "land"),
                    ("production_url", url),
                    ("rate_limit", "120"),
                    ("openapi", openapi),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let sys = system.id.to_string();
    // Refused, changing nothing: a broken document, Swagger 2, a URL with credentials, a foreign system.
    let r = add_service(
        "openapi: [broken",
        "http://127.0.0.1:18181/land",
        sys.clone(),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("OpenAPI document"));
    let r = add_service(
        "{\"swagger\": \"2.0\"}",
        "http://127.0.0.1:18181/land",
        sys.clone(),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = add_service(YAML, "http://user:pw@127.0.0.1:18181/land", sys.clone()).await;
    assert_eq!(r.status(), 400);
    let r = add_service(YAML, "ftp://127.0.0.1/land", sys.clone()).await;
    assert_eq!(r.status(), 400);
    for url in [
        "http://169.254.169.254/latest",
        "http://127.0.0.1:18181/land?x=1",
        "http://h:99999/a",
    ] {
        let r = add_service(YAML, url, sys.clone()).await;
        assert_eq!(r.status(), 400, "{url}");
    }
    let bank_system = app
        .store
        .subsystems(None)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.code.as_str() == "loan-desk")
        .unwrap();
    let r = add_service(
        YAML,
        "http://127.0.0.1:18181/land",
        bank_system.id.to_string(),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.store.services(None).await.unwrap().len(),
        services_before
    );

    // A good YAML document: the service is in the showcase with its operations.
    let r = add_service(YAML, "http://127.0.0.1:18181/land/", sys.clone()).await;
    assert_eq!(r.status(), 303);
    let passport = r.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert!(passport.starts_with("MOJ-S-"), "{passport}");
    let service = app
        .store
        .services(Some(system.id))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(service.endpoints.len(), 2);
    assert_eq!(
        service.production_url.as_deref(),
        Some("http://127.0.0.1:18181/land")
    );
    assert_eq!(service.rate_limit, 120);
    let public = reqwest::get(app.url(&format!("/en/services/{passport}")))
        .await
        .unwrap();
    assert_eq!(public.status(), 200);
    let html = public.text().await.unwrap();
    assert!(html.contains("Land plot lookup") && html.contains("/plots/{cadastre}"));
    assert!(html.contains("land-plots/plot-lookup"));

    // Deprecate, then bring back; another agency cannot.
    let tax = signed_in(&app, "admin@tax.tj").await;
    let (_, tax_page) = page(&tax, &app, "/admin").await;
    let tax_t = csrf_from(&tax_page);
    let r = tax
        .post(app.url(&format!("/admin/bridge/services/{passport}/deprecated")))
        .form(&[("csrf", tax_t.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    for (status, want) in [("deprecated", "deprecated"), ("active", "active")] {
        let r = moj
            .post(app.url(&format!("/admin/bridge/services/{passport}/{status}")))
            .form(&[("csrf", t.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let now = app.store.service(service.id).await.unwrap().unwrap();
        assert_eq!(now.status.as_str(), want);
    }
    // Anonymous: sent to sign in, nothing shown.
    let r = app
        .client()
        .get(app.url("/admin/bridge/systems"))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200);
}
