//! What SafeCare keeps about each loaded rule to build its alerts.

use rsigma_parser::Level;
use safecare_model::Severity;
use serde::Serialize;

/// The custom attribute naming a rule's SafeCare threat type.
pub const THREAT_ATTRIBUTE: &str = "safecare.threat";
/// The tag namespace that may name it instead (`safecare.forced_entry`).
pub const THREAT_TAG_PREFIX: &str = "safecare.";

/// Whether a rule is a single-event detection or a correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A rule matched against one event at a time.
    Detection,
    /// A Sigma correlation over the matches of other rules.
    Correlation,
}

/// One loaded rule, as the alert builder and the rules API see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMeta {
    /// The rule's `id`, or `<file>#<n>` for a rule that has none.
    pub id: String,
    /// The rule's optional `name`, by which correlations refer to it.
    pub name: Option<String>,
    /// The rule's `title`.
    pub title: String,
    /// The rule's `description`, if any.
    pub description: Option<String>,
    /// Detection or correlation.
    pub kind: RuleKind,
    /// The alert severity, from the rule's `level`.
    pub severity: Severity,
    /// The rule's tags, as written.
    pub tags: Vec<String>,
    /// The SafeCare threat type, from the attribute or a tag (see [`THREAT_ATTRIBUTE`]).
    pub threat: Option<String>,
    /// The file it came from.
    pub path: String,
}

/// Sigma levels onto SafeCare's scale; a rule without a level is `medium`,
/// Sigma's own default for an unrated detection.
pub(crate) fn severity_of(level: Option<&Level>) -> Severity {
    match level {
        Some(Level::Informational) => Severity::Info,
        Some(Level::Low) => Severity::Low,
        Some(Level::Medium) | None => Severity::Medium,
        Some(Level::High) => Severity::High,
        Some(Level::Critical) => Severity::Critical,
    }
}

/// The threat type: the `safecare.threat` attribute, else a `safecare.<type>`
/// tag, else the first ATT&CK tactic tag (`attack.credential-access` gives
/// `credential_access`) so that SigmaHQ rules still feed the impact model.
pub(crate) fn threat_of(attribute: Option<&str>, tags: &[String]) -> Option<String> {
    if let Some(threat) = attribute.filter(|t| !t.is_empty()) {
        return Some(threat.to_owned());
    }
    if let Some(tag) = tags.iter().find_map(|t| t.strip_prefix(THREAT_TAG_PREFIX)) {
        return Some(tag.to_owned());
    }
    tags.iter()
        .filter_map(|t| t.strip_prefix("attack.").or_else(|| t.strip_prefix("attack-ics.")))
        .find(|t| !is_technique(t))
        .map(|t| t.replace('-', "_"))
}

/// ATT&CK technique ids (`t1003.001`) as opposed to tactic names.
fn is_technique(tag: &str) -> bool {
    let mut chars = tag.chars();
    matches!(chars.next(), Some('t' | 'T')) && chars.next().is_some_and(|c| c.is_ascii_digit())
        || tag.starts_with('g') && tag[1..].chars().all(|c| c.is_ascii_digit())
        || tag.starts_with('s') && tag[1..].chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn threat_comes_from_attribute_then_tag_then_tactic() {
        let t = tags(&["attack.t1003.001", "attack.credential-access", "safecare.forced_entry"]);
        assert_eq!(threat_of(Some("ransomware"), &t).as_deref(), Some("ransomware"));
        assert_eq!(threat_of(None, &t).as_deref(), Some("forced_entry"));
        assert_eq!(threat_of(None, &t[..2]).as_deref(), Some("credential_access"));
        assert_eq!(threat_of(None, &tags(&["attack.t1059", "attack.g0032", "attack.s0002"])), None);
    }

    #[test]
    fn levels_map_onto_severity() {
        assert_eq!(severity_of(Some(&Level::Informational)), Severity::Info);
        assert_eq!(severity_of(Some(&Level::Critical)), Severity::Critical);
        assert_eq!(severity_of(None), Severity::Medium);
    }
}
