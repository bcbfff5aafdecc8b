//! Signing in and out, who is signed in, and what their roles allow.
//!
//! Sessions are random 256-bit tokens in an HttpOnly, SameSite=Lax cookie (`__Host-` prefixed and Secure
//! under TLS); the store keeps only their SHA-256. Passwords are checked with argon2id off the async
//! threads. A failed sign-in says only "wrong e-mail or password" whatever the cause, costs the same time
//! for unknown accounts, and is throttled per account and per address.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use egov_core::clock::Millis;
use egov_core::{Email, OrgId, Role};
use egov_store::{Actor, User, UserRole};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use minijinja::context;
use serde::Deserialize;

use crate::AppState;
use crate::errors::{ErrorCode, PageError};
use crate::render::Chrome;
use crate::security::{
    VerifiedForm, cookie, csrf_cookie_name, random_token, set_cookie, token_hash,
};

/// The session cookie's name: `__Host-` prefixed when cookies are Secure, which binds it to this host.
pub(crate) fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-egov_session"
    } else {
        "egov_session"
    }
}

/// The account behind this request's session. As an extractor it refuses (by sending the reader to the
/// sign-in page) when nobody is signed in.
#[derive(Debug, Clone)]
pub struct SignedInUser {
    pub user: User,
    pub roles: Vec<UserRole>,
    pub token_hash: String,
}

impl SignedInUser {
    pub fn is_platform_admin(&self) -> bool {
        self.roles.iter().any(|r| r.role == Role::PlatformAdmin)
    }

    /// Whether the user holds `role` in `org` (platform admins hold every role everywhere).
    pub fn has_role_in(&self, role: Role, org: OrgId) -> bool {
        self.is_platform_admin()
            || self
                .roles
                .iter()
                .any(|r| r.role == role && r.org == Some(org))
    }
}

/// Why a page that needs an account was refused.
pub enum AuthRejection {
    SignIn { next: String },
    Error(PageError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::SignIn { next } => {
                let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                Redirect::to(&format!("/login?{q}")).into_response()
            }
            AuthRejection::Error(e) => e.into_response(),
        }
    }
}

/// The session lookup, done once per request and kept in its extensions.
#[derive(Clone)]
struct SessionLookup(Option<SignedInUser>);

impl FromRequestParts<AppState> for SignedInUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, AuthRejection> {
        if let Some(SessionLookup(found)) = parts.extensions.get::<SessionLookup>() {
            return found.clone().ok_or_else(|| sign_in(parts));
        }
        let name = session_cookie_name(state.config().secure_cookies);
        let found = match cookie(&parts.headers, name) {
            Some(token) if token.len() == 64 => {
                let hash = token_hash(token);
                state
                    .store()
                    .session(&hash, Millis::now())
                    .await
                    .map_err(|e| AuthRejection::Error(e.into()))?
                    .map(|s| SignedInUser {
                        user: s.user,
                        roles: s.roles,
                        token_hash: hash,
                    })
            }
            _ => None,
        };
        parts.extensions.insert(SessionLookup(found.clone()));
        found.ok_or_else(|| sign_in(parts))
    }
}

fn sign_in(parts: &Parts) -> AuthRejection {
    let next = parts
        .uri
        .path_and_query()
        .map_or("/admin", |p| p.as_str())
        .to_owned();
    AuthRejection::SignIn { next }
}

/// A signed-in platform administrator; any other account is refused with 403.
pub struct PlatformAdmin(pub SignedInUser);

impl FromRequestParts<AppState> for PlatformAdmin {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, AuthRejection> {
        let user = SignedInUser::from_request_parts(parts, state).await?;
        if user.is_platform_admin() {
            Ok(PlatformAdmin(user))
        } else {
            Err(AuthRejection::Error(PageError::new(ErrorCode::Forbidden)))
        }
    }
}

