//! Replacing the configured personal fields of an event with tokens.

use std::collections::HashMap;
use std::net::IpAddr;

use safecare_model::Event;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::FieldKind;
use crate::config::{FieldRule, PseudonymConfig, Scrub};
use crate::emails;
use crate::key::SecretKey;
use crate::path;
use crate::token::Tokeniser;

/// Values shorter than this are not searched for in the message: replacing
/// every `ab` in free text would garble it without protecting anyone.
const MIN_SCRUB_LEN: usize = 3;

/// Turns an event's personal fields into tokens under one key.
#[derive(Debug)]
pub struct Pseudonymiser {
    tokeniser: Tokeniser,
    scrub: Scrub,
    /// Rules for sources without rules of their own.
    common: RuleSet,
    /// Full rule sets of the sources that have extra rules.
    by_source: HashMap<String, RuleSet>,
}

/// Rules indexed by every dotted prefix of their path, so an event is
/// matched by looking up its few top-level keys instead of resolving every
/// rule's path against it.
#[derive(Debug)]
struct RuleSet {
    rules: Vec<FieldRule>,
    by_prefix: HashMap<String, Vec<usize>>,
}

impl RuleSet {
    fn new(all: Vec<FieldRule>) -> Self {
        // A path listed twice (common and per source) would otherwise be
        // tokenised twice, turning the token itself into a token.
        let mut rules: Vec<FieldRule> = Vec::with_capacity(all.len());
        for rule in all {
            if !rules.iter().any(|r| r.field == rule.field) {
                rules.push(rule);
            }
        }
        let mut by_prefix: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let ends = rule.field.match_indices('.').map(|(dot, _)| dot).chain([rule.field.len()]);
            for end in ends {
                by_prefix.entry(rule.field[..end].to_owned()).or_default().push(i);
            }
        }
        RuleSet { rules, by_prefix }
    }

    /// The rules that may match an event with these top-level keys, each once.
    fn candidates<'k>(&self, keys: impl Iterator<Item = &'k String>) -> Vec<&FieldRule> {
        let mut picked: Vec<usize> = keys.filter_map(|k| self.by_prefix.get(k)).flatten().copied().collect();
        picked.sort_unstable();
        picked.dedup();
        picked.into_iter().map(|i| &self.rules[i]).collect()
    }
}

/// One identifier that was replaced: what the vault must remember so that a
/// privacy officer can later re-identify `token`. `value` is the normalised
/// original; it is wiped from memory on drop and never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The token that replaced the value.
    pub token: String,
    /// The kind of identifier replaced.
    pub kind: FieldKind,
    /// The normalised original value.
    pub value: Zeroizing<String>,
}

impl std::fmt::Debug for Replacement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replacement").field("token", &self.token).field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// A value replaced in a field: its token and the text put in its place.
struct Replaced {
    replacement: Replacement,
    /// Original spellings to hide in the message, each with its stand-in.
    spellings: Vec<(String, String)>,
}

impl Pseudonymiser {
    /// A pseudonymiser keyed with `key`, applying the field rules of `config`.
    pub fn new(key: &SecretKey, config: &PseudonymConfig) -> Self {
        let by_source =
            config.sources.keys().map(|source| (source.clone(), RuleSet::new(config.rules_for(source)))).collect();
        Pseudonymiser {
            tokeniser: Tokeniser::new(key),
            scrub: config.scrub,
            // No source name is empty (the model refuses it), so this is
            // exactly the common rules plus the optional address rules.
            common: RuleSet::new(config.rules_for("")),
            by_source,
        }
    }

    /// The tokeniser, for callers that need a token without an event (the
    /// search box: an analyst types a user name, the UI searches its token).
    pub fn tokeniser(&self) -> &Tokeniser {
        &self.tokeniser
    }

    /// The text that replaces `raw` in a field of `kind`, or `None` when the
    /// value identifies nobody and stays as it is.
    pub fn pseudonymise_value(&self, kind: FieldKind, raw: &str) -> Option<String> {
        self.replace_str(kind, raw).and_then(|r| r.spellings.into_iter().next()).map(|(_, with)| with)
    }

