//! Access tokens: HS256 JWTs, at most 15 minutes, algorithm and key id pinned, `exp`, `nbf`,
//! `iss`, `aud` and `sub` required, and a typed `token_use` so that no other kind of token can
//! pass as an access token. Refresh tokens are opaque random strings (see `sessions`).
//!
//! Signing keys rotate with overlap, in the staging-label model of AWS Secrets Manager: the
//! *current* key signs and verifies, a *pending* key only verifies (published on every replica
//! before any of them signs with it), and the *previous* key only verifies tokens it signed
//! before the rotation — which expire within the access-token lifetime, after which it is inert.
//!
//! Time is the server's clock, passed in: `exp` and `nbf` are checked here against it (with
//! [`LEEWAY_SECS`]), not by the JWT library against the system time, so that tests can move
//! the clock and a server's notion of "now" is one thing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tallschool_shared::{SessionId, UserId};

use crate::error::ApiError;
use crate::keys::Key;

pub const ISSUER: &str = "tallschool";
pub const AUDIENCE: &str = "tallschool-api";
/// Clock skew tolerated between servers (seconds).
pub const LEEWAY_SECS: u64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenUse {
    Access,
    Refresh,
    Activation,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: UserId,
    /// The session (refresh-token family) the token was issued to; revoking it ends the token.
    pub sid: SessionId,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub token_use: TokenUse,
}

/// The signing keys a server holds.
pub struct SigningKeys<'a> {
    pub current: &'a Key,
    pub pending: Option<&'a Key>,
    /// The key before the last rotation, and when it stopped signing (Unix seconds).
    pub previous: Option<(&'a Key, i64)>,
}

/// A key that verifies, and the latest issue time it vouches for.
struct Verifier {
    key_id: String,
    decoding: DecodingKey,
    issued_until: Option<i64>,
}

pub struct TokenService {
    key_id: String,
    encoding: EncodingKey,
    verifiers: Vec<Verifier>,
    validation: Validation,
    ttl_secs: u64,
}

impl TokenService {
    /// One key that signs and verifies.
    pub fn new(key: &Key, ttl_secs: u64) -> Self {
        Self::with_keys(&SigningKeys { current: key, pending: None, previous: None }, ttl_secs)
    }

    pub fn with_keys(keys: &SigningKeys<'_>, ttl_secs: u64) -> Self {
        let key = keys.current;
        let secret = key.bytes.expose_secret();
        let mut validation = Validation::new(Algorithm::HS256);
        // Presence of every claim is required here; the times are checked in `verify`.
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let verifier = |key: &Key, issued_until| Verifier {
            key_id: key.id.clone(),
            decoding: DecodingKey::from_secret(key.bytes.expose_secret()),
            issued_until,
        };
        let mut verifiers = vec![verifier(key, None)];
        verifiers.extend(keys.pending.filter(|pending| pending.id != key.id).map(|pending| verifier(pending, None)));
        verifiers.extend(
            keys.previous
                .filter(|(previous, _)| previous.id != key.id)
                .map(|(previous, rotated_at)| verifier(previous, Some(rotated_at))),
        );
        Self { key_id: key.id.clone(), encoding: EncodingKey::from_secret(secret), verifiers, validation, ttl_secs }
    }

    /// The id (`kid`) of the key that signs.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    pub fn issue(&self, user: UserId, session: SessionId, now: i64) -> Result<String, ApiError> {
        let claims = AccessClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: user,
            sid: session,
            iat: now,
            nbf: now,
            exp: now.saturating_add(i64::try_from(self.ttl_secs).unwrap_or(i64::MAX)),
            token_use: TokenUse::Access,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("jwt encode: {e}")))
    }

    /// Verify an access token at `now`. Every failure is the same 401 to the caller.
    pub fn verify(&self, token: &str, now: i64) -> Result<AccessClaims, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::Unauthorized)?;
        // Only our own keys, named by their id; keys offered in the header are never fetched or used.
        let verifier = self.verifiers.iter().find(|v| header.kid.as_deref() == Some(v.key_id.as_str()));
        let Some(verifier) = verifier else { return Err(ApiError::Unauthorized) };
        let header_ok = header.alg == Algorithm::HS256
            && header.jku.is_none()
            && header.jwk.is_none()
            && header.x5u.is_none()
            && header.x5c.is_none()
            && header.crit.is_none();
        if !header_ok {
            return Err(ApiError::Unauthorized);
        }
        let data = jsonwebtoken::decode::<AccessClaims>(token, &verifier.decoding, &self.validation)
            .map_err(|_| ApiError::Unauthorized)?;
        let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(0);
        let claims = data.claims;
        let in_time = now < claims.exp.saturating_add(leeway) && now.saturating_add(leeway) >= claims.nbf;
        // A retired signing key vouches only for what it signed before the rotation: a token it
        // signed later (a replica not yet restarted, or a leaked key) is refused.
        let signed_in_time = verifier.issued_until.is_none_or(|until| claims.iat <= until.saturating_add(leeway));
        if claims.token_use != TokenUse::Access || !in_time || !signed_in_time {
            return Err(ApiError::Unauthorized);
        }
        Ok(claims)
    }
}

