//! Propagation rules, as data: how an impact on one asset reaches its
//! neighbours. The schema is documented in `content/impact/rules.yaml` and
//! `docs/impact.md`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use safecare_model::{AssetKind, DependencyClass, RelationKind};
use serde::{Deserialize, Serialize};

use crate::error::LoadError;
use crate::inventory::parse_yaml;

/// What an impact does to an asset.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ImpactType {
    /// Data is disclosed.
    Confidentiality,
    /// Data or function is altered.
    Integrity,
    /// The asset stops working or is unreachable.
    Availability,
    /// People are put at risk.
    Safety,
}

impl ImpactType {
    /// Every impact type.
    pub const ALL: [ImpactType; 4] =
        [ImpactType::Confidentiality, ImpactType::Integrity, ImpactType::Availability, ImpactType::Safety];

    /// The name used in rules and reports (`availability`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Which way an impact crosses a relation: `forward` from its `from` to its
/// `to`, `backward` from its `to` to its `from`. A two-way `leads_to` is
/// crossed `forward` both ways; `supports` is read as the inverse
/// `depends_on` (A supports B ≡ B depends_on A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the relation's `from` to its `to`.
    Forward,
    /// From the relation's `to` to its `from`.
    Backward,
}

/// The rule set: threats and propagation rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Paths whose score falls below this are not followed.
    #[serde(default = "default_min_score")]
    pub min_score: f64,
    /// How many paths are kept per impacted asset (the best, then others).
    #[serde(default = "default_max_paths")]
    pub max_paths: usize,
    /// Each threat and the impact it first has on the asset it hits.
    pub threats: BTreeMap<String, ThreatDef>,
    /// The propagation rules.
    pub rules: Vec<Rule>,
}

fn default_min_score() -> f64 {
    0.05
}

fn default_max_paths() -> usize {
    4
}

/// A threat the rules know.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatDef {
    /// The impact it has on the asset it hits.
    pub impact: ImpactType,
    /// The kinds of asset it can strike (ransomware strikes computers, not
    /// the room they stand in); empty means any. An incident's other assets
    /// (where it was seen) are not where it starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strikes: Vec<AssetKind>,
    /// What it is, for people.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// How long a clinical service hit by it takes to recover, in hours
    /// (the hospital's recovery time objective for that kind of
    /// disruption); [`DEFAULT_RECOVERY_HOURS`] when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_hours: Option<f64>,
}

/// The recovery time of a threat that names none: a day, the horizon a
/// crisis cell plans its next shift around.
pub const DEFAULT_RECOVERY_HOURS: f64 = 24.0;
/// The longest recovery time a threat may name: a year.
pub const MAX_RECOVERY_HOURS: f64 = 8760.0;

/// Whether `hours` is a recovery time the rules accept.
pub fn valid_recovery_hours(hours: f64) -> bool {
    hours.is_finite() && hours > 0.0 && hours <= MAX_RECOVERY_HOURS
}

/// One propagation rule: when an asset suffers `when`, its neighbours across
/// `via` suffer `then`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique name, shown on impact paths.
    pub name: String,
    /// When it applies.
    #[serde(default)]
    pub when: When,
    /// The relation it crosses.
    pub via: Via,
    /// What the neighbour suffers.
    pub then: Then,
}

/// Conditions on the impacted asset; an empty list matches anything.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The asset faces one of these threats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
    /// The asset suffers one of these impacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impacts: Vec<ImpactType>,
    /// The asset is of one of these kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<AssetKind>,
}

/// The relation crossed and conditions on the neighbour.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Via {
    /// The relation kind crossed.
    pub relation: RelationKind,
    /// Which way it is crossed.
    pub direction: Direction,
    /// Dependency classes the relation must carry; empty matches any
    /// relation, with or without a class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<DependencyClass>,
    /// Only relations without a dependency class (the generic rules that
    /// the class-specific ones must not double).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unclassified: bool,
    /// The neighbour is of one of these kinds; empty matches any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to_kinds: Vec<AssetKind>,
}

/// The impact on the neighbour.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Then {
    /// The impact the neighbour suffers.
    pub impact: ImpactType,
    /// The threat the neighbour now faces (a fire upstream is a power loss
    /// downstream); unset keeps the current one (lateral spread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat: Option<String>,
    /// Share of the current score passed on, in (0, 1].
    pub factor: f64,
    /// Time to cross when the relation gives no `delay_minutes`.
    #[serde(default)]
    pub delay_minutes: f64,
}

