//! The compiled index of one route: the rules an event with that logsource
//! can meet, and the lookups that tell which of them it cannot match.
//!
//! Each clause of each rule's need is a *slot*; a rule's slots are
//! consecutive, and the lookups mark the slots an event satisfies. A rule is
//! a candidate when all its slots are marked.

use rsigma_eval::event::{Event as SigmaEvent, EventValue};
use rustc_hash::FxHashMap;
use serde_json::Value;

use super::need::{Anchor, Need};
use super::needles::{Needles, SEPARATOR, fold_into};
use crate::view::FieldView;

/// Rules of one route and what each needs, ready to be probed per event.
pub(crate) struct Plan {
    /// Plan-local rule number → index in the set's compiled rules, ascending.
    pub rules: Vec<u32>,
    /// Plan-local rule number → its first slot; one more entry closes the last.
    starts: Vec<u32>,
    /// Slot → plan-local rule number.
    owners: Vec<u32>,
    /// Slots that hold for every event: rules with no usable need, clauses
    /// whose automaton could not be built.
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
    exact: FxHashMap<Box<[u8]>, Vec<u32>>,
    /// Byte length of the longest `exact` literal: a longer ASCII value
    /// cannot equal any, so it is not folded for them.
    exact_max: usize,
    numbers: FxHashMap<i64, Vec<u32>>,
    needles: Option<Needles>,
}

/// Buffers reused across events, so that probing allocates nothing.
#[derive(Default)]
pub(crate) struct Scratch {
    words: Vec<u64>,
    text: Vec<u8>,
    keyword_text: Vec<u8>,
}

/// The slots one event satisfies, and the buffers its values are folded into.
pub(crate) struct Marks<'s> {
    words: &'s mut Vec<u64>,
    text: &'s mut Vec<u8>,
    keyword_text: &'s mut Vec<u8>,
}

impl<'s> Marks<'s> {
    pub fn new(scratch: &'s mut Scratch, slots: usize) -> Self {
        let Scratch { words, text, keyword_text } = scratch;
        words.clear();
        words.resize(slots.div_ceil(64), 0);
        Marks { words, text, keyword_text }
    }

    fn set_all(&mut self, slots: &[u32]) {
        for &r in slots {
            if let Some(w) = self.words.get_mut(r as usize / 64) {
                *w |= 1 << (r % 64);
            }
        }
    }

    fn contains(&self, slot: u32) -> bool {
        self.words.get(slot as usize / 64).is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    /// Marked slots, ascending.
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
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
        let mut starts = Vec::with_capacity(rules.len() + 1);
        let mut owners = Vec::new();
        let mut fields: FxHashMap<String, FieldBuild> = FxHashMap::default();
        let mut keywords: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (local, &global) in rules.iter().enumerate() {
            starts.push(owners.len() as u32);
            let need = need_of(global);
            if need.is_empty() {
                always.push(owners.len() as u32);
                owners.push(local as u32);
            }
            for clause in need {
                let slot = owners.len() as u32;
                owners.push(local as u32);
                for anchor in clause {
                    match anchor {
                        Anchor::Present(f) => fields.entry(f.clone()).or_default().present.push(slot),
                        Anchor::Exact(f, v) => push(fields.entry(f.clone()).or_default().exact.entry(v.clone()), slot),
                        Anchor::Number(f, n) => push(fields.entry(f.clone()).or_default().numbers.entry(*n), slot),
                        Anchor::Contains(f, v) => {
                            push(fields.entry(f.clone()).or_default().needles.entry(v.clone()), slot)
                        }
                        Anchor::Keyword(v) => push(keywords.entry(v.clone()), slot),
                    }
                }
            }
        }
        starts.push(owners.len() as u32);
        let mut built = Vec::with_capacity(fields.len());
        for (name, f) in fields {
            let needles = Needles::build(f.needles).unwrap_or_else(|orphans| {
                always.extend(orphans);
                None
            });
            let exact_max = f.exact.keys().map(String::len).max().unwrap_or(0);
            let exact = f.exact.into_iter().map(|(k, v)| (k.into_bytes().into_boxed_slice(), v)).collect();
            built.push(FieldIndex { name, present: f.present, exact, exact_max, numbers: f.numbers, needles });
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
        Plan { rules, starts, owners, always, fields: built, plain, special, keywords }
    }

    /// How many slots the plan's marks need.
    pub fn slots(&self) -> usize {
        self.owners.len()
    }

    /// Plan-local numbers of the rules all of whose slots are marked,
    /// ascending: a rule is looked at once, from its first slot.
    pub fn candidates<'m>(&'m self, marks: &'m Marks<'_>) -> impl Iterator<Item = usize> + 'm {
        marks.iter().filter_map(move |slot| {
            let rule = *self.owners.get(slot)?;
            let start = *self.starts.get(rule as usize)?;
            let end = *self.starts.get(rule as usize + 1)?;
            (start as usize == slot && (start + 1..end).all(|s| marks.contains(s))).then_some(rule as usize)
        })
    }

    /// Marks every slot of the plan that `event` satisfies.
    pub fn mark(&self, event: &FieldView<'_>, marks: &mut Marks<'_>) {
        marks.set_all(&self.always);
        // Keywords are found by one search over all the event's strings,
        // gathered while its fields are walked for the field lookups.
        let mut keywords = self.keywords.as_ref().map(|needles| {
            let mut text = std::mem::take(marks.keyword_text);
            text.clear();
            (needles, text)
        });
        match event.flat_fields() {
            Some(fields) => {
                for (name, value) in fields {
                    if let Some(field) = self.plain.get(name.as_str()).and_then(|&i| self.fields.get(i as usize)) {
                        field.probe_value(&FieldView::flat_value(value), marks);
                    }
                    if let Some((needles, text)) = keywords.as_mut() {
                        match value {
                            // Most values: no call through the visitor.
                            Value::String(s) => gather(needles, text, s),
                            _ => FieldView::visit_strings_of(value, &mut |s| gather(needles, text, s)),
                        }
                    }
                }
                for field in self.special.iter().filter_map(|&i| self.fields.get(i as usize)) {
                    field.probe(event, marks);
                }
            }
            None => {
                self.fields.iter().for_each(|field| field.probe(event, marks));
                if let Some((needles, text)) = keywords.as_mut() {
                    event.visit_string_values(&mut |s| gather(needles, text, s));
                }
            }
        }
        if let Some((needles, text)) = keywords {
            needles.mark(&text, &mut |slots| marks.set_all(slots));
            *marks.keyword_text = text;
        }
    }
}

