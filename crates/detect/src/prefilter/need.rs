//! What an event must contain for a compiled rule to possibly match: a
//! conservative reading of the rule's conditions, detections and matchers.
//!
//! The analysis only ever weakens: a construct it does not fully understand
//! (CIDR, negation, field references, array scopes, …) contributes "no
//! constraint", never a wrong one. Soundness rests on mirroring how
//! `rsigma-eval` 0.23 compares values: case-insensitive string matchers hold
//! Unicode-lowercased needles and lowercase the event value; numbers and
//! booleans are compared by their textual form; numeric equality parses
//! strings as `f64` and allows a difference below `f64::EPSILON`.

use std::collections::HashMap;

use rsigma_eval::{CompiledDetection, CompiledMatcher, CompiledRule};
use rsigma_parser::{ConditionExpr, Quantifier};

use super::regex_need::regex_needles;

/// One fact about an event that a rule may need.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Anchor {
    /// The field is present (any value, even null).
    Present(String),
    /// A string form of the field's value, lowercased, equals the literal.
    Exact(String, String),
    /// A string form of the field's value, lowercased, contains the needle.
    Contains(String, String),
    /// The field's value read as a number rounds to this integer.
    Number(String, i64),
    /// Some string anywhere in the event, lowercased, contains the needle.
    Keyword(String),
}

/// Facts of which a matching event satisfies at least one (none: the rule
/// never matches).
pub(crate) type Clause = Vec<Anchor>;

/// Clauses a matching event satisfies all of (none: no constraint found,
/// evaluate always). Several clauses let a rule whose cheapest literal is
/// common (`EventID: 4656`) be rejected by a second one (`ObjectName`).
pub(crate) type Need = Vec<Clause>;

/// Clauses kept per need: each more costs a bit per event, and beyond a few
/// they rarely reject anything the others let through.
const MAX_CLAUSES: usize = 4;

/// A constraint on one value, before it is tied to a field.
#[derive(Debug, Clone)]
enum ValueAnchor {
    Exact(String),
    Contains(String),
    Number(i64),
}

type ValueNeed = Option<Vec<ValueAnchor>>;

/// The need of a whole rule: any one of its conditions may fire it.
pub(crate) fn rule_need(rule: &CompiledRule) -> Need {
    any(rule.conditions.iter().map(|c| condition_need(c, &rule.detections)))
}

fn condition_need(expr: &ConditionExpr, detections: &HashMap<String, CompiledDetection>) -> Need {
    match expr {
        // A missing detection evaluates to false.
        ConditionExpr::Identifier(name) => detections.get(name).map_or_else(never, detection_need),
        ConditionExpr::And(exprs) => all(exprs.iter().map(|e| condition_need(e, detections))),
        ConditionExpr::Or(exprs) => any(exprs.iter().map(|e| condition_need(e, detections))),
        ConditionExpr::Not(_) => Vec::new(),
        ConditionExpr::Selector { quantifier, pattern } => {
            let selected = detections.iter().filter(|(name, _)| pattern.matches_detection_name(name));
            match quantifier {
                // `N of` with N ≥ 1 needs at least one selected detection.
                Quantifier::Any | Quantifier::Count(1..) => any(selected.map(|(_, d)| detection_need(d))),
                Quantifier::Count(0) => Vec::new(),
                Quantifier::All => all(selected.map(|(_, d)| detection_need(d))),
            }
        }
    }
}

fn detection_need(detection: &CompiledDetection) -> Need {
    match detection {
        CompiledDetection::AllOf(items) => all(items.iter().map(|item| match (&item.field, item.exists) {
            (Some(field), Some(true)) => vec![vec![Anchor::Present(field.clone())]],
            (_, Some(_)) => Vec::new(),
            (None, None) => keyword_need(&item.matcher).into_iter().collect(),
            (Some(field), None) => field_need(field, &item.matcher),
        })),
        CompiledDetection::AnyOf(dets) => any(dets.iter().map(detection_need)),
        CompiledDetection::And(dets) => all(dets.iter().map(detection_need)),
        CompiledDetection::Keywords(matcher) => keyword_need(matcher).into_iter().collect(),
        CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => Vec::new(),
    }
}

