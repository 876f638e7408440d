//! HTTP plumbing shared by every module: JSON and path extractors whose rejections are our
//! JSON errors, and the layer that turns any bare error status into one.

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `axum::Json` whose rejections are [`ApiError`]s: malformed JSON → 400, wrong types or
/// unknown fields → 422, wrong content type → 415, too large → 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => ApiError::Validation(error.body_text()),
        JsonRejection::JsonSyntaxError(_) => ApiError::InvalidJson("the request body is not valid JSON".to_owned()),
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge
        }
        other => ApiError::InvalidJson(other.body_text()),
    }
}

/// `axum::extract::Path` whose rejection is a 404: a malformed id names nothing.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(ApiError::NotFound),
            Err(other) => Err(ApiError::Internal(other.body_text())),
        }
    }
}

/// Middleware: any error response that is not already our JSON (a layer's 413, the router's
/// 404/405, a timeout) becomes `{"error":{"code","message"}}` with the same status.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let mut replaced = ApiError::from_status(status).into_response();
    *replaced.status_mut() = status;
    if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
        replaced.headers_mut().insert(header::RETRY_AFTER, retry_after.clone());
    }
    replaced
}

/// How much beyond the limit an oversized body is read and thrown away before answering 413. Answering
/// while the client is still sending makes it see a reset instead of our answer; past this
/// much, the connection is cut anyway.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// Middleware: read the request body up to the route's limit (declared length or not). A larger
/// body is drained (up to [`DRAIN_LIMIT`]) and answered 413, so that clients see a clean error.
pub async fn cap_body(request: Request, next: Next) -> Response {
    use http_body_util::BodyExt;
    let Some(max) = crate::app::body_limit(request.uri().path()) else {
        // Streamed by the handler, which enforces its own cap.
        return next.run(request).await;
    };
    let (parts, mut body) = request.into_parts();
    let declared =
        parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let drain_until = max.saturating_add(DRAIN_LIMIT);
    if declared.is_some_and(|length| length > drain_until) {
        return ApiError::PayloadTooLarge.into_response();
    }
    let mut kept = Vec::new();
    let mut seen = 0_usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return ApiError::InvalidJson("the request body could not be read".to_owned()).into_response();
        };
        if let Ok(data) = frame.into_data() {
            seen = seen.saturating_add(data.len());
            if seen <= max {
                kept.extend_from_slice(&data);
            } else if seen > drain_until {
                break;
            }
        }
    }
    if seen > max {
        return ApiError::PayloadTooLarge.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(kept))).await
}

/// The answer for paths that do not exist.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// The answer when a handler panicked: a plain 500, details only in the log.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    ApiError::Internal("handler panicked".to_owned()).into_response()
}