    /// Replaces the configured fields of `event` in place and returns what
    /// was replaced, once per token, for the vault.
    pub fn pseudonymise(&self, event: &mut Event) -> Vec<Replacement> {
        let rules = self.by_source.get(&event.source).unwrap_or(&self.common);
        let mut replaced: Vec<Replaced> = Vec::new();
        for rule in rules.candidates(event.fields.keys()) {
            if let Some(value) = path::get_mut(&mut event.fields, &rule.field) {
                self.replace_value(rule.kind, value, &mut replaced);
            }
        }
        if self.scrub != Scrub::Off && !replaced.is_empty() {
            let scrubber = Scrubber::new(&replaced);
            scrubber.scrub(&mut event.message);
            if self.scrub == Scrub::AllText {
                for value in event.fields.values_mut() {
                    scrubber.scrub_value(value);
                }
            }
        }
        // Addresses no configured field named: free text is where they hide.
        if self.scrub != Scrub::Off {
            self.replace_addresses(&mut event.message, &mut replaced);
            if self.scrub == Scrub::AllText {
                for value in event.fields.values_mut() {
                    self.replace_addresses_in(value, &mut replaced);
                }
            }
        }
        let mut out: Vec<Replacement> = Vec::with_capacity(replaced.len());
        for r in replaced {
            if !out.iter().any(|o| o.token == r.replacement.token) {
                out.push(r.replacement);
            }
        }
        out
    }

    fn replace_value(&self, kind: FieldKind, value: &mut Value, out: &mut Vec<Replaced>) {
        let replaced = match value {
            Value::String(s) => self.replace_str(kind, s),
            // Badge and patient numbers often arrive as JSON numbers.
            Value::Number(n) => self.replace_str(kind, &n.to_string()),
            Value::Array(items) => {
                for item in items {
                    self.replace_value(kind, item, out);
                }
                return;
            }
            Value::Null | Value::Bool(_) | Value::Object(_) => return,
        };
        if let Some(r) = replaced {
            if let Some((_, with)) = r.spellings.first() {
                *value = Value::String(with.clone());
            }
            out.push(r);
        }
    }

