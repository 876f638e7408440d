//! One error type for every handler, mapped to HTTP status and JSON body in one place.
//! Messages never contain personal data, secrets, SQL or stack traces: details go to the log
//! (under the request id), the client gets a stable code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tallschool_shared::{ErrorBody, ErrorCode, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidJson(String),
    #[error("{0}")]
    InvalidBody(String),
    #[error("{0}")]
    UpgradeRequired(String),
    #[error("{0}")]
    Validation(String),
    /// A request field is unacceptable: its name (never its value) goes to the client.
    #[error("{message}")]
    Field { field: String, message: String },
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("{0}")]
    UnsupportedMediaTypeOf(String),
    #[error("the request body is larger than this endpoint accepts")]
    PayloadTooLarge,
    #[error("{0}")]
    TooLarge(String),
    #[error("the requested range is not inside the object ({size} bytes)")]
    RangeNotSatisfiable { size: u64 },
    #[error("a valid access token is required")]
    Unauthorized,
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("the refresh token is not valid; sign in again")]
    InvalidRefreshToken,
    #[error("your school signed this device out: remove this account's data from it")]
    DeviceWiped,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Overloaded { retry_after_secs: u64 },
    #[error("choose a new password first: this account signed in with a one-time password")]
    PasswordChangeRequired,
    #[error("confirm your password to make this change")]
    ReauthRequired,
    #[error("this one-time password has expired; ask your school for a new one")]
    OneTimePasswordExpired,
    #[error("this one-time password was already used; ask your school for a new one")]
    OneTimePasswordUsed,
    #[error("a dependency is unavailable; try again later")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::InvalidJson(_) => ErrorCode::InvalidJson,
            ApiError::InvalidBody(_) => ErrorCode::InvalidBody,
            ApiError::UpgradeRequired(_) => ErrorCode::UpgradeRequired,
            ApiError::Validation(_) | ApiError::Field { .. } => ErrorCode::ValidationFailed,
            ApiError::UnsupportedMediaType | ApiError::UnsupportedMediaTypeOf(_) => ErrorCode::UnsupportedMediaType,
            ApiError::PayloadTooLarge | ApiError::TooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::RangeNotSatisfiable { .. } => ErrorCode::RangeNotSatisfiable,
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::InvalidRefreshToken => ErrorCode::InvalidRefreshToken,
            ApiError::DeviceWiped => ErrorCode::DeviceWiped,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            ApiError::ReauthRequired => ErrorCode::ReauthRequired,
            ApiError::OneTimePasswordExpired => ErrorCode::OneTimePasswordExpired,
            ApiError::OneTimePasswordUsed => ErrorCode::OneTimePasswordUsed,
            ApiError::Unavailable(_) | ApiError::Overloaded { .. } => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidBody(_) => StatusCode::BAD_REQUEST,
            ApiError::UpgradeRequired(_) => StatusCode::UPGRADE_REQUIRED,
            ApiError::Validation(_) | ApiError::Field { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType | ApiError::UnsupportedMediaTypeOf(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge | ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Unauthorized
            | ApiError::InvalidCredentials
            | ApiError::InvalidRefreshToken
            | ApiError::DeviceWiped
            | ApiError::ReauthRequired
            | ApiError::OneTimePasswordExpired
            | ApiError::OneTimePasswordUsed => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error a bare status (from a layer or the router) stands for.
    pub fn from_status(status: StatusCode) -> ApiError {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized,
            StatusCode::FORBIDDEN => ApiError::Forbidden,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited { retry_after_secs: 1 },
            StatusCode::SERVICE_UNAVAILABLE => ApiError::Overloaded { retry_after_secs: 1 },
            status if status.is_client_error() => {
                ApiError::InvalidJson(status.canonical_reason().unwrap_or("bad request").to_lowercase())
            }
            _ => ApiError::Internal(format!("status {status}")),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let field = match self {
            ApiError::Field { field, .. } => Some(field.clone()),
            _ => None,
        };
        ErrorBody { error: ErrorDetail { code: self.code(), message: self.to_string(), field } }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(detail) => tracing::error!(detail = %detail, "internal error"),
            ApiError::Unavailable(detail) => tracing::warn!(detail = %detail, "dependency unavailable"),
            _ => {}
        }
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let ApiError::RateLimited { retry_after_secs } | ApiError::Overloaded { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
        }
        if let ApiError::RangeNotSatisfiable { size } = self
            && let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                ApiError::Conflict("that already exists".to_owned())
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                ApiError::Validation("a referenced record does not exist".to_owned())
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::Unavailable(describe_db_error(&error))
            }
            _ => ApiError::Internal(describe_db_error(&error)),
        }
    }
}

/// What may be logged of a database error: its kind, SQLSTATE and constraint name. Never the
/// database's message, which can quote a row's values (`Key (username)=(ana.lopez)`).
pub fn describe_db_error(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => format!(
            "database: {:?}, code {}, constraint {}",
            db.kind(),
            db.code().as_deref().unwrap_or("-"),
            db.constraint().unwrap_or("-")
        ),
        sqlx::Error::RowNotFound => "database: row not found".to_owned(),
        sqlx::Error::ColumnNotFound(column) => format!("database: no column {column}"),
        sqlx::Error::ColumnDecode { index, .. } => format!("database: column {index} unreadable"),
        sqlx::Error::Decode(_) => "database: value unreadable".to_owned(),
        sqlx::Error::Io(io) => format!("database: i/o {:?}", io.kind()),
        sqlx::Error::PoolTimedOut => "database: no connection free in time".to_owned(),
        sqlx::Error::PoolClosed => "database: pool closed".to_owned(),
        sqlx::Error::Tls(_) => "database: tls".to_owned(),
        sqlx::Error::Protocol(_) => "database: protocol".to_owned(),
        sqlx::Error::Configuration(_) => "database: configuration".to_owned(),
        _ => "database: other error".to_owned(),
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(error: tokio::task::JoinError) -> Self {
        ApiError::Internal(format!("background task failed: {error}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Map a database error, giving a unique-key violation a message that says what is taken.
pub fn conflict_as(message: &'static str) -> impl Fn(sqlx::Error) -> ApiError {
    move |error| match ApiError::from(error) {
        ApiError::Conflict(_) => ApiError::Conflict(message.to_owned()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// A database error whose message quotes a row, as PostgreSQL's details do.
    #[derive(Debug)]
    struct Quoting;

    impl std::fmt::Display for Quoting {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("new row violates check constraint: Failing row contains (ana.lopez, Ana López)")
        }
    }

    impl std::error::Error for Quoting {}

    impl sqlx::error::DatabaseError for Quoting {
        fn message(&self) -> &str {
            "Failing row contains (ana.lopez, Ana López)"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed("23514"))
        }
        fn constraint(&self) -> Option<&str> {
            Some("users_role_check")
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::CheckViolation
        }
    }

    #[test]
    fn database_errors_are_described_by_code_and_constraint_never_by_their_message() {
        let error = ApiError::from(sqlx::Error::Database(Box::new(Quoting)));
        let ApiError::Internal(detail) = &error else { panic!("{error:?}") };
        assert!(detail.contains("23514") && detail.contains("users_role_check"), "{detail}");
        assert!(!detail.contains("ana"), "{detail}");
        assert_eq!(error.body().error.message, "internal error");
    }
}
