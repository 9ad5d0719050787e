//! Which fields of which sources hold personal identifiers.
//!
//! The TOML form, as the server's config file would hold it:
//!
//! ```toml
//! workstation_ips = true
//!
//! [[sources.door-controllers]]
//! field = "holder.badge"
//! kind = "badge"
//! ```
//!
//! `common` (when given) replaces the built-in defaults; `sources` adds rules
//! for one source name (`Event::source`) on top of `common`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::FieldKind;

/// One field to pseudonymise: a name as the source spells it, or a dotted
/// path into nested objects (`winlog.event_data.TargetUserName`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// The field name or dotted path.
    pub field: String,
    /// What kind of identifier it holds, which decides how it is tokenised.
    pub kind: FieldKind,
}

/// The pseudonymisation configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PseudonymConfig {
    /// Rules for every source; defaults to [`default_common_fields`].
    #[serde(default = "default_common_fields")]
    pub common: Vec<FieldRule>,
    /// Extra rules for one source, by its configured name.
    #[serde(default)]
    pub sources: BTreeMap<String, Vec<FieldRule>>,
    /// Also pseudonymise the usual workstation-address fields
    /// ([`default_workstation_ip_fields`]). Off by default because network
    /// detection often needs real addresses to match the asset inventory.
    #[serde(default)]
    pub workstation_ips: bool,
    /// Where else each pseudonymised value is hidden when it recurs.
    #[serde(default)]
    pub scrub: Scrub,
}

/// Where a value replaced in a configured field is also searched for and
/// replaced by its token: a user name recurs in rendered messages, home
/// directory paths and command lines, and would leak through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scrub {
    /// Only the configured fields change.
    Off,
    /// Also the event's `message`.
    Message,
    /// Also the message and every other text field of the event (default).
    #[default]
    AllText,
}

impl Default for PseudonymConfig {
    fn default() -> Self {
        PseudonymConfig {
            common: default_common_fields(),
            sources: BTreeMap::new(),
            workstation_ips: false,
            scrub: Scrub::AllText,
        }
    }
}

/// The same field name in its three usual homes: flat (how Sigma rules name
/// it and how decoders that flatten `EventData` store it), inside an EVTX
/// record rendered as JSON, and inside a Winlogbeat document.
fn windows(name: &str, kind: FieldKind) -> [FieldRule; 3] {
    [
        FieldRule { field: name.to_owned(), kind },
        FieldRule { field: format!("Event.EventData.{name}"), kind },
        FieldRule { field: format!("winlog.event_data.{name}"), kind },
    ]
}

fn rule(field: &str, kind: FieldKind) -> FieldRule {
    FieldRule { field: field.to_owned(), kind }
}

/// The one schema-level list of personal-data fields: every field that
/// SafeCare's own event schemas (docs/detection.md, docs/ingest.md: access
/// control, mail, VPN, CEF, the medical decoders) or the Windows and ECS
/// conventions its decoders keep define as naming a person. Applied to every
/// event on every ingest path; `docs/privacy.md` lists it (a test checks the
/// two agree).
pub fn default_common_fields() -> Vec<FieldRule> {
    use FieldKind::*;
    let mut rules = Vec::new();
    for name in [
        "SubjectUserName",
        "TargetUserName",
        "TargetOutboundUserName",
        "SamAccountName",
        "AccountName",
        "UserPrincipalName",
        "User",
        "SourceUser",
        "TargetUser",
        "ParentUser",
    ] {
        rules.extend(windows(name, User));
    }
    rules.extend(SCHEMA_FIELDS.iter().map(|(field, kind)| rule(field, *kind)));
    rules
}

