//! People and programs that may use SafeCare: roles, users, sessions and
//! API tokens. The records only; checking passwords and permissions belongs
//! to the server.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Preferences;

/// What someone is in the hospital's security organisation; each role has a
/// fixed set of permissions (the server's permission matrix).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = ParseRoleError, parse_err_fn = ParseRoleError::new)]
pub enum Role {
    /// Runs the platform: users, tokens, configuration.
    Admin,
    /// Works cyber alerts and incidents in the security operations centre.
    SocAnalyst,
    /// Physical security staff on site.
    SecurityGuard,
    /// Decides the hospital's response to a major incident.
    CrisisManager,
    /// Oversees personal data; the only role that re-identifies.
    PrivacyOfficer,
    /// Carries out response tasks.
    Responder,
    /// A device or collector that only sends events.
    Sensor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::SocAnalyst,
        Role::SecurityGuard,
        Role::CrisisManager,
        Role::PrivacyOfficer,
        Role::Responder,
        Role::Sensor,
    ];

    /// The name used in configuration and the API (`soc_analyst`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A role name that is not one of the seven.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role {0:?}: expected admin, soc_analyst, security_guard, crisis_manager, privacy_officer, responder or sensor"
)]
pub struct ParseRoleError(String);

impl ParseRoleError {
    fn new(name: &str) -> Self {
        ParseRoleError(name.to_owned())
    }
}

/// A person who logs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The unique login name.
    pub name: String,
    /// The role its permissions come from.
    pub role: Role,
    /// PHC string (argon2id); never shown by the API.
    pub password_hash: String,
    /// A disabled user cannot log in.
    #[serde(default)]
    pub disabled: bool,
    /// Consecutive failed logins since the last success.
    #[serde(default)]
    pub failed_logins: u32,
    /// Locked out after failed logins until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<Timestamp>,
    /// When it was created.
    pub created: Timestamp,
    /// Language and time zone for their dashboard and messages.
    #[serde(default)]
    pub preferences: Preferences,
}

/// A logged-in browser session. Only a hash of the cookie's secret is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Hash of the cookie's secret.
    pub token_hash: String,
    /// The user logged in.
    pub user: String,
    /// The user's role when the session began.
    pub role: Role,
    /// Sent back with every form and script request that changes something.
    pub csrf: String,
    /// When it began.
    pub created: Timestamp,
    /// When it ends.
    pub expires: Timestamp,
    /// The user's display choices, copied at login and on every change.
    #[serde(default)]
    pub preferences: Preferences,
}

/// A bearer token for scripts and sensors. Only a hash of its secret is
/// kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Public part of the token, shown in lists.
    pub id: String,
    /// What it is for, as its creator named it.
    pub name: String,
    /// Hash of its secret.
    pub token_hash: String,
    /// The role its permissions come from.
    pub role: Role,
    /// The user who created it.
    pub owner: String,
    /// For sensor tokens: the source name its events are recorded under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When it was created.
    pub created: Timestamp,
    /// When it stops working, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// A revoked token no longer works.
    #[serde(default)]
    pub revoked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_print() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert!("root".parse::<Role>().is_err());
    }
}