impl RuleSet {
    /// Rules from a YAML document, checked.
    pub fn from_yaml(text: &str) -> Result<Self, LoadError> {
        let rules: RuleSet = parse_yaml(text, "<text>")?;
        rules.check("<text>")?;
        Ok(rules)
    }

    /// Rules from a YAML file, checked.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
        let origin = path.display().to_string();
        let rules: RuleSet = parse_yaml(&text, &origin)?;
        rules.check(&origin)?;
        Ok(rules)
    }

    /// The rules shipped in `content/impact/rules.yaml`.
    /// Parsed once per process; later calls copy the parsed rules.
    pub fn bundled() -> Self {
        // The file is compiled in and parsed by a test, so it cannot fail at run
        // time without failing the build's tests first.
        #[allow(clippy::expect_used)]
        static BUNDLED: LazyLock<RuleSet> = LazyLock::new(|| {
            RuleSet::from_yaml(include_str!("../../../content/impact/rules.yaml")).expect("bundled rules.yaml is valid")
        });
        BUNDLED.clone()
    }

    /// How long a service hit by `threat` takes to recover, in hours: the
    /// threat's `recovery_hours`, else [`DEFAULT_RECOVERY_HOURS`] (also for
    /// a threat the rules do not know).
    pub fn recovery_hours(&self, threat: &str) -> f64 {
        self.threats.get(threat).and_then(|t| t.recovery_hours).unwrap_or(DEFAULT_RECOVERY_HOURS)
    }

    fn check(&self, origin: &str) -> Result<(), LoadError> {
        let fail = |message: String| Err(LoadError::Content { origin: origin.to_owned(), message });
        if !(self.min_score > 0.0 && self.min_score < 1.0) {
            return fail(format!("min_score {} must be in (0, 1)", self.min_score));
        }
        if self.max_paths == 0 {
            return fail("max_paths must be at least 1".to_owned());
        }
        for (name, threat) in &self.threats {
            if let Some(hours) = threat.recovery_hours
                && !valid_recovery_hours(hours)
            {
                return fail(format!(
                    "threat `{name}`: recovery_hours {hours} must be more than 0 and at most {MAX_RECOVERY_HOURS}"
                ));
            }
        }
        for rule in &self.rules {
            let name = &rule.name;
            if !(rule.then.factor > 0.0 && rule.then.factor <= 1.0) {
                return fail(format!("rule `{name}`: factor {} must be in (0, 1]", rule.then.factor));
            }
            if !(rule.then.delay_minutes.is_finite() && rule.then.delay_minutes >= 0.0) {
                return fail(format!("rule `{name}`: delay_minutes must be finite and non-negative"));
            }
            if rule.via.unclassified && !rule.via.classes.is_empty() {
                return fail(format!("rule `{name}`: `unclassified` and `classes` exclude each other"));
            }
            if rule.via.relation == RelationKind::Supports {
                return fail(format!("rule `{name}`: write `supports` as depends_on with the opposite direction"));
            }
            for threat in rule.when.threats.iter().chain(rule.then.threat.iter()) {
                if !self.threats.contains_key(threat) {
                    return fail(format!("rule `{name}`: unknown threat `{threat}`"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rules_load_and_name_their_threats() {
        let rules = RuleSet::bundled();
        for threat in ["fire", "power_loss", "tampering", "phishing", "ransomware", "physical_intrusion", "offline"] {
            assert!(rules.threats.contains_key(threat), "{threat}");
        }
        assert!(rules.rules.len() >= 20);
    }

    #[test]
    fn recovery_times_come_from_the_threats_with_a_default_and_bad_ones_are_refused() {
        let rules = RuleSet::bundled();
        assert_eq!(rules.recovery_hours("fire"), 72.0);
        assert_eq!(rules.recovery_hours("power_loss"), 8.0);
        assert_eq!(rules.recovery_hours("no-such-threat"), DEFAULT_RECOVERY_HOURS);
        let yaml =
            |hours: &str| format!("threats:\n  fire: {{impact: availability, recovery_hours: {hours}}}\nrules: []\n");
        assert_eq!(RuleSet::from_yaml(&yaml("12")).unwrap().recovery_hours("fire"), 12.0);
        for bad in ["0", "-3", "9000", ".nan"] {
            let err = RuleSet::from_yaml(&yaml(bad)).unwrap_err().to_string();
            assert!(err.contains("threat `fire`: recovery_hours"), "{bad}: {err}");
        }
    }
}