/// Appends `s` to the keyword text, folded and separated, unless it is too
/// short to hold a keyword (folding keeps an ASCII string's length).
fn gather(needles: &Needles, text: &mut Vec<u8>, s: &str) {
    if s.len() >= needles.shortest() || !s.is_ascii() {
        fold_into(text, s);
        text.push(SEPARATOR);
    }
}

impl FieldIndex {
    fn probe(&self, event: &FieldView<'_>, marks: &mut Marks<'_>) {
        if let Some(value) = event.get_field(&self.name) {
            self.probe_value(&value, marks);
        }
    }

    fn probe_value(&self, value: &EventValue<'_>, marks: &mut Marks<'_>) {
        marks.set_all(&self.present);
        if self.exact.is_empty() && self.numbers.is_empty() && self.needles.is_none() {
            return;
        }
        self.mark_value(value, marks);
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
        // Folding keeps an ASCII text's length; other texts may grow or shrink.
        let ascii = text.is_ascii();
        let exact = !self.exact.is_empty() && (!ascii || text.len() <= self.exact_max);
        let needles = self.needles.as_ref().filter(|n| !ascii || text.len() >= n.shortest());
        if !exact && needles.is_none() {
            return;
        }
        let mut folded = std::mem::take(marks.text);
        folded.clear();
        fold_into(&mut folded, text);
        if exact
            && folded.len() <= self.exact_max
            && let Some(slots) = self.exact.get(folded.as_slice())
        {
            marks.set_all(slots);
        }
        if let Some(needles) = needles {
            needles.mark(&folded, &mut |slots| marks.set_all(slots));
        }
        *marks.text = folded;
    }

    /// Numeric equality in `rsigma-eval` is `|v - n| < f64::EPSILON`; for an
    /// integral literal `n` that means `v` rounds to `n`.
    fn mark_number(&self, v: Option<f64>, marks: &mut Marks<'_>) {
        let Some(v) = v.filter(|v| v.is_finite()) else { return };
        let k = v.round();
        if (v - k).abs() < f64::EPSILON
            && let Some(slots) = self.numbers.get(&(k as i64))
        {
            marks.set_all(slots);
        }
    }
}

#[derive(Default)]
struct FieldBuild {
    present: Vec<u32>,
    exact: FxHashMap<String, Vec<u32>>,
    numbers: FxHashMap<i64, Vec<u32>>,
    needles: FxHashMap<String, Vec<u32>>,
}

fn push<K>(entry: std::collections::hash_map::Entry<'_, K, Vec<u32>>, slot: u32) {
    let slots = entry.or_default();
    if slots.last() != Some(&slot) {
        slots.push(slot);
    }
}
