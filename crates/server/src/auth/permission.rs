//! The permission matrix: which role may do what. Every route names the
//! [`Access`] it needs; `docs/security.md` shows this table and a test
//! checks the two agree.

use safecare_model::Role;
use serde::Serialize;

/// One thing a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Send events.
    #[strum(serialize = "events:ingest")]
    EventsIngest,
    /// Read and search events.
    #[strum(serialize = "events:read")]
    EventsRead,
    /// Read alerts.
    #[strum(serialize = "alerts:read")]
    AlertsRead,
    /// Read incidents.
    #[strum(serialize = "incidents:read")]
    IncidentsRead,
    /// Work incidents: edit, transition, comment, playbooks, merge and split.
    #[strum(serialize = "incidents:write")]
    IncidentsWrite,
    /// Declare an incident significant (NIS2) or a personal-data breach (GDPR), and send the regulators' reports.
    #[strum(serialize = "incidents:declare")]
    IncidentsDeclare,
    /// Read the asset inventory.
    #[strum(serialize = "assets:read")]
    AssetsRead,
    /// Change the asset inventory.
    #[strum(serialize = "assets:write")]
    AssetsWrite,
    /// Read the detection rules.
    #[strum(serialize = "rules:read")]
    RulesRead,
    /// Change a detection rule (switch it on or off).
    #[strum(serialize = "rules:write")]
    RulesWrite,
    /// List, create and change users.
    #[strum(serialize = "users:manage")]
    UsersManage,
    /// List, create and revoke API tokens.
    #[strum(serialize = "tokens:manage")]
    TokensManage,
    /// Read the privacy audit log.
    #[strum(serialize = "audit:read")]
    AuditRead,
    /// Re-identify a pseudonymised person.
    #[strum(serialize = "reidentify")]
    Reidentify,
    /// Read the Prometheus metrics.
    #[strum(serialize = "metrics:read")]
    MetricsRead,
    /// Send a test notification on a route.
    #[strum(serialize = "notify:test")]
    NotifyTest,
    /// Read the CAP feed of approved messages to first responders.
    #[strum(serialize = "cap:read")]
    CapRead,
    /// Draft a CAP message (Alert, Update, Cancel) for first responders.
    #[strum(serialize = "cap:draft")]
    CapDraft,
    /// Approve a CAP draft, which sends it: the crisis manager's guardrail.
    #[strum(serialize = "cap:approve")]
    CapApprove,
    /// Remove everything an exercise run made (its events, alerts and
    /// incidents).
    #[strum(serialize = "exercises:manage")]
    ExercisesManage,
    /// Read the hospital's availability (services, beds, status) and its EDXL-HAVE document.
    #[strum(serialize = "availability:read")]
    AvailabilityRead,
    /// Override a service's availability status, with a reason and an expiry.
    #[strum(serialize = "availability:write")]
    AvailabilityWrite,
    /// Open the first responder's page of an incident: the places (campus,
    /// entrances, assembly points, floor), hazards, doors, updates and the
    /// CAP messages sent.
    #[strum(serialize = "respond:view")]
    RespondView,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 23] = [
        Permission::EventsIngest,
        Permission::EventsRead,
        Permission::AlertsRead,
        Permission::IncidentsRead,
        Permission::IncidentsWrite,
        Permission::IncidentsDeclare,
        Permission::AssetsRead,
        Permission::AssetsWrite,
        Permission::RulesRead,
        Permission::RulesWrite,
        Permission::UsersManage,
        Permission::TokensManage,
        Permission::AuditRead,
        Permission::Reidentify,
        Permission::MetricsRead,
        Permission::NotifyTest,
        Permission::CapRead,
        Permission::CapDraft,
        Permission::CapApprove,
        Permission::ExercisesManage,
        Permission::AvailabilityRead,
        Permission::AvailabilityWrite,
        Permission::RespondView,
    ];

    /// The name used in docs and error messages (`events:read`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The matrix. Reasons for the less obvious cells: guards see events,
    /// alerts and incidents of their site and work incidents, but not
    /// rules; the crisis manager works incidents and reads everything needed
    /// to decide, not to tune; only the privacy officer re-identifies, and
    /// even the admin does not; sensors only send events. Declaring an
    /// incident significant (NIS2) or a personal-data breach (GDPR) and
    /// sending the regulators' reports is for the SOC, the crisis manager
    /// and the privacy officer, not for guards or responders. A CAP message
    /// to the fire brigade or police is drafted by whoever works the
    /// incident, but only a crisis manager approves (sends) it, not even
    /// the admin; responders read the feed. Likewise only a crisis manager
    /// overrides a service's availability; everyone who works incidents,
    /// responders included, reads it. Responders (the fire brigade, police,
    /// civil protection at the hospital) read incidents, alerts (the live
    /// updates), the CAP feed, availability and their own page, which
    /// shows places, not the inventory: they neither work incidents nor
    /// read the assets (hosts, addresses) or events.
    pub fn granted_to(self, role: Role) -> bool {
        use Permission::*;
        use Role::*;
        match role {
            Admin => !matches!(self, Reidentify | CapApprove | AvailabilityWrite),
            SocAnalyst => matches!(
                self,
                EventsIngest
                    | EventsRead
                    | AlertsRead
                    | IncidentsRead
                    | IncidentsWrite
                    | IncidentsDeclare
                    | AssetsRead
                    | RulesRead
                    | RulesWrite
                    | MetricsRead
                    | CapRead
                    | CapDraft
                    | AvailabilityRead
            ),
            SecurityGuard => matches!(
                self,
                EventsRead
                    | AlertsRead
                    | IncidentsRead
                    | IncidentsWrite
                    | AssetsRead
                    | CapRead
                    | CapDraft
                    | AvailabilityRead
                    | RespondView
            ),
            CrisisManager => matches!(
                self,
                EventsRead
                    | AlertsRead
                    | IncidentsRead
                    | IncidentsWrite
                    | IncidentsDeclare
                    | AssetsRead
                    | CapRead
                    | CapDraft
                    | CapApprove
                    | AvailabilityRead
                    | AvailabilityWrite
                    | RespondView
            ),
            PrivacyOfficer => {
                matches!(self, EventsRead | AlertsRead | IncidentsRead | IncidentsDeclare | AuditRead | Reidentify)
            }
            Responder => {
                matches!(self, AlertsRead | IncidentsRead | CapRead | AvailabilityRead | RespondView)
            }
            Sensor => matches!(self, EventsIngest),
        }
    }
}

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (liveness checks, the login itself).
    Public,
    /// Any signed-in caller, whatever the role.
    SignedIn,
    /// A caller whose role has this permission.
    Needs(Permission),
}

