//! The gateway's errors in X-Road's format: a body `{"type","message","detail"}` (XML when the client asks
//! for XML), the header `X-Road-Error: <type>`, and one table of types and HTTP statuses.
//!
//! Types follow X-Road's naming: `Client.*` when the caller must change something, `Server.ClientProxy.*`
//! for a fault of this gateway, `Server.ServerProxy.*` for the provider's side. Where X-Road has the case we
//! use its name; the rest (`RateLimited`, `ConsentMissing`, `Timeout`, …) are ours in the same style.
//! Unlike X-Road, which answers 500 to almost every failure, each type has the HTTP status that says what
//! happened, so ordinary HTTP clients and load balancers react correctly.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every error the gateway answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// The request is not a PR-REST request: malformed path or service id, bad header.
    BadRequest,
    /// `X-Road-Client` is missing, repeated inconsistently or not a subsystem id.
    InvalidClientIdentifier,
    /// No credential, or an unknown, expired or revoked one.
    AuthenticationFailed,
    /// The credential belongs to another subsystem than `X-Road-Client` names.
    IdentifierMismatch,
    /// The service is not in the registry.
    UnknownService,
    /// The client holds no live grant for this service, method and path.
    AccessDenied,
    /// A personal-data service called without `X-Road-UserId` and `X-Egov-Purpose`.
    ConsentMissing,
    /// The grant's quota of calls per minute is used up.
    RateLimited,
    /// The request body is larger than the gateway accepts.
    RequestTooLarge,
    /// The service has no address for the environment of the client's grant.
    ServiceUnavailable,
    /// The provider could not be reached (connection refused, DNS, reset before answering).
    NetworkError,
    /// The provider did not answer within the gateway's time limit.
    Timeout,
    /// The provider's answer was unusable (broken, or larger than the gateway accepts).
    ServiceFailed,
    /// The call could not be written to the message log; nothing is released without its record.
    LogFailed,
    /// A fault of the gateway itself.
    InternalError,
}

impl ErrorType {
    pub const ALL: [ErrorType; 15] = [
        ErrorType::BadRequest,
        ErrorType::InvalidClientIdentifier,
        ErrorType::AuthenticationFailed,
        ErrorType::IdentifierMismatch,
        ErrorType::UnknownService,
        ErrorType::AccessDenied,
        ErrorType::ConsentMissing,
        ErrorType::RateLimited,
        ErrorType::RequestTooLarge,
        ErrorType::ServiceUnavailable,
        ErrorType::NetworkError,
        ErrorType::Timeout,
        ErrorType::ServiceFailed,
        ErrorType::LogFailed,
        ErrorType::InternalError,
    ];

    /// The type as it appears in `X-Road-Error` and the body.
    pub fn name(self) -> &'static str {
        match self {
            ErrorType::BadRequest => "Client.BadRequest",
            ErrorType::InvalidClientIdentifier => "Client.InvalidClientIdentifier",
            ErrorType::AuthenticationFailed => "Client.AuthenticationFailed",
            ErrorType::IdentifierMismatch => "Client.IdentifierMismatch",
            ErrorType::UnknownService => "Client.UnknownService",
            ErrorType::AccessDenied => "Client.AccessDenied",
            ErrorType::ConsentMissing => "Client.ConsentMissing",
            ErrorType::RateLimited => "Client.RateLimited",
            ErrorType::RequestTooLarge => "Client.RequestTooLarge",
            ErrorType::ServiceUnavailable => "Server.ServerProxy.ServiceUnavailable",
            ErrorType::NetworkError => "Server.ServerProxy.NetworkError",
            ErrorType::Timeout => "Server.ServerProxy.Timeout",
            ErrorType::ServiceFailed => "Server.ServerProxy.ServiceFailed",
            ErrorType::LogFailed => "Server.ClientProxy.LogFailed",
            ErrorType::InternalError => "Server.ClientProxy.InternalError",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::BadRequest | ErrorType::InvalidClientIdentifier => StatusCode::BAD_REQUEST,
            ErrorType::AuthenticationFailed => StatusCode::UNAUTHORIZED,
            ErrorType::IdentifierMismatch | ErrorType::AccessDenied | ErrorType::ConsentMissing => {
                StatusCode::FORBIDDEN
            }
            ErrorType::UnknownService => StatusCode::NOT_FOUND,
            ErrorType::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorType::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorType::NetworkError | ErrorType::ServiceFailed => StatusCode::BAD_GATEWAY,
            ErrorType::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ErrorType::LogFailed | ErrorType::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answer: its type and a message for the integrator (never a secret, never the provider's
/// internals).
#[derive(Debug, Clone)]
pub struct GatewayError {
    pub kind: ErrorType,
    pub message: String,
    /// Seconds until a retry can succeed (rate limits).
    pub retry_after: Option<u64>,
}

impl GatewayError {
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        GatewayError {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The answer, as JSON or, when `accept` asks for XML, as X-Road's XML error.
    pub fn into_response_for(self, accept: Option<&HeaderValue>) -> Response {
        let detail = uuid::Uuid::new_v4().to_string();
        let wants_xml = accept.and_then(|v| v.to_str().ok()).is_some_and(|a| {
            let a = a.to_ascii_lowercase();
            a.contains("text/xml") || a.contains("application/xml") || a.contains("text/*")
        });
        let (content_type, body) = if wants_xml {
            (
                "text/xml; charset=utf-8",
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error><type>{}</type><message>{}</message><detail>{}</detail></error>\n",
                    xml_escape(self.kind.name()),
                    xml_escape(&self.message),
                    detail
                ),
            )
        } else {
            (
                "application/json",
                serde_json::json!({"type": self.kind.name(), "message": self.message, "detail": detail})
                    .to_string(),
            )
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert("x-road-error", HeaderValue::from_static(self.kind.name()));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        (self.kind.status(), headers, body).into_response()
    }
}

pub(crate) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_distinct_name_and_the_right_side() {
        let mut names: Vec<_> = ErrorType::ALL.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorType::ALL.len());
        for t in ErrorType::ALL {
            let client_side = t.status().is_client_error();
            assert_eq!(client_side, t.name().starts_with("Client."), "{}", t.name());
        }
    }

    #[tokio::test]
    async fn xml_is_given_to_those_who_ask() {
        let e = GatewayError::new(ErrorType::AccessDenied, "no grant for <this>");
        let r = e
            .clone()
            .into_response_for(Some(&HeaderValue::from_static("text/xml")));
        assert_eq!(r.headers()["x-road-error"], "Client.AccessDenied");
        let body = axum::body::to_bytes(r.into_body(), 10_000).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("<type>Client.AccessDenied</type>") && text.contains("&lt;this&gt;"));
        let r = e.into_response_for(None);
        assert_eq!(r.status(), 403);
        let body = axum::body::to_bytes(r.into_body(), 10_000).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["type"], "Client.AccessDenied");
        assert_eq!(v["detail"].as_str().unwrap().len(), 36);
    }
}
