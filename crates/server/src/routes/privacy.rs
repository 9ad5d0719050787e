//! Re-identification, the audit log and retention, over the API.

use axum::Json;
use axum::extract::{ConnectInfo, Extension, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use safecare_model::IncidentId;
use safecare_privacy::{Actor, AuditEntry, AuditStore, PurgePlan, ReidentifyError, Request};
use serde::{Deserialize, Serialize};
use serde_json::json;

use std::sync::Arc;

use safecare_store::Store;

use crate::Config;
use crate::auth::{LoginError, Principal, check_credentials};
use crate::error::ApiError;
use crate::privacy::Privacy;
use crate::routes::session::Logins;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReidentifyRequest {
    /// The token to resolve, bare (`usr_…`) or as found in a field
    /// (`HOSP\\usr_…`).
    token: String,
    /// Why, in words; audited.
    reason: String,
    /// The incident the lookup serves.
    incident: Option<IncidentId>,
    /// The second privacy officer, when the policy asks for one: they
    /// confirm with their own password.
    approver: Option<String>,
    approver_password: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Reidentification {
    token: String,
    value: String,
    audit_seq: u64,
}

/// The approver as an actor, only if their password checks out. An
/// approver's password is a login: it goes through the login throttle of the
/// caller's address and the approver account's lockout, every failure is
/// audited, and every failure that is not a lock or the throttle gets one
/// answer, whether the name is unknown, the password wrong, the account
/// disabled, or the account not one that may approve.
async fn approver(
    logins: &Logins,
    peer: std::net::IpAddr,
    officer: &str,
    name: &str,
    password: &str,
) -> Result<Actor, ApiError> {
    let refused = |status, reason: &'static str| async move {
        metrics::counter!("safecare_logins_total", "outcome" => "approver_refused").increment(1);
        let _ = logins.privacy.record(officer, "reidentify.approver", name, &format!("refused: {reason}")).await;
        ApiError::new(status, APPROVER_REFUSED)
    };
    if !logins.throttle.allow(peer, std::time::Instant::now()) {
        return Err(refused(StatusCode::TOO_MANY_REQUESTS, "too many attempts from this address").await);
    }
    match check_credentials(logins.accounts.as_ref(), &logins.config.auth.lockout, name, password).await {
        Ok(user) if user.role == safecare_model::Role::PrivacyOfficer && user.name != officer => {
            Ok(Actor::new(user.name, [user.role]))
        }
        Ok(_) => Err(refused(StatusCode::FORBIDDEN, "not another privacy officer").await),
        Err(LoginError::Invalid) => Err(refused(StatusCode::FORBIDDEN, "wrong name or password").await),
        Err(LoginError::Locked(_) | LoginError::Throttled) => {
            Err(refused(StatusCode::TOO_MANY_REQUESTS, "approver account locked").await)
        }
        Err(err @ (LoginError::Store(_) | LoginError::Random(_))) => {
            Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string()))
        }
    }
}

/// The one answer to an approver who does not check out.
const APPROVER_REFUSED: &str =
    "the approver could not be confirmed: wrong name or password, locked, or not another privacy officer";

/// Reveals the original value behind a token, for a privacy officer with a
/// reason tied to an incident (and a second approver when required). Every
/// attempt is audited, granted or not.
pub async fn reidentify(
    State(logins): State<Logins>,
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Json(request): Json<ReidentifyRequest>,
) -> Result<Json<Reidentification>, ApiError> {
    let approver = match (&request.approver, &request.approver_password) {
        (Some(name), Some(password)) => Some(approver(&logins, peer.ip(), &principal.name, name, password).await?),
        (None, None) => None,
        _ => return Err(ApiError::bad_request("give both approver and approver_password, or neither")),
    };
    let incident_known = match request.incident {
        Some(id) => store.get_incident(id).await?.is_some(),
        None => false,
    };
    let token = safecare_privacy::bare_token(&request.token).unwrap_or(&request.token).to_owned();
    let ask = Request {
        officer: Actor::new(principal.name.clone(), [principal.role]),
        reason: request.reason,
        incident_id: request.incident,
        approver,
    };
    let privacy = &logins.privacy;
    let outcome = privacy
        .vault
        .reidentify(
            &token,
            &ask,
            &logins.config.privacy.reidentify,
            |_| incident_known,
            &privacy.audit,
            Timestamp::now(),
        )
        .await;
    match outcome {
        Ok(found) => Ok(Json(Reidentification {
            token: found.token,
            value: found.value.to_string(),
            audit_seq: found.audit_seq,
        })),
        Err(ReidentifyError::Refused { refusal, audit_seq }) => {
            let mut err = ApiError::new(StatusCode::FORBIDDEN, format!("re-identification refused: {refusal}"));
            err.detail = Some(json!({"audit_seq": audit_seq}));
            Err(err)
        }
        Err(other) => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, other.to_string())),
    }
}

/// The audit log, newest first (at most the last 1,000 entries).
pub async fn audit_log(State(privacy): State<Arc<Privacy>>) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let mut entries =
        privacy.audit.store().all().await.map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    entries.reverse();
    entries.truncate(1000);
    Ok(Json(entries))
}

/// Checks the whole chain (and its signed head).
pub async fn audit_verify(State(privacy): State<Arc<Privacy>>) -> (StatusCode, Json<serde_json::Value>) {
    match privacy.audit.check().await {
        Ok(()) => (StatusCode::OK, Json(json!({"intact": true}))),
        Err(err) => (StatusCode::CONFLICT, Json(json!({"intact": false, "error": err.to_string()}))),
    }
}

/// What the retention policy would purge now.
pub async fn retention_plan(
    State(config): State<Arc<Config>>,
    State(privacy): State<Arc<Privacy>>,
) -> Result<Json<PurgePlan>, ApiError> {
    Ok(Json(crate::privacy::purge_plan(&config, privacy.store.as_ref()).await?))
}