impl Access {
    /// Whether a caller of `role` may pass.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Needs(permission) => permission.granted_to(role),
        }
    }

    /// How the requirement is named in docs (`public`, `signed in`, a permission).
    pub fn label(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::SignedIn => "signed in",
            Access::Needs(permission) => permission.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_privacy_officer_reidentifies_and_sensors_only_ingest() {
        for role in Role::ALL {
            assert_eq!(Permission::Reidentify.granted_to(role), role == Role::PrivacyOfficer, "{role}");
        }
        let sensor: Vec<Permission> = Permission::ALL.into_iter().filter(|p| p.granted_to(Role::Sensor)).collect();
        assert_eq!(sensor, [Permission::EventsIngest]);
        assert!(Permission::UsersManage.granted_to(Role::Admin));
        assert!(!Permission::UsersManage.granted_to(Role::SocAnalyst));
    }

    #[test]
    fn only_the_crisis_manager_approves_cap_messages() {
        for role in Role::ALL {
            assert_eq!(Permission::CapApprove.granted_to(role), role == Role::CrisisManager, "{role}");
        }
        assert!(Permission::CapRead.granted_to(Role::Responder));
        assert!(!Permission::CapDraft.granted_to(Role::Responder));
    }

    #[test]
    fn only_the_crisis_manager_overrides_availability() {
        for role in Role::ALL {
            assert_eq!(Permission::AvailabilityWrite.granted_to(role), role == Role::CrisisManager, "{role}");
        }
        assert!(Permission::AvailabilityRead.granted_to(Role::Responder));
        assert!(!Permission::AvailabilityRead.granted_to(Role::Sensor));
    }

    #[test]
    fn responders_see_their_page_and_what_it_needs_but_work_nothing() {
        let responder: Vec<Permission> =
            Permission::ALL.into_iter().filter(|p| p.granted_to(Role::Responder)).collect();
        use Permission::*;
        assert_eq!(responder, [AlertsRead, IncidentsRead, CapRead, AvailabilityRead, RespondView]);
        for role in [Role::Admin, Role::SecurityGuard, Role::CrisisManager] {
            assert!(RespondView.granted_to(role), "{role}");
        }
        assert!(!RespondView.granted_to(Role::PrivacyOfficer) && !RespondView.granted_to(Role::Sensor));
    }
}
