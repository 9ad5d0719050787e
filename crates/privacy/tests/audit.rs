//! The audit chain catches every kind of tampering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_model::Timestamp;
use safecare_privacy::{
    AuditAnchor, AuditChain, AuditEntry, AuditError, AuditStore, AuditViolation, MemoryAuditStore, SecretKey,
    ViolationKind, verify, verify_anchored,
};

fn at(minute: u32) -> Timestamp {
    format!("2026-11-28T10:{minute:02}:00.123456789Z").parse().unwrap()
}

async fn chain_of(n: u32) -> Vec<AuditEntry> {
    let chain = AuditChain::new(MemoryAuditStore::default());
    for i in 0..n {
        chain.append(at(i), "alice", "login", &format!("session-{i}"), "{\"ok\":true}").await.unwrap();
    }
    chain.store().all().await.unwrap()
}

fn violation(seq: u64, kind: ViolationKind) -> Result<(), AuditViolation> {
    Err(AuditViolation { seq, kind })
}

#[tokio::test]
async fn appended_chain_verifies_with_microsecond_times() {
    let entries = chain_of(5).await;
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(entries[0].prev_hash, AuditEntry::GENESIS);
    assert_eq!(entries[1].prev_hash, entries[0].hash);
    assert_eq!(entries[0].at.subsec_nanosecond(), 123_456_000);
    assert_eq!(verify(&entries), Ok(()));
    assert_eq!(verify(&[]), Ok(()));
    // The serde form round-trips without breaking the chain.
    let json = serde_json::to_string(&entries).unwrap();
    let back: Vec<AuditEntry> = serde_json::from_str(&json).unwrap();
    assert_eq!(verify(&back), Ok(()));
}

#[tokio::test]
async fn altered_entry_is_named() {
    let mut entries = chain_of(5).await;
    entries[2].detail = "{\"ok\":false}".into();
    assert_eq!(verify(&entries), violation(3, ViolationKind::HashMismatch));
}

#[tokio::test]
async fn altered_and_rehashed_entry_breaks_the_next_link() {
    let mut entries = chain_of(5).await;
    entries[2].actor = "mallory".into();
    entries[2].hash = entries[2].compute_hash();
    assert_eq!(verify(&entries), violation(4, ViolationKind::BrokenLink));
}

#[tokio::test]
async fn removed_entry_is_named() {
    let mut entries = chain_of(5).await;
    entries.remove(1);
    assert_eq!(verify(&entries), violation(2, ViolationKind::OutOfSequence { found: 3 }));
}

#[tokio::test]
async fn removed_and_renumbered_tail_breaks_the_link() {
    let mut entries = chain_of(5).await;
    entries.remove(1);
    for e in &mut entries[1..] {
        e.seq -= 1;
        e.hash = e.compute_hash();
    }
    assert_eq!(verify(&entries), violation(2, ViolationKind::BrokenLink));
}

#[tokio::test]
async fn inserted_entry_is_named() {
    let mut entries = chain_of(5).await;
    let mut forged = entries[2].clone();
    forged.action = "export".into();
    forged.hash = forged.compute_hash();
    entries.insert(3, forged);
    assert_eq!(verify(&entries), violation(4, ViolationKind::OutOfSequence { found: 3 }));
}

#[tokio::test]
async fn reordered_entries_are_named() {
    let mut entries = chain_of(5).await;
    entries.swap(1, 3);
    assert_eq!(verify(&entries), violation(2, ViolationKind::OutOfSequence { found: 4 }));
}

#[tokio::test]
async fn truncation_and_rewrite_are_caught_by_the_anchor() {
    let key = SecretKey::from_bytes([5; 32]);
    let entries = chain_of(5).await;
    let anchor = AuditAnchor::sign(&key, 5, &entries[4].hash);
    assert_eq!(verify_anchored(&entries, &anchor, &key), Ok(()));

    // Cutting the tail leaves a valid chain that only the anchor exposes.
    assert_eq!(verify(&entries[..3]), Ok(()));
    assert_eq!(verify_anchored(&entries[..3], &anchor, &key), violation(4, ViolationKind::Truncated { anchored: 5 }));
    assert_eq!(verify_anchored(&[], &anchor, &key), violation(1, ViolationKind::Truncated { anchored: 5 }));

    // A complete rewrite: same length, valid hashes, different history.
    let mut rewritten = entries.clone();
    let mut prev = AuditEntry::GENESIS.to_owned();
    for e in &mut rewritten {
        e.actor = "mallory".into();
        e.prev_hash = prev;
        e.hash = e.compute_hash();
        prev = e.hash.clone();
    }
    assert_eq!(verify(&rewritten), Ok(()));
    assert_eq!(verify_anchored(&rewritten, &anchor, &key), violation(5, ViolationKind::AnchorMismatch));

    // ...and re-signing the anchor needs the key.
    let forged = AuditAnchor::sign(&SecretKey::from_bytes([6; 32]), 5, &rewritten[4].hash);
    assert_eq!(verify_anchored(&rewritten, &forged, &key), violation(5, ViolationKind::AnchorNotSigned));

    // Entries appended past the anchor by someone without the key.
    let older = AuditAnchor::sign(&key, 4, &entries[3].hash);
    assert_eq!(verify_anchored(&entries, &older, &key), violation(5, ViolationKind::BeyondAnchor { anchored: 4 }));
}

#[tokio::test]
async fn chain_with_anchor_file_checks_itself_and_resumes_from_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.anchor");
    let key = SecretKey::from_bytes([5; 32]);
    let chain = AuditChain::new(MemoryAuditStore::default()).with_anchor(key.clone(), path.clone());
    chain.check().await.unwrap();
    for i in 0..3 {
        chain.append(at(i), "bob", "notify", "incident-1", "").await.unwrap();
    }
    chain.check().await.unwrap();
    assert_eq!(AuditAnchor::load(&path).unwrap().unwrap().seq, 3);

    // A new chain over the same store continues the numbering.
    let entries = chain.store().all().await.unwrap();
    let store = MemoryAuditStore::default();
    for e in &entries[..2] {
        store.append(e).await.unwrap();
    }
    let resumed = AuditChain::new(store).with_anchor(key, path);
    // The anchor still says 3, the store holds 2: truncated.
    assert!(matches!(
        resumed.check().await,
        Err(AuditError::Violation(AuditViolation { seq: 3, kind: ViolationKind::Truncated { anchored: 3 } }))
    ));
    let next = resumed.append(at(9), "bob", "login", "", "").await.unwrap();
    assert_eq!(next.seq, 3);
    assert_eq!(next.prev_hash, entries[1].hash);
    resumed.check().await.unwrap();
}

#[tokio::test]
async fn missing_anchor_over_a_non_empty_log_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.anchor");
    let chain = AuditChain::new(MemoryAuditStore::default()).with_anchor(SecretKey::from_bytes([5; 32]), path.clone());
    chain.append(at(0), "bob", "login", "", "").await.unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(chain.check().await, Err(AuditError::Anchor { .. })));
}
