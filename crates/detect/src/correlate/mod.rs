//! SafeCare's own correlation state, replacing `rsigma-eval`'s
//! `CorrelationEngine` while keeping its semantics.
//!
//! Why it was replaced (measured, see docs/performance.md): the library
//! keeps every matching event of a window in a queue and recomputes the
//! condition from the whole queue on each event (`value_count` builds a set
//! of all values, `temporal_ordered` searches all hit combinations), clones
//! its group key several times per event and scans every window whenever
//! its state table is full. Over 200,000 failed logons the cost per event
//! grew with the window and end-to-end throughput fell to 4,600 events/s.
//! Here each group holds an aggregate updated in O(1) amortised time (see
//! [`window`]), group keys are looked up without allocating, and expired
//! groups are swept at most once per many events.
//!
//! Kept from the library: rules are compiled by
//! `rsigma_eval::correlation::compile_correlation` (conditions, group-by
//! aliases, window modes, `rsigma.suppress` / `rsigma.action` /
//! `rsigma.max_correlation_events`); sliding windows include an entry at
//! exactly `t - timespan`; a window fires on every event that satisfies its
//! condition (no suppression unless the rule asks); correlations of
//! correlations are fed at most ten levels deep.

mod window;

use std::collections::VecDeque;
use std::fmt::Write as _;

use rsigma_eval::event::{Event as SigmaEvent, EventValue};
use rsigma_eval::{CompiledCorrelation, CorrelationAction};
use rsigma_parser::{CorrelationType, WindowMode};
use rustc_hash::FxHashMap;
use safecare_model::{Domain, EXERCISE_FIELD, EventId};
use serde::{Deserialize, Serialize};

use window::{Aggregate, Refs};

/// Open groups across all correlations; past it, expired groups are swept
/// and then the stalest tenth dropped (the library's default limit).
pub(crate) const MAX_GROUPS: usize = 100_000;
/// Events remembered per group for the alert, unless the rule sets
/// `rsigma.max_correlation_events` (the library's default).
const DEFAULT_REFS: usize = 10;
/// Correlation-of-correlation levels followed for one event.
const MAX_CHAIN_DEPTH: usize = 10;
/// Snapshot format written by [`Correlator::snapshot`].
pub(crate) const SNAPSHOT_VERSION: u32 = 2;

/// A loaded correlation: the compiled rule and the key its alerts use.
pub(crate) struct Correlation {
    pub key: String,
    pub rule: CompiledCorrelation,
}

/// How matches of one rule (detection or correlation) feed one correlation.
struct Feed {
    correlation: usize,
    /// Positions in the correlation's `rules` this rule stands at.
    positions: Vec<usize>,
    /// Group-by field names to read from the event, aliases resolved.
    fields: Vec<String>,
}

/// A correlation that fired on an event.
pub(crate) struct Fired {
    pub correlation: usize,
    /// Events remembered by the window, oldest first (the trigger included
    /// when the correlation was fed by a detection).
    pub events: Vec<(i64, Domain, EventId)>,
    /// The window's encoded group key, for correlations of correlations.
    key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Group {
    /// First and latest event time since the window last opened.
    first: i64,
    last: i64,
    aggregate: Aggregate,
    events: VecDeque<(i64, Domain, EventId)>,
    last_alert: Option<i64>,
}

/// Correlation state of one stream.
pub(crate) struct Correlator {
    feeds: FxHashMap<String, Vec<Feed>>,
    /// Feeds of each correlation into the correlations that reference it.
    chains: Vec<Vec<Feed>>,
    /// Open groups of each correlation, by encoded group key.
    groups: Vec<FxHashMap<Box<str>, Group>>,
    open: usize,
    /// Groups are swept once this many more events have been absorbed.
    sweep_after: usize,
    key: String,
}

/// The detection rules a correlation set knows, by id, with their names.
pub(crate) type Identities<'a> = &'a [(&'a str, Option<&'a str>)];

impl Correlator {
    pub fn new(correlations: &[Correlation], detections: Identities<'_>) -> Self {
        let mut feeds: FxHashMap<String, Vec<Feed>> = FxHashMap::default();
        for &(id, name) in detections {
            let list: Vec<Feed> =
                correlations.iter().enumerate().filter_map(|(c, corr)| feed(c, &corr.rule, id, name)).collect();
            if !list.is_empty() {
                feeds.insert(id.to_owned(), list);
            }
        }
        let chains = correlations
            .iter()
            .map(|child| {
                let Some(id) = child.rule.id.as_deref().or(child.rule.name.as_deref()) else { return Vec::new() };
                let name = child.rule.name.as_deref();
                correlations.iter().enumerate().filter_map(|(c, corr)| feed(c, &corr.rule, id, name)).collect()
            })
            .collect();
        Correlator {
            feeds,
            chains,
            groups: correlations.iter().map(|_| FxHashMap::default()).collect(),
            open: 0,
            sweep_after: 1024,
            key: String::new(),
        }
    }

