//! Grouping: does an incoming alert join an open incident or open a new one?
//!
//! An alert is described by keys: the events it was made from (a correlation
//! alert shares events with the alerts it correlates), its rule family (its
//! threat type, else its rule), the assets and hosts it concerns, its place
//! (at a configurable level: room, zone or floor) and the pseudonymised
//! person tokens it names. Each open incident remembers when it last saw
//! each key. An alert joins the incident sharing the most keys seen within
//! the time window; with none, it opens a new incident.
//!
//! An incident's impact assessment adds keys too: the assets its impact
//! reaches with a high enough score ([`Grouper::expect_impact`]), so that
//! a consequence seen later (the theatre warming after its air handler was
//! tampered with) joins its cause.
//!
//! Keys accumulate, which is what turns a multi-step attack into one
//! incident: a phishing click and an admin login share a person, the login
//! brings in the server room, the after-hours badge shares the room, the USB
//! alert shares the room and brings in the file server, the ransomware alert
//! shares the file server.

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use safecare_model::{Alert, EventId, IncidentId, Location, Threat};
use serde::{Deserialize, Serialize};

/// The place granularity at which alerts are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationLevel {
    /// The same room.
    Room,
    /// The same zone (a ward, a wing) within a floor.
    Zone,
    /// The same floor of a building.
    Floor,
}

/// Which keys group alerts, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupingRules {
    /// How far apart (either way) an alert and an incident's last sight of
    /// a shared key may be.
    pub window_minutes: i64,
    /// Alerts sharing a triggering event (correlation alerts).
    pub by_correlation: bool,
    /// Alerts of the same threat type (or, without one, the same rule).
    pub by_rule_family: bool,
    /// Alerts on the same asset or host name.
    pub by_asset: bool,
    /// Alerts in the same place at this level; `None` turns it off.
    pub by_location: Option<LocationLevel>,
    /// Alerts naming the same person token.
    pub by_person: bool,
    /// Alerts on an asset an incident's impact reaches with at least this
    /// score (in (0, 1]); `None` turns it off.
    pub by_impact: Option<f64>,
}

impl Default for GroupingRules {
    /// Everything on, rooms, and a window of one shift (8 h): attack steps
    /// such as a phishing click in the afternoon and a badge in the evening
    /// are hours apart.
    fn default() -> Self {
        GroupingRules {
            window_minutes: 8 * 60,
            by_correlation: true,
            by_rule_family: true,
            by_asset: true,
            by_location: Some(LocationLevel::Room),
            by_person: true,
            // A third of full strength: likely consequences, not every
            // asset a long lateral-movement path brushes.
            by_impact: Some(0.3),
        }
    }
}

/// Why an alert joined an incident: the keys they share.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum MatchReason {
    /// Both stem from this event (a correlation alert and the alerts it correlates).
    Correlation(EventId),
    /// The same threat type, or without one the same rule.
    RuleFamily(String),
    /// The same asset id or host name.
    Asset(String),
    /// The same place at the configured level.
    Location(String),
    /// The same pseudonymised person token.
    Person(String),
    /// On an asset the incident's impact reaches.
    Impact(String),
}

impl MatchReason {
    /// A short human form for the timeline.
    pub fn describe(&self) -> String {
        match self {
            MatchReason::Correlation(event) => format!("shared event {event}"),
            MatchReason::RuleFamily(family) => format!("same family {family}"),
            MatchReason::Asset(asset) => format!("same asset {asset}"),
            MatchReason::Location(place) => format!("same place {place}"),
            MatchReason::Person(token) => format!("same person {token}"),
            MatchReason::Impact(asset) => format!("{asset} is in the incident's impact"),
        }
    }
}

/// The grouper's verdict on one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupDecision {
    /// Open a new incident with this id.
    Open {
        /// The id for the new incident.
        incident: IncidentId,
    },
    /// Add the alert to this incident. `also_matches` lists other open
    /// incidents the alert would have joined too: candidates for a merge.
    Join {
        /// The incident it joins.
        incident: IncidentId,
        /// The keys the alert shares with it.
        reasons: Vec<MatchReason>,
        /// Other open incidents the alert would have joined too.
        also_matches: Vec<IncidentId>,
    },
}

