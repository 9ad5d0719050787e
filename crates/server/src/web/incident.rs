//! One incident: its facts and the actions the caller may take, composed
//! with the closing and editing forms (`incident_edit`), the playbook
//! checklist (`incident_tasks`), the regulatory clocks (`incident_clocks`),
//! the impact sections (`incident_impact`), the CAP section
//! (`incident_cap`) and the timeline (`incident_timeline`).
//!
//! Actions go through the JSON API from `app.js` (with the session's CSRF
//! token); the page is reloaded when the incident changes, whoever changed
//! it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use jiff::Timestamp;
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_respond::cap::MsgType;
use safecare_respond::cap_draft;
use safecare_respond::{IncidentRecord, Incidents, Transition, check_transition, threat_words};
use safecare_store::{AccountStore, IncidentQuery, Store};

use super::incident_cap::{CapSection, next_types, section as cap_section};
use super::incident_clocks::clocks;
use super::incident_edit::{Editing, edit_forms};
use super::incident_impact::{impact_graph, impact_tables};
use super::incident_tasks::checklist;
use super::incident_timeline::timeline;
use super::layout::{page as shell, severity, status};
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
    let (users, others) = if write {
        let mut names: Vec<String> =
            accounts.list_users().await?.into_iter().filter(|u| !u.disabled).map(|u| u.name).collect();
        names.sort();
        let query = IncidentQuery { open_only: true, limit: MERGE_CHOICES, ..IncidentQuery::default() };
        let others: Vec<(String, String)> = store
            .list_incidents(query)
            .await?
            .into_iter()
            .filter(|s| s.incident.id != id)
            .map(|s| (s.incident.id.to_string(), s.incident.title))
            .collect();
        (names, others)
    } else {
        (Vec::new(), Vec::new())
    };
    let names: HashMap<String, String> = match &record.impact {
        Some(_) => store.list_assets().await?.into_iter().map(|a| (a.id.into_string(), a.name)).collect(),
        None => HashMap::new(),
    };
    let titles: HashMap<&str, String> = incidents
        .rules()
        .playbooks
        .playbooks()
        .iter()
        .map(|p| (p.id.as_str(), safecare_respond::playbook_title(&principal.locale, p)))
        .collect();
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
        locale: &principal.locale,
    };
    let locale = &principal.locale;
    let editing = Editing { record: &record, alerts: &alerts, api: &api, others: &others };

    let content = html! {
        div.incident id="incident" data-live data-incident=(id) data-api=(api) {
            p id="action-status" role="status" aria-live="polite" {}
            @if record.exercise {
                div.exercise-banner id="exercise-banner" role="note" {
                    "EXERCISE — not a real incident; notified on exercise routes only"
                    @if let Some(run) = &record.exercise_run { " (run " (run) ")" }
                }
            }
            (facts(&record, locale))
            (actions(&record, &api, write, &users, may(Permission::RespondView), locale))
            @if write && incident.status.is_open() { (edit_forms(&editing, locale)) }
            (impact_graph(record.impact.as_ref(), &names, locale))
            div.incident-grid {
                div {
                    (checklist(&record, &api, write, &titles, locale))
                    (clocks(&record, &api, declare, now, locale))
                }
                div {
                    (impact_tables(record.impact.as_ref(), &names, &principal.locale))
                }
            }
            @if may(Permission::CapRead) { (cap_section(&cap_view)) }
            (timeline(&record, &alerts, &api, write, &principal.locale))
        }
    };
    Ok(shell(&incident.title, &principal, "/incidents", content))
}

/// How many open incidents the merge and duplicate choices list.
const MERGE_CHOICES: usize = 100;

pub(super) fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// A snake_case vocabulary word through the catalogue: `prefix` + the word
/// with dashes.
pub(super) fn word(locale: &Locale, prefix: &str, name: &str) -> String {
    locale.text(&format!("{prefix}{}", name.replace('_', "-")))
}

