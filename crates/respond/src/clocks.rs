//! Regulatory clocks: NIS2 Art. 23 (early warning 24 h, incident
//! notification 72 h, final report one month) and GDPR Art. 33 (notification
//! to the supervisory authority within 72 h).
//!
//! Hour deadlines are elapsed time from awareness. The one-month deadline is
//! a calendar month in the hospital's time zone: aware on 10 March at 09:00
//! in Paris means due on 10 April at 09:00 in Paris, although a daylight-
//! saving change in between makes that 31 days minus one hour. NIS2 counts
//! the final report from the submission of the notification, so that clock
//! is re-anchored when the notification is recorded; until then it runs
//! from awareness, the earliest it could possibly fall due.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use safecare_model::{IncidentId, IncidentStatus};
use serde::{Deserialize, Serialize};

use crate::record::{IncidentRecord, Marking, TimelineAction};
use crate::tasks::Signoff;

/// Which legal deadline a clock tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClockKind {
    /// NIS2 Art. 23(4)(a): early warning within 24 hours of awareness.
    Nis2EarlyWarning,
    /// NIS2 Art. 23(4)(b): incident notification within 72 hours of awareness.
    Nis2Notification,
    /// NIS2 Art. 23(4)(d): final report one calendar month after the notification.
    Nis2FinalReport,
    /// GDPR Art. 33: breach notification to the supervisory authority within 72 hours.
    GdprArt33,
}

enum Deadline {
    Hours(i64),
    Months(i32),
}

impl ClockKind {
    /// Every clock kind, in the order the deadlines usually fall.
    pub const ALL: [ClockKind; 4] =
        [ClockKind::Nis2EarlyWarning, ClockKind::Nis2Notification, ClockKind::Nis2FinalReport, ClockKind::GdprArt33];

    /// The snake_case name used in JSON, the API and the timeline.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The human name, with its legal reference.
    pub fn label(self) -> &'static str {
        match self {
            ClockKind::Nis2EarlyWarning => "NIS2 early warning (Art. 23(4)(a), 24 h)",
            ClockKind::Nis2Notification => "NIS2 incident notification (Art. 23(4)(b), 72 h)",
            ClockKind::Nis2FinalReport => "NIS2 final report (Art. 23(4)(d), one month)",
            ClockKind::GdprArt33 => "GDPR personal-data breach notification (Art. 33, 72 h)",
        }
    }

    fn deadline(self) -> Deadline {
        match self {
            ClockKind::Nis2EarlyWarning => Deadline::Hours(24),
            ClockKind::Nis2Notification | ClockKind::GdprArt33 => Deadline::Hours(72),
            ClockKind::Nis2FinalReport => Deadline::Months(1),
        }
    }

    /// When this clock falls due if it starts at `start`.
    pub fn due_from(self, start: Timestamp, tz: &TimeZone) -> Result<Timestamp, ClockError> {
        let due = match self.deadline() {
            Deadline::Hours(hours) => start.checked_add(SignedDuration::from_hours(hours)),
            Deadline::Months(months) => {
                start.to_zoned_datetime(tz.clone()).checked_add(months.months()).map(|z| z.timestamp())
            }
        };
        due.map_err(|_| ClockError::OutOfRange { start })
    }
}

/// One running legal deadline on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegulatoryClock {
    /// Which deadline this is.
    pub kind: ClockKind,
    /// When the clock started: awareness, or for the final report the notification's submission.
    pub started: Timestamp,
    /// When the report is due.
    pub due: Timestamp,
    /// The IANA zone the calendar deadline was computed in.
    pub time_zone: String,
    /// Set once the report has been sent; the clock then stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<Signoff>,
    /// Reminder stages already sent for the current due time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reminders_sent: Vec<ReminderStage>,
}

/// The hospital's time zone and when to remind before a deadline.
#[derive(Debug, Clone)]
pub struct ClockConfig {
    time_zone: TimeZone,
    time_zone_name: String,
    /// Sorted longest first, all positive.
    reminders_before: Vec<SignedDuration>,
}

/// A reminder point: some time before the due time, or the due time itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderStage {
    /// This many minutes before the due time.
    Before {
        /// Minutes before the due time.
        minutes: i64,
    },
    /// At the due time: the report is late.
    Overdue,
}

impl ReminderStage {
    fn fire_at(self, due: Timestamp) -> Timestamp {
        match self {
            ReminderStage::Before { minutes } => {
                due.checked_sub(SignedDuration::from_mins(minutes)).unwrap_or(Timestamp::MIN)
            }
            ReminderStage::Overdue => due,
        }
    }
}

/// A reminder that should go out now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The incident whose clock it is.
    pub incident: IncidentId,
    /// Which report is due.
    pub kind: ClockKind,
    /// When it is due.
    pub due: Timestamp,
    /// Which reminder point this is.
    pub stage: ReminderStage,
    /// The moment this reminder became due.
    pub fire_at: Timestamp,
}