    /// Feeds one event's detection matches (rule ids, in rule order) into
    /// the windows, returning the correlations that fired: first those fed
    /// directly, in match order, then those fed by them.
    pub fn absorb<'r, E: SigmaEvent>(
        &mut self,
        correlations: &[Correlation],
        event: &E,
        trigger: (i64, Domain, EventId),
        matches: impl Iterator<Item = &'r str>,
    ) -> Vec<Fired> {
        let ts = trigger.0.clamp(0, i64::MAX / 2);
        self.maintain(correlations, ts);
        let mut fired = Vec::new();
        for rule in matches {
            let Some(feeds) = self.feeds.get(rule) else { continue };
            for feed in feeds {
                let Some(corr) = correlations.get(feed.correlation) else { continue };
                self.key.clear();
                for field in &feed.fields {
                    encode_part(&mut self.key, event.get_field(field).as_ref().and_then(key_text).as_deref());
                }
                // An exercise's events count in windows of their own, so a
                // drill can never complete a correlation with real events
                // (nor real ones with the drill's); real keys are unchanged.
                if let Some(run) = event.get_field(EXERCISE_FIELD).as_ref().and_then(key_text) {
                    encode_part(&mut self.key, Some(&run));
                }
                let sample = sample_of(&corr.rule, event);
                let trigger = Some((ts, trigger.1, trigger.2));
                if let Some(hit) = update(&mut self.groups, &mut self.open, corr, feed, &self.key, ts, sample, trigger)
                {
                    fired.push(hit);
                }
            }
        }
        self.chain(correlations, ts, &mut fired);
        fired
    }

    /// Feeds correlations that fired into the correlations referencing
    /// them, under the group-by values the two share by name.
    fn chain(&mut self, correlations: &[Correlation], ts: i64, fired: &mut Vec<Fired>) {
        let mut pending: Vec<(usize, String)> = fired.iter().map(|f| (f.correlation, f.key.clone())).collect();
        let mut depth = 0;
        while !pending.is_empty() && depth < MAX_CHAIN_DEPTH {
            depth += 1;
            let mut next = Vec::new();
            for (child, child_key) in pending {
                let (Some(feeds), Some(child_corr)) = (self.chains.get(child), correlations.get(child)) else {
                    continue;
                };
                let names: Vec<&str> = child_corr.rule.group_by.iter().map(|g| g.name()).collect();
                let values = decode_key(&child_key);
                for feed in feeds {
                    let Some(corr) = correlations.get(feed.correlation) else { continue };
                    let mut key = String::new();
                    for field in &corr.rule.group_by {
                        let at = names.iter().position(|n| *n == field.name());
                        encode_part(&mut key, at.and_then(|i| values.get(i)).and_then(|v| v.as_deref()));
                    }
                    // The exercise run, past the group-by values, carries over.
                    for run in values.iter().skip(names.len()) {
                        encode_part(&mut key, run.as_deref());
                    }
                    if let Some(hit) =
                        update(&mut self.groups, &mut self.open, corr, feed, &key, ts, Sample::None, None)
                    {
                        next.push((hit.correlation, hit.key.clone()));
                        fired.push(hit);
                    }
                }
            }
            pending = next;
        }
    }

    /// Sweeps expired groups once enough events have passed that the sweep
    /// costs O(1) per event, and enforces [`MAX_GROUPS`].
    fn maintain(&mut self, correlations: &[Correlation], now: i64) {
        if self.sweep_after > 0 && self.open < MAX_GROUPS {
            self.sweep_after -= 1;
            return;
        }
        for (c, groups) in self.groups.iter_mut().enumerate() {
            let Some(corr) = correlations.get(c) else {
                groups.clear();
                continue;
            };
            groups.retain(|_, g| !expired(&corr.rule, g, now));
        }
        self.open = self.groups.iter().map(FxHashMap::len).sum();
        if self.open >= MAX_GROUPS {
            let mut ages: Vec<i64> = self.groups.iter().flat_map(|g| g.values().map(|g| g.last)).collect();
            let drop = self.open - MAX_GROUPS * 9 / 10;
            let nth = drop.min(ages.len().saturating_sub(1));
            let (_, &mut oldest_kept, _) = ages.select_nth_unstable(nth);
            for groups in &mut self.groups {
                groups.retain(|_, g| g.last >= oldest_kept);
            }
            self.open = self.groups.iter().map(FxHashMap::len).sum();
        }
        self.sweep_after = self.open.max(1024);
    }

