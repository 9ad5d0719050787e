//! Report templates for the authorities, pre-filled from the incident.
//!
//! Each report is Markdown with the facts SafeCare knows filled in (times in
//! the hospital's time zone, severity, places, assets, alerts, ATT&CK tags,
//! tasks done and pending, the impact assessment) and, marked `[to
//! complete: …]`, what only a person can say. The section headings follow
//! the content the law asks for (NIS2 Art. 23(4), GDPR Art. 33(3)).

use std::fmt::Write as _;

use jiff::Timestamp;
use safecare_model::{Alert, AlertCause};
use serde::{Deserialize, Serialize};

use crate::clocks::{ClockConfig, ClockKind};
use crate::record::IncidentRecord;
use crate::tasks::TaskStatus;

/// Which report to draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReportKind {
    /// NIS2 early warning (24 h).
    Nis2EarlyWarning,
    /// NIS2 incident notification (72 h).
    Nis2Notification,
    /// NIS2 final report (one month).
    Nis2FinalReport,
    /// GDPR Art. 33 notification to the supervisory authority (72 h).
    GdprNotification,
}

impl ReportKind {
    /// The snake_case name used in the API (`nis2_early_warning`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl ReportKind {
    /// Every report kind.
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Nis2EarlyWarning,
        ReportKind::Nis2Notification,
        ReportKind::Nis2FinalReport,
        ReportKind::GdprNotification,
    ];

    /// The clock this report stops.
    pub fn clock(self) -> ClockKind {
        match self {
            ReportKind::Nis2EarlyWarning => ClockKind::Nis2EarlyWarning,
            ReportKind::Nis2Notification => ClockKind::Nis2Notification,
            ReportKind::Nis2FinalReport => ClockKind::Nis2FinalReport,
            ReportKind::GdprNotification => ClockKind::GdprArt33,
        }
    }

    fn title(self) -> &'static str {
        match self {
            ReportKind::Nis2EarlyWarning => "NIS2 early warning",
            ReportKind::Nis2Notification => "NIS2 incident notification",
            ReportKind::Nis2FinalReport => "NIS2 final report",
            ReportKind::GdprNotification => "GDPR Art. 33 notification of a personal-data breach",
        }
    }
}

/// What a report is drafted from.
#[derive(Debug, Clone, Copy)]
pub struct ReportContext<'a> {
    /// The incident reported on.
    pub record: &'a IncidentRecord,
    /// The incident's alerts, as the store has them.
    pub alerts: &'a [Alert],
    /// The clock settings, for deadlines in the hospital's time zone.
    pub clocks: &'a ClockConfig,
    /// The reporting entity's name, as registered with the authority.
    pub organisation: &'a str,
    /// The time the draft is made, stated in it.
    pub now: Timestamp,
}

const TO_COMPLETE: &str = "[to complete:";

impl ReportContext<'_> {
    fn local(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.clocks.time_zone().clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
    }

    fn aware_at(&self, kind: ReportKind) -> Option<Timestamp> {
        let marking = match kind {
            ReportKind::GdprNotification => &self.record.personal_data_breach,
            _ => &self.record.significant,
        };
        marking.as_ref().map(|m| m.aware_at)
    }

    fn malicious(&self) -> &'static str {
        let causes = self.alerts.iter().filter_map(|a| a.cause);
        let mut any = false;
        for cause in causes {
            if cause == AlertCause::Malicious {
                return "Yes: at least one alert is classified as malicious.";
            }
            any = true;
        }
        if any { "Not indicated by the alerts so far." } else { "[to complete: suspected unlawful or malicious act?]" }
    }
}

fn list_or(out: &mut String, items: &[impl std::fmt::Display], empty: &str) {
    if items.is_empty() {
        let _ = writeln!(out, "- {empty}");
    }
    for item in items {
        let _ = writeln!(out, "- {item}");
    }
}

