//! Builders shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;

use jiff::Timestamp;
use safecare_model::{Alert, AlertNode, Incident, Location, Severity};
use safecare_respond::{IncidentRecord, PlaybookLibrary};

pub fn t(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

pub fn playbooks_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/playbooks")
}

pub fn library() -> PlaybookLibrary {
    match PlaybookLibrary::load_dir(&playbooks_dir()) {
        Ok(library) => library,
        Err(errors) => panic!("bundled playbooks do not load: {errors:#?}"),
    }
}

/// A place in the demo hospital: site hq, building main.
pub fn room(floor: &str, zone: Option<&str>, room: &str) -> Location {
    Location {
        site: Some("hq".into()),
        building: Some("main".into()),
        floor: Some(floor.into()),
        zone: zone.map(Into::into),
        room: Some(room.into()),
    }
}

/// An alert at a given time with the grouping-relevant facts.
pub struct AlertSpec<'a> {
    pub at: &'a str,
    pub description: &'a str,
    pub severity: Severity,
    pub threat: Option<&'a str>,
    pub rule: Option<&'a str>,
    pub asset: Option<&'a str>,
    pub location: Location,
    pub user: Option<&'a str>,
    pub hostname: Option<&'a str>,
}

impl Default for AlertSpec<'_> {
    fn default() -> Self {
        AlertSpec {
            at: "2026-03-10T08:00:00Z",
            description: "test alert",
            severity: Severity::Medium,
            threat: None,
            rule: None,
            asset: None,
            location: Location::default(),
            user: None,
            hostname: None,
        }
    }
}

pub fn alert(spec: AlertSpec<'_>) -> Alert {
    let mut alert = Alert::new(spec.description, spec.severity);
    alert.create_time = t(spec.at);
    alert.safecare.threat = spec.threat.map(Into::into);
    alert.safecare.rule = spec.rule.map(Into::into);
    alert.safecare.asset = spec.asset.map(Into::into);
    alert.safecare.location = spec.location;
    if spec.user.is_some() || spec.hostname.is_some() {
        alert.source.push(AlertNode {
            user: spec.user.map(Into::into),
            hostname: spec.hostname.map(Into::into),
            ..Default::default()
        });
    }
    alert
}

/// A bare record opened by `alice` at `at`.
pub fn record(title: &str, at: &str) -> IncidentRecord {
    let mut incident = Incident::new(title, Severity::High);
    incident.created = t(at);
    incident.updated = t(at);
    IncidentRecord::new(incident, "alice", t(at))
}