    /// A copy of the open windows under stable correlation keys, so a
    /// snapshot survives reloads that keep the correlation.
    pub fn snapshot(&self, correlations: &[Correlation]) -> Snapshot {
        let windows = correlations
            .iter()
            .zip(&self.groups)
            .flat_map(|(corr, groups)| {
                groups.iter().map(|(key, group)| Window {
                    correlation: corr.key.clone(),
                    key: key.to_string(),
                    group: group.clone(),
                })
            })
            .collect();
        Snapshot { version: SNAPSHOT_VERSION, windows }
    }

    /// Restores [`Correlator::snapshot`] output; windows of correlations
    /// no longer loaded, or whose type changed, are dropped.
    pub fn restore(&mut self, correlations: &[Correlation], snapshot: Snapshot) {
        let index: FxHashMap<&str, usize> = correlations.iter().enumerate().map(|(c, k)| (k.key.as_str(), c)).collect();
        for window in snapshot.windows {
            let Some(&c) = index.get(window.correlation.as_str()) else { continue };
            let Some(corr) = correlations.get(c) else { continue };
            if !window.group.aggregate.fits(corr.rule.correlation_type, corr.rule.rule_refs.len()) {
                continue;
            }
            if let Some(groups) = self.groups.get_mut(c)
                && groups.insert(window.key.into(), window.group).is_none()
            {
                self.open += 1;
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub version: u32,
    windows: Vec<Window>,
}

#[derive(Serialize, Deserialize)]
struct Window {
    correlation: String,
    key: String,
    group: Group,
}

/// How `rule` (a detection or correlation known by `id` and `name`) feeds
/// correlation `c`, if it is one of its rules. As in the library, the
/// first of id and name that the correlation names is the one counted.
fn feed(c: usize, corr: &CompiledCorrelation, id: &str, name: Option<&str>) -> Option<Feed> {
    let chosen = std::iter::once(id).chain(name).find(|r| corr.rule_refs.iter().any(|x| x == r))?;
    let positions = corr.rule_refs.iter().enumerate().filter(|(_, r)| *r == chosen).map(|(k, _)| k).collect();
    let identities: Vec<&str> = std::iter::once(id).chain(name).collect();
    let fields = corr.group_by.iter().map(|g| g.resolve(&identities).to_owned()).collect();
    Some(Feed { correlation: c, positions, fields })
}

/// What a `value_count` or numeric correlation takes from the event.
enum Sample {
    None,
    Missing,
    Text(String),
    Number(f64),
}

fn sample_of<E: SigmaEvent>(corr: &CompiledCorrelation, event: &E) -> Sample {
    let Some(fields) = corr.condition.field.as_deref() else { return Sample::None };
    match corr.correlation_type {
        CorrelationType::ValueCount => {
            let mut parts = Vec::with_capacity(fields.len());
            for field in fields {
                match event.get_field(field).as_ref().and_then(count_text) {
                    Some(text) => parts.push(text),
                    None => return Sample::Missing,
                }
            }
            Sample::Text(parts.join("\u{1f}"))
        }
        CorrelationType::ValueSum
        | CorrelationType::ValueAvg
        | CorrelationType::ValuePercentile
        | CorrelationType::ValueMedian => {
            match fields.first().and_then(|f| event.get_field(f)).and_then(|v| v.as_f64()) {
                Some(n) => Sample::Number(n),
                None => Sample::Missing,
            }
        }
        _ => Sample::None,
    }
}

/// Group-key text of a value, as the library renders it.
fn key_text(value: &EventValue<'_>) -> Option<String> {
    match value {
        EventValue::Str(s) => Some(s.to_string()),
        EventValue::Int(n) => Some(n.to_string()),
        EventValue::Float(f) => Some(f.to_string()),
        EventValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `value_count` text of a value: as a key, and `null` counts as a value.
fn count_text(value: &EventValue<'_>) -> Option<String> {
    match value {
        EventValue::Null => Some("null".to_owned()),
        other => key_text(other),
    }
}

/// Appends one group-by value to a key: `-` when absent, else its byte
/// length, `:` and the text, so distinct value lists never share a key.
fn encode_part(key: &mut String, value: Option<&str>) {
    match value {
        None => key.push('-'),
        Some(v) => {
            let _ = write!(key, "{}:{v}", v.len());
        }
    }
}

fn decode_key(mut key: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    while !key.is_empty() {
        if let Some(rest) = key.strip_prefix('-') {
            out.push(None);
            key = rest;
            continue;
        }
        let Some((len, rest)) = key.split_once(':') else { break };
        let Some(value) = len.parse::<usize>().ok().and_then(|n| rest.get(..n)) else { break };
        out.push(Some(value.to_owned()));
        key = rest.get(value.len()..).unwrap_or_default();
    }
    out
}

fn expired(corr: &CompiledCorrelation, group: &Group, now: i64) -> bool {
    let timespan = corr.timespan_secs as i64;
    match corr.window_mode {
        WindowMode::Sliding => group.aggregate.is_empty_since(now - timespan),
        WindowMode::Tumbling => now - group.last > timespan,
        WindowMode::Session => now - group.last > corr.gap_secs.map_or(timespan, |g| g as i64),
    }
}

/// Updates one group with one hit and checks its condition.
#[allow(clippy::too_many_arguments)]
fn update(
    groups: &mut [FxHashMap<Box<str>, Group>],
    open: &mut usize,
    corr: &Correlation,
    feed: &Feed,
    key: &str,
    ts: i64,
    sample: Sample,
    trigger: Option<(i64, Domain, EventId)>,
) -> Option<Fired> {
    let rule = &corr.rule;
    let kind = rule.correlation_type;
    let groups = groups.get_mut(feed.correlation)?;
    let group = match groups.get_mut(key) {
        Some(group) => group,
        None => {
            *open += 1;
            groups.entry(key.into()).or_insert_with(|| Group {
                first: ts,
                last: ts,
                aggregate: Aggregate::new(kind, rule.rule_refs.len()),
                events: VecDeque::new(),
                last_alert: None,
            })
        }
    };
    let timespan = rule.timespan_secs as i64;
    // The window's opening rules, as the library's `apply_window_open`.
    let cutoff = match rule.window_mode {
        WindowMode::Sliding => {
            group.aggregate.evict(ts - timespan);
            while group.events.front().is_some_and(|e| e.0 < ts - timespan) {
                group.events.pop_front();
            }
            ts - timespan
        }
        WindowMode::Tumbling => {
            if timespan > 0 && !group.aggregate.is_empty_since(i64::MIN) {
                let bucket = |t: i64| t - t.rem_euclid(timespan);
                if bucket(ts) > bucket(group.last) {
                    reset(group, ts);
                } else if bucket(ts) < bucket(group.last) {
                    return None;
                }
            }
            i64::MIN
        }
        WindowMode::Session => {
            let gap = rule.gap_secs.map_or(timespan, |g| g as i64);
            if !group.aggregate.is_empty_since(i64::MIN)
                && (ts - group.last > gap || (timespan > 0 && ts - group.first > timespan))
            {
                reset(group, ts);
            }
            i64::MIN
        }
    };
    if group.aggregate.is_empty_since(i64::MIN) {
        group.first = ts;
    }
    group.last = group.last.max(ts);
    match (&sample, kind) {
        (_, CorrelationType::EventCount) => group.aggregate.push_count(ts),
        (_, CorrelationType::Temporal | CorrelationType::TemporalOrdered) => {
            group.aggregate.push_hit(ts, &feed.positions)
        }
        (Sample::Text(text), _) => group.aggregate.push_value(ts, text),
        (Sample::Number(n), _) => group.aggregate.push_number(ts, *n),
        // A correlation feeding a value correlation is not a value.
        (Sample::None | Sample::Missing, _) => {}
    }
    if let Some(event) = trigger {
        group.events.push_back(event);
        if group.events.len() > rule.max_events.unwrap_or(DEFAULT_REFS) {
            group.events.pop_front();
        }
    }
    let refs = Refs { names: &rule.rule_refs, extended: rule.extended_expr.as_ref() };
    let value = group.aggregate.value(kind, cutoff, rule.condition.percentile, &refs)?;
    if !rule.condition.check(value) {
        return None;
    }
    if let (Some(suppress), Some(last)) = (rule.suppress_secs, group.last_alert)
        && ts - last < suppress as i64
    {
        return None;
    }
    group.last_alert = Some(ts);
    let fired =
        Fired { correlation: feed.correlation, events: group.events.iter().copied().collect(), key: key.to_owned() };
    if rule.action == Some(CorrelationAction::Reset) {
        group.aggregate.clear();
        group.events.clear();
    }
    Some(fired)
}

fn reset(group: &mut Group, ts: i64) {
    group.aggregate.clear();
    group.events.clear();
    group.first = ts;
    group.last = ts;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_keys_round_trip_and_never_collide() {
        let lists: [&[Option<&str>]; 4] =
            [&[Some("a:b"), None], &[Some("a"), Some("b")], &[None, Some("-")], &[Some(""), Some("1:x")]];
        let mut keys = Vec::new();
        for list in lists {
            let mut key = String::new();
            list.iter().for_each(|v| encode_part(&mut key, *v));
            let back = decode_key(&key);
            assert_eq!(back, list.iter().map(|v| v.map(str::to_owned)).collect::<Vec<_>>());
            keys.push(key);
        }
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 4);
    }
}

#[cfg(test)]
mod equivalence;
