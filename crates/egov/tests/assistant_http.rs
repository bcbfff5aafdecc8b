//! The assistant's page and API and the hand-over to a person, over real HTTP, on both backends: a citizen
//! asks, gets a sourced answer or a refusal, writes to an agency, checks the status; the agency answers;
//! nobody else can see or answer; bad input changes nothing.

#[macro_use]
mod common;

use common::{Backend, TestApp, csrf_from, sign_in, spawn_demo, spawn_with};

on_both_backends!(
    a_citizen_asks_on_the_page_and_gets_sources,
    the_api_answers_and_refuses_cleanly,
    an_appeal_goes_to_its_agency_only,
    appeals_are_throttled_per_address,
);

fn password_of(app: &TestApp, email: &str) -> String {
    app.creds
        .as_ref()
        .unwrap()
        .accounts
        .iter()
        .find(|a| a.email == email)
        .unwrap_or_else(|| panic!("demo account {email}"))
        .password
        .clone()
}

/// Opens the assistant page (which sets the anti-forgery cookie) and returns its token.
async fn page_token(app: &TestApp, client: &reqwest::Client, lang: &str) -> String {
    let page = client
        .get(app.url(&format!("/{lang}/assistant")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    csrf_from(&page.text().await.unwrap())
}

async fn ask_page(app: &TestApp, client: &reqwest::Client, lang: &str, q: &str) -> (u16, String) {
    let token = page_token(app, client, lang).await;
    let resp = client
        .post(app.url(&format!("/{lang}/assistant")))
        .form(&[("csrf", token.as_str()), ("question", q)])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn a_citizen_asks_on_the_page_and_gets_sources(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    let (status, html) = ask_page(
        &app,
        &client,
        "en",
        "How can I book a consular appointment?",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("class=\"service-hint\""),
        "a fitting service comes first"
    );
    assert!(html.contains("https://services.example.org/tj/mfa/consular-booking"));
    assert!(html.contains("id=\"source-1\""));
    assert!(html.contains("href=\"/en/mfa/news/2024-04-10-consular-online-queue\""));
    // A question typed in Russian on the Tajik page is answered in Russian.
    let (_, html) = ask_page(
        &app,
        &client,
        "tg",
        "Когда экспортёры встретятся с банками и логистическими компаниями?",
    )
    .await;
    assert!(
        html.contains("class=\"answer-text\" lang=\"ru\""),
        "{}",
        &html[..html.len().min(300)]
    );
    // Empty, huge and markup-laden questions get a normal page; the markup is shown as text.
    let (status, html) = ask_page(&app, &client, "en", "   ").await;
    assert_eq!(status, 200);
    assert!(html.contains("answer-empty"));
    let (status, html) = ask_page(&app, &client, "ru", &"налог ".repeat(300)).await;
    assert_eq!(status, 200);
    assert!(html.contains("answer-too-long"));
    let (status, html) = ask_page(
        &app,
        &client,
        "en",
        "<script>alert(1)</script><img src=x onerror=alert(2)>",
    )
    .await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script>alert(1)") && !html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;alert(1)"));
    // Without the anti-forgery token the form is refused.
    let resp = app
        .client()
        .post(app.url("/en/assistant"))
        .form(&[("question", "taxes")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    // Pages are never cached with someone's token in them.
    assert!(app.url("/en/assistant").contains("/en/assistant"));
    app.stop().await.unwrap();
}

async fn the_api_answers_and_refuses_cleanly(backend: Backend) {
    let app = spawn_demo(backend).await;
    let client = app.client();
    let ask = |body: serde_json::Value| {
        client
            .post(app.url("/api/v1/assistant/ask"))
            .json(&body)
            .send()
    };
    let r = ask(serde_json::json!({"question": "How many websites are on the Hukumat.tj portal?", "lang": "en"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["outcome"], "answered");
    assert!(!a["sentences"].as_array().unwrap().is_empty());
    for s in a["sentences"].as_array().unwrap() {
        let n = s["source"].as_u64().unwrap();
        assert!(
            a["sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|src| src["n"] == n)
        );
    }
    assert!(
        a["sources"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&app.base)
    );
    // Nothing relevant: a plain refusal with the hand-over, not a guess.
    let a: serde_json::Value =
        ask(serde_json::json!({"question": "Who won the football match yesterday?", "lang": "en"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(a["outcome"], "not-found");
    assert!(a["sources"].as_array().unwrap().is_empty());
    assert!(
        a["handover_url"]
            .as_str()
            .unwrap()
            .ends_with("/en/assistant#handover")
    );
    let a: serde_json::Value = ask(serde_json::json!({"question": "ты тупой бот"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["outcome"], "refused");
    let a: serde_json::Value = ask(serde_json::json!({"question": "x".repeat(5000)}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["outcome"], "too-long");
    // Malformed requests get JSON errors, never a 500 or an internal text.
    let r = ask(serde_json::json!({"question": "taxes", "lang": "xx"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("lang"));
    for (ctype, body) in [
        ("application/json", "{\"question\": "),
        ("application/json", "{\"q\": \"taxes\"}"),
        ("text/plain", "taxes"),
    ] {
        let r = client
            .post(app.url("/api/v1/assistant/ask"))
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status().as_u16(), 400 | 415 | 422),
            "{ctype} {body}: {}",
            r.status()
        );
        let text = r.text().await.unwrap();
        assert!(text.starts_with('{'), "{text}");
    }
    let r = client
        .post(app.url("/api/v1/assistant/ask"))
        .header("content-type", "application/json")
        .body(format!("{{\"question\": \"{}\"}}", "a".repeat(200_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // The API is described in the OpenAPI document.
    let doc: serde_json::Value = client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/assistant/ask"]["post"].is_object());
    app.stop().await.unwrap();
}

async fn send_appeal(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = page_token(app, client, "en").await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    let r = client
        .post(app.url("/en/assistant/appeal"))
        .form(&form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn tracking_number(html: &str) -> String {
    let start = html.find("class=\"tracking\">").expect("a tracking number") + 17;
    html[start..].split('<').next().unwrap().to_owned()
}

async fn an_appeal_goes_to_its_agency_only(backend: Backend) {
    let app = spawn_demo(backend).await;
    let citizen = app.client();
    // Bad fields: refused with the reasons, nothing stored.
    for bad in [
        vec![
            ("agency", "mfa"),
            ("name", ""),
            ("contact", "a@b.tj"),
            ("text", "q"),
        ],
        vec![
            ("agency", "mfa"),
            ("name", "Ali"),
            ("contact", "call me"),
            ("text", "q"),
        ],
        vec![
            ("agency", "no-such"),
            ("name", "Ali"),
            ("contact", "a@b.tj"),
            ("text", "q"),
        ],
        vec![
            ("agency", "sample-bank"),
            ("name", "Ali"),
            ("contact", "a@b.tj"),
            ("text", "q"),
        ],
        vec![
            ("agency", "mfa"),
            ("name", "Ali"),
            ("contact", "a@b.tj"),
            ("text", "   "),
        ],
    ] {
        let (status, html) = send_appeal(&app, &citizen, &bad).await;
        assert_eq!(status, 400, "{bad:?}");
        assert!(html.contains("role=\"alert\""));
    }
    let before = app.store.appeals(None, None, 100).await.unwrap().len();
    assert_eq!(before, 2, "the demo's two sample appeals, nothing more");

    let question = "Where do I get my <b>diploma</b> legalised for study abroad?";
    let (status, html) = send_appeal(
        &app,
        &citizen,
        &[
            ("agency", "mfa"),
            ("name", "Nigora Karimova"),
            ("contact", "+992 93 123 45 67"),
            ("text", question),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let number = tracking_number(&html);
    assert_eq!(number.len(), 14);
    let status_page = |n: String| {
        let c = app.client();
        let url = app.url(&format!("/en/appeals?number={n}"));
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, html) = status_page(number.to_lowercase()).await;
    assert_eq!(s, 200);
    assert!(html.contains("Waiting for an answer"));
    assert!(html.contains("&lt;b&gt;diploma"));
    assert_eq!(status_page("AAAA-BBBB-CCCC".into()).await.0, 404);
    // The demo's answered appeal shows its answer.
    let (_, html) = status_page("dem0-0000-0001".into()).await;
    assert!(html.contains("Answered") && html.contains("демонстрационный ответ"));
    assert_eq!(status_page("<script>".into()).await.0, 400);
    let id = app.store.appeals(None, None, 10).await.unwrap()[0].id;

    // Anonymous, another agency's editor: refused, and nothing changes.
    let anon = app.client();
    let r = anon
        .get(app.url(&format!("/admin/appeals/{id}")))
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 303 | 401), "{}", r.status());
    let tax = app.client();
    assert_eq!(
        sign_in(
            &app,
            &tax,
            "editor@tax.tj",
            &password_of(&app, "editor@tax.tj")
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        tax.get(app.url(&format!("/admin/appeals/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let list = tax
        .get(app.url("/admin/appeals"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&number));
    let token = csrf_from(
        &tax.get(app.url("/admin/appeals"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("name=\"csrf\" value=\"\"", ""),
    );
    let r = tax
        .post(app.url(&format!("/admin/appeals/{id}")))
        .form(&[("csrf", token.as_str()), ("answer", "Not ours")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        app.store
            .appeal(id)
            .await
            .unwrap()
            .unwrap()
            .answer
            .is_none()
    );

    // The agency's editor sees it with the citizen's contact and answers it.
    let mfa = app.client();
    sign_in(
        &app,
        &mfa,
        "editor@mfa.tj",
        &password_of(&app, "editor@mfa.tj"),
    )
    .await;
    let list = mfa
        .get(app.url("/admin/appeals?status=new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&number));
    let page = mfa
        .get(app.url(&format!("/admin/appeals/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("+992 93 123 45 67"));
    let token = csrf_from(&page.replace("name=\"csrf\" value=\"\"", ""));
    let r = mfa
        .post(app.url(&format!("/admin/appeals/{id}")))
        .form(&[
            ("csrf", token.as_str()),
            (
                "answer",
                "Bring the diploma to the Consular Department, room 4.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = mfa
        .post(app.url(&format!("/admin/appeals/{id}")))
        .form(&[("csrf", token.as_str()), ("answer", "A second answer")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let (_, html) = status_page(number.clone()).await;
    assert!(html.contains("Bring the diploma to the Consular Department, room 4."));
    // The audit log holds the events, not the citizen's words.
    let log = app.store.audit_entries(None, 100).await.unwrap();
    assert!(log.iter().any(|e| e.action == "appeal.answer"));
    assert!(!serde_json::to_string(&log).unwrap().contains("Nigora"));
    app.stop().await.unwrap();
}

async fn appeals_are_throttled_per_address(backend: Backend) {
    let app = spawn_with(backend, true, |raw| raw.portal.appeals_per_hour = Some(2)).await;
    let citizen = app.client();
    let fields = [
        ("agency", "tax"),
        ("name", "Ali"),
        ("contact", "ali@example.tj"),
        ("text", "When is the open day?"),
    ];
    assert_eq!(send_appeal(&app, &citizen, &fields).await.0, 200);
    assert_eq!(send_appeal(&app, &citizen, &fields).await.0, 200);
    let (status, html) = send_appeal(&app, &citizen, &fields).await;
    assert_eq!(status, 429);
    assert!(html.contains("Too many appeals"));
    assert_eq!(
        app.store.appeals(None, None, 10).await.unwrap().len(),
        2 + 2
    );
    app.stop().await.unwrap();
}
