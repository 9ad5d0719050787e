//! The availability board: every clinical service's status with its cause
//! and any override, its beds and short staff, and what changed and why
//! (the history), for the crisis manager deciding what the hospital can
//! still take and for responders in the field.

use std::sync::Arc;

use axum::extract::{Extension, State};
use jiff::Timestamp;
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_impact::LiveInventory;
use safecare_respond::availability::{AvailabilityChange, ChangeKind, ServiceAvailability, ServiceStatus};
use safecare_store::Store;

use super::layout::page as shell;
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
    let locale = &principal.locale;
    let content = html! {
        p id="action-status" role="status" aria-live="polite" {}
        p.calm {
            (locale.text("availability-intro")) " ("
            a href="/api/v1/availability/edxl-have" { (locale.text("availability-document")) } ")."
        }
        (board(locale, &services, may_override.then_some(now)))
        (changes(locale, &history))
    };
    Ok(shell(&locale.text("nav-availability"), &principal, "/availability", content))
}

/// A crisis manager's override of one service, sent by app.js as JSON to
/// the API (which checks it again): the expiries are offered from `now`.
fn override_form(locale: &Locale, service: &ServiceAvailability, now: Timestamp) -> Markup {
    html! {
        form.api.override-form data-url={ "/api/v1/availability/services/" (service.id) } data-method="PUT"
            aria-label=(locale.text_with("availability-override-of", &[("service", service.name.as_str().into())])) {
            select name="status" aria-label=(locale.text("availability-status")) {
                @for status in [ServiceStatus::Operational, ServiceStatus::Degraded, ServiceStatus::Closed] {
                    option value=(status.as_str()) selected[service.status == status && status != ServiceStatus::Operational] { (status_word(locale, status)) }
                }
            }
            input name="reason" required maxlength="500" placeholder=(locale.text("availability-reason-hint")) aria-label=(locale.text("availability-reason"));
            select name="expires" aria-label=(locale.text("availability-until")) {
                @for hours in EXPIRIES {
                    option value=(now + jiff::SignedDuration::from_hours(hours)) { (locale.text_with("availability-for-hours", &[("hours", (hours as f64).into())])) }
                }
            }
            button type="submit" { (locale.text("availability-override")) }
        }
    }
}

/// A service status as the reader's language names it.
fn status_word(locale: &Locale, status: ServiceStatus) -> String {
    match status {
        ServiceStatus::Operational => locale.text("availability-operational"),
        ServiceStatus::Degraded => locale.text("availability-degraded"),
        ServiceStatus::Closed => locale.text("availability-closed"),
    }
}

fn board(locale: &Locale, services: &[ServiceAvailability], override_from: Option<Timestamp>) -> Markup {
    html! {
        table.availability {
            caption { (locale.text("availability-now")) }
            thead { tr {
                th scope="col" { (locale.text("availability-service")) } th scope="col" { (locale.text("availability-status")) } th scope="col" { (locale.text("availability-why")) }
                th scope="col" { (locale.text("availability-since")) } th scope="col" { (locale.text("availability-beds")) } th scope="col" { (locale.text("availability-staff-short")) }
                @if override_from.is_some() { th scope="col" { (locale.text("availability-override")) } }
            } }
            tbody {
                @for s in services {
                    tr data-service=(s.id) {
                        th scope="row" { (s.name) }
                        td {
                            span class={ "avail-" (s.status.as_str()) } { (status_word(locale, s.status)) }
                            @if let Some(end) = s.expected_end {
                                br; small.expected-end data-expected-end=(end) { (locale.text_with("availability-expected-back", &[("time", locale.time(end).into())])) }
                            }
                        }
                        td {
                            @if let Some(o) = &s.overridden {
                                div.override {
                                    (locale.text_with("availability-override-by", &[("by", o.by.as_str().into()), ("until", locale.time(o.expires).into()), ("reason", o.reason.as_str().into()), ("assessed", status_word(locale, s.assessed).into())]))
                                }
                            }
                            @for c in &s.causes {
                                div.cause {
                                    a href={ "/incidents/" (c.incident) } { (c.title) }
                                    " · " (c.threat) ", " (c.impact.as_str()) " " (locale.number(c.score, 2)) " "
                                    (locale.text_with("availability-from", &[("time", locale.time(c.expected_at).into())]))
                                    @if let Some(until) = c.until { " " (locale.text_with("availability-until-time", &[("time", locale.time(until).into())])) }
                                }
                            }
                            @if s.causes.is_empty() && s.overridden.is_none() { span.calm { (locale.text("availability-unreached")) } }
                        }
                        td { @match s.since { Some(at) => (locale.time(at)), None => span.calm { "—" } } }
                        td {
                            @if s.beds.total == 0 { span.calm { (locale.text("availability-no-beds")) } } @else {
                                (locale.text_with("availability-beds-of", &[("available", s.beds.available.into()), ("total", s.beds.total.into())]))
                                small { " (" (locale.text_with("availability-beds-detail", &[("occupied", s.beds.occupied.into()), ("blocked", s.beds.blocked.into())])) ")" }
                            }
                        }
                        td {
                            @for r in s.capacity.staffing.iter().filter(|r| r.is_short()) {
                                div { (r.role) " " (r.on_shift) "/" (r.needed) }
                            }
                        }
                        @if let Some(now) = override_from { td { (override_form(locale, s, now)) } }
                    }
                }
            }
        }
    }
}

fn why(locale: &Locale, change: &AvailabilityChange) -> String {
    match (change.kind, &change.overridden, &change.cause) {
        (ChangeKind::Override, Some(o), _) => locale.text_with(
            "availability-why-override",
            &[
                ("by", o.by.as_str().into()),
                ("until", locale.time(o.expires).into()),
                ("reason", o.reason.as_str().into()),
            ],
        ),
        (ChangeKind::Status, Some(o), _) => {
            locale.text_with("availability-why-overridden", &[("by", o.by.as_str().into())])
        }
        (ChangeKind::Override, None, _) => match change.ended_by.as_deref() {
            Some(by) => locale.text_with("availability-why-override-ended", &[("by", by.into())]),
            None => locale.text("availability-why-override-expired"),
        },
        (ChangeKind::Status, None, Some(c)) => format!("{} ({}, {})", c.title, c.threat, locale.number(c.score, 2)),
        _ => locale.text("availability-unreached"),
    }
}

fn change_word(locale: &Locale, kind: ChangeKind) -> String {
    match kind {
        ChangeKind::Status => locale.text("availability-change-status"),
        ChangeKind::Override => locale.text("availability-change-override"),
    }
}

fn changes(locale: &Locale, history: &[AvailabilityChange]) -> Markup {
    html! {
        table.availability-history {
            caption { (locale.text("availability-history")) }
            thead { tr {
                th scope="col" { (locale.text("availability-when")) } th scope="col" { (locale.text("availability-service")) } th scope="col" { (locale.text("availability-change")) }
                th scope="col" { (locale.text("availability-status")) } th scope="col" { (locale.text("availability-why")) }
            } }
            tbody {
                @if history.is_empty() { tr { td colspan="5" { span.calm { (locale.text("availability-no-change")) } } } }
                @for h in history {
                    tr {
                        td { (locale.time(h.at)) } td { (h.service) } td { (change_word(locale, h.kind)) }
                        td { span class={ "avail-" (h.status.as_str()) } { (status_word(locale, h.status)) } }
                        td { (why(locale, h)) }
                    }
                }
            }
        }
    }
}
