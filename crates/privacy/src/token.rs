//! Keyed, deterministic tokens: HMAC-SHA-256 over a normalised identifier,
//! truncated and written with a readable prefix by kind.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::FieldKind;
use crate::key::SecretKey;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC kept in a token: 80 bits, so a hospital with a million
/// identifiers has a collision chance around 10⁻¹².
const TOKEN_BYTES: usize = 10;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Computes tokens under one key. Cheap to share: the keyed HMAC state is
/// computed once and cloned per token.
#[derive(Clone)]
pub struct Tokeniser {
    mac: HmacSha256,
}

impl Tokeniser {
    /// A tokeniser keyed with `key`.
    pub fn new(key: &SecretKey) -> Self {
        // HMAC accepts keys of any length, so this cannot fail for 32 bytes.
        let mac = match HmacSha256::new_from_slice(key.as_bytes()) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA-256 takes keys of every length"),
        };
        Tokeniser { mac }
    }

    /// The token for an already normalised identifier of `kind`:
    /// the kind's prefix and 16 base32 characters.
    pub fn token(&self, kind: FieldKind, normalised: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"safecare-token-v1\0");
        mac.update(kind.tag());
        mac.update(b"\0");
        mac.update(normalised.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(kind.prefix().len() + 16);
        out.push_str(kind.prefix());
        base32(&digest[..TOKEN_BYTES], &mut out);
        out
    }

    /// One pseudo-random bit for position `bit` of an address whose preceding
    /// bits are `prefix` (the address with every bit from `bit` on cleared).
    pub(crate) fn ip_pad_bit(&self, family: u8, bit: u8, prefix: &[u8]) -> bool {
        let mut mac = self.mac.clone();
        mac.update(b"safecare-ip-v1\0");
        mac.update(&[family, bit]);
        mac.update(prefix);
        mac.finalize().into_bytes()[0] & 0x80 != 0
    }
}

/// The bare token inside a pseudonymised field value (`HOSP\\usr_…`,
/// `eml_…@hospital.org`), which is what the vault is keyed by. IP tokens are
/// addresses and are their own bare token.
pub fn bare_token(value: &str) -> Option<&str> {
    let token_len = 4 + TOKEN_BYTES * 8 / 5;
    let kinds =
        [FieldKind::User, FieldKind::Email, FieldKind::Badge, FieldKind::Patient, FieldKind::Name, FieldKind::Phone];
    kinds.iter().find_map(|kind| {
        value.match_indices(kind.prefix()).find_map(|(at, _)| {
            let candidate = value.get(at..at + token_len)?;
            let body_ok = candidate.as_bytes()[4..].iter().all(|b| BASE32.contains(b));
            let ends_here = !value[at + token_len..].starts_with(|c: char| c.is_ascii_alphanumeric());
            (body_ok && ends_here).then_some(candidate)
        })
    })
}

impl std::fmt::Debug for Tokeniser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokeniser(<keyed>)")
    }
}

/// RFC 4648 base32, lower case, no padding; `bytes.len()` is a multiple of 5
/// here so every character carries five full bits.
fn base32(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            let index = (bits >> (35 - 5 * i)) & 0x1f;
            out.push(char::from(BASE32[index as usize]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(key_byte: u8) -> Tokeniser {
        Tokeniser::new(&SecretKey::from_bytes([key_byte; 32]))
    }

    #[test]
    fn base32_matches_rfc4648() {
        let mut out = String::new();
        base32(b"fooba", &mut out);
        assert_eq!(out, "mzxw6ytb");
    }

    #[test]
    fn tokens_are_deterministic_prefixed_and_key_dependent() {
        let a = tok(1).token(FieldKind::User, "jdoe");
        assert_eq!(a, tok(1).token(FieldKind::User, "jdoe"));
        assert!(a.starts_with("usr_") && a.len() == 20, "{a}");
        assert!(a[4..].bytes().all(|b| BASE32.contains(&b)), "{a}");
        assert_ne!(a, tok(2).token(FieldKind::User, "jdoe"));
        assert_ne!(a, tok(1).token(FieldKind::User, "jdoe2"));
    }

    #[test]
    fn bare_token_is_found_inside_decorated_values() {
        let t = tok(1).token(FieldKind::User, "jdoe");
        assert_eq!(bare_token(&format!("HOSP\\{t}")), Some(t.as_str()));
        let e = tok(1).token(FieldKind::Email, "a@b.org");
        assert_eq!(bare_token(&format!("{e}@b.org")), Some(e.as_str()));
        assert_eq!(bare_token("usr_tooshort"), None);
        assert_eq!(bare_token(&format!("{t}x")), None);
        assert_eq!(bare_token("no token here"), None);
    }

    #[test]
    fn kinds_are_domain_separated() {
        let t = tok(1);
        let user = t.token(FieldKind::User, "123");
        let badge = t.token(FieldKind::Badge, "123");
        assert!(badge.starts_with("bdg_"));
        assert_ne!(user[4..], badge[4..]);
    }
}
