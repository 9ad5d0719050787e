//! One event's page: its normalised core and its raw fields, the alerts it
//! raised, and the related events by the same user, host, badge, door or
//! asset within a window (`?window=` minutes either side, 60 by default).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use jiff::SignedDuration;
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_model::{Alert, Event, EventId};
use safecare_store::{AlertQuery, Store};
use serde::Deserialize;

use super::evidence_fields::{Reveal, flatten, table};
use super::layout::{page as shell, severity};
use super::links;
use super::related::{DEFAULT_WINDOW_MINUTES, MAX_WINDOW_MINUTES, Pivot, related};
use crate::auth::{Access, Permission, Principal};
use crate::error::ApiError;

/// How far back an alert may have started before one of its events: the
/// longest correlation window SafeCare's rules use is well inside a day.
const ALERT_LOOKBACK: SignedDuration = SignedDuration::from_hours(24);

#[derive(Debug, Default, Deserialize)]
pub struct Window {
    window: Option<String>,
}

impl Window {
    /// The half-width asked for, checked.
    fn minutes(&self, principal: &Principal) -> Result<usize, ApiError> {
        let locale = &principal.locale;
        match self.window.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            None => Ok(DEFAULT_WINDOW_MINUTES),
            Some(text) => {
                text.parse::<usize>().ok().filter(|m| (1..=MAX_WINDOW_MINUTES).contains(m)).ok_or_else(|| {
                    ApiError::bad_request(locale.text_with(
                        "evidence-error-window",
                        &[("value", text.to_owned().into()), ("max", MAX_WINDOW_MINUTES.into())],
                    ))
                })
            }
        }
    }
}

/// Parses an id from the path, or answers 400 naming it.
pub(super) fn path_id<T: std::str::FromStr>(principal: &Principal, text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(principal.locale.text_with("evidence-error-bad-id", &[("id", text.to_owned().into())]))
    })
}

/// Names of the inventory's assets by id, for links that read as names.
pub(super) async fn asset_names(store: &dyn Store) -> Result<HashMap<String, String>, ApiError> {
    Ok(store.list_assets().await?.into_iter().map(|a| (a.id.into_string(), a.name)).collect())
}

pub async fn page(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(window): Query<Window>,
) -> Result<Markup, ApiError> {
    let locale = &principal.locale;
    let id: EventId = path_id(&principal, &id)?;
    let minutes = window.minutes(&principal)?;
    let event = store.get_event(id).await?.ok_or_else(|| {
        ApiError::not_found(locale.text_with("evidence-error-no-event", &[("id", id.to_string().into())]))
    })?;
    let names = asset_names(store.as_ref()).await?;
    let alerts: Vec<Alert> = store
        .list_alerts(AlertQuery {
            from: Some(event.time - ALERT_LOOKBACK),
            to: Some(event.time + SignedDuration::from_secs(1)),
            limit: safecare_store::MAX_PAGE,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|a| a.safecare.events.contains(&id))
        .collect();
    let related = related(store.as_ref(), &event, minutes).await?;
    let reveal =
        Reveal { allowed: Access::Needs(Permission::Reidentify).allows(principal.role), incident: None, locale };
    let content = html! {
        article id="event" data-event=(event.id) {
            p id="action-status" role="status" aria-live="polite" {}
            (core(&event, &names, &principal))
            section aria-labelledby="event-alerts-h" {
                h2 id="event-alerts-h" { (locale.text("evidence-event-alerts")) }
                @if alerts.is_empty() {
                    p.calm { (locale.text("evidence-event-no-alerts")) }
                } @else {
                    ul.event-alerts {
                        @for alert in &alerts {
                            li { (severity(locale, alert.severity())) " " a href=(links::alert_href(alert.id)) { (alert.description) } }
                        }
                    }
                }
            }
            section aria-labelledby="fields-h" {
                h2 id="fields-h" { (locale.text("evidence-raw-fields")) }
                (table(&flatten(&event.fields), &reveal))
                details.raw {
                    summary { (locale.text("evidence-raw-json")) }
                    pre { (serde_json::to_string_pretty(&event).unwrap_or_default()) }
                }
            }
            (related_section(&related, minutes, &principal))
        }
    };
    Ok(shell(&locale.text("evidence-event-title"), &principal, "/events", content))
}

/// The normalised fields every event has.
fn core(event: &Event, names: &HashMap<String, String>, principal: &Principal) -> Markup {
    let locale = &principal.locale;
    let logsource = [&event.logsource.product, &event.logsource.category, &event.logsource.service]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" / ");
    html! {
        dl.facts {
            dt { (locale.text("evidence-message")) } dd.message { (event.message) }
            dt { (locale.text("evidence-time")) } dd { (locale.time(event.time)) }
            dt { (locale.text("evidence-received")) } dd { (locale.time(event.received)) }
            dt { (locale.text("evidence-severity")) } dd { (severity(locale, event.severity)) }
            dt { (locale.text("evidence-domain")) } dd { (event.domain.as_str()) }
            dt { (locale.text("evidence-source")) } dd { (event.source) }
            dt { (locale.text("evidence-logsource")) } dd { (logsource) }
            dt { (locale.text("evidence-asset")) } dd { (asset_link(event.asset.as_ref().map(|a| a.as_str()), names, principal)) }
            dt { (locale.text("evidence-location")) } dd { (links::place(&event.location)) }
        }
    }
}