/// Drafts a report for the incident as it stands at `ctx.now`.
pub fn render_report(kind: ReportKind, ctx: &ReportContext<'_>) -> String {
    let record = ctx.record;
    let incident = &record.incident;
    let mut out = String::new();
    // Writing to a String cannot fail; the results are discarded for that reason.
    let _ = writeln!(out, "# {} — {}\n", kind.title(), incident.title);
    let _ = writeln!(out, "- Reporting entity: {}", ctx.organisation);
    let _ = writeln!(out, "- SafeCare incident: {}", incident.id);
    let _ = writeln!(out, "- Drafted: {}", ctx.local(ctx.now));
    match ctx.aware_at(kind) {
        Some(at) => {
            let _ = writeln!(out, "- Aware since: {}", ctx.local(at));
        }
        None => {
            let _ = writeln!(out, "- Aware since: {TO_COMPLETE} the incident is not marked for this report]");
        }
    }
    if let Some(clock) = record.clocks.iter().find(|c| c.kind == kind.clock()) {
        let _ = writeln!(out, "- Due: {} ({})", ctx.local(clock.due), clock.kind.label());
    }
    let _ = writeln!(out, "- First detected: {}", ctx.local(incident.created));
    let _ = writeln!(out, "- Status: {}", incident.status.as_str());
    let _ = writeln!(out, "- Severity: {}", incident.severity);
    let _ =
        writeln!(out, "- Type of threat: {}", incident.threat.as_deref().unwrap_or("[to complete: type of threat]"));
    let place = incident.location.path();
    let _ = writeln!(out, "- Place: {}", if place.is_empty() { "not located" } else { &place });

    let _ = writeln!(out, "\n## Description\n");
    let alerts: Vec<String> = ctx
        .alerts
        .iter()
        .map(|a| format!("{} — {} ({})", ctx.local(a.create_time), a.description, a.severity()))
        .collect();
    list_or(&mut out, &alerts, "No alert details provided.");

    let _ = writeln!(out, "\n## Suspected unlawful or malicious act\n\n{}", ctx.malicious());
    if kind != ReportKind::GdprNotification {
        let _ =
            writeln!(out, "\n## Cross-border impact\n\n{TO_COMPLETE} could the incident affect other Member States?]");
    }

    if kind != ReportKind::Nis2EarlyWarning {
        let _ = writeln!(out, "\n## Impact\n");
        let _ = writeln!(
            out,
            "{}",
            record.impact_summary.as_deref().unwrap_or("[to complete: impact on clinical services and patients]")
        );
        let _ = writeln!(out, "\n## Affected assets and indicators\n");
        list_or(&mut out, &incident.assets, "No inventory asset identified.");
        if !incident.tags.is_empty() {
            let _ = writeln!(out, "\nTechniques and tags: {}", incident.tags.join(", "));
        }
    }

    if kind == ReportKind::GdprNotification {
        let _ = writeln!(out, "\n## Nature of the breach\n");
        let _ = writeln!(out, "- Categories of data subjects: {TO_COMPLETE} patients, staff, visitors…]");
        let _ = writeln!(out, "- Approximate number of data subjects: {TO_COMPLETE} number]");
        let _ =
            writeln!(out, "- Categories and approximate number of records: {TO_COMPLETE} health data, identity data…]");
        let _ = writeln!(out, "- Data protection officer contact: {TO_COMPLETE} name and contact]");
        let _ = writeln!(out, "- Likely consequences: {TO_COMPLETE} for the data subjects]");
    }

    if kind == ReportKind::Nis2FinalReport {
        let _ = writeln!(out, "\n## Root cause\n\n{TO_COMPLETE} root cause, as established by the investigation]");
    }

    if kind != ReportKind::Nis2EarlyWarning {
        let done: Vec<String> = record
            .tasks
            .iter()
            .filter_map(|t| match &t.status {
                TaskStatus::Done(s) => {
                    Some(format!("{} — {} by {} ({})", ctx.local(s.at), t.task.title, s.by, t.task.role))
                }
                _ => None,
            })
            .collect();
        let pending: Vec<String> = record
            .tasks
            .iter()
            .filter(|t| t.is_pending())
            .map(|t| format!("{} ({})", t.task.title, t.task.role))
            .collect();
        let _ = writeln!(out, "\n## Measures taken\n");
        list_or(&mut out, &done, "None recorded yet.");
        let _ = writeln!(out, "\n## Measures in progress or planned\n");
        list_or(&mut out, &pending, "None.");
    }

    if kind == ReportKind::Nis2FinalReport {
        let _ = writeln!(out, "\n## Timeline\n");
        for entry in &record.timeline {
            let _ = writeln!(out, "- {} — {} ({:?}): {}", ctx.local(entry.at), entry.actor, entry.action, entry.detail);
        }
    }
    out
}
