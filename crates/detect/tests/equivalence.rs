//! The prefilter changes speed, never results: over every record of the
//! Windows samples (`windows-events-json/`) and of the real EVTX attack
//! recordings (`evtx-attack/`, decoded by ingest as `safecare hunt` reads
//! them), the (event, rule) matches of SafeCare's engine equal those of the
//! plain library (`safecare_detect::reference`: `rsigma-eval` alone over
//! events routed by the logsource table, strict logsource). Needs
//! `SAFECARE_SAMPLES_DIR`; skipped when it is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use safecare_detect::reference::{PlainEvent, PlainLibrary};
use safecare_detect::samples::windows_events;
use safecare_detect::{Reach, RuleSet, RuleSetBuilder};
use safecare_model::Event;

mod evtx;
use evtx::evtx_events;

mod shared_data;
use shared_data::samples_dir;

fn samples() -> Option<PathBuf> {
    samples_dir("prefilter equivalence tests")
}

type Pairs = BTreeSet<(usize, String)>;

/// Checks both paths agree on every event; answers how many pairs and rules matched.
fn assert_same(rules: &RuleSet, plain: &PlainLibrary, events: &[Event]) -> (usize, usize) {
    let mut fast = Pairs::new();
    let mut reference = Pairs::new();
    for (i, event) in events.iter().enumerate() {
        fast.extend(rules.matches(event).into_iter().map(|id| (i, id.to_owned())));
        reference.extend(plain.matches(&PlainEvent::of(event)).into_iter().map(|id| (i, id)));
    }
    let missed: Vec<_> = reference.difference(&fast).collect();
    let extra: Vec<_> = fast.difference(&reference).collect();
    assert!(missed.is_empty(), "SafeCare missed {} (event, rule) pairs: {missed:#?}", missed.len());
    assert!(extra.is_empty(), "SafeCare produced {} pairs the library does not: {extra:#?}", extra.len());
    let rules: BTreeSet<&str> = reference.iter().map(|(_, id)| id.as_str()).collect();
    (reference.len(), rules.len())
}

fn sigmahq_windows(dir: &Path) -> (RuleSet, PlainLibrary) {
    let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("rules");
    assert_eq!(rules.len(), 2407, "{}", rules.summary());
    let plain = PlainLibrary::load_dirs(&[dir.join("sigmahq/rules/windows")]).expect("rules");
    assert_eq!((plain.rules(), plain.refused()), (2407, 0));
    (rules, plain)
}

#[test]
fn engine_equals_the_plain_library_on_the_windows_json_samples() {
    let Some(dir) = samples() else { return };
    let (rules, plain) = sigmahq_windows(&dir);
    let events = windows_events(&dir).expect("Windows samples");
    assert_eq!(events.len(), 2137);
    let (anchored, total) = rules.prefiltered_rules();
    assert!(anchored * 10 > total * 9, "the prefilter should understand most SigmaHQ rules: {anchored}/{total}");
    let (pairs, matched) = assert_same(&rules, &plain, &events);
    println!("windows-events-json: {pairs} (event, rule) matches from {matched} rules, identical");
    // Enough matches that a wrongly skipped rule has something to miss.
    assert!(pairs >= 50, "{pairs}");
}

#[test]
fn engine_equals_the_plain_library_on_every_real_evtx_record() {
    let Some(dir) = samples() else { return };
    let (rules, plain) = sigmahq_windows(&dir);
    let events = evtx_events(&dir.join("evtx-attack"));
    assert_eq!(events.len(), 10_015);
    let (pairs, matched) = assert_same(&rules, &plain, &events);
    println!("evtx-attack: {pairs} (event, rule) matches from {matched} rules, identical");
    assert!(pairs >= 1000 && matched >= 100, "{pairs} pairs from {matched} rules");
}

#[test]
fn engine_equals_the_plain_library_on_the_whole_sigmahq_folder() {
    let Some(dir) = samples() else { return };
    let rules = RuleSet::load_dirs(&[dir.join("sigmahq/rules")]).expect("rules");
    let plain = PlainLibrary::load_dirs(&[dir.join("sigmahq/rules")]).expect("rules");
    let events = windows_events(&dir).expect("Windows samples");
    assert!(assert_same(&rules, &plain, &events).0 >= 50);
}

/// What `safecare hunt` does: it loads only the rule files whose logsource
/// the hunted events reach. Over every `evtx-attack` record and the whole
/// SigmaHQ folder, that leaves files out and changes no match.
#[test]
fn leaving_out_rules_no_event_reaches_changes_no_match() {
    let Some(dir) = samples() else { return };
    let events = evtx_events(&dir.join("evtx-attack"));
    let all = RuleSet::load_dirs(&[dir.join("sigmahq/rules")]).expect("rules");
    let mut builder = RuleSetBuilder::new();
    builder.add_dir(&dir.join("sigmahq/rules")).expect("rules");
    builder.only_reaching(Reach::of(&events));
    let reached = builder.build();
    assert!(reached.unreached() >= 800 && reached.refused().is_empty(), "{}", reached.summary());
    assert_eq!(reached.unreached() + reached.len(), all.len());
    let mut pairs = 0;
    for event in &events {
        let matched = all.matches(event);
        assert_eq!(reached.matches(event), matched, "{:?}", event.fields.get("EventRecordID"));
        pairs += matched.len();
    }
    assert!(pairs >= 1000, "{pairs}");
}

/// A second hunt takes the lowered rules from the cache the first one
/// wrote (`RuleSetBuilder::cache_in`): every reached file comes from it,
/// and the matches over every `evtx-attack` record are still the plain
/// library's, rule for rule, with the same titles and levels.
#[test]
fn rules_taken_from_the_cache_match_as_the_plain_library_does() {
    let Some(dir) = samples() else { return };
    let events = evtx_events(&dir.join("evtx-attack"));
    let cache = tempfile::tempdir().expect("tempdir");
    let path = cache.path().join("rules.bin");
    let load = || {
        let mut builder = RuleSetBuilder::new();
        builder.add_dir(&dir.join("sigmahq/rules")).expect("rules");
        builder.only_reaching(Reach::of(&events)).cache_in(&path);
        builder.build()
    };
    let first = load();
    let reached = first.files() - first.unreached();
    assert_eq!((first.cache_use().hits, first.cache_use().misses), (0, reached), "{}", first.summary());
    let cached = load();
    assert_eq!((cached.cache_use().hits, cached.cache_use().misses), (reached, 0));
    assert!(cached.refused().is_empty() && cached.len() == first.len(), "{}", cached.summary());
    let described = |set: &RuleSet| {
        let mut rules: Vec<_> =
            set.rules().map(|m| (m.id.clone(), m.title.clone(), m.severity, m.tags.clone())).collect();
        rules.sort();
        rules
    };
    assert_eq!(described(&cached), described(&first));
    let plain = PlainLibrary::load_dirs(&[dir.join("sigmahq/rules")]).expect("rules");
    let (pairs, _) = assert_same(&cached, &plain, &events);
    assert!(pairs >= 1000, "{pairs}");
}