    fn replace_addresses_in(&self, value: &mut Value, out: &mut Vec<Replaced>) {
        match value {
            Value::String(s) => self.replace_addresses(s, out),
            Value::Array(items) => items.iter_mut().for_each(|v| self.replace_addresses_in(v, out)),
            Value::Object(map) => map.values_mut().for_each(|v| self.replace_addresses_in(v, out)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Replaces every e-mail address in `text` by its `eml_` token.
    fn replace_addresses(&self, text: &mut String, out: &mut Vec<Replaced>) {
        let spans = emails::find(text);
        if spans.is_empty() {
            return;
        }
        let mut new = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end) in spans {
            let Some(r) = self.replace_str(FieldKind::Email, &text[start..end]) else { continue };
            let Some((_, with)) = r.spellings.first() else { continue };
            new.push_str(&text[last..start]);
            new.push_str(with);
            last = end;
            out.push(r);
        }
        new.push_str(&text[last..]);
        *text = new;
    }

    fn replace_str(&self, kind: FieldKind, raw: &str) -> Option<Replaced> {
        if kind == FieldKind::Ip {
            let addr: IpAddr = raw.trim().parse().ok()?;
            let token = self.tokeniser.ip(addr);
            if token == addr {
                return None;
            }
            let token = token.to_string();
            return Some(Replaced {
                spellings: vec![(raw.trim().to_owned(), token.clone())],
                replacement: Replacement { token, kind, value: Zeroizing::new(addr.to_string()) },
            });
        }
        let normalised = kind.normalise(raw)?;
        let token = self.tokeniser.token(kind, &normalised.key);
        let full = format!("{}{token}{}", normalised.before, normalised.after);
        let trimmed = raw.trim();
        let mut spellings = vec![(trimmed.to_owned(), full)];
        // The bare account or local part may appear alone in the message.
        let bare = &trimmed[normalised.before.len()..trimmed.len() - normalised.after.len()];
        if bare.len() != trimmed.len() {
            spellings.push((bare.to_owned(), token.clone()));
        }
        Some(Replaced { spellings, replacement: Replacement { token, kind, value: Zeroizing::new(normalised.key) } })
    }
}

/// Hides replaced values where they recur in other text of the event.
struct Scrubber<'a> {
    /// Lower-cased original spellings with their stand-ins, longest first so
    /// `HOSP\jdoe` goes whole before `jdoe` alone is looked for.
    needles: Vec<(String, &'a str)>,
    /// The texts just put into configured fields: left alone, so a token
    /// that happens to contain a short original is not rewritten.
    outputs: Vec<&'a str>,
}

impl<'a> Scrubber<'a> {
    fn new(replaced: &'a [Replaced]) -> Self {
        let spellings = replaced.iter().flat_map(|r| &r.spellings);
        let mut needles: Vec<(String, &str)> = spellings
            .clone()
            .filter(|(from, _)| from.len() >= MIN_SCRUB_LEN)
            .map(|(from, to)| (from.to_ascii_lowercase(), to.as_str()))
            .collect();
        needles.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        let outputs = replaced.iter().filter_map(|r| r.spellings.first()).map(|(_, to)| to.as_str()).collect();
        Scrubber { needles, outputs }
    }

    fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => self.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.scrub_value(v)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn scrub(&self, text: &mut String) {
        if text.len() < MIN_SCRUB_LEN || self.outputs.contains(&text.as_str()) {
            return;
        }
        for (from, to) in &self.needles {
            if let Some(new) = replace_ignoring_ascii_case(text, from, to) {
                *text = new;
            }
        }
    }
}

/// Replaces whole-word occurrences only: `jdoe` in `C:\\Users\\jdoe\\` but not
/// in `jdoe2`, and `10.4.7.21` but not inside `10.4.7.210`, which would turn
/// into a wrong but plausible address. ASCII lower-casing keeps every byte
/// offset, so offsets found in the lower-cased copy are valid in the
/// original. `needle_lower` must already be lower-cased.
fn replace_ignoring_ascii_case(haystack: &str, needle_lower: &str, with: &str) -> Option<String> {
    let lower = haystack.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii();
    let mut out = String::new();
    let mut last = 0;
    for (at, _) in lower.match_indices(needle_lower) {
        let end = at + needle_lower.len();
        let starts_word = at == 0 || !is_word(bytes[at - 1]);
        let ends_word = end == bytes.len() || !is_word(bytes[end]);
        if starts_word && ends_word {
            out.push_str(&haystack[last..at]);
            out.push_str(with);
            last = end;
        }
    }
    if last == 0 {
        return None;
    }
    out.push_str(&haystack[last..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_debug_hides_the_value() {
        let r = Replacement { token: "usr_x".into(), kind: FieldKind::User, value: Zeroizing::new("jdoe".into()) };
        assert!(!format!("{r:?}").contains("jdoe"));
    }

    #[test]
    fn addresses_in_free_text_become_tokens_and_are_sealed() {
        let key = SecretKey::from_bytes([7; crate::KEY_LEN]);
        let p = Pseudonymiser::new(&key, &PseudonymConfig::default());
        let time = "2026-01-01T00:00:00Z".parse().unwrap();
        let message = "Clicked by Jean.Martin@hq.example today";
        let mut event = Event::new("mail", safecare_model::Domain::Cyber, time, message);
        let fields = serde_json::json!({"note": ["cc ana@ward.example"], "UserPrincipalName": "jdoe@hosp.local"});
        event.fields = fields.as_object().unwrap().clone();
        let sealed = p.pseudonymise(&mut event);
        let text = serde_json::to_string(&event).unwrap().to_lowercase();
        for clear in ["jean.martin", "ana@", "jdoe"] {
            assert!(!text.contains(clear), "{clear} left in {text}");
        }
        assert!(event.message.starts_with("Clicked by eml_") && event.message.ends_with("@hq.example today"));
        assert_eq!(sealed.iter().filter(|r| r.kind == FieldKind::Email).count(), 2);
    }

    #[test]
    fn case_insensitive_replace_keeps_other_text() {
        assert_eq!(replace_ignoring_ascii_case("Bob and BOB, bób", "bob", "X"), Some("X and X, bób".into()));
        assert_eq!(replace_ignoring_ascii_case("nothing", "bob", "X"), None);
        assert_eq!(replace_ignoring_ascii_case("bob2 bob_x bobé", "bob", "X"), None);
        assert_eq!(
            replace_ignoring_ascii_case("10.4.7.210 10.4.7.21:445 110.4.7.21", "10.4.7.21", "T"),
            Some("10.4.7.210 T:445 110.4.7.21".into())
        );
    }
}
