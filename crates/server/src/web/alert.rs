//! One alert's page: what fired (rule, threat, severity and its IDMEFv2
//! priority), where (asset, place on the plan), the incident it joined, the
//! events that made it, and its IDMEFv2 form as the API returns it.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use maud::{Markup, html};
use safecare_model::{Alert, AlertId, AlertNode, Event};
use safecare_store::{IncidentQuery, Store, StoredIncident};

use super::event::{asset_link, asset_names, events_table, path_id};
use super::evidence_fields::{Reveal, value_cell};
use super::incident::words;
use super::layout::{page as shell, severity};
use super::links;
use crate::auth::{Access, Permission, Principal};
use crate::error::ApiError;

/// The most events of one alert shown; a correlation over more lists its
/// first ones and says how many there are.
const MAX_EVENTS: usize = 100;

/// The incidents holding `alert`. An incident takes an alert after it is
/// made, so only incidents changed since then are read.
async fn incidents_of(store: &dyn Store, alert: &Alert) -> Result<Vec<StoredIncident>, ApiError> {
    let query =
        IncidentQuery { updated_since: Some(alert.create_time), limit: safecare_store::MAX_PAGE, ..Default::default() };
    Ok(store.list_incidents(query).await?.into_iter().filter(|s| s.incident.alerts.contains(&alert.id)).collect())
}

pub async fn page(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Markup, ApiError> {
    let locale = &principal.locale;
    let id: AlertId = path_id(&principal, &id)?;
    let alert = store.get_alert(id).await?.ok_or_else(|| {
        ApiError::not_found(locale.text_with("evidence-error-no-alert", &[("id", id.to_string().into())]))
    })?;
    let names = asset_names(store.as_ref()).await?;
    let incidents = if Access::Needs(Permission::IncidentsRead).allows(principal.role) {
        incidents_of(store.as_ref(), &alert).await?
    } else {
        Vec::new()
    };
    let mut events: Vec<Event> = Vec::new();
    for event_id in alert.safecare.events.iter().take(MAX_EVENTS) {
        events.extend(store.get_event(*event_id).await?);
    }
    let reveal = Reveal {
        allowed: Access::Needs(Permission::Reidentify).allows(principal.role),
        incident: incidents.first().map(|s| s.incident.id.to_string()),
        locale,
    };
    // A responder reads alerts but not events: the events are named, not linked.
    let events_open = Access::Needs(Permission::EventsRead).allows(principal.role);
    let sc = &alert.safecare;
    let content = html! {
        article id="alert" data-alert=(alert.id) {
            p id="action-status" role="status" aria-live="polite" {}
            dl.facts {
                dt { (locale.text("evidence-description")) } dd.description { (alert.description) }
                dt { (locale.text("evidence-severity")) }
                dd {
                    (severity(locale, alert.severity()))
                    " " small.priority { (locale.text_with("evidence-idmef-priority", &[("priority", alert.priority.as_str().into())])) }
                }
                dt { (locale.text("evidence-raised")) } dd { (locale.time(alert.create_time)) }
                @if let Some(start) = alert.start_time {
                    dt { (locale.text("evidence-first-event")) } dd { (locale.time(start)) }
                }
                @if let Some(end) = alert.cease_time {
                    dt { (locale.text("evidence-last-event")) } dd { (locale.time(end)) }
                }
                dt { (locale.text("evidence-rule")) }
                dd { @match &sc.rule {
                    Some(rule) => a href=(links::rule_href(rule)) { (rule) },
                    None => (alert.analyzer.name),
                } }
                dt { (locale.text("evidence-threat")) } dd { (sc.threat.as_deref().map(words).unwrap_or_default()) }
                @if !sc.tags.is_empty() {
                    dt { (locale.text("evidence-tags")) } dd { (sc.tags.join(", ")) }
                }
                dt { (locale.text("evidence-asset")) } dd { (asset_link(sc.asset.as_ref().map(|a| a.as_str()), &names, &principal)) }
                dt { (locale.text("evidence-location")) } dd { (links::place(&sc.location)) }
                dt { (locale.text("evidence-incident")) }
                dd.incident {
                    @if incidents.is_empty() { (locale.text("evidence-none")) }
                    @for stored in &incidents {
                        a href=(links::incident_href(stored.incident.id)) { (stored.incident.title) } " "
                    }
                }
            }
            @if !alert.source.is_empty() || !alert.target.is_empty() {
                section aria-labelledby="nodes-h" {
                    h2 id="nodes-h" { (locale.text("evidence-nodes")) }
                    (nodes(&alert.source, "evidence-node-source", &reveal))
                    (nodes(&alert.target, "evidence-node-target", &reveal))
                }
            }
            section aria-labelledby="alert-events-h" {
                h2 id="alert-events-h" { (locale.text_with("evidence-alert-events", &[("count", sc.events.len().into())])) }
                (events_table(&events, "alert-events", events_open, locale))
            }
            details.raw {
                summary { (locale.text("evidence-raw-idmef")) }
                pre { (serde_json::to_string_pretty(&alert).unwrap_or_default()) }
            }
        }
    };
    Ok(shell(&locale.text("evidence-alert-title"), &principal, "/", content))
}

/// IDMEFv2 source or target nodes: who and what the alert names.
fn nodes(nodes: &[AlertNode], heading: &str, reveal: &Reveal<'_>) -> Markup {
    let locale = reveal.locale;
    html! {
        @for node in nodes {
            dl.node {
                dt { (locale.text(heading)) } dd { (node.name.as_deref().unwrap_or("")) }
                @for (label, value) in [
                    ("evidence-node-host", &node.hostname),
                    ("evidence-node-ip", &node.ip),
                    ("evidence-node-user", &node.user),
                    ("evidence-node-location", &node.location),
                ] {
                    @if let Some(value) = value {
                        dt { (locale.text(label)) } dd { (value_cell(value, reveal)) }
                    }
                }
            }
        }
    }
}
