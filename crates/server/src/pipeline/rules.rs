//! Where the running rule set comes from: the hospital pack built into the
//! binary, then configured folders, minus disabled rules.

use rust_embed::RustEmbed;
use safecare_detect::{DetectError, RuleSet, RuleSetBuilder};

use crate::RulesConfig;

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
    for rule in &config.disabled {
        builder.disable(rule);
    }
    let rules = builder.build();
    for refusal in rules.refused() {
        tracing::warn!(?refusal, "rule refused");
    }
    tracing::info!("{}", rules.summary());
    Ok(rules)
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
}
