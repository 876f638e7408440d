//! Sign-in throttling that cannot be turned into a lock-out (OWASP Authentication and
//! Credential Stuffing cheat sheets).
//!
//! Only *failures* count, never attempts: a student who types the right password is never
//! slowed by having tried. Failures are kept per (account, client address), per client
//! address, and per account; each key forgives failures at a steady rate (`free` per
//! `window`), and once a key is past its free allowance every further failure blocks it for a
//! growing delay (1 s, 2 s, 4 s, … capped at a few minutes) — never for good. While a key is
//! blocked, its requests are answered 429 with `Retry-After` before any password is checked.
//!
//! A device that holds a live session of the account (it proves it with its device key) is
//! judged only by its own failures: other people's failures against the account or from the
//! same school network never reach it.
//!
//! The core here is pure (time is passed in); `routes` applies it and writes the events.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many failures a key may make before delays start, and how fast they are forgiven.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Allowance {
    /// Failures allowed without delay…
    pub free: u32,
    /// …per this period (forgiven at a steady rate: `free / window`).
    pub window: Duration,
}

/// The delays a blocked key waits: `base` after the first failure past the allowance,
/// doubling with each further one, at most `max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Delays {
    pub base: Duration,
    pub max: Duration,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Failures not yet forgiven (fractional: forgiveness is continuous).
    level: f64,
    at: Instant,
    blocked_until: Option<Instant>,
}

/// Failures of one kind of key.
pub struct FailureLog<K> {
    allowance: Allowance,
    delays: Delays,
    entries: Mutex<HashMap<K, Entry>>,
}

/// Keys tracked per kind at most; past this, unblocked keys are forgotten first.
const MAX_KEYS: usize = 200_000;

impl<K: Hash + Eq + Copy> FailureLog<K> {
    pub fn new(allowance: Allowance, delays: Delays) -> Self {
        Self { allowance, delays, entries: Mutex::new(HashMap::new()) }
    }

    /// How long `key` must still wait, if it is blocked.
    pub fn blocked_for(&self, key: &K, now: Instant) -> Option<Duration> {
        let entries = self.entries.lock().ok()?;
        let until = entries.get(key)?.blocked_until?;
        (until > now).then(|| until - now)
    }

    /// Count a failure. Returns the delay it starts, if the key is now past its allowance.
    pub fn record_failure(&self, key: K, now: Instant) -> Option<Duration> {
        let mut entries = self.entries.lock().ok()?;
        if entries.len() >= MAX_KEYS && !entries.contains_key(&key) {
            entries.retain(|_, entry| entry.blocked_until.is_some_and(|until| until > now));
            if entries.len() >= MAX_KEYS {
                return None;
            }
        }
        let entry = entries.entry(key).or_insert(Entry { level: 0.0, at: now, blocked_until: None });
        entry.level = self.forgiven(entry, now) + 1.0;
        entry.at = now;
        let over = entry.level - f64::from(self.allowance.free);
        if over <= 0.0 {
            entry.blocked_until = None;
            return None;
        }
        let delay = self.delay(over);
        entry.blocked_until = Some(now + delay);
        Some(delay)
    }

    /// Forget `key`'s failures (the account's owner signed in from there).
    pub fn clear(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// Drop keys whose failures are all forgiven, so that memory stays bounded.
    pub fn forget_idle(&self, now: Instant) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, entry| {
                entry.blocked_until.is_some_and(|until| until > now) || self.forgiven(entry, now) > 0.0
            });
        }
    }

    fn forgiven(&self, entry: &Entry, now: Instant) -> f64 {
        let per_sec = f64::from(self.allowance.free.max(1)) / self.allowance.window.as_secs_f64().max(1.0);
        let elapsed = now.saturating_duration_since(entry.at).as_secs_f64();
        (entry.level - elapsed * per_sec).max(0.0)
    }

    /// `base · 2^(over − 1)`, at most `max`, for a key `over` failures past its allowance.
    fn delay(&self, over: f64) -> Duration {
        let doublings = (over.ceil() - 1.0).clamp(0.0, 30.0);
        let secs = self.delays.base.as_secs_f64() * 2_f64.powf(doublings);
        Duration::from_secs_f64(secs.min(self.delays.max.as_secs_f64()))
    }
}

/// Which of the keys stopped a request or started a delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// This account from this client address.
    AccountAddress,
    /// Any account from this client address.
    Address,
    /// This account from devices it has no session on.
    Account,
    /// This account on one trusted device (its own failures only), or in one session.
    Device,
}

impl Scope {
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::AccountAddress => "account_address",
            Scope::Address => "address",
            Scope::Account => "account",
            Scope::Device => "device",
        }
    }
}

