//! The availability board: every clinical service's status with its cause
//! and any override, its beds and short staff, and what changed and why
//! (the history), for the crisis manager deciding what the hospital can
//! still take and for responders in the field.

use std::sync::Arc;

use axum::extract::{Extension, State};
use jiff::Timestamp;
use maud::{Markup, html};
use safecare_impact::LiveInventory;
use safecare_respond::availability::{AvailabilityChange, ChangeKind, ServiceAvailability, ServiceStatus};
use safecare_store::Store;

use super::layout::{page as shell, time};
use crate::auth::{Access, Permission, Principal};
use crate::availability::{Availability, RefreshIo};
use crate::error::ApiError;
use crate::notify::Notifications;

/// History entries listed, newest first.
const LAST: usize = 30;
/// The expiries the override form offers, in hours from now.
const EXPIRIES: [i64; 5] = [1, 4, 12, 24, 72];

pub async fn page(
    State(availability): State<Availability>,
    State(store): State<Arc<dyn Store>>,
    State(inventory): State<Arc<LiveInventory>>,
    State(notifications): State<Notifications>,
    Extension(principal): Extension<Principal>,
) -> Result<Markup, ApiError> {
    let inventory = inventory.current();
    let io = RefreshIo { store: store.as_ref(), inventory: &inventory, outbox: &notifications.outbox };
    let services = availability.refresh(io, Timestamp::now()).await?;
    let history = availability.history(None, LAST).await?;
    let may_override = Access::Needs(Permission::AvailabilityWrite).allows(principal.role);
    let now = Timestamp::now();
    let content = html! {
        p id="action-status" role="status" aria-live="polite" {}
        p.calm {
            "Each service's status comes from the impact of the open incidents; a crisis manager may override it "
            "with a reason and an expiry. The region receives the same as EDXL-HAVE ("
            a href="/api/v1/availability/edxl-have" { "document" } ")."
        }
        (board(&services, may_override.then_some(now)))
        (changes(&history))
    };
    Ok(shell("Availability", &principal, "/availability", content))
}

/// A crisis manager's override of one service, sent by app.js as JSON to
/// the API (which checks it again): the expiries are offered from `now`.
fn override_form(service: &ServiceAvailability, now: Timestamp) -> Markup {
    html! {
        form.api.override-form data-url={ "/api/v1/availability/services/" (service.id) } data-method="PUT"
            aria-label={ "Override " (service.name) } {
            select name="status" aria-label="Status" {
                option value="operational" { "operational" }
                option value="degraded" selected[service.status == ServiceStatus::Degraded] { "degraded" }
                option value="closed" selected[service.status == ServiceStatus::Closed] { "closed" }
            }
            input name="reason" required maxlength="500" placeholder="reason" aria-label="Reason";
            select name="expires" aria-label="Until" {
                @for hours in EXPIRIES {
                    option value=(now + jiff::SignedDuration::from_hours(hours)) { "for " (hours) " h" }
                }
            }
            button type="submit" { "Override" }
        }
    }
}

fn board(services: &[ServiceAvailability], override_from: Option<Timestamp>) -> Markup {
    html! {
        table.availability {
            caption { "Clinical services now" }
            thead { tr {
                th scope="col" { "Service" } th scope="col" { "Status" } th scope="col" { "Why" }
                th scope="col" { "Since" } th scope="col" { "Beds available" } th scope="col" { "Staff short" }
                @if override_from.is_some() { th scope="col" { "Override" } }
            } }
            tbody {
                @for s in services {
                    tr data-service=(s.id) {
                        th scope="row" { (s.name) }
                        td {
                            span class={ "avail-" (s.status.as_str()) } { (s.status.as_str()) }
                            @if let Some(end) = s.expected_end {
                                br; small.expected-end data-expected-end=(end) { "expected back " (time(end)) }
                            }
                        }
                        td {
                            @if let Some(o) = &s.overridden {
                                div.override {
                                    "override by " (o.by) " until " (time(o.expires)) ": " (o.reason)
                                    " (assessed " (s.assessed.as_str()) ")"
                                }
                            }
                            @for c in &s.causes {
                                div.cause {
                                    a href={ "/incidents/" (c.incident) } { (c.title) }
                                    " · " (c.threat) ", " (c.impact.as_str()) " " (format!("{:.2}", c.score))
                                    " from " (time(c.expected_at))
                                    @if let Some(until) = c.until { " until " (time(until)) }
                                }
                            }
                            @if s.causes.is_empty() && s.overridden.is_none() { span.calm { "no open incident reaches it" } }
                        }
                        td { @match s.since { Some(at) => (time(at)), None => span.calm { "—" } } }
                        td {
                            @if s.beds.total == 0 { span.calm { "no beds" } } @else {
                                (s.beds.available) " of " (s.beds.total)
                                small { " (" (s.beds.occupied) " occupied, " (s.beds.blocked) " blocked)" }
                            }
                        }
                        td {
                            @for r in s.capacity.staffing.iter().filter(|r| r.is_short()) {
                                div { (r.role) " " (r.on_shift) "/" (r.needed) }
                            }
                        }
                        @if let Some(now) = override_from { td { (override_form(s, now)) } }
                    }
                }
            }
        }
    }
}

fn why(change: &AvailabilityChange) -> String {
    match (change.kind, &change.overridden, &change.cause) {
        (ChangeKind::Override, Some(o), _) => format!("{} until {}: {}", o.by, time(o.expires), o.reason),
        (ChangeKind::Status, Some(o), _) => format!("override by {}", o.by),
        (ChangeKind::Override, None, _) => {
            format!("override ended by {}", change.ended_by.as_deref().unwrap_or("someone"))
        }
        (ChangeKind::Status, None, Some(c)) => format!("{} ({}, {:.2})", c.title, c.threat, c.score),
        _ => "no open incident reaches it".to_owned(),
    }
}

fn changes(history: &[AvailabilityChange]) -> Markup {
    html! {
        table.availability-history {
            caption { "What changed and why, newest first" }
            thead { tr {
                th scope="col" { "When" } th scope="col" { "Service" } th scope="col" { "Change" }
                th scope="col" { "Status" } th scope="col" { "Why" }
            } }
            tbody {
                @if history.is_empty() { tr { td colspan="5" { span.calm { "No change yet." } } } }
                @for h in history {
                    tr {
                        td { (time(h.at)) } td { (h.service) } td { (h.kind.as_str()) }
                        td { span class={ "avail-" (h.status.as_str()) } { (h.status.as_str()) } }
                        td { (why(h)) }
                    }
                }
            }
        }
    }
}
