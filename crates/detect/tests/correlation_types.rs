//! Each Sigma correlation type with group-by, timespan and aliases, through
//! `Detector`, including a window that straddles a restart: the first events
//! go to one detector, its snapshot is serialised and restored into a new
//! one, which completes the window; a detector without the snapshot does not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use safecare_detect::{Detector, RuleSet};
use safecare_model::{Domain, Event, Timestamp};
use serde_json::{Value, json};

const BASES: &str = "title: Badge denied
id: base-denied
name: base_denied
logsource: {product: safecare, category: access_control}
detection:
  sel: {action: denied}
  condition: sel
---
title: Badge granted
id: base-granted
name: base_granted
logsource: {product: safecare, category: access_control}
detection:
  sel: {action: granted}
  condition: sel
---
title: Admin logon
id: base-logon
name: base_logon
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4672}
  condition: sel
";

fn set(correlation: &str) -> Arc<RuleSet> {
    let rules = RuleSet::from_yaml(&format!("{BASES}---\n{correlation}"));
    assert_eq!(rules.refused(), [], "{correlation}");
    Arc::new(rules)
}

fn start() -> Timestamp {
    "2026-11-28T02:00:00Z".parse().expect("valid time")
}

fn badge(action: &str, holder: &str, door: &str, secs: i64) -> Event {
    let mut e = Event::new("pacs", Domain::Physical, start() + jiff::SignedDuration::from_secs(secs), "");
    e.logsource.product = Some("safecare".into());
    e.logsource.category = Some("access_control".into());
    e.fields = obj(json!({"action": action, "badge_holder": holder, "door": door}));
    e
}

fn admin_logon(user: &str, secs: i64) -> Event {
    let mut e = Event::new("wef", Domain::Cyber, start() + jiff::SignedDuration::from_secs(secs), "");
    e.logsource.product = Some("windows".into());
    e.logsource.service = Some("security".into());
    e.fields = obj(json!({"Channel": "Security", "EventID": 4672, "SubjectUserName": user}));
    e
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// How many alerts of `id` the events raise on one detector.
fn run(rules: &Arc<RuleSet>, events: &[Event], id: &str) -> usize {
    let mut d = Detector::new(rules.clone());
    events.iter().flat_map(|e| d.process(e)).filter(|a| a.safecare.rule.as_deref() == Some(id)).count()
}

/// The window opened by `before` is completed by `after` only across a
/// snapshot/restore, and the whole stream fires it on one detector.
fn straddles_restart(rules: &Arc<RuleSet>, before: &[Event], after: &[Event], id: &str) {
    let mut first = Detector::new(rules.clone());
    let early = before.iter().flat_map(|e| first.process(e)).filter(|a| a.safecare.rule.as_deref() == Some(id)).count();
    assert_eq!(early, 0, "{id} fired before the window was complete");
    let saved = serde_json::to_string(&first.snapshot()).expect("snapshot serialises");
    drop(first);
    let mut second = Detector::new(rules.clone());
    second.restore(serde_json::from_str(&saved).expect("snapshot parses")).expect("restores");
    let fired = after.iter().flat_map(|e| second.process(e)).filter(|a| a.safecare.rule.as_deref() == Some(id)).count();
    assert_eq!(fired, 1, "{id}: window lost across the restart");
    assert_eq!(run(rules, after, id), 0, "{id}: the later events alone must not fire");
    let whole: Vec<Event> = before.iter().chain(after).cloned().collect();
    assert_eq!(run(rules, &whole, id), 1, "{id}: one detector over the whole stream");
}

#[test]
fn event_count_groups_by_field_within_its_timespan() {
    let rules = set("title: Denied burst
id: corr-count
correlation:
  type: event_count
  rules: [base-denied]
  group-by: [door]
  timespan: 5m
  condition: {gte: 3}
");
    let id = "corr-count";
    let d = |s| badge("denied", "tok-1", "pharmacy-1", s);
    straddles_restart(&rules, &[d(0), d(30)], &[d(60)], id);
    let other_door = [d(0), d(30), badge("denied", "tok-1", "icu-2", 60)];
    assert_eq!(run(&rules, &other_door, id), 0, "group-by keeps doors apart");
    assert_eq!(run(&rules, &[d(0), d(30), d(400)], id), 0, "outside the timespan");
}

#[test]
fn value_count_counts_distinct_values_per_group() {
    let rules = set("title: Many holders at one door
id: corr-values
correlation:
  type: value_count
  rules: [base-denied]
  group-by: [door]
  timespan: 10m
  condition: {field: badge_holder, gte: 3}
");
    let id = "corr-values";
    let d = |who, s| badge("denied", who, "server-1", s);
    straddles_restart(&rules, &[d("tok-1", 0), d("tok-2", 60)], &[d("tok-3", 120)], id);
    assert_eq!(run(&rules, &[d("tok-1", 0), d("tok-1", 60), d("tok-1", 120)], id), 0, "one holder thrice is one value");
    assert_eq!(run(&rules, &[d("tok-1", 0), d("tok-2", 60), d("tok-3", 900)], id), 0, "outside the timespan");
}

/// `condition` is written out: without it rsigma-eval 0.23 fires a
/// `temporal` window on its first event (see docs/detection.md).
const TEMPORAL_ALIASES: &str = "  group-by: [person]
  timespan: 15m
  condition: {gte: 2}
  aliases:
    person:
      base_denied: badge_holder
      base_logon: SubjectUserName
";

#[test]
fn temporal_joins_physical_and_cyber_through_aliases() {
    let rules = set(&format!(
        "title: Denied badge and admin logon by one person
id: corr-temporal
correlation:
  type: temporal
  rules: [base_denied, base_logon]
{TEMPORAL_ALIASES}"
    ));
    let id = "corr-temporal";
    // Either order completes a temporal window.
    straddles_restart(&rules, &[admin_logon("tok-5", 0)], &[badge("denied", "tok-5", "d", 60)], id);
    straddles_restart(&rules, &[badge("denied", "tok-5", "d", 0)], &[admin_logon("tok-5", 60)], id);
    assert_eq!(run(&rules, &[badge("denied", "tok-5", "d", 0), admin_logon("tok-6", 60)], id), 0, "different people");
    assert_eq!(run(&rules, &[badge("denied", "tok-5", "d", 0), admin_logon("tok-5", 1800)], id), 0, "too far apart");
}

#[test]
fn temporal_ordered_needs_the_rules_in_order() {
    let rules = set(&format!(
        "title: Denied badge then admin logon by one person
id: corr-ordered
correlation:
  type: temporal_ordered
  rules: [base_denied, base_logon]
{TEMPORAL_ALIASES}"
    ));
    let id = "corr-ordered";
    straddles_restart(&rules, &[badge("denied", "tok-5", "d", 0)], &[admin_logon("tok-5", 60)], id);
    assert_eq!(run(&rules, &[admin_logon("tok-5", 0), badge("denied", "tok-5", "d", 60)], id), 0, "wrong order");
    assert_eq!(run(&rules, &[badge("denied", "tok-5", "d", 0), admin_logon("tok-7", 60)], id), 0, "different people");
}