/// Why a clock operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The configured time zone is not an IANA name.
    #[error("unknown time zone {0:?}: expected an IANA name such as Europe/Paris")]
    UnknownTimeZone(String),
    /// A reminder offset is zero or negative.
    #[error("reminder offsets must be positive durations")]
    NonPositiveReminder,
    /// The incident was merged into another and changes only there.
    #[error("the incident was merged into {into} and takes no more changes")]
    MergedInto {
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// The incident is closed.
    #[error("the incident is closed: reopen it before changing it")]
    IncidentClosed,
    /// The incident was already marked so (by whom, when).
    #[error("already marked by {by} at {at}")]
    AlreadyMarked {
        /// Who marked it.
        by: String,
        /// When it was marked.
        at: Timestamp,
    },
    /// The stated time of awareness lies after the marking itself.
    #[error("awareness time {aware_at} is after the time of marking {at}")]
    AwarenessInFuture {
        /// The stated time of awareness.
        aware_at: Timestamp,
        /// The time of marking.
        at: Timestamp,
    },
    /// The deadline would fall outside the range of timestamps.
    #[error("a deadline from {start} is out of the representable range")]
    OutOfRange {
        /// The start that was asked for.
        start: Timestamp,
    },
    /// The incident has no clock of this kind (not marked significant or a breach).
    #[error("no {} clock runs on this incident", .0.as_str())]
    NoSuchClock(ClockKind),
    /// This report was already recorded as submitted.
    #[error("the {} report was already submitted by {by}", kind.as_str())]
    AlreadySubmitted {
        /// Which report.
        kind: ClockKind,
        /// Who submitted it.
        by: String,
    },
    /// The reminder is for a due time the clock no longer has.
    #[error("no {} clock is due at {due} any more", kind.as_str())]
    StaleReminder {
        /// Which clock.
        kind: ClockKind,
        /// The due time the reminder was for.
        due: Timestamp,
    },
    /// The NIS2 final report was submitted before the notification.
    #[error("the NIS2 final report follows the incident notification: submit that first")]
    NotificationFirst,
}

impl ClockConfig {
    /// `time_zone` is an IANA name; reminders go out at each offset before a
    /// deadline and once more when it passes.
    pub fn new(time_zone: &str, reminders_before: &[SignedDuration]) -> Result<Self, ClockError> {
        let tz = TimeZone::get(time_zone).map_err(|_| ClockError::UnknownTimeZone(time_zone.to_owned()))?;
        if reminders_before.iter().any(|d| !d.is_positive()) {
            return Err(ClockError::NonPositiveReminder);
        }
        let mut reminders_before = reminders_before.to_vec();
        reminders_before.sort_by(|a, b| b.cmp(a));
        reminders_before.dedup();
        Ok(ClockConfig { time_zone: tz, time_zone_name: time_zone.to_owned(), reminders_before })
    }

    /// Reminders 6 h and 1 h before each deadline.
    pub fn with_default_reminders(time_zone: &str) -> Result<Self, ClockError> {
        Self::new(time_zone, &[SignedDuration::from_hours(6), SignedDuration::from_hours(1)])
    }

    /// The hospital's time zone, in which calendar deadlines are computed.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The IANA name of the hospital's time zone, as recorded on each clock.
    pub fn time_zone_name(&self) -> &str {
        &self.time_zone_name
    }

    fn stages(&self) -> impl Iterator<Item = ReminderStage> + '_ {
        self.reminders_before
            .iter()
            .map(|d| ReminderStage::Before { minutes: d.as_mins() })
            .chain(std::iter::once(ReminderStage::Overdue))
    }

    fn start(&self, kind: ClockKind, started: Timestamp) -> Result<RegulatoryClock, ClockError> {
        Ok(RegulatoryClock {
            kind,
            started,
            due: kind.due_from(started, &self.time_zone)?,
            time_zone: self.time_zone_name.clone(),
            submitted: None,
            reminders_sent: Vec::new(),
        })
    }
}

fn check_markable(
    record: &IncidentRecord,
    existing: Option<&Marking>,
    aware_at: Timestamp,
    at: Timestamp,
) -> Result<(), ClockError> {
    if let Some(into) = record.merged_into {
        return Err(ClockError::MergedInto { into });
    }
    if record.incident.status == IncidentStatus::Closed {
        return Err(ClockError::IncidentClosed);
    }
    if let Some(marking) = existing {
        return Err(ClockError::AlreadyMarked { by: marking.by.clone(), at: marking.at });
    }
    if aware_at > at {
        return Err(ClockError::AwarenessInFuture { aware_at, at });
    }
    Ok(())
}

