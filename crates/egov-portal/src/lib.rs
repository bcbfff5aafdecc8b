//! The public face of the platform: the websites of state bodies, and the accounts of the people who run
//! them.
//!
//! This crate owns the HTTP surface for people (HTML pages, forms, assets) and the operations endpoints:
//! axum routers, templates, Fluent message catalogs, sign-in, anti-forgery, error pages. It reads and writes
//! only through `egov-store` and speaks in `egov-core` types. It must not know the bridge or the gateway
//! (they share nothing but the store and the core), read the environment or a file, or start a listener:
//! the binary builds an [`AppState`] and serves [`router`].

pub mod accounts;
mod admin;
mod admin_routes;
pub mod api;
mod appeals;
pub mod assistant;
pub mod bridge_admin;
pub mod cache;
pub mod cms;
mod documents;
pub mod errors;
mod feeds;
mod home;
pub mod i18n;
mod news;
mod ops;
mod password_page;
pub mod render;
pub mod sanitize;
mod search;
pub mod security;
pub mod showcase;
mod sites;
pub mod view;

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use egov_core::{Lang, Languages};
use egov_store::{Deployment, Store};
use minijinja::Environment;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::accounts::LoginThrottle;
pub use crate::admin_routes::{AdminRoute, Guard, admin_routes};
use crate::errors::{ErrorCode, PageError, PendingError};
use crate::i18n::Messages;

/// What the portal needs from the operator's configuration.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Mark cookies `Secure` (and prefix the session cookie `__Host-`): on when serving TLS.
    pub secure_cookies: bool,
    /// How long a sign-in lasts.
    pub session_ttl_secs: i64,
    /// Sign-in attempts per minute allowed for one account.
    pub login_attempts_per_account: NonZeroU32,
    /// Sign-in attempts per minute allowed from one address.
    pub login_attempts_per_address: NonZeroU32,
    /// Largest form body accepted, in bytes.
    pub max_form_bytes: usize,
    /// The address citizens reach the portal at (`https://hukumat.tj`), for feeds, sitemaps and links
    /// that leave the page. Never taken from a request's Host header.
    pub public_url: String,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// Appeals to agencies accepted per hour from one address.
    pub appeals_per_hour: NonZeroU32,
    /// The freshness board flags an agency whose newest news is older than this many days…
    pub fresh_news_days: u32,
    /// …or whose other sections have not changed for this many working days.
    pub fresh_section_working_days: u32,
    /// The deployment's clock, minutes east of UTC: editors schedule and read times in it.
    pub utc_offset_minutes: i32,
}

impl PortalConfig {
    /// `UTC+05:00`: how the deployment's clock is named next to the times it shows.
    pub fn zone_label(&self) -> String {
        let m = self.utc_offset_minutes;
        let sign = if m < 0 { '-' } else { '+' };
        format!("UTC{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
    }
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            secure_cookies: false,
            session_ttl_secs: 8 * 3600,
            login_attempts_per_account: NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN),
            login_attempts_per_address: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
            max_form_bytes: 64 * 1024,
            public_url: "http://127.0.0.1:8080".to_owned(),
            metrics_token: None,
            appeals_per_hour: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            fresh_news_days: 1,
            fresh_section_working_days: 3,
            utc_offset_minutes: 5 * 60,
        }
    }
}

/// Renders the process's metrics as Prometheus text; provided by the binary, which owns the recorder.
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

struct Inner {
    store: Store,
    deployment: Deployment,
    config: PortalConfig,
    messages: Arc<Messages>,
    templates: Environment<'static>,
    throttle: LoginThrottle,
    metrics: Option<MetricsRender>,
    password_checks: tokio::sync::Semaphore,
    page_cache: cache::PageCache,
    search: Option<Arc<egov_search::SearchIndex>>,
    assistant: Option<Arc<dyn egov_core::assist::Assistant>>,
    appeal_throttle: assistant::AppealThrottle,
    ca: std::sync::OnceLock<Arc<egov_core::ca::Ca>>,
}

