//! `ANY /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}/{path…}`: one call through
//! the gateway, from the client's headers to the provider's answer, with its leaf in the log before the
//! answer is released. Refused calls are logged too.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use egov_core::ServiceId;
use egov_core::clock::Millis;
use sha2::{Digest, Sha512};

use crate::access::{self, internal};
use crate::errors::{ErrorType, GatewayError};
use crate::forward::HashingBody;
use crate::log::Record;
use crate::{Gateway, PeerCertificate, meta};

/// Headers that belong to one connection (RFC 9110 §7.6.1) or that the gateway sets itself; never passed on.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "expect",
];

/// Headers some servers take as a different method or path than the request line's: a grant names the
/// request line, so these never reach a provider.
const OVERRIDES: &[&str] = &[
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-url",
    "x-rewrite-url",
    "x-original-method",
];

/// Headers only the gateway may set (on the way out, and towards the provider).
const GATEWAY_SET: &[&str] = &[
    "x-road-id",
    "x-road-client",
    "x-road-service",
    "x-road-request-id",
    "x-road-request-hash",
    "x-road-error",
];

fn passes(name: &HeaderName, connection: &[String]) -> bool {
    let n = name.as_str();
    !HOP_BY_HOP.contains(&n) && !connection.iter().any(|c| c == n)
}

/// Header names listed in `Connection`, which are hop-by-hop too.
fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn text_header(
    headers: &HeaderMap,
    name: &str,
    max: usize,
) -> Result<Option<String>, GatewayError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => {
            // UTF-8 is allowed: a purpose or issue may be written in Tajik or Russian.
            let s = std::str::from_utf8(v.as_bytes())
                .ok()
                .map(str::trim)
                .filter(|s| s.len() <= max && s.chars().all(|c| !c.is_control()))
                .ok_or_else(|| {
                    GatewayError::new(
                        ErrorType::BadRequest,
                        format!("{name} must be printable text of at most {max} characters"),
                    )
                })?;
            Ok((!s.is_empty()).then(|| s.to_owned()))
        }
    }
}

/// What the log says of a call, filled in as the call goes.
struct Trace {
    started: Instant,
    at: Millis,
    message_id: String,
    client: String,
    service: String,
    method: String,
    path: String,
    user_id: Option<String>,
    purpose: Option<String>,
    issue: Option<String>,
    request_sha256: String,
    /// Whether the caller was authenticated and the service found: only then do they name metrics
    /// series (so junk requests cannot create series without end).
    known: bool,
}

impl Trace {
    fn record(
        &self,
        node: &str,
        status: u16,
        error: Option<ErrorType>,
        response_sha256: String,
    ) -> Record {
        Record {
            v: 1,
            node: node.to_owned(),
            message_id: self.message_id.clone(),
            at: self.at.0,
            client: self.client.clone(),
            service: self.service.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            user_id: self.user_id.clone(),
            purpose: self.purpose.clone(),
            issue: self.issue.clone(),
            status,
            error: error.map(|e| e.name().to_owned()),
            duration_us: self.started.elapsed().as_micros() as i64,
            request_sha256: self.request_sha256.clone(),
            response_sha256,
        }
    }
}

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

pub async fn handle(State(gw): State<Gateway>, req: Request) -> Response {
    // The call runs in its own task: if the client goes away mid-call, the provider may already have
    // acted, so the call still finishes and its leaf is still written.
    match tokio::spawn(call(gw, req)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "gateway: a call's task failed");
            GatewayError::new(ErrorType::InternalError, "the gateway failed on this call")
                .into_response_for(None)
        }
    }
}

