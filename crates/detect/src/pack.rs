//! Where a rule set comes from: the hospital pack built into the binary,
//! then configured folders, minus disabled rules (by the configuration, or
//! switched off at run time through the API). The service, `hunt` and
//! `bench detect` all load rules here.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};

use crate::error::{DetectError, Refusal};
use crate::ruleset::{RuleSet, RuleSetBuilder};

/// Which Sigma rules run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// Run the hospital rule pack built into SafeCare.
    pub builtin: bool,
    /// More folders of Sigma rules (for example a SigmaHQ checkout).
    pub dirs: Vec<PathBuf>,
    /// Rule ids or names to switch off (rules switched on or off through
    /// the API override this list).
    pub disabled: Vec<String>,
    /// Reload the rules when a file under `dirs` changes.
    pub watch: bool,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig { builtin: true, dirs: Vec::new(), disabled: Vec::new(), watch: true }
    }
}

/// The hospital rule pack, compiled into the binary so that SafeCare
/// detects out of the box wherever it runs.
#[derive(RustEmbed)]
#[folder = "../../content/rules/hospital"]
#[include = "*.yml"]
#[include = "*.yaml"]
struct HospitalPack;

/// A configured rule folder that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot load rules: {0}")]
pub struct RulesError(#[from] DetectError);

/// Builds the rule set the configuration asks for. Single bad rules are
/// refused and listed (see `RuleSet::refused`), not fatal.
pub fn load_rules(config: &RulesConfig) -> Result<RuleSet, RulesError> {
    let rules = build(config, &config.disabled)?;
    for refusal in rules.refused() {
        tracing::warn!(?refusal, "rule refused");
    }
    tracing::info!("{}", rules.summary());
    Ok(rules)
}

fn build(config: &RulesConfig, disabled: &[String]) -> Result<RuleSet, RulesError> {
    let mut builder = RuleSetBuilder::new();
    if config.builtin {
        let mut names: Vec<_> = HospitalPack::iter().collect();
        names.sort();
        for name in names {
            if let Some(file) = HospitalPack::get(&name) {
                builder.add_yaml(&String::from_utf8_lossy(&file.data));
            }
        }
    }
    for dir in &config.dirs {
        builder.add_dir(dir)?;
    }
    for rule in disabled {
        builder.disable(rule);
    }
    Ok(builder.build())
}

/// Rules switched on or off at run time, by rule id; they override the
/// configuration's `disabled` list and are kept in the store so that they
/// survive a restart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Switches {
    /// Rule id to whether it runs.
    pub enabled: BTreeMap<String, bool>,
}

/// Every rule the sources hold (for listing, enabled or not) and the set
/// that runs (the same, less the disabled rules).
#[derive(Clone)]
pub struct Catalog {
    /// Every loaded rule, enabled or not.
    pub all: Arc<RuleSet>,
    /// The rules that run.
    pub active: Arc<RuleSet>,
}

impl Catalog {
    /// Reads the rule sources and compiles them once; the running set is
    /// derived from that (see [`Catalog::switched`]). Blocking (files, and
    /// seconds of compiling for thousands of rules): call it off the async
    /// workers.
    pub fn load(config: &RulesConfig, switches: &Switches) -> Result<Catalog, RulesError> {
        let all = Arc::new(build(config, &[])?);
        Ok(Catalog::over(all, config, switches))
    }

    /// The same loaded rules under other switches. Nothing is read or
    /// compiled again: the running set is the loaded one less the disabled
    /// rules ([`RuleSet::without`]).
    pub fn switched(&self, config: &RulesConfig, switches: &Switches) -> Catalog {
        Catalog::over(self.all.clone(), config, switches)
    }

    fn over(all: Arc<RuleSet>, config: &RulesConfig, switches: &Switches) -> Catalog {
        let disabled = disabled(&all, config, switches);
        let active = if disabled.is_empty() { all.clone() } else { Arc::new(all.without(&disabled)) };
        Catalog { all, active }
    }

    /// Whether the rule with this id runs.
    pub fn enabled(&self, id: &str) -> bool {
        self.active.rule(id).is_some()
    }

    /// Refusals of the running set that loading everything does not have:
    /// correlations left without a rule they need because it is disabled.
    pub fn broken_by_disabling(&self) -> Vec<&Refusal> {
        let known: HashSet<(&std::path::Path, &str)> =
            self.all.refused().iter().map(|r| (r.path.as_path(), r.reason.as_str())).collect();
        self.active.refused().iter().filter(|r| !known.contains(&(r.path.as_path(), r.reason.as_str()))).collect()
    }

    /// Refusals in `self` that `earlier` did not have: what a reload would
    /// newly lose.
    pub fn newly_refused(&self, earlier: &Catalog) -> Vec<Refusal> {
        let known: HashSet<(&std::path::Path, &str)> =
            earlier.all.refused().iter().map(|r| (r.path.as_path(), r.reason.as_str())).collect();
        self.all.refused().iter().filter(|r| !known.contains(&(r.path.as_path(), r.reason.as_str()))).cloned().collect()
    }
}