/// A field item: an absent field only satisfies a bare `null` matcher; a
/// present one must satisfy the matcher's value need, if it has one. Each
/// part of a `|all` list is a clause of its own (`TargetObject|contains|all`
/// is then rejected by its rarest part, not by its cheapest-looking one).
fn field_need(field: &str, matcher: &CompiledMatcher) -> Need {
    use CompiledMatcher as M;
    match matcher {
        M::Null => Vec::new(),
        M::AllOf(parts) | M::CaseInsensitiveGroup { children: parts, mode: rsigma_eval::matcher::GroupMode::All }
            if !parts.is_empty() =>
        {
            all(parts.iter().map(|part| field_need(field, part)))
        }
        _ => vec![field_clause(field, matcher)],
    }
}

fn field_clause(field: &str, matcher: &CompiledMatcher) -> Clause {
    match value_need(matcher) {
        None => vec![Anchor::Present(field.to_owned())],
        Some(values) => values
            .into_iter()
            .map(|v| match v {
                ValueAnchor::Exact(s) => Anchor::Exact(field.to_owned(), s),
                ValueAnchor::Contains(s) => Anchor::Contains(field.to_owned(), s),
                ValueAnchor::Number(n) => Anchor::Number(field.to_owned(), n),
            })
            .collect(),
    }
}

/// Keyword matchers run over every string of the event (numbers excluded),
/// so only their string needles count.
fn keyword_need(matcher: &CompiledMatcher) -> Option<Clause> {
    let values = value_need(matcher)?;
    let mut anchors = Vec::with_capacity(values.len());
    for v in values {
        match v {
            ValueAnchor::Exact(s) | ValueAnchor::Contains(s) if !s.is_empty() => anchors.push(Anchor::Keyword(s)),
            _ => return None,
        }
    }
    Some(anchors)
}

fn value_need(matcher: &CompiledMatcher) -> ValueNeed {
    use CompiledMatcher as M;
    match matcher {
        M::Exact { value, case_insensitive } => folded(value, *case_insensitive).map(|v| vec![ValueAnchor::Exact(v)]),
        M::Contains { value, case_insensitive }
        | M::StartsWith { value, case_insensitive }
        | M::EndsWith { value, case_insensitive } => contains(value, *case_insensitive).map(|v| vec![v]),
        M::AhoCorasickSet { needles, case_insensitive, .. } => {
            needles.iter().map(|n| contains(n, *case_insensitive)).collect::<Option<Vec<_>>>()
        }
        M::NumericEq(n) => integral(*n).map(|n| vec![ValueAnchor::Number(n)]),
        M::Regex(re) => regex_value_need(re.as_str()),
        M::RegexSetMatch { set, mode } if !set.patterns().is_empty() => {
            let needs = set.patterns().iter().map(|p| regex_value_need(p));
            match mode {
                rsigma_eval::matcher::GroupMode::Any => union(needs),
                rsigma_eval::matcher::GroupMode::All => best_value(needs),
            }
        }
        M::AnyOf(children) if !children.is_empty() => union(children.iter().map(value_need)),
        M::AllOf(children) => best_value(children.iter().map(value_need)),
        M::CaseInsensitiveGroup { children, mode } if !children.is_empty() => match mode {
            rsigma_eval::matcher::GroupMode::Any => union(children.iter().map(value_need)),
            rsigma_eval::matcher::GroupMode::All => best_value(children.iter().map(value_need)),
        },
        _ => None,
    }
}

fn regex_value_need(pattern: &str) -> ValueNeed {
    regex_needles(pattern).map(|needles| needles.into_iter().map(ValueAnchor::Contains).collect())
}

/// The needle as the prefilter compares it (lowercased), when that is a
/// sound consequence of the matcher's own comparison. A case-sensitive
/// non-ASCII needle is left out: Unicode lowercasing is context dependent
/// (final sigma), so `s.contains(v)` does not imply `lower(s).contains(lower(v))`.
fn folded(value: &str, case_insensitive: bool) -> Option<String> {
    if case_insensitive {
        Some(value.to_owned())
    } else if value.is_ascii() {
        Some(value.to_ascii_lowercase())
    } else {
        None
    }
}

