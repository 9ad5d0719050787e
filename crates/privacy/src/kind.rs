//! What kind of personal identifier a field holds, and how each kind is
//! normalised before it is tokenised.
//!
//! Normalisation decides which spellings count as the same person: two
//! spellings that normalise alike get the same token and so still correlate.

use serde::{Deserialize, Serialize};

/// The kind of identifier in a configured field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// An account name: `jdoe`, `HOSP\jdoe`, `jdoe@hosp.local`.
    User,
    /// An e-mail address.
    Email,
    /// A badge or card number, or a badge holder's id.
    Badge,
    /// A patient identifier (MRN, HL7 PID-3, DICOM PatientID).
    Patient,
    /// A person's name as free text (cardholder name, DICOM PatientName).
    Name,
    /// A telephone number.
    Phone,
    /// An IPv4 or IPv6 address; tokenised prefix-preservingly and kept a
    /// valid address.
    Ip,
}

/// Account names that are not people: Windows' built-in principals and the
/// placeholders event logs use for "nobody". Left in clear because Sigma rules
/// match them by name and they identify no one.
const NON_PERSON_ACCOUNTS: &[&str] =
    &["system", "local service", "network service", "localservice", "networkservice", "anonymous logon", "-", ""];

/// How a value of some kind reads once normalised: `key` is what the token is
/// computed over, and the token replaces only `key`'s span inside the
/// original, keeping a domain qualifier around it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Normalised<'a> {
    pub key: String,
    /// Text kept before the token (`HOSP\`).
    pub before: &'a str,
    /// Text kept after the token (`@hosp.local`).
    pub after: &'a str,
}

impl FieldKind {
    /// The readable prefix of this kind's tokens.
    pub fn prefix(self) -> &'static str {
        match self {
            FieldKind::User => "usr_",
            FieldKind::Email => "eml_",
            FieldKind::Badge => "bdg_",
            FieldKind::Patient => "pat_",
            FieldKind::Name => "nam_",
            FieldKind::Phone => "tel_",
            FieldKind::Ip => "",
        }
    }

    /// The domain-separation tag mixed into the HMAC, so that the same text
    /// as a user name and as a badge number gets unrelated tokens.
    pub(crate) fn tag(self) -> &'static [u8] {
        match self {
            FieldKind::User => b"user",
            FieldKind::Email => b"email",
            FieldKind::Badge => b"badge",
            FieldKind::Patient => b"patient",
            FieldKind::Name => b"name",
            FieldKind::Phone => b"phone",
            FieldKind::Ip => b"ip",
        }
    }

    /// Normalises `raw`, or `None` when it identifies no person and stays as
    /// it is (empty, `-`, a built-in account, a computer account).
    pub(crate) fn normalise(self, raw: &str) -> Option<Normalised<'_>> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed == "-" {
            return None;
        }
        let whole = |key: String| Some(Normalised { key, before: "", after: "" });
        match self {
            FieldKind::User => normalise_user(trimmed),
            FieldKind::Email => {
                // The domain is kept in clear: it says internal vs external
                // (what phishing rules look at) and names no person.
                // A configured address field holding something else (a bare
                // name) still names a person: tokenised whole.
                let Some((local, domain)) = trimmed.rsplit_once('@') else {
                    return whole(trimmed.to_lowercase());
                };
                if local.is_empty() || domain.is_empty() {
                    return None;
                }
                let at = trimmed.len() - domain.len() - 1;
                Some(Normalised { key: trimmed.to_lowercase(), before: "", after: &trimmed[at..] })
            }
            FieldKind::Badge => {
                let upper = trimmed.to_uppercase();
                // Controllers disagree on zero padding (`000123` vs `123`).
                if upper.bytes().all(|b| b.is_ascii_digit()) {
                    let stripped = upper.trim_start_matches('0');
                    return whole(if stripped.is_empty() { "0".to_owned() } else { stripped.to_owned() });
                }
                whole(upper)
            }
            FieldKind::Patient => whole(trimmed.to_uppercase()),
            FieldKind::Name => whole(trimmed.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()),
            // `+33 1 23-45` and `+331 2345` are one number.
            FieldKind::Phone => {
                let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
                whole(if digits.is_empty() { trimmed.to_lowercase() } else { digits })
            }
            FieldKind::Ip => None,
        }
    }
}

/// `DOMAIN\user` and `user@domain` become the bare account name, lower-cased:
/// Windows account names are case-insensitive and the same person logs on in
/// both forms. The domain stays in clear around the token.
fn normalise_user(trimmed: &str) -> Option<Normalised<'_>> {
    let (before, account, after) = if let Some((domain, account)) = trimmed.split_once('\\') {
        (&trimmed[..domain.len() + 1], account, "")
    } else if let Some((account, domain)) = trimmed.rsplit_once('@') {
        ("", account, &trimmed[account.len()..account.len() + 1 + domain.len()])
    } else {
        ("", trimmed, "")
    };
    let key = account.to_lowercase();
    if NON_PERSON_ACCOUNTS.contains(&key.as_str()) || key.ends_with('$') {
        return None;
    }
    Some(Normalised { key, before, after })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: FieldKind, raw: &str) -> Option<String> {
        kind.normalise(raw).map(|n| n.key)
    }

    #[test]
    fn user_forms_normalise_to_the_account() {
        assert_eq!(key(FieldKind::User, "JDoe"), Some("jdoe".into()));
        let n = FieldKind::User.normalise("HOSP\\JDoe").unwrap();
        assert_eq!((n.key.as_str(), n.before, n.after), ("jdoe", "HOSP\\", ""));
        let n = FieldKind::User.normalise(" jdoe@Hosp.Local ").unwrap();
        assert_eq!((n.key.as_str(), n.before, n.after), ("jdoe", "", "@Hosp.Local"));
    }

    #[test]
    fn non_person_accounts_stay_in_clear() {
        for raw in ["SYSTEM", "NT AUTHORITY\\SYSTEM", "ANONYMOUS LOGON", "-", "  ", "WS-ICU-03$", "HOSP\\DC01$"] {
            assert_eq!(key(FieldKind::User, raw), None, "{raw}");
        }
    }

    #[test]
    fn emails_keep_their_domain() {
        let n = FieldKind::Email.normalise("Jane.Doe@Hospital.org").unwrap();
        assert_eq!((n.key.as_str(), n.after), ("jane.doe@hospital.org", "@Hospital.org"));
        assert_eq!(key(FieldKind::Email, "Not-An-Address"), Some("not-an-address".into()));
        assert_eq!(key(FieldKind::Email, "@hospital.org"), None);
    }

    #[test]
    fn badges_ignore_zero_padding_and_case() {
        assert_eq!(key(FieldKind::Badge, "000123"), key(FieldKind::Badge, "123"));
        assert_eq!(key(FieldKind::Badge, "0000"), Some("0".into()));
        assert_eq!(key(FieldKind::Badge, "ab12"), Some("AB12".into()));
    }

    #[test]
    fn phone_numbers_keep_only_digits_and_plus() {
        assert_eq!(key(FieldKind::Phone, "+33 1 23-45"), Some("+331 2345".replace(' ', "")));
    }

    #[test]
    fn names_and_patients_normalise_spacing_and_case() {
        assert_eq!(key(FieldKind::Name, "  Jane   DOE "), Some("jane doe".into()));
        assert_eq!(key(FieldKind::Patient, "mrn-001"), Some("MRN-001".into()));
    }
}