/// Everything a request handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// Why the portal could not be assembled (a broken catalog or template is a build defect, found at start).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Catalog(#[from] i18n::CatalogError),
    #[error("templates: {0}")]
    Templates(#[from] minijinja::Error),
}

impl AppState {
    pub fn new(
        store: Store,
        deployment: Deployment,
        config: PortalConfig,
        metrics: Option<MetricsRender>,
        search: Option<Arc<egov_search::SearchIndex>>,
        assistant: Option<Arc<dyn egov_core::assist::Assistant>>,
    ) -> Result<Self, SetupError> {
        let messages = Arc::new(Messages::load(&deployment.languages)?);
        let templates = render::environment(messages.clone())?;
        let appeal_throttle = assistant::AppealThrottle::new(config.appeals_per_hour);
        let throttle = LoginThrottle::new(
            config.login_attempts_per_account,
            config.login_attempts_per_address,
        );
        Ok(AppState(Arc::new(Inner {
            store,
            deployment,
            config,
            messages,
            templates,
            throttle,
            metrics,
            page_cache: cache::PageCache::default(),
            password_checks: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
            ),
            search,
            assistant,
            appeal_throttle,
            ca: std::sync::OnceLock::new(),
        })))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn deployment(&self) -> &Deployment {
        &self.0.deployment
    }

    pub fn languages(&self) -> &Languages {
        &self.0.deployment.languages
    }

    pub fn config(&self) -> &PortalConfig {
        &self.0.config
    }

    pub fn messages(&self) -> &Messages {
        &self.0.messages
    }

    pub(crate) fn templates(&self) -> &Environment<'static> {
        &self.0.templates
    }

    pub(crate) fn login_throttle(&self) -> &LoginThrottle {
        &self.0.throttle
    }

    /// The citizens' assistant, when this node runs one.
    pub fn assistant(&self) -> Option<Arc<dyn egov_core::assist::Assistant>> {
        self.0.assistant.clone()
    }

    /// Gives the portal the deployment's CA, so administrators can have client certificates issued. Set
    /// once, at start; later calls are ignored.
    pub fn set_ca(&self, ca: Arc<egov_core::ca::Ca>) {
        let _ = self.0.ca.set(ca);
    }

    /// The deployment's CA, when the operator has made one (`egov ca init`).
    pub fn ca(&self) -> Option<&egov_core::ca::Ca> {
        self.0.ca.get().map(|c| c.as_ref())
    }

    pub(crate) fn appeal_throttle(&self) -> &assistant::AppealThrottle {
        &self.0.appeal_throttle
    }

    /// The language of a `/{lang}/…` URL: one of this deployment's, or there is no such page.
    pub(crate) fn page_lang(&self, raw: &str) -> Result<Lang, PageError> {
        self.languages()
            .parse_supported(raw)
            .ok_or_else(|| PageError::new(ErrorCode::NotFound))
    }

    /// An API's optional `lang` parameter: one of this deployment's languages, its first when absent.
    pub(crate) fn api_lang(&self, raw: Option<&str>) -> Result<Lang, api::ApiError> {
        match raw {
            None | Some("") => Ok(self.languages().default_lang()),
            Some(l) => self.languages().parse_supported(l).ok_or_else(|| {
                api::ApiError::new(
                    ErrorCode::BadRequest,
                    format!("lang: {l:?} is not a language of this platform"),
                )
            }),
        }
    }

    /// The search index of this node, if it has one.
    pub fn search(&self) -> Option<Arc<egov_search::SearchIndex>> {
        self.0.search.clone()
    }

    pub(crate) fn password_checks(&self) -> &tokio::sync::Semaphore {
        &self.0.password_checks
    }

    pub fn page_cache(&self) -> &cache::PageCache {
        &self.0.page_cache
    }

    pub(crate) fn metrics_text(&self) -> Option<String> {
        self.0.metrics.as_ref().map(|render| render())
    }

    /// The platform's name in `lang` (falling back along the deployment's languages).
    pub fn site_name(&self, lang: Lang) -> String {
        self.0
            .deployment
            .name
            .resolve(lang, self.languages())
            .map_or_else(|| "Open eGov Platform".to_owned(), |r| r.text.to_owned())
    }

    /// Periodic upkeep: forget idle throttle keys, delete expired sessions. The binary calls it every minute.
    pub async fn housekeeping(&self) {
        self.0.throttle.forget_idle();
        self.0.appeal_throttle.forget_idle();
        if let Err(e) = self
            .0
            .store
            .delete_expired_sessions(egov_core::clock::Millis::now())
            .await
        {
            tracing::warn!(error = %e, "could not delete expired sessions");
        }
    }
}

