//! The correlator fires exactly when `rsigma-eval`'s `CorrelationEngine`
//! does, with the same remembered events, on a long pseudo-random stream
//! covering every correlation type, group-by, aliases, tumbling and session
//! windows, a correlation of a correlation, and windows that expire, fill
//! and refill.

use rsigma_eval::{CorrelationConfig, CorrelationEngine, CorrelationEventMode};
use rsigma_parser::parse_sigma_yaml;
use safecare_model::{Domain, Event, Timestamp};
use serde_json::json;

use crate::route::RouteParts;
use crate::ruleset::RuleSet;
use crate::view::FieldView;

use super::Correlator;

const RULES: &str = "title: Denied
id: denied
name: denied_n
logsource: {product: safecare, category: access_control}
detection: {sel: {action: denied}, condition: sel}
---
title: Granted
id: granted
logsource: {product: safecare, category: access_control}
detection: {sel: {action: granted}, condition: sel}
---
title: Logon
id: logon
name: logon_n
logsource: {product: safecare, category: access_control}
detection: {sel: {action: logon}, condition: sel}
---
title: Count
id: c-count
correlation: {type: event_count, rules: [denied], group-by: [door], timespan: 2m, condition: {gte: 3}}
---
title: Values
id: c-values
correlation: {type: value_count, rules: [denied, granted], group-by: [door], timespan: 5m, condition: {field: holder, gte: 3}}
---
title: Temporal
id: c-temporal
correlation:
  type: temporal
  rules: [denied_n, logon_n]
  group-by: [person]
  timespan: 3m
  condition: {gte: 2}
  aliases: {person: {denied_n: holder, logon_n: user}}
---
title: Ordered
id: c-ordered
correlation:
  type: temporal_ordered
  rules: [granted, denied, logon]
  group-by: [person]
  timespan: 4m
  condition: {gte: 3}
  aliases: {person: {granted: holder, denied: holder, logon: user}}
---
title: Few
id: c-few
correlation: {type: event_count, rules: [granted], timespan: 1m, condition: {lt: 2}}
---
title: Tumbling
id: c-tumbling
correlation: {type: event_count, rules: [logon], group-by: [user], timespan: 2m, window: tumbling, condition: {gte: 2}}
---
title: Session
id: c-session
correlation: {type: value_count, rules: [denied], group-by: [door], timespan: 10m, window: session, gap: 1m, condition: {field: holder, gte: 2}}
---
title: Chained
id: c-chained
correlation: {type: event_count, rules: [c-count], group-by: [door], timespan: 5m, condition: {gte: 2}}
";

/// A small linear congruential generator: the same stream on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn stream() -> Vec<Event> {
    let mut rng = Lcg(7);
    let mut t = 1_700_000_000;
    (0..4000)
        .map(|_| {
            t += rng.next(25) as i64;
            let mut e = Event::new("t", Domain::Physical, Timestamp::from_second(t).expect("time"), "");
            e.logsource.product = Some("safecare".into());
            e.logsource.category = Some("access_control".into());
            let who = format!("p{}", rng.next(4));
            let action = ["denied", "granted", "logon", "denied"][rng.next(4) as usize];
            let mut fields = json!({"action": action, "door": format!("d{}", rng.next(3))});
            let key = if action == "logon" { "user" } else { "holder" };
            fields[key] = json!(who);
            e.fields = fields.as_object().cloned().unwrap_or_default();
            e
        })
        .collect()
}

#[test]
fn fires_like_the_library_engine() {
    let rules = RuleSet::from_yaml(RULES);
    assert_eq!(rules.refused(), []);
    let identities: Vec<(&str, Option<&str>)> =
        rules.correlated.iter().map(|(id, name)| (id.as_str(), name.as_deref())).collect();
    let mut ours = Correlator::new(&rules.correlations, &identities);
    let config = CorrelationConfig { correlation_event_mode: CorrelationEventMode::Refs, ..Default::default() };
    let mut library = CorrelationEngine::new(config);
    let collection = parse_sigma_yaml(RULES).expect("parses");
    for rule in &collection.rules {
        library.add_rule(rule).expect("rule");
    }
    for corr in &collection.correlations {
        library.add_correlation(corr).expect("correlation");
    }
    let mut fired: std::collections::BTreeMap<String, usize> = Default::default();
    for event in stream() {
        let view = FieldView::new(&event);
        let parts = RouteParts::of(&event, &view);
        let results = rules.evaluate(&view, &parts);
        let ids: Vec<String> = results.iter().filter_map(|r| r.header.rule_id.clone()).collect();
        let ts = event.time.as_second();
        let expected: Vec<(String, Vec<i64>)> = library
            .process_with_detections(&view, results, ts)
            .into_iter()
            .filter_map(|r| {
                let refs = r.as_correlation()?.event_refs.clone().unwrap_or_default();
                Some((r.header.rule_id?, refs.iter().map(|e| e.timestamp).collect()))
            })
            .collect();
        let got: Vec<(String, Vec<i64>)> = ours
            .absorb(&rules.correlations, &view, (ts, event.domain, event.id), ids.iter().map(String::as_str))
            .into_iter()
            .filter_map(|f| {
                let key = rules.correlations.get(f.correlation)?.key.clone();
                Some((key, f.events.iter().map(|e| e.0).collect()))
            })
            .collect();
        assert_eq!(got, expected, "at {ts}: {:?}", event.fields);
        for (key, _) in got {
            *fired.entry(key).or_default() += 1;
        }
    }
    assert_eq!(fired.len(), 8, "every correlation should fire: {fired:?}");
    assert!(fired.values().all(|&n| n >= 20), "{fired:?}");
}