/// The network a client address stands for: IPv6 clients usually hold a whole /64, counted as one address.
pub(crate) fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The address the request came from, as the listener saw it.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Sign-in attempts allowed per account and per address; in memory, per node.
pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginThrottle {
    /// `per_account` and `per_address` attempts per minute, each available at once as a burst.
    pub fn new(per_account: NonZeroU32, per_address: NonZeroU32) -> Self {
        LoginThrottle {
            per_account: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_account)),
            per_address: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_address)),
        }
    }

    /// Takes one attempt; `Err(seconds to wait)` when either limit is spent.
    fn attempt(&self, account: &str, addr: Option<IpAddr>) -> Result<(), u64> {
        let now = DefaultClock::default().now();
        let wait = |d: Duration| d.as_secs().max(1);
        let addr = addr.map(network_of);
        if let Some(ip) = addr {
            self.per_address
                .check_key(&ip)
                .map_err(|n| wait(n.wait_time_from(now)))?;
        }
        self.per_account
            .check_key(&account.to_owned())
            .map_err(|n| wait(n.wait_time_from(now)))
    }

    /// Forgets keys whose limits have fully recovered, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
    }
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {}

/// Only paths on this site are followed after sign-in, never another host.
fn safe_next(next: Option<&str>) -> String {
    next.and_then(crate::security::local_path)
        .unwrap_or_else(|| "/admin".to_owned())
}

pub(crate) async fn login_page(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if chrome.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    login_form(&state, &chrome, StatusCode::OK, None, "", q.next.as_deref())
}