/// A new opaque refresh token: 256 bits from the OS CSPRNG, base64url.
pub fn new_refresh_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a refresh token.
pub fn refresh_token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use secrecy::SecretBox;

    use super::*;

    fn service(secret: &[u8]) -> TokenService {
        let key = Key { id: crate::keys::key_id("jwt", secret), bytes: SecretBox::new(Box::new(secret.to_vec())) };
        TokenService::new(&key, 900)
    }

    #[test]
    fn a_fresh_token_verifies_and_carries_its_session() {
        let tokens = service(&[7; 32]);
        let (user, session) = (UserId(uuid::Uuid::new_v4()), SessionId(uuid::Uuid::new_v4()));
        let now = crate::clock::system_now();
        let token = tokens.issue(user, session, now).expect("issue");
        let claims = tokens.verify(&token, now).expect("verify");
        assert_eq!((claims.sub, claims.sid, claims.token_use), (user, session, TokenUse::Access));
    }

    #[test]
    fn tokens_from_another_key_or_expired_are_refused() {
        let ours = service(&[7; 32]);
        let theirs = service(&[8; 32]);
        let (user, session) = (UserId(uuid::Uuid::new_v4()), SessionId(uuid::Uuid::new_v4()));
        let now = crate::clock::system_now();
        let foreign = theirs.issue(user, session, now).expect("issue");
        assert!(ours.verify(&foreign, now).is_err());
        let old = ours.issue(user, session, now - 3600).expect("issue");
        assert!(ours.verify(&old, now).is_err());
    }

    #[test]
    fn expiry_and_not_before_follow_the_clock_passed_in_with_a_small_leeway() {
        let tokens = service(&[7; 32]);
        let (user, session) = (UserId(uuid::Uuid::new_v4()), SessionId(uuid::Uuid::new_v4()));
        let issued = 1_000_000;
        let token = tokens.issue(user, session, issued).expect("issue");
        let leeway = i64::try_from(LEEWAY_SECS).expect("small");
        assert!(tokens.verify(&token, issued + 900 + leeway - 1).is_ok());
        assert!(tokens.verify(&token, issued + 900 + leeway + 1).is_err(), "TTL + leeway + 1 s");
        assert!(tokens.verify(&token, issued - leeway).is_ok());
        assert!(tokens.verify(&token, issued - leeway - 1).is_err(), "not yet valid");
    }

    fn key(secret: &[u8]) -> Key {
        Key { id: crate::keys::key_id("jwt", secret), bytes: SecretBox::new(Box::new(secret.to_vec())) }
    }

    #[test]
    fn after_a_rotation_the_previous_key_verifies_only_what_it_signed_before() {
        let (old, new, next) = (key(&[1; 32]), key(&[2; 32]), key(&[3; 32]));
        let (user, session) = (UserId(uuid::Uuid::new_v4()), SessionId(uuid::Uuid::new_v4()));
        let rotated_at = 1_000_000;
        let before = TokenService::new(&old, 900);
        let early = before.issue(user, session, rotated_at - 60).expect("issue");
        let late = before.issue(user, session, rotated_at + 60).expect("issue");
        let after = TokenService::with_keys(
            &SigningKeys { current: &new, pending: Some(&next), previous: Some((&old, rotated_at)) },
            900,
        );
        assert!(after.verify(&early, rotated_at + 30).is_ok(), "signed before the rotation");
        assert!(after.verify(&early, rotated_at + 900).is_err(), "expired as any token does");
        assert!(after.verify(&late, rotated_at + 61).is_err(), "signed by the old key after the rotation");
        // New tokens carry the new key's id; a pending key's tokens verify before it signs here.
        let fresh = after.issue(user, session, rotated_at + 10).expect("issue");
        let kid = jsonwebtoken::decode_header(&fresh).expect("header").kid;
        assert_eq!(kid.as_deref(), Some(new.id.as_str()));
        let promoted = TokenService::new(&next, 900).issue(user, session, rotated_at + 10).expect("issue");
        assert!(after.verify(&promoted, rotated_at + 20).is_ok());
        // A server that has not heard of the rotation refuses the new key's tokens.
        assert!(before.verify(&fresh, rotated_at + 20).is_err());
    }

    #[test]
    fn refresh_tokens_are_long_random_and_stored_as_digests() {
        let tokens: HashSet<String> = (0..10_000).map(|_| new_refresh_token()).collect();
        assert_eq!(tokens.len(), 10_000);
        for token in tokens.iter().take(100) {
            assert_eq!(token.len(), 43, "256 bits in base64url");
            let digest = refresh_token_digest(token);
            assert_eq!(digest.len(), 64);
            assert!(!digest.contains(token.as_str()));
        }
    }
}
