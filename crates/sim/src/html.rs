//! The report as one self-contained HTML page (no script, no outside
//! file): the verdict, a timeline drawn in SVG from the run's own times
//! (each step where it was sent, a bar to its first detection, each
//! incident where it opened), then the steps, incidents and false alerts
//! as tables. Every text from the scenario or from SafeCare is escaped by
//! maud.

use jiff::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::report::{Outcome, Report, StepReport};

/// Width of the timeline's drawing area, in SVG units.
const PLOT_WIDTH: f64 = 760.0;
/// Left margin holding the step names.
const LABEL_WIDTH: f64 = 180.0;
/// Height of one timeline row.
const ROW: f64 = 26.0;

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:2em;color:#1d2430;background:#fff}
h1{font-size:1.5em;margin-bottom:.2em}
.verdict{display:inline-block;padding:.2em .7em;border-radius:4px;color:#fff;font-weight:bold}
.passed{background:#2e7d32}.failed{background:#c62828}
table{border-collapse:collapse;margin:1em 0;min-width:60%}
th,td{border:1px solid #ccd3dd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef2f7}
td.met{color:#2e7d32;font-weight:bold}td.late,td.incomplete{color:#b26a00;font-weight:bold}
td.missed{color:#c62828;font-weight:bold}td.not_scored{color:#6b7685}
.meta{color:#4a5565}
svg text{font-size:12px;font-family:system-ui,sans-serif}
";

/// The report as a self-contained HTML document.
pub fn render(report: &Report) -> String {
    let verdict = if report.passed { "passed" } else { "failed" };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Scenario " (report.scenario) " — " (report.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Scenario " (report.scenario) " — " (report.title) }
                p {
                    span id="verdict" class={ "verdict " (verdict) } { (verdict.to_uppercase()) }
                    span.meta {
                        " seed " (report.seed) ", speed " (report.speed) "×, "
                        (report.records_sent.steps) " attack record(s), "
                        (report.records_sent.noise) " noise record(s)"
                    }
                }
                h2 { "Timeline" }
                (timeline(report))
                h2 { "Steps" }
                (steps(report))
                h2 { "Incidents" }
                (incidents(report))
                h2 { "Notifications" }
                (notifications(report))
                h2 { "Time to acknowledge" }
                (acknowledgements(report))
                h2 { "False alerts caused by the noise" }
                (false_alerts(report))
            }
        }
    };
    page.into_string()
}

fn outcome_class(outcome: Outcome) -> &'static str {
    outcome.into()
}

fn colour(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Met => "#2e7d32",
        Outcome::Late | Outcome::Incomplete => "#e09000",
        Outcome::Missed => "#c62828",
        Outcome::NotScored => "#8a94a3",
    }
}

fn offset_ms(from: Timestamp, to: Timestamp) -> f64 {
    to.duration_since(from).as_millis() as f64
}

fn first_detection(step: &StepReport) -> Option<u64> {
    step.expected.iter().filter_map(|c| c.time_to_detect_ms).min()
}

