//! Whether a candidate rule matches an event: the same yes or no as
//! `rsigma_eval::evaluate_rule(rule, event).is_some()`, at a fraction of
//! its cost on real attack logs.
//!
//! Why not the library's own call (measured on `evtx-attack/`, see
//! docs/performance.md): each of its case-insensitive string matchers
//! lowercases the field value anew, so a PowerShell script block of tens of
//! kilobytes is copied and lowercased once per matcher of every candidate
//! rule, and each matcher looks its field up again in the nested EVTX
//! record; a match then runs a second, detail-collecting pass and clones
//! the rule's header. Here an event's field is looked up and lowercased
//! once and shared by every matcher, and only the verdict is computed.
//!
//! Soundness: the condition, detection and item logic mirrors
//! `rsigma-eval` 0.23 (`eval_condition_matches_with_bloom` with no bloom);
//! only the case-insensitive string comparisons of string values are done
//! here, against the value lowercased as the library lowercases it
//! (`str::to_lowercase`, which its `ascii_lowercase_cow` equals). Every
//! other matcher and value kind is handed to the library's own
//! `CompiledMatcher::matches`, and a rule holding an array match or a
//! nested conditional is evaluated by the library whole.
//! tests/equivalence.rs checks the result against the plain library on
//! every record of both corpora.

use std::collections::HashMap;

use rsigma_eval::event::{Event as SigmaEvent, EventValue};
use rsigma_eval::matcher::GroupMode;
use rsigma_eval::{CompiledDetection, CompiledDetectionItem, CompiledMatcher, CompiledRule, evaluate_rule};
use rsigma_parser::{ConditionExpr, Quantifier};
use rustc_hash::FxHashMap;

use crate::view::FieldView;

/// Whether the rule can be judged here (no array match or nested
/// conditional, whose semantics stay with the library).
pub(crate) fn judged_here(rule: &CompiledRule) -> bool {
    rule.detections.values().all(plain_detection)
}

fn plain_detection(detection: &CompiledDetection) -> bool {
    match detection {
        CompiledDetection::AllOf(_) | CompiledDetection::Keywords(_) => true,
        CompiledDetection::AnyOf(dets) | CompiledDetection::And(dets) => dets.iter().all(plain_detection),
        CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => false,
    }
}

/// One field of the event as the matchers see it, looked up once.
struct Field<'e> {
    value: Option<EventValue<'e>>,
    /// The string value lowercased, once a case-insensitive matcher asked.
    lowered: Option<String>,
}

/// The fields of one event looked up so far, shared by every candidate
/// rule of that event.
pub(crate) struct Judge<'r, 'e> {
    event: &'e FieldView<'e>,
    fields: FxHashMap<&'r str, Field<'e>>,
}

impl<'r, 'e> Judge<'r, 'e> {
    pub fn new(event: &'e FieldView<'e>) -> Self {
        Judge { event, fields: FxHashMap::default() }
    }

    /// Whether `rule` matches the event; `here` is [`judged_here`] of it.
    pub fn matches(&mut self, rule: &'r CompiledRule, here: bool) -> bool {
        if !here {
            return evaluate_rule(rule, self.event).is_some();
        }
        rule.conditions.iter().any(|c| self.condition(c, &rule.detections))
    }

    fn condition(&mut self, expr: &'r ConditionExpr, detections: &'r HashMap<String, CompiledDetection>) -> bool {
        match expr {
            ConditionExpr::Identifier(name) => detections.get(name).is_some_and(|d| self.detection(d)),
            ConditionExpr::And(exprs) => exprs.iter().all(|e| self.condition(e, detections)),
            ConditionExpr::Or(exprs) => exprs.iter().any(|e| self.condition(e, detections)),
            ConditionExpr::Not(inner) => !self.condition(inner, detections),
            ConditionExpr::Selector { quantifier, pattern } => {
                let mut selected = detections.iter().filter(|(name, _)| pattern.matches_detection_name(name));
                match quantifier {
                    Quantifier::Any => selected.any(|(_, d)| self.detection(d)),
                    Quantifier::All => selected.all(|(_, d)| self.detection(d)),
                    Quantifier::Count(0) => true,
                    Quantifier::Count(required) => {
                        let mut matched = 0u64;
                        selected.any(|(_, d)| {
                            matched += u64::from(self.detection(d));
                            matched >= *required
                        })
                    }
                }
            }
        }
    }

