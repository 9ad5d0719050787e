//! Hospital availability: what each clinical service can still offer while
//! incidents are open. The impact assessment of every open incident says
//! which services it reaches and how badly; this module turns that into a
//! status per service (operational, degraded, closed) with its cause, lets
//! a crisis manager override it for a while with a reason, and says which
//! changes the history keeps.
//!
//! The server keeps the history and the overrides (in the store) and
//! pushes EDXL-HAVE ([`crate::have`]) on each change; the decisions are here.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use safecare_impact::{ImpactType, Inventory, MAX_RECOVERY_HOURS, RuleSet, valid_recovery_hours};
use safecare_model::{AssetId, AssetKind, Capacity, IncidentId};
use serde::{Deserialize, Serialize};

use crate::record::IncidentRecord;

/// An incident whose impact reaches a service at this score or more (on
/// its availability, integrity or safety) is listed among the service's
/// causes, whatever status it leads to: the board shows what is coming.
pub const REACHED_AT: f64 = 0.1;
/// The default of `availability.degraded_at`: a service reached at this
/// score or more is degraded (a third of the incident's full strength).
pub const DEGRADED_AT: f64 = 0.3;
/// The default of `availability.closed_at`: a service reached at this score
/// or more is closed, the incident reaching it at (nearly) full strength.
pub const CLOSED_AT: f64 = 0.9;
/// The longest an override lasts: a status set by hand must be looked at
/// again within a week.
pub const MAX_OVERRIDE: SignedDuration = SignedDuration::from_hours(7 * 24);
/// The longest reason an override keeps.
pub const MAX_REASON_CHARS: usize = 500;

/// What a service can offer.
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
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Working as usual.
    #[strum(serialize = "operational")]
    Operational,
    /// Working with reduced capacity or safety margins.
    #[strum(serialize = "degraded")]
    Degraded,
    /// Not taking patients.
    #[strum(serialize = "closed")]
    Closed,
}

impl ServiceStatus {
    /// The name used in the API (`degraded`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The status an impact of `score` on a service leads to.
    pub fn from_score(score: f64, config: &AvailabilityConfig) -> Self {
        if score >= config.closed_at {
            ServiceStatus::Closed
        } else if score >= config.degraded_at {
            ServiceStatus::Degraded
        } else {
            ServiceStatus::Operational
        }
    }
}

/// An open incident whose impact reaches a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusCause {
    /// The incident.
    pub incident: IncidentId,
    /// Its title.
    pub title: String,
    /// The threat the service faces (the incident's, or what it became on the way).
    pub threat: String,
    /// What it does to the service.
    pub impact: ImpactType,
    /// In (0, 1]: 1 is the incident at full strength.
    pub score: f64,
    /// When the impact reaches (or reached) the service: the assessment's
    /// time plus the propagation delay along its path.
    pub expected_at: Timestamp,
    /// When the service is expected to have recovered from it:
    /// `expected_at` plus the recovery time of the threat it faces (the
    /// impact model's `recovery_hours`, or `[availability]
    /// recovery_hours`). None in history entries recorded before SafeCare
    /// kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
}

/// A crisis manager's status for a service, until it expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    /// The status set.
    pub status: ServiceStatus,
    /// Why.
    pub reason: String,
    /// Who set it.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// When the assessed status applies again.
    pub expires: Timestamp,
}

impl Override {
    /// Whether it still applies at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expires > now
    }
}

/// Why an override is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// No reason given.
    #[error("an override needs a reason")]
    NoReason,
    /// A reason longer than [`MAX_REASON_CHARS`].
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    /// An expiry not in the future, or beyond [`MAX_OVERRIDE`].
    #[error("the expiry must be in the future and at most 7 days away, not {0}")]
    BadExpiry(Timestamp),
    /// Not a service of the inventory.
    #[error("no service `{0}` in the inventory")]
    UnknownService(String),
}

impl OverrideError {
    /// A short name for metrics (`no_reason`).
    pub fn as_str(&self) -> &'static str {
        match self {
            OverrideError::NoReason => "no_reason",
            OverrideError::ReasonTooLong => "reason_too_long",
            OverrideError::BadExpiry(_) => "bad_expiry",
            OverrideError::UnknownService(_) => "unknown_service",
        }
    }
}

