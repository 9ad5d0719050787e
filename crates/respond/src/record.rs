//! The persisted form of an incident: the model's [`Incident`] plus
//! everything the response process adds to it.

use jiff::Timestamp;
use safecare_model::{Incident, IncidentId};
use serde::{Deserialize, Serialize};

use crate::clocks::RegulatoryClock;
use crate::closing::Closure;
use crate::impact::IncidentImpact;
use crate::tasks::TaskState;

/// The actor name used for changes SafeCare makes on its own (grouping,
/// playbook attachment), so that every timeline entry still names someone.
pub const SYSTEM_ACTOR: &str = "safecare";

/// What kind of change a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TimelineAction {
    /// The incident was opened.
    Opened,
    /// An alert was grouped into it.
    AlertAdded,
    /// Its status changed (acknowledged, started, resolved, closed, reopened).
    StatusChanged,
    /// Someone was assigned to it.
    Assigned,
    /// Its assignee was removed.
    Unassigned,
    /// Its severity changed.
    SeverityChanged,
    /// It was renamed.
    TitleChanged,
    /// A tag was added.
    TagAdded,
    /// A tag was removed.
    TagRemoved,
    /// A comment was added.
    Commented,
    /// A playbook's tasks were attached.
    PlaybookAttached,
    /// A playbook task was approved.
    TaskApproved,
    /// A playbook task was done.
    TaskCompleted,
    /// A playbook task was skipped as not applicable.
    TaskSkipped,
    /// It was marked significant under NIS2.
    MarkedSignificant,
    /// It was marked a personal-data breach under GDPR.
    MarkedPersonalDataBreach,
    /// A regulatory report was recorded as submitted.
    ReportSubmitted,
    /// A deadline reminder went out.
    ReminderSent,
    /// Another incident was merged into this one.
    MergedFrom,
    /// This incident was merged into another.
    MergedInto,
    /// This incident was split off another.
    SplitFrom,
    /// Alerts of this incident were split off into a new one.
    SplitInto,
    /// A new impact assessment was attached.
    ImpactUpdated,
    /// The incident was marked as an exercise (drill).
    MarkedExercise,
    /// The exercise mark was taken off: a real incident.
    UnmarkedExercise,
    /// A notification about it was delivered.
    NotificationSent,
    /// A try to notify about it failed (tried again or given up).
    NotificationFailed,
    /// A CAP message to first responders was drafted.
    CapDrafted,
    /// A CAP message was approved by a crisis manager and sent.
    CapApproved,
    /// A CAP draft was dropped without being sent.
    CapDiscarded,
}

impl TimelineAction {
    /// The snake_case name used in JSON and the audit log (`alert_added`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The words for this kind of change in `locale`'s language.
    pub fn label(self, locale: &safecare_i18n::Locale) -> String {
        locale.text(&self.message_id())
    }

    fn message_id(self) -> String {
        format!("timeline-action-{}", self.as_str().replace('_', "-"))
    }
}

/// One change to an incident: when, who, what, and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When the change was made.
    pub at: Timestamp,
    /// A user name, or [`SYSTEM_ACTOR`] for automatic changes.
    pub actor: String,
    /// What kind of change it was.
    pub action: TimelineAction,
    /// What changed, for people reading the timeline.
    pub detail: String,
}

/// A free-text comment on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// 1, 2, 3… within the incident, so comments can be referred to.
    pub number: u32,
    /// When it was written.
    pub at: Timestamp,
    /// Who wrote it.
    pub author: String,
    /// What it says.
    pub text: String,
}

/// Who declared something about the incident, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marking {
    /// Who declared it.
    pub by: String,
    /// When it was declared.
    pub at: Timestamp,
    /// When the hospital became aware; the legal clocks run from here.
    pub aware_at: Timestamp,
}

