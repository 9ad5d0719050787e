//! What a run found: per step detected or missed and how fast, the
//! incidents against their expectations, and the alerts the noise caused.
//! Shown as a terminal table or JSON.

use std::fmt::Write as _;

use jiff::Timestamp;
use serde::Serialize;

use crate::scenario::Stage;

/// How one expectation fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::Display, strum::EnumString)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Raised in time.
    #[strum(serialize = "met")]
    Met,
    /// Raised, but later than expected.
    #[strum(serialize = "late")]
    Late,
    /// Raised in time, but without everything expected of it (services,
    /// playbooks).
    #[strum(serialize = "incomplete")]
    Incomplete,
    /// Not raised.
    #[strum(serialize = "missed")]
    Missed,
    /// Nothing was expected (a step that sets the scene).
    #[strum(serialize = "not_scored")]
    NotScored,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// Its title.
    pub title: String,
    /// The seed of the timeline.
    pub seed: u64,
    /// How many times faster than the timeline it was played.
    pub speed: f64,
    /// Whether every expectation was met.
    pub passed: bool,
    /// Records sent: by the attack's steps and by the noise.
    pub records_sent: RecordCounts,
    /// Per step.
    pub steps: Vec<StepReport>,
    /// Per expected incident.
    pub incidents: Vec<IncidentReport>,
    /// Alerts raised by noise alone.
    pub false_alerts: Vec<FalseAlert>,
    /// Per expected notification.
    pub notifications: Vec<NotificationReport>,
    /// Every incident of the run: when it opened and when someone
    /// acknowledged it.
    pub acknowledgements: Vec<AckReport>,
}

/// One expected notification.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationReport {
    /// The step by which it was expected.
    pub by: String,
    /// The route expected (any when absent).
    pub route: Option<String>,
    /// The channel expected (any when absent).
    pub channel: Option<String>,
    /// The on-call role expected (any when absent).
    pub role: Option<String>,
    /// How it fared: met when delivered in time, missed when none was
    /// delivered.
    pub outcome: Outcome,
    /// The delivery state of the message found (`delivered`, `pending`,
    /// `failed`), none when SafeCare planned none.
    pub status: Option<String>,
    /// From sending the step to the channel accepting the message, in
    /// milliseconds.
    pub delay_ms: Option<u64>,
    /// The longest delay allowed, in milliseconds.
    pub within_ms: u64,
    /// The route and channel of the message found.
    pub sent_on: Option<String>,
    /// The people it named.
    pub recipients: Vec<String>,
}

/// One incident of the run and its acknowledgement.
#[derive(Debug, Clone, Serialize)]
pub struct AckReport {
    /// The incident.
    pub incident: String,
    /// Its threat.
    pub threat: Option<String>,
    /// When it opened.
    pub opened: Timestamp,
    /// When it was acknowledged, if it was.
    pub acknowledged: Option<Timestamp>,
    /// Who acknowledged it.
    pub by: Option<String>,
    /// From opening to acknowledgement, in milliseconds.
    pub time_to_acknowledge_ms: Option<u64>,
}

/// Records sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordCounts {
    /// By the attack's steps.
    pub steps: usize,
    /// By the noise generators.
    pub noise: usize,
}

/// One step.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Its id.
    pub id: String,
    /// Its phase.
    pub phase: String,
    /// Its phase's stage.
    pub stage: Stage,
    /// What happened.
    pub say: String,
    /// When its records were sent.
    pub sent_at: Timestamp,
    /// Met when all its expected alerts were; the worst of them otherwise.
    pub outcome: Outcome,
    /// Each expected alert.
    pub expected: Vec<AlertCheck>,
    /// Rules it triggered that were not expected of it.
    pub also_raised: Vec<String>,
}

/// One expected alert.
#[derive(Debug, Clone, Serialize)]
pub struct AlertCheck {
    /// The rule as the scenario names it.
    pub rule: String,
    /// How it fared.
    pub outcome: Outcome,
    /// From sending the step to the first such alert, in milliseconds.
    pub time_to_detect_ms: Option<u64>,
    /// The longest delay allowed, in milliseconds.
    pub within_ms: u64,
    /// The alert found.
    pub alert: Option<String>,
}

/// One expected incident.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentReport {
    /// The threat expected (any when absent).
    pub threat: Option<String>,
    /// The step by which it was expected.
    pub by: String,
    /// How it fared.
    pub outcome: Outcome,
    /// The incident found.
    pub incident: Option<String>,
    /// Its threat.
    pub threat_found: Option<String>,
    /// From sending the step to the incident's opening, in milliseconds (0
    /// when it was open before).
    pub time_to_incident_ms: Option<u64>,
    /// The longest delay allowed, in milliseconds.
    pub within_ms: u64,
    /// Services its impact was expected to reach.
    pub services_expected: Vec<String>,
    /// Services its impact reaches.
    pub services_found: Vec<String>,
    /// Playbooks expected.
    pub playbooks_expected: Vec<String>,
    /// Playbooks attached.
    pub playbooks_found: Vec<String>,
    /// Playbook tasks expected to be opened (task ids).
    pub tasks_expected: Vec<String>,
    /// The expected tasks the incident has opened.
    pub tasks_found: Vec<String>,
}