/// Checks a crisis manager's override of `service` and makes it.
pub fn make_override(
    inventory: &Inventory,
    service: &str,
    status: ServiceStatus,
    reason: &str,
    expires: Timestamp,
    by: &str,
    now: Timestamp,
) -> Result<Override, OverrideError> {
    if inventory.asset(service).is_none_or(|a| a.kind != AssetKind::Service) {
        return Err(OverrideError::UnknownService(service.to_owned()));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(OverrideError::NoReason);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(OverrideError::ReasonTooLong);
    }
    if expires <= now || expires.duration_since(now) > MAX_OVERRIDE {
        return Err(OverrideError::BadExpiry(expires));
    }
    Ok(Override { status, reason: reason.to_owned(), by: by.to_owned(), at: now, expires })
}

/// Beds of a service, summed over its wards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Beds {
    /// Staffed beds.
    pub total: u32,
    /// With a patient.
    pub occupied: u32,
    /// Ready for a patient.
    pub available: u32,
    /// Out of use.
    pub blocked: u32,
}

impl Beds {
    fn of(capacity: &Capacity) -> Self {
        capacity.wards.iter().fold(Beds::default(), |sum, w| Beds {
            total: sum.total.saturating_add(w.total),
            occupied: sum.occupied.saturating_add(w.occupied),
            available: sum.available.saturating_add(w.available),
            blocked: sum.blocked.saturating_add(w.blocked),
        })
    }
}

/// One service's availability now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceAvailability {
    /// The service's asset id.
    pub id: AssetId,
    /// Its name.
    pub name: String,
    /// What it offers now: the override's status while one applies, else
    /// the assessed one.
    pub status: ServiceStatus,
    /// What the open incidents' impact says.
    pub assessed: ServiceStatus,
    /// The open incidents that reach it at [`REACHED_AT`] (or the degraded
    /// threshold, if lower) or more, worst first.
    pub causes: Vec<StatusCause>,
    /// A crisis manager's override in force.
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<Override>,
    /// Since when it has had this status and cause (the history's entry);
    /// none when it has been so since records began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// When it is expected to be operational again: the override's expiry
    /// while one applies, else the recovery of the cause that sets its
    /// status; none while operational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_end: Option<Timestamp>,
    /// Its beds, summed over its wards.
    pub beds: Beds,
    /// Its wards and staffing, as the inventory gives them.
    pub capacity: Capacity,
}

impl ServiceAvailability {
    /// What a history entry compares: the status and the incident behind it.
    pub fn state(&self) -> (ServiceStatus, Option<IncidentId>, bool) {
        (self.status, self.causes.first().map(|c| c.incident), self.overridden.is_some())
    }
}

/// Whether an impact type takes capacity away: disclosure alone does not.
fn affects_capacity(impact: ImpactType) -> bool {
    !matches!(impact, ImpactType::Confidentiality)
}