fn contains(value: &str, case_insensitive: bool) -> Option<ValueAnchor> {
    folded(value, case_insensitive).filter(|v| !v.is_empty()).map(ValueAnchor::Contains)
}

/// Integral literals only: for those, a value within `f64::EPSILON` rounds
/// to the literal, so the prefilter can compare rounded integers.
fn integral(n: f64) -> Option<i64> {
    const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    (n.is_finite() && n.fract() == 0.0 && n.abs() < LIMIT).then_some(n as i64)
}

/// Any one of the alternatives may hold: all their anchors together.
fn union<T>(needs: impl Iterator<Item = Option<Vec<T>>>) -> Option<Vec<T>> {
    let mut all = Vec::new();
    for need in needs {
        all.extend(need?);
    }
    Some(all)
}

fn never() -> Need {
    vec![Vec::new()]
}

/// All of the parts must hold, so every clause of each does: keep the most
/// selective.
fn all(needs: impl Iterator<Item = Need>) -> Need {
    prune(needs.flatten().collect())
}

/// Any one of the alternatives may hold: `(a ∧ b) ∨ (c ∧ d)` is `(a ∨ c) ∧
/// (a ∨ d) ∧ (b ∨ c) ∧ (b ∨ d)`, of which the most selective are kept. An
/// alternative with no constraint leaves the whole without one.
fn any(needs: impl Iterator<Item = Need>) -> Need {
    let mut acc = never();
    for need in needs {
        if need.is_empty() {
            return need;
        }
        let product =
            acc.iter().flat_map(|a| need.iter().map(move |b| a.iter().chain(b).cloned().collect::<Clause>())).collect();
        acc = prune(product);
    }
    acc
}

/// Normalises the clauses, drops those another one implies (a clause is
/// implied by each of its subsets) and keeps the cheapest few.
fn prune(mut clauses: Vec<Clause>) -> Need {
    for clause in &mut clauses {
        clause.sort_unstable();
        clause.dedup();
    }
    clauses.sort_by_cached_key(|c| (cost(c.iter().map(anchor_weight)), c.clone()));
    clauses.dedup();
    let mut kept: Need = Vec::new();
    for clause in clauses {
        if kept.len() == MAX_CLAUSES {
            break;
        }
        if !kept.iter().any(|k| is_subset(k, &clause)) {
            kept.push(clause);
        }
    }
    kept
}

/// Both sorted.
fn is_subset(small: &[Anchor], large: &[Anchor]) -> bool {
    let mut rest = large.iter();
    small.iter().all(|a| rest.any(|b| b == a))
}

fn best_value(needs: impl Iterator<Item = ValueNeed>) -> ValueNeed {
    needs.flatten().min_by_key(|anchors| cost(anchors.iter().map(value_weight)))
}

/// Worst anchor first (one unselective anchor lets most events through),
/// then how many anchors must be looked up.
fn cost(weights: impl Iterator<Item = u32>) -> (u32, u32) {
    weights.fold((0, 0), |(worst, n), w| (worst.max(w), n + 1))
}

fn anchor_weight(anchor: &Anchor) -> u32 {
    match anchor {
        Anchor::Exact(..) | Anchor::Number(..) => 1,
        Anchor::Contains(_, needle) => needle_weight(needle),
        Anchor::Keyword(needle) => needle_weight(needle) + 2,
        Anchor::Present(_) => 100,
    }
}

fn value_weight(anchor: &ValueAnchor) -> u32 {
    match anchor {
        ValueAnchor::Exact(_) | ValueAnchor::Number(_) => 1,
        ValueAnchor::Contains(needle) => needle_weight(needle),
    }
}