#[derive(Debug, Default)]
struct OpenGroup {
    last_seen: HashMap<MatchReason, Timestamp>,
    /// The exercise run its alerts come from; real and exercise alerts, and
    /// alerts of different runs, never share an incident.
    exercise: Option<String>,
}

/// Routes alerts to incidents. It keeps, per open incident, when each key
/// was last seen; the server must tell it when an incident stops being open
/// ([`Grouper::forget`]), is merged ([`Grouper::merged`]) or, after a
/// restart, what each open incident contains ([`Grouper::observe`]).
#[derive(Debug, Default)]
pub struct Grouper {
    rules: GroupingRules,
    groups: HashMap<IncidentId, OpenGroup>,
    index: HashMap<MatchReason, HashSet<IncidentId>>,
}

/// When an alert happened: when its activity started if known.
fn alert_time(alert: &Alert) -> Timestamp {
    alert.start_time.unwrap_or(alert.create_time)
}

/// The place key of a location at a level, or `None` when the location is
/// not that precise (a site-wide alert must not group a whole site).
fn place_key(location: &Location, level: LocationLevel) -> Option<String> {
    let (site, building, floor) = (location.site.as_ref()?, location.building.as_ref()?, location.floor.as_ref()?);
    let floor_path = format!("{site}/{building}/{floor}");
    match level {
        LocationLevel::Floor => Some(floor_path),
        LocationLevel::Zone => location.zone.as_ref().map(|zone| format!("{floor_path}/{zone}")),
        LocationLevel::Room => location.room.as_ref().map(|_| location.path()),
    }
}

impl Grouper {
    /// A grouper with no incidents yet, grouping by `rules`.
    pub fn new(rules: GroupingRules) -> Self {
        Grouper { rules, groups: HashMap::new(), index: HashMap::new() }
    }

    /// The rules it groups by.
    pub fn rules(&self) -> &GroupingRules {
        &self.rules
    }

    /// How many incidents the grouper currently tracks.
    pub fn open_incidents(&self) -> usize {
        self.groups.len()
    }