async fn call(gw: Gateway, req: Request) -> Response {
    let accept = req.headers().get(header::ACCEPT).cloned();
    let method = req.method().as_str().to_owned();
    let message_id = match text_header(req.headers(), "x-road-id", 200) {
        Ok(Some(id)) if !id.is_ascii() => {
            return GatewayError::new(ErrorType::BadRequest, "X-Road-Id must be ASCII text")
                .into_response_for(accept.as_ref());
        }
        Ok(Some(id)) => id,
        Ok(None) => format!("{}-{}", gw.config().instance, uuid::Uuid::new_v4()),
        Err(e) => return e.into_response_for(accept.as_ref()),
    };
    let mut trace = Trace {
        started: Instant::now(),
        at: Millis::now(),
        message_id,
        client: req
            .headers()
            .get("x-road-client")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect())
            .unwrap_or_else(|| "-".into()),
        service: String::new(),
        method,
        path: String::new(),
        user_id: None,
        purpose: None,
        issue: None,
        request_sha256: EMPTY_SHA256.into(),
        known: false,
    };
    let rest = req.uri().path().trim_start_matches("/r1/").to_owned();
    let segments: Vec<&str> = rest.split('/').collect();
    trace.service = segments
        .iter()
        .take(5)
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    trace.path = if segments.len() > 5 {
        format!("/{}", segments[5..].join("/"))
    } else {
        "/".into()
    };
    let outcome = if segments.len() == 5 && meta::is_metaservice(segments[4]) {
        trace.path = format!("/{}", segments[4]);
        meta::answer(&gw, req, &segments, &mut trace.client).await
    } else {
        serve(&gw, req, &segments, &mut trace).await
    };
    let (error, response) = match outcome {
        Ok((resp, sha)) => {
            let status = resp.status().as_u16();
            let rec = trace.record(gw.node(), status, None, sha);
            match gw.0.log.append(rec).await {
                Ok(_) => (None, resp),
                Err(e) => {
                    tracing::error!(error = %e, "gateway: a call could not be logged; its answer is withheld");
                    let err = GatewayError::new(
                        ErrorType::LogFailed,
                        "the call could not be recorded in the message log, so its answer is withheld; retry",
                    );
                    (
                        Some(ErrorType::LogFailed),
                        err.into_response_for(accept.as_ref()),
                    )
                }
            }
        }
        Err(e) => {
            let kind = e.kind;
            let rec = trace.record(
                gw.node(),
                kind.status().as_u16(),
                Some(kind),
                EMPTY_SHA256.into(),
            );
            let resp = match gw.0.log.append(rec).await {
                Ok(_) => e.into_response_for(accept.as_ref()),
                Err(_) => GatewayError::new(
                    ErrorType::LogFailed,
                    "the call could not be recorded in the message log; retry",
                )
                .into_response_for(accept.as_ref()),
            };
            (Some(kind), resp)
        }
    };
    let outcome = error.map_or("ok", |e| e.name());
    let (service, client) = if trace.known {
        (trace.service.clone(), trace.client.clone())
    } else {
        ("unknown".to_owned(), "unauthenticated".to_owned())
    };
    metrics::counter!("egov_gateway_calls_total", "service" => service.clone(), "client" => client.clone(), "outcome" => outcome).increment(1);
    metrics::histogram!("egov_gateway_call_duration_seconds", "service" => service, "client" => client)
        .record(trace.started.elapsed().as_secs_f64());
    let mut response = response;
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&trace.message_id) {
        h.insert("x-road-id", v);
    }
    response
}

