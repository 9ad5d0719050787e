//! The hospital's assets and the relations between them, after the SAFECARE
//! ontology: business assets (clinical services and their operations) resting
//! on supporting assets (places, networks, staff, devices, software, data,
//! access points, controllers).
//!
//! These are the records; validation of a whole inventory and impact
//! propagation over it belong to the impact crate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{AssetId, Capacity, Geo, IdentifierKind, Location};

/// What kind of thing an asset is.
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
pub enum AssetKind {
    // Business assets.
    /// A clinical or business service (emergency department, ICU, pharmacy…).
    Service,
    /// An operation a service performs (surgery, dispensing, imaging study…).
    Operation,
    // Places.
    /// A hospital site (campus).
    Site,
    /// A building of a site.
    Building,
    /// A floor of a building.
    Floor,
    /// A group of rooms on a floor.
    Zone,
    /// A room.
    Room,
    // Supporting assets.
    /// A network segment (VLAN, subnet).
    NetworkSegment,
    /// A staff role that operations depend on (ICU nurse, pharmacist).
    StaffRole,
    /// A workstation or laptop.
    Computer,
    /// A server.
    Server,
    /// A medical device (infusion pump, imaging modality).
    MedicalDevice,
    /// Building equipment (air handler, UPS, lift).
    BuildingDevice,
    /// A sensor (temperature, smoke, door contact).
    Sensor,
    /// An application or system software.
    Software,
    /// A data set (patient records).
    Data,
    /// A door, gate or other physical access point.
    Door,
    /// A network access point (switch port, Wi-Fi AP, VPN).
    NetworkPort,
    /// A controller of power, water, HVAC or access control.
    Controller,
}

impl AssetKind {
    /// The snake_case name used in inventories and the API (`medical_device`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Business assets are what the hospital exists to deliver; impact
    /// reports end at them.
    pub fn is_business(self) -> bool {
        matches!(self, AssetKind::Service | AssetKind::Operation)
    }
}

/// The ways one asset relates to another (`from` → `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RelationKind {
    /// `from` needs `to` to work.
    DependsOn,
    /// `from` provides something `to` needs (the inverse view of depends_on).
    Supports,
    /// `from` runs or stores `to` (a server hosts software or data).
    Hosts,
    /// `from` controls `to` (a controller drives a door or an air handler).
    Controls,
    /// Physical or network adjacency: one can get from `from` to `to`.
    LeadsTo,
    /// `from` is part of `to` (a room of a floor).
    PartOf,
}

impl RelationKind {
    /// The snake_case name used in inventories and the API (`depends_on`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What flows along a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DependencyClass {
    /// Electrical power.
    Power,
    /// Cooling or air handling.
    Cooling,
    /// Network connectivity.
    Network,
    /// Data the dependant reads.
    Data,
    /// People who operate it.
    Staff,
    /// Physical access to it.
    Access,
    /// Consumables and supplies.
    Supply,
}

impl DependencyClass {
    /// The snake_case name used in inventories and the API.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Ways to recognise an asset in incoming events.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssetIdentifiers {
    /// Host names, short or fully qualified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
    /// IP addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<String>,
    /// MAC addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<String>,
    /// Serial numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    /// Door, reader, sensor or device ids as the physical systems name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_ids: Vec<String>,
    /// Building management system point names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bms_points: Vec<String>,
    /// HL7 v2 application names it sends as (`MSH-3`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hl7_applications: Vec<String>,
    /// DICOM AE titles it answers or calls as.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ae_titles: Vec<String>,
}

impl AssetIdentifiers {
    /// Whether no identifier is given.
    pub fn is_empty(&self) -> bool {
        self == &AssetIdentifiers::default()
    }

    /// Every identifier with its kind, as written in the inventory (not
    /// normalised).
    pub fn iter(&self) -> impl Iterator<Item = (IdentifierKind, &str)> {
        let lists: [(IdentifierKind, &Vec<String>); 8] = [
            (IdentifierKind::Hostname, &self.hostnames),
            (IdentifierKind::Ip, &self.ips),
            (IdentifierKind::Mac, &self.macs),
            (IdentifierKind::Serial, &self.serials),
            (IdentifierKind::DeviceId, &self.device_ids),
            (IdentifierKind::BmsPoint, &self.bms_points),
            (IdentifierKind::Hl7Application, &self.hl7_applications),
            (IdentifierKind::AeTitle, &self.ae_titles),
        ];
        lists.into_iter().flat_map(|(kind, values)| values.iter().map(move |v| (kind, v.as_str())))
    }
}

/// One asset of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Chosen by the hospital, stable (`srv-pacs-01`, `svc-icu`).
    pub id: AssetId,
    /// Human-readable name.
    pub name: String,
    /// What kind of asset it is.
    pub kind: AssetKind,
    /// Where it is, as far as known.
    #[serde(default, skip_serializing_if = "Location::is_empty")]
    pub location: Location,
    /// How events name it.
    #[serde(default, skip_serializing_if = "AssetIdentifiers::is_empty")]
    pub identifiers: AssetIdentifiers,
    /// Protection degree in [0, 1] per threat type; 1 means fully protected.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub protections: BTreeMap<String, f64>,
    /// Free attributes (`criticality` among them; `plan`, a room's or
    /// door's place on its floor plan in metres).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    /// Where it is on the map: a site's or building's footprint, and the
    /// control points geo-referencing a building's or floor's plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<Geo>,
    /// A service's wards, beds and staffing, for the availability it offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
}

/// One relation between two assets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// The id of the asset the relation starts at.
    pub from: AssetId,
    /// The id of the asset it points to.
    pub to: AssetId,
    /// What the relation means.
    pub kind: RelationKind,
    /// For dependencies: what flows along it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<DependencyClass>,
    /// For `leads_to`: true when the way goes both directions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub two_way: bool,
    /// How long an impact takes to cross this relation, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_minutes: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_and_relation_round_trip() {
        let asset: Asset = serde_json::from_str(
            r#"{"id":"ahu-ot-1","name":"Air handler, theatres","kind":"building_device",
                "location":{"site":"hq","building":"main","floor":"1"},
                "identifiers":{"bms_points":["AHU1.SAT"]},"protections":{"tampering":0.4}}"#,
        )
        .unwrap();
        assert_eq!(asset.kind, AssetKind::BuildingDevice);
        assert_eq!(asset.kind.to_string(), "building_device");
        let back: Asset = serde_json::from_str(&serde_json::to_string(&asset).unwrap()).unwrap();
        assert_eq!(back, asset);

        let rel = Relation {
            from: "svc-ot".into(),
            to: "ahu-ot-1".into(),
            kind: RelationKind::DependsOn,
            class: Some(DependencyClass::Cooling),
            two_way: false,
            delay_minutes: Some(20.0),
        };
        let json = serde_json::to_string(&rel).unwrap();
        assert!(json.contains("\"depends_on\"") && json.contains("\"cooling\""));
        assert_eq!(serde_json::from_str::<Relation>(&json).unwrap(), rel);
    }

    #[test]
    fn unknown_kind_is_refused_by_name() {
        let err = serde_json::from_str::<Asset>(r#"{"id":"x","name":"x","kind":"toaster"}"#).unwrap_err();
        assert!(err.to_string().contains("toaster"), "{err}");
    }
}
