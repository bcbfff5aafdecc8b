//! Rendered public pages kept in memory, so a citizen's request for a hot page costs a lookup, not a
//! database round trip and a template render.
//!
//! Only anonymous GET/HEAD answers with status 200 and no cookie are kept. Each entry remembers the store's
//! content version it was rendered at; every content change bumps that version (in the same transaction), and
//! each node polls it, so a change made on any node retires the stale pages everywhere within a second.
//! Answers carry a strong `ETag` and `Last-Modified`; a matching `If-None-Match` gets `304`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::render::VI_COOKIE;
use crate::security::cookie;

/// Pages larger than this are served but not kept.
const MAX_ENTRY_BYTES: usize = 512 * 1024;
/// The most pages kept; past it, one is dropped for each new one.
const MAX_ENTRIES: usize = 4096;

struct Entry {
    version: i64,
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
}

#[derive(Default)]
pub struct PageCache {
    entries: RwLock<HashMap<String, Arc<Entry>>>,
    version: AtomicI64,
}

impl PageCache {
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    /// Records the store's current content version; entries rendered before it are stale from now on.
    pub fn set_version(&self, v: i64) {
        if self.version.swap(v, Ordering::AcqRel) != v
            && let Ok(mut e) = self.entries.write()
        {
            e.retain(|_, entry| entry.version == v);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.read().map_or(0, |e| e.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let version = self.version();
        self.entries
            .read()
            .ok()?
            .get(key)
            .filter(|e| e.version == version)
            .cloned()
    }

    fn put(&self, key: String, entry: Entry) {
        if let Ok(mut e) = self.entries.write() {
            if e.len() >= MAX_ENTRIES {
                // Make room by dropping one entry; hot pages come back on their next request.
                if let Some(victim) = e.keys().next().cloned() {
                    e.remove(&victim);
                }
            }
            e.insert(key, Arc::new(entry));
        }
    }
}

fn cacheable_path(path: &str) -> bool {
    // Search answers follow the index, which trails the content version by a moment; never keep them.
    if path.ends_with("/search") {
        return false;
    }
    // The assistant's and the appeals' pages carry forms (a per-reader token) or personal answers.
    if path.ends_with("/assistant") || path.ends_with("/appeals") || path.contains("/assistant/") {
        return false;
    }
    // The bridge's API answers for one account: never shared.
    if path.starts_with("/api/v1/bridge") || path.starts_with("/api/v1/session") {
        return false;
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    (first.len() == 2 && !path.contains("/files/") && !path.ends_with("/search"))
        || matches!(path, "/sitemap.xml" | "/robots.txt")
        || path.starts_with("/api/v1/")
}

/// Parameters some public page or API answer depends on.
const KNOWN_PARAMS: &[&str] = &["page", "per_page", "year", "type", "agency", "from", "to"];

/// The query's known parameters, sorted and re-encoded; `None` when it has any other.
fn canonical_query(query: Option<&str>) -> Option<String> {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).ok()?;
    if pairs
        .iter()
        .any(|(k, _)| !KNOWN_PARAMS.contains(&k.as_str()))
    {
        return None;
    }
    pairs.sort();
    serde_urlencoded::to_string(&pairs).ok()
}

fn signed_in(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || cookie(headers, "egov_session").is_some()
        || cookie(headers, "__Host-egov_session").is_some()
}

fn not_modified(req_headers: &HeaderMap, etag: &HeaderValue) -> bool {
    req_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                t.trim() == "*" || t.trim().trim_start_matches("W/") == etag.to_str().unwrap_or("")
            })
        })
}

fn answer(entry: &Entry, req_headers: &HeaderMap, head: bool) -> Response {
    if not_modified(req_headers, &entry.etag) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, entry.etag.clone());
        for h in [header::CACHE_CONTROL, header::VARY, header::LAST_MODIFIED] {
            if let Some(v) = entry.headers.get(&h) {
                r.headers_mut().insert(h, v.clone());
            }
        }
        return r;
    }
    let mut r = Response::new(if head {
        Body::empty()
    } else {
        Body::from(entry.body.clone())
    });
    *r.headers_mut() = entry.headers.clone();
    r
}

