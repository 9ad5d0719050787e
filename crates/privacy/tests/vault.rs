//! Sealing originals in the vault and getting them back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_model::{Domain, Event, Timestamp};
use safecare_privacy::{
    MemoryVaultStore, PseudonymConfig, Pseudonymiser, SecretKey, Vault, VaultEntry, VaultError, VaultStore,
};
use serde_json::json;

fn now() -> Timestamp {
    "2026-11-28T10:00:00Z".parse().unwrap()
}

fn vault(byte: u8) -> Vault<MemoryVaultStore> {
    Vault::new(&SecretKey::from_bytes([byte; 32]), MemoryVaultStore::default())
}

#[test]
fn sealed_value_opens_only_under_its_key_and_token() {
    let v = vault(1);
    let entry = v.seal("usr_abc", "jdoe", now()).unwrap();
    assert_eq!(v.open(&entry).unwrap().as_str(), "jdoe");
    assert!(!entry.ciphertext.windows(4).any(|w| w == b"jdoe"));

    assert!(matches!(vault(2).open(&entry), Err(VaultError::Decrypt { .. })), "wrong key");
    let moved = VaultEntry { token: "usr_other".into(), ..entry.clone() };
    assert!(matches!(v.open(&moved), Err(VaultError::Decrypt { .. })), "entry filed under another token");
    let mut altered = entry.clone();
    altered.ciphertext[0] ^= 1;
    assert!(matches!(v.open(&altered), Err(VaultError::Decrypt { .. })), "altered ciphertext");
    let short_nonce = VaultEntry { nonce: vec![0; 12], ..entry };
    assert!(matches!(v.open(&short_nonce), Err(VaultError::Decrypt { .. })));
}

#[test]
fn nonces_differ_per_entry() {
    let v = vault(1);
    let a = v.seal("usr_abc", "jdoe", now()).unwrap();
    let b = v.seal("usr_abc", "jdoe", now()).unwrap();
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.ciphertext, b.ciphertext);
}

#[test]
fn entry_serde_form_is_hex_and_round_trips() {
    let entry = vault(1).seal("usr_abc", "jdoe", now()).unwrap();
    let value = serde_json::to_value(&entry).unwrap();
    assert!(value["nonce"].as_str().unwrap().len() == 48);
    let back: VaultEntry = serde_json::from_value(value).unwrap();
    assert_eq!(back, entry);
    assert!(
        serde_json::from_value::<VaultEntry>(
            json!({"token": "t", "ciphertext": "xyz", "nonce": "", "created": "2026-11-28T10:00:00Z"})
        )
        .is_err()
    );
}

#[tokio::test]
async fn remember_stores_each_token_once_and_purge_removes_old_entries() {
    let v = vault(1);
    let p = Pseudonymiser::new(&SecretKey::from_bytes([7; 32]), &PseudonymConfig::default());
    let mut e = Event::new("x", Domain::Cyber, now(), "");
    e.fields.insert("TargetUserName".into(), json!("jdoe"));
    e.fields.insert("SubjectUserName".into(), json!("HOSP\\JDOE"));
    let replaced = p.pseudonymise(&mut e);
    assert_eq!(replaced.len(), 1, "one person, one token");
    assert_eq!(v.remember(&replaced, now()).await.unwrap(), 1);
    assert_eq!(v.remember(&replaced, now()).await.unwrap(), 0);

    let token = e.fields["TargetUserName"].as_str().unwrap();
    let stored = v.store().get(token).await.unwrap().unwrap();
    assert_eq!(v.open(&stored).unwrap().as_str(), "jdoe");

    let later: Timestamp = "2026-12-28T10:00:00Z".parse().unwrap();
    assert_eq!(v.store().count_before(now()).await.unwrap(), 0);
    assert_eq!(v.store().count_before(later).await.unwrap(), 1);
    assert_eq!(v.store().purge_before(later).await.unwrap(), 1);
    assert!(!v.store().contains(token).await.unwrap());
    // Seen again after the purge: remembered again.
    assert_eq!(v.remember(&replaced, later).await.unwrap(), 1);
}