fn login_form(
    state: &AppState,
    chrome: &Chrome,
    status: StatusCode,
    error: Option<String>,
    email: &str,
    next: Option<&str>,
) -> Result<Response, PageError> {
    let page = chrome.render(
        state,
        "login.html",
        context! { form_csrf => chrome.csrf(), error => error, email => email, next => safe_next(next) },
    )?;
    let mut resp = (status, page).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

/// Why a sign-in did not start a session.
pub(crate) enum SignInFailure {
    /// Too many attempts for this account or address; retry after this many seconds.
    Throttled(u64),
    /// Every password check slot is taken; retry shortly.
    Busy,
    /// Unknown account, wrong password or disabled account (not told apart).
    Refused,
    Store(egov_store::StoreError),
    Internal(String),
}

impl From<egov_store::StoreError> for SignInFailure {
    fn from(e: egov_store::StoreError) -> Self {
        SignInFailure::Store(e)
    }
}

/// Checks an e-mail address and password (throttled, with a bounded number of argon2 checks at once,
/// refusals audited) and starts a session; returns its token. Shared by the sign-in form and the API.
pub(crate) async fn authenticate(
    state: &AppState,
    email: &str,
    password: String,
    addr: Option<IpAddr>,
    user_agent: Option<&str>,
) -> Result<String, SignInFailure> {
    // The throttle key is bounded; only a well-formed address is ever written to the audit log, so a mistyped
    // password in the e-mail field is not kept, and refused attempts cannot grow the log without limit.
    let key: String = email.trim().to_lowercase().chars().take(254).collect();
    let audited = Email::parse(email).map_or_else(
        |_| "user:(not an e-mail address)".to_owned(),
        |e| format!("user:{e}"),
    );
    if let Err(wait) = state.login_throttle().attempt(&key, addr) {
        metrics::counter!("egov_login_total", "outcome" => "throttled").increment(1);
        return Err(SignInFailure::Throttled(wait));
    }
    let user = match Email::parse(email) {
        Ok(email) => state.store().user_by_email(&email).await?,
        Err(_) => None,
    };
    let stored_hash = user.as_ref().map_or_else(
        || egov_core::password::decoy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    // argon2 takes 19 MiB and most of a core per check: at most a few run at once, the rest wait briefly or
    // are told to come back, so a flood of sign-ins cannot exhaust the node's memory.
    let permit = tokio::time::timeout(Duration::from_secs(3), state.password_checks().acquire())
        .await
        .map_err(|_| SignInFailure::Busy)?
        .map_err(|_| SignInFailure::Busy)?;
    let verified =
        tokio::task::spawn_blocking(move || egov_core::password::verify(&password, &stored_hash))
            .await
            .map_err(|e| SignInFailure::Internal(e.to_string()))?;
    drop(permit);
    let user = match user {
        Some(u) if verified && !u.disabled => u,
        _ => {
            metrics::counter!("egov_login_total", "outcome" => "failed").increment(1);
            state
                .store()
                .record_event(
                    &Actor::System,
                    "login.failed",
                    &audited,
                    None,
                    Some(serde_json::json!({"ip": addr.map(|a| a.to_string())})),
                )
                .await?;
            return Err(SignInFailure::Refused);
        }
    };
    let token = random_token();
    let ttl = state.config().session_ttl_secs;
    let ip = addr.map(|a| a.to_string());
    state
        .store()
        .create_session(
            &token_hash(&token),
            user.id,
            Millis::now().plus_secs(ttl),
            ip.as_deref(),
            user_agent,
        )
        .await?;
    state
        .store()
        .record_event(
            &Actor::user(user.id, ip),
            "login",
            &format!("user:{}", user.email),
            None,
            None,
        )
        .await?;
    metrics::counter!("egov_login_total", "outcome" => "ok").increment(1);
    Ok(token)
}

pub(crate) async fn login_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    VerifiedForm(form): VerifiedForm<LoginForm>,
) -> Result<Response, PageError> {
    let lang = chrome.lang;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let token = match authenticate(&state, &form.email, form.password, addr, ua).await {
        Ok(token) => token,
        Err(SignInFailure::Throttled(wait)) => {
            return Err(PageError {
                retry_after: Some(wait),
                ..PageError::new(ErrorCode::TooManyRequests).in_lang(lang)
            });
        }
        Err(SignInFailure::Busy) => {
            return Err(PageError {
                retry_after: Some(5),
                ..PageError::new(ErrorCode::Unavailable).in_lang(lang)
            });
        }
        Err(SignInFailure::Store(e)) => return Err(e.into()),
        Err(SignInFailure::Internal(e)) => return Err(PageError::internal(e)),
        Err(SignInFailure::Refused) => {
            let msg = state.messages().get(lang, "login-failed", &[]);
            return login_form(
                &state,
                &chrome,
                StatusCode::UNAUTHORIZED,
                Some(msg),
                &form.email,
                form.next.as_deref(),
            );
        }
    };
    let ttl = state.config().session_ttl_secs;
    let secure = state.config().secure_cookies;
    let mut resp = Redirect::to(&safe_next(form.next.as_deref())).into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            session_cookie_name(secure),
            &token,
            Some(ttl),
            "Lax",
            true,
            secure,
        ),
    );
    // A fresh anti-forgery token: one planted before sign-in is worthless after it.
    h.append(
        header::SET_COOKIE,
        set_cookie(
            csrf_cookie_name(secure),
            &random_token(),
            None,
            "Strict",
            true,
            secure,
        ),
    );
    Ok(resp)
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    chrome: Chrome,
    ClientAddr(addr): ClientAddr,
    VerifiedForm(_): VerifiedForm<LogoutForm>,
) -> Result<Response, PageError> {
    if let Some(u) = &chrome.user {
        state.store().delete_session(&u.token_hash).await?;
        state
            .store()
            .record_event(
                &Actor::user(u.user.id, addr.map(|a| a.to_string())),
                "logout",
                &format!("user:{}", u.user.email),
                None,
                None,
            )
            .await?;
    }
    let secure = state.config().secure_cookies;
    let mut resp = Redirect::to(&format!("/{}/", chrome.lang)).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            session_cookie_name(secure),
            "",
            Some(0),
            "Lax",
            true,
            secure,
        ),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/admin/audit")), "/admin/audit");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil",
            "admin",
        ] {
            assert_eq!(safe_next(Some(bad)), "/admin", "{bad}");
        }
        assert_eq!(safe_next(None), "/admin");
    }

    #[test]
    fn throttle_limits_per_account_and_address() {
        let t = LoginThrottle::new(NonZeroU32::new(2).unwrap(), NonZeroU32::new(3).unwrap());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(t.attempt("a@x.tj", Some(ip)).is_ok());
        assert!(t.attempt("a@x.tj", Some(ip)).is_ok());
        assert!(t.attempt("a@x.tj", Some(ip)).unwrap_err() >= 1);
        // The third attempt also spent the address's last one, so another account from it waits too.
        assert!(t.attempt("b@x.tj", Some(ip)).is_err());
        assert!(
            t.attempt("c@x.tj", Some("10.0.0.2".parse().unwrap()))
                .is_ok()
        );
    }
}
