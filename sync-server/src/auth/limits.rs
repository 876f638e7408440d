//! Anti-automation for sign-in and token refresh: a token bucket per account and one per
//! client address (governor). Limits slow an attacker down without locking anyone out for
//! long: a bucket refills on its own.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Settings;
use crate::error::ApiError;

#[derive(Clone)]
pub struct AuthLimits {
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
    per_client: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl AuthLimits {
    pub fn new(settings: &Settings) -> Self {
        let quota = |burst: u32, period: Duration| {
            Quota::with_period(period)
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            per_account: Arc::new(RateLimiter::keyed(quota(
                settings.login_account_burst,
                Duration::from_secs(settings.login_account_refill_secs),
            ))),
            per_client: Arc::new(RateLimiter::keyed(quota(
                settings.client_ip_burst,
                Duration::from_millis(settings.client_ip_refill_millis),
            ))),
        }
    }

    /// One auth request from `client`.
    pub fn check_client(&self, client: IpAddr) -> Result<(), ApiError> {
        self.per_client.check_key(&client).map_err(|not_until| rate_limited(&not_until))
    }

    /// One sign-in attempt for `username` (normalised, whether or not it exists).
    pub fn check_account(&self, username: &str) -> Result<(), ApiError> {
        self.per_account.check_key(&username.to_owned()).map_err(|not_until| rate_limited(&not_until))
    }

    /// Forget idle keys so that memory stays bounded.
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_client.retain_recent();
    }
}

fn rate_limited(not_until: &governor::NotUntil<governor::clock::QuantaInstant>) -> ApiError {
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    ApiError::RateLimited { retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
}
