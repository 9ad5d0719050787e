//! What a notification says to people, in the language of those it reaches:
//! the subject line and the e-mail's text. The language is the one the
//! people on call share (their roster entry's `language`), else the site's
//! `[display]` language; it travels in the payload (`"language"`), so a
//! retry after a restart writes the same words. Machine formats (the
//! webhook's and MQTT's JSON, CEF) carry data, not sentences, and stay as
//! they are.

use safecare_i18n::{Language, Locale};
use safecare_model::{IncidentStatus, Severity};

use super::{Notification, Reason, Recipient};
use crate::IncidentRecord;

/// The language a message to `recipients` is written in: theirs when they
/// all chose the same, else `site`.
pub fn language_for(recipients: &[Recipient], site: Language) -> Language {
    let mut chosen = recipients.iter().map(|r| r.language);
    match chosen.next() {
        Some(Some(first)) if chosen.all(|l| l == Some(first)) => first,
        _ => site,
    }
}

fn locale(language: Language) -> Locale {
    Locale::new(language, jiff::tz::TimeZone::UTC)
}

fn severity_word(locale: &Locale, severity: Severity) -> String {
    match severity {
        Severity::Info => locale.text("notify-severity-info"),
        Severity::Low => locale.text("notify-severity-low"),
        Severity::Medium => locale.text("notify-severity-medium"),
        Severity::High => locale.text("notify-severity-high"),
        Severity::Critical => locale.text("notify-severity-critical"),
    }
}

fn status_word(locale: &Locale, status: IncidentStatus) -> String {
    match status {
        IncidentStatus::New => locale.text("notify-status-new"),
        IncidentStatus::Acknowledged => locale.text("notify-status-acknowledged"),
        IncidentStatus::InProgress => locale.text("notify-status-in-progress"),
        IncidentStatus::Resolved => locale.text("notify-status-resolved"),
        IncidentStatus::Closed => locale.text("notify-status-closed"),
    }
}

/// The one-line subject of a message about `record`.
pub fn subject_line(language: Language, record: &IncidentRecord, reason: Reason, tier: u8) -> String {
    let locale = locale(language);
    let incident = &record.incident;
    let mut line = locale.text_with(
        "notify-subject",
        &[("severity", severity_word(&locale, incident.severity).into()), ("title", incident.title.as_str().into())],
    );
    if record.exercise {
        line = format!("{} {line}", locale.text("notify-exercise"));
    }
    if reason == Reason::Escalated {
        line = format!("{line} {}", locale.text_with("notify-not-acknowledged", &[("tier", u32::from(tier).into())]));
    }
    if !incident.status.is_open() {
        line = format!(
            "{line} {}",
            locale.text_with("notify-already", &[("status", status_word(&locale, incident.status).into())])
        );
    }
    line
}

/// The subject of a test send.
pub fn test_subject(language: Language, route: &str, actor: &str) -> String {
    locale(language).text_with("notify-test-subject", &[("route", route.into()), ("actor", actor.into())])
}

impl Notification {
    /// The language its words are written in (`payload.language`); English
    /// for messages planned before languages existed.
    pub fn language(&self) -> Language {
        self.payload["language"].as_str().and_then(|tag| tag.parse().ok()).unwrap_or_default()
    }
}

/// The e-mail's text: what happened for people, in their language, then
/// the data for tools.
pub fn email_text(notification: &Notification) -> String {
    let locale = locale(notification.language());
    let incident = &notification.payload["incident"];
    let field = |name: &str| incident[name].as_str().unwrap_or("-").to_owned();
    let data = serde_json::to_string_pretty(&notification.payload).unwrap_or_default();
    let lines = [
        locale.text_with("notify-mail-incident", &[("value", field("id").into())]),
        locale.text_with("notify-mail-severity", &[("value", field("severity").into())]),
        locale.text_with("notify-mail-status", &[("value", field("status").into())]),
        locale.text_with("notify-mail-threat", &[("value", field("threat").into())]),
        locale.text_with(
            "notify-mail-route",
            &[("route", notification.route.as_str().into()), ("tier", u32::from(notification.tier).into())],
        ),
        locale.text_with("notify-mail-key", &[("value", notification.key.as_str().into())]),
    ];
    format!("{}\n\n{}\n\n{data}\n", notification.subject, lines.join("\n"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::Timestamp;
    use safecare_model::Incident;

    fn record() -> IncidentRecord {
        let mut record =
            IncidentRecord::new(Incident::new("Ransomware on PACS", Severity::Critical), "safecare", Timestamp::now());
        record.incident.status = IncidentStatus::Resolved;
        record.exercise = true;
        record
    }

    #[test]
    fn the_subject_is_written_in_the_language_chosen() {
        assert_eq!(
            subject_line(Language::En, &record(), Reason::Escalated, 2),
            "[EXERCISE] critical incident: Ransomware on PACS (not acknowledged, tier 2) (already resolved)"
        );
        assert_eq!(
            subject_line(Language::Fr, &record(), Reason::Escalated, 2),
            "[EXERCICE] incident de gravité critique : Ransomware on PACS (non acquitté, niveau 2) (déjà résolu)"
        );
    }

    #[test]
    fn people_who_share_a_language_get_it_and_a_mixed_group_gets_the_sites() {
        let person = |language| Recipient { language, ..Recipient::new("a", "a@h") };
        let french = [person(Some(Language::Fr)), person(Some(Language::Fr))];
        assert_eq!(language_for(&french, Language::En), Language::Fr);
        let mixed = [person(Some(Language::Fr)), person(Some(Language::Nl))];
        assert_eq!(language_for(&mixed, Language::It), Language::It);
        let unset = [person(Some(Language::Fr)), person(None)];
        assert_eq!(language_for(&unset, Language::En), Language::En);
        assert_eq!(language_for(&[], Language::Nl), Language::Nl);
    }
}
