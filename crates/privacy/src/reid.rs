//! Re-identification: turning a token back into the person, under rules.
//!
//! Only a privacy officer may ask, only for a stated reason tied to a known
//! incident, and, when the policy says so, only with a second, different
//! privacy officer approving. Every attempt, granted or refused, leaves an
//! audit entry; a value is released only after its audit entry is stored.

use jiff::Timestamp;
use safecare_model::IncidentId;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::{AuditChain, AuditError, AuditStore};
use crate::role::{Actor, Role};
use crate::vault::{Vault, VaultError, VaultStore};

/// Who asks to re-identify, why, and who approves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The privacy officer asking.
    pub officer: Actor,
    /// Why, in words; recorded in the audit log.
    pub reason: String,
    /// The incident the re-identification is for.
    pub incident_id: Option<IncidentId>,
    /// A second privacy officer approving, when the policy demands one.
    pub approver: Option<Actor>,
}

/// The rules a request must meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReidPolicy {
    /// Demand a second privacy officer, other than the requester.
    #[serde(default)]
    pub require_second_approver: bool,
    /// The shortest reason accepted, in characters, so "x" is not a reason.
    #[serde(default = "default_min_reason_chars")]
    pub min_reason_chars: usize,
}

fn default_min_reason_chars() -> usize {
    10
}

impl Default for ReidPolicy {
    fn default() -> Self {
        ReidPolicy { require_second_approver: false, min_reason_chars: default_min_reason_chars() }
    }
}

/// Why a request was refused. Each refusal is audited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReidRefusal {
    /// The requester lacks the privacy officer role.
    #[error("{actor} is not a privacy officer")]
    NotPrivacyOfficer {
        /// The requester's name.
        actor: String,
    },
    /// The request names no incident.
    #[error("a re-identification must name the incident it is for")]
    NoIncident,
    /// The named incident does not exist.
    #[error("incident {0} is not known")]
    UnknownIncident(IncidentId),
    /// The reason is shorter than the policy accepts.
    #[error("the reason must be at least {min} characters")]
    ReasonTooShort {
        /// The shortest reason accepted, in characters.
        min: usize,
    },
    /// The policy demands a second approver and none was given.
    #[error("policy requires a second approver")]
    NoSecondApprover,
    /// The approver is the requester.
    #[error("the approver must be someone other than the requester")]
    ApproverNotDistinct,
    /// The approver lacks the privacy officer role.
    #[error("approver {approver} is not a privacy officer")]
    ApproverNotPrivacyOfficer {
        /// The approver's name.
        approver: String,
    },
    /// The vault holds nothing for the token.
    #[error("no vault entry for this token (never seen, or purged by retention)")]
    UnknownToken,
}

/// Why re-identification gave no value.
#[derive(Debug, thiserror::Error)]
pub enum ReidentifyError {
    /// Refused by policy; the refusal was audited as entry `audit_seq`.
    #[error("re-identification refused: {refusal}")]
    Refused {
        /// Why it was refused.
        refusal: ReidRefusal,
        /// The audit entry recording the refusal.
        audit_seq: u64,
    },
    /// The entry did not open; the failure was audited.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The attempt could not be audited, so nothing is released.
    #[error("re-identification not audited, so refused: {0}")]
    Audit(#[from] AuditError),
}

/// A granted re-identification. `Debug` hides the value.
pub struct Reidentified {
    /// The token asked about.
    pub token: String,
    /// The original value behind it.
    pub value: Zeroizing<String>,
    /// The audit entry recording the grant.
    pub audit_seq: u64,
}

impl std::fmt::Debug for Reidentified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reidentified").field("token", &self.token).field("audit_seq", &self.audit_seq).finish()
    }
}

impl ReidPolicy {
    /// The first rule `request` breaks, if any. `incident_known` says
    /// whether an incident id exists (the store knows; this crate does not).
    pub fn check(&self, request: &Request, incident_known: impl FnOnce(IncidentId) -> bool) -> Result<(), ReidRefusal> {
        if !request.officer.has(Role::PrivacyOfficer) {
            return Err(ReidRefusal::NotPrivacyOfficer { actor: request.officer.name.clone() });
        }
        let incident = request.incident_id.ok_or(ReidRefusal::NoIncident)?;
        if request.reason.trim().chars().count() < self.min_reason_chars {
            return Err(ReidRefusal::ReasonTooShort { min: self.min_reason_chars });
        }
        match &request.approver {
            None if self.require_second_approver => return Err(ReidRefusal::NoSecondApprover),
            None => {}
            Some(approver) if approver.name == request.officer.name => return Err(ReidRefusal::ApproverNotDistinct),
            Some(approver) if !approver.has(Role::PrivacyOfficer) => {
                return Err(ReidRefusal::ApproverNotPrivacyOfficer { approver: approver.name.clone() });
            }
            Some(_) => {}
        }
        if !incident_known(incident) {
            return Err(ReidRefusal::UnknownIncident(incident));
        }
        Ok(())
    }
}

impl<S: VaultStore> Vault<S> {
    /// Re-identifies `token` if `request` meets `policy`, recording the
    /// attempt and its outcome in `audit` either way.
    pub async fn reidentify<A: AuditStore>(
        &self,
        token: &str,
        request: &Request,
        policy: &ReidPolicy,
        incident_known: impl FnOnce(IncidentId) -> bool,
        audit: &AuditChain<A>,
        now: Timestamp,
    ) -> Result<Reidentified, ReidentifyError> {
        let refuse = async |refusal: ReidRefusal| {
            let entry =
                audit.append(now, &request.officer.name, "reidentify", token, &detail(request, Err(&refusal))).await?;
            Err(ReidentifyError::Refused { refusal, audit_seq: entry.seq })
        };
        if let Err(refusal) = policy.check(request, incident_known) {
            return refuse(refusal).await;
        }
        let Some(entry) = self.store().get(token).await.map_err(VaultError::from)? else {
            return refuse(ReidRefusal::UnknownToken).await;
        };
        match self.open(&entry) {
            Ok(value) => {
                let record =
                    audit.append(now, &request.officer.name, "reidentify", token, &detail(request, Ok(()))).await?;
                Ok(Reidentified { token: token.to_owned(), value, audit_seq: record.seq })
            }
            Err(e) => {
                let outcome = format!("failed: {e}");
                audit.append(now, &request.officer.name, "reidentify", token, &detail_text(request, &outcome)).await?;
                Err(e.into())
            }
        }
    }
}

fn detail(request: &Request, outcome: Result<(), &ReidRefusal>) -> String {
    match outcome {
        Ok(()) => detail_text(request, "granted"),
        Err(refusal) => detail_text(request, &format!("refused: {refusal}")),
    }
}

/// The audit detail: a JSON object with the outcome, incident, reason and
/// approver. Never the re-identified value.
fn detail_text(request: &Request, outcome: &str) -> String {
    serde_json::json!({
        "outcome": outcome,
        "incident": request.incident_id.map(|id| id.to_string()),
        "reason": request.reason,
        "approver": request.approver.as_ref().map(|a| a.name.as_str()),
    })
    .to_string()
}
