//! Which rule files a known set of events can reach, so that an offline
//! hunt parses and compiles only those.
//!
//! Why: parsing and compiling all 3,141 SigmaHQ rules is most of a short
//! hunt's time, and an event only ever meets the rules whose logsource its
//! route satisfies (strict logsource, as [`crate::route`] routes). A rule's
//! logsource is read off its text without a YAML parser: that read is
//! deliberately narrow, and whenever the text is anything but the plain
//! block form SigmaHQ writes (several documents, flow style, anchors,
//! block scalars, odd indentation, a repeated key) the file is kept, so a
//! reachable rule is never left out.

use std::collections::HashSet;

use safecare_model::Event;

use crate::route::EventRoute;

/// The routes of a set of events.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    routes: HashSet<EventRoute>,
}

/// A rule's `logsource` product, service and category, lowercased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RuleSource {
    product: Option<String>,
    service: Option<String>,
    category: Option<String>,
}

impl Reach {
    /// The routes `events` meet.
    pub fn of<'e>(events: impl IntoIterator<Item = &'e Event>) -> Self {
        Reach { routes: events.into_iter().map(EventRoute::of).collect() }
    }

    /// How many distinct routes the events meet.
    pub fn routes(&self) -> usize {
        self.routes.len()
    }

    /// Whether some event's route satisfies every dimension the rule sets.
    pub(crate) fn admits(&self, rule: &RuleSource) -> bool {
        self.routes.iter().any(|route| {
            let meets = |set: &Option<String>, has: Option<&str>| set.as_deref().is_none_or(|s| has == Some(s));
            meets(&rule.product, route.product.as_deref())
                && meets(&rule.service, route.service.as_deref())
                && rule.category.as_deref().is_none_or(|c| route.categories.iter().any(|e| e == c))
        })
    }

    /// Whether the rule file `text` may hold a rule some event reaches:
    /// false only when its logsource was read with certainty and no route
    /// satisfies it.
    pub(crate) fn may_reach(&self, text: &str) -> bool {
        rule_source(text).is_none_or(|source| self.admits(&source))
    }
}

/// Whether the rule texts hold a correlation or a filter: those name other
/// rules by id, so leaving any rule out could change what they load as.
pub(crate) fn names_other_rules(text: &str) -> bool {
    text.lines().any(|line| line.starts_with("correlation:") || line.starts_with("filter:"))
}

/// The logsource of a one-document rule in SigmaHQ's block form; `None`
/// when the text is any other form.
pub(crate) fn rule_source(text: &str) -> Option<RuleSource> {
    let mut lines = text.lines();
    let mut found = None;
    while let Some(line) = lines.next() {
        if line.trim_end() == "---" || line.starts_with("...") {
            return None;
        }
        if let Some(rest) = line.strip_prefix("logsource:") {
            if found.is_some() || !is_blank(rest) {
                return None;
            }
            found = Some(block(&mut lines)?);
        }
    }
    found.and_then(|(source, rest_is_plain)| rest_is_plain.then_some(source))
}