/// Every service of the inventory with the status the open incidents'
/// impact assessments give it, and the overrides in force at `now`.
pub fn assess_services(
    inventory: &Inventory,
    open: &[IncidentRecord],
    overrides: &HashMap<AssetId, Override>,
    config: &AvailabilityConfig,
    now: Timestamp,
) -> Vec<ServiceAvailability> {
    let listed_from = REACHED_AT.min(config.degraded_at);
    let rules = RuleSet::bundled();
    let recovery =
        |threat: &str| config.recovery_hours.get(threat).copied().unwrap_or_else(|| rules.recovery_hours(threat));
    let mut causes: HashMap<&str, Vec<StatusCause>> = HashMap::new();
    for record in open.iter().filter(|r| r.incident.status.is_open()) {
        let Some(impact) = &record.impact else { continue };
        for reached in impact.report.services.iter().filter(|s| affects_capacity(s.impact)) {
            if reached.score < listed_from {
                continue;
            }
            let delay = SignedDuration::try_from_secs_f64(reached.minutes * 60.0).unwrap_or(SignedDuration::ZERO);
            let entry = causes.entry(reached.asset.as_ref()).or_default();
            // One cause per incident: its worst impact on the service.
            if let Some(known) = entry.iter_mut().find(|c| c.incident == record.id()) {
                if known.score >= reached.score {
                    continue;
                }
                *known = cause(record, reached, impact.assessed_at, delay, recovery(&reached.threat));
            } else {
                entry.push(cause(record, reached, impact.assessed_at, delay, recovery(&reached.threat)));
            }
        }
    }
    inventory
        .assets()
        .iter()
        .filter(|a| a.kind == AssetKind::Service)
        .map(|service| {
            let mut causes = causes.remove(service.id.as_str()).unwrap_or_default();
            causes.sort_by(|a, b| b.score.total_cmp(&a.score));
            let assessed =
                causes.first().map_or(ServiceStatus::Operational, |c| ServiceStatus::from_score(c.score, config));
            let overridden = overrides.get(service.id.as_str()).filter(|o| o.is_active(now)).cloned();
            let status = overridden.as_ref().map_or(assessed, |o| o.status);
            let expected_end = match (&overridden, causes.first()) {
                _ if status == ServiceStatus::Operational => None,
                (Some(o), _) => Some(o.expires),
                (None, Some(worst)) => worst.until,
                (None, None) => None,
            };
            let capacity = service.capacity.clone().unwrap_or_default();
            ServiceAvailability {
                id: service.id.clone(),
                name: service.name.clone(),
                status,
                assessed,
                causes,
                overridden,
                since: None,
                expected_end,
                beds: Beds::of(&capacity),
                capacity,
            }
        })
        .collect()
}

fn cause(
    record: &IncidentRecord,
    reached: &safecare_impact::ImpactedAsset,
    assessed_at: Timestamp,
    delay: SignedDuration,
    recovery_hours: f64,
) -> StatusCause {
    let expected_at = assessed_at.checked_add(delay).unwrap_or(assessed_at);
    let recovery = SignedDuration::try_from_secs_f64(recovery_hours * 3600.0).unwrap_or(SignedDuration::ZERO);
    StatusCause {
        incident: record.id(),
        title: record.incident.title.clone(),
        threat: reached.threat.to_string(),
        impact: reached.impact,
        score: reached.score,
        expected_at,
        until: Some(expected_at.checked_add(recovery).unwrap_or(expected_at)),
    }
}

/// What a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The service's status or its cause changed.
    #[strum(serialize = "status")]
    Status,
    /// A crisis manager set an override.
    #[strum(serialize = "override")]
    Override,
}

impl ChangeKind {
    /// The name the store and the API use.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One entry of a service's availability history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityChange {
    /// The service's asset id.
    pub service: AssetId,
    /// When.
    pub at: Timestamp,
    /// What is recorded.
    pub kind: ChangeKind,
    /// The status from then on.
    pub status: ServiceStatus,
    /// The assessed status then.
    pub assessed: ServiceStatus,
    /// The worst open incident behind it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<StatusCause>,
    /// The override set (for an override) or in force (for a status);
    /// none on an override entry means the override was ended.
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<Override>,
    /// Who ended the override before its expiry (an override entry without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
}

impl AvailabilityChange {
    /// The state this entry left the service in, as [`ServiceAvailability::state`] gives it.
    pub fn state(&self) -> (ServiceStatus, Option<IncidentId>, bool) {
        (self.status, self.cause.as_ref().map(|c| c.incident), self.overridden.is_some())
    }

    /// The status entry a service's current availability is recorded as.
    pub fn status_of(service: &ServiceAvailability, at: Timestamp) -> Self {
        AvailabilityChange {
            service: service.id.clone(),
            at,
            kind: ChangeKind::Status,
            status: service.status,
            assessed: service.assessed,
            cause: service.causes.first().cloned(),
            overridden: service.overridden.clone(),
            ended_by: None,
        }
    }
}