/// The portal's routes, with its middleware. The same router serves `egov serve` and the tests.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::root))
        .route("/{lang}/", get(home::national_home))
        .route("/{lang}/news.atom", get(feeds::national_feed))
        .route("/{lang}/search", get(search::page))
        .route("/{lang}/{agency}/search", get(search::agency_page))
        .route("/api/v1/search", get(search::api))
        .route(
            "/{lang}/assistant",
            get(assistant::page).post(assistant::ask),
        )
        .route("/{lang}/assistant/appeal", post(assistant::create_appeal))
        .route("/{lang}/appeals", get(assistant::appeal_status))
        .route("/{lang}/services", get(showcase::list))
        .route("/{lang}/services/{passport}", get(showcase::passport))
        .route(
            "/{lang}/services/{passport}/openapi.json",
            get(showcase::openapi_document),
        )
        .route("/api/v1/assistant/ask", post(assistant::api_ask))
        .route("/api/v1/services", get(showcase::api_list))
        .route("/api/v1/services/{passport}", get(showcase::api_one))
        .route(
            "/api/v1/session",
            post(bridge_admin::api::start_session).delete(bridge_admin::api::end_session),
        )
        .route(
            "/api/v1/bridge/systems",
            get(bridge_admin::api::systems).post(bridge_admin::api::add_system),
        )
        .route(
            "/api/v1/bridge/services",
            post(bridge_admin::api::add_service).layer(DefaultBodyLimit::max(OPENAPI_FORM_BYTES)),
        )
        .route(
            "/api/v1/bridge/applications",
            get(bridge_admin::api_access::applications).post(bridge_admin::api_access::apply),
        )
        .route(
            "/api/v1/bridge/applications/{id}",
            get(bridge_admin::api_access::application),
        )
        .route(
            "/api/v1/bridge/applications/{id}/decision",
            post(bridge_admin::api_access::decide),
        )
        .route(
            "/api/v1/bridge/applications/{id}/comments",
            post(bridge_admin::api_access::comment),
        )
        .route(
            "/api/v1/bridge/grants",
            get(bridge_admin::api_access::grants),
        )
        .route(
            "/api/v1/bridge/grants/{id}/revoke",
            post(bridge_admin::api_access::revoke_grant),
        )
        .route(
            "/api/v1/bridge/credentials",
            get(bridge_admin::api_credentials::credentials)
                .post(bridge_admin::api_credentials::issue),
        )
        .route(
            "/api/v1/bridge/credentials/{id}/revoke",
            post(bridge_admin::api_credentials::revoke_credential),
        )
        .route("/{lang}/{agency}", get(home::add_slash))
        .route("/{lang}/{agency}/", get(sites::agency_home))
        .route("/{lang}/{agency}/news", get(news::list))
        .route("/{lang}/{agency}/news.atom", get(feeds::agency_feed))
        .route("/{lang}/{agency}/news/{slug}", get(news::item))
        .route("/{lang}/{agency}/documents", get(documents::list))
        .route("/{lang}/{agency}/documents/{slug}", get(documents::item))
        .route(
            "/{lang}/{agency}/documents/{slug}/files/{file}",
            get(documents::attachment),
        )
        .route("/{lang}/{agency}/pages/{slug}", get(sites::free_page))
        .route("/{lang}/{agency}/{section}", get(sites::section))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/robots.txt", get(feeds::robots))
        .route("/settings/vi", get(home::visual_mode))
        .route("/api/v1/agencies", get(api::agencies))
        .route("/api/v1/agencies/{slug}", get(api::agency))
        .route("/api/v1/news", get(api::news))
        .route("/api/v1/documents", get(api::documents))
        .route("/api/v1/pages", get(api::pages))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/{*rest}", get(api::api_not_found))
        .route(
            "/login",
            get(accounts::login_page).post(accounts::login_submit),
        )
        .route("/logout", post(accounts::logout))
        .merge(admin_routes::router())
        .route("/media/{sha}/{file}", get(cms::media::serve))
        .route("/assets/assistant.js", get(assistant_js))
        .route("/assets/upload.js", get(upload_js))
        .route("/assets/editor.js", get(editor_js))
        .route("/assets/site.css", get(site_css))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.config().max_form_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::csrf_cookie,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        .layer(middleware::from_fn_with_state(state.clone(), cache::cached))
        .layer(middleware::from_fn(ops::record))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> PageError {
    PageError::new(ErrorCode::NotFound)
}

