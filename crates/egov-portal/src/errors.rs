//! The one place where a failure becomes an HTTP answer on the portal's HTML and JSON surfaces.
//!
//! [`ErrorCode`] is the table of stable error codes: each has its status and a line of documentation, and is
//! decided here only. Internal detail is logged once, here, and never reaches the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use egov_core::Lang;

use crate::AppState;

/// Stable error codes of the portal (HTML pages and the JSON API answer with the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The page, agency, language or item does not exist.
    NotFound,
    /// A parameter is malformed (paging, filters, dates, form fields).
    BadRequest,
    /// Signing in is required for this page.
    Unauthorized,
    /// Signed in, but the account's roles do not allow this.
    Forbidden,
    /// A form arrived without a valid anti-forgery token (expired page or another site's form).
    CsrfFailed,
    /// Too many attempts in a short time (sign-in throttling).
    TooManyRequests,
    /// The request body is larger than this route accepts.
    PayloadTooLarge,
    /// The store cannot be reached; the request may be retried.
    Unavailable,
    /// A fault of the platform; logged with detail on the server.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::NotFound,
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::CsrfFailed,
        ErrorCode::TooManyRequests,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::CsrfFailed => StatusCode::FORBIDDEN,
            ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code's stable name, as the JSON API's `code` and the message id stem of its page.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not-found",
            ErrorCode::BadRequest => "bad-request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfFailed => "csrf-failed",
            ErrorCode::TooManyRequests => "too-many-requests",
            ErrorCode::PayloadTooLarge => "payload-too-large",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// An error on an HTML page: rendered as a page in the reader's language, with the right status.
#[derive(Debug)]
pub struct PageError {
    pub code: ErrorCode,
    pub lang: Option<Lang>,
    /// Extra text safe to show (e.g. which parameter was malformed); never internal detail.
    pub detail: Option<String>,
    /// A catalog message id for the detail, preferred over `detail`.
    pub detail_id: Option<&'static str>,
    /// Seconds after which a retry may succeed (429, 503).
    pub retry_after: Option<u64>,
    /// Internal cause, logged once when the page is rendered.
    pub cause: Option<String>,
}

impl PageError {
    pub fn new(code: ErrorCode) -> Self {
        PageError {
            code,
            lang: None,
            detail: None,
            detail_id: None,
            retry_after: None,
            cause: None,
        }
    }

    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    /// A detail from the message catalogs (`detail-…`), shown in the reader's language.
    pub fn detail_msg(mut self, id: &'static str) -> Self {
        self.detail_id = Some(id);
        self
    }

    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        PageError {
            cause: Some(cause.to_string()),
            ..PageError::new(ErrorCode::Internal)
        }
    }
}

impl From<egov_store::StoreError> for PageError {
    fn from(e: egov_store::StoreError) -> Self {
        match e {
            egov_store::StoreError::NotFound(_) => PageError::new(ErrorCode::NotFound),
            egov_store::StoreError::Database(sqlx_err) => PageError {
                cause: Some(sqlx_err.to_string()),
                retry_after: Some(5),
                ..PageError::new(ErrorCode::Unavailable)
            },
            other => PageError::internal(other),
        }
    }
}

impl IntoResponse for PageError {
    /// The page is rendered by the `render_errors` middleware, which has the state and the reader's
    /// language; here the error only travels in the response's extensions.
    fn into_response(self) -> Response {
        let mut resp = self.code.status().into_response();
        resp.extensions_mut()
            .insert(PendingError(std::sync::Arc::new(self)));
        resp
    }
}

/// An error waiting to be rendered (see [`PageError::into_response`]).
#[derive(Clone)]
pub(crate) struct PendingError(pub std::sync::Arc<PageError>);

impl AppState {
    /// Turns a [`PageError`] into an HTML page; logs internal causes (the one place they are logged).
    pub(crate) fn error_page(&self, e: &PageError, fallback_lang: Option<Lang>) -> Response {
        if let Some(cause) = &e.cause {
            tracing::error!(code = e.code.name(), %cause, "request failed");
        }
        let lang = e
            .lang
            .or(fallback_lang)
            .unwrap_or_else(|| self.languages().default_lang());
        let m = self.messages();
        let title = m.get(lang, &format!("error-{}-title", e.code.name()), &[]);
        let text = m.get(lang, &format!("error-{}-text", e.code.name()), &[]);
        let body = self.render_bare(
            "error.html",
            lang,
            minijinja::context! {
                title => title,
                text => text,
                detail => e.detail_id.map(|id| m.get(lang, id, &[])).or_else(|| e.detail.clone()),
                status => e.code.status().as_u16(),
            },
        );
        let mut resp = (e.code.status(), body).into_response();
        if let Some(v) = e.retry_after.and_then(|s| s.to_string().parse().ok()) {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        resp.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        resp
    }
}
