//! Running a [`RuleSet`] over a live stream: stateless detections through
//! the routed engines, then stateful correlation, producing alerts.

use std::collections::HashMap;
use std::sync::Arc;

use rsigma_eval::EvaluationResult;
use safecare_model::{Alert, Event};
use serde_json::Value;

use crate::alert::build;
use crate::correlate::{Correlator, Fired, SNAPSHOT_VERSION, Snapshot};
use crate::error::DetectError;
use crate::route::RouteParts;
use crate::ruleset::RuleSet;
use crate::view::FieldView;

/// Open correlation windows copied out of a [`Detector`]. Under a flood
/// tens of thousands of windows are open and serialising them takes far
/// longer than copying, so the copy is taken under the detector's lock and
/// serialised after it is released.
pub struct Windows(Option<Snapshot>);

impl Windows {
    /// The windows as [`Detector::restore`] takes them.
    pub fn to_value(&self) -> Value {
        self.0.as_ref().map_or(Value::Null, |s| serde_json::to_value(s).unwrap_or(Value::Null))
    }
}

/// Stateful detection over one event stream. Cheap to create; share the
/// [`RuleSet`] between detectors with an `Arc`.
pub struct Detector {
    rules: Arc<RuleSet>,
    correlation: Option<Correlator>,
    hits: HashMap<String, u64>,
}

/// The stateless half of processing one event: its detection alerts and
/// the matches that feed correlations.
pub(crate) struct Staged {
    alerts: Vec<Alert>,
    /// Ids of the matched rules that some correlation names.
    feed: Vec<String>,
}

impl RuleSet {
    pub(crate) fn stage(&self, event: &Event) -> Staged {
        let view = FieldView::new(event);
        let parts = RouteParts::of(event, &view);
        let results = self.evaluate(&view, &parts);
        let alerts = results.iter().filter_map(|r| self.detection_alert(r, event)).collect();
        let feed = if self.correlations.is_empty() {
            Vec::new()
        } else {
            results.into_iter().filter_map(|r| r.header.rule_id.filter(|id| self.correlated_ids.contains(id))).collect()
        };
        Staged { alerts, feed }
    }

    /// Stateless detection alerts for one event (correlations are not run).
    /// Takes `&self`, so many threads can hunt through one set at once.
    pub fn detect(&self, event: &Event) -> Vec<Alert> {
        let view = FieldView::new(event);
        let parts = RouteParts::of(event, &view);
        self.evaluate(&view, &parts).iter().filter_map(|r| self.detection_alert(r, event)).collect()
    }

    fn detection_alert(&self, result: &EvaluationResult, event: &Event) -> Option<Alert> {
        let id = result.header.rule_id.as_deref()?;
        if self.correlation_only.contains(id) {
            return None;
        }
        let meta = self.meta.get(id)?;
        Some(build(meta, event, vec![event.id], vec![event.domain], event.time))
    }
}

impl Detector {
    /// A detector running `rules`, with empty correlation windows.
    pub fn new(rules: Arc<RuleSet>) -> Self {
        let correlation = (!rules.correlations.is_empty()).then(|| {
            let identities: Vec<(&str, Option<&str>)> =
                rules.correlated.iter().map(|(id, name)| (id.as_str(), name.as_deref())).collect();
            Correlator::new(&rules.correlations, &identities)
        });
        Detector { rules, correlation, hits: HashMap::new() }
    }

    /// The rule set this detector runs.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// Detects and correlates one event; events should arrive in time order
    /// per correlation group (windows use the event's own time).
    pub fn process(&mut self, event: &Event) -> Vec<Alert> {
        let staged = self.rules.stage(event);
        self.absorb(event, staged)
    }

    /// The stateful half of [`Detector::process`]: correlates the event's
    /// staged detections and counts hits. Staging may run on other threads;
    /// absorbing must follow the stream's order.
    pub(crate) fn absorb(&mut self, event: &Event, staged: Staged) -> Vec<Alert> {
        let Staged { mut alerts, feed } = staged;
        if let Some(correlator) = self.correlation.as_mut()
            && !feed.is_empty()
        {
            let view = FieldView::new(event);
            let trigger = (event.time.as_second(), event.domain, event.id);
            let fired = correlator.absorb(&self.rules.correlations, &view, trigger, feed.iter().map(String::as_str));
            alerts.extend(fired.iter().filter_map(|f| correlation_alert(&self.rules, f, event)));
        }
        for alert in &alerts {
            if let Some(rule) = &alert.safecare.rule {
                *self.hits.entry(rule.clone()).or_default() += 1;
            }
        }
        alerts
    }

    /// Alerts raised so far, per rule id.
    pub fn hits(&self) -> &HashMap<String, u64> {
        &self.hits
    }

    /// The open correlation windows, as a serde value the store can keep.
    pub fn snapshot(&self) -> Value {
        self.windows().to_value()
    }

    /// A copy of the open correlation windows, to serialise later.
    pub fn windows(&self) -> Windows {
        Windows(self.correlation.as_ref().map(|c| c.snapshot(&self.rules.correlations)))
    }

    /// Restores windows saved by [`Detector::snapshot`]; windows of
    /// correlations no longer loaded are dropped.
    pub fn restore(&mut self, snapshot: Value) -> Result<(), DetectError> {
        let Some(correlator) = self.correlation.as_mut() else { return Ok(()) };
        if snapshot.is_null() {
            return Ok(());
        }
        // Checked first so that a snapshot of an older format (the library's
        // own, version 1) says so instead of failing to parse.
        if let Some(version) = snapshot.get("version").and_then(Value::as_u64)
            && version != u64::from(SNAPSHOT_VERSION)
        {
            return Err(DetectError::SnapshotVersion);
        }
        let state: Snapshot = serde_json::from_value(snapshot).map_err(DetectError::BadSnapshot)?;
        correlator.restore(&self.rules.correlations, state);
        Ok(())
    }
}

fn correlation_alert(rules: &RuleSet, fired: &Fired, trigger: &Event) -> Option<Alert> {
    let meta = rules.correlations.get(fired.correlation).and_then(|c| rules.meta.get(&c.key))?;
    let mut events = Vec::with_capacity(fired.events.len() + 1);
    let mut domains = Vec::new();
    let mut start = trigger.time;
    for &(ts, domain, id) in &fired.events {
        if !events.contains(&id) {
            events.push(id);
            domains.push(domain);
        }
        if let Ok(t) = safecare_model::Timestamp::from_second(ts) {
            start = start.min(t);
        }
    }
    if !events.contains(&trigger.id) {
        events.push(trigger.id);
        domains.push(trigger.domain);
    }
    domains.sort();
    domains.dedup();
    Some(build(meta, trigger, events, domains, start))
}

/// Runs `rules` over `events` in order with one [`Detector`] (correlations
/// included), yielding each alert as it is raised. This is what an offline
/// hunt uses on one core; [`crate::hunt_parallel`] gives the same alerts
/// using several.
pub fn hunt<I>(rules: Arc<RuleSet>, events: I) -> impl Iterator<Item = Alert>
where
    I: IntoIterator<Item = Event>,
{
    let mut detector = Detector::new(rules);
    events.into_iter().flat_map(move |event| detector.process(&event))
}