/// Short needles occur in many values.
fn needle_weight(needle: &str) -> u32 {
    if needle.len() < 4 { 10 } else { 3 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsigma_eval::compile_rule;
    use rsigma_parser::parse_sigma_yaml;

    fn need(detection: &str) -> Need {
        let yaml = format!("title: t\nlogsource: {{product: x}}\ndetection:\n{detection}");
        let collection = parse_sigma_yaml(&yaml).expect("parses");
        let rule = collection.rules.first().expect("one rule");
        rule_need(&compile_rule(rule).expect("compiles"))
    }

    fn contains(field: &str, needle: &str) -> Anchor {
        Anchor::Contains(field.into(), needle.into())
    }

    #[test]
    fn and_keeps_every_part_and_or_distributes() {
        let n = need("  a:\n    EventID: 4688\n    CommandLine|contains: whoami\n  condition: a\n");
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(
            n[0].iter().all(|a| matches!(a, Anchor::Exact(f, _) | Anchor::Number(f, _) if f == "EventID")),
            "{n:?}"
        );
        assert_eq!(n[1], [contains("CommandLine", "whoami")]);
        let n =
            need("  a:\n    Image|endswith: '\\x.exe'\n  b:\n    CommandLine|contains: Evil\n  condition: a or b\n");
        assert_eq!(n, [vec![contains("CommandLine", "evil"), contains("Image", "\\x.exe")]]);
        let n = need(
            "  a:\n    A: one\n    B|contains: two\n  c:\n    C: three\n    D|contains: four\n  condition: a or c\n",
        );
        assert_eq!(n.len(), MAX_CLAUSES, "{n:?}");
        assert_eq!(n[0], [Anchor::Exact("A".into(), "one".into()), Anchor::Exact("C".into(), "three".into())]);
    }

    #[test]
    fn every_part_of_an_all_list_is_a_clause() {
        let n = need("  a:\n    T|contains|all:\n      - 'HKU\\'\n      - '\\TreatAs'\n  condition: a\n");
        assert_eq!(n, [vec![contains("T", "\\treatas")], vec![contains("T", "hku\\")]]);
    }

    #[test]
    fn negation_open_regex_and_null_give_no_constraint() {
        assert_eq!(need("  a:\n    CommandLine|contains: x\n  condition: not a\n"), Need::new());
        assert_eq!(need("  a:\n    CommandLine: null\n  condition: a\n"), Need::new());
        assert_eq!(
            need("  a:\n    CommandLine|re: '.*x'\n  condition: a\n"),
            [vec![Anchor::Present("CommandLine".into())]]
        );
        assert_eq!(need("  a:\n    CommandLine|re: 'aB+c'\n  condition: a\n"), [vec![contains("CommandLine", "ab")]]);
        assert_eq!(need("  a:\n    CommandLine|contains: x\n  condition: 0 of a\n"), Need::new());
        assert_eq!(need("  a:\n    X: one\n  condition: a or not a\n"), Need::new());
    }

    #[test]
    fn selectors_and_keywords_are_read() {
        let n = need("  sel_a:\n    A: one\n  sel_b:\n    B: two\n  condition: 1 of sel_*\n");
        assert_eq!(n, [vec![Anchor::Exact("A".into(), "one".into()), Anchor::Exact("B".into(), "two".into())]]);
        let n = need("  sel_a:\n    A: one\n  sel_b:\n    B: two\n  condition: all of sel_*\n");
        assert_eq!(n, [vec![Anchor::Exact("A".into(), "one".into())], vec![Anchor::Exact("B".into(), "two".into())]]);
        let n = need("  kw:\n    - Mimikatz\n    - sekurlsa\n  sel:\n    EventID: 4104\n  condition: kw and sel\n");
        assert_eq!(n.len(), 2, "{n:?}");
        assert_eq!(n[1], [Anchor::Keyword("mimikatz".into()), Anchor::Keyword("sekurlsa".into())]);
    }

    #[test]
    fn cased_non_ascii_needles_are_not_trusted() {
        assert_eq!(need("  a:\n    F|cased: 'ΣΑ'\n  condition: a\n"), [vec![Anchor::Present("F".into())]]);
        assert_eq!(need("  a:\n    F|cased: 'AbC'\n  condition: a\n"), [vec![Anchor::Exact("F".into(), "abc".into())]]);
    }
}
