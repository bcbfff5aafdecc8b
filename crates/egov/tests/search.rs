//! Search as citizens use it: realistic queries over the demo content, inflections, typos, hostile input,
//! and an index that follows the store within a second.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestApp, spawn_demo, spawn_on};
use egov_core::{ContentKind, ItemSlug, Lang, Localized, Slug, Status};
use egov_store::{Actor, NewContent};

#[derive(serde::Deserialize)]
struct Case {
    q: String,
    lang: String,
    expect: String,
    why: String,
}

async fn search(app: &TestApp, params: &[(&str, &str)]) -> serde_json::Value {
    let r = app
        .client()
        .get(app.url("/api/v1/search"))
        .query(params)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{params:?}");
    r.json().await.unwrap()
}

fn keys(answer: &serde_json::Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn realistic_queries_find_their_item_in_the_top_three() {
    let app = spawn_demo(Backend::Sqlite).await;
    let cases: Vec<Case> = serde_json::from_str(include_str!("search_queries.json")).unwrap();
    assert!(cases.len() >= 30);
    let mut misses = vec![];
    for c in &cases {
        let answer = search(&app, &[("q", &c.q), ("lang", &c.lang), ("per_page", "3")]).await;
        let top = keys(&answer);
        if !top.contains(&c.expect) {
            misses.push(format!(
                "{:?} ({}, {}): wanted {}, got {top:?}",
                c.q, c.lang, c.why, c.expect
            ));
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {} queries missed:\n{}",
        misses.len(),
        cases.len(),
        misses.join("\n")
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn hostile_and_empty_queries_get_normal_pages() {
    let app = spawn_demo(Backend::Sqlite).await;
    let huge = "договор ".repeat(600);
    let nasty = [
        "",
        " ",
        "\"",
        "((((",
        "AND OR NOT",
        "title:\"x\" -y +z*",
        "[]{}^~:\\/",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "%00",
        "😀😀😀",
        &huge,
    ];
    for q in nasty {
        let r = app
            .client()
            .get(app.url("/en/search"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "{:?}",
            q.chars().take(30).collect::<String>()
        );
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "the query is escaped");
        let api = search(&app, &[("q", q)]).await;
        assert!(api["total"].is_number());
    }
    for (params, name) in [
        (vec![("q", "x"), ("page", "0")], "page"),
        (vec![("q", "x"), ("kind", "memo")], "content kind"),
        (vec![("q", "x"), ("in", "de")], "in"),
    ] {
        let r = app
            .client()
            .get(app.url("/api/v1/search"))
            .query(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(name),
            "{body}"
        );
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn pages_show_snippets_facets_and_suggestions() {
    let app = spawn_demo(Backend::Sqlite).await;
    let c = app.client();
    let html = c
        .get(app.url("/ru/search?q=договор"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<mark>"), "matched words are highlighted");
    assert!(html.contains("class=\"facets\""));
    assert!(html.contains("role=\"search\""));
    let scoped = c
        .get(app.url("/en/tax/search?q=declaration"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        scoped.contains("/en/tax/"),
        "an agency's search stays within it"
    );
    let answer = search(&app, &[("q", "declaration"), ("agency", "tax")]).await;
    assert!(keys(&answer).iter().all(|k| k.contains(":tax:")));
    let faceted = search(
        &app,
        &[("q", "SmartBridge"), ("kind", "news"), ("year", "2024")],
    )
    .await;
    assert!(
        faceted["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "news" && i["date"].as_str().unwrap().starts_with("2024"))
    );
    // Two typos in one word find nothing, but the page offers the right spelling.
    let lost = search(&app, &[("q", "Mukhridin")]).await;
    assert_eq!(lost["total"], 0);
    assert_eq!(lost["suggestion"], "muhriddin");
    let page = c
        .get(app.url("/en/search?q=Mukhridin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("href=\"/en/search?q=muhriddin\""));
    app.stop().await.unwrap();
}

async fn wait_for(app: &TestApp, q: &str, present: bool) -> Duration {
    let start = Instant::now();
    loop {
        let found = search(app, &[("q", q)]).await["total"].as_u64().unwrap() > 0;
        if found == present {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{q:?} did not become {present} in 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn index_follows_the_store(backend: Backend) {
    let app = spawn_demo(backend).await;
    let tax = app
        .store
        .organization_by_slug(&Slug::parse("tax").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut story = NewContent {
        org: tax.id,
        kind: ContentKind::News,
        slug: ItemSlug::parse("2026-11-22-zebrafinch-audit").unwrap(),
        subtype: "news".into(),
        status: Status::Published,
        date: egov_core::clock::Millis::parse_ymd("2026-11-22"),
        position: 0,
        title: Localized::new()
            .with(Lang::EN, "Zebrafinch audit completed")
            .with(Lang::TG, "Санҷиши зебрафинч анҷом ёфт"),
        summary: Localized::new(),
        body: Localized::new(),
        meta: serde_json::json!({}),
    };
    app.store.put_content(&story, &Actor::System).await.unwrap();
    let published = wait_for(&app, "zebrafinch", true).await;
    story.status = Status::Archived;
    app.store.put_content(&story, &Actor::System).await.unwrap();
    let archived = wait_for(&app, "zebrafinch", false).await;
    // The requirement is one second; the poll runs every 250 ms.
    assert!(
        published < Duration::from_secs(1) && archived < Duration::from_secs(1),
        "{published:?} {archived:?}"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn index_follows_the_store_on_sqlite() {
    index_follows_the_store(Backend::Sqlite).await;
}

#[tokio::test]
async fn index_follows_the_store_on_postgres() {
    index_follows_the_store(Backend::Postgres).await;
}

#[tokio::test]
async fn a_corrupt_index_is_rebuilt_at_start() {
    let app = spawn_demo(Backend::Sqlite).await;
    let before = search(
        &app,
        &["q", "treaty"]
            .chunks(2)
            .map(|c| (c[0], c[1]))
            .collect::<Vec<_>>(),
    )
    .await["total"]
        .clone();
    let dir = app.config.data_dir.join("search-index");
    let db = app.stop_keep_db().await;
    // Scribble over every file of the index.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::write(&path, b"this is not an index").unwrap();
        }
    }
    let again = spawn_on(db, false, |_| {}).await;
    let after = search(&again, &[("q", "treaty")]).await["total"].clone();
    assert_eq!(before, after);
    assert!(after.as_u64().unwrap() > 0);
    again.stop().await.unwrap();
}

#[tokio::test]
async fn reindex_rebuilds_from_the_store() {
    let app = spawn_demo(Backend::Sqlite).await;
    let data = app.config.data_dir.clone();
    let db = app.stop_keep_db().await;
    std::fs::remove_dir_all(data.join("search-index")).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_egov"));
    for (k, _) in
        std::env::vars().filter(|(k, _)| k.starts_with("EGOV_") && !k.starts_with("EGOV_TEST_"))
    {
        cmd.env_remove(k);
    }
    let out = cmd
        .args(["reindex", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items: u32 = stdout
        .split("search index rebuilt: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {stdout}"));
    assert!(items >= 100, "{stdout}");
    // The rebuilt index serves the next start without another rebuild.
    let again = spawn_on(db, false, |_| {}).await;
    assert!(
        search(&again, &[("q", "treaty")]).await["total"]
            .as_u64()
            .unwrap()
            > 0
    );
    again.stop().await.unwrap();
}
