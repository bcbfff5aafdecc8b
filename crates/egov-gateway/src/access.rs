//! Who is calling and what they may call: the credential (bearer token or client certificate) must be
//! valid and belong to the subsystem `X-Road-Client` names; the call's method and path must fall within a
//! live grant of that subsystem for the service; and the grant's quota per minute must not be used up.
//! Credentials and grants are read from the store on every call, so a revocation made on any node sharing
//! the store takes effect on the next call.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, header};
use egov_core::SubsystemId;
use egov_core::clock::Millis;
use egov_store::{CredentialKind, Grant, Service, Subsystem};
use governor::{DefaultDirectRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::cache::{FRESH, Recent as Memory};
use crate::errors::{ErrorType, GatewayError};
use crate::{Gateway, PeerCertificate};

/// What calls ask the store, remembered for a moment (see [`crate::cache`]).
pub struct Recent {
    /// Credential digest → (credential, its subsystem's client id, the subsystem).
    credentials: Memory<String, (egov_store::Credential, Option<SubsystemId>, Subsystem)>,
    /// Service id → the service.
    pub(crate) services: Memory<String, Service>,
    /// (consumer subsystem, service) → live grants.
    grants: Memory<(i64, i64), Vec<Grant>>,
}

impl Default for Recent {
    fn default() -> Self {
        Recent {
            credentials: Memory::new(FRESH),
            services: Memory::new(FRESH),
            grants: Memory::new(FRESH),
        }
    }
}

fn err(kind: ErrorType, msg: impl Into<String>) -> GatewayError {
    GatewayError::new(kind, msg)
}

/// The `X-Road-Client` header as a subsystem id. Repeated headers must agree.
pub fn client_header(headers: &HeaderMap) -> Result<SubsystemId, GatewayError> {
    let mut values = headers.get_all("x-road-client").iter();
    let first = values.next().ok_or_else(|| {
        err(ErrorType::InvalidClientIdentifier, "the X-Road-Client header is missing: name your subsystem as INSTANCE/CLASS/MEMBER/SUBSYSTEM")
    })?;
    if values.any(|v| v != first) {
        return Err(err(
            ErrorType::InvalidClientIdentifier,
            "X-Road-Client is given more than once, with different values",
        ));
    }
    let text = first.to_str().map_err(|_| {
        err(
            ErrorType::InvalidClientIdentifier,
            "X-Road-Client is not text",
        )
    })?;
    SubsystemId::parse(text.trim())
        .map_err(|e| err(ErrorType::InvalidClientIdentifier, e.to_string()))
}

/// The subsystem the call's credential proves, checked against the header's id.
pub async fn authenticate(
    gw: &Gateway,
    headers: &HeaderMap,
    peer: Option<&PeerCertificate>,
    claimed: &SubsystemId,
) -> Result<Subsystem, GatewayError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let (digest, kind) = match (bearer, peer) {
        // The same digest the bridge stores for a token: hex SHA-256 of its text.
        (Some(token), _) => (
            hex::encode(Sha256::digest(token.as_bytes())),
            CredentialKind::Token,
        ),
        (None, Some(cert)) => (cert.0.clone(), CredentialKind::Certificate),
        (None, None) => {
            return Err(err(
                ErrorType::AuthenticationFailed,
                "no credential: send Authorization: Bearer <token> or connect with your client certificate",
            ));
        }
    };
    let (cred, owner, system) = match gw.0.recent.credentials.get(&digest) {
        Some(found) => found,
        None => {
            let read_at = std::time::Instant::now();
            let store = gw.store();
            let cred = store
                .credential_by_hash(&digest)
                .await
                .map_err(internal)?
                .filter(|c| c.kind == kind)
                .ok_or_else(|| {
                    err(
                        ErrorType::AuthenticationFailed,
                        "the credential is not known to this platform",
                    )
                })?;
            let owner = store.client_id(cred.subsystem).await.map_err(internal)?;
            let system = store
                .subsystem_by_id(cred.subsystem)
                .await
                .map_err(internal)?
                .ok_or_else(|| {
                    err(
                        ErrorType::AuthenticationFailed,
                        "the credential's subsystem is gone",
                    )
                })?;
            let found = (cred, owner, system);
            gw.0.recent.credentials.put(digest, found.clone(), read_at);
            found
        }
    };
    if cred.kind != kind {
        return Err(err(
            ErrorType::AuthenticationFailed,
            "the credential is not known to this platform",
        ));
    }
    if cred.revoked_at.is_some() {
        return Err(err(
            ErrorType::AuthenticationFailed,
            "the credential was revoked",
        ));
    }
    if cred.expires_at <= Millis::now() {
        return Err(err(
            ErrorType::AuthenticationFailed,
            "the credential has expired",
        ));
    }
    if owner.as_ref() != Some(claimed) {
        return Err(err(
            ErrorType::IdentifierMismatch,
            format!("the credential belongs to another subsystem than X-Road-Client {claimed}"),
        ));
    }
    Ok(system)
}

