//! Authenticated encryption (AES-256-GCM) with a fresh random 96-bit nonce per message and
//! associated data that binds a ciphertext to where it belongs. Used by the PII vault and to
//! seal a rotated refresh token's successor for the retry window.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

pub const NONCE_LEN: usize = 12;
pub const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the key must be {KEY_LEN} bytes")]
    BadKey,
    #[error("ciphertext does not authenticate (wrong key, record or tampering)")]
    Unauthentic,
}

/// A sealed message: the nonce it was sealed with and ciphertext + tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

pub fn seal(key: &[u8], associated_data: &[u8], plaintext: &[u8]) -> Result<Sealed, CryptoError> {
    let cipher = cipher(key)?;
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(&nonce, Payload { msg: plaintext, aad: associated_data })
        .map_err(|_| CryptoError::Unauthentic)?;
    Ok(Sealed { nonce: nonce.to_vec(), ciphertext })
}

pub fn open(key: &[u8], associated_data: &[u8], sealed: &Sealed) -> Result<Vec<u8>, CryptoError> {
    if sealed.nonce.len() != NONCE_LEN {
        return Err(CryptoError::Unauthentic);
    }
    let cipher = cipher(key)?;
    cipher
        .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: associated_data })
        .map_err(|_| CryptoError::Unauthentic)
}

/// `nonce ‖ ciphertext` in one blob, for columns that hold both.
pub fn to_blob(sealed: &Sealed) -> Vec<u8> {
    [sealed.nonce.as_slice(), sealed.ciphertext.as_slice()].concat()
}

pub fn from_blob(blob: &[u8]) -> Option<Sealed> {
    (blob.len() > NONCE_LEN)
        .then(|| Sealed { nonce: blob[..NONCE_LEN].to_vec(), ciphertext: blob[NONCE_LEN..].to_vec() })
}

fn cipher(key: &[u8]) -> Result<Aes256Gcm, CryptoError> {
    if key.len() != KEY_LEN {
        return Err(CryptoError::BadKey);
    }
    Ok(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    const KEY: [u8; 32] = [9; 32];

    #[test]
    fn round_trips_and_binds_associated_data() {
        let sealed = seal(&KEY, b"user-a|email", b"ana@example.org").expect("seal");
        assert_eq!(open(&KEY, b"user-a|email", &sealed).as_deref(), Ok(&b"ana@example.org"[..]));
        assert_eq!(open(&KEY, b"user-b|email", &sealed), Err(CryptoError::Unauthentic));
        assert_eq!(open(&[8; 32], b"user-a|email", &sealed), Err(CryptoError::Unauthentic));
    }

    #[test]
    fn any_flipped_bit_fails() {
        let sealed = seal(&KEY, b"ad", b"secret").expect("seal");
        let blob = to_blob(&sealed);
        for i in 0..blob.len() {
            let mut tampered = blob.clone();
            tampered[i] ^= 1;
            let tampered = from_blob(&tampered).expect("blob");
            assert_eq!(open(&KEY, b"ad", &tampered), Err(CryptoError::Unauthentic), "byte {i}");
        }
    }

    #[test]
    fn nonces_do_not_repeat() {
        let nonces: HashSet<Vec<u8>> =
            (0..100_000).filter_map(|_| seal(&KEY, b"", b"x").ok()).map(|sealed| sealed.nonce).collect();
        assert_eq!(nonces.len(), 100_000);
    }
}