/// The status entries the history lacks: a service whose status, cause or
/// override differs from its last recorded status entry (`last`; a service
/// never recorded counts as operational with no cause). Fills each
/// service's `since` from its last entry or the new one.
pub fn record_changes(
    services: &mut [ServiceAvailability],
    last: &HashMap<AssetId, AvailabilityChange>,
    now: Timestamp,
) -> Vec<AvailabilityChange> {
    let mut changes = Vec::new();
    for service in services.iter_mut() {
        let before = last.get(service.id.as_str());
        let unchanged = match before {
            Some(entry) => entry.state() == service.state(),
            None => service.state() == (ServiceStatus::Operational, None, false),
        };
        if unchanged {
            service.since = before.map(|e| e.at);
        } else {
            service.since = Some(now);
            changes.push(AvailabilityChange::status_of(service, now));
        }
    }
    changes
}

/// The `[availability]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AvailabilityConfig {
    /// Notification channels (of `[notify.channels]`) the EDXL-HAVE
    /// document is sent on at each change; none sends nothing.
    pub channels: Vec<String>,
    /// The impact score from which a service is degraded.
    pub degraded_at: f64,
    /// The impact score from which a service is closed.
    pub closed_at: f64,
    /// Recovery times in hours by the impact model's threat, over the
    /// impact model's own (`recovery_hours` in `content/impact/rules.yaml`).
    pub recovery_hours: BTreeMap<String, f64>,
}

impl Default for AvailabilityConfig {
    fn default() -> Self {
        AvailabilityConfig {
            channels: Vec::new(),
            degraded_at: DEGRADED_AT,
            closed_at: CLOSED_AT,
            recovery_hours: BTreeMap::new(),
        }
    }
}

/// A bad `[availability]` setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AvailabilityConfigError {
    /// The thresholds are not `0 < degraded_at <= closed_at <= 1`.
    #[error("availability thresholds must satisfy 0 < degraded_at ({degraded_at}) <= closed_at ({closed_at}) <= 1")]
    Thresholds {
        /// The degraded threshold given.
        degraded_at: f64,
        /// The closed threshold given.
        closed_at: f64,
    },
    /// A recovery time that is not a positive number of hours up to a year.
    #[error("availability.recovery_hours.{threat} = {hours} must be more than 0 and at most {MAX_RECOVERY_HOURS}")]
    Recovery {
        /// The threat it is given for.
        threat: String,
        /// The hours given.
        hours: f64,
    },
}