/// The ids and names to leave out: the configuration's list, less rules
/// switched on at run time, plus rules switched off.
fn disabled(all: &RuleSet, config: &RulesConfig, switches: &Switches) -> HashSet<String> {
    let switched_on = |key: &str| all.rule(key).is_some_and(|m| switches.enabled.get(&m.id) == Some(&true));
    let mut out: HashSet<String> = config.disabled.iter().filter(|k| !switched_on(k)).cloned().collect();
    out.extend(switches.enabled.iter().filter(|(_, on)| !**on).map(|(id, _)| id.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_pack_loads_whole_and_can_be_trimmed() {
        let all = load_rules(&RulesConfig::default()).unwrap();
        assert!(all.len() >= 40, "{}", all.summary());
        assert!(all.refused().is_empty(), "{:?}", all.refused());
        let some_id = all.rules().next().unwrap().id.clone();
        let trimmed = load_rules(&RulesConfig { disabled: vec![some_id.clone()], ..Default::default() }).unwrap();
        assert!(trimmed.rule(&some_id).is_none());
        let none = load_rules(&RulesConfig { builtin: false, ..Default::default() }).unwrap();
        assert!(none.is_empty());
        let missing = RulesConfig { dirs: vec!["/no/such/folder".into()], ..Default::default() };
        assert!(load_rules(&missing).is_err());
    }

    #[test]
    fn switches_override_the_configuration_both_ways() {
        let config = RulesConfig { disabled: vec!["hospital-access-controller-tamper".into()], ..Default::default() };
        let plain = Catalog::load(&config, &Switches::default()).unwrap();
        let tamper = plain.all.rule("hospital-access-controller-tamper").unwrap().id.clone();
        assert!(!plain.enabled(&tamper));
        assert_eq!(plain.all.len(), plain.active.len() + 1);

        let upload = plain.all.rule("hospital-large-upload").unwrap().id.clone();
        let switches = Switches { enabled: [(tamper.clone(), true), (upload.clone(), false)].into() };
        let switched = Catalog::load(&config, &switches).unwrap();
        assert!(switched.enabled(&tamper));
        assert!(!switched.enabled(&upload));
        assert!(switched.all.rule(&upload).is_some(), "a disabled rule is still listed");
    }

    #[test]
    fn switching_derives_the_running_set_without_compiling_again() {
        let config = RulesConfig::default();
        let plain = Catalog::load(&config, &Switches::default()).unwrap();
        assert!(Arc::ptr_eq(&plain.all, &plain.active), "nothing disabled: one set");
        let upload = plain.all.rule("hospital-large-upload").unwrap().id.clone();
        let off = plain.switched(&config, &Switches { enabled: [(upload.clone(), false)].into() });
        assert!(Arc::ptr_eq(&plain.all, &off.all), "the loaded rules are shared, not reloaded");
        assert_eq!(off.active.compilation(), plain.all.compilation(), "the running set was compiled again");
        assert!(!off.enabled(&upload));
        assert_eq!(off.active.len() + 1, plain.all.len());
        let shared = |rule: &Arc<rsigma_eval::CompiledRule>| plain.all.compiled.iter().any(|r| Arc::ptr_eq(r, rule));
        assert!(off.active.compiled.iter().all(shared), "the running set copied compiled rules");
        let on = off.switched(&config, &Switches { enabled: [(upload.clone(), true)].into() });
        assert!(on.enabled(&upload));
        assert!(Arc::ptr_eq(&on.all, &on.active));
        let reloaded = Catalog::load(&config, &Switches::default()).unwrap();
        assert_ne!(reloaded.all.compilation(), plain.all.compilation(), "a load compiles anew");
    }

    #[test]
    fn a_derived_set_equals_a_set_compiled_without_the_rule() {
        let config = RulesConfig::default();
        let plain = Catalog::load(&config, &Switches::default()).unwrap();
        let mut ids: Vec<String> = plain.all.rules().map(|m| m.id.clone()).collect();
        ids.sort();
        for id in ids.iter().step_by(5) {
            let derived = plain.switched(&config, &Switches { enabled: [(id.clone(), false)].into() });
            // The builder leaves the rule out before parsing: a set that
            // never had it, the reference the derived set must equal.
            let compiled = load_rules(&RulesConfig { disabled: vec![id.clone()], ..Default::default() }).unwrap();
            let listed = |set: &RuleSet| {
                let mut ids: Vec<String> = set.rules().map(|m| m.id.clone()).collect();
                ids.sort();
                ids
            };
            assert_eq!(listed(&derived.active), listed(&compiled), "rules running without {id}");
            assert_eq!(derived.active.refused(), compiled.refused(), "refusals without {id}");
            assert_eq!(derived.active.correlated_ids, compiled.correlated_ids, "correlated without {id}");
            assert_eq!(derived.active.correlation_only, compiled.correlation_only, "correlation-only without {id}");
            assert_eq!(derived.active.compiled.len(), compiled.compiled.len(), "compiled rules without {id}");
        }
    }

    #[test]
    fn disabling_a_rule_a_correlation_needs_is_reported() {
        let plain = Catalog::load(&RulesConfig::default(), &Switches::default()).unwrap();
        assert!(plain.broken_by_disabling().is_empty());
        let usb = plain.all.rule("hospital-usb-storage").unwrap().id.clone();
        let switched = Catalog::load(&RulesConfig::default(), &Switches { enabled: [(usb, false)].into() }).unwrap();
        let broken = switched.broken_by_disabling();
        assert!(
            broken.iter().any(|r| r.title.as_deref().is_some_and(|t| t.contains("USB"))),
            "the badge-then-USB correlation needs the USB rule: {broken:?}"
        );
    }
}