/// The non-Windows part of [`default_common_fields`], by schema.
const SCHEMA_FIELDS: &[(&str, FieldKind)] = {
    use FieldKind::*;
    &[
        // Accounts: ECS, the VPN schema (`user`), CEF (`suser`, `duser`),
        // and the person field detection reads (`safecare.person`).
        ("user.name", User),
        ("user.target.name", User),
        ("source.user.name", User),
        ("winlog.user.name", User),
        ("user", User),
        ("username", User),
        ("user_name", User),
        ("person", User),
        ("suser", User),
        ("duser", User),
        // Mail: the mail schema's `recipient`, senders, ECS e-mail.
        ("recipient", Email),
        ("recipients", Email),
        ("sender", Email),
        ("sender_address", Email),
        ("recipient_address", Email),
        ("email", Email),
        ("user.email", Email),
        ("email.from.address", Email),
        ("email.to.address", Email),
        ("email.cc.address", Email),
        // Physical access: the access-control schema's `badge_holder`, and
        // badge, card and holder numbers as controllers name them.
        ("badge_holder", Badge),
        ("holder", Badge),
        ("badge_id", Badge),
        ("badge_number", Badge),
        ("card_number", Badge),
        ("cardholder", Badge),
        ("cardholder_id", Badge),
        ("holder_id", Badge),
        ("badge.id", Badge),
        ("cardholder_name", Name),
        ("holder_name", Name),
        // Staff.
        ("staff_id", Badge),
        ("employee_id", Badge),
        ("staff_name", Name),
        // Patients: HL7 PID-3/PID-5, DICOM, plain.
        ("patient_id", Patient),
        ("PatientID", Patient),
        ("PID.3", Patient),
        ("patient.id", Patient),
        ("mrn", Patient),
        ("PatientName", Name),
        ("PID.5", Name),
        ("patient.name", Name),
        ("patient_name", Name),
        // Telephone numbers (nurse call, panic buttons, call-backs).
        ("phone", Phone),
        ("phone_number", Phone),
        ("caller_number", Phone),
        ("callback_number", Phone),
    ]
};

/// Fields that carry a workstation's address, used when
/// [`PseudonymConfig::workstation_ips`] is on.
pub fn default_workstation_ip_fields() -> Vec<FieldRule> {
    let mut rules = Vec::new();
    rules.extend(windows("IpAddress", FieldKind::Ip));
    // Sysmon network connections and Windows Filtering Platform events name
    // the local (workstation) side `SourceIp` / `SourceAddress`.
    rules.extend(["SourceIp", "SourceAddress", "source.ip", "client.ip", "host.ip"].map(|f| rule(f, FieldKind::Ip)));
    rules
}

impl PseudonymConfig {
    /// The rules that apply to events of `source`, common ones first.
    pub fn rules_for(&self, source: &str) -> Vec<FieldRule> {
        let mut rules = self.common.clone();
        rules.extend(self.sources.get(source).into_iter().flatten().cloned());
        if self.workstation_ips {
            rules.extend(default_workstation_ip_fields());
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gets_the_defaults() {
        let config: PseudonymConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, PseudonymConfig::default());
        assert!(config.common.iter().any(|r| r.field == "winlog.event_data.TargetUserName"));
        assert!(config.common.iter().any(|r| r.field == "Event.EventData.SubjectUserName"));
        assert!(!config.rules_for("any").iter().any(|r| r.kind == FieldKind::Ip));
    }

    #[test]
    fn per_source_rules_and_workstation_ips_add_to_common() {
        let config: PseudonymConfig = serde_json::from_value(serde_json::json!({
            "workstation_ips": true,
            "sources": {"doors": [{"field": "holder.badge", "kind": "badge"}]}
        }))
        .unwrap();
        let doors = config.rules_for("doors");
        assert!(doors.contains(&FieldRule { field: "holder.badge".into(), kind: FieldKind::Badge }));
        assert!(doors.iter().any(|r| r.field == "IpAddress" && r.kind == FieldKind::Ip));
        assert!(!config.rules_for("syslog").iter().any(|r| r.field == "holder.badge"));
    }

    #[test]
    fn docs_privacy_md_lists_every_built_in_field() {
        let docs = include_str!("../../../docs/privacy.md");
        let listed = docs
            .split("<!-- personal-fields:start -->")
            .nth(1)
            .and_then(|rest| rest.split("<!-- personal-fields:end -->").next())
            .unwrap_or("");
        for rule in default_common_fields() {
            let field = rule.field.as_str();
            let base =
                ["Event.EventData.", "winlog.event_data."].iter().find_map(|p| field.strip_prefix(p)).unwrap_or(field);
            assert!(listed.contains(&format!("`{base}`")), "{} is not in docs/privacy.md's list", rule.field);
        }
    }

    #[test]
    fn the_schemas_person_fields_are_built_in() {
        let config = PseudonymConfig::default();
        for field in ["badge_holder", "recipient", "sender", "user", "username", "staff_id", "phone", "cardholder"] {
            assert!(config.common.iter().any(|r| r.field == field), "{field}");
        }
    }

    #[test]
    fn unknown_keys_and_kinds_are_refused() {
        assert!(serde_json::from_str::<PseudonymConfig>(r#"{"workstation_ip": true}"#).is_err());
        let bad_kind = r#"{"common": [{"field": "x", "kind": "fax"}]}"#;
        assert!(serde_json::from_str::<PseudonymConfig>(bad_kind).is_err());
    }
}
