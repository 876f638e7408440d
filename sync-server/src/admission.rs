//! Admission: what every request passes before a byte of its body is read.
//!
//! - A global limit on requests in flight sheds load with 503 + `Retry-After` instead of
//!   queueing without bound.
//! - Requests without an access token (sign-in, refresh, health) share a smaller limit of
//!   their own, so that anonymous traffic cannot take every slot.
//! - Routes that need a token get it checked from the headers first: a request with no valid
//!   token is answered 401 without its body ever being read (a 16 MiB sync body from nobody
//!   pins no memory).
//! - Each signed-in user has a rate per kind of route (sync, media, the rest of the API):
//!   429 + `Retry-After` beyond it.
//! - An account that must change its one-time password may do only that.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tallschool_shared::UserId;
use tallschool_shared::api::{CLIENT_VERSION_HEADER, MIN_VERSION_HEADER};
use tallschool_shared::policy::PUBLIC_ROUTES;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;

/// A user's allowed request rate for one kind of route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub per_sec: u32,
    pub burst: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdmissionSettings {
    pub max_in_flight: usize,
    pub max_unauthenticated: usize,
    pub sync: Rate,
    pub media: Rate,
    pub api: Rate,
}

/// Which per-user rate a route counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    Sync,
    Media,
    Api,
}

impl RouteKind {
    pub fn of(path: &str) -> RouteKind {
        if path == crate::documents::SYNC_PATH {
            RouteKind::Sync
        } else if path == "/api/v1/media" || path.starts_with("/api/v1/media/") {
            RouteKind::Media
        } else {
            RouteKind::Api
        }
    }
}

pub struct Admission {
    in_flight: Arc<Semaphore>,
    unauthenticated: Arc<Semaphore>,
    sync: DefaultKeyedRateLimiter<UserId>,
    media: DefaultKeyedRateLimiter<UserId>,
    api: DefaultKeyedRateLimiter<UserId>,
}

impl Admission {
    pub fn new(settings: &AdmissionSettings) -> Self {
        let limiter = |rate: Rate| {
            let per_sec = NonZeroU32::new(rate.per_sec).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(rate.burst).unwrap_or(per_sec);
            RateLimiter::keyed(Quota::per_second(per_sec).allow_burst(burst))
        };
        Self {
            in_flight: Arc::new(Semaphore::new(settings.max_in_flight.max(1))),
            unauthenticated: Arc::new(Semaphore::new(settings.max_unauthenticated.max(1))),
            sync: limiter(settings.sync),
            media: limiter(settings.media),
            api: limiter(settings.api),
        }
    }

    /// A slot for any request, or `None` when the server is full.
    pub fn enter(&self) -> Option<OwnedSemaphorePermit> {
        self.in_flight.clone().try_acquire_owned().ok()
    }

    /// A slot among the requests without a token, or `None` when they are all taken.
    pub fn enter_unauthenticated(&self) -> Option<OwnedSemaphorePermit> {
        self.unauthenticated.clone().try_acquire_owned().ok()
    }

    /// Count one request of `user` against the rate of its kind of route.
    pub fn check_user(&self, user: UserId, kind: RouteKind) -> Result<(), ApiError> {
        let limiter = match kind {
            RouteKind::Sync => &self.sync,
            RouteKind::Media => &self.media,
            RouteKind::Api => &self.api,
        };
        limiter.check_key(&user).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited { retry_after_secs: crate::auth::throttle::retry_after_secs(wait) }
        })
    }

    /// Forget users idle long enough that their buckets are full again.
    pub fn forget_idle(&self) {
        self.sync.retain_recent();
        self.media.retain_recent();
        self.api.retain_recent();
    }
}

/// Routes anyone may call: sign-in and refresh, logout by refresh token, the OpenAPI document,
/// health checks (everything outside `/api/v1`).
pub fn is_public(method: &Method, path: &str) -> bool {
    !path.starts_with("/api/v1/")
        || path == "/api/v1/openapi.json"
        || PUBLIC_ROUTES.iter().any(|(m, p)| *p == path && method.as_str() == *m)
}

/// While an account's one-time password is unchanged, only these work.
fn allowed_before_password_change(method: &Method, path: &str) -> bool {
    matches!((method.as_str(), path), ("POST", "/api/v1/me/password") | ("GET", "/api/v1/me"))
}

/// How long a client should wait after a 503 for lack of room.
const SHED_RETRY_SECS: u64 = 1;

fn shed() -> Response {
    crate::telemetry::refused("overloaded");
    ApiError::Overloaded { retry_after_secs: SHED_RETRY_SECS }.into_response()
}