fn facts(record: &IncidentRecord, locale: &Locale) -> Markup {
    let i = &record.incident;
    html! {
        dl.facts.incident-facts {
            dt { (locale.text("incident-severity")) } dd { (severity(locale, i.severity)) }
            dt { (locale.text("incident-status")) } dd { span id="incident-status" class={ "status status-" (i.status.as_str()) } { (status(locale, i.status)) } }
            @if let Some(closure) = &record.closure {
                dt { (locale.text("incident-closed-as")) }
                dd id="incident-closure" {
                    (locale.text_with("incident-closure", &[
                        ("disposition", word(locale, "incident-disposition-", closure.disposition.as_str()).into()),
                        ("by", closure.by.as_str().into()),
                        ("reason", closure.reason.as_str().into()),
                    ]))
                    @if let Some(original) = closure.duplicate_of { " → " a href={ "/incidents/" (original) } { (original) } }
                }
            }
            dt { (locale.text("incident-assignee")) } dd id="incident-assignee" { (i.assignee.clone().unwrap_or_else(|| locale.text("incident-unassigned"))) }
            dt { (locale.text("incident-location")) } dd { @if i.location.is_empty() { (locale.text("incident-unknown")) } @else { (i.location.path()) } }
            dt { (locale.text("incident-threat")) } dd { (i.threat.as_deref().map_or_else(|| locale.text("incident-not-classified"), |t| threat_words(locale, t))) }
            dt { (locale.text("incident-tags")) } dd { @if i.tags.is_empty() { (locale.text("incident-none")) } @else { ul.tags { @for tag in &i.tags { li { (tag) } } } } }
            dt { (locale.text("incident-opened")) } dd { (locale.time(i.created)) }
            dt { (locale.text("incident-updated")) } dd { (locale.time(i.updated)) }
            @if let Some(into) = record.merged_into {
                dt { (locale.text("incident-merged-into")) } dd { a href={ "/incidents/" (into) } { (into) } }
            }
            @if !i.assets.is_empty() {
                dt { (locale.text("incident-assets")) } dd { @for (n, asset) in i.assets.iter().enumerate() { @if n > 0 { ", " } a href={ "/assets/" (asset) } { (asset) } } }
            }
        }
    }
}

fn actions(
    record: &IncidentRecord,
    api: &str,
    write: bool,
    users: &[String],
    responder_view: bool,
    locale: &Locale,
) -> Markup {
    let incident = &record.incident;
    let allowed: Vec<Transition> =
        Transition::ALL.into_iter().filter(|t| check_transition(incident.status, *t).is_ok()).collect();
    html! {
        section.actions aria-label=(locale.text("incident-actions")) {
            @if write {
                @if !allowed.is_empty() {
                    div.buttons role="group" aria-label=(locale.text("incident-change-status")) {
                        @for t in &allowed {
                            button type="button" data-action="api" data-url={ (api) "/transition" }
                                data-body=(serde_json::json!({"transition": t.as_str()}).to_string()) {
                                (word(locale, "incident-transition-", t.as_str()))
                            }
                        }
                    }
                }
                form.api data-url=(api) data-method="PATCH" aria-label=(locale.text("incident-assign")) {
                    label for="assignee" { (locale.text("incident-assign-to")) }
                    select id="assignee" name="assignee" data-empty-null {
                        option value="" selected[incident.assignee.is_none()] { (locale.text("incident-nobody")) }
                        @for user in users {
                            option value=(user) selected[incident.assignee.as_deref() == Some(user.as_str())] { (user) }
                        }
                    }
                    button type="submit" { (locale.text("incident-assign")) }
                }
            } @else if let Some(into) = record.merged_into {
                span.calm { (locale.text("incident-merged-notice")) " " a href={ "/incidents/" (into) } { (into) } }
            } @else {
                span.calm { (locale.text("incident-read-only")) }
            }
            a.export href={ (api) "/export" } download { (locale.text("incident-export")) }
            @if responder_view { " " a.export href={ "/respond/" (incident.id) } { (locale.text("incident-responder-view")) } }
        }
    }
}
