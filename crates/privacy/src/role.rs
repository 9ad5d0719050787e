//! Who is asking: the roles SafeCare knows and an authenticated person.
//!
//! The server authenticates people; this crate only needs to know who they
//! are and which roles they hold to decide a re-identification request.

use serde::{Deserialize, Serialize};

/// A SafeCare role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    SocAnalyst,
    SecurityGuard,
    CrisisManager,
    PrivacyOfficer,
    Responder,
    Sensor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::SocAnalyst,
        Role::SecurityGuard,
        Role::CrisisManager,
        Role::PrivacyOfficer,
        Role::Responder,
        Role::Sensor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SocAnalyst => "soc_analyst",
            Role::SecurityGuard => "security_guard",
            Role::CrisisManager => "crisis_manager",
            Role::PrivacyOfficer => "privacy_officer",
            Role::Responder => "responder",
            Role::Sensor => "sensor",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated person (or sensor) and the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The unique login name; audit entries record it.
    pub name: String,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn new(name: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        Actor { name: name.into(), roles: roles.into_iter().collect() }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_match_their_serde_form() {
        for role in Role::ALL {
            assert_eq!(serde_json::to_value(role).unwrap(), serde_json::Value::String(role.as_str().into()));
        }
    }
}
