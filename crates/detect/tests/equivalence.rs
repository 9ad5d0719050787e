//! The prefilter changes speed, never results: over every Windows sample
//! and the SigmaHQ rules, the (event, rule) matches of the prefiltered path
//! equal those of `rsigma-eval` used plainly with strict logsource. Needs
//! `SAFECARE_SAMPLES_DIR`; skipped when it is unset.

use std::collections::BTreeSet;
use std::path::PathBuf;

use safecare_detect::RuleSet;
use safecare_detect::samples::windows_events;
use safecare_model::Event;

fn samples() -> Option<PathBuf> {
    match std::env::var_os("SAFECARE_SAMPLES_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            println!("SAFECARE_SAMPLES_DIR unset: prefilter equivalence tests skipped");
            None
        }
    }
}

type Pairs = BTreeSet<(usize, String)>;

fn pairs(events: &[Event], matches: impl Fn(&Event) -> Vec<String>) -> Pairs {
    events.iter().enumerate().flat_map(|(i, e)| matches(e).into_iter().map(move |id| (i, id))).collect()
}

fn assert_same(rules: &RuleSet, events: &[Event]) -> usize {
    let fast = pairs(events, |e| rules.matches(e).into_iter().map(str::to_owned).collect());
    let plain = pairs(events, |e| rules.matches_plain(e).into_iter().map(str::to_owned).collect());
    let missed: Vec<_> = plain.difference(&fast).collect();
    let extra: Vec<_> = fast.difference(&plain).collect();
    assert!(missed.is_empty(), "prefilter skipped {} matching (event, rule) pairs: {missed:#?}", missed.len());
    assert!(extra.is_empty(), "prefilter produced {} pairs the library does not: {extra:#?}", extra.len());
    plain.len()
}

#[test]
fn prefiltered_matches_equal_the_plain_library_on_sigmahq_windows_rules() {
    let Some(dir) = samples() else { return };
    let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("rules");
    assert_eq!(rules.len(), 2407, "{}", rules.summary());
    let events = windows_events(&dir).expect("Windows samples");
    assert_eq!(events.len(), 2137);
    let (anchored, total) = rules.prefiltered_rules();
    println!("{anchored} of {total} rules anchored");
    assert!(anchored * 10 > total * 9, "the prefilter should understand most SigmaHQ rules: {anchored}/{total}");
    let matched = assert_same(&rules, &events);
    println!("{matched} (event, rule) matches, identical");
    // Enough matches that a wrongly skipped rule has something to miss.
    assert!(matched >= 50, "{matched}");
}

#[test]
fn prefiltered_matches_equal_the_plain_library_on_the_whole_sigmahq_folder() {
    let Some(dir) = samples() else { return };
    let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules")]).expect("rules");
    let events = windows_events(&dir).expect("Windows samples");
    assert!(assert_same(&rules, &events) >= 50);
}
