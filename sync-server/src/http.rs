//! HTTP plumbing shared by every module: JSON and path extractors whose rejections are our
//! JSON errors, and the layer that turns any bare error status into one.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body whose errors are [`ApiError`]s: malformed JSON → 400, wrong types, missing or
/// unknown fields → 422 naming the field, wrong content type → 415, too large → 413. The
/// messages never quote the request: serde's own messages echo values (`invalid type: string
/// "Ana Lopez"`), which must reach neither the client nor the log.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::InvalidJson("the request body could not be read".to_owned())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn has_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserialize, describing a failure by its place in the document, never by its content.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        // A missing field is named by our own type (safe to repeat); every other message of
        // serde's may quote what the client sent.
        let missing = missing_field(&error.inner().to_string());
        let field = match (field_path(error.path()), missing) {
            (Some(parent), Some(name)) => Some(format!("{parent}.{name}")),
            (parent, name) => name.or(parent),
        };
        match error.inner().classify() {
            serde_json::error::Category::Data => match field {
                Some(field) => {
                    ApiError::Field { message: format!("{field} is missing, of the wrong type or not allowed"), field }
                }
                None => ApiError::Validation("the request body does not have the expected fields".to_owned()),
            },
            _ => ApiError::InvalidJson("the request body is not valid JSON".to_owned()),
        }
    })?;
    deserializer.end().map_err(|_| ApiError::InvalidJson("the request body is not valid JSON".to_owned()))?;
    Ok(value)
}

fn missing_field(message: &str) -> Option<String> {
    let name = message.strip_prefix("missing field `")?.split('`').next()?;
    name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_').then(|| name.to_owned())
}

/// The dotted path to a field (`pii.email`, `keys.*`). A segment that does not look like one
/// of our snake_case field names — a map key the client chose — is shown as `*`.
fn field_path(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let identifier = |key: &str| {
        (1..=40).contains(&key.len())
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let segments: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Map { key } if identifier(key) => Some(key.clone()),
            Segment::Map { .. } | Segment::Enum { .. } => Some("*".to_owned()),
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Unknown => None,
        })
        .collect();
    (!segments.is_empty()).then(|| segments.join("."))
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

/// Headers every answer carries (SECURITY.md item 8 of the hardening issue).
#[derive(Clone)]
pub struct SecurityHeaders {
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    pub fn new(settings: &crate::config::Settings) -> Self {
        let hsts = (settings.hsts_max_age_secs > 0)
            .then(|| HeaderValue::from_str(&format!("max-age={}; includeSubDomains", settings.hsts_max_age_secs)).ok())
            .flatten();
        Self { hsts }
    }
}

/// Middleware: no MIME sniffing, no referrer, and API answers (personal data among them) are
/// never stored by a browser or proxy unless the route chose its own caching (media). With
/// TLS in front, HSTS.
pub async fn security_headers(State(config): State<SecurityHeaders>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if api {
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        // An API answer is data, never a page to render or frame.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    if let Some(hsts) = &config.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    response
}

/// Cross-origin browser calls: refused unless the origin is configured. Tokens travel in the
/// `Authorization` header, never in cookies, so credentials are never allowed.
pub fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    let name = axum::http::HeaderName::from_static;
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                axum::http::Method::GET,
                axum::http::Method::HEAD,
                axum::http::Method::POST,
                axum::http::Method::PUT,
                axum::http::Method::PATCH,
                axum::http::Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::CONTENT_ENCODING,
                header::RANGE,
                header::IF_NONE_MATCH,
                name("upload-offset"),
                name("x-content-sha256"),
            ])
            .expose_headers([
                header::ETAG,
                header::CONTENT_RANGE,
                header::RETRY_AFTER,
                name("upload-offset"),
                name("x-request-id"),
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// Middleware: a client's `X-Request-Id` is kept only when it is a UUID (its own correlation
/// id); anything else — which would be logged with every line of the request — is replaced
/// by a fresh one.
pub async fn untrusted_request_id(mut request: Request, next: Next) -> Response {
    let keep = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| uuid::Uuid::try_parse(value).is_ok());
    if !keep {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// Route layer: put the matched route template (`/api/v1/users/{user_id}`) on the request's
/// log span.
pub async fn record_route(matched: axum::extract::MatchedPath, request: Request, next: Next) -> Response {
    tracing::Span::current().record("route", matched.as_str());
    let mut response = next.run(request).await;
    // For the request metrics, which are counted outside the router (a cheap shared copy).
    response.extensions_mut().insert(matched);
    response
}