impl AvailabilityConfig {
    /// Checks the thresholds and recovery times.
    pub fn check(&self) -> Result<(), AvailabilityConfigError> {
        let (degraded_at, closed_at) = (self.degraded_at, self.closed_at);
        if !(degraded_at > 0.0 && degraded_at <= closed_at && closed_at <= 1.0) {
            return Err(AvailabilityConfigError::Thresholds { degraded_at, closed_at });
        }
        match self.recovery_hours.iter().find(|(_, hours)| !valid_recovery_hours(**hours)) {
            Some((threat, hours)) => Err(AvailabilityConfigError::Recovery { threat: threat.clone(), hours: *hours }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use safecare_impact::{Assessor, Gamma, RuleSet};
    use safecare_model::{Incident, Severity};

    use super::*;
    use crate::impact::IncidentImpact;

    fn demo() -> Inventory {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/sites/demo-hospital");
        Inventory::load(&dir).unwrap()
    }

    fn incident(inventory: &Inventory, threat: &str, seed: &str, at: Timestamp) -> IncidentRecord {
        let mut incident = Incident::new(format!("{threat} at {seed}"), Severity::High);
        incident.threat = Some(threat.into());
        incident.assets = vec![seed.into()];
        let mut record = IncidentRecord::new(incident, "system", at);
        let assessor = Assessor::new(inventory.clone(), RuleSet::bundled(), Gamma::default());
        let report = assessor.assess(threat, &[seed]).unwrap();
        record.impact = Some(IncidentImpact::new(at, report, vec![]));
        record
    }

    fn service<'a>(all: &'a [ServiceAvailability], id: &str) -> &'a ServiceAvailability {
        all.iter().find(|s| s.id == id).unwrap()
    }

    #[test]
    fn scores_map_to_statuses() {
        let config = AvailabilityConfig::default();
        assert_eq!(ServiceStatus::from_score(0.29, &config), ServiceStatus::Operational);
        assert_eq!(ServiceStatus::from_score(DEGRADED_AT, &config), ServiceStatus::Degraded);
        assert_eq!(ServiceStatus::from_score(0.89, &config), ServiceStatus::Degraded);
        assert_eq!(ServiceStatus::from_score(CLOSED_AT, &config), ServiceStatus::Closed);
        let strict = AvailabilityConfig { degraded_at: 0.1, closed_at: 0.5, ..AvailabilityConfig::default() };
        assert_eq!(ServiceStatus::from_score(0.29, &strict), ServiceStatus::Degraded);
        assert_eq!(ServiceStatus::from_score(0.5, &strict), ServiceStatus::Closed);
        assert!(config.check().is_ok() && strict.check().is_ok());
        for (degraded_at, closed_at) in [(0.0, 0.5), (0.6, 0.5), (0.3, 1.2)] {
            let bad = AvailabilityConfig { degraded_at, closed_at, ..AvailabilityConfig::default() };
            assert!(bad.check().is_err(), "{degraded_at} {closed_at}");
        }
        for hours in [0.0, -1.0, 9000.0, f64::NAN] {
            let bad = AvailabilityConfig {
                recovery_hours: BTreeMap::from([("fire".to_owned(), hours)]),
                ..AvailabilityConfig::default()
            };
            assert!(
                matches!(bad.check(), Err(AvailabilityConfigError::Recovery { ref threat, .. }) if threat == "fire"),
                "{hours}"
            );
        }
    }

    #[test]
    fn a_degraded_service_is_expected_back_after_its_threats_recovery_time_or_the_overrides_expiry() {
        let inventory = demo();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let record = incident(&inventory, "tampering", "ahu-ot", now);
        let all = assess_services(
            &inventory,
            std::slice::from_ref(&record),
            &HashMap::new(),
            &AvailabilityConfig::default(),
            now,
        );
        let theatres = service(&all, "svc-theatres");
        assert_ne!(theatres.status, ServiceStatus::Operational);
        let worst = &theatres.causes[0];
        let hours = RuleSet::bundled().recovery_hours(&worst.threat);
        let expected = worst.expected_at + SignedDuration::try_from_secs_f64(hours * 3600.0).unwrap();
        assert_eq!((worst.until, theatres.expected_end), (Some(expected), Some(expected)), "{worst:?}");
        let icu = service(&all, "svc-icu");
        assert_eq!((icu.status, icu.expected_end), (ServiceStatus::Operational, None));

        // The hospital's own recovery time for that threat wins over the model's.
        let config = AvailabilityConfig {
            recovery_hours: BTreeMap::from([(worst.threat.clone(), 1.5)]),
            ..AvailabilityConfig::default()
        };
        let own = assess_services(&inventory, std::slice::from_ref(&record), &HashMap::new(), &config, now);
        let end = worst.expected_at + SignedDuration::from_mins(90);
        assert_eq!(service(&own, "svc-theatres").expected_end, Some(end));

        // An override says it with its expiry.
        let expires = now + SignedDuration::from_hours(3);
        let set =
            make_override(&inventory, "svc-theatres", ServiceStatus::Closed, "smoke", expires, "cm", now).unwrap();
        let overrides = HashMap::from([(AssetId::from("svc-theatres"), set)]);
        let all = assess_services(&inventory, std::slice::from_ref(&record), &overrides, &config, now);
        assert_eq!(service(&all, "svc-theatres").expected_end, Some(expires));
    }

    #[test]
    fn a_tampered_theatre_air_handler_degrades_the_theatres_with_its_incident_as_cause() {
        let inventory = demo();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let record = incident(&inventory, "tampering", "ahu-ot", now);
        let all = assess_services(
            &inventory,
            std::slice::from_ref(&record),
            &HashMap::new(),
            &AvailabilityConfig::default(),
            now,
        );
        let theatres = service(&all, "svc-theatres");
        assert_ne!(theatres.status, ServiceStatus::Operational);
        assert_eq!(theatres.causes[0].incident, record.id());
        assert!(theatres.causes[0].expected_at >= now);
        assert_eq!(theatres.beds, Beds { total: 14, occupied: 7, available: 7, blocked: 0 });
        assert_eq!(service(&all, "svc-icu").status, ServiceStatus::Operational, "the ICU has its own air handler");
        assert!(all.iter().all(|s| inventory.asset(&s.id).unwrap().kind == AssetKind::Service));

        // Resolved, it no longer counts.
        let mut resolved = record.clone();
        resolved.incident.status = safecare_model::IncidentStatus::Resolved;
        let all = assess_services(&inventory, &[resolved], &HashMap::new(), &AvailabilityConfig::default(), now);
        assert_eq!(service(&all, "svc-theatres").status, ServiceStatus::Operational);
    }

    #[test]
    fn an_override_wins_until_it_expires_and_the_history_records_each_change() {
        let inventory = demo();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let later = now + SignedDuration::from_hours(2);
        let record = incident(&inventory, "tampering", "ahu-ot", now);
        let set = make_override(&inventory, "svc-theatres", ServiceStatus::Closed, " smoke in OT 2 ", later, "cm", now)
            .unwrap();
        assert_eq!(set.reason, "smoke in OT 2");
        let overrides = HashMap::from([(AssetId::from("svc-theatres"), set.clone())]);

        let mut all =
            assess_services(&inventory, std::slice::from_ref(&record), &overrides, &AvailabilityConfig::default(), now);
        let theatres = service(&all, "svc-theatres");
        assert_eq!((theatres.status, theatres.overridden.as_ref()), (ServiceStatus::Closed, Some(&set)));
        assert_ne!(theatres.assessed, ServiceStatus::Closed);
        let changes = record_changes(&mut all, &HashMap::new(), now);
        assert!(changes.iter().any(|c| c.service == "svc-theatres" && c.status == ServiceStatus::Closed));
        assert!(changes.iter().all(|c| c.status != ServiceStatus::Operational || c.cause.is_some()));
        let last: HashMap<AssetId, AvailabilityChange> = changes.into_iter().map(|c| (c.service.clone(), c)).collect();
        let mut again =
            assess_services(&inventory, std::slice::from_ref(&record), &overrides, &AvailabilityConfig::default(), now);
        assert!(record_changes(&mut again, &last, now).is_empty(), "nothing changed, nothing recorded");
        assert_eq!(service(&again, "svc-theatres").since, Some(now));

        // Expired, the assessed status is back, and recorded.
        let mut expired = assess_services(
            &inventory,
            std::slice::from_ref(&record),
            &overrides,
            &AvailabilityConfig::default(),
            later,
        );
        let theatres = service(&expired, "svc-theatres");
        assert!(theatres.overridden.is_none());
        assert_eq!(theatres.status, theatres.assessed);
        let back = record_changes(&mut expired, &last, later);
        assert_eq!(back.len(), 1, "{back:?}");
        assert_eq!(back[0].service, "svc-theatres");
    }

    #[test]
    fn overrides_need_a_service_a_reason_and_a_near_expiry() {
        let inventory = demo();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let hour = now + SignedDuration::from_hours(1);
        let make = |id: &str, reason: &str, expires| {
            make_override(&inventory, id, ServiceStatus::Degraded, reason, expires, "cm", now)
        };
        assert!(make("svc-icu", "staff sick", hour).is_ok());
        assert_eq!(make("svc-icu", "  ", hour), Err(OverrideError::NoReason));
        assert_eq!(make("svc-icu", &"x".repeat(501), hour), Err(OverrideError::ReasonTooLong));
        assert_eq!(make("svc-icu", "r", now), Err(OverrideError::BadExpiry(now)));
        let far = now + SignedDuration::from_hours(24 * 8);
        assert_eq!(make("svc-icu", "r", far), Err(OverrideError::BadExpiry(far)));
        assert_eq!(make("ahu-ot", "r", hour), Err(OverrideError::UnknownService("ahu-ot".into())));
    }
}