/// The SVG timeline: one row per step, then one per expected incident.
fn timeline(report: &Report) -> Markup {
    let Some(start) = report.steps.iter().map(|s| s.sent_at).min() else {
        return html! { p { "No step was played." } };
    };
    let sent_of = |id: &str| report.steps.iter().find(|s| s.id == id).map(|s| s.sent_at);
    let step_ends = report.steps.iter().map(|s| offset_ms(start, s.sent_at) + first_detection(s).unwrap_or(0) as f64);
    let incident_ends =
        report.incidents.iter().filter_map(|i| Some(offset_ms(start, sent_of(&i.by)?) + i.time_to_incident_ms? as f64));
    let span = step_ends.chain(incident_ends).fold(1.0_f64, f64::max);
    let x = |ms: f64| LABEL_WIDTH + ms / span * PLOT_WIDTH;
    let rows = report.steps.len() + report.incidents.len();
    let height = (rows as f64 + 1.5) * ROW;
    let width = LABEL_WIDTH + PLOT_WIDTH + 60.0;
    html! {
        svg id="timeline" xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } role="img" aria-label="timeline of the run" {
            line x1=(LABEL_WIDTH) y1=(height - ROW) x2=(LABEL_WIDTH + PLOT_WIDTH) y2=(height - ROW) stroke="#8a94a3" {}
            text x=(LABEL_WIDTH) y=(height - ROW / 3.0) { "0 s" }
            text x=(LABEL_WIDTH + PLOT_WIDTH) y=(height - ROW / 3.0) text-anchor="end" {
                (format!("{:.1} s", span / 1000.0))
            }
            @for (row, step) in report.steps.iter().enumerate() {
                @let y = (row as f64 + 0.7) * ROW;
                @let sent = offset_ms(start, step.sent_at);
                g class="step" data-step=(step.id) {
                    title { (step.id) ": " (step.say) " (" (step.outcome) ")" }
                    text x="4" y=(y + 4.0) { (step.id) }
                    @if let Some(ttd) = first_detection(step) {
                        line x1=(x(sent)) y1=(y) x2=(x(sent + ttd as f64)) y2=(y)
                            stroke=(colour(step.outcome)) stroke-width="6" {}
                        rect x=(x(sent + ttd as f64) - 3.0) y=(y - 7.0) width="6" height="14"
                            fill=(colour(step.outcome)) {}
                    }
                    circle cx=(x(sent)) cy=(y) r="5" fill=(colour(step.outcome)) {}
                }
            }
            @for (i, incident) in report.incidents.iter().enumerate() {
                @let y = ((report.steps.len() + i) as f64 + 0.7) * ROW;
                g class="incident" {
                    text x="4" y=(y + 4.0) {
                        "incident " (incident.threat.as_deref().unwrap_or("(any)"))
                    }
                    @if let (Some(by), Some(open)) = (sent_of(&incident.by), incident.time_to_incident_ms) {
                        @let at = offset_ms(start, by) + open as f64;
                        polygon points=(format!("{},{} {},{} {},{} {},{}", x(at), y - 7.0, x(at) + 7.0, y, x(at), y + 7.0, x(at) - 7.0, y))
                            fill=(colour(incident.outcome)) {}
                    }
                }
            }
        }
        p.meta { "● step sent, ▬ time to its first detection, ◆ incident opened; green met, amber late or incomplete, red missed." }
    }
}

fn steps(report: &Report) -> Markup {
    html! {
        table id="steps" {
            thead { tr { th { "step" } th { "phase" } th { "stage" } th { "what happened" } th { "sent" }
                th { "outcome" } th { "expected rule" } th { "time to detect" } th { "also raised" } } }
            tbody {
                @for step in &report.steps {
                    @let span = step.expected.len().max(1);
                    @let sent = step.sent_at.strftime("%H:%M:%S").to_string();
                    @if step.expected.is_empty() {
                        tr data-step=(step.id) {
                            td { (step.id) } td { (step.phase) } td { (step.stage) } td { (step.say) } td { (sent) }
                            td class=(outcome_class(step.outcome)) { (step.outcome) } td { "-" } td { "-" }
                            td { (step.also_raised.join(", ")) }
                        }
                    }
                    @for (i, check) in step.expected.iter().enumerate() {
                        tr data-step=(step.id) {
                            @if i == 0 {
                                td rowspan=(span) { (step.id) } td rowspan=(span) { (step.phase) }
                                td rowspan=(span) { (step.stage) } td rowspan=(span) { (step.say) }
                                td rowspan=(span) { (sent) }
                            }
                            td class=(outcome_class(check.outcome)) { (check.outcome) }
                            td { (check.rule) }
                            td { (check.time_to_detect_ms.map(ms).unwrap_or_else(|| "-".into()))
                                " (within " (ms(check.within_ms)) ")" }
                            @if i == 0 { td rowspan=(span) { (step.also_raised.join(", ")) } }
                        }
                    }
                }
            }
        }
    }
}

fn incidents(report: &Report) -> Markup {
    if report.incidents.is_empty() {
        return html! { p { "No incident was expected." } };
    }
    html! {
        table id="incidents" {
            thead { tr { th { "threat expected" } th { "by step" } th { "outcome" } th { "incident" }
                th { "threat found" } th { "time to open" } th { "services found" } th { "services expected" }
                th { "playbooks found" } th { "playbooks expected" } th { "tasks opened" } th { "tasks expected" } } }
            tbody {
                @for incident in &report.incidents {
                    tr {
                        td { (incident.threat.as_deref().unwrap_or("(any)")) }
                        td { (incident.by) }
                        td class=(outcome_class(incident.outcome)) { (incident.outcome) }
                        td { (incident.incident.as_deref().unwrap_or("-")) }
                        td { (incident.threat_found.as_deref().unwrap_or("-")) }
                        td { (incident.time_to_incident_ms.map(ms).unwrap_or_else(|| "-".into()))
                            " (within " (ms(incident.within_ms)) ")" }
                        td { (dash(&incident.services_found)) }
                        td { (dash(&incident.services_expected)) }
                        td { (dash(&incident.playbooks_found)) }
                        td { (dash(&incident.playbooks_expected)) }
                        td { (dash(&incident.tasks_found)) }
                        td { (dash(&incident.tasks_expected)) }
                    }
                }
            }
        }
    }
}

