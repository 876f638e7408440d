//! The HTTP client for the sync server's API.

use std::time::Duration;

use reqwest::StatusCode;
use tallschool_shared::api::{LoginRequest, LogoutRequest, RefreshRequest, TokenResponse};
use tallschool_shared::sync::{self, SyncResponse};
use tallschool_shared::{ErrorBody, ErrorCode};

use crate::error::{ClientError, Result};

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
    http: reqwest::Client,
    server: String,
}

impl ServerApi {
    pub fn new(server: &str) -> Result<ServerApi> {
        let http = crate::platform::http_client(Some(Duration::from_secs(120)))
            .map_err(|e| ClientError::Protocol(format!("http client: {e}")))?;
        Ok(ServerApi { http, server: server.trim_end_matches('/').to_owned() })
    }

    pub fn server(&self) -> &str {
        &self.server
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
        let response =
            self.http.post(format!("{}/api/v1/auth/login", self.server)).json(&body).send().await.map_err(offline)?;
        json_or_error(response).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> std::result::Result<TokenResponse, Failure> {
        let body = RefreshRequest { refresh_token: refresh_token.to_owned() };
        let response =
            self.http.post(format!("{}/api/v1/auth/refresh", self.server)).json(&body).send().await.map_err(offline)?;
        match response.status() {
            StatusCode::UNAUTHORIZED => Err(Failure::Other(ClientError::SessionExpired)),
            status if busy(status) => Err(Failure::Busy { retry_after: retry_after(&response) }),
            _ => Ok(json_or_error(response).await?),
        }
    }

    /// End the session the refresh token belongs to. A session the server no longer knows
    /// (401) is ended already.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        let body = LogoutRequest { refresh_token: Some(refresh_token.to_owned()) };
        let response =
            self.http.post(format!("{}/api/v1/auth/logout", self.server)).json(&body).send().await.map_err(offline)?;
        match response.status() {
            status if status.is_success() || status == StatusCode::UNAUTHORIZED => Ok(()),
            status if busy(status) => Err(ClientError::Offline("the server is busy".to_owned())),
            _ => Err(error_of(response).await),
        }
    }

    /// Send one sync round (an encoded `SyncRequest`).
    pub async fn sync(&self, access_token: &str, body: Vec<u8>) -> std::result::Result<SyncResponse, Failure> {
        let response = self
            .http
            .post(format!("{}/api/v1/sync", self.server))
            .bearer_auth(access_token)
            .header(reqwest::header::CONTENT_TYPE, sync::CONTENT_TYPE)
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(gzip(&body)?)
            .send()
            .await
            .map_err(offline)?;
        match response.status() {
            StatusCode::OK => {
                let bytes = response.bytes().await.map_err(offline)?;
                sync::decode(&bytes).map_err(|e| Failure::Other(ClientError::Protocol(e.to_string())))
            }
            status if busy(status) => Err(Failure::Busy { retry_after: retry_after(&response) }),
            _ => Err(failure_of(response).await),
        }
    }
}

impl ServerApi {
    /// Send raw bytes (an upload or a chunk of one) and read a JSON answer.
    pub async fn bytes<T: serde::de::DeserializeOwned>(
        &self,
        access_token: &str,
        method: reqwest::Method,
        path: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> std::result::Result<T, Failure> {
        let mut request = self.http.request(method, format!("{}{path}", self.server)).bearer_auth(access_token);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.map_err(offline)?;
        answer(response).await
    }

    /// A JSON call to `/api/v1/…` with the access token.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        access_token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> std::result::Result<T, Failure> {
        let mut request = self.http.request(method, format!("{}{path}", self.server)).bearer_auth(access_token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(offline)?;
        answer(response).await
    }
}

/// A JSON answer, or how the request failed.
async fn answer<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> std::result::Result<T, Failure> {
    match response.status() {
        status if status.is_success() => Ok(json_or_error(response).await?),
        status if busy(status) => Err(Failure::Busy { retry_after: retry_after(&response) }),
        _ => Err(failure_of(response).await),
    }
}

/// An error answer. Only a 401 about the access token itself means "refresh and retry"; a 401
/// asking for the password again (`reauth_required`) is an answer for the person.
async fn failure_of(response: reqwest::Response) -> Failure {
    let status = response.status();
    match error_of(response).await {
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

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn offline(error: reqwest::Error) -> ClientError {
    ClientError::Offline(error.to_string())
}

async fn json_or_error<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T> {
    if response.status().is_success() {
        // An empty answer (204) reads as JSON `null`.
        let bytes = response.bytes().await.map_err(offline)?;
        let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(body).map_err(|e| ClientError::Protocol(e.to_string()))
    } else {
        Err(error_of(response).await)
    }
}

async fn error_of(response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    match response.json::<ErrorBody>().await {
        Ok(body) if body.error.code == ErrorCode::PasswordChangeRequired => ClientError::PasswordChangeRequired,
        Ok(body) => {
            ClientError::Server { status, code: body.error.code.as_str().to_owned(), message: body.error.message }
        }
        Err(_) => ClientError::Server { status, code: String::new(), message: "no error details".to_owned() },
    }
}