/// Renders [`PageError`]s left in responses into full pages in the reader's language.
async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = render::request_lang(
        req.uri().path(),
        req.uri().query(),
        req.headers(),
        state.languages(),
    );
    let is_api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    // The framework's own refusals (a query string or path segment that does not parse) come as plain text;
    // readers get the portal's page or the API's JSON instead.
    let framework_refusal = matches!(resp.status().as_u16(), 400 | 413 | 415 | 422)
        && resp.extensions().get::<PendingError>().is_none()
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"));
    if framework_refusal {
        let code = if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::PayloadTooLarge
        } else {
            ErrorCode::BadRequest
        };
        return if is_api {
            api::ApiError::new(code, "the request's parameters could not be read").into_response()
        } else {
            state.error_page(&PageError::new(code), Some(lang))
        };
    }
    match resp.extensions().get::<PendingError>() {
        Some(PendingError(e)) => state.error_page(e, Some(lang)),
        None if resp.status() == StatusCode::METHOD_NOT_ALLOWED => {
            let mut page = state.error_page(&PageError::new(ErrorCode::BadRequest), Some(lang));
            *page.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            if let Some(allow) = resp.headers().get(header::ALLOW) {
                page.headers_mut().insert(header::ALLOW, allow.clone());
            }
            page
        }
        None => resp,
    }
}

/// Largest body of a service registration: a 1 MiB OpenAPI document, percent- or JSON-encoded.
pub(crate) const OPENAPI_FORM_BYTES: usize = 4 * 1024 * 1024;

const SITE_CSS: &str = include_str!("../assets/site.css");
const ASSISTANT_JS: &str = include_str!("../assets/assistant.js");
const UPLOAD_JS: &str = include_str!("../assets/upload.js");
const EDITOR_JS: &str = include_str!("../assets/editor.js");

async fn assistant_js() -> Response {
    script(ASSISTANT_JS)
}

async fn upload_js() -> Response {
    script(UPLOAD_JS)
}

async fn editor_js() -> Response {
    script(EDITOR_JS)
}

fn script(body: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

/// A fingerprint of the style sheet; pages link `site.css?v=…`, so a new release is fetched at once while
/// an unchanged one is cached for a year.
pub(crate) fn css_version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(SITE_CSS.as_bytes())[..6])
    })
}

async fn site_css(uri: axum::http::Uri) -> Response {
    let fingerprinted = uri
        .query()
        .is_some_and(|q| q == format!("v={}", css_version()));
    let cache = if fingerprinted {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        SITE_CSS,
    )
        .into_response()
}
