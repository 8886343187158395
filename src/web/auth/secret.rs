//! Secrets of the web side: passwords hashed with Argon2id (the RustCrypto
//! `argon2` crate, rather than anything hand-made), session ids, CSRF
//! tokens and program tokens drawn from the operating system's random
//! source, and stored as SHA-256 hashes only.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A secret could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// Argon2 failed.
    #[error("password hash: {0}")]
    Hash(String),
    /// The password is too weak to be accepted.
    #[error("le mot de passe doit avoir au moins {MIN_PASSWORD_CHARS} caractères")]
    TooShort,
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> Result<String, SecretError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(hex(&buf))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash under which a session id or a token is stored.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Hash a new password (Argon2id, a random salt; PHC string).
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(SecretError::TooShort);
    }
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| SecretError::Hash(e.to_string()))
}

/// Whether `password` matches the stored hash. A hash that cannot be read
/// matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody has, checked when the login is unknown, so
/// that an unknown login takes as long to refuse as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| random_hex(16).ok().and_then(|p| hash_password(&p).ok()).unwrap_or_default())
}

/// A new program token: what is printed once, and what is kept.
pub fn new_token() -> Result<(String, String), SecretError> {
    let token = format!("stk_{}", random_hex(32)?);
    let kept = digest(&token);
    Ok((token, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_hashed_with_argon2id_and_checked() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(matches!(hash_password("short"), Err(SecretError::TooShort)));
        assert_ne!(hash_password("correct horse battery").unwrap(), h, "a fresh salt each time");
    }

    #[test]
    fn tokens_are_random_and_kept_as_hashes() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("stk_") && a.len() == 68);
        assert_eq!(digest(&a), ha);
        assert_ne!(ha, a);
    }
}
