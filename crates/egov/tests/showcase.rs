//! The bridge's showcase over real HTTP on both backends: the demo's services listed and filtered, each
//! passport rendering its OpenAPI reference with the full X-Road id, the document downloadable, bad input
//! refused.

#[macro_use]
mod common;

use common::{Backend, spawn_demo};

on_both_backends!(
    the_showcase_lists_and_filters,
    a_passport_renders_its_reference
);

async fn get(app: &common::TestApp, path: &str) -> (u16, String) {
    let r = app.client().get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn count_cards(html: &str) -> usize {
    html.matches("<li class=\"card\">").count()
}

async fn the_showcase_lists_and_filters(backend: Backend) {
    let app = spawn_demo(backend).await;
    let (s, html) = get(&app, "/en/services").await;
    assert_eq!(s, 200);
    assert_eq!(count_cards(&html), 5);
    for passport in [
        "MOJ-S-0001",
        "TAX-S-0001",
        "MIA-S-0001",
        "MIA-S-0002",
        "MIA-S-0003",
    ] {
        assert!(
            html.contains(&format!("/en/services/{passport}\"")),
            "{passport}"
        );
    }
    assert_eq!(
        count_cards(&get(&app, "/en/services?personal=yes").await.1),
        3
    );
    assert_eq!(
        count_cards(&get(&app, "/en/services?personal=no").await.1),
        2
    );
    assert_eq!(
        count_cards(&get(&app, "/en/services?provider=mia").await.1),
        3
    );
    assert_eq!(
        count_cards(
            &get(&app, "/en/services?category=transport&provider=mia")
                .await
                .1
        ),
        2
    );
    assert_eq!(
        count_cards(&get(&app, "/en/services?q=civil+registry").await.1),
        1
    );
    assert_eq!(
        count_cards(&get(&app, "/ru/services?q=%D0%B8%D0%BD%D0%BD").await.1),
        1,
        "ИНН in Russian"
    );
    let (s, html) = get(&app, "/en/services?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert_eq!(s, 200);
    assert_eq!(count_cards(&html), 0);
    assert!(!html.contains("<script>alert(1)"));
    assert_eq!(get(&app, "/en/services?personal=maybe").await.0, 400);
    assert_eq!(get(&app, "/xx/services").await.0, 404);
    app.stop().await.unwrap();
}

async fn a_passport_renders_its_reference(backend: Backend) {
    let app = spawn_demo(backend).await;
    let (s, html) = get(&app, "/en/services/MOJ-S-0001").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("TJ/GOV/020000106/civil-registry/person-lookup"),
        "the full service id"
    );
    assert!(html.contains("GET /persons/{personalNumber}"));
    assert!(html.contains("id=\"schema-Person\""));
    assert!(html.contains("1000123456"), "examples are shown");
    assert!(html.contains("/en/services/MOJ-S-0001/openapi.json"));
    // The Tajik page keeps the document's English texts marked as English.
    let (_, tg) = get(&app, "/tg/services/MOJ-S-0001").await;
    assert!(tg.contains("lang=\"en\""));
    let r = app
        .client()
        .get(app.url("/en/services/MOJ-S-0001/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("MOJ-S-0001.openapi.json")
    );
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/persons/{personalNumber}"]["get"].is_object());
    let stored = app.store.services(None).await.unwrap();
    let moj = stored.iter().find(|s| s.passport == "MOJ-S-0001").unwrap();
    assert_eq!(
        moj.openapi.as_ref().unwrap(),
        &doc,
        "the document is served as stored"
    );
    assert_eq!(moj.endpoints.len(), 2);
    for bad in [
        "/en/services/NOPE-S-0009",
        "/en/services/..%2F..%2Fetc",
        "/en/services/MOJ-S-0001%00",
        "/en/services/NOPE/openapi.json",
    ] {
        assert_eq!(get(&app, bad).await.0, 404, "{bad}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_registry_api_lists_and_describes_services() {
    let app = spawn_demo(Backend::Sqlite).await;
    let c = app.client();
    let list: serde_json::Value = c
        .get(app.url("/api/v1/services?personal=yes&lang=ru"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3);
    let moj = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["passport"] == "MOJ-S-0001")
        .unwrap();
    assert_eq!(
        moj["service_id"],
        "TJ/GOV/020000106/civil-registry/person-lookup"
    );
    assert!(
        moj["title"]
            .as_str()
            .unwrap()
            .chars()
            .any(|ch| ('а'..='я').contains(&ch)),
        "title in Russian"
    );
    assert_eq!(moj["endpoints"].as_array().unwrap().len(), 2);
    assert!(
        moj["openapi_url"]
            .as_str()
            .unwrap()
            .ends_with("/ru/services/MOJ-S-0001/openapi.json")
    );
    let one = c
        .get(app.url("/api/v1/services/TAX-S-0001"))
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
    let one: serde_json::Value = one.json().await.unwrap();
    assert_eq!(one["personal_data"], false);
    for (path, status) in [
        ("/api/v1/services/NOPE-S-0001", 404),
        ("/api/v1/services?personal=maybe", 400),
        ("/api/v1/services?lang=xx", 400),
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert!(r.text().await.unwrap().starts_with('{'));
    }
    let doc: serde_json::Value = c
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/services/{passport}"]["get"].is_object());
    app.stop().await.unwrap();
}
