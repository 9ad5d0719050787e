//! What the person drafting a CAP message chooses: the event (one of the
//! threats that call for outside help), urgency, severity, certainty, the
//! instruction and the languages. Each choice left out takes the default
//! the incident maps to ([`defaults`]); each one given is checked here, so
//! the API and the dashboard's form refuse the same things.

use serde::{Deserialize, Serialize};

use crate::cap::{CALLS_FOR_HELP, CapConfig, CapDraftError, CapSeverity, Certainty, MsgType, Urgency, calling_for};
use crate::playbook::{Playbook, PlaybookLibrary};
use crate::playbook_text::playbook_summary;
use crate::record::IncidentRecord;
use safecare_i18n::{Language, Locale};
use safecare_model::{IncidentStatus, Severity};

/// The longest instruction a message carries.
pub const MAX_INSTRUCTION_CHARS: usize = 2000;
/// The most languages (one `info` each) a message carries.
pub const MAX_LANGUAGES: usize = 8;

/// The choices of the person drafting; `None` takes the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftChoices {
    /// The threat the message announces (its category, event name and
    /// responses): one of [`CALLS_FOR_HELP`]'s, e.g. `smoke` for a `fire`
    /// incident that is only smoke so far.
    #[serde(default)]
    pub threat: Option<String>,
    /// CAP urgency.
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// CAP severity.
    #[serde(default)]
    pub severity: Option<CapSeverity>,
    /// CAP certainty.
    #[serde(default)]
    pub certainty: Option<Certainty>,
    /// What responders should do; an empty text leaves the instruction out.
    #[serde(default)]
    pub instruction: Option<String>,
    /// The languages, one `info` each (RFC 5646 tags, e.g. `fr`, `nl-BE`).
    #[serde(default)]
    pub languages: Option<Vec<String>>,
}

/// What a draft of an incident says when nothing is chosen, or what the
/// choices resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftSettings {
    /// The threat announced.
    pub threat: String,
    /// CAP urgency: `Immediate`, `Past` when closing.
    pub urgency: Urgency,
    /// CAP severity, from the incident's.
    pub severity: CapSeverity,
    /// CAP certainty: `Likely` while nobody confirmed the detection, then `Observed`.
    pub certainty: Certainty,
    /// The incident's playbook summary.
    pub instruction: Option<String>,
    /// `cap.languages`.
    pub languages: Vec<String>,
}

/// Whether a message of `msg_type` about `record` ends the chain.
pub fn closing(record: &IncidentRecord, msg_type: MsgType) -> bool {
    msg_type == MsgType::Cancel || !record.incident.status.is_open()
}

/// The defaults of a `msg_type` message about `record`, from the mapping
/// (`docs/responders.md`); refused for an incident that does not call for
/// outside help.
pub fn defaults(
    record: &IncidentRecord,
    msg_type: MsgType,
    config: &CapConfig,
    playbooks: &PlaybookLibrary,
) -> Result<DraftSettings, CapDraftError> {
    let threat = record.incident.threat.as_deref().ok_or(CapDraftError::NoThreat)?;
    if calling_for(threat).is_none() {
        return Err(CapDraftError::NotCalledFor(threat.to_owned()));
    }
    let instruction = instruction_playbook(record, threat, playbooks).map(|p| proposed_instruction(p, "en"));
    Ok(DraftSettings {
        threat: threat.to_owned(),
        urgency: if closing(record, msg_type) { Urgency::Past } else { Urgency::Immediate },
        severity: cap_severity(record.incident.severity),
        certainty: certainty(record.incident.status),
        instruction,
        languages: config.languages.clone(),
    })
}

/// The playbook whose summary is proposed as the instruction. The
/// threat's own playbook first: an incident that grouped a badge alert
/// before its fire carries the access playbook too, and the fire brigade
/// needs the fire's instruction.
pub fn instruction_playbook<'p>(
    record: &IncidentRecord,
    threat: &str,
    playbooks: &'p PlaybookLibrary,
) -> Option<&'p Playbook> {
    playbooks.for_threat(threat).into_iter().chain(record.playbooks.iter().filter_map(|id| playbooks.get(id))).next()
}

/// The instruction proposed from `playbook` for the `info` in `language`
/// (a CAP language tag, `fr-BE`): its summary in that language when the
/// catalogue has it, else as the playbook writes it.
pub fn proposed_instruction(playbook: &Playbook, language: &str) -> String {
    let primary = language.split('-').next().unwrap_or(language);
    let language = primary.parse::<Language>().unwrap_or_default();
    playbook_summary(&Locale::new(language, jiff::tz::TimeZone::UTC), playbook)
}

/// The threats a message may announce, as the form offers them.
pub fn announced_threats() -> impl Iterator<Item = &'static str> {
    CALLS_FOR_HELP.iter().flat_map(|c| c.threats.iter().copied())
}