fn local(at: Timestamp, config: &ClockConfig) -> String {
    at.to_zoned_datetime(config.time_zone.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// Marks the incident significant under NIS2 and starts its three clocks
/// from `aware_at` (when the hospital became aware, not later than `at`).
pub fn mark_significant(
    record: &mut IncidentRecord,
    config: &ClockConfig,
    actor: &str,
    aware_at: Timestamp,
    at: Timestamp,
) -> Result<(), ClockError> {
    check_markable(record, record.significant.as_ref(), aware_at, at)?;
    let clocks = [ClockKind::Nis2EarlyWarning, ClockKind::Nis2Notification, ClockKind::Nis2FinalReport]
        .map(|kind| config.start(kind, aware_at));
    let mut started = Vec::with_capacity(clocks.len());
    for clock in clocks {
        started.push(clock?);
    }
    let detail =
        started.iter().map(|c| format!("{} due {}", c.kind.as_str(), local(c.due, config))).collect::<Vec<_>>();
    record.clocks.extend(started);
    record.significant = Some(Marking { by: actor.to_owned(), at, aware_at });
    record.log(at, actor, TimelineAction::MarkedSignificant, detail.join("; "));
    Ok(())
}

/// Marks the incident a personal-data breach and starts the GDPR Art. 33
/// clock from `aware_at`.
pub fn mark_personal_data_breach(
    record: &mut IncidentRecord,
    config: &ClockConfig,
    actor: &str,
    aware_at: Timestamp,
    at: Timestamp,
) -> Result<(), ClockError> {
    check_markable(record, record.personal_data_breach.as_ref(), aware_at, at)?;
    let clock = config.start(ClockKind::GdprArt33, aware_at)?;
    let detail = format!("{} due {}", clock.kind.as_str(), local(clock.due, config));
    record.clocks.push(clock);
    record.personal_data_breach = Some(Marking { by: actor.to_owned(), at, aware_at });
    record.log(at, actor, TimelineAction::MarkedPersonalDataBreach, detail);
    Ok(())
}

/// Records that a report was sent, stopping its clock. Submitting the NIS2
/// notification re-anchors the final report's month on the submission.
pub fn record_submission(
    record: &mut IncidentRecord,
    config: &ClockConfig,
    kind: ClockKind,
    actor: &str,
    note: &str,
    at: Timestamp,
) -> Result<(), ClockError> {
    if let Some(into) = record.merged_into {
        return Err(ClockError::MergedInto { into });
    }
    let find = |record: &IncidentRecord, kind| record.clocks.iter().position(|c| c.kind == kind);
    let index = find(record, kind).ok_or(ClockError::NoSuchClock(kind))?;
    if let Some(done) = &record.clocks[index].submitted {
        return Err(ClockError::AlreadySubmitted { kind, by: done.by.clone() });
    }
    if kind == ClockKind::Nis2FinalReport
        && find(record, ClockKind::Nis2Notification).is_some_and(|i| record.clocks[i].submitted.is_none())
    {
        return Err(ClockError::NotificationFirst);
    }
    let mut detail = format!("{} submitted", kind.as_str());
    if kind == ClockKind::Nis2Notification
        && let Some(final_index) = find(record, ClockKind::Nis2FinalReport)
    {
        let due = ClockKind::Nis2FinalReport.due_from(at, &config.time_zone)?;
        let final_report = &mut record.clocks[final_index];
        final_report.started = at;
        final_report.due = due;
        final_report.reminders_sent.clear();
        detail.push_str(&format!("; nis2_final_report now due {}", local(due, config)));
    }
    record.clocks[index].submitted = Some(Signoff { by: actor.to_owned(), at, note: note.trim().to_owned() });
    record.log(at, actor, TimelineAction::ReportSubmitted, detail);
    Ok(())
}

/// The reminders that should go out at `now`: for each clock still running,
/// the latest reminder point already reached and not yet sent. Earlier
/// points missed in the meantime (say, while the server was down) are not
/// sent late: the latest one says more.
pub fn reminders_due(record: &IncidentRecord, config: &ClockConfig, now: Timestamp) -> Vec<Reminder> {
    if record.merged_into.is_some() {
        return Vec::new();
    }
    record
        .clocks
        .iter()
        .filter(|clock| clock.submitted.is_none())
        .filter_map(|clock| {
            let last_sent = clock.reminders_sent.iter().map(|s| s.fire_at(clock.due)).max();
            config
                .stages()
                .map(|stage| (stage, stage.fire_at(clock.due)))
                .filter(|&(_, fire_at)| fire_at <= now && last_sent.is_none_or(|sent| fire_at > sent))
                .max_by_key(|&(_, fire_at)| fire_at)
                .map(|(stage, fire_at)| Reminder {
                    incident: record.id(),
                    kind: clock.kind,
                    due: clock.due,
                    stage,
                    fire_at,
                })
        })
        .collect()
}

/// Records that a reminder went out, so [`reminders_due`] does not return
/// it again. A reminder for a due time that has since moved is refused.
pub fn record_reminder_sent(record: &mut IncidentRecord, reminder: &Reminder, at: Timestamp) -> Result<(), ClockError> {
    let clock = record
        .clocks
        .iter_mut()
        .find(|c| c.kind == reminder.kind && c.due == reminder.due)
        .ok_or(ClockError::StaleReminder { kind: reminder.kind, due: reminder.due })?;
    clock.reminders_sent.push(reminder.stage);
    let stage = match reminder.stage {
        ReminderStage::Before { minutes } => format!("{minutes} min before"),
        ReminderStage::Overdue => "overdue".to_owned(),
    };
    let detail = format!("{} reminder ({stage}), due {}", reminder.kind.as_str(), reminder.due);
    record.log(at, crate::record::SYSTEM_ACTOR, TimelineAction::ReminderSent, detail);
    Ok(())
}