/// Middleware: admit, authenticate from the headers, rate-limit — then let the body be read.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Both slots are held until the answer is ready.
    let Some(_in_flight) = state.admission.enter() else {
        return shed();
    };
    let (mut parts, body) = request.into_parts();
    if let Some(refusal) = too_old(&parts.headers, state.settings.min_client_version.as_ref()) {
        crate::telemetry::refused("upgrade_required");
        return refusal;
    }
    let _anonymous = if is_public(&parts.method, parts.uri.path()) {
        match state.admission.enter_unauthenticated() {
            Some(permit) => Some(permit),
            None => return shed(),
        }
    } else {
        let user = match AuthUser::authenticate(&parts.headers, &state).await {
            Ok(user) => user,
            Err(error) => return error.into_response(),
        };
        if let Err(error) = state.admission.check_user(user.id, RouteKind::of(parts.uri.path())) {
            crate::telemetry::refused("rate_limited");
            return error.into_response();
        }
        if user.must_change_password && !allowed_before_password_change(&parts.method, parts.uri.path()) {
            return ApiError::PasswordChangeRequired.into_response();
        }
        parts.extensions.insert(user);
        None
    };
    next.run(Request::from_parts(parts, body)).await
}

/// The answer for an app older than the server accepts (by the version it sends): 426 with
/// the oldest accepted version. Callers that send no version (scripts, the dashboard served
/// by this server) are not held back.
fn too_old(headers: &axum::http::HeaderMap, min: Option<&semver::Version>) -> Option<Response> {
    let min = min?;
    let sent = headers.get(CLIENT_VERSION_HEADER)?;
    let version = sent.to_str().ok().and_then(|text| semver::Version::parse(text.trim()).ok());
    let Some(version) = version else {
        let message = format!("the {CLIENT_VERSION_HEADER} header must be a version like 1.4.0");
        return Some(ApiError::Validation(message).into_response());
    };
    if version >= *min {
        return None;
    }
    let message = format!(
        "this server needs TallSchool {min} or later (this app is {version}): please update the app; \
         everything on this device is kept and syncs after the update"
    );
    let mut response = ApiError::UpgradeRequired(message).into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&min.to_string()) {
        response.headers_mut().insert(MIN_VERSION_HEADER, value);
    }
    Some(response)
}

/// Background upkeep of the per-user buckets.
pub fn spawn_upkeep(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.admission.forget_idle();
            state.throttle.forget_idle(std::time::Instant::now());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AdmissionSettings {
        AdmissionSettings {
            max_in_flight: 2,
            max_unauthenticated: 1,
            sync: Rate { per_sec: 1, burst: 3 },
            media: Rate { per_sec: 100, burst: 100 },
            api: Rate { per_sec: 1, burst: 1 },
        }
    }

    #[test]
    fn slots_run_out_and_come_back() {
        let admission = Admission::new(&settings());
        let a = admission.enter();
        let b = admission.enter();
        assert!(a.is_some() && b.is_some());
        assert!(admission.enter().is_none(), "full: shed, not queue");
        drop(a);
        assert!(admission.enter().is_some());
        let anonymous = admission.enter_unauthenticated();
        assert!(anonymous.is_some());
        assert!(admission.enter_unauthenticated().is_none());
    }

    #[test]
    fn each_user_has_their_own_rate_per_kind_of_route() {
        let admission = Admission::new(&settings());
        let (ana, bob) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
        for _ in 0..3 {
            assert!(admission.check_user(ana, RouteKind::Sync).is_ok());
        }
        let refused = admission.check_user(ana, RouteKind::Sync);
        assert!(matches!(refused, Err(ApiError::RateLimited { retry_after_secs: 1 })), "{refused:?}");
        assert!(admission.check_user(bob, RouteKind::Sync).is_ok(), "another user is not affected");
        assert!(admission.check_user(ana, RouteKind::Media).is_ok(), "media has its own rate");
    }

    #[test]
    fn routes_are_public_or_need_a_token_and_have_a_kind() {
        assert!(is_public(&Method::POST, "/api/v1/auth/login"));
        assert!(is_public(&Method::GET, "/healthz"));
        assert!(is_public(&Method::GET, "/api/v1/openapi.json"));
        assert!(!is_public(&Method::GET, "/api/v1/auth/login"));
        assert!(!is_public(&Method::POST, "/api/v1/sync"));
        assert!(!is_public(&Method::GET, "/api/v1/no-such-route"));
        assert_eq!(RouteKind::of("/api/v1/sync"), RouteKind::Sync);
        assert_eq!(RouteKind::of("/api/v1/media/abc"), RouteKind::Media);
        assert_eq!(RouteKind::of("/api/v1/me"), RouteKind::Api);
    }
}
