//! The optional generative composer against a real HTTP endpoint on a random port, speaking the
//! OpenAI-compatible chat completions shape: a grounded reply is used; an uncited or invented one, an error
//! or a timeout falls back to the extractive answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use egov_assistant::{Assistant, AssistantConfig, GenerativeConfig, SourceDoc};
use egov_core::assist::{Outcome, Question};
use egov_core::{ContentKind, Lang, Languages};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves one canned answer per connection; records each request it got.
async fn model(
    status: u16,
    content: &'static str,
    delay: Duration,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                // Read the head, then as many body bytes as Content-Length says.
                loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            log.lock().unwrap().push(text);
                            break;
                        }
                    }
                }
                tokio::time::sleep(delay).await;
                let body = serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content}}]}).to_string();
                let resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

fn langs() -> Languages {
    Languages::new(vec![Lang::TG, Lang::RU, Lang::EN]).unwrap()
}

fn assistant(url: &str, timeout_ms: u64) -> Assistant {
    let a = Assistant::new(
        &langs(),
        AssistantConfig {
            generative: Some(GenerativeConfig {
                url: url.to_owned(),
                model: "local-model".into(),
                api_key: Some("secret-key-123".into()),
                timeout: Duration::from_millis(timeout_ms),
            }),
            ..AssistantConfig::default()
        },
    )
    .unwrap();
    a.replace(
        "service:mfa:service-1",
        vec![SourceDoc {
            key: "service:mfa:service-1".into(),
            agency: "mfa".into(),
            agency_name: "Ministry of Foreign Affairs".into(),
            kind: ContentKind::Service,
            lang: Lang::EN,
            title: "Book a consular appointment".into(),
            summary: String::new(),
            body_html:
                "<p>Choose a day and time for document legalisation at the Consular Department.</p>"
                    .into(),
            url: "/en/mfa/services".into(),
            date: None,
            link: Some("https://services.example.org/consular".into()),
        }],
    );
    a
}

fn q() -> Question {
    Question {
        text: "How do I book a consular appointment?".into(),
        lang: Lang::EN,
    }
}

#[tokio::test]
async fn a_grounded_reply_is_used() {
    let (url, seen) = model(
        200,
        "Choose a day and time for document legalisation at the Consular Department [1].",
        Duration::ZERO,
    )
    .await;
    let a = assistant(&url, 3000).answer(&q()).await;
    assert_eq!(a.outcome, Outcome::Answered);
    assert_eq!(a.composer, "generative");
    assert_eq!(a.sentences.len(), 1);
    assert_eq!(a.sentences[0].source, 1);
    let request = seen.lock().unwrap().join("\n");
    assert!(request.starts_with("POST /v1/chat/completions"));
    assert!(
        request
            .to_ascii_lowercase()
            .contains("authorization: bearer secret-key-123")
    );
    assert!(
        request.contains("[1] Choose a day and time"),
        "the passages are sent"
    );
    assert!(request.contains("local-model"));
}

#[tokio::test]
async fn ungrounded_failed_or_slow_replies_fall_back() {
    for (status, content, delay, timeout) in [
        (
            200,
            "You can also pay the fee in cash at any bank branch nationwide.",
            Duration::ZERO,
            3000,
        ),
        (
            200,
            "Consular appointments are free for pensioners and students [1].",
            Duration::ZERO,
            3000,
        ),
        (200, "Choose a day [9].", Duration::ZERO, 3000),
        (500, "oops", Duration::ZERO, 3000),
        (
            200,
            "Choose a day and time [1].",
            Duration::from_millis(1500),
            200,
        ),
    ] {
        let (url, _) = model(status, content, delay).await;
        let a = assistant(&url, timeout).answer(&q()).await;
        assert_eq!(a.outcome, Outcome::Answered, "{content}");
        assert_eq!(a.composer, "extractive", "{content}");
        assert!(a.service.is_some());
    }
}

#[tokio::test]
async fn nothing_is_sent_when_there_is_nothing_to_ground_on() {
    let (url, seen) = model(200, "Anything [1].", Duration::ZERO).await;
    let a = assistant(&url, 3000)
        .answer(&Question {
            text: "Who won the football match?".into(),
            lang: Lang::EN,
        })
        .await;
    assert_eq!(a.outcome, Outcome::NotFound);
    assert!(
        seen.lock().unwrap().is_empty(),
        "the model is not asked without sources"
    );
}
