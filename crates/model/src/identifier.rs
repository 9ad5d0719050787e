//! The kinds of identifier an asset is recognised by, and their one
//! canonical form: the inventory (when it indexes assets) and ingest (when it
//! reads identifiers out of events) both compare normalised values, so an
//! identifier written two ways by two systems still meets.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Which kind of identifier a value is.
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
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IdentifierKind {
    /// A host name, short or fully qualified.
    Hostname,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A MAC address.
    Mac,
    /// A serial number.
    Serial,
    /// Door, reader, sensor, camera or device id as the physical system names it.
    DeviceId,
    /// A building management system point name.
    BmsPoint,
    /// An HL7 v2 application name (`MSH-3`, the namespace id), as a
    /// clinical system or device gateway signs its messages.
    Hl7Application,
    /// A DICOM application entity title (modality, PACS, workstation).
    AeTitle,
}

impl IdentifierKind {
    /// The name used in inventories and messages (`device_id`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why a value is not a valid identifier of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidIdentifier {
    /// The value is empty.
    #[error("empty")]
    Empty,
    /// An IP identifier that does not parse.
    #[error("`{0}` is not an IP address")]
    NotIp(String),
    /// A MAC identifier that does not parse.
    #[error("`{0}` is not a MAC address (12 hex digits)")]
    NotMac(String),
}

/// The canonical form of an identifier, so that `AA-BB-CC-00-11-22`,
/// `aa:bb:cc:00:11:22` and `aabb.cc00.1122`, or `::FFFF:10.0.0.1` and
/// `10.0.0.1`, meet.
///
/// Hostnames, serials and BMS points compare case-insensitively (DNS is
/// case-insensitive; BMS vendors disagree on case) and a host name's trailing
/// dot is dropped; device ids are compared exactly because door systems use
/// case to tell readers apart, and so are HL7 application names and DICOM AE
/// titles, which both standards define as case-sensitive (an AE title's
/// padding spaces are not significant and are trimmed).
pub fn normalise_identifier(kind: IdentifierKind, value: &str) -> Result<String, InvalidIdentifier> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    match kind {
        IdentifierKind::Hostname => Ok(trimmed.trim_end_matches('.').to_ascii_lowercase()),
        IdentifierKind::Ip => trimmed
            .parse::<IpAddr>()
            .map(|ip| ip.to_canonical().to_string())
            .map_err(|_| InvalidIdentifier::NotIp(trimmed.to_owned())),
        IdentifierKind::Mac => {
            let hex: String = trimmed.chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
            if hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                Ok(hex.to_ascii_lowercase())
            } else {
                Err(InvalidIdentifier::NotMac(trimmed.to_owned()))
            }
        }
        IdentifierKind::Serial | IdentifierKind::BmsPoint => Ok(trimmed.to_ascii_lowercase()),
        IdentifierKind::DeviceId | IdentifierKind::Hl7Application | IdentifierKind::AeTitle => Ok(trimmed.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_meet_whatever_their_separators() {
        let a = normalise_identifier(IdentifierKind::Mac, "AA-BB-CC-00-11-22").unwrap();
        let b = normalise_identifier(IdentifierKind::Mac, "aa:bb:cc:00:11:22").unwrap();
        let c = normalise_identifier(IdentifierKind::Mac, "aabb.cc00.1122").unwrap();
        assert_eq!(a, "aabbcc001122");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(
            normalise_identifier(IdentifierKind::Mac, "aa:bb:cc"),
            Err(InvalidIdentifier::NotMac("aa:bb:cc".into()))
        );
        assert!(normalise_identifier(IdentifierKind::Mac, "zz:bb:cc:00:11:22").is_err());
    }

    #[test]
    fn ips_are_canonical() {
        assert_eq!(normalise_identifier(IdentifierKind::Ip, " 10.1.2.3 ").unwrap(), "10.1.2.3");
        assert_eq!(normalise_identifier(IdentifierKind::Ip, "::FFFF:10.0.0.1").unwrap(), "10.0.0.1");
        assert_eq!(normalise_identifier(IdentifierKind::Ip, "2001:DB8:0:0::1").unwrap(), "2001:db8::1");
        assert_eq!(normalise_identifier(IdentifierKind::Ip, "10.1.2"), Err(InvalidIdentifier::NotIp("10.1.2".into())));
    }

    #[test]
    fn hostnames_fold_case_and_device_ids_do_not() {
        assert_eq!(
            normalise_identifier(IdentifierKind::Hostname, "HIS-APP-01.hq.local.").unwrap(),
            "his-app-01.hq.local"
        );
        assert_eq!(normalise_identifier(IdentifierKind::DeviceId, "R-0.12-in").unwrap(), "R-0.12-in");
        assert_eq!(normalise_identifier(IdentifierKind::BmsPoint, "AHU1.SAT").unwrap(), "ahu1.sat");
        assert_eq!(normalise_identifier(IdentifierKind::AeTitle, "PACS_MAIN  ").unwrap(), "PACS_MAIN");
        assert_eq!(normalise_identifier(IdentifierKind::Hl7Application, "Lis").unwrap(), "Lis");
        assert_eq!(normalise_identifier(IdentifierKind::Serial, "  "), Err(InvalidIdentifier::Empty));
    }

    #[test]
    fn kinds_serialise_by_their_names() {
        for kind in [
            IdentifierKind::Hostname,
            IdentifierKind::Ip,
            IdentifierKind::Mac,
            IdentifierKind::Serial,
            IdentifierKind::DeviceId,
            IdentifierKind::BmsPoint,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