/// An alert caused by normal activity only.
#[derive(Debug, Clone, Serialize)]
pub struct FalseAlert {
    /// The alert's id.
    pub alert: String,
    /// Its rule (name when known, else id).
    pub rule: String,
    /// Its description.
    pub description: String,
    /// The noise generators whose records caused it.
    pub noise: Vec<String>,
}

impl Report {
    /// The report as a terminal table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let verdict = if self.passed { "PASSED" } else { "FAILED" };
        let _ = writeln!(out, "Scenario {} — {}  [{verdict}]", self.scenario, self.title);
        let _ = writeln!(
            out,
            "seed {}, speed {}x, {} attack record(s), {} noise record(s)\n",
            self.seed, self.speed, self.records_sent.steps, self.records_sent.noise
        );
        let _ = writeln!(out, "{:<20} {:<8} {:<11} {:<42} {:>7}  detail", "step", "stage", "outcome", "rule", "detect");
        for step in &self.steps {
            let also = if step.also_raised.is_empty() {
                String::new()
            } else {
                format!("also raised: {}", step.also_raised.join(", "))
            };
            if step.expected.is_empty() {
                let _ = writeln!(out, "{:<20} {:<8} {:<11} {:<42} {:>7}  {also}", step.id, step.stage, "-", "-", "-");
            }
            for (i, check) in step.expected.iter().enumerate() {
                let ttd = check.time_to_detect_ms.map(ms).unwrap_or_else(|| "-".into());
                let mut detail = format!("within {}", ms(check.within_ms));
                if i == 0 && !also.is_empty() {
                    detail = format!("{detail}; {also}");
                }
                let _ = writeln!(
                    out,
                    "{:<20} {:<8} {:<11} {:<42} {:>7}  {detail}",
                    step.id, step.stage, check.outcome, check.rule, ttd
                );
            }
        }
        if !self.incidents.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<22} {:<12} {:<11} {:>9}  services found / expected",
                "incident", "by", "outcome", "open"
            );
            for inc in &self.incidents {
                let open = inc.time_to_incident_ms.map(ms).unwrap_or_else(|| "-".into());
                let threat = inc.threat.clone().unwrap_or_else(|| "(any)".into());
                let _ = writeln!(
                    out,
                    "{:<22} {:<12} {:<11} {:>9}  {} / {}",
                    threat,
                    inc.by,
                    inc.outcome,
                    open,
                    join_or_dash(&inc.services_found),
                    join_or_dash(&inc.services_expected)
                );
            }
        }
        if !self.notifications.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<20} {:<12} {:<11} {:<10} {:>9}  sent on / to",
                "notification", "by", "outcome", "status", "delay"
            );
            for n in &self.notifications {
                let wanted = [n.route.as_deref(), n.channel.as_deref(), n.role.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("/");
                let _ = writeln!(
                    out,
                    "{:<20} {:<12} {:<11} {:<10} {:>9}  {} / {}",
                    if wanted.is_empty() { "(any)" } else { wanted.as_str() },
                    n.by,
                    n.outcome,
                    n.status.as_deref().unwrap_or("none"),
                    n.delay_ms.map(ms).unwrap_or_else(|| "-".into()),
                    n.sent_on.as_deref().unwrap_or("-"),
                    join_or_dash(&n.recipients)
                );
            }
        }
        if !self.acknowledgements.is_empty() {
            let _ = writeln!(out, "\n{:<38} {:<26} {:>9}  by", "incident", "threat", "ack");
            for a in &self.acknowledgements {
                let _ = writeln!(
                    out,
                    "{:<38} {:<26} {:>9}  {}",
                    a.incident,
                    a.threat.as_deref().unwrap_or("-"),
                    a.time_to_acknowledge_ms.map(ms).unwrap_or_else(|| "not yet".into()),
                    a.by.as_deref().unwrap_or("-")
                );
            }
        }
        let _ = writeln!(out, "\nfalse alerts caused by the noise: {}", self.false_alerts.len());
        for alert in &self.false_alerts {
            let _ = writeln!(out, "  {} ({}) from {}", alert.rule, alert.description, alert.noise.join(", "));
        }
        out
    }
}

fn ms(v: u64) -> String {
    if v < 10_000 { format!("{v}ms") } else { format!("{:.1}s", v as f64 / 1000.0) }
}

fn join_or_dash(v: &[String]) -> String {
    if v.is_empty() { "-".into() } else { v.join(", ") }
}