    /// The grouping keys of an alert under the current rules.
    pub fn keys(&self, alert: &Alert) -> Vec<MatchReason> {
        let rules = &self.rules;
        let ext = &alert.safecare;
        let nodes = || alert.source.iter().chain(&alert.target);
        let mut keys = Vec::new();
        if rules.by_correlation {
            keys.extend(ext.events.iter().copied().map(MatchReason::Correlation));
        }
        if rules.by_rule_family {
            // Two spellings of one threat are one family.
            let family = ext.threat.as_deref().map(Threat::canonical).or_else(|| ext.rule.clone());
            keys.extend(family.map(MatchReason::RuleFamily));
        }
        if rules.by_asset {
            let hosts = nodes().filter_map(|n| n.hostname.as_deref());
            let assets = ext.asset.as_deref().into_iter().chain(hosts);
            keys.extend(assets.map(|a| MatchReason::Asset(a.to_ascii_lowercase())));
        }
        if let Some(level) = rules.by_location {
            // The resolved location first; IDMEFv2 node locations are paths.
            let node_places = nodes().filter_map(|n| n.location.as_deref()).map(Location::from_path);
            let places = std::iter::once(ext.location.clone()).chain(node_places);
            keys.extend(places.filter_map(|l| place_key(&l, level)).map(MatchReason::Location));
        }
        if rules.by_person {
            keys.extend(nodes().filter_map(|n| n.user.clone()).map(MatchReason::Person));
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// Decides where `alert` goes and remembers it there.
    pub fn route(&mut self, alert: &Alert) -> GroupDecision {
        let keys = self.keys(alert);
        let at = alert_time(alert);
        let window = SignedDuration::from_mins(self.rules.window_minutes);
        // An alert's asset looks for the impacts that reach it; those keys
        // are only ever set by an assessment, never by the alert itself.
        let impact_keys: Vec<MatchReason> = match self.rules.by_impact {
            Some(_) => alert.safecare.asset.iter().map(|a| MatchReason::Impact(a.to_ascii_lowercase())).collect(),
            None => Vec::new(),
        };
        let run = alert.safecare.exercise.as_deref();
        let mut shared: HashMap<IncidentId, Vec<MatchReason>> = HashMap::new();
        for key in keys.iter().chain(&impact_keys) {
            for incident in self.index.get(key).into_iter().flatten() {
                let group = self.groups.get(incident).filter(|g| g.exercise.as_deref() == run);
                let recent = group.and_then(|g| g.last_seen.get(key)).is_some_and(|&seen| {
                    let gap = if at >= seen { at.duration_since(seen) } else { seen.duration_since(at) };
                    gap <= window
                });
                if recent {
                    shared.entry(*incident).or_default().push(key.clone());
                }
            }
        }
        // Most shared keys wins; among equals, the oldest incident (ids are
        // time-ordered), so that a stream keeps feeding the same one.
        let mut ranked: Vec<(IncidentId, Vec<MatchReason>)> = shared.into_iter().collect();
        ranked.sort_by(|(a_id, a), (b_id, b)| b.len().cmp(&a.len()).then(a_id.cmp(b_id)));
        let mut ranked = ranked.into_iter();
        let decision = match ranked.next() {
            Some((incident, reasons)) => {
                GroupDecision::Join { incident, reasons, also_matches: ranked.map(|(id, _)| id).collect() }
            }
            None => GroupDecision::Open { incident: IncidentId::new() },
        };
        let target = match &decision {
            GroupDecision::Open { incident } | GroupDecision::Join { incident, .. } => *incident,
        };
        self.remember(target, keys, at);
        if let Some(group) = self.groups.get_mut(&target) {
            group.exercise = run.map(str::to_owned);
        }
        decision
    }

    /// Records which assets the incident's impact reaches, with their
    /// scores, as of `at` (the time of the alert that led to the
    /// assessment): a later alert on one of those reached strongly enough
    /// joins the incident.
    pub fn expect_impact<'a>(
        &mut self,
        incident: IncidentId,
        reached: impl IntoIterator<Item = (&'a str, f64)>,
        at: Timestamp,
    ) {
        let Some(min) = self.rules.by_impact else { return };
        let keys: Vec<MatchReason> = reached
            .into_iter()
            .filter(|&(_, score)| score >= min)
            .map(|(asset, _)| MatchReason::Impact(asset.to_ascii_lowercase()))
            .collect();
        self.remember(incident, keys, at);
    }

    /// Records that `alert` belongs to `incident` without deciding anything
    /// (rebuilding state after a restart, or after a split).
    pub fn observe(&mut self, incident: IncidentId, alert: &Alert) {
        let keys = self.keys(alert);
        self.remember(incident, keys, alert_time(alert));
        if let Some(group) = self.groups.get_mut(&incident) {
            group.exercise = alert.safecare.exercise.clone();
        }
    }

    fn remember(&mut self, incident: IncidentId, keys: Vec<MatchReason>, at: Timestamp) {
        let group = self.groups.entry(incident).or_default();
        for key in keys {
            let seen = group.last_seen.entry(key.clone()).or_insert(at);
            *seen = (*seen).max(at);
            self.index.entry(key).or_default().insert(incident);
        }
    }

    /// Stops grouping into `incident` (resolved, closed, or split apart and
    /// about to be re-observed).
    pub fn forget(&mut self, incident: IncidentId) {
        let Some(group) = self.groups.remove(&incident) else { return };
        for key in group.last_seen.into_keys() {
            if let Some(ids) = self.index.get_mut(&key) {
                ids.remove(&incident);
                if ids.is_empty() {
                    self.index.remove(&key);
                }
            }
        }
    }

    /// `from` was merged into `into`: its keys now lead to `into`.
    pub fn merged(&mut self, from: IncidentId, into: IncidentId) {
        let Some(group) = self.groups.get(&from) else { return };
        let seen: Vec<(MatchReason, Timestamp)> = group.last_seen.iter().map(|(k, t)| (k.clone(), *t)).collect();
        self.forget(from);
        for (key, at) in seen {
            self.remember(into, vec![key], at);
        }
    }

    /// Drops incidents none of whose keys was seen within the window of
    /// `now`: no alert at `now` or later could join them, so keeping them
    /// would only grow memory.
    pub fn expire(&mut self, now: Timestamp) {
        let horizon = now.checked_sub(SignedDuration::from_mins(self.rules.window_minutes)).unwrap_or(Timestamp::MIN);
        let stale: Vec<IncidentId> = self
            .groups
            .iter()
            .filter(|(_, g)| g.last_seen.values().all(|&seen| seen < horizon))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            self.forget(id);
        }
    }
}
