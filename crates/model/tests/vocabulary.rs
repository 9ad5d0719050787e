//! The string forms of the model's vocabularies are the API (JSON, the
//! store, configuration, messages): for every value, the JSON form, the
//! text form (`as_str`, `Display`) and what parses back agree, and they are
//! exactly the names below.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Display;
use std::str::FromStr;

use safecare_model::{
    AssetKind, DependencyClass, Domain, IdentifierKind, IncidentStatus, RelationKind, Role, Severity,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Checks the JSON form against `name` both ways.
fn json_is<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, name: &str) -> T {
    assert_eq!(serde_json::to_value(&value).unwrap(), serde_json::json!(name), "{value:?}");
    let back: T = serde_json::from_value(serde_json::json!(name)).unwrap();
    assert_eq!(back, value);
    back
}

fn text_is<T: Display + FromStr + PartialEq + std::fmt::Debug>(value: T, name: &str)
where
    T::Err: std::fmt::Debug,
{
    assert_eq!(value.to_string(), name);
    assert_eq!(name.parse::<T>().unwrap(), value);
}

#[test]
fn severities() {
    let names = [
        (Severity::Info, "info"),
        (Severity::Low, "low"),
        (Severity::Medium, "medium"),
        (Severity::High, "high"),
        (Severity::Critical, "critical"),
    ];
    assert_eq!(names.len(), Severity::ALL.len());
    for (value, name) in names {
        assert_eq!(json_is(value, name).as_str(), name);
        text_is(value, name);
        assert_eq!(name.to_uppercase().parse::<Severity>().unwrap(), value, "any case parses");
    }
    let err = "severe".parse::<Severity>().unwrap_err().to_string();
    assert!(err.contains("\"severe\"") && err.contains("critical"), "{err}");
}

#[test]
fn roles() {
    let names = [
        (Role::Admin, "admin"),
        (Role::SocAnalyst, "soc_analyst"),
        (Role::SecurityGuard, "security_guard"),
        (Role::CrisisManager, "crisis_manager"),
        (Role::PrivacyOfficer, "privacy_officer"),
        (Role::Responder, "responder"),
        (Role::Sensor, "sensor"),
    ];
    assert_eq!(names.len(), Role::ALL.len());
    for (value, name) in names {
        assert_eq!(json_is(value, name).as_str(), name);
        text_is(value, name);
    }
    assert!("Admin".parse::<Role>().is_err(), "role names are exact");
    let err = "root".parse::<Role>().unwrap_err().to_string();
    assert!(err.contains("\"root\"") && err.contains("soc_analyst"), "{err}");
}

#[test]
fn domains() {
    let names = [
        (Domain::Cyber, "cyber"),
        (Domain::Physical, "physical"),
        (Domain::Building, "building"),
        (Domain::Medical, "medical"),
    ];
    assert_eq!(names.len(), Domain::ALL.len());
    for (value, name) in names {
        assert_eq!(json_is(value, name).as_str(), name);
        text_is(value, name);
        assert_eq!(name.to_uppercase().parse::<Domain>().unwrap(), value, "any case parses");
    }
    let err = "space".parse::<Domain>().unwrap_err().to_string();
    assert!(err.contains("space"), "{err}");
}

#[test]
fn incident_statuses() {
    let names = [
        (IncidentStatus::New, "new"),
        (IncidentStatus::Acknowledged, "acknowledged"),
        (IncidentStatus::InProgress, "in_progress"),
        (IncidentStatus::Resolved, "resolved"),
        (IncidentStatus::Closed, "closed"),
    ];
    for (value, name) in names {
        assert_eq!(json_is(value, name).as_str(), name);
        assert_eq!(name.parse::<IncidentStatus>().unwrap(), value);
    }
    assert!("In_Progress".parse::<IncidentStatus>().is_err(), "status names are exact");
}

#[test]
fn identifier_kinds() {
    let names = [
        (IdentifierKind::Hostname, "hostname"),
        (IdentifierKind::Ip, "ip"),
        (IdentifierKind::Mac, "mac"),
        (IdentifierKind::Serial, "serial"),
        (IdentifierKind::DeviceId, "device_id"),
        (IdentifierKind::BmsPoint, "bms_point"),
        (IdentifierKind::Hl7Application, "hl7_application"),
        (IdentifierKind::AeTitle, "ae_title"),
    ];
    for (value, name) in names {
        assert_eq!(json_is(value, name).as_str(), name);
        assert_eq!(value.to_string(), name);
    }
}

#[test]
fn asset_kinds_relations_and_dependency_classes() {
    let kinds = [
        (AssetKind::Service, "service"),
        (AssetKind::Operation, "operation"),
        (AssetKind::Site, "site"),
        (AssetKind::Building, "building"),
        (AssetKind::Floor, "floor"),
        (AssetKind::Zone, "zone"),
        (AssetKind::Room, "room"),
        (AssetKind::NetworkSegment, "network_segment"),
        (AssetKind::StaffRole, "staff_role"),
        (AssetKind::Computer, "computer"),
        (AssetKind::Server, "server"),
        (AssetKind::MedicalDevice, "medical_device"),
        (AssetKind::BuildingDevice, "building_device"),
        (AssetKind::Sensor, "sensor"),
        (AssetKind::Software, "software"),
        (AssetKind::Data, "data"),
        (AssetKind::Door, "door"),
        (AssetKind::NetworkPort, "network_port"),
        (AssetKind::Controller, "controller"),
    ];
    for (value, name) in kinds {
        assert_eq!(json_is(value, name).as_str(), name);
        assert_eq!(value.to_string(), name);
    }
    let relations = [
        (RelationKind::DependsOn, "depends_on"),
        (RelationKind::Supports, "supports"),
        (RelationKind::Hosts, "hosts"),
        (RelationKind::Controls, "controls"),
        (RelationKind::LeadsTo, "leads_to"),
        (RelationKind::PartOf, "part_of"),
    ];
    for (value, name) in relations {
        assert_eq!(json_is(value, name).as_str(), name);
    }
    let classes = [
        (DependencyClass::Power, "power"),
        (DependencyClass::Cooling, "cooling"),
        (DependencyClass::Network, "network"),
        (DependencyClass::Data, "data"),
        (DependencyClass::Staff, "staff"),
        (DependencyClass::Access, "access"),
        (DependencyClass::Supply, "supply"),
    ];
    for (value, name) in classes {
        assert_eq!(json_is(value, name).as_str(), name);
    }
}
