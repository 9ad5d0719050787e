//! Routes: which incidents go to which channel and on-call role.
//!
//! A route matches an incident when every condition it sets holds (an empty
//! list sets none). Exercise incidents match exercise routes only, and
//! exercise routes take nothing else, so a drill never pages the real
//! on-call team and a real incident never lands in the drill channel.

use safecare_model::{Domain, Incident, Severity, Threat};
use serde::{Deserialize, Serialize};

/// One route of the server configuration (`[[notify.routes]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The route's name, unique; names it in the API and the metrics.
    pub name: String,
    /// The channel (`[notify.channels.NAME]`) messages go out on.
    pub channel: String,
    /// Only incidents at least this severe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// Only incidents of one of these threat types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
    /// Only incidents whose alerts come from one of these domains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    /// Only incidents in one of these buildings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buildings: Vec<String>,
    /// Only incidents in one of these zones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// The on-call role whose people the message names (see
    /// [`super::oncall::Roster`]); none for a channel that reaches a system
    /// rather than people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// An exercise route: takes exercise incidents only.
    #[serde(default)]
    pub exercise: bool,
    /// Minutes an incident may stay unacknowledged before the role's next
    /// tier is called (and again for each further tier); none: no escalation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate_after_minutes: Option<u32>,
}

/// What a route looks at: the incident, the domains of its alerts and its
/// exercise mark.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The incident.
    pub incident: &'a Incident,
    /// The domains its alerts come from.
    pub domains: &'a [Domain],
    /// True for an exercise.
    pub exercise: bool,
}

impl Route {
    /// True when the route takes this incident.
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        let incident = subject.incident;
        let location = &incident.location;
        self.exercise == subject.exercise
            && self.min_severity.is_none_or(|min| incident.severity >= min)
            && self.takes_threat(incident.threat.as_deref())
            && (self.domains.is_empty() || subject.domains.iter().any(|d| self.domains.contains(d)))
            && any_or_unset(&self.buildings, location.building.as_deref())
            && any_or_unset(&self.zones, location.zone.as_deref())
    }

    /// True when the route names no threat or names the incident's, in any
    /// of its spellings.
    fn takes_threat(&self, threat: Option<&str>) -> bool {
        self.threats.is_empty()
            || threat.is_some_and(|t| {
                let threat = Threat::canonical(t);
                self.threats.iter().any(|w| Threat::canonical(w) == threat)
            })
    }
}

/// True when `wanted` sets no condition or holds `value` (case-insensitive:
/// threat and place names come from configuration written by people).
fn any_or_unset(wanted: &[String], value: Option<&str>) -> bool {
    wanted.is_empty() || value.is_some_and(|v| wanted.iter().any(|w| w.eq_ignore_ascii_case(v)))
}

/// The routes that take this incident, in configuration order.
pub fn matching<'r>(routes: &'r [Route], subject: &Subject<'_>) -> impl Iterator<Item = &'r Route> {
    routes.iter().filter(move |route| route.matches(subject))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(toml_like: serde_json::Value) -> Route {
        let mut base = serde_json::json!({ "name": "r", "channel": "c" });
        if let (Some(base), Some(extra)) = (base.as_object_mut(), toml_like.as_object()) {
            base.extend(extra.clone());
        }
        serde_json::from_value(base).unwrap()
    }

    fn incident(severity: Severity, threat: Option<&str>, building: Option<&str>, zone: Option<&str>) -> Incident {
        let mut incident = Incident::new("t", severity);
        incident.threat = threat.map(str::to_owned);
        incident.location.building = building.map(str::to_owned);
        incident.location.zone = zone.map(str::to_owned);
        incident
    }

    #[test]
    fn a_route_without_conditions_takes_every_real_incident() {
        let incident = incident(Severity::Info, None, None, None);
        let subject = Subject { incident: &incident, domains: &[], exercise: false };
        assert!(route(serde_json::json!({})).matches(&subject));
    }

    #[test]
    fn severity_threat_domain_building_and_zone_must_all_hold() {
        let r = route(serde_json::json!({
            "min_severity": "high", "threats": ["ransomware"], "domains": ["cyber"],
            "buildings": ["B1"], "zones": ["ICU"]
        }));
        let hit = incident(Severity::Critical, Some("Ransomware"), Some("B1"), Some("icu"));
        let cyber = [Domain::Cyber, Domain::Medical];
        assert!(r.matches(&Subject { incident: &hit, domains: &cyber, exercise: false }));

        let misses = [
            incident(Severity::Medium, Some("ransomware"), Some("B1"), Some("ICU")),
            incident(Severity::High, Some("forced_entry"), Some("B1"), Some("ICU")),
            incident(Severity::High, None, Some("B1"), Some("ICU")),
            incident(Severity::High, Some("ransomware"), Some("B2"), Some("ICU")),
            incident(Severity::High, Some("ransomware"), Some("B1"), None),
        ];
        for miss in &misses {
            assert!(!r.matches(&Subject { incident: miss, domains: &cyber, exercise: false }), "{miss:?}");
        }
        assert!(!r.matches(&Subject { incident: &hit, domains: &[Domain::Physical], exercise: false }));
    }

    #[test]
    fn a_route_takes_its_threat_in_either_spelling() {
        let british = route(serde_json::json!({ "threats": ["unauthorised_access"] }));
        let american = route(serde_json::json!({ "threats": ["Unauthorized_Access"] }));
        for spelling in ["unauthorized_access", "unauthorised_access"] {
            let incident = incident(Severity::High, Some(spelling), None, None);
            let subject = Subject { incident: &incident, domains: &[], exercise: false };
            assert!(british.matches(&subject) && american.matches(&subject), "{spelling}");
        }
        let other = incident(Severity::High, Some("forced_entry"), None, None);
        assert!(!british.matches(&Subject { incident: &other, domains: &[], exercise: false }));
    }

    #[test]
    fn exercise_incidents_go_to_exercise_routes_only() {
        let real = route(serde_json::json!({ "name": "real" }));
        let drill = route(serde_json::json!({ "name": "drill", "exercise": true }));
        let routes = [real, drill];
        let incident = incident(Severity::Critical, None, None, None);
        let names = |exercise| {
            matching(&routes, &Subject { incident: &incident, domains: &[], exercise })
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(true), ["drill"]);
        assert_eq!(names(false), ["real"]);
    }

    #[test]
    fn unknown_route_keys_are_refused() {
        let err =
            serde_json::from_value::<Route>(serde_json::json!({ "name": "r", "channel": "c", "severity": "high" }))
                .unwrap_err();
        assert!(err.to_string().contains("unknown field `severity`"), "{err}");
    }
}