pub fn internal(e: impl std::fmt::Display) -> GatewayError {
    tracing::error!(error = %e, "gateway: store error");
    err(
        ErrorType::InternalError,
        "the gateway could not read its registry; retry shortly",
    )
}

/// The live grant that allows `method path` on `service` for `client`, preferring production.
pub async fn authorize(
    gw: &Gateway,
    client: &Subsystem,
    service: &Service,
    method: &str,
    path: &str,
) -> Result<Grant, GatewayError> {
    let grants = match gw.0.recent.grants.get(&(client.id, service.id)) {
        Some(g) => g,
        None => {
            let read_at = std::time::Instant::now();
            let g = gw
                .store()
                .live_grants(client.id, service.id, Millis::now())
                .await
                .map_err(internal)?;
            gw.0.recent
                .grants
                .put((client.id, service.id), g.clone(), read_at);
            g
        }
    };
    // Remembered grants may have passed their expiry since.
    let now = Millis::now();
    let grants: Vec<Grant> = grants.into_iter().filter(|g| g.is_live(now)).collect();
    if grants.is_empty() {
        return Err(err(
            ErrorType::AccessDenied,
            "your subsystem holds no live grant for this service: apply for access in the service's passport",
        ));
    }
    let mut fitting: Vec<Grant> = grants
        .into_iter()
        .filter(|g| g.endpoints.iter().any(|e| e.matches(method, path)))
        .collect();
    fitting.sort_by_key(|g| g.environment != egov_core::Environment::Production);
    fitting.into_iter().next().ok_or_else(|| {
        err(
            ErrorType::AccessDenied,
            format!("your grant does not cover {method} {path}"),
        )
    })
}

/// Per-grant rate limiters of this node (quota calls per minute, refilled evenly).
#[derive(Default)]
pub struct Limits(Mutex<HashMap<i64, Arc<DefaultDirectRateLimiter>>>);

impl Limits {
    pub fn check(&self, grant: &Grant) -> Result<(), GatewayError> {
        let per_minute = NonZeroU32::new(u32::try_from(grant.quota.max(1)).unwrap_or(u32::MAX))
            .unwrap_or(NonZeroU32::MIN);
        let limiter = {
            let mut map = self
                .0
                .lock()
                .map_err(|_| err(ErrorType::InternalError, "rate limiter poisoned"))?;
            if map.len() > 100_000 {
                map.clear();
            }
            map.entry(grant.id)
                .or_insert_with(|| {
                    Arc::new(DefaultDirectRateLimiter::direct(Quota::per_minute(
                        per_minute,
                    )))
                })
                .clone()
        };
        limiter.check().map_err(|not_until| {
            use governor::clock::{Clock, DefaultClock};
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            GatewayError {
                retry_after: Some(wait.as_secs() + 1),
                ..err(
                    ErrorType::RateLimited,
                    format!(
                        "the grant's quota of {} calls per minute is used up",
                        grant.quota
                    ),
                )
            }
        })
    }
}
