//! The overview, by role: every building's threat level (quiet ones
//! too), the live alerts by the time their events happened, open
//! incidents, sources health and the event rate. Security guards see the
//! physical side first (`overview_guard`); the counters and the sources
//! panel follow the live stream's figures.

use std::sync::Arc;

use axum::extract::{Extension, State};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_model::{Alert, Incident, Role, Severity};
use safecare_store::Store;
use safecare_store::{AlertQuery, IncidentQuery, StoreError};

use super::layout::{page as shell, severity, status};
use super::links;
use super::overview_guard::physical_first;
use super::situation::{Situation, is_physical};
use super::svg::sparkline;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::routes::stream::{Figures, stats};

/// How many alerts each table shows at first.
const SHOWN_ALERTS: usize = 20;

/// When an alert's first event happened (its creation time when the
/// detector gave none): what a guard needs, not when SafeCare noticed.
pub(super) fn event_time(alert: &Alert) -> Timestamp {
    alert.start_time.unwrap_or(alert.create_time)
}

pub async fn page(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
) -> Result<Markup, ApiError> {
    let locale = &principal.locale;
    let day_ago = Timestamp::now() - SignedDuration::from_hours(24);
    let mut alerts = store.list_alerts(AlertQuery { from: Some(day_ago), limit: 1000, ..Default::default() }).await?;
    alerts.sort_by_key(|a| std::cmp::Reverse(event_time(a)));
    let guard = principal.role == Role::SecurityGuard;
    let stored = store.list_incidents(IncidentQuery { open_only: true, limit: 1000, ..Default::default() }).await?;
    // Only the guard's patrol tasks need the whole records.
    let records = stored
        .iter()
        .filter(|_| guard)
        .map(|s| serde_json::from_str::<safecare_respond::IncidentRecord>(&s.record).map_err(StoreError::Decode))
        .collect::<Result<Vec<_>, _>>()?;
    let incidents: Vec<Incident> = stored.into_iter().map(|s| s.incident).collect();
    let assets = store.list_assets().await?;
    let figures = stats(store.as_ref(), locale).await?;
    let situation = Situation::new(&assets, &alerts, &incidents);

    // A guard's physical alerts come first, apart; the rest follow as for
    // everyone else.
    let (physical, rest): (Vec<&Alert>, Vec<&Alert>) = alerts.iter().partition(|a| guard && is_physical(a));
    let feed_title = if guard { locale.text("overview-other-alerts") } else { locale.text("overview-live-alerts") };
    let content = html! {
        @if guard {
            (physical_first(locale, &physical, &assets, &situation, &records))
        }
        (threat_section(locale, &situation))
        div.columns data-live {
            section aria-labelledby="alerts-h" {
                h2 id="alerts-h" { (feed_title) }
                (alert_table(locale, "alert-feed", &rest))
            }
            (incidents_section(locale, &figures, &incidents))
        }
    };
    Ok(shell(&locale.text("overview-title"), &principal, "/", content))
}

fn threat_section(locale: &Locale, situation: &Situation) -> Markup {
    html! {
        section aria-labelledby="threat-h" {
            h2 id="threat-h" { (locale.text("overview-threat-level")) }
            @if situation.buildings().is_empty() {
                p.calm { (locale.text("overview-no-buildings")) }
            }
            ul.cards id="threat-levels" {
                @for building in situation.buildings() {
                    @let level = building.level.map_or("quiet", Severity::as_str);
                    li class={ "card level-" (level) } data-building=(building.place) {
                        span.place { (building.name.as_deref().unwrap_or(&building.place)) } " "
                        @if let Some(l) = building.level {
                            (severity(locale, l))
                        } @else {
                            span.quiet title=(locale.text("overview-building-quiet-note")) { (locale.text("overview-building-quiet")) }
                        }
                    }
                }
            }
        }
    }
}

/// A table of alerts, newest event first; `feed` is the id of its body,
/// where the live script adds new ones.
pub(super) fn alert_table(locale: &Locale, feed: &str, alerts: &[&Alert]) -> Markup {
    html! {
        table.alerts {
            caption.visually-hidden { (locale.text("overview-live-alerts-caption")) }
            thead { tr {
                th scope="col" { (locale.text("overview-col-event-time")) }
                th scope="col" { (locale.text("overview-col-severity")) }
                th scope="col" { (locale.text("overview-col-alert")) }
                th scope="col" { (locale.text("overview-col-where")) }
            } }
            tbody id=(feed) aria-live="polite" {
                @for alert in alerts.iter().take(SHOWN_ALERTS) {
                    tr data-alert-id=(alert.id) {
                        td { time datetime=(event_time(alert)) { (locale.time(event_time(alert))) } }
                        td { (severity(locale, alert.severity())) }
                        td { a href=(links::alert_href(alert.id)) { (alert.description) } }
                        td { (alert.safecare.location.path()) }
                    }
                }
            }
        }
    }
}

fn incidents_section(locale: &Locale, figures: &Figures, incidents: &[Incident]) -> Markup {
    let events = usize::try_from(figures.rate.iter().sum::<u64>()).unwrap_or(usize::MAX);
    html! {
        section aria-labelledby="incidents-h" {
            h2 id="incidents-h" { (locale.text("overview-open-incidents")) }
            p id="open-total" { (locale.text("overview-open-now")) ": " strong data-total { (figures.open_total) } }
            ul.counts id="open-incidents" {
                @for sev in Severity::ALL.iter().rev() {
                    li { (severity(locale, *sev)) " " span data-severity=(sev.as_str()) { (figures.open_incidents.get(sev.as_str()).copied().unwrap_or(0)) } }
                }
            }
            ul.incidents {
                @for incident in incidents.iter().take(10) {
                    li { a href={ "/incidents/" (incident.id) } { (incident.title) } " " (severity(locale, incident.severity)) " · " (status(locale, incident.status)) }
                }
            }
            h2 id="rate-h" { (locale.text("overview-rate")) }
            (sparkline(&figures.rate, 320, 48, &locale.text_with("count-events", &[("count", events.into())])))
            h2 id="sources-h" { (locale.text("overview-sources")) }
            table.sources {
                thead { tr {
                    th scope="col" { (locale.text("overview-col-source")) }
                    th scope="col" { (locale.text("overview-col-events")) }
                    th scope="col" { (locale.text("overview-col-last-event")) }
                    th scope="col" { (locale.text("overview-col-state")) }
                } }
                tbody id="sources-feed" {
                    @for source in &figures.sources {
                        tr class=[source.silent.then_some("bad")] data-source=(source.source) {
                            td { (source.source) }
                            td { (source.events) }
                            td { (source.last_event) }
                            td { (source.state) }
                        }
                    }
                }
            }
        }
    }
}