/// An incident with its timeline, comments, tasks and regulatory clocks, as
/// the store persists it (JSON) and the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// The incident itself: status, severity, alerts, assets, place.
    pub incident: Incident,
    /// Every change, in time order; entries are only ever added (a merge
    /// brings in the other incident's entries, marked with its id).
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// Comments, in the order they were written.
    #[serde(default)]
    pub comments: Vec<Comment>,
    /// Tasks of the attached playbooks, in playbook order.
    #[serde(default)]
    pub tasks: Vec<TaskState>,
    /// The ids of the playbooks whose tasks are in `tasks`.
    #[serde(default)]
    pub playbooks: Vec<String>,
    /// The regulatory deadlines running on the incident.
    #[serde(default)]
    pub clocks: Vec<RegulatoryClock>,
    /// Set when marked significant under NIS2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub significant: Option<Marking>,
    /// Set when marked a personal-data breach under GDPR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_data_breach: Option<Marking>,
    /// Set when this incident was merged into another; it is then closed
    /// and refuses further changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<IncidentId>,
    /// A short text of the impact assessment (impacted clinical services),
    /// attached by whoever runs impact propagation; used in the reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_summary: Option<String>,
    /// The latest impact assessment, with its ranked mitigations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<IncidentImpact>,
    /// Alerts grouped into the incident beyond the ones it lists
    /// ([`crate::MAX_LISTED_ALERTS`]): their facts are folded in, their ids
    /// are not kept.
    #[serde(default)]
    pub unlisted_alerts: u64,
    /// An exercise (drill), not a real incident: notified on exercise
    /// routes only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exercise: bool,
    /// The exercise run that opened it (`safecare sim run --exercise`): its
    /// alerts come from that run only, and removing the run removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_run: Option<String>,
    /// How it was closed when it was closed without being worked through
    /// (false positive, benign, duplicate); cleared on reopening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    /// Where its alerts happened: per building, the most specific place
    /// that building's alerts share (the incident's name lists them when
    /// its alerts span buildings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<safecare_model::Location>,
    /// A person chose the title: joining alerts no longer rename it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub title_by_person: bool,
}

impl IncidentRecord {
    /// Wraps a fresh incident, recording who opened it.
    pub fn new(incident: Incident, actor: &str, at: Timestamp) -> Self {
        let detail = format!("opened \"{}\" ({})", incident.title, incident.severity);
        let mut record = IncidentRecord {
            incident,
            timeline: Vec::new(),
            comments: Vec::new(),
            tasks: Vec::new(),
            playbooks: Vec::new(),
            clocks: Vec::new(),
            significant: None,
            personal_data_breach: None,
            merged_into: None,
            impact_summary: None,
            impact: None,
            unlisted_alerts: 0,
            exercise: false,
            exercise_run: None,
            closure: None,
            places: Vec::new(),
            title_by_person: false,
        };
        record.log(at, actor, TimelineAction::Opened, detail);
        record
    }

    /// The incident's id.
    pub fn id(&self) -> IncidentId {
        self.incident.id
    }

    /// Appends a timeline entry and bumps the incident's `updated` time.
    pub(crate) fn log(&mut self, at: Timestamp, actor: &str, action: TimelineAction, detail: impl Into<String>) {
        self.timeline.push(TimelineEntry { at, actor: actor.to_owned(), action, detail: detail.into() });
        if at > self.incident.updated {
            self.incident.updated = at;
        }
    }

    /// The timeline entries made by one actor, for audits and tests.
    pub fn entries_by<'a>(&'a self, actor: &'a str) -> impl Iterator<Item = &'a TimelineEntry> + 'a {
        self.timeline.iter().filter(move |e| e.actor == actor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Severity;

    #[test]
    fn every_kind_of_change_has_words_in_english_and_french() {
        use safecare_i18n::{CATALOG, Language};
        use strum::IntoEnumIterator;
        for action in TimelineAction::iter() {
            for language in [Language::En, Language::Fr] {
                assert!(CATALOG.has(language, &action.message_id()), "{language} lacks {}", action.message_id());
            }
        }
        let french = safecare_i18n::Locale::new(Language::Fr, jiff::tz::TimeZone::UTC);
        assert_eq!(TimelineAction::TaskSkipped.label(&french), "tâche écartée");
    }

    #[test]
    fn record_round_trips_as_json_and_logs_opening() {
        let at: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        let mut incident = Incident::new("Door forced at pharmacy", Severity::High);
        incident.created = at;
        incident.updated = at;
        let record = IncidentRecord::new(incident, "alice", at);
        assert_eq!(record.timeline.len(), 1);
        assert_eq!(record.timeline[0].action, TimelineAction::Opened);
        assert_eq!(record.timeline[0].actor, "alice");
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.contains("\"opened\""), "{json}");
        let back: IncidentRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record);
    }
}