/// Who is trying: the account named (a hash, so that unknown names cost no memory and leak
/// nothing), where from, and the device's proof of a live session of that account, if any.
#[derive(Clone, Copy, Debug)]
pub struct Attempt {
    pub account: u64,
    pub address: IpAddr,
    /// A hash of the trusted device (its device key or session), when it has one.
    pub trusted_device: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Blocked {
    pub scope: Scope,
    pub retry_after: Duration,
}

/// The throttle of every password check (sign-in, re-authentication, password change) and
/// of refresh-token failures.
pub struct SignInThrottle {
    hasher: RandomState,
    account_address: FailureLog<(u64, IpAddr)>,
    address: FailureLog<IpAddr>,
    account: FailureLog<u64>,
    device: FailureLog<(u64, u64)>,
    refresh_address: FailureLog<IpAddr>,
}

/// The allowances of each key (settings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThrottlePolicy {
    pub account_address: Allowance,
    pub address: Allowance,
    pub account: Allowance,
    pub device: Allowance,
    pub refresh_address: Allowance,
    pub delays: Delays,
}

impl SignInThrottle {
    pub fn new(policy: &ThrottlePolicy) -> Self {
        let delays = policy.delays;
        Self {
            hasher: RandomState::new(),
            account_address: FailureLog::new(policy.account_address, delays),
            address: FailureLog::new(policy.address, delays),
            account: FailureLog::new(policy.account, delays),
            device: FailureLog::new(policy.device, delays),
            refresh_address: FailureLog::new(policy.refresh_address, delays),
        }
    }

    /// A short, memory-cheap stand-in for a normalised username or a device secret.
    pub fn key_of(&self, text: &str) -> u64 {
        self.hasher.hash_one(text)
    }

    /// Whether the attempt must wait (checked before the password is).
    pub fn check(&self, attempt: &Attempt, now: Instant) -> Result<(), Blocked> {
        let waits = match attempt.trusted_device {
            Some(device) => vec![(Scope::Device, self.device.blocked_for(&(attempt.account, device), now))],
            None => vec![
                (Scope::AccountAddress, self.account_address.blocked_for(&(attempt.account, attempt.address), now)),
                (Scope::Address, self.address.blocked_for(&attempt.address, now)),
                (Scope::Account, self.account.blocked_for(&attempt.account, now)),
            ],
        };
        let longest = waits.into_iter().filter_map(|(scope, wait)| wait.map(|w| (scope, w))).max_by_key(|(_, w)| *w);
        match longest {
            Some((scope, retry_after)) => Err(Blocked { scope, retry_after }),
            None => Ok(()),
        }
    }

    /// Count a wrong password. Returns the delays this failure started (for the events).
    pub fn failed(&self, attempt: &Attempt, now: Instant) -> Vec<Blocked> {
        let started = match attempt.trusted_device {
            Some(device) => vec![(Scope::Device, self.device.record_failure((attempt.account, device), now))],
            None => vec![
                (Scope::AccountAddress, self.account_address.record_failure((attempt.account, attempt.address), now)),
                (Scope::Address, self.address.record_failure(attempt.address, now)),
                (Scope::Account, self.account.record_failure(attempt.account, now)),
            ],
        };
        started
            .into_iter()
            .filter_map(|(scope, delay)| delay.map(|retry_after| Blocked { scope, retry_after }))
            .collect()
    }

    /// The right password: this account's failures from here (or this device) are forgiven.
    /// Failures counted per address and per account stay: they are other people's.
    pub fn succeeded(&self, attempt: &Attempt) {
        match attempt.trusted_device {
            Some(device) => self.device.clear(&(attempt.account, device)),
            None => self.account_address.clear(&(attempt.account, attempt.address)),
        }
    }

    /// Whether refreshes from `address` must wait (after many unknown refresh tokens).
    pub fn check_refresh(&self, address: IpAddr, now: Instant) -> Result<(), Blocked> {
        match self.refresh_address.blocked_for(&address, now) {
            Some(retry_after) => Err(Blocked { scope: Scope::Address, retry_after }),
            None => Ok(()),
        }
    }

    pub fn refresh_failed(&self, address: IpAddr, now: Instant) -> Option<Blocked> {
        self.refresh_address
            .record_failure(address, now)
            .map(|retry_after| Blocked { scope: Scope::Address, retry_after })
    }

    pub fn forget_idle(&self, now: Instant) {
        self.account_address.forget_idle(now);
        self.address.forget_idle(now);
        self.account.forget_idle(now);
        self.device.forget_idle(now);
        self.refresh_address.forget_idle(now);
    }
}

