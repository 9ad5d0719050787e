//! Every message id the workspace's code asks for exists in English. The
//! calls are found in the source text (`locale.text("id"`,
//! `locale.text_with("id"`: a `Locale` is always named `locale` or
//! reached as `….locale`), so
//! a typo or a message left out of the catalogue fails here, not as an id
//! shown to a nurse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use safecare_i18n::{CATALOG, Language};

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals that follow each of `calls` in `source`.
fn ids_after<'a>(source: &'a str, calls: &[&str]) -> Vec<&'a str> {
    let mut ids = Vec::new();
    for call in calls {
        let mut rest = source;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            if let Some(end) = rest.find('"') {
                ids.push(&rest[..end]);
            }
        }
    }
    ids
}

#[test]
fn every_message_the_code_asks_for_is_in_the_english_catalogue() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    rust_files(crates, &mut files);
    let english = CATALOG.ids(Language::En);
    let mut asked = 0;
    let mut missing = Vec::new();
    // This file names the calling convention in its own text.
    for file in files.into_iter().filter(|f| !f.ends_with(file!().rsplit('/').next().unwrap_or_default())) {
        let source = std::fs::read_to_string(&file).unwrap();
        for id in ids_after(&source, &["locale.text(\"", "locale.text_with(\""]) {
            asked += 1;
            if !english.iter().any(|e| e == id) && id != "no-such-message" {
                missing.push(format!("{}: {id}", file.display()));
            }
        }
    }
    assert!(asked > 0, "the scan found only {asked} calls: has the calling convention changed?");
    assert!(missing.is_empty(), "messages missing from the English catalogue:\n{}", missing.join("\n"));
}

/// The dashboard writes severities and statuses through ids it builds from
/// the vocabulary (`severity-high`, `status-in-progress`), which the scan
/// above cannot see: every word of both vocabularies is checked here.
#[test]
fn every_severity_and_status_has_its_word_in_english_and_french() {
    let ids = safecare_model::Severity::ALL
        .iter()
        .map(|s| format!("severity-{}", s.as_str()))
        .chain(safecare_model::IncidentStatus::ALL.iter().map(|s| format!("status-{}", s.as_str().replace('_', "-"))));
    for id in ids {
        for language in [Language::En, Language::Fr] {
            assert!(CATALOG.has(language, &id), "{language} lacks {id}");
        }
    }
}
