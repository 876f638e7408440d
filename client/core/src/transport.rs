//! How the engine reaches its server: one HTTP exchange at a time through a [`Transport`].
//!
//! On a computer and in a browser that is [`HttpTransport`] (reqwest over the network). Tests
//! put the real server in their own process behind a second implementation (the server's
//! router called directly), so that two or three devices sync against it with no socket.
//! Media bytes do not pass through here: they stream to and from files (`media`), and may
//! come from another host (a storage service's signed address).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A request to the server: method, absolute URL, headers and the whole body.
pub type Request = http::Request<Vec<u8>>;
/// The server's answer, its body read whole.
pub type Response = http::Response<bytes::Bytes>;

/// The server could not be reached, or the exchange broke off: the device is offline for now.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);

/// One exchange in flight. `Send` on native targets (a desktop shell runs the engine on a
/// thread pool); in a browser everything runs on the worker's one thread.
#[cfg(not(target_arch = "wasm32"))]
pub type Exchange<'a> = Pin<Box<dyn Future<Output = Result<Response, Unreachable>> + Send + 'a>>;
#[cfg(target_arch = "wasm32")]
pub type Exchange<'a> = Pin<Box<dyn Future<Output = Result<Response, Unreachable>> + 'a>>;

/// Carries one request to the server and brings back its answer. Any HTTP status is an
/// answer; only a failure to exchange at all is [`Unreachable`].
pub trait Transport: Send + Sync {
    fn send(&self, request: Request) -> Exchange<'_>;
}

/// The network, through reqwest (kept for the engine's life so connections are reused).
pub struct HttpTransport {
    client: reqwest::Client,
}

/// No API call takes longer than this, even on a slow link (sync pages are bounded).
const CALL_LIMIT: Duration = Duration::from_secs(120);

impl HttpTransport {
    pub fn new() -> Result<HttpTransport, Unreachable> {
        let client =
            crate::platform::http_client(Some(CALL_LIMIT)).map_err(|e| Unreachable(format!("http client: {e}")))?;
        Ok(HttpTransport { client })
    }

    /// A shared transport, as [`crate::Core::open`] takes it.
    pub fn shared() -> Result<Arc<dyn Transport>, Unreachable> {
        Ok(Arc::new(HttpTransport::new()?))
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: Request) -> Exchange<'_> {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(|e| Unreachable(e.to_string()))?;
            let response = self.client.execute(request).await.map_err(|e| Unreachable(with_causes(&e)))?;
            let mut answer = http::Response::builder().status(response.status());
            if let Some(headers) = answer.headers_mut() {
                headers.extend(response.headers().iter().map(|(name, value)| (name.clone(), value.clone())));
            }
            let body = response.bytes().await.map_err(|e| Unreachable(with_causes(&e)))?;
            answer.body(body).map_err(|e| Unreachable(e.to_string()))
        })
    }
}

/// An error and what caused it ("error sending request: connection reset by peer"): reqwest's
/// own message alone does not say whether the server refused, reset or never answered.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
