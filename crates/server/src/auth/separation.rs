//! Separation of duties around re-identification.
//!
//! The rule: the `privacy_officer` role is granted only on the host, with
//! `safecare users add … --role privacy_officer` or `safecare tokens add …
//! --role privacy_officer`, by someone with access to the data directory.
//! Over the API nobody, the admin included, can create a privacy officer
//! account or token, give an account that role, or set a privacy officer's
//! password (which would let the admin log in as them). The admin may still
//! disable a privacy officer or lift their lockout: neither reveals anything.
//!
//! Refusals at the permission layer on `POST /api/v1/reidentify` are
//! audited as well, so the audit log shows every attempt to re-identify,
//! not only those that reached the vault.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use safecare_model::Role;

use super::{Permission, Principal};
use crate::error::ApiError;
use crate::privacy::Privacy;

/// What an API caller asked to grant.
pub enum Grant<'a> {
    /// A new account or token with this role.
    Role(Role),
    /// A new password for this account.
    Password(&'a safecare_model::User),
}

/// Refuses, with 403, a grant the API must not make.
pub fn check_grant(grant: Grant<'_>) -> Result<(), ApiError> {
    let refused = |what: &str| {
        metrics::counter!("safecare_auth_refused_total", "reason" => "separation_of_duties").increment(1);
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "{what}: the privacy_officer role is granted only on the host (safecare users add NAME --role privacy_officer)"
            ),
        ))
    };
    match grant {
        Grant::Role(Role::PrivacyOfficer) => refused("the API cannot grant the privacy_officer role"),
        Grant::Password(user) if user.role == Role::PrivacyOfficer => {
            refused("the API cannot set a privacy officer's password")
        }
        Grant::Role(_) | Grant::Password(_) => Ok(()),
    }
}

/// Set on a response by the permission layer when it refused the caller.
#[derive(Debug, Clone, Copy)]
pub struct RefusedPermission(pub Permission);

/// Audits re-identification attempts the permission layer refused.
pub async fn audit_refused_reidentification(
    State(privacy): State<Arc<Privacy>>,
    request: Request,
    next: Next,
) -> Response {
    let caller = request.extensions().get::<Principal>().map(|p| (p.name.clone(), p.role));
    let response = next.run(request).await;
    if let (Some(RefusedPermission(Permission::Reidentify)), Some((name, role))) =
        (response.extensions().get::<RefusedPermission>(), caller)
    {
        let _ = privacy
            .record(&name, "reidentify", "", &format!("refused: role {role} lacks the permission reidentify"))
            .await;
    }
    response
}
