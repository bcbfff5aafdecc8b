//! The public sites as a citizen (and an integrator) meets them, over real HTTP.

#[macro_use]
mod common;

use std::time::Duration;

use common::{Backend, TestApp, spawn_demo};

const AGENCIES: &[&str] = &[
    "aidt", "mfa", "mint", "medt", "tax", "moj", "mia", "dushanbe",
];
const LANGS: &[&str] = &["tg", "ru", "en"];

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client().get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn raw_get_status(app: &TestApp, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        app.addr
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split(' ').nth(1).unwrap().parse().unwrap()
}

fn first_link<'a>(html: &'a str, prefix: &str) -> &'a str {
    let marker = format!("href=\"{prefix}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no link starting {prefix}"))
        + 6;
    html[start..].split('"').next().unwrap()
}

on_both_backends!(
    every_agency_site_in_every_language,
    content_api_filters_and_pages
);

async fn every_agency_site_in_every_language(backend: Backend) {
    let app = spawn_demo(backend).await;
    for lang in LANGS {
        let (status, home) = get(&app, &format!("/{lang}/")).await;
        assert_eq!(status, 200);
        for agency in AGENCIES {
            assert!(
                home.contains(&format!("href=\"/{lang}/{agency}/\"")),
                "{agency} missing on /{lang}/"
            );
            for section in [
                "",
                "news",
                "documents",
                "leadership",
                "structure",
                "contacts",
                "vacancies",
                "events",
                "services",
            ] {
                let path = format!("/{lang}/{agency}/{section}");
                let (status, html) = get(&app, &path).await;
                assert_eq!(status, 200, "{path}");
                assert!(html.contains(&format!("<html lang=\"{lang}\"")), "{path}");
                assert!(
                    html.contains("<nav class=\"crumbs\""),
                    "{path} lacks breadcrumbs"
                );
                for other in LANGS {
                    let alt = format!("/{other}/{agency}/{section}");
                    assert!(
                        html.contains(&format!("hreflang=\"{other}\" href=\"{alt}\""))
                            || html.contains(&format!("href=\"{alt}\" hreflang=\"{other}\"")),
                        "{path} has no {other} alternate"
                    );
                }
            }
        }
    }
    app.stop().await.unwrap();
}