async fn serve(
    gw: &Gateway,
    req: Request,
    segments: &[&str],
    trace: &mut Trace,
) -> Result<(Response, String), GatewayError> {
    if segments.len() < 5 || segments[..5].iter().any(|s| s.is_empty()) {
        return Err(GatewayError::new(
            ErrorType::BadRequest,
            "the path must be /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]",
        ));
    }
    if segments[5..].iter().any(|s| sneaky_segment(s)) {
        return Err(GatewayError::new(
            ErrorType::BadRequest,
            "the provider path may not contain . or .. segments, encoded slashes or encoded dots",
        ));
    }
    let service_id = ServiceId::from_path_segments(&segments[..5])
        .map_err(|e| GatewayError::new(ErrorType::BadRequest, e.to_string()))?;
    trace.service = service_id.to_string();
    let headers = req.headers().clone();
    let claimed = access::client_header(&headers)?;
    trace.client = claimed.to_string();
    trace.user_id = text_header(&headers, "x-road-userid", 100)?;
    trace.purpose = text_header(&headers, "x-egov-purpose", 500)?;
    trace.issue = text_header(&headers, "x-road-issue", 500)?;
    let peer = req.extensions().get::<PeerCertificate>().cloned();
    let client = access::authenticate(gw, &headers, peer.as_ref(), &claimed).await?;
    let service = find_service(gw, &service_id).await?;
    trace.known = true;
    let grant = access::authorize(gw, &client, &service, &trace.method, &trace.path).await?;
    if service.personal_data && (trace.user_id.is_none() || trace.purpose.is_none()) {
        return Err(GatewayError::new(
            ErrorType::ConsentMissing,
            "this service returns personal data: send X-Road-UserId (the person, country-prefixed) and X-Egov-Purpose (why you ask)",
        ));
    }
    gw.0.limits.check(&grant)?;
    let base = match grant.environment {
        egov_core::Environment::Production => service.production_url.as_deref(),
        egov_core::Environment::Test => service.test_url.as_deref(),
    }
    .ok_or_else(|| {
        GatewayError::new(
            ErrorType::ServiceUnavailable,
            format!("the service has no {} address", grant.environment.as_str()),
        )
    })?;
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let target = format!("{}{}{}", base.trim_end_matches('/'), trace.path, query);
    let uri: http::Uri = target.parse().map_err(|_| {
        GatewayError::new(
            ErrorType::BadRequest,
            "the provider path is not a valid URL path",
        )
    })?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(GatewayError::new(
            ErrorType::ServiceUnavailable,
            "the service's address is not an http:// or https:// URL",
        ));
    }
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > gw.config().max_body_bytes as u64
    {
        return Err(GatewayError::new(
            ErrorType::RequestTooLarge,
            format!(
                "the request body is larger than {} bytes",
                gw.config().max_body_bytes
            ),
        ));
    }
    let connection = connection_listed(&headers);
    // The provider always learns the message id (also when the gateway made it), the authenticated client
    // and the service called, from the gateway, never from the client.
    let mut out = http::Request::builder()
        .method(req.method().clone())
        .uri(uri)
        .header("x-road-id", trace.message_id.as_str())
        .header("x-road-client", claimed.to_string())
        .header("x-road-service", service_id.to_string());
    let mut hashed = vec![
        format!("x-road-client:{claimed}"),
        format!("x-road-id:{}", trace.message_id),
        format!("x-road-service:{service_id}"),
    ];
    for (name, value) in &headers {
        if passes(name, &connection)
            && name != header::AUTHORIZATION
            && !GATEWAY_SET.contains(&name.as_str())
            && !OVERRIDES.contains(&name.as_str())
        {
            out = out.header(name, value);
            hashed.push(format!(
                "{}:{}",
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
    }
    let (body, tally) = HashingBody::new(req.into_body(), gw.config().max_body_bytes);
    let upstream = out
        .body(body)
        .map_err(|_| GatewayError::new(ErrorType::BadRequest, "the request cannot be passed on"))?;
    let _slot = gw.0.in_flight.acquire().await.map_err(internal)?;
    let answer =
        gw.0.forwarder
            .send(upstream, &tally, gw.config().max_body_bytes)
            .await;
    trace.request_sha256 = tally.lock().map(|mut t| t.digest_hex()).unwrap_or_default();
    let answer = answer?;
    hashed.sort();
    let request_hash = {
        let mut h = Sha512::new();
        h.update(format!(
            "{} /r1/{}{}\n",
            trace.method,
            segments.join("/"),
            query
        ));
        for line in &hashed {
            h.update(line.as_bytes());
            h.update(b"\n");
        }
        h.update(trace.request_sha256.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(h.finalize())
    };
    let connection = connection_listed(&answer.parts.headers);
    let mut resp = Response::builder().status(answer.parts.status);
    for (name, value) in &answer.parts.headers {
        if passes(name, &connection) && !GATEWAY_SET.contains(&name.as_str()) {
            resp = resp.header(name, value);
        }
    }
    let ids = [
        ("x-road-client", claimed.to_string()),
        ("x-road-service", service_id.to_string()),
        ("x-road-request-id", uuid::Uuid::new_v4().to_string()),
        ("x-road-request-hash", request_hash),
    ];
    for (name, value) in ids {
        resp = resp.header(name, value);
    }
    let resp = resp
        .body(Body::from(answer.body))
        .map_err(internal)?
        .into_response();
    Ok((resp, answer.sha256))
}

/// A path segment a provider's server could resolve outside what the grant names: `.` and `..` (also
/// percent-encoded) or an encoded `/` or `\`. Grants are matched on the path as sent, so such a segment
/// could pass a pattern like `GET /records/*` and land elsewhere; the gateway refuses it instead.
fn sneaky_segment(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let decoded_dots = lower.replace("%2e", ".");
    // `..;x` is `..` to some servers, so path parameters are refused outright, as are double encodings.
    decoded_dots == "."
        || decoded_dots == ".."
        || lower.contains(';')
        || lower.contains("%3b")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains("%25")
        || s.contains('\\')
}

pub(crate) async fn find_service(
    gw: &Gateway,
    id: &ServiceId,
) -> Result<egov_store::Service, GatewayError> {
    let key = id.to_string();
    if let Some(s) = gw.0.recent.services.get(&key) {
        return Ok(s);
    }
    let read_at = std::time::Instant::now();
    let found = lookup_service(gw, id).await?;
    gw.0.recent.services.put(key, found.clone(), read_at);
    Ok(found)
}

async fn lookup_service(gw: &Gateway, id: &ServiceId) -> Result<egov_store::Service, GatewayError> {
    let unknown = || {
        GatewayError::new(
            ErrorType::UnknownService,
            format!("no service {id} in the registry"),
        )
    };
    let provider = gw
        .store()
        .subsystem_by_client(&id.subsystem)
        .await
        .map_err(internal)?
        .ok_or_else(unknown)?;
    gw.store()
        .service_by_code(provider.id, &id.code)
        .await
        .map_err(internal)?
        .ok_or_else(unknown)
}

#[cfg(test)]
mod tests {
    use super::sneaky_segment;

    #[test]
    fn paths_that_could_escape_a_grant_are_refused() {
        for bad in [
            ".", "..", "%2e%2E", ".%2e", "a%2Fb", "a%5cb", "a\\b", "..;", "..;x", "a;b", "a%3Bb",
            "%252e",
        ] {
            assert!(sneaky_segment(bad), "{bad}");
        }
        for good in ["records", "2026-11-01", "a.b", "...", "%20x", "file.json"] {
            assert!(!sneaky_segment(good), "{good}");
        }
    }
}
