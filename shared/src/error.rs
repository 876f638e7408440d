//! The error body every API error has, and the stable codes clients act on.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. Clients match on these, never on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The body is not valid JSON, or not the expected shape.
    InvalidJson,
    /// A binary body (e.g. a sync message) is malformed.
    InvalidBody,
    /// The client speaks a protocol version the server no longer accepts.
    UpgradeRequired,
    /// The request was understood but a field is not acceptable.
    ValidationFailed,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// The body is larger than this route accepts.
    PayloadTooLarge,
    /// A `Range` outside the object.
    RangeNotSatisfiable,
    /// Missing, invalid or expired access token.
    Unauthorized,
    /// Username or password is wrong (deliberately not saying which).
    InvalidCredentials,
    /// The refresh token is unknown, expired, used or revoked.
    InvalidRefreshToken,
    /// The school signed this device out and asked it to remove the account's data: the
    /// device deletes everything of the account it holds (unsynced work included).
    DeviceWiped,
    /// Authenticated, but this role may not do this here.
    Forbidden,
    /// Not found, or not visible to the caller.
    NotFound,
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// The request conflicts with what is stored (e.g. a taken username).
    Conflict,
    /// Too many attempts; see `Retry-After`.
    RateLimited,
    /// Signed in with a one-time password: choose a new one (`POST /me/password`) first.
    PasswordChangeRequired,
    /// This change needs the password again (`POST /auth/reauth`) or a sign-in within the
    /// last few minutes.
    ReauthRequired,
    /// The one-time password is right but has expired: ask for a new one.
    OneTimePasswordExpired,
    /// The one-time password is right but was already used: ask for a new one.
    OneTimePasswordUsed,
    /// A dependency (database, key provider) is unavailable; retry later.
    Unavailable,
    /// An unexpected server error. Details are in the server log under the request id.
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::UpgradeRequired => "upgrade_required",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RangeNotSatisfiable => "range_not_satisfiable",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::InvalidRefreshToken => "invalid_refresh_token",
            ErrorCode::DeviceWiped => "device_wiped",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::ReauthRequired => "reauth_required",
            ErrorCode::OneTimePasswordExpired => "one_time_password_expired",
            ErrorCode::OneTimePasswordUsed => "one_time_password_used",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// `{"error":{"code":…,"message":…}}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The request field at fault, when there is one (never its value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