/// Reads the keys of the `logsource` block; answers them and whether the
/// rest of the text may follow (it is then still checked for more
/// documents by the caller).
fn block<'t>(lines: &mut impl Iterator<Item = &'t str>) -> Option<(RuleSource, bool)> {
    let mut source = RuleSource::default();
    let mut indent = None;
    // The key of the previous line; a deeper line belongs to its value.
    let mut previous: Option<&str> = None;
    for line in lines.by_ref() {
        if is_blank(line) {
            continue;
        }
        let depth = line.len() - line.trim_start_matches(' ').len();
        if depth == 0 {
            if line.starts_with('\t') {
                return None;
            }
            // The block ended; `rule_source` goes on with the next lines
            // only to refuse further documents, which this line may start.
            if line.trim_end() == "---" || line.starts_with("...") || line.starts_with("logsource:") {
                return None;
            }
            return Some((source, true));
        }
        let indent = *indent.get_or_insert(depth);
        if depth > indent {
            if previous.is_none_or(|k| matches!(k, "product" | "service" | "category")) {
                return None;
            }
            continue;
        }
        if depth < indent {
            return None;
        }
        let (key, value) = line.trim_start().split_once(':')?;
        previous = Some(key);
        let slot = match key {
            "product" => &mut source.product,
            "service" => &mut source.service,
            "category" => &mut source.category,
            _ => continue,
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(scalar(value)?);
    }
    Some((source, true))
}

/// A plain or quoted one-line scalar, lowercased; `None` for anything
/// else (empty, flow collections, anchors, tags, block scalars).
fn scalar(value: &str) -> Option<String> {
    let value = match value.find(" #") {
        Some(at) => &value[..at],
        None => value,
    }
    .trim();
    let unquoted = match value.as_bytes() {
        [b'\'', .., b'\''] | [b'"', .., b'"'] if value.len() >= 2 => &value[1..value.len() - 1],
        _ => value,
    };
    let plain = !unquoted.is_empty()
        && unquoted.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b' '))
        && unquoted.trim() == unquoted;
    plain.then(|| unquoted.to_ascii_lowercase())
}

fn is_blank(s: &str) -> bool {
    let s = s.trim();
    s.is_empty() || s.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(p: Option<&str>, s: Option<&str>, c: Option<&str>) -> RuleSource {
        RuleSource { product: p.map(Into::into), service: s.map(Into::into), category: c.map(Into::into) }
    }

    #[test]
    fn the_block_form_is_read() {
        let text = "title: t\nlogsource:\n    product: Windows # the OS\n    category: 'process_creation'\n    definition: |\n        product: linux\ndetection:\n    sel:\n        product: x\n    condition: sel\n";
        assert_eq!(rule_source(text), Some(source(Some("windows"), None, Some("process_creation"))));
        let text = "logsource:\n  service: \"security\"\n  product: windows\ntitle: t\n";
        assert_eq!(rule_source(text), Some(source(Some("windows"), Some("security"), None)));
    }

    #[test]
    fn any_other_form_keeps_the_file() {
        for text in [
            "logsource: {product: windows}\n",
            "logsource:\n  product: windows\n---\nlogsource:\n  product: linux\n",
            "title: a\n---\nlogsource:\n  product: linux\n",
            "logsource:\n  product: windows\nlogsource:\n  product: linux\n",
            "logsource:\n  product: &p windows\n",
            "logsource:\n  product:\n    windows\n",
            "logsource:\n    product: windows\n  service: x\n",
            "logsource:\n  product: windows\n  product: linux\n",
            "logsource:\n  product: [windows]\n",
            "logsource:\n  product:\n",
            "title: no logsource\n",
        ] {
            assert_eq!(rule_source(text), None, "{text}");
        }
    }

    #[test]
    fn a_rule_is_reached_when_every_set_dimension_is_met() {
        let route = |p: &str, s: &str, c: &[&str]| EventRoute {
            product: Some(p.into()),
            service: Some(s.into()),
            categories: c.iter().map(|c| (*c).to_owned()).collect(),
        };
        let reach = Reach {
            routes: [
                route("windows", "sysmon", &["registry_set", "registry_event"]),
                route("windows", "security", &[]),
            ]
            .into_iter()
            .collect(),
        };
        assert!(reach.admits(&source(Some("windows"), None, Some("registry_set"))));
        assert!(reach.admits(&source(Some("windows"), Some("security"), None)));
        assert!(reach.admits(&source(None, None, None)));
        assert!(!reach.admits(&source(Some("windows"), Some("security"), Some("process_creation"))));
        assert!(!reach.admits(&source(Some("linux"), None, None)));
        assert!(!reach.may_reach("logsource:\n  product: linux\n"));
        assert!(reach.may_reach("logsource: {product: linux}\n"));
        assert!(names_other_rules("title: t\ncorrelation:\n  type: event_count\n"));
        assert!(!names_other_rules("detection:\n  filter:\n    A: b\n"));
    }
}
