//! The demo's provider backend: a small HTTP server on its own port (127.0.0.1:18181) that really answers
//! the five sample services of the registry, so the gateway has real systems to call.
//!
//! It serves every service whose production or test URL points at it. A request is matched against the
//! service's OpenAPI operations (method and path template); the answer is the operation's example record with
//! the requested identifier put in (a person looked up by number gets that number back, a company by INN its
//! INN). An identifier that does not look like the documented ones (`404` in the document) gets the
//! document's error example; anything else is 404 or 405. Every record is sample data.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use egov_core::openapi::{Operation, describe};
use egov_store::Store;
use serde_json::Value;

/// Where the demo's sample services live (their URLs in `demo/tj/registry.json`).
pub const PROVIDER_ADDR: &str = "127.0.0.1:18181";

#[derive(Clone)]
struct Served {
    /// Path prefix of the service (`/moj/civil-registry`, `/test/moj/civil-registry`).
    base: String,
    operations: Vec<Operation>,
}

/// The operations this backend answers, from the services in the store.
async fn table(store: &Store) -> anyhow::Result<Vec<Served>> {
    let mut out = Vec::new();
    for s in store.services(None).await? {
        let Some(doc) = &s.openapi else { continue };
        let Ok(d) = describe(doc) else { continue };
        for url in [&s.production_url, &s.test_url].into_iter().flatten() {
            if let Some(base) = url.strip_prefix(&format!("http://{PROVIDER_ADDR}")) {
                out.push(Served {
                    base: base.trim_end_matches('/').to_owned(),
                    operations: d.operations.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Path parameters when `path` fits `template` (`/persons/{id}`).
fn fit(template: &str, path: &str) -> Option<HashMap<String, String>> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (a, b) in t.iter().zip(&p) {
        if let Some(name) = a.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            if b.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), (*b).to_owned());
        } else if a != b {
            return None;
        }
    }
    Some(params)
}

fn example(op: &Operation, status: &str) -> Option<Value> {
    op.responses
        .iter()
        .find(|r| r.status == status)
        .and_then(|r| r.body.as_ref())
        .and_then(|b| b.example.as_deref())
        .and_then(|e| serde_json::from_str(e).ok())
}

/// Puts the requested identifiers into the record (and into every record of a list).
fn personalize(v: &mut Value, params: &HashMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match params.get(k) {
                    Some(p) if x.is_string() => *x = Value::String(p.clone()),
                    _ => personalize(x, params),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| personalize(x, params)),
        _ => {}
    }
}

fn json(status: StatusCode, v: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

async fn answer(State(served): State<std::sync::Arc<Vec<Served>>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    for s in served.iter() {
        let Some(rest) = path.strip_prefix(&s.base) else {
            continue;
        };
        let mut wrong_method = false;
        for op in &s.operations {
            let Some(params) = fit(&op.path, rest) else {
                continue;
            };
            if op.method != method.as_str() && !(method == Method::HEAD && op.method == "GET") {
                wrong_method = true;
                continue;
            }
            // Identifiers that cannot be a real one (letters where digits belong, too short) are not found.
            let plausible = params.values().all(|v| {
                v.len() >= 4
                    && v.len() <= 40
                    && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
            return match (plausible, example(op, "200")) {
                (true, Some(mut v)) => {
                    personalize(&mut v, &params);
                    json(StatusCode::OK, &v)
                }
                _ => json(
                    StatusCode::NOT_FOUND,
                    &example(op, "404").unwrap_or_else(
                        || serde_json::json!({"type": "not-found", "message": "No record."}),
                    ),
                ),
            };
        }
        if wrong_method {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
    }
    (
        StatusCode::NOT_FOUND,
        Body::from("no such sample service\n"),
    )
        .into_response()
}

/// The backend's routes for the services in `store` (the tests serve them on a port of their own).
pub async fn router(store: &Store) -> anyhow::Result<(Router, usize)> {
    let served = std::sync::Arc::new(table(store).await?);
    let n = served.len();
    Ok((Router::new().fallback(answer).with_state(served), n))
}

/// Starts the backend; a port already taken (another demo on this machine) is logged, not fatal.
pub async fn spawn(store: &Store) -> anyhow::Result<()> {
    let (app, services) = router(store).await?;
    if services == 0 {
        return Ok(());
    }
    let addr: SocketAddr = PROVIDER_ADDR.parse()?;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, address = PROVIDER_ADDR, "the demo provider backend could not start");
            return Ok(());
        }
    };
    tracing::info!(
        address = PROVIDER_ADDR,
        services,
        "demo provider backend answering the sample services"
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "the demo provider backend stopped");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_fit_paths() {
        let p = super::fit("/persons/{personalNumber}", "/persons/1000123456").unwrap();
        assert_eq!(p["personalNumber"], "1000123456");
        assert!(super::fit("/persons/{id}", "/persons").is_none());
        assert!(super::fit("/persons/{id}", "/persons/1/x").is_none());
        assert!(super::fit("/persons", "/persons").unwrap().is_empty());
    }
}