    fn detection(&mut self, detection: &'r CompiledDetection) -> bool {
        match detection {
            CompiledDetection::AllOf(items) => items.iter().all(|item| self.item(item)),
            CompiledDetection::AnyOf(dets) => dets.iter().any(|d| self.detection(d)),
            CompiledDetection::And(dets) => dets.iter().all(|d| self.detection(d)),
            CompiledDetection::Keywords(matcher) => matcher.matches_keyword(self.event),
            // Not reached: such rules go to the library whole.
            CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => false,
        }
    }

    fn item(&mut self, item: &'r CompiledDetectionItem) -> bool {
        let Some(name) = item.field.as_deref() else {
            return match item.exists {
                Some(expected) => !expected,
                None => item.matcher.matches_keyword(self.event),
            };
        };
        let lower = item.exists.is_none() && wants_lowered(&item.matcher);
        let event = self.event;
        let field = self.fields.entry(name).or_insert_with(|| Field { value: event.get_field(name), lowered: None });
        if lower
            && field.lowered.is_none()
            && let Some(EventValue::Str(s)) = &field.value
        {
            field.lowered = Some(s.to_lowercase());
        }
        if let Some(expected) = item.exists {
            return field.value.as_ref().is_some_and(|v| !v.is_null()) == expected;
        }
        match &field.value {
            None => matches!(item.matcher, CompiledMatcher::Null),
            Some(value) => match (value, field.lowered.as_deref()) {
                (EventValue::Str(_), Some(lowered)) => on_lowered(&item.matcher, value, lowered, event),
                _ => item.matcher.matches(value, event),
            },
        }
    }
}

/// Whether the matcher compares lowercased strings somewhere.
fn wants_lowered(matcher: &CompiledMatcher) -> bool {
    use CompiledMatcher as M;
    match matcher {
        M::Exact { case_insensitive, .. }
        | M::Contains { case_insensitive, .. }
        | M::StartsWith { case_insensitive, .. }
        | M::EndsWith { case_insensitive, .. }
        | M::AhoCorasickSet { case_insensitive, .. } => *case_insensitive,
        M::CaseInsensitiveGroup { .. } => true,
        M::Not(inner) => wants_lowered(inner),
        M::AnyOf(children) | M::AllOf(children) => children.iter().any(wants_lowered),
        _ => false,
    }
}

/// `matcher.matches(value, event)` for a string `value` whose lowercase is
/// `lowered`.
fn on_lowered(matcher: &CompiledMatcher, value: &EventValue<'_>, lowered: &str, event: &FieldView<'_>) -> bool {
    use CompiledMatcher as M;
    match matcher {
        M::Exact { value: v, case_insensitive: true } => lowered == v,
        M::Contains { value: v, case_insensitive: true } => lowered.contains(v.as_str()),
        M::StartsWith { value: v, case_insensitive: true } => lowered.starts_with(v.as_str()),
        M::EndsWith { value: v, case_insensitive: true } => lowered.ends_with(v.as_str()),
        M::AhoCorasickSet { automaton, case_insensitive: true, .. } => automaton.is_match(lowered),
        M::Not(inner) => !on_lowered(inner, value, lowered, event),
        M::AnyOf(children) => children.iter().any(|m| on_lowered(m, value, lowered, event)),
        M::AllOf(children) => children.iter().all(|m| on_lowered(m, value, lowered, event)),
        M::CaseInsensitiveGroup { children, mode } if children.iter().all(pre_lowerable) => match mode {
            GroupMode::Any => children.iter().any(|c| pre_lowered(c, lowered)),
            GroupMode::All => children.iter().all(|c| pre_lowered(c, lowered)),
        },
        other => other.matches(value, event),
    }
}

/// The matchers the library runs on an already lowercased string inside a
/// case-insensitive group.
fn pre_lowerable(matcher: &CompiledMatcher) -> bool {
    use CompiledMatcher as M;
    match matcher {
        M::Contains { case_insensitive: true, .. }
        | M::StartsWith { case_insensitive: true, .. }
        | M::EndsWith { case_insensitive: true, .. }
        | M::Exact { case_insensitive: true, .. }
        | M::AhoCorasickSet { case_insensitive: true, .. }
        | M::Regex(_)
        | M::RegexSetMatch { .. } => true,
        M::Not(inner) => pre_lowerable(inner),
        M::AnyOf(children) | M::AllOf(children) | M::CaseInsensitiveGroup { children, .. } => {
            children.iter().all(pre_lowerable)
        }
        _ => false,
    }
}