/// Whole seconds for `Retry-After` (rounded up, at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            account_address: Allowance { free: 5, window: 15 * MINUTE },
            address: Allowance { free: 100, window: 60 * MINUTE },
            account: Allowance { free: 100, window: 60 * MINUTE },
            device: Allowance { free: 5, window: 15 * MINUTE },
            refresh_address: Allowance { free: 100, window: 60 * MINUTE },
            delays: Delays { base: Duration::from_secs(1), max: Duration::from_secs(300) },
        }
    }

    fn attempt(throttle: &SignInThrottle, account: &str, last_octet: u8) -> Attempt {
        Attempt {
            account: throttle.key_of(account),
            address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, last_octet)),
            trusted_device: None,
        }
    }

    #[test]
    fn attempts_never_count_only_failures_do() {
        let throttle = SignInThrottle::new(&policy());
        let t0 = Instant::now();
        let ana = attempt(&throttle, "ana", 1);
        for i in 0..1000 {
            assert!(throttle.check(&ana, t0 + Duration::from_millis(i)).is_ok());
            throttle.succeeded(&ana);
        }
    }

    #[test]
    fn delays_grow_after_the_free_failures_and_are_capped() {
        let throttle = SignInThrottle::new(&policy());
        let t0 = Instant::now();
        let mallory = attempt(&throttle, "ana", 66);
        for _ in 0..5 {
            assert!(throttle.failed(&mallory, t0).is_empty());
        }
        // An attacker who tries again the moment each delay ends, for an hour.
        let (mut now, mut delays) = (t0, Vec::new());
        while now < t0 + 60 * MINUTE {
            let started = throttle.failed(&mallory, now);
            let delay = started.iter().find(|b| b.scope == Scope::AccountAddress).map(|b| b.retry_after);
            let delay = delay.unwrap_or_default();
            assert_eq!(throttle.check(&mallory, now).err().map(|b| b.retry_after), Some(delay));
            delays.push(delay.as_secs());
            now += delay.max(Duration::from_secs(1));
        }
        assert_eq!(&delays[..4], &[1, 2, 4, 8], "doubling");
        assert!(delays.iter().all(|d| *d <= 300), "capped at five minutes: {delays:?}");
        // Five free failures, then about the allowance (5 per 15 minutes) for the rest of the hour.
        assert!(delays.len() <= 5 + 20 + 10, "{} failures in an hour: {delays:?}", delays.len());
        // Never a permanent lock: once the delay has passed, the key may try again.
        assert!(throttle.check(&mallory, now).is_ok());
        // With slow forgiveness the delay reaches its cap and stays there.
        let slow = FailureLog::new(
            Allowance { free: 1, window: 24 * 60 * MINUTE },
            Delays { base: Duration::from_secs(1), max: Duration::from_secs(300) },
        );
        let longest = (0..20).filter_map(|_| slow.record_failure(1_u8, t0)).max();
        assert_eq!(longest, Some(Duration::from_secs(300)));
    }

    #[test]
    fn an_attackers_failures_do_not_block_the_owner_elsewhere_or_on_a_trusted_device() {
        let throttle = SignInThrottle::new(&policy());
        let t0 = Instant::now();
        let mallory = attempt(&throttle, "ana", 66);
        for _ in 0..50 {
            throttle.failed(&mallory, t0);
        }
        assert_eq!(throttle.check(&mallory, t0).err().map(|b| b.scope), Some(Scope::AccountAddress));
        let ana_at_home = attempt(&throttle, "ana", 7);
        assert!(throttle.check(&ana_at_home, t0).is_ok());
        // On the attacker's own network, Ana's laptop (which has a session) is not affected.
        let ana_laptop = Attempt { trusted_device: Some(throttle.key_of("laptop key")), ..mallory };
        assert!(throttle.check(&ana_laptop, t0).is_ok());
        // Another account from the attacker's address is not blocked by 50 failures either.
        let bob = attempt(&throttle, "bob", 66);
        assert!(throttle.check(&bob, t0).is_ok());
    }

    #[test]
    fn a_flood_from_one_address_and_a_spread_attack_on_one_account_both_slow_down() {
        let throttle = SignInThrottle::new(&policy());
        let t0 = Instant::now();
        for i in 0..101 {
            throttle.failed(&attempt(&throttle, &format!("victim{i}"), 9), t0);
        }
        let next = attempt(&throttle, "someone-else", 9);
        assert_eq!(throttle.check(&next, t0).err().map(|b| b.scope), Some(Scope::Address));
        // 101 failures against one account from 101 addresses: the account key trips.
        let throttle = SignInThrottle::new(&policy());
        for i in 0..101_u8 {
            throttle.failed(&attempt(&throttle, "ana", i), t0);
        }
        assert_eq!(throttle.check(&attempt(&throttle, "ana", 200), t0).err().map(|b| b.scope), Some(Scope::Account));
    }

    #[test]
    fn failures_are_forgiven_over_time_and_by_a_successful_sign_in() {
        let throttle = SignInThrottle::new(&policy());
        let t0 = Instant::now();
        let ana = attempt(&throttle, "ana", 1);
        for _ in 0..5 {
            throttle.failed(&ana, t0);
        }
        // Fifteen minutes later the five failures are forgiven: a sixth does not block.
        let later = t0 + 15 * MINUTE;
        assert!(throttle.failed(&ana, later).is_empty());
        for _ in 0..4 {
            throttle.failed(&ana, later);
        }
        throttle.succeeded(&ana);
        assert!(throttle.failed(&ana, later).is_empty(), "the success forgave this address's failures");
        throttle.forget_idle(later + 60 * MINUTE);
        assert!(throttle.account_address.entries.lock().map(|e| e.is_empty()).unwrap_or(false));
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(300)), 300);
    }
}