fn notifications(report: &Report) -> Markup {
    if report.notifications.is_empty() {
        return html! { p id="notifications" { "No notification was expected." } };
    }
    let any = |v: &Option<String>| v.clone().unwrap_or_else(|| "(any)".into());
    html! {
        table id="notifications" {
            thead { tr { th { "by step" } th { "route" } th { "channel" } th { "role" } th { "outcome" }
                th { "status" } th { "delay" } th { "sent on" } th { "recipients" } } }
            tbody {
                @for n in &report.notifications {
                    tr {
                        td { (n.by) } td { (any(&n.route)) } td { (any(&n.channel)) } td { (any(&n.role)) }
                        td class=(outcome_class(n.outcome)) { (n.outcome) }
                        td { (n.status.as_deref().unwrap_or("none")) }
                        td { (n.delay_ms.map(ms).unwrap_or_else(|| "-".into())) " (within " (ms(n.within_ms)) ")" }
                        td { (n.sent_on.as_deref().unwrap_or("-")) }
                        td { (dash(&n.recipients)) }
                    }
                }
            }
        }
    }
}

fn acknowledgements(report: &Report) -> Markup {
    if report.acknowledgements.is_empty() {
        return html! { p id="acknowledgements" { "No incident was opened." } };
    }
    html! {
        table id="acknowledgements" {
            thead { tr { th { "incident" } th { "threat" } th { "opened" } th { "acknowledged" }
                th { "time to acknowledge" } th { "by" } } }
            tbody {
                @for a in &report.acknowledgements {
                    tr data-incident=(a.incident) {
                        td { (a.incident) }
                        td { (a.threat.as_deref().unwrap_or("-")) }
                        td { (a.opened.strftime("%H:%M:%S").to_string()) }
                        td { (a.acknowledged.map(|t| t.strftime("%H:%M:%S").to_string()).unwrap_or_else(|| "not yet".into())) }
                        td { (a.time_to_acknowledge_ms.map(ms).unwrap_or_else(|| "-".into())) }
                        td { (a.by.as_deref().unwrap_or("-")) }
                    }
                }
            }
        }
    }
}

fn false_alerts(report: &Report) -> Markup {
    if report.false_alerts.is_empty() {
        return html! { p id="false-alerts" { "None." } };
    }
    html! {
        table id="false-alerts" {
            thead { tr { th { "rule" } th { "description" } th { "noise" } th { "alert" } } }
            tbody {
                @for alert in &report.false_alerts {
                    tr { td { (alert.rule) } td { (alert.description) } td { (alert.noise.join(", ")) }
                        td { (alert.alert) } }
                }
            }
        }
    }
}

fn ms(v: u64) -> String {
    if v < 10_000 { format!("{v} ms") } else { format!("{:.1} s", v as f64 / 1000.0) }
}

fn dash(v: &[String]) -> String {
    if v.is_empty() { "-".into() } else { v.join(", ") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::report::{AlertCheck, RecordCounts};
    use crate::scenario::Stage;

    fn report(say: &str) -> Report {
        let sent: Timestamp = "2026-12-05T08:00:00Z".parse().unwrap();
        Report {
            scenario: "x".into(),
            title: "A <b>bold</b> title".into(),
            seed: 1,
            speed: 1.0,
            passed: false,
            records_sent: RecordCounts { steps: 1, noise: 0 },
            steps: vec![StepReport {
                id: "s1".into(),
                phase: "p".into(),
                stage: Stage::Exploit,
                say: say.into(),
                sent_at: sent,
                outcome: Outcome::Missed,
                expected: vec![AlertCheck {
                    rule: "r".into(),
                    outcome: Outcome::Missed,
                    time_to_detect_ms: None,
                    within_ms: 1000,
                    alert: None,
                }],
                also_raised: vec![],
            }],
            incidents: vec![],
            false_alerts: vec![],
            notifications: vec![],
            acknowledgements: vec![],
        }
    }

    #[test]
    fn text_from_the_scenario_is_escaped() {
        let page = render(&report("<script>alert(1)</script> & more"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
        assert!(page.contains("A &lt;b&gt;bold&lt;/b&gt; title"));
        assert!(page.contains(r#"class="verdict failed""#));
    }
}
