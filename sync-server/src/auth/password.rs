//! Password hashing with Argon2id (OWASP parameters), PHC strings, work off the async runtime,
//! and the same cost whether or not an account exists.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::ApiError;

/// OWASP Password Storage Cheat Sheet minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Long passphrases are welcome; the cap only stops hashing megabytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes and verifies passwords. Cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    argon2: Argon2<'static>,
    /// Verified against when the user is unknown, so both paths cost one Argon2 run.
    dummy_hash: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// The password matches; `needs_rehash` when the stored hash used weaker parameters.
    Match {
        needs_rehash: bool,
    },
    Mismatch,
}

impl PasswordHasher {
    pub fn new() -> Result<Self, ApiError> {
        let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
            .map_err(|e| ApiError::Internal(format!("argon2 params: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = hash_with(&argon2, "tallschool dummy password for unknown users")?;
        Ok(Self { inner: Arc::new(Inner { argon2, dummy_hash }) })
    }

    /// Hash a password on a blocking thread.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || hash_with(&inner.argon2, &password)).await?
    }

    /// Verify on a blocking thread. With `stored = None` (no such user) a dummy hash is verified
    /// so that unknown and known usernames take the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<Verified, ApiError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let known = stored.is_some();
            let stored = stored.unwrap_or_else(|| inner.dummy_hash.clone());
            let parsed =
                PasswordHash::new(&stored).map_err(|e| ApiError::Internal(format!("stored hash unreadable: {e}")))?;
            let matches = inner.argon2.verify_password(password.as_bytes(), &parsed).is_ok();
            Ok(match (known, matches) {
                (true, true) => Verified::Match { needs_rehash: is_weaker_than_current(&parsed) },
                _ => Verified::Mismatch,
            })
        })
        .await?
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("argon2 hash: {e}")))
}

fn is_weaker_than_current(hash: &PasswordHash<'_>) -> bool {
    if hash.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(hash) {
        Ok(params) => params.m_cost() < MEMORY_KIB || params.t_cost() < ITERATIONS || params.p_cost() < PARALLELISM,
        Err(_) => true,
    }
}

/// NIST-style policy: length only, no composition rules; exact bytes, no trimming or folding.
pub fn check_new_password(password: &str, username: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::Validation(format!(
            "the new password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::Validation(format!("the new password must be at most {MAX_PASSWORD_BYTES} bytes")));
    }
    let lowered = password.to_lowercase();
    if lowered.contains(&username.to_lowercase()) || COMMON_PASSWORDS.iter().any(|common| lowered == *common) {
        return Err(ApiError::Validation("that password is too easy to guess; choose another".to_owned()));
    }
    Ok(())
}

/// Passwords attackers try first, plus school-specific ones. A short list on purpose: the
/// length rule already excludes most of the common top lists.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password123",
    "password2024",
    "password2025",
    "password2026",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "iloveyou",
    "11111111",
    "00000000",
    "abcdefgh",
    "abc12345",
    "letmein1",
    "welcome1",
    "welcome123",
    "football",
    "baseball",
    "superman",
    "sunshine",
    "princess",
    "starwars",
    "trustno1",
    "passw0rd",
    "p@ssw0rd",
    "summer2024!",
    "winter2024!",
    "teacher1",
    "teacher123",
    "student1",
    "student123",
    "school123",
    "tallschool",
    "tallschool1",
    "classroom",
    "homework",
    "changeme",
    "changeme1",
    "admin123",
    "administrator",
];

/// A fresh random password for a new account: 20 characters from an unambiguous alphabet
/// (≈ 100 bits), shown once.
pub fn generate_initial_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let chars: String = (0..20).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
    // Groups of five are easier to read out and type.
    chars.as_bytes().chunks(5).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_owasp_parameters() {
        let hasher = PasswordHasher::new().expect("hasher");
        let hash = hasher.hash("correct horse battery staple".to_owned()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    }

    #[tokio::test]
    async fn long_unicode_passwords_verify_exactly() {
        let hasher = PasswordHasher::new().expect("hasher");
        let password: String = "пароль🔑émoji-".repeat(10).chars().take(128).collect();
        let hash = hasher.hash(password.clone()).await.expect("hash");
        let ok = hasher.verify(password.clone(), Some(hash.clone())).await.expect("verify");
        assert_eq!(ok, Verified::Match { needs_rehash: false });
        let mut other: Vec<char> = password.chars().collect();
        other[127] = 'X';
        let wrong = hasher.verify(other.into_iter().collect(), Some(hash)).await.expect("verify");
        assert_eq!(wrong, Verified::Mismatch);
    }

    #[tokio::test]
    async fn weak_old_hashes_are_flagged_for_rehash_and_unknown_users_never_match() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 1, 1, None).expect("params"));
        let old = hash_with(&weak, "old password").expect("hash");
        let hasher = PasswordHasher::new().expect("hasher");
        let verified = hasher.verify("old password".to_owned(), Some(old)).await.expect("verify");
        assert_eq!(verified, Verified::Match { needs_rehash: true });
        let unknown = hasher.verify("anything".to_owned(), None).await.expect("verify");
        assert_eq!(unknown, Verified::Mismatch);
    }

    #[test]
    fn policy_is_about_length_and_guessability_not_composition() {
        assert!(check_new_password("correct horse battery staple", "ana").is_ok());
        assert!(check_new_password("Summer2024!", "ana").is_err());
        assert!(check_new_password("short", "ana").is_err());
        assert!(check_new_password("ana.lopez-rocks", "ana.lopez").is_err());
    }

    #[test]
    fn initial_passwords_are_long_and_distinct() {
        let a = generate_initial_password();
        let b = generate_initial_password();
        assert_eq!(a.len(), 23);
        assert_ne!(a, b);
        assert!(check_new_password(&a, "someone").is_ok());
    }
}
