//! Cookies, anti-forgery tokens and the headers every answer carries.
//!
//! Forms are protected with a double-submit token: a random value in an HttpOnly, SameSite=Strict cookie,
//! repeated in a hidden field, compared in constant time. A cookie is only set for pages that show a form,
//! so public pages stay cacheable. Signing in replaces the token, so one planted before sign-in is useless.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::errors::{ErrorCode, PageError};

/// The anti-forgery cookie's name: `__Host-` prefixed when cookies are Secure, so a sibling subdomain or a
/// network attacker cannot plant one.
pub(crate) fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-egov_csrf"
    } else {
        "egov_csrf"
    }
}
pub(crate) const CSRF_FIELD: &str = "csrf";

/// 32 random bytes, hex-encoded: session tokens and anti-forgery tokens.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A redirect target that stays on this site: an absolute path, no scheme-relative `//`, no backslash, no
/// control character (browsers drop tabs and newlines while parsing, which would turn `/\t/evil.example` into
/// `//evil.example`), at most 512 bytes. Anything else is `None`.
pub(crate) fn local_path(raw: &str) -> Option<String> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw.len() < 512
        && !raw.chars().any(|c| c == '\\' || c.is_control())
        && !raw[1..]
            .trim_start_matches(|c: char| c.is_whitespace())
            .starts_with('/');
    ok.then(|| raw.to_owned())
}

/// A response no cache may keep (pages with a reader's anti-forgery token, a token shown once, personal
/// answers).
pub(crate) fn no_store(resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// What the store keeps instead of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The value of cookie `name` in a request's headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the platform's attributes.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    same_site: &str,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; SameSite={same_site}");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if http_only {
        s.push_str("; HttpOnly");
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The anti-forgery token of this request: from its cookie, or new (and then set on the answer if a page
/// used it).
#[derive(Clone)]
pub struct CsrfToken {
    value: Arc<str>,
    is_new: bool,
    used: Arc<AtomicBool>,
}

impl CsrfToken {
    /// The token for a hidden form field; marks it used so the cookie is set.
    pub fn value(&self) -> &str {
        self.used.store(true, Ordering::Relaxed);
        &self.value
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PageError> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or_else(|| PageError::internal("csrf middleware missing"))
    }
}

/// Middleware: gives each request a [`CsrfToken`] and sets its cookie when a new one was put in a form.
pub(crate) async fn csrf_cookie(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let name = csrf_cookie_name(state.config().secure_cookies);
    let existing = cookie(req.headers(), name)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let token = CsrfToken {
        is_new: existing.is_none(),
        value: existing.unwrap_or_else(random_token).into(),
        used: Arc::new(AtomicBool::new(false)),
    };
    req.extensions_mut().insert(token.clone());
    let mut resp = next.run(req).await;
    if token.is_new
        && token.used.load(Ordering::Relaxed)
        && !resp.headers().contains_key(header::SET_COOKIE)
    {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                name,
                &token.value,
                None,
                "Strict",
                true,
                state.config().secure_cookies,
            ),
        );
    }
    resp
}

/// A form body whose anti-forgery token matched the cookie. Oversized bodies, missing or wrong tokens and
/// malformed fields are refused with the portal's own error pages, before the handler runs.
pub struct VerifiedForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for VerifiedForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let name = csrf_cookie_name(state.config().secure_cookies);
        let cookie_token = cookie(req.headers(), name).map(str::to_owned);
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
                PageError::new(ErrorCode::PayloadTooLarge)
            } else {
                PageError::new(ErrorCode::BadRequest)
            }
        })?;
        if !is_form {
            return Err(PageError::new(ErrorCode::BadRequest).detail_msg("detail-form-type"));
        }
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| PageError::new(ErrorCode::BadRequest))?;
        let sent = fields
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.as_str());
        let valid = match (cookie_token.as_deref(), sent) {
            (Some(c), Some(s)) if c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                bool::from(c.as_bytes().ct_eq(s.as_bytes()))
            }
            _ => false,
        };
        if !valid {
            return Err(PageError::new(ErrorCode::CsrfFailed));
        }
        serde_urlencoded::from_bytes(&body)
            .map(VerifiedForm)
            .map_err(|_| PageError::new(ErrorCode::BadRequest).detail_msg("detail-form-fields"))
    }
}

/// Headers for every answer: no sniffing, no framing, a strict content policy (no inline scripts, nothing
/// from other origins), no referrer leaking paths to other sites.
pub(crate) async fn security_headers(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if state.config().secure_cookies {
        // Served over HTTPS (directly or behind a proxy): browsers must never fall back to plain HTTP.
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_site() {
        assert_eq!(
            local_path("/admin/audit?x=1").as_deref(),
            Some("/admin/audit?x=1")
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil",
            "/\t/evil.example",
            "/ /evil",
            "/\n/x",
            "admin",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; egov_csrf=abc"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, "egov_csrf"), Some("abc"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn cookie_attributes() {
        let c = set_cookie("s", "v", Some(60), "Lax", true, true);
        assert_eq!(
            c.to_str().unwrap(),
            "s=v; Path=/; SameSite=Lax; Max-Age=60; HttpOnly; Secure"
        );
    }
}
