//! The overview: threat level per building, live alerts, open incidents,
//! sources health and the event rate.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, State};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_model::{Alert, Severity};
use safecare_store::{AlertQuery, IncidentQuery, Store};

use super::layout::{page as shell, severity, time};
use super::svg::sparkline;
use crate::auth::Principal;
use crate::error::ApiError;

/// A source silent for longer than this is shown as silent.
const SILENT_AFTER: SignedDuration = SignedDuration::from_mins(15);

/// The worst severity per building among recent alerts and open incidents.
fn threat_levels(alerts: &[Alert], incidents: &[safecare_model::Incident]) -> BTreeMap<String, Severity> {
    let mut levels = BTreeMap::new();
    let places = alerts
        .iter()
        .map(|a| (&a.safecare.location, a.severity()))
        .chain(incidents.iter().map(|i| (&i.location, i.severity)));
    for (location, sev) in places {
        let Some(building) = &location.building else { continue };
        let key = format!("{} / {}", location.site.as_deref().unwrap_or("?"), building);
        let level = levels.entry(key).or_insert(Severity::Info);
        *level = (*level).max(sev);
    }
    levels
}

pub async fn page(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
) -> Result<Markup, ApiError> {
    let now = Timestamp::now();
    let day_ago = now - SignedDuration::from_hours(24);
    let alerts = store.list_alerts(AlertQuery { from: Some(day_ago), limit: 1000, ..Default::default() }).await?;
    let incidents: Vec<_> = store
        .list_incidents(IncidentQuery { open_only: true, limit: 1000, ..Default::default() })
        .await?
        .into_iter()
        .map(|stored| stored.incident)
        .collect();
    let open = store.open_incidents_by_severity().await?;
    let sources = store.source_activity(day_ago).await?;
    let rate = store.event_rate(now - SignedDuration::from_mins(60), SignedDuration::from_mins(1)).await?;
    let counts: Vec<u64> = rate.iter().map(|(_, n)| *n).collect();
    let levels = threat_levels(&alerts, &incidents);

    let content = html! {
        section aria-labelledby="threat-h" {
            h2 id="threat-h" { "Threat level" }
            @if levels.is_empty() {
                p.calm { "No alert in the last 24 hours." }
            } @else {
                ul.cards {
                    @for (building, level) in &levels {
                        li class={ "card level-" (level.as_str()) } { span.place { (building) } " " (severity(*level)) }
                    }
                }
            }
        }
        div.columns data-live {
            section aria-labelledby="alerts-h" {
                h2 id="alerts-h" { "Live alerts" }
                table.alerts {
                    caption.visually-hidden { "Most recent alerts, newest first; new ones appear at the top." }
                    thead { tr { th scope="col" { "Time" } th scope="col" { "Severity" } th scope="col" { "Alert" } th scope="col" { "Where" } } }
                    tbody id="alert-feed" aria-live="polite" {
                        @for alert in alerts.iter().take(20) {
                            tr {
                                td { (time(alert.create_time)) }
                                td { (severity(alert.severity())) }
                                td { (alert.description) }
                                td { (alert.safecare.location.path()) }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="incidents-h" {
                h2 id="incidents-h" { "Open incidents" }
                ul.counts id="open-incidents" {
                    @for sev in Severity::ALL.iter().rev() {
                        li { (severity(*sev)) " " span data-severity=(sev.as_str()) { (open.iter().find(|(s, _)| s == sev).map_or(0, |(_, n)| *n)) } }
                    }
                }
                ul.incidents {
                    @for incident in incidents.iter().take(10) {
                        li { a href={ "/incidents/" (incident.id) } { (incident.title) } " " (severity(incident.severity)) " · " (incident.status.as_str()) }
                    }
                }
                h2 id="rate-h" { "Events per minute, last hour" }
                (sparkline(&counts, 320, 48, &format!("{} events in the last hour", counts.iter().sum::<u64>())))
                h2 id="sources-h" { "Sources" }
                table.sources {
                    thead { tr { th scope="col" { "Source" } th scope="col" { "Events (24 h)" } th scope="col" { "Last event" } th scope="col" { "State" } } }
                    tbody {
                        @for source in &sources {
                            @let silent = now.duration_since(source.last_received) > SILENT_AFTER;
                            tr class=[silent.then_some("bad")] {
                                td { (source.source) }
                                td { (source.events) }
                                td { (time(source.last_received)) }
                                td { @if silent { "silent" } @else { "reporting" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(shell("Overview", &principal, "/", content))
}