/// The library's comparison of a pre-lowercased string, for the matchers
/// [`pre_lowerable`] admits.
fn pre_lowered(matcher: &CompiledMatcher, lowered: &str) -> bool {
    use CompiledMatcher as M;
    match matcher {
        M::Contains { value, .. } => lowered.contains(value.as_str()),
        M::StartsWith { value, .. } => lowered.starts_with(value.as_str()),
        M::EndsWith { value, .. } => lowered.ends_with(value.as_str()),
        M::Exact { value, .. } => lowered == value,
        M::AhoCorasickSet { automaton, .. } => automaton.is_match(lowered),
        M::Regex(re) => re.is_match(lowered),
        M::RegexSetMatch { set, mode } => match mode {
            GroupMode::Any => set.is_match(lowered),
            GroupMode::All => set.matches(lowered).iter().count() == set.len(),
        },
        M::Not(inner) => !pre_lowered(inner, lowered),
        M::AnyOf(children) => children.iter().any(|m| pre_lowered(m, lowered)),
        M::AllOf(children) => children.iter().all(|m| pre_lowered(m, lowered)),
        M::CaseInsensitiveGroup { children, mode } => match mode {
            GroupMode::Any => children.iter().any(|c| pre_lowered(c, lowered)),
            GroupMode::All => children.iter().all(|c| pre_lowered(c, lowered)),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsigma_eval::compile_rule;
    use rsigma_parser::parse_sigma_yaml;
    use safecare_model::{Domain, Event, Timestamp};
    use serde_json::json;

    fn event(fields: serde_json::Value) -> Event {
        let mut event = Event::new("t", Domain::Cyber, Timestamp::UNIX_EPOCH, "");
        event.fields = fields.as_object().cloned().unwrap_or_default();
        event
    }

    /// Every rule's verdict equals the library's on every event, with one
    /// judge (and its shared lowercased fields) per event as in the engine.
    #[test]
    fn verdicts_equal_the_library_on_shared_lowercased_fields() {
        let yaml = r#"
title: contains and not
detection:
  sel:
    CommandLine|contains: 'INVOKE-'
  filter:
    CommandLine|contains|cased: 'Invoke-Safe'
  condition: sel and not filter
---
title: many needles, all, startswith, endswith, exact
detection:
  a:
    CommandLine|contains|all: ['-enc', 'hidden']
  b:
    Image|endswith: ['\powershell.exe', '\pwsh.exe']
  c:
    User: 'NT AUTHORITY\SYSTEM'
  condition: 2 of them
---
title: unicode lowercase, wildcard, regex, numbers, null, exists
detection:
  sel1:
    TargetObject: '*STRASSE*'
  sel2:
    Details|re: '(?i)^dword'
  sel3:
    EventID: 13
  sel4:
    Missing: null
  sel5:
    Image|exists: true
  condition: sel1 or (sel2 and sel3 and sel4 and sel5)
---
title: keywords and all of
detection:
  keywords:
    - 'mimikatz'
  sel:
    EventID: [1, 4688]
  condition: all of them
"#;
        let rules: Vec<CompiledRule> =
            parse_sigma_yaml(yaml).expect("rules").rules.iter().map(|r| compile_rule(r).expect("compiles")).collect();
        assert_eq!(rules.len(), 4);
        let events = [
            json!({"EventID": 1, "CommandLine": "powershell Invoke-Expression -enc x -w hidden", "Image": "C:\\x\\PowerShell.exe", "User": "nt authority\\system"}),
            json!({"EventID": 1, "CommandLine": "Invoke-Safe thing", "Image": "C:\\x\\cmd.exe"}),
            json!({"EventID": 13, "TargetObject": "HKLM\\Straße\\x", "Details": "DWORD (0x1)", "Image": "a"}),
            json!({"EventID": 13, "TargetObject": "HKLM\\STRAẞE", "Details": "DWORD (0x1)"}),
            json!({"EventID": "4688", "CommandLine": "run MIMIKATZ now", "Image": ["a", "b\\pwsh.exe"]}),
            json!({"EventID": 4688, "Other": {"deep": "mimikatz"}}),
        ];
        let mut matched = 0;
        for fields in events {
            let e = event(fields);
            let view = FieldView::new(&e);
            let mut judge = Judge::new(&view);
            for rule in &rules {
                let expected = evaluate_rule(rule, &view).is_some();
                assert!(judged_here(rule));
                assert_eq!(judge.matches(rule, true), expected, "{} on {:?}", rule.title, e.fields);
                matched += usize::from(expected);
            }
        }
        assert!(matched >= 4, "the cases should match some: {matched}");
    }
}
