//! Re-identification is granted only as specified, and every attempt is audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use safecare_model::{IncidentId, Timestamp};
use safecare_privacy::{
    Actor, AuditChain, AuditEntry, AuditStore, AuditStoreError, MemoryAuditStore, MemoryVaultStore, ReidPolicy,
    ReidRefusal, ReidentifyError, Request, Role, SecretKey, Vault, VaultEntry, verify,
};

const TOKEN: &str = "usr_aaaaaaaaaaaaaaaa";

fn now() -> Timestamp {
    "2026-11-28T10:00:00Z".parse().unwrap()
}

fn officer(name: &str) -> Actor {
    Actor::new(name, [Role::PrivacyOfficer])
}

fn incident() -> IncidentId {
    "0193a0a0-0000-7000-8000-000000000001".parse().unwrap()
}

fn request() -> Request {
    Request {
        officer: officer("olga"),
        reason: "suspected badge misuse at the pharmacy".into(),
        incident_id: Some(incident()),
        approver: None,
    }
}

async fn vault() -> Vault<MemoryVaultStore> {
    let vault = Vault::new(&SecretKey::from_bytes([1; 32]), MemoryVaultStore::default());
    use safecare_privacy::VaultStore;
    vault.store().insert(vault.seal(TOKEN, "jdoe", now()).unwrap()).await.unwrap();
    vault
}

async fn attempt(
    vault: &Vault<MemoryVaultStore>,
    request: &Request,
    policy: &ReidPolicy,
    audit: &AuditChain<MemoryAuditStore>,
) -> Result<String, ReidentifyError> {
    let known = |id: IncidentId| id == incident();
    vault.reidentify(TOKEN, request, policy, known, audit, now()).await.map(|r| r.value.to_string())
}

async fn last_entry(audit: &AuditChain<MemoryAuditStore>) -> AuditEntry {
    audit.store().last().await.unwrap().unwrap()
}

#[tokio::test]
async fn officer_with_reason_and_incident_gets_the_value_and_an_audit_entry() {
    let (vault, audit) = (vault().await, AuditChain::new(MemoryAuditStore::default()));
    assert_eq!(attempt(&vault, &request(), &ReidPolicy::default(), &audit).await.unwrap(), "jdoe");
    let entry = last_entry(&audit).await;
    assert_eq!((entry.actor.as_str(), entry.action.as_str(), entry.target.as_str()), ("olga", "reidentify", TOKEN));
    assert!(entry.detail.contains("granted") && entry.detail.contains(&incident().to_string()), "{}", entry.detail);
    assert!(!entry.detail.contains("jdoe"), "the audit log must not hold the value");
}

#[tokio::test]
async fn every_refusal_is_refused_and_audited() {
    let two_people = ReidPolicy { require_second_approver: true, ..ReidPolicy::default() };
    let analyst = Actor::new("sam", [Role::SocAnalyst, Role::Admin]);
    let cases: Vec<(Request, ReidPolicy, ReidRefusal)> = vec![
        (
            Request { officer: analyst.clone(), ..request() },
            ReidPolicy::default(),
            ReidRefusal::NotPrivacyOfficer { actor: "sam".into() },
        ),
        (Request { incident_id: None, ..request() }, ReidPolicy::default(), ReidRefusal::NoIncident),
        (
            Request { reason: "   because  ".into(), ..request() },
            ReidPolicy::default(),
            ReidRefusal::ReasonTooShort { min: 10 },
        ),
        (
            Request { incident_id: Some(IncidentId::new()), ..request() },
            ReidPolicy::default(),
            ReidRefusal::UnknownIncident(IncidentId::new()),
        ),
        (request(), two_people.clone(), ReidRefusal::NoSecondApprover),
        (
            Request { approver: Some(officer("olga")), ..request() },
            two_people.clone(),
            ReidRefusal::ApproverNotDistinct,
        ),
        (
            Request { approver: Some(analyst), ..request() },
            two_people.clone(),
            ReidRefusal::ApproverNotPrivacyOfficer { approver: "sam".into() },
        ),
    ];
    let (vault, audit) = (vault().await, AuditChain::new(MemoryAuditStore::default()));
    for (i, (req, policy, expected)) in cases.into_iter().enumerate() {
        let result = attempt(&vault, &req, &policy, &audit).await;
        match result {
            Err(ReidentifyError::Refused { refusal, audit_seq }) => {
                // Unknown incidents carry the asked-for id, fresh per case.
                if !matches!(expected, ReidRefusal::UnknownIncident(_)) {
                    assert_eq!(refusal, expected, "case {i}");
                } else {
                    assert!(matches!(refusal, ReidRefusal::UnknownIncident(_)), "case {i}: {refusal:?}");
                }
                assert_eq!(audit_seq, i as u64 + 1, "case {i}");
                let entry = last_entry(&audit).await;
                assert!(entry.detail.contains("refused"), "case {i}: {}", entry.detail);
                assert_eq!(entry.actor, req.officer.name);
            }
            other => panic!("case {i}: expected a refusal, got {other:?}"),
        }
    }
    // With a distinct second officer the two-person policy grants.
    let approved = Request { approver: Some(officer("pia")), ..request() };
    assert_eq!(attempt(&vault, &approved, &two_people, &audit).await.unwrap(), "jdoe");
    assert!(last_entry(&audit).await.detail.contains("\"approver\":\"pia\""));
    assert_eq!(verify(&audit.store().all().await.unwrap()), Ok(()));
}

#[tokio::test]
async fn unknown_token_is_refused_and_audited() {
    let (vault, audit) = (vault().await, AuditChain::new(MemoryAuditStore::default()));
    let result = vault.reidentify("usr_nope", &request(), &ReidPolicy::default(), |_| true, &audit, now()).await;
    assert!(matches!(result, Err(ReidentifyError::Refused { refusal: ReidRefusal::UnknownToken, audit_seq: 1 })));
}

#[tokio::test]
async fn wrong_vault_key_fails_and_is_audited() {
    let stored: VaultEntry = vault().await.store().get(TOKEN).await.unwrap().unwrap();
    let other = Vault::new(&SecretKey::from_bytes([2; 32]), MemoryVaultStore::default());
    use safecare_privacy::VaultStore;
    other.store().insert(stored).await.unwrap();
    let audit = AuditChain::new(MemoryAuditStore::default());
    let result = other.reidentify(TOKEN, &request(), &ReidPolicy::default(), |_| true, &audit, now()).await;
    assert!(matches!(result, Err(ReidentifyError::Vault(_))));
    assert!(last_entry(&audit).await.detail.contains("failed"));
}

/// An audit store that cannot write.
struct BrokenAudit;

#[async_trait]
impl AuditStore for BrokenAudit {
    async fn append(&self, _: &AuditEntry) -> Result<(), AuditStoreError> {
        Err(AuditStoreError("disk full".into()))
    }
    async fn last(&self) -> Result<Option<AuditEntry>, AuditStoreError> {
        Ok(None)
    }
    async fn all(&self) -> Result<Vec<AuditEntry>, AuditStoreError> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn nothing_is_released_when_the_attempt_cannot_be_audited() {
    let vault = vault().await;
    let audit = AuditChain::new(BrokenAudit);
    let result = vault.reidentify(TOKEN, &request(), &ReidPolicy::default(), |_| true, &audit, now()).await;
    assert!(matches!(result, Err(ReidentifyError::Audit(_))), "{result:?}");
}
