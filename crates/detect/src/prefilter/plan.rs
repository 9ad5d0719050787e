//! The compiled index of one route: the rules an event with that logsource
//! can meet, and the lookups that tell which of them it cannot match.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rsigma_eval::event::{Event as SigmaEvent, EventValue};
use rustc_hash::FxHashMap;

use super::need::{Anchor, Need};
use crate::view::FieldView;

/// Values up to this length are lowercased for exact lookups without
/// allocating.
const STACK_LOWER: usize = 256;

/// Rules of one route and what each needs, ready to be probed per event.
pub(crate) struct Plan {
    /// Plan-local rule number → index in the set's compiled rules, ascending.
    pub rules: Vec<u32>,
    /// Plan-local rules with no usable need: candidates for every event.
    always: Vec<u32>,
    fields: Vec<FieldIndex>,
    /// Fields whose value, in an event with flat fields, is the top-level
    /// field of the same name: found by walking the event's own fields
    /// (a few dozen) instead of looking each of the plan's (hundreds) up.
    plain: FxHashMap<Box<str>, u32>,
    /// The other fields (paths, aliases, event-core names): looked up.
    special: Vec<u32>,
    keywords: Option<Needles>,
}

/// Everything the plan asks of one field.
struct FieldIndex {
    name: String,
    present: Vec<u32>,
    exact: FxHashMap<String, Vec<u32>>,
    /// Byte length of the longest `exact` literal: a longer value cannot
    /// equal any, and shorter ones are lowercased on the stack.
    exact_max: usize,
    numbers: FxHashMap<i64, Vec<u32>>,
    needles: Option<Needles>,
}

/// One automaton over lowercased needles, with each needle's rules.
struct Needles {
    automaton: AhoCorasick,
    rules: Vec<Vec<u32>>,
}

impl Needles {
    fn build(map: FxHashMap<String, Vec<u32>>) -> Result<Option<Needles>, Vec<u32>> {
        if map.is_empty() {
            return Ok(None);
        }
        let mut entries: Vec<(String, Vec<u32>)> = map.into_iter().collect();
        entries.sort();
        // Overlapping search (Standard kind) so that a needle inside another
        // still reports its own rules; ASCII case-insensitive so ASCII
        // values are searched in place, without a lowercased copy.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(entries.iter().map(|(n, _)| n))
            .or_else(|_| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .build(entries.iter().map(|(n, _)| n))
            });
        match automaton {
            Ok(automaton) => Ok(Some(Needles { automaton, rules: entries.into_iter().map(|(_, r)| r).collect() })),
            // Unbuildable (too large): their rules fall back to always.
            Err(_) => Err(entries.into_iter().flat_map(|(_, r)| r).collect()),
        }
    }

    /// Marks the rules of every needle found in `value`, which the caller
    /// has already folded when it is not ASCII.
    fn mark(&self, value: &str, marks: &mut Marks<'_>) {
        for m in self.automaton.find_overlapping_iter(value) {
            if let Some(rules) = self.rules.get(m.pattern().as_usize()) {
                marks.set_all(rules);
            }
        }
    }
}

/// The candidate bitset of one event, over plan-local rule numbers.
pub(crate) struct Marks<'s> {
    words: &'s mut Vec<u64>,
}

impl<'s> Marks<'s> {
    pub fn new(words: &'s mut Vec<u64>, rules: usize) -> Self {
        words.clear();
        words.resize(rules.div_ceil(64), 0);
        Marks { words }
    }

    fn set_all(&mut self, rules: &[u32]) {
        for &r in rules {
            if let Some(w) = self.words.get_mut(r as usize / 64) {
                *w |= 1 << (r % 64);
            }
        }
    }

    /// Marked plan-local rule numbers, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(i * 64 + bit)
            })
        })
    }
}