async fn content_api_filters_and_pages(backend: Backend) {
    let app = spawn_demo(backend).await;
    let c = app.client();
    let all: serde_json::Value = c
        .get(app.url("/api/v1/news?per_page=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(all["total"].as_i64().unwrap() >= 40, "{}", all["total"]);
    let mfa: serde_json::Value = c
        .get(app.url("/api/v1/news?agency=mfa&per_page=2&page=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mfa["page"], 2);
    assert_eq!(mfa["items"].as_array().unwrap().len(), 2);
    assert!(
        mfa["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["agency"] == "mfa")
    );
    let dated: serde_json::Value = c
        .get(app.url("/api/v1/news?from=2024-08-22&to=2024-08-22"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = dated["items"].as_array().unwrap();
    assert!(
        !items.is_empty(),
        "the state visit of 22 Aug 2024 is in the news"
    );
    assert!(items.iter().all(|i| i["date"] == "2024-08-22"));
    let docs: serde_json::Value = c
        .get(app.url("/api/v1/documents?type=order"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &docs["items"][0];
    assert_eq!(first["type"], "order");
    assert!(first["meta"]["number"].is_string());
    let file_url = first["attachments"][0]["url"].as_str().unwrap();
    let path = &file_url[file_url
        .find("/tg/")
        .or_else(|| file_url.find("/ru/"))
        .or_else(|| file_url.find("/en/"))
        .unwrap()..];
    let file = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert!(
        file.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        file.bytes().await.unwrap().len() as i64,
        first["attachments"][0]["size"].as_i64().unwrap()
    );
    let agencies: serde_json::Value = c
        .get(app.url("/api/v1/agencies"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        agencies["total"], 8,
        "the bank is a member of the bridge, not a site"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_reader_follows_a_story_across_languages() {
    let app = spawn_demo(Backend::Sqlite).await;
    let (_, list) = get(&app, "/tg/mfa/news").await;
    let item = first_link(&list, "/tg/mfa/news/").to_owned();
    let (status, tg) = get(&app, &item).await;
    assert_eq!(status, 200);
    let ru_path = item.replacen("/tg/", "/ru/", 1);
    assert!(
        tg.contains(&format!("href=\"{ru_path}\"")),
        "the switcher keeps the reader on the same item"
    );
    let (status, ru) = get(&app, &ru_path).await;
    assert_eq!(status, 200);
    assert!(ru.contains("<html lang=\"ru\""));
    assert!(ru.contains("aria-current=\"page\""));
    assert!(ru.contains("property=\"og:title\""));
    assert!(ru.contains("og:type\" content=\"article\""));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_missing_translation_falls_back_visibly() {
    let app = spawn_demo(Backend::Sqlite).await;
    let (status, html) = get(
        &app,
        "/tg/medt/news/2025-06-05-fruit-exporters-consultations",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<h1 lang=\"ru\">"),
        "shown in Russian, marked as such"
    );
    assert!(html.contains("class=\"fallback-note\""));
    let (_, list) = get(&app, "/tg/medt/news").await;
    assert!(list.contains("class=\"fallback-tag\""));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn bad_input_gets_a_proper_error_never_a_500() {
    let app = spawn_demo(Backend::Sqlite).await;
    let cases: &[(&str, u16)] = &[
        ("/xx/", 404),
        ("/xx/mfa/news", 404),
        ("/en/no-such-agency/", 404),
        ("/en/NOPE/", 404),
        ("/en/sample-bank/", 404),
        ("/en/mfa/nonsense-section", 404),
        ("/en/mfa/news/no-such-story", 404),
        ("/en/mfa/news/..%2F..%2Fetc", 404),
        ("/en/mfa/news?page=0", 400),
        ("/en/mfa/news?page=abc", 400),
        ("/en/mfa/news?page=99999999999", 400),
        ("/en/mfa/news?year=20x4", 400),
        ("/en/moj/documents?type=%3Cscript%3E", 400),
        (
            "/en/moj/documents/order-2024-61/files/..%2F..%2F..%2Fetc%2Fpasswd",
            404,
        ),
        ("/en/moj/documents/order-2024-61/files/.htaccess", 404),
        ("/en/moj/documents/order-2024-61/files/%2e%2e", 404),
        (
            "/en/moj/documents/order-2024-61/files/order-2024-61-xx.txt",
            404,
        ),
    ];
    for (path, want) in cases {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, *want, "{path}");
        assert!(body.contains("<h1"), "{path} answers with a page");
    }
    // Paths sent exactly as written (an HTTP client would normalize the dots away first).
    for raw in [
        "/en/moj/documents/order-2024-61/files/../../../../etc/passwd",
        "/en/moj/documents/order-2024-61/files/..%2F..%2Fegov.db",
        "/en/moj/pages/..",
        "/en/../../etc/passwd",
    ] {
        let status = raw_get_status(&app, raw).await;
        assert!(status == 404 || status == 400, "{raw} gave {status}");
    }
    // What the framework itself refuses (a repeated parameter) still gets the portal's page or JSON.
    let (status, body) = get(&app, "/en/mfa/news?page=1&page=2").await;
    assert_eq!(status, 400);
    assert!(body.contains("<h1"));
    let r = app
        .client()
        .get(app.url("/api/v1/news?page=1&page=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad-request");
    // Unknown parameters are ignored by the page (and keep it out of the cache).
    assert_eq!(get(&app, "/en/mfa/news?utm_source=x").await.0, 200);
    let json_cases: &[(&str, u16, &str)] = &[
        ("/api/v1/news?page=0", 400, "page"),
        ("/api/v1/news?per_page=1000", 400, "per_page"),
        ("/api/v1/news?from=2024-13-01", 400, "from"),
        ("/api/v1/news?from=2025-01-01&to=2024-01-01", 400, "from"),
        ("/api/v1/news?agency=../etc", 400, "agency"),
        ("/api/v1/news?agency=unknown", 404, "unknown"),
        ("/api/v1/documents?type=memo", 400, "type"),
        ("/api/v1/agencies/sample-bank", 404, "sample-bank"),
        ("/api/v2/news", 404, "openapi"),
    ];
    for (path, want, mention) in json_cases {
        let r = app.client().get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), *want, "{path}");
        let body: serde_json::Value = r
            .json()
            .await
            .unwrap_or_else(|_| panic!("{path} answers JSON"));
        assert!(
            body["error"]["message"].as_str().unwrap().contains(mention),
            "{path}: {body}"
        );
        assert!(body["error"]["code"].is_string());
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn feeds_sitemap_and_openapi() {
    let app = spawn_demo(Backend::Sqlite).await;
    let (status, feed) = get(&app, "/en/mfa/news.atom").await;
    assert_eq!(status, 200);
    assert!(
        feed.starts_with("<?xml") && feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\"")
    );
    assert_eq!(feed.matches("<entry>").count(), 5);
    assert!(feed.contains(&format!("<link href=\"{}/en/mfa/news/", app.base)));
    let (_, national) = get(&app, "/ru/news.atom").await;
    assert!(national.matches("<entry>").count() >= 30);
    let (_, sitemap) = get(&app, "/sitemap.xml").await;
    assert!(sitemap.contains(&format!("<loc>{}/tg/mfa/news</loc>", app.base)));
    assert!(sitemap.contains("hreflang=\"ru\""));
    let (status, spec) = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/agencies",
        "/api/v1/agencies/{slug}",
        "/api/v1/news",
        "/api/v1/documents",
        "/api/v1/pages",
    ] {
        assert!(spec["paths"][p]["get"].is_object(), "{p} is described");
    }
    let (_, robots) = get(&app, "/robots.txt").await;
    assert!(robots.contains("Disallow: /admin"));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn cached_pages_revalidate_and_change_with_content() {
    let app = spawn_demo(Backend::Sqlite).await;
    let c = app.client();
    let first = c.get(app.url("/en/tax/news")).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(first.headers().contains_key("last-modified"));
    let body = first.text().await.unwrap();
    let again = c.get(app.url("/en/tax/news")).send().await.unwrap();
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(again.text().await.unwrap(), body);
    let not_modified = c
        .get(app.url("/en/tax/news"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);

    // Another node (here: the store directly) publishes a story; this node's cached list retires.
    let tax = app
        .store
        .organization_by_slug(&egov_core::Slug::parse("tax").unwrap())
        .await
        .unwrap()
        .unwrap();
    let story = egov_store::NewContent {
        org: tax.id,
        kind: egov_core::ContentKind::News,
        slug: egov_core::ItemSlug::parse("2026-11-22-e-filing-record").unwrap(),
        subtype: "news".into(),
        status: egov_core::Status::Published,
        date: egov_core::clock::Millis::parse_ymd("2026-11-22"),
        position: 0,
        title: egov_core::Localized::new()
            .with(egov_core::Lang::EN, "E-filing reaches a record (test)"),
        summary: egov_core::Localized::new(),
        body: egov_core::Localized::new(),
        meta: serde_json::json!({}),
    };
    app.store
        .put_content(&story, &egov_store::Actor::System)
        .await
        .unwrap();
    let mut seen = false;
    for _ in 0..40 {
        let text = c
            .get(app.url("/en/tax/news"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("E-filing reaches a record (test)") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the new story appears once the content version moves");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn visual_mode_is_a_cookie_and_returns_the_reader() {
    let app = spawn_demo(Backend::Sqlite).await;
    let c = app.client();
    let on = c
        .get(app.url("/settings/vi?on=1&back=%2Fen%2Fmfa%2Fnews"))
        .send()
        .await
        .unwrap();
    assert_eq!(on.status(), 303);
    assert_eq!(on.headers()["location"], "/en/mfa/news");
    assert!(
        on.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("egov_vi=1")
    );
    let page = c
        .get(app.url("/en/mfa/news"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"en\" class=\"vi\">"));
    let plain = app
        .client()
        .get(app.url("/en/mfa/news"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !plain.contains("class=\"vi\""),
        "the cache keeps the two modes apart"
    );
    for sneaky in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%20%2Fevil.example",
    ] {
        let r = c
            .get(app.url(&format!("/settings/vi?on=1&back={sneaky}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/", "{sneaky}");
    }
    let evil = c
        .get(app.url("/settings/vi?on=1&back=https%3A%2F%2Fevil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.headers()["location"], "/");
    app.stop().await.unwrap();
}
