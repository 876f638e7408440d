//! The sync server's API, spoken over the engine's [`Transport`].

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode, header};
use tallschool_shared::api::{CLIENT_VERSION_HEADER, LoginRequest, LogoutRequest, RefreshRequest, TokenResponse};
use tallschool_shared::sync::{self, SyncResponse};
use tallschool_shared::{ErrorBody, ErrorCode};

use crate::error::{ClientError, Result};
use crate::transport::{Response, Transport};

/// How a request ended, beyond plain success.
#[derive(Debug)]
pub enum Failure {
    /// The access token is no longer accepted: refresh and retry.
    Unauthorized,
    /// Rate-limited or the server is struggling: wait (at least `retry_after`) and retry.
    Busy {
        retry_after: Option<Duration>,
    },
    Other(ClientError),
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        Failure::Other(error)
    }
}

#[derive(Clone)]
pub struct ServerApi {
    transport: Arc<dyn Transport>,
    server: String,
}

impl ServerApi {
    pub fn new(server: &str, transport: Arc<dyn Transport>) -> ServerApi {
        ServerApi { transport, server: server.trim_end_matches('/').to_owned() }
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Send one request to `path` on the server; its answer, whatever the status.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        access_token: Option<&str>,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Result<Response> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.server))
            .header(CLIENT_VERSION_HEADER, env!("CARGO_PKG_VERSION"));
        if let Some(token) = access_token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(body).map_err(|e| ClientError::Invalid(format!("request to {path}: {e}")))?;
        self.transport.send(request).await.map_err(|e| ClientError::Offline(e.0))
    }

    /// A JSON body and the headers that say so.
    async fn post_json(&self, path: &str, body: &impl serde::Serialize) -> Result<Response> {
        let body = serde_json::to_vec(body).map_err(|e| ClientError::Invalid(e.to_string()))?;
        self.exchange(Method::POST, path, None, vec![json_content()], body).await
    }

    pub async fn login(
        &self,
        username: &str,
        password: &str,
        device_name: &str,
        device_key: &str,
    ) -> Result<TokenResponse> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: device_name.to_owned(),
            device_key: Some(device_key.to_owned()),
        };
        json_or_error(&self.post_json("/api/v1/auth/login", &body).await?)
    }

    pub async fn refresh(&self, refresh_token: &str) -> std::result::Result<TokenResponse, Failure> {
        let body = RefreshRequest { refresh_token: refresh_token.to_owned() };
        let response = self.post_json("/api/v1/auth/refresh", &body).await?;
        match response.status() {
            StatusCode::UNAUTHORIZED => match error_of(&response) {
                ClientError::Server { code, .. } if code == ErrorCode::DeviceWiped.as_str() => {
                    Err(Failure::Other(ClientError::DeviceWiped))
                }
                _ => Err(Failure::Other(ClientError::SessionExpired)),
            },
            status if busy(status) => Err(Failure::Busy { retry_after: retry_after(&response) }),
            _ => Ok(json_or_error(&response)?),
        }
    }

    /// End the session the refresh token belongs to. A session the server no longer knows
    /// (401) is ended already.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        let body = LogoutRequest { refresh_token: Some(refresh_token.to_owned()) };
        let response = self.post_json("/api/v1/auth/logout", &body).await?;
        match response.status() {
            status if status.is_success() || status == StatusCode::UNAUTHORIZED => Ok(()),
            status if busy(status) => Err(ClientError::Offline("the server is busy".to_owned())),
            _ => Err(error_of(&response)),
        }
    }

    /// Send one sync round (an encoded `SyncRequest`).
    pub async fn sync(&self, access_token: &str, body: Vec<u8>) -> std::result::Result<SyncResponse, Failure> {
        let headers = vec![("content-type", sync::CONTENT_TYPE.to_owned()), ("content-encoding", "gzip".to_owned())];
        let response = self.exchange(Method::POST, "/api/v1/sync", Some(access_token), headers, gzip(&body)?).await?;
        match response.status() {
            StatusCode::OK => {
                sync::decode(response.body()).map_err(|e| Failure::Other(ClientError::Protocol(e.to_string())))
            }
            status if busy(status) => Err(Failure::Busy { retry_after: retry_after(&response) }),
            _ => Err(failure_of(&response)),
        }
    }

    /// Send raw bytes (an upload or a chunk of one) and read a JSON answer.
    pub async fn bytes<T: serde::de::DeserializeOwned>(
        &self,
        access_token: &str,
        method: Method,
        path: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> std::result::Result<T, Failure> {
        answer(&self.exchange(method, path, Some(access_token), headers, body).await?)
    }

    /// A JSON call to `/api/v1/…` with the access token.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        access_token: &str,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> std::result::Result<T, Failure> {
        let (headers, body) = match body {
            Some(body) => {
                (vec![json_content()], serde_json::to_vec(body).map_err(|e| ClientError::Invalid(e.to_string()))?)
            }
            None => (Vec::new(), Vec::new()),
        };
        answer(&self.exchange(method, path, Some(access_token), headers, body).await?)
    }
}

fn json_content() -> (&'static str, String) {
    ("content-type", "application/json".to_owned())
}

/// A JSON answer, or how the request failed.
fn answer<T: serde::de::DeserializeOwned>(response: &Response) -> std::result::Result<T, Failure> {
    match response.status() {
        status if status.is_success() => Ok(json_or_error(response)?),
        status if busy(status) => Err(Failure::Busy { retry_after: retry_after(response) }),
        _ => Err(failure_of(response)),
    }
}

/// An error answer. Only a 401 about the access token itself means "refresh and retry"; a 401
/// asking for the password again (`reauth_required`) is an answer for the person.
fn failure_of(response: &Response) -> Failure {
    let status = response.status();
    match error_of(response) {
        ClientError::Server { code, .. }
            if status == StatusCode::UNAUTHORIZED && (code == "unauthorized" || code.is_empty()) =>
        {
            Failure::Unauthorized
        }
        error => Failure::Other(error),
    }
}

/// Sync bodies carry uncompressed automerge changes, gzip-ed together: study sessions repeat
/// the same card ids, which compress across changes (answers come back gzip-ed too).
pub fn gzip(bytes: &[u8]) -> std::result::Result<Vec<u8>, Failure> {
    use std::io::Write;
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::default());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| Failure::Other(ClientError::Invalid(format!("gzip: {e}"))))
}

fn busy(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn json_or_error<T: serde::de::DeserializeOwned>(response: &Response) -> Result<T> {
    if response.status().is_success() {
        // An empty answer (204) reads as JSON `null`.
        let body: &[u8] = if response.body().is_empty() { b"null" } else { response.body() };
        serde_json::from_slice(body).map_err(|e| ClientError::Protocol(e.to_string()))
    } else {
        Err(error_of(response))
    }
}

fn error_of(response: &Response) -> ClientError {
    let status = response.status().as_u16();
    match serde_json::from_slice::<ErrorBody>(response.body()) {
        Ok(body) if body.error.code == ErrorCode::PasswordChangeRequired => ClientError::PasswordChangeRequired,
        Ok(body) if body.error.code == ErrorCode::UpgradeRequired => ClientError::UpdateRequired(body.error.message),
        Ok(body) => {
            ClientError::Server { status, code: body.error.code.as_str().to_owned(), message: body.error.message }
        }
        Err(_) => ClientError::Server { status, code: String::new(), message: "no error details".to_owned() },
    }
}
