//! Carrying a call to its provider: a pooled HTTP/1.1 client, the request body streamed through while it
//! is hashed and counted (a body over the limit is cut off), the answer read up to the limit and hashed,
//! all within the time limit. Redirects are handed back, never followed. Providers are reached over
//! `http://` or `https://`; for HTTPS the system's trusted roots are used, plus any CA certificates the
//! operator adds for providers with certificates of their own CA.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};

use crate::errors::{ErrorType, GatewayError};

pub struct Forwarder {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, HashingBody>,
    timeout: Duration,
}

/// The request body as it passes: its SHA-256 and length so far, and whether it overran the limit.
#[derive(Default)]
pub struct Tally {
    hasher: Sha256,
    pub bytes: u64,
    pub overrun: bool,
}

impl Tally {
    pub fn digest_hex(&mut self) -> String {
        hex::encode(std::mem::take(&mut self.hasher).finalize())
    }
}

/// A body that hashes and counts what it streams, failing once it passes `limit` bytes.
pub struct HashingBody {
    inner: Body,
    tally: Arc<Mutex<Tally>>,
    limit: u64,
}

impl HashingBody {
    pub fn new(inner: Body, limit: usize) -> (Self, Arc<Mutex<Tally>>) {
        let tally = Arc::new(Mutex::new(Tally::default()));
        (
            HashingBody {
                inner,
                tally: tally.clone(),
                limit: limit as u64,
            },
            tally,
        )
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than the gateway carries")]
pub struct TooLarge;

impl HttpBody for HashingBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let limit = self.limit;
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref()
                    && let Ok(mut t) = self.tally.lock()
                {
                    t.bytes += data.len() as u64;
                    if t.bytes > limit {
                        t.overrun = true;
                        return Poll::Ready(Some(Err(Box::new(TooLarge))));
                    }
                    t.hasher.update(data);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn rustls_native_roots() -> Vec<rustls::pki_types::CertificateDer<'static>> {
    rustls_native_certs::load_native_certs().certs
}

/// The provider's answer, read whole (so its record can be made durable before it is released).
pub struct Answer {
    pub parts: http::response::Parts,
    pub body: Bytes,
    pub sha256: String,
}

impl Forwarder {
    /// `extra_roots`: CA certificates (DER) trusted for providers besides the system's roots.
    pub fn new(timeout: Duration, extra_roots: &[Vec<u8>]) -> Result<Self, String> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        connector.enforce_http(false);
        let mut roots = rustls::RootCertStore::empty();
        // Unreadable system certificates are skipped; with none at all, only the operator's roots work.
        let native = rustls_native_roots();
        roots.add_parsable_certificates(native);
        for der in extra_roots {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| format!("a provider CA certificate is unusable: {e}"))?;
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .build(https);
        Ok(Forwarder { client, timeout })
    }

    pub async fn send(
        &self,
        req: http::Request<HashingBody>,
        tally: &Arc<Mutex<Tally>>,
        max_body: usize,
    ) -> Result<Answer, GatewayError> {
        let work = async {
            let resp = self.client.request(req).await.map_err(|e| {
                if tally.lock().is_ok_and(|t| t.overrun) {
                    return GatewayError::new(
                        ErrorType::RequestTooLarge,
                        format!("the request body is larger than {max_body} bytes"),
                    );
                }
                if e.is_connect() {
                    GatewayError::new(ErrorType::NetworkError, "the provider could not be reached")
                } else {
                    GatewayError::new(
                        ErrorType::ServiceFailed,
                        "the provider closed the connection without a complete answer",
                    )
                }
            })?;
            let (parts, body) = resp.into_parts();
            let body = http_body_util::Limited::new(body, max_body)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        GatewayError::new(
                            ErrorType::ServiceFailed,
                            format!("the provider's answer is larger than {max_body} bytes"),
                        )
                    } else {
                        GatewayError::new(
                            ErrorType::ServiceFailed,
                            "the provider's answer broke off",
                        )
                    }
                })?
                .to_bytes();
            let sha256 = hex::encode(Sha256::digest(&body));
            Ok(Answer {
                parts,
                body,
                sha256,
            })
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(GatewayError::new(
                ErrorType::Timeout,
                format!(
                    "the provider did not answer within {} ms",
                    self.timeout.as_millis()
                ),
            )),
        }
    }
}
