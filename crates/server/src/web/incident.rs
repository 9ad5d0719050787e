//! One incident: its facts, the actions the caller may take, the playbook
//! checklist, the regulatory clocks, the timeline with its alerts, and the
//! impact on clinical services as a graph with the ranked mitigations.
//!
//! Actions go through the JSON API from `app.js` (with the session's CSRF
//! token); the page is reloaded when the incident changes, whoever changed
//! it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_model::{Alert, AssetId};
use safecare_respond::cap::MsgType;
use safecare_respond::cap_draft;
use safecare_respond::{
    IncidentImpact, IncidentRecord, Incidents, RegulatoryClock, ReportKind, TaskState, TaskStatus, TimelineAction,
    TimelineEntry, Transition, check_transition,
};
use safecare_store::{AccountStore, Store};

use super::impact_graph::{Graph, draw};
use super::incident_cap::{CapSection, next_types, section as cap_section};
use super::layout::{page as shell, severity, time};
use crate::auth::{Access, Permission, Principal};
use crate::cap::CapMessages;
use crate::error::ApiError;
use crate::routes::incidents::existing;

pub async fn page(
    State(incidents): State<Incidents>,
    State(accounts): State<Arc<dyn AccountStore>>,
    State(store): State<Arc<dyn Store>>,
    State(cap): State<CapMessages>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Markup, ApiError> {
    let record = existing(&incidents, &id).await?;
    let id = record.incident.id;
    let alerts = incidents.alerts(&record).await?;
    let may = |permission| Access::Needs(permission).allows(principal.role);
    // A merged incident takes no more changes: it offers none.
    let open = record.merged_into.is_none();
    let (write, declare) = (open && may(Permission::IncidentsWrite), open && may(Permission::IncidentsDeclare));
    let users: Vec<String> = if write {
        let mut names: Vec<String> =
            accounts.list_users().await?.into_iter().filter(|u| !u.disabled).map(|u| u.name).collect();
        names.sort();
        names
    } else {
        Vec::new()
    };
    let names: HashMap<String, String> = match &record.impact {
        Some(_) => store.list_assets().await?.into_iter().map(|a| (a.id.into_string(), a.name)).collect(),
        None => HashMap::new(),
    };
    let titles: HashMap<&str, &str> =
        incidents.rules().playbooks.playbooks().iter().map(|p| (p.id.as_str(), p.title.as_str())).collect();
    let now = Timestamp::now();
    let api = format!("/api/v1/incidents/{id}");
    let incident = &record.incident;
    let messages = if may(Permission::CapRead) { cap.of_incident(id).await? } else { Vec::new() };
    let next = next_types(&messages).first().copied().unwrap_or(MsgType::Update);
    let cap_view = CapSection {
        messages: &messages,
        defaults: cap_draft::defaults(&record, next, &cap.config, &incidents.rules().playbooks),
        api: &api,
        may_draft: open && may(Permission::CapDraft),
        may_approve: open && may(Permission::CapApprove),
    };

    let content = html! {
        div.incident id="incident" data-live data-incident=(id) data-api=(api) {
            p id="action-status" role="status" aria-live="polite" {}
            @if record.exercise {
                div.exercise-banner id="exercise-banner" role="note" {
                    "EXERCISE — not a real incident; notified on exercise routes only"
                    @if let Some(run) = &record.exercise_run { " (run " (run) ")" }
                }
            }
            (facts(&record))
            (actions(&record, &api, write, &users, may(Permission::RespondView)))
            (impact_graph(record.impact.as_ref(), &names))
            div.incident-grid {
                div {
                    (checklist(&record, &api, write, &titles))
                    (clocks(&record, &api, declare, now))
                }
                div {
                    (impact_tables(record.impact.as_ref(), &names))
                }
            }
            @if may(Permission::CapRead) { (cap_section(&cap_view)) }
            (timeline(&record, &alerts, &api, write))
        }
    };
    Ok(shell(&incident.title, &principal, "/incidents", content))
}

fn words(name: &str) -> String {
    name.replace('_', " ")
}

fn facts(record: &IncidentRecord) -> Markup {
    let i = &record.incident;
    html! {
        dl.facts.incident-facts {
            dt { "Severity" } dd { (severity(i.severity)) }
            dt { "Status" } dd { span id="incident-status" class={ "status status-" (i.status.as_str()) } { (words(i.status.as_str())) } }
            dt { "Assignee" } dd id="incident-assignee" { (i.assignee.as_deref().unwrap_or("unassigned")) }
            dt { "Location" } dd { @if i.location.is_empty() { "unknown" } @else { (i.location.path()) } }
            dt { "Threat" } dd { (i.threat.as_deref().map_or("not classified".to_owned(), words)) }
            dt { "Tags" } dd { @if i.tags.is_empty() { "none" } @else { ul.tags { @for tag in &i.tags { li { (tag) } } } } }
            dt { "Opened" } dd { (time(i.created)) }
            dt { "Updated" } dd { (time(i.updated)) }
            @if let Some(into) = record.merged_into {
                dt { "Merged into" } dd { a href={ "/incidents/" (into) } { (into) } }
            }
            @if !i.assets.is_empty() {
                dt { "Assets" } dd { @for (n, asset) in i.assets.iter().enumerate() { @if n > 0 { ", " } a href={ "/assets/" (asset) } { (asset) } } }
            }
        }
    }
}

fn actions(record: &IncidentRecord, api: &str, write: bool, users: &[String], responder_view: bool) -> Markup {
    let incident = &record.incident;
    let allowed: Vec<Transition> =
        Transition::ALL.into_iter().filter(|t| check_transition(incident.status, *t).is_ok()).collect();
    html! {
        section.actions aria-label="Actions" {
            @if write {
                @if !allowed.is_empty() {
                    div.buttons role="group" aria-label="Change status" {
                        @for t in &allowed {
                            button type="button" data-action="api" data-url={ (api) "/transition" }
                                data-body=(serde_json::json!({"transition": t.as_str()}).to_string()) {
                                (capitalised(t.as_str()))
                            }
                        }
                    }
                }
                form.api data-url=(api) data-method="PATCH" aria-label="Assign" {
                    label for="assignee" { "Assign to" }
                    select id="assignee" name="assignee" data-empty-null {
                        option value="" selected[incident.assignee.is_none()] { "nobody" }
                        @for user in users {
                            option value=(user) selected[incident.assignee.as_deref() == Some(user.as_str())] { (user) }
                        }
                    }
                    button type="submit" { "Assign" }
                }
            } @else if let Some(into) = record.merged_into {
                span.calm { "Merged into " a href={ "/incidents/" (into) } { "another incident" } ", which carries on the work." }
            } @else {
                span.calm { "Your role can read this incident but not change it." }
            }
            a.export href={ (api) "/export" } download { "Export JSON" }
            @if responder_view { " " a.export href={ "/respond/" (incident.id) } { "Responder view" } }
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn checklist(record: &IncidentRecord, api: &str, write: bool, titles: &HashMap<&str, &str>) -> Markup {
    html! {
        section.checklist aria-labelledby="tasks-h" {
            h2 id="tasks-h" { "Playbook checklist" }
            @if record.tasks.is_empty() {
                p.calm { "No playbook attached." }
            }
            @for playbook in &record.playbooks {
                @let tasks: Vec<&TaskState> = record.tasks.iter().filter(|t| &t.playbook == playbook).collect();
                @let done = tasks.iter().filter(|t| !t.is_pending()).count();
                table.tasks data-playbook=(playbook) {
                    caption { strong { (titles.get(playbook.as_str()).copied().unwrap_or(playbook)) } " — " (done) " of " (tasks.len()) " done" }
                    thead { tr { th scope="col" { "Task" } th scope="col" { "Role" } th scope="col" { "State" } th scope="col" { "Approval" } @if write { th scope="col" { "Act" } } } }
                    tbody {
                        @for task in tasks { (task_row(task, api, write)) }
                    }
                }
            }
        }
    }
}

fn task_row(task: &TaskState, api: &str, write: bool) -> Markup {
    let url = format!("{api}/tasks/{}/{}", task.playbook, task.task.id);
    let body = |action: &str| serde_json::json!({ "action": action }).to_string();
    let approval_pending = task.task.requires_approval.is_some() && task.approval.is_none();
    html! {
        tr data-task=(task.key()) class={ "task-" (state_name(&task.status)) } {
            td {
                (task.task.title)
                @if !task.task.instructions.is_empty() { details { summary { "How" } p { (task.task.instructions) } } }
                @if !task.task.after.is_empty() { small.after { "after " (task.task.after.join(", ")) } }
            }
            td { (words(task.task.role.as_str())) }
            td {
                @match &task.status {
                    TaskStatus::Pending => span.state { "☐ pending" },
                    TaskStatus::Done(s) => { span.state { "☑ done" } br; small { "by " (s.by) ", " (time(s.at)) @if !s.note.is_empty() { ": " (s.note) } } },
                    TaskStatus::Skipped(s) => { span.state { "⊘ skipped" } br; small { "by " (s.by) ": " (s.note) } },
                }
            }
            td {
                @match (&task.task.requires_approval, &task.approval) {
                    (None, _) => span.calm { "not needed" },
                    (Some(role), None) => span.awaiting { "needed from " (words(role.as_str())) },
                    (Some(role), Some(s)) => { span { "given by " (s.by) " as " (words(role.as_str())) } br; small { (time(s.at)) @if !s.note.is_empty() { ": " (s.note) } } },
                }
            }
            @if write {
                td.task-actions {
                    @if task.is_pending() {
                        @if approval_pending {
                            button type="button" data-action="api" data-url=(url) data-body=(body("approve")) { "Approve" }
                        }
                        button type="button" data-action="api" data-url=(url) data-body=(body("complete")) { "Complete" }
                        details.skip-task {
                            summary { "Skip…" }
                            form.api data-url=(url) data-method="POST" data-extra=(body("skip")) {
                                label { span.visually-hidden { "Reason to skip " (task.task.title) } input name="note" placeholder="why skip it" required; }
                                button type="submit" { "Skip" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn state_name(status: &TaskStatus) -> &'static str {
    match status {
        TaskStatus::Pending => "pending",
        TaskStatus::Done(_) => "done",
        TaskStatus::Skipped(_) => "skipped",
    }
}

/// "3 h 12 min left", or "overdue by 40 min".
fn remaining(now: Timestamp, due: Timestamp) -> String {
    let left = due.duration_since(now);
    let minutes = left.as_secs().unsigned_abs() / 60;
    let span = match (minutes / (24 * 60), minutes / 60 % 24, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    };
    if left < SignedDuration::ZERO { format!("overdue by {span}") } else { format!("{span} left") }
}

fn report_of(clock: &RegulatoryClock) -> Option<String> {
    let kind = ReportKind::ALL.into_iter().find(|k| k.clock() == clock.kind)?;
    Some(kind.as_str().to_owned())
}

fn clocks(record: &IncidentRecord, api: &str, declare: bool, now: Timestamp) -> Markup {
    let marking = |value: &str| serde_json::json!({ "marking": value }).to_string();
    html! {
        section.clocks aria-labelledby="clocks-h" {
            h2 id="clocks-h" { "Regulatory clocks" }
            @if let Some(m) = &record.significant {
                p { "Significant under NIS2: marked by " (m.by) ", aware since " (time(m.aware_at)) "." }
            }
            @if let Some(m) = &record.personal_data_breach {
                p { "Personal-data breach under GDPR: marked by " (m.by) ", aware since " (time(m.aware_at)) "." }
            }
            @if record.clocks.is_empty() {
                p.calm { "No clock running: the incident is not marked significant or a personal-data breach." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Deadline" } th scope="col" { "Due" } th scope="col" { "Remaining" } } }
                    tbody {
                        @for clock in &record.clocks {
                            tr data-clock=(clock.kind.as_str()) class=[(clock.submitted.is_none() && clock.due < now).then_some("bad")] {
                                td {
                                    (clock.kind.label())
                                    @if declare && let Some(report) = report_of(clock) {
                                        br; a href={ (api) "/reports/" (report) } { "Draft report" }
                                    }
                                }
                                td { (time(clock.due)) }
                                td {
                                    @if let Some(s) = &clock.submitted {
                                        "report sent by " (s.by) ", " (time(s.at))
                                    } @else {
                                        span data-due=(clock.due.to_string()) { (remaining(now, clock.due)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if declare && (record.significant.is_none() || record.personal_data_breach.is_none()) {
                div.buttons role="group" aria-label="Declare" {
                    @if record.significant.is_none() {
                        button type="button" data-action="api" data-url={ (api) "/markings" } data-body=(marking("significant")) { "Mark significant (NIS2)" }
                    }
                    @if record.personal_data_breach.is_none() {
                        button type="button" data-action="api" data-url={ (api) "/markings" } data-body=(marking("personal_data_breach")) { "Mark personal-data breach (GDPR)" }
                    }
                }
            }
        }
    }
}

/// How many of the worst impacted services the graph draws; the table
/// lists them all.
const DRAWN_SERVICES: usize = 8;

fn impact_graph(impact: Option<&IncidentImpact>, names: &HashMap<String, String>) -> Markup {
    html! {
        section.impact aria-labelledby="impact-h" {
            h2 id="impact-h" { "Impact on clinical services" }
            @match impact {
                None => p.calm { "Not assessed: the incident has no threat type or concerns no known asset yet." },
                Some(impact) => {
                    @let report = &impact.report;
                    p.legend {
                        (words(&report.threat)) " on " (report.seeds.join(", ")) ", assessed " (time(impact.assessed_at)) ". "
                        (report.services.len()) " service(s) impacted"
                        @if report.services.len() > DRAWN_SERVICES { "; the " (DRAWN_SERVICES) " worst are drawn, all are listed below" }
                        "."
                    }
                    @if let Some(worst) = report.services.first() {
                        @let graph = Graph::of(report, names, DRAWN_SERVICES);
                        // Focusable, so that keyboard users can scroll it where it is wider than the window.
                        div.graph-box tabindex="0" role="region" aria-label="Impact graph" {
                            (draw(&graph, &format!("{} impacted service(s) and the assets on their paths; worst: {}", report.services.len(), worst.name)))
                        }
                        p.legend {
                            "Thick line: the worst path, to " strong { (worst.name) } ": "
                            (worst.path.iter().map(|s| names.get(s.asset.as_str()).cloned().unwrap_or_else(|| s.asset.to_string())).collect::<Vec<_>>().join(" → "))
                            ". Rounded, bold boxes are clinical services; each box gives its impact score (1 = full strength)."
                        }
                    } @else {
                        p.calm { "No clinical service is impacted." }
                    }
                }
            }
        }
    }
}

fn impact_tables(impact: Option<&IncidentImpact>, names: &HashMap<String, String>) -> Markup {
    html! {
        @if let Some(impact) = impact {
            section.impact-tables aria-labelledby="services-h" {
                h2 id="services-h" { "Impacted services and mitigations" }
                @if !impact.report.services.is_empty() {
                    table.services {
                        caption { "Impacted services, worst first" }
                        thead { tr { th scope="col" { "Service" } th scope="col" { "Impact" } th scope="col" { "Score" } th scope="col" { "In about" } } }
                        tbody {
                            @for s in &impact.report.services {
                                tr data-service=(s.asset) { td { (s.name) } td { (s.impact.as_str()) } td { (format!("{:.2}", s.score)) } td { (format!("{:.0} min", s.minutes)) } }
                            }
                        }
                    }
                }
                (mitigations(impact, names))
            }
        }
    }
}

fn mitigations(impact: &IncidentImpact, names: &HashMap<String, String>) -> Markup {
    html! {
        @if !impact.mitigations.is_empty() {
            table.mitigations {
                caption { "Mitigations, best reduction of the impact on services first" }
                thead { tr { th scope="col" { "#" } th scope="col" { "Mitigation" } th scope="col" { "Reduction" } th scope="col" { "Patient safety" } } }
                tbody {
                    @for (rank, m) in impact.mitigations.iter().enumerate() {
                        tr class=[m.patient_safety_risk.then_some("risky")] {
                            td { (rank + 1) }
                            td { (m.name) br; (targets(&m.targets, names)) }
                            td { (figure(m.reduction)) br; small { (figure(m.service_impact_before)) " → " (figure(m.service_impact_after)) } }
                            td {
                                @if m.patient_safety_risk {
                                    strong { "⚠ risk" }
                                    @if !m.safety_reasons.is_empty() { ul { @for r in &m.safety_reasons { li { (r) } } } }
                                } @else { "no risk found" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How many of a mitigation's targets are named before the rest fold away.
const SHOWN_TARGETS: usize = 4;

fn targets(targets: &[AssetId], names: &HashMap<String, String>) -> Markup {
    let named: Vec<&str> = targets.iter().map(|t| names.get(t.as_str()).map_or(t.as_str(), String::as_str)).collect();
    html! {
        @if named.len() <= SHOWN_TARGETS {
            small { "on " (named.join(", ")) }
        } @else {
            details.targets {
                summary { small { "on " (named[..SHOWN_TARGETS].join(", ")) " and " (named.len() - SHOWN_TARGETS) " more" } }
                small { (named[SHOWN_TARGETS..].join(", ")) }
            }
        }
    }
}

/// A score to two decimals, without the "-0.00" of a rounding residue.
fn figure(x: f64) -> String {
    let rounded = (x * 100.0).round() / 100.0;
    format!("{:.2}", if rounded == 0.0 { 0.0 } else { rounded })
}

/// One line of the timeline: a recorded change, or an alert at the time it
/// was raised.
struct Line<'a> {
    at: Timestamp,
    actor: &'a str,
    action: String,
    detail: String,
    alert: Option<&'a Alert>,
}

/// A comment's entry records only its number; the page shows its text.
fn with_comment(record: &IncidentRecord, entry: &TimelineEntry) -> String {
    let number = (entry.action == TimelineAction::Commented)
        .then(|| entry.detail.strip_prefix("comment #")?.parse::<u32>().ok())
        .flatten();
    match number.and_then(|n| record.comments.iter().find(|c| c.number == n)) {
        Some(comment) => format!("#{}: {}", comment.number, comment.text),
        None => entry.detail.clone(),
    }
}

fn timeline(record: &IncidentRecord, alerts: &[Alert], api: &str, write: bool) -> Markup {
    let mut lines: Vec<Line> = record
        .timeline
        .iter()
        .map(|e| Line {
            at: e.at,
            actor: &e.actor,
            action: words(e.action.as_str()),
            detail: with_comment(record, e),
            alert: None,
        })
        .chain(alerts.iter().map(|a| Line {
            at: a.create_time,
            actor: "detection",
            action: "alert raised".to_owned(),
            detail: format!("{} ({})", a.description, a.safecare.location.path()),
            alert: Some(a),
        }))
        .collect();
    // Stable: a change and the alert it records keep their order.
    lines.sort_by_key(|l| l.at);
    html! {
        section.timeline aria-labelledby="timeline-h" {
            h2 id="timeline-h" { "Timeline" }
            @if write {
                form.api.comment data-url={ (api) "/comments" } data-method="POST" {
                    label for="comment" { "Comment" }
                    textarea id="comment" name="text" rows="2" required {}
                    button type="submit" { "Add comment" }
                }
            }
            table {
                caption.visually-hidden { "Every change to the incident and every alert in it, oldest first" }
                thead { tr { th scope="col" { "Time" } th scope="col" { "Actor" } th scope="col" { "Action" } th scope="col" { "Detail" } } }
                tbody {
                    @for line in &lines {
                        tr class=[line.alert.map(|_| "alert-line")] {
                            td { (time(line.at)) }
                            td { (line.actor) }
                            td { @if let Some(a) = line.alert { (severity(a.severity())) " " } (line.action) }
                            td { (line.detail) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_time_reads_as_words() {
        let now: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        let at = |s: &str| -> Timestamp { s.parse().unwrap() };
        assert_eq!(remaining(now, at("2026-11-28T10:40:00Z")), "40 min left");
        assert_eq!(remaining(now, at("2026-11-28T13:12:30Z")), "3 h 12 min left");
        assert_eq!(remaining(now, at("2026-11-30T12:00:00Z")), "2 d 2 h left");
        assert_eq!(remaining(now, at("2026-11-28T09:20:00Z")), "overdue by 40 min");
    }

    #[test]
    fn figures_drop_the_sign_of_zero() {
        assert_eq!(figure(-0.001), "0.00");
        assert_eq!(figure(-2.034), "-2.03");
        assert_eq!(figure(11.338), "11.34");
    }

    #[test]
    fn transitions_read_as_button_labels() {
        assert_eq!(capitalised("acknowledge"), "Acknowledge");
        assert_eq!(capitalised(""), "");
    }
}