/// An asset by name, linked to its page; "unknown" when there is none.
pub(super) fn asset_link(asset: Option<&str>, names: &HashMap<String, String>, principal: &Principal) -> Markup {
    html! {
        @match asset {
            Some(id) => a href=(links::asset_href(id)) title=(id) { (names.get(id).map_or(id, String::as_str)) },
            None => (principal.locale.text("evidence-none")),
        }
    }
}

fn related_section(related: &[(Pivot, Vec<Event>)], minutes: usize, principal: &Principal) -> Markup {
    let locale = &principal.locale;
    html! {
        section id="related" aria-labelledby="related-h" {
            h2 id="related-h" { (locale.text_with("evidence-related", &[("minutes", minutes.into())])) }
            form.window method="get" {
                label { (locale.text("evidence-related-window")) " "
                    input type="number" name="window" min="1" max=(MAX_WINDOW_MINUTES) value=(minutes);
                }
                button type="submit" { (locale.text("evidence-related-apply")) }
            }
            @if related.is_empty() {
                p.calm { (locale.text("evidence-related-no-pivot")) }
            }
            @for (pivot, events) in related {
                @let kind: &'static str = pivot.kind.into();
                section.pivot data-pivot=(kind) {
                    h3 { (locale.text(pivot.kind.message_id())) " " code { (pivot.value) } " " small { "(" (pivot.field) ")" } }
                    @if events.is_empty() {
                        p.calm { (locale.text("evidence-related-none")) }
                    } @else {
                        (events_table(events, "related", true, locale))
                    }
                }
            }
        }
    }
}

/// Events as a table, newest first as given; `linked` when the reader may
/// open their pages.
pub(super) fn events_table(events: &[Event], class: &str, linked: bool, locale: &Locale) -> Markup {
    html! {
        table class=(class) {
            thead { tr {
                th scope="col" { (locale.text("evidence-time")) }
                th scope="col" { (locale.text("evidence-severity")) }
                th scope="col" { (locale.text("evidence-source")) }
                th scope="col" { (locale.text("evidence-message")) }
            } }
            tbody {
                @for e in events {
                    tr {
                        td { (locale.time(e.time)) }
                        td { (severity(locale, e.severity)) }
                        td { (e.source) }
                        td { @if linked { (links::event_link(e)) } @else { (e.message) } }
                    }
                }
            }
        }
    }
}