impl Plan {
    /// Builds the plan over `rules` (global indices, ascending) with their needs.
    pub fn build<'n>(rules: Vec<u32>, need_of: impl Fn(u32) -> &'n Need) -> Plan {
        let mut always = Vec::new();
        let mut fields: FxHashMap<String, FieldBuild> = FxHashMap::default();
        let mut keywords: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (local, &global) in rules.iter().enumerate() {
            let local = local as u32;
            let Some(anchors) = need_of(global) else {
                always.push(local);
                continue;
            };
            for anchor in anchors {
                match anchor {
                    Anchor::Present(f) => fields.entry(f.clone()).or_default().present.push(local),
                    Anchor::Exact(f, v) => push(fields.entry(f.clone()).or_default().exact.entry(v.clone()), local),
                    Anchor::Number(f, n) => push(fields.entry(f.clone()).or_default().numbers.entry(*n), local),
                    Anchor::Contains(f, v) => {
                        push(fields.entry(f.clone()).or_default().needles.entry(v.clone()), local)
                    }
                    Anchor::Keyword(v) => push(keywords.entry(v.clone()), local),
                }
            }
        }
        let mut built = Vec::with_capacity(fields.len());
        for (name, f) in fields {
            let needles = Needles::build(f.needles).unwrap_or_else(|orphans| {
                always.extend(orphans);
                None
            });
            let exact_max = f.exact.keys().map(String::len).max().unwrap_or(0);
            built.push(FieldIndex { name, present: f.present, exact: f.exact, exact_max, numbers: f.numbers, needles });
        }
        // Stable probe order keeps the plan identical for identical inputs.
        built.sort_by(|a, b| a.name.cmp(&b.name));
        let keywords = Needles::build(keywords).unwrap_or_else(|orphans| {
            always.extend(orphans);
            None
        });
        always.sort_unstable();
        always.dedup();
        let mut plain = FxHashMap::default();
        let mut special = Vec::new();
        for (i, field) in built.iter().enumerate() {
            if FieldView::is_plain_name(&field.name) {
                plain.insert(field.name.as_str().into(), i as u32);
            } else {
                special.push(i as u32);
            }
        }
        Plan { rules, always, fields: built, plain, special, keywords }
    }

    /// Marks every rule of the plan that `event` might match.
    pub fn mark(&self, event: &FieldView<'_>, marks: &mut Marks<'_>) {
        marks.set_all(&self.always);
        match event.flat_fields() {
            Some(fields) => {
                for name in fields.keys() {
                    if let Some(field) = self.plain.get(name.as_str()).and_then(|&i| self.fields.get(i as usize)) {
                        field.probe(event, marks);
                    }
                }
                for field in self.special.iter().filter_map(|&i| self.fields.get(i as usize)) {
                    field.probe(event, marks);
                }
            }
            None => self.fields.iter().for_each(|field| field.probe(event, marks)),
        }
        if let Some(keywords) = &self.keywords {
            event.visit_string_values(&mut |s| keywords.mark(&fold(s), marks));
        }
    }
}

impl FieldIndex {
    fn probe(&self, event: &FieldView<'_>, marks: &mut Marks<'_>) {
        let Some(value) = event.get_field(&self.name) else { return };
        marks.set_all(&self.present);
        if self.exact.is_empty() && self.numbers.is_empty() && self.needles.is_none() {
            return;
        }
        self.mark_value(&value, marks);
    }

    /// Mirrors the string and number forms `rsigma-eval` compares: strings
    /// as they are, integers and floats by `to_string`, booleans as
    /// `true`/`false`, arrays member by member.
    fn mark_value(&self, value: &EventValue<'_>, marks: &mut Marks<'_>) {
        match value {
            EventValue::Str(s) => {
                self.mark_text(s, marks);
                if !self.numbers.is_empty() {
                    self.mark_number(s.parse::<f64>().ok(), marks);
                }
            }
            EventValue::Int(n) => {
                self.mark_text(&n.to_string(), marks);
                self.mark_number(Some(*n as f64), marks);
            }
            EventValue::Float(f) => {
                self.mark_text(&f.to_string(), marks);
                self.mark_number(Some(*f), marks);
            }
            EventValue::Bool(b) => self.mark_text(if *b { "true" } else { "false" }, marks),
            EventValue::Array(items) => items.iter().for_each(|v| self.mark_value(v, marks)),
            _ => {}
        }
    }

    fn mark_text(&self, text: &str, marks: &mut Marks<'_>) {
        if self.exact.is_empty() && self.needles.is_none() {
            return;
        }
        let folded = fold(text);
        if !self.exact.is_empty() && folded.len() <= self.exact_max {
            let mut buf = [0u8; STACK_LOWER];
            let lower: Cow<'_, str> = match buf.get_mut(..folded.len()) {
                Some(low) => {
                    low.copy_from_slice(folded.as_bytes());
                    low.make_ascii_lowercase();
                    // ASCII lowercasing keeps UTF-8 valid.
                    Cow::Borrowed(std::str::from_utf8(low).unwrap_or_default())
                }
                None => Cow::Owned(folded.to_ascii_lowercase()),
            };
            if let Some(rules) = self.exact.get(lower.as_ref()) {
                marks.set_all(rules);
            }
        }
        if let Some(needles) = &self.needles {
            needles.mark(&folded, marks);
        }
    }

    /// Numeric equality in `rsigma-eval` is `|v - n| < f64::EPSILON`; for an
    /// integral literal `n` that means `v` rounds to `n`.
    fn mark_number(&self, v: Option<f64>, marks: &mut Marks<'_>) {
        let Some(v) = v.filter(|v| v.is_finite()) else { return };
        let k = v.round();
        if (v - k).abs() < f64::EPSILON
            && let Some(rules) = self.numbers.get(&(k as i64))
        {
            marks.set_all(rules);
        }
    }
}

/// The value as the prefilter's automata search it: ASCII as is (they are
/// ASCII case-insensitive), anything else Unicode-lowercased like the
/// matchers do.
fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() { Cow::Borrowed(s) } else { Cow::Owned(s.to_lowercase()) }
}

#[derive(Default)]
struct FieldBuild {
    present: Vec<u32>,
    exact: FxHashMap<String, Vec<u32>>,
    numbers: FxHashMap<i64, Vec<u32>>,
    needles: FxHashMap<String, Vec<u32>>,
}

fn push<K>(entry: std::collections::hash_map::Entry<'_, K, Vec<u32>>, rule: u32) {
    let rules = entry.or_default();
    if rules.last() != Some(&rule) {
        rules.push(rule);
    }
}
