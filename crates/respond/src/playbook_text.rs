//! Playbook and task titles in the reader's language. The YAML keeps the
//! English source; the catalogue (`playbooks.ftl`) holds one message per
//! playbook (`playbook-<playbook>`) and per task
//! (`playbook-<playbook>-<task>`, `_` written as `-`).
//!
//! A translation is used only while the catalogue's English still reads as
//! the title being shown: a hospital that rewrites a title in its own
//! playbook folder (or an incident that kept an older title) sees its own
//! words rather than the translation of words it no longer uses.

use safecare_i18n::{CATALOG, Language, Locale};

use crate::playbook::{Playbook, PlaybookTask};
use crate::tasks::TaskState;

/// The catalogue id of a playbook's title.
pub fn playbook_message_id(playbook: &str) -> String {
    format!("playbook-{}", playbook.replace('_', "-"))
}

/// The catalogue id of a task's title.
pub fn task_message_id(playbook: &str, task: &str) -> String {
    format!("playbook-{}-{}", playbook.replace('_', "-"), task.replace('_', "-"))
}

fn translated(locale: &Locale, id: &str, source: &str) -> String {
    let language = locale.language();
    let current = CATALOG.has(Language::En, id) && CATALOG.text(Language::En, id, &[]) == source;
    if current && CATALOG.has(language, id) { CATALOG.text(language, id, &[]) } else { source.to_owned() }
}

/// A playbook's title as `locale` reads it.
pub fn playbook_title(locale: &Locale, playbook: &Playbook) -> String {
    translated(locale, &playbook_message_id(&playbook.id), &playbook.title)
}

/// A playbook's summary (trimmed) as `locale` reads it; its title when it
/// has no summary.
pub fn playbook_summary(locale: &Locale, playbook: &Playbook) -> String {
    let summary = playbook.summary.trim();
    if summary.is_empty() {
        return playbook_title(locale, playbook);
    }
    translated(locale, &format!("{}-summary", playbook_message_id(&playbook.id)), summary)
}

/// The title of `task` of the playbook `playbook` (its id) as `locale`
/// reads it.
pub fn task_title(locale: &Locale, playbook: &str, task: &PlaybookTask) -> String {
    translated(locale, &task_message_id(playbook, &task.id), &task.title)
}

impl TaskState {
    /// This task's title as `locale` reads it.
    pub fn title(&self, locale: &Locale) -> String {
        task_title(locale, &self.playbook, &self.task)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use safecare_i18n::time_zone;

    fn french() -> Locale {
        Locale::new(Language::Fr, time_zone("Europe/Paris").unwrap())
    }

    fn task(id: &str, title: &str) -> PlaybookTask {
        PlaybookTask {
            id: id.into(),
            title: title.into(),
            role: crate::playbook::Role::It,
            instructions: String::new(),
            requires_approval: None,
            after: Vec::new(),
            mitigation: None,
        }
    }

    #[test]
    fn a_bundled_task_reads_in_french_and_english() {
        let isolate = task("isolate-hosts", "Isolate the affected hosts from the network");
        assert_eq!(task_title(&french(), "ransomware", &isolate), "Isoler du réseau les postes touchés");
        assert_eq!(task_title(&Locale::default(), "ransomware", &isolate), isolate.title);
    }

    #[test]
    fn an_underscored_playbook_id_is_written_with_hyphens() {
        assert_eq!(task_message_id("bms_tampering", "manual-mode"), "playbook-bms-tampering-manual-mode");
        let manual = task("manual-mode", "Switch the affected plant to local manual control");
        assert_eq!(
            task_title(&french(), "bms_tampering", &manual),
            "Passer les installations touchées en commande manuelle locale"
        );
    }

    #[test]
    fn a_rewritten_or_unknown_title_is_shown_as_written() {
        let rewritten = task("isolate-hosts", "Pull the network cables of the affected hosts");
        assert_eq!(task_title(&french(), "ransomware", &rewritten), rewritten.title);
        let own = task("call-vendor", "Call the vendor");
        assert_eq!(task_title(&french(), "local_playbook", &own), "Call the vendor");
    }
}
