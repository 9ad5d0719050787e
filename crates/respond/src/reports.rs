//! Report templates for the authorities, pre-filled from the incident.
//!
//! Each report is Markdown with the facts SafeCare knows filled in (times in
//! the hospital's time zone, severity, places, assets, alerts, ATT&CK tags,
//! tasks done and pending, the impact assessment) and, marked `[to
//! complete: …]`, what only a person can say. The section headings follow
//! the content the law asks for (NIS2 Art. 23(4), GDPR Art. 33(3)). The
//! words come from the catalogue (`reports.ftl`), in the language asked for.

use std::fmt::Write as _;

use jiff::Timestamp;
use safecare_i18n::{Language, Locale};
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

    fn title(self, locale: &Locale) -> String {
        match self {
            ReportKind::Nis2EarlyWarning => locale.text("report-nis2-early-warning"),
            ReportKind::Nis2Notification => locale.text("report-nis2-notification"),
            ReportKind::Nis2FinalReport => locale.text("report-nis2-final-report"),
            ReportKind::GdprNotification => locale.text("report-gdpr-notification"),
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

/// A report's words in one language, with its times in the hospital's zone.
struct Writer<'a> {
    ctx: &'a ReportContext<'a>,
    locale: Locale,
}

impl Writer<'_> {
    fn local(&self, at: Timestamp) -> String {
        let pattern = match self.locale.language() {
            Language::En => "%Y-%m-%d %H:%M %Z",
            Language::Fr | Language::It => "%d/%m/%Y %H:%M %Z",
            Language::Nl => "%d-%m-%Y %H:%M %Z",
        };
        at.to_zoned_datetime(self.ctx.clocks.time_zone().clone()).strftime(pattern).to_string()
    }

    /// `[to complete: what]`: what only a person can say.
    fn to_complete(&self, what: &str) -> String {
        self.locale.text_with("report-to-complete", &[("what", what.into())])
    }

    fn aware_at(&self, kind: ReportKind) -> Option<Timestamp> {
        let marking = match kind {
            ReportKind::GdprNotification => &self.ctx.record.personal_data_breach,
            _ => &self.ctx.record.significant,
        };
        marking.as_ref().map(|m| m.aware_at)
    }

    fn malicious(&self) -> String {
        let causes = self.ctx.alerts.iter().filter_map(|a| a.cause);
        let mut any = false;
        for cause in causes {
            if cause == AlertCause::Malicious {
                return self.locale.text("report-malicious-yes");
            }
            any = true;
        }
        if any {
            self.locale.text("report-malicious-not-indicated")
        } else {
            self.to_complete(&self.locale.text("report-malicious-question"))
        }
    }

    /// `- label: value`
    fn fact(&self, out: &mut String, id: &str, value: &str) {
        let _ = writeln!(out, "- {}", self.locale.text_with(id, &[("value", value.into())]));
    }

    fn heading(&self, out: &mut String, id: &str) {
        let _ = writeln!(out, "\n## {}\n", self.locale.text(id));
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

/// Drafts a report for the incident as it stands at `ctx.now`, in English.
pub fn render_report(kind: ReportKind, ctx: &ReportContext<'_>) -> String {
    render_report_in(Language::En, kind, ctx)
}

/// Drafts a report for the incident as it stands at `ctx.now`, in
/// `language` (the facts themselves, such as alert texts, stay as recorded).
pub fn render_report_in(language: Language, kind: ReportKind, ctx: &ReportContext<'_>) -> String {
    let w = Writer { ctx, locale: Locale::new(language, ctx.clocks.time_zone().clone()) };
    let locale = &w.locale;
    let record = ctx.record;
    let incident = &record.incident;
    let mut out = String::new();
    // Writing to a String cannot fail; the results are discarded for that reason.
    let _ = writeln!(out, "# {} — {}\n", kind.title(locale), incident.title);
    w.fact(&mut out, "report-entity", ctx.organisation);
    w.fact(&mut out, "report-incident", &incident.id.to_string());
    w.fact(&mut out, "report-drafted", &w.local(ctx.now));
    match w.aware_at(kind) {
        Some(at) => w.fact(&mut out, "report-aware-since", &w.local(at)),
        None => w.fact(&mut out, "report-aware-since", &w.to_complete(&locale.text("report-not-marked"))),
    }
    if let Some(clock) = record.clocks.iter().find(|c| c.kind == kind.clock()) {
        w.fact(&mut out, "report-due", &format!("{} ({})", w.local(clock.due), clock.kind.label()));
    }
    w.fact(&mut out, "report-first-detected", &w.local(incident.created));
    w.fact(&mut out, "report-status", incident.status.as_str());
    w.fact(&mut out, "report-severity", incident.severity.as_str());
    let threat = match incident.threat.as_deref() {
        Some(threat) => threat.to_owned(),
        None => w.to_complete(&locale.text("report-threat-question")),
    };
    w.fact(&mut out, "report-threat", &threat);
    let place = incident.location.path();
    let place = if place.is_empty() { locale.text("report-not-located") } else { place };
    w.fact(&mut out, "report-place", &place);

    w.heading(&mut out, "report-description");
    let alerts: Vec<String> = ctx
        .alerts
        .iter()
        .map(|a| format!("{} — {} ({})", w.local(a.create_time), a.description, a.severity()))
        .collect();
    list_or(&mut out, &alerts, &locale.text("report-no-alert"));

    w.heading(&mut out, "report-malicious");
    let _ = writeln!(out, "{}", w.malicious());
    if kind != ReportKind::GdprNotification {
        w.heading(&mut out, "report-cross-border");
        let _ = writeln!(out, "{}", w.to_complete(&locale.text("report-cross-border-question")));
    }

    if kind != ReportKind::Nis2EarlyWarning {
        w.heading(&mut out, "report-impact");
        let impact = match record.impact_summary.as_deref() {
            Some(summary) => summary.to_owned(),
            None => w.to_complete(&locale.text("report-impact-question")),
        };
        let _ = writeln!(out, "{impact}");
        w.heading(&mut out, "report-assets");
        list_or(&mut out, &incident.assets, &locale.text("report-no-asset"));
        if !incident.tags.is_empty() {
            let _ =
                writeln!(out, "\n{}", locale.text_with("report-tags", &[("value", incident.tags.join(", ").into())]));
        }
    }

    if kind == ReportKind::GdprNotification {
        w.heading(&mut out, "report-breach");
        for (id, question) in [
            ("report-data-subjects", "report-data-subjects-question"),
            ("report-data-subjects-count", "report-data-subjects-count-question"),
            ("report-records", "report-records-question"),
            ("report-dpo", "report-dpo-question"),
            ("report-consequences", "report-consequences-question"),
        ] {
            w.fact(&mut out, id, &w.to_complete(&locale.text(question)));
        }
    }

    if kind == ReportKind::Nis2FinalReport {
        w.heading(&mut out, "report-root-cause");
        let _ = writeln!(out, "{}", w.to_complete(&locale.text("report-root-cause-question")));
    }

    if kind != ReportKind::Nis2EarlyWarning {
        let done: Vec<String> = record
            .tasks
            .iter()
            .filter_map(|t| match &t.status {
                TaskStatus::Done(s) => Some(locale.text_with(
                    "report-task-done",
                    &[
                        ("time", w.local(s.at).into()),
                        ("task", t.title(locale).into()),
                        ("by", s.by.as_str().into()),
                        ("role", t.task.role.as_str().into()),
                    ],
                )),
                _ => None,
            })
            .collect();
        let pending: Vec<String> = record
            .tasks
            .iter()
            .filter(|t| t.is_pending())
            .map(|t| format!("{} ({})", t.title(locale), t.task.role))
            .collect();
        w.heading(&mut out, "report-measures-taken");
        list_or(&mut out, &done, &locale.text("report-none-recorded"));
        w.heading(&mut out, "report-measures-planned");
        list_or(&mut out, &pending, &locale.text("report-none"));
    }

    if kind == ReportKind::Nis2FinalReport {
        w.heading(&mut out, "report-timeline");
        for entry in &record.timeline {
            let _ = writeln!(out, "- {} — {} ({:?}): {}", w.local(entry.at), entry.actor, entry.action, entry.detail);
        }
    }
    out
}