/// Middleware: serve from the cache, or render and keep.
pub(crate) async fn cached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if !(method == Method::GET || method == Method::HEAD)
        || signed_in(req.headers())
        || !cacheable_path(req.uri().path())
    {
        return next.run(req).await;
    }
    let vi = cookie(req.headers(), VI_COOKIE) == Some("1");
    // The key is the path and the known parameters in a fixed order; a request with anything else (a
    // cache-busting `?x=1`) is answered without being kept, so nobody can flush the cache with junk URLs.
    let Some(query) = canonical_query(req.uri().query()) else {
        return next.run(req).await;
    };
    let key = format!(
        "{}?{query}|{}",
        req.uri().path(),
        if vi { "vi" } else { "" }
    );
    let cache = state.page_cache();
    let req_headers = req.headers().clone();
    let head = method == Method::HEAD;
    if let Some(entry) = cache.get(&key) {
        metrics::counter!("egov_page_cache_total", "result" => "hit").increment(1);
        return answer(&entry, &req_headers, head);
    }
    metrics::counter!("egov_page_cache_total", "result" => "miss").increment(1);
    let version = cache.version();
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK || resp.headers().contains_key(header::SET_COOKIE) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // Handlers here render pages in memory, so buffering costs nothing extra; the bound only guards memory.
    let Ok(body) = axum::body::to_bytes(body, 32 * 1024 * 1024).await else {
        tracing::error!("page body could not be read for caching");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if body.len() > MAX_ENTRY_BYTES {
        return Response::from_parts(parts, Body::from(body));
    }
    let etag = parts.headers.get(header::ETAG).cloned().unwrap_or_else(|| {
        let digest = Sha256::digest(&body);
        HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..16])))
            .unwrap_or(HeaderValue::from_static("\"0\""))
    });
    parts.headers.insert(header::ETAG, etag.clone());
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(SystemTime::now())) {
        parts.headers.entry(header::LAST_MODIFIED).or_insert(v);
    }
    parts
        .headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("public, max-age=60"));
    parts.headers.insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Accept-Encoding"),
    );
    let entry = Entry {
        version,
        headers: parts.headers.clone(),
        body: body.clone(),
        etag,
    };
    let resp = answer(&entry, &req_headers, head);
    cache.put(key, entry);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_paths_are_kept() {
        for yes in ["/en/", "/tg/mfa/news", "/sitemap.xml", "/api/v1/news"] {
            assert!(cacheable_path(yes), "{yes}");
        }
        for no in [
            "/en/search",
            "/api/v1/search",
            "/api/v1/bridge/grants",
            "/api/v1/session",
            "/en/mfa/search",
            "/en/mfa/documents/x/files/a.txt",
            "/admin",
            "/login",
            "/healthz",
            "/metrics",
            "/assets/site.css",
            "/settings/vi",
        ] {
            assert!(!cacheable_path(no), "{no}");
        }
    }

    #[test]
    fn stale_entries_are_not_served() {
        let c = PageCache::default();
        c.set_version(1);
        let e = Entry {
            version: 1,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"x"),
            etag: HeaderValue::from_static("\"a\""),
        };
        c.put("k".into(), e);
        assert!(c.get("k").is_some());
        c.set_version(2);
        assert!(c.get("k").is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn only_known_parameters_are_kept() {
        assert_eq!(canonical_query(None).as_deref(), Some(""));
        assert_eq!(
            canonical_query(Some("year=2024&page=2")).as_deref(),
            Some("page=2&year=2024")
        );
        assert_eq!(canonical_query(Some("page=2&x=1")), None);
    }

    #[test]
    fn etags_match() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(not_modified(&h, &HeaderValue::from_static("\"abc\"")));
        assert!(!not_modified(&h, &HeaderValue::from_static("\"abd\"")));
    }
}