/// Applies `choices` over `defaults`, refusing a threat that does not call
/// for outside help, an instruction over [`MAX_INSTRUCTION_CHARS`], and no,
/// too many, repeated or malformed languages.
pub fn resolve(choices: DraftChoices, defaults: DraftSettings) -> Result<DraftSettings, CapDraftError> {
    let threat = match choices.threat {
        Some(threat) if calling_for(&threat).is_none() => return Err(CapDraftError::NotCalledFor(threat)),
        Some(threat) => threat,
        None => defaults.threat,
    };
    let instruction = match choices.instruction {
        None => defaults.instruction,
        Some(text) if text.trim().is_empty() => None,
        Some(text) if text.trim().chars().count() > MAX_INSTRUCTION_CHARS => {
            return Err(CapDraftError::InstructionTooLong);
        }
        Some(text) => Some(text.trim().to_owned()),
    };
    let languages = match choices.languages {
        None => defaults.languages,
        Some(languages) => checked_languages(languages)?,
    };
    Ok(DraftSettings {
        threat,
        urgency: choices.urgency.unwrap_or(defaults.urgency),
        severity: choices.severity.unwrap_or(defaults.severity),
        certainty: choices.certainty.unwrap_or(defaults.certainty),
        instruction,
        languages,
    })
}

fn checked_languages(languages: Vec<String>) -> Result<Vec<String>, CapDraftError> {
    let languages: Vec<String> = languages.into_iter().map(|l| l.trim().to_owned()).collect();
    if languages.is_empty() || languages.len() > MAX_LANGUAGES {
        return Err(CapDraftError::Languages(format!("give 1 to {MAX_LANGUAGES} languages, not {}", languages.len())));
    }
    for (n, language) in languages.iter().enumerate() {
        if !is_language_tag(language) {
            return Err(CapDraftError::Languages(format!("`{language}` is not a language tag such as fr or nl-BE")));
        }
        if languages[..n].iter().any(|l| l.eq_ignore_ascii_case(language)) {
            return Err(CapDraftError::Languages(format!("`{language}` is given twice")));
        }
    }
    Ok(languages)
}

/// The shape of an RFC 5646 tag as CAP's `language` takes it: a 2 or 3
/// letter primary language, then subtags of 1 to 8 letters or digits. The
/// registry of subtags is not consulted: a region or script SafeCare does
/// not know is still the sender's to choose.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok =
        parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// SafeCare's severity on CAP's scale.
pub fn cap_severity(severity: Severity) -> CapSeverity {
    match severity {
        Severity::Critical => CapSeverity::Extreme,
        Severity::High => CapSeverity::Severe,
        Severity::Medium => CapSeverity::Moderate,
        Severity::Low => CapSeverity::Minor,
        Severity::Info => CapSeverity::Unknown,
    }
}

/// Unconfirmed detections are likely; once people work the incident they
/// have seen it.
fn certainty(status: IncidentStatus) -> Certainty {
    match status {
        IncidentStatus::New => Certainty::Likely,
        _ => Certainty::Observed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> DraftSettings {
        DraftSettings {
            threat: "fire".into(),
            urgency: Urgency::Immediate,
            severity: CapSeverity::Extreme,
            certainty: Certainty::Likely,
            instruction: Some("Evacuate the technical building".into()),
            languages: vec!["en".into(), "fr".into()],
        }
    }

    #[test]
    fn nothing_chosen_keeps_the_defaults_and_choices_replace_them() {
        assert_eq!(resolve(DraftChoices::default(), base()).unwrap(), base());
        let chosen = DraftChoices {
            threat: Some("smoke".into()),
            urgency: Some(Urgency::Expected),
            severity: Some(CapSeverity::Severe),
            certainty: Some(Certainty::Observed),
            instruction: Some("  Stage at the north gate  ".into()),
            languages: Some(vec!["nl-BE".into(), " de ".into()]),
        };
        let settings = resolve(chosen, base()).unwrap();
        assert_eq!(settings.threat, "smoke");
        assert_eq!(
            (settings.urgency, settings.severity, settings.certainty),
            (Urgency::Expected, CapSeverity::Severe, Certainty::Observed)
        );
        assert_eq!(settings.instruction.as_deref(), Some("Stage at the north gate"));
        assert_eq!(settings.languages, ["nl-BE", "de"]);
        let cleared = DraftChoices { instruction: Some(" ".into()), ..DraftChoices::default() };
        assert_eq!(resolve(cleared, base()).unwrap().instruction, None);
    }

    #[test]
    fn bad_choices_are_refused_each_for_its_reason() {
        let with = |choices: DraftChoices| resolve(choices, base()).unwrap_err();
        assert_eq!(
            with(DraftChoices { threat: Some("ransomware".into()), ..DraftChoices::default() }),
            CapDraftError::NotCalledFor("ransomware".into())
        );
        assert_eq!(
            with(DraftChoices { instruction: Some("x".repeat(MAX_INSTRUCTION_CHARS + 1)), ..DraftChoices::default() }),
            CapDraftError::InstructionTooLong
        );
        for languages in
            [vec![], vec!["en"; 9], vec!["en", "EN"], vec!["english"], vec!["f"], vec!["fr-"], vec!["fr_BE"]]
        {
            let languages = languages.into_iter().map(str::to_owned).collect();
            let err = with(DraftChoices { languages: Some(languages), ..DraftChoices::default() });
            assert!(matches!(err, CapDraftError::Languages(_)), "{err}");
        }
        assert!(announced_threats().any(|t| t == "smoke") && !announced_threats().any(|t| t == "ransomware"));
    }
}
