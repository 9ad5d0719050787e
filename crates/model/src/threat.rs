//! The threat types SafeCare's own rules and playbooks name, in one list:
//! each with its other spellings, the impact model's threat it acts as, and
//! the IDMEFv2 categories it stands for.
//!
//! Alerts and incidents keep the threat as the rule wrote it (a string: a
//! local rule may name a threat this list lacks); code that compares or
//! maps threats parses it into a [`Threat`] first, so a spelling variant
//! is the same threat everywhere.

/// A threat type known to SafeCare. Parsing accepts every spelling; the
/// string form is the first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Threat {
    /// Encrypting malware.
    Ransomware,
    /// Deceiving messages that lure staff.
    Phishing,
    /// A door or lock forced open.
    ForcedEntry,
    /// Someone where they may not be (also `unauthorised_access`).
    #[strum(to_string = "unauthorized_access", serialize = "unauthorised_access")]
    UnauthorizedAccess,
    /// A compromised host or account.
    Intrusion,
    /// Attempts to obtain credentials.
    CredentialAccess,
    /// Moving from one compromised host to the next.
    LateralMovement,
    /// Rights used beyond their purpose.
    PrivilegeAbuse,
    /// Data leaving the hospital.
    DataExfiltration,
    /// Credentials stolen.
    CredentialTheft,
    /// A member of staff acting against the hospital.
    InsiderThreat,
    /// Deliberate damage.
    Sabotage,
    /// Equipment altered.
    Tampering,
    /// Building-management settings altered.
    BmsTampering,
    /// A medical device altered.
    MedicalDeviceTampering,
    /// Denial of service.
    Ddos,
    /// The network is down.
    NetworkOutage,
    /// A cold store out of its range.
    ColdChain,
    /// Equipment broken down.
    EquipmentFailure,
    /// Fire or smoke.
    Fire,
    /// Water where it should not be.
    Flood,
    /// Temperature, humidity or air out of range.
    Environmental,
}

impl Threat {
    /// The impact model's threat: detection names what was seen (a forced
    /// door), the impact model what it does to an asset (physical
    /// intrusion). BMS tampering alerts name the host the change came from,
    /// so it spreads as an intrusion from there to the plant that host
    /// controls. Threats the impact model knows by the same name keep it.
    pub fn impact(self) -> &'static str {
        use Threat::*;
        match self {
            BmsTampering | CredentialAccess | CredentialTheft | LateralMovement | PrivilegeAbuse => "intrusion",
            MedicalDeviceTampering | Sabotage => "tampering",
            ForcedEntry | UnauthorizedAccess | InsiderThreat => "physical_intrusion",
            Environmental | ColdChain => "overheating",
            DataExfiltration => "data_breach",
            Ddos => "network_outage",
            other => other.into(),
        }
    }

    /// The IDMEFv2 categories the threat stands for; the first is the one
    /// alerts going out carry.
    pub fn idmef_categories(self) -> &'static [&'static str] {
        use Threat::*;
        match self {
            Ransomware => &["Malware.Ransomware"],
            Phishing => &["SocialEng.Phishing"],
            ForcedEntry => &["Access.Forced"],
            UnauthorizedAccess => &["Access.Unauthorized", "Access.Tailgating"],
            Intrusion | CredentialAccess | LateralMovement => &["Access.Compromise"],
            PrivilegeAbuse => &["Access.Escalation"],
            DataExfiltration | CredentialTheft => &["Theft.Data"],
            InsiderThreat => &["Insider.Malicious"],
            Sabotage | Tampering | BmsTampering | MedicalDeviceTampering => &["Sabotage.Tampering"],
            Ddos => &["Availability.DDoS"],
            NetworkOutage => &["Availability.Outage"],
            ColdChain | EquipmentFailure => &["Availability.Failure"],
            Fire => &["Safety.Fire"],
            Flood => &["Hydro.Flood"],
            Environmental => &["Safety.Other"],
        }
    }

    /// The threat an incoming IDMEFv2 category names: the first in this
    /// list's order that stands for it, so a shared category names the
    /// threat the impact model knows best.
    pub fn of_idmef_category(category: &str) -> Option<Threat> {
        <Threat as strum::VariantArray>::VARIANTS.iter().copied().find(|t| t.idmef_categories().contains(&category))
    }

    /// The threat a string names, by any of its spellings.
    pub fn named(name: &str) -> Option<Threat> {
        name.parse().ok()
    }

    /// The one spelling of a threat name, so that incidents, grouping and
    /// notification routes agree whichever spelling a rule or a person
    /// wrote: a known threat written the first way (`unauthorised_access` →
    /// `unauthorized_access`, any case), any other name as given in lower
    /// case (threat names are snake_case identifiers).
    pub fn canonical(name: &str) -> String {
        let lower = name.to_ascii_lowercase();
        Threat::named(&lower).map_or(lower, |t| t.to_string())
    }

    /// The impact model's threat for a threat name: the mapped one for a
    /// known threat, else the name itself (the impact model may know it).
    pub fn impact_of(name: &str) -> &str {
        Threat::named(name).map_or(name, |t| t.impact())
    }
}

#[cfg(test)]
mod tests {
    use strum::VariantArray;

    use super::*;

    #[test]
    fn both_spellings_are_one_threat_written_the_first_way() {
        assert_eq!(Threat::named("unauthorised_access"), Some(Threat::UnauthorizedAccess));
        assert_eq!(Threat::named("unauthorized_access"), Some(Threat::UnauthorizedAccess));
        assert_eq!(Threat::UnauthorizedAccess.to_string(), "unauthorized_access");
        assert_eq!(<&str>::from(Threat::MedicalDeviceTampering), "medical_device_tampering");
        assert_eq!(Threat::named("made_up_threat"), None);
    }

    #[test]
    fn canonical_names_write_every_spelling_one_way() {
        assert_eq!(Threat::canonical("unauthorised_access"), "unauthorized_access");
        assert_eq!(Threat::canonical("Unauthorised_Access"), "unauthorized_access");
        assert_eq!(Threat::canonical("RANSOMWARE"), "ransomware");
        assert_eq!(Threat::canonical("Power_Loss"), "power_loss");
    }

    #[test]
    fn every_threat_round_trips_through_its_name() {
        for threat in Threat::VARIANTS {
            assert_eq!(Threat::named(&threat.to_string()), Some(*threat));
        }
    }

    #[test]
    fn impact_names_map_or_pass_through() {
        assert_eq!(Threat::impact_of("ransomware"), "ransomware");
        assert_eq!(Threat::impact_of("forced_entry"), "physical_intrusion");
        assert_eq!(Threat::impact_of("unauthorised_access"), "physical_intrusion");
        assert_eq!(Threat::impact_of("power_loss"), "power_loss");
    }

    #[test]
    fn a_shared_category_comes_back_as_the_first_threat_listed() {
        assert_eq!(Threat::of_idmef_category("Access.Compromise"), Some(Threat::Intrusion));
        assert_eq!(Threat::of_idmef_category("Theft.Data"), Some(Threat::DataExfiltration));
        assert_eq!(Threat::of_idmef_category("Sabotage.Tampering"), Some(Threat::Sabotage));
        assert_eq!(Threat::of_idmef_category("Access.Tailgating"), Some(Threat::UnauthorizedAccess));
        assert_eq!(Threat::of_idmef_category("Meteo.Snow"), None);
    }
}
