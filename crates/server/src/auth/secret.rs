//! Secrets: password hashes, random tokens and their stored hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Hashes a password with argon2id and a fresh salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string())
}

/// True when `password` matches the PHC string (argon2 compares in
/// constant time).
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

/// `bytes` random bytes from the operating system, URL-safe base64.
pub(crate) fn random_token(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// What is stored in place of a session or API token secret. The secrets
/// are 256-bit random, so one SHA-256 is enough: there is nothing to
/// brute-force.
pub(crate) fn token_hash(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two hashes without leaking where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A new API token: its public id, the full bearer string to hand out once
/// (`sc_<id>_<secret>`), and the hash to store.
pub fn new_api_token() -> Result<(String, String, String), getrandom::Error> {
    let id = random_token(9)?;
    let secret = random_token(32)?;
    let hash = token_hash(&secret);
    Ok((id.clone(), format!("sc_{id}_{secret}"), hash))
}

/// Splits a bearer string into id and secret.
pub(crate) fn parse_api_token(bearer: &str) -> Option<(&str, &str)> {
    let rest = bearer.strip_prefix("sc_")?;
    // The id is 12 base64 characters (9 bytes), which may contain '_'.
    let (id, secret) = (rest.get(..12)?, rest.get(13..)?);
    (rest.as_bytes().get(12) == Some(&b'_') && !secret.is_empty()).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("correct hors", &phc));
        assert!(!verify_password("correct horse", "not a phc string"));
    }

    #[test]
    fn api_tokens_parse_back_and_hash_consistently() {
        for _ in 0..50 {
            let (id, bearer, hash) = new_api_token().unwrap();
            let (parsed_id, secret) = parse_api_token(&bearer).unwrap();
            assert_eq!(parsed_id, id);
            assert!(same(&token_hash(secret), &hash));
        }
        assert_eq!(parse_api_token("sc_short"), None);
        assert_eq!(parse_api_token("Bearer xyz"), None);
        assert!(!same("abc", "abd"));
    }
}
