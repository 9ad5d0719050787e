//! Loading reports bad rules with file and reason without losing good ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_detect::{RuleSet, RuleSetBuilder};

const GOOD: &str = "title: Good\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: safecare, category: test}\ndetection:\n  sel: {action: x}\n  condition: sel\nlevel: low\n";

#[test]
fn bad_files_and_rules_are_refused_with_their_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    write("good.yml", GOOD);
    write("broken.yml", "title: [unclosed\n");
    write("no_condition.yaml", "title: NoCond\nlogsource: {product: x}\ndetection:\n  sel: {a: b}\n");
    write(
        "bad_modifier.yml",
        "title: BadMod\nid: 22222222-2222-4222-8222-222222222222\nlogsource: {product: x}\ndetection:\n  sel:\n    a|nosuchmodifier: b\n  condition: sel\n",
    );
    write(
        "orphan.yml",
        "title: Orphan\ncorrelation:\n  type: event_count\n  rules: [missing-rule]\n  group-by: [a]\n  timespan: 1m\n  condition: {gte: 2}\n",
    );
    write("duplicate.yml", GOOD);
    write("notes.txt", "not a rule");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/nested.yml"), GOOD.replace("1111", "3333")).expect("write");

    let rules = RuleSet::load_dirs(&[dir.path()]).expect("dir readable");
    let refused: Vec<String> = rules
        .refused()
        .iter()
        .map(|r| r.path.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(rules.len(), 2, "{:#?}", rules.refused());
    for name in ["broken.yml", "no_condition.yaml", "bad_modifier.yml", "orphan.yml"] {
        assert!(refused.iter().any(|r| r == name), "{name} not refused: {:#?}", rules.refused());
    }
    assert!(rules.refused().iter().all(|r| !r.reason.is_empty()));
    let dup = rules.refused().iter().filter(|r| r.reason.contains("duplicate rule id")).count();
    assert_eq!(dup, 1, "{:#?}", rules.refused());
    assert_eq!(rules.summary(), format!("2 rules loaded, {} refused", rules.refused().len()));
}

#[test]
fn a_missing_directory_is_an_error_and_rules_can_be_disabled() {
    assert!(RuleSet::load_dirs(&["/nonexistent/safecare-rules"]).is_err());
    let mut builder = RuleSetBuilder::new();
    builder.add_yaml(GOOD).disable("11111111-1111-4111-8111-111111111111");
    assert!(builder.build().is_empty());
}
