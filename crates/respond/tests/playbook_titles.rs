//! Every bundled playbook and task has its title in the English and French
//! catalogues, and the English there is the YAML's own title (otherwise a
//! translation would silently stop being shown).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::library;
use safecare_i18n::{CATALOG, Language, Locale, time_zone};
use safecare_respond::{playbook_message_id, playbook_title, task_message_id, task_title};

#[test]
fn every_bundled_playbook_and_task_has_an_english_and_a_french_title() {
    let library = library();
    let french = Locale::new(Language::Fr, time_zone("Europe/Paris").unwrap());
    let mut problems = Vec::new();
    let mut checked = 0;
    for playbook in library.playbooks() {
        let mut entries = vec![(playbook_message_id(&playbook.id), playbook.title.as_str())];
        entries.extend(playbook.tasks.iter().map(|t| (task_message_id(&playbook.id, &t.id), t.title.as_str())));
        for (id, source) in entries {
            checked += 1;
            if !CATALOG.has(Language::Fr, &id) {
                problems.push(format!("{id}: no French title"));
            }
            if CATALOG.text(Language::En, &id, &[]) != source {
                problems.push(format!("{id}: the English catalogue does not read {source:?}"));
            }
        }
        assert_ne!(playbook_title(&french, playbook), playbook.title, "{}", playbook.id);
        for task in &playbook.tasks {
            assert_ne!(task_title(&french, &playbook.id, task), task.title, "{}/{}", playbook.id, task.id);
        }
    }
    assert!(checked > 100, "only {checked} titles checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
