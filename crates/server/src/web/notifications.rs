//! The notification settings, read-only: the routes and what each takes,
//! the last messages with their delivery state, the on-call roster with who
//! is on call now, and the channels without their secrets. Those who may
//! (`notify:test`) send a test on a route from here.

use axum::extract::{Extension, State};
use jiff::Timestamp;
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_respond::notify::oncall::Shift;
use safecare_respond::notify::routing::Route;
use safecare_respond::notify::shown::shown;
use safecare_respond::notify::{DeliveryStatus, OutboxEntry, Reason};

use super::layout::page as shell;
use crate::auth::{Access, Permission, Principal};
use crate::error::ApiError;
use crate::notify::Notifications;

/// Messages listed, newest first.
const LAST: usize = 20;

pub async fn page(
    State(notifications): State<Notifications>,
    Extension(principal): Extension<Principal>,
) -> Result<Markup, ApiError> {
    let config = &notifications.config;
    let may_test = Access::Needs(Permission::NotifyTest).allows(principal.role);
    let last = notifications.outbox.list(None, None, 0, LAST).await?;
    let now = Timestamp::now();
    let locale = &principal.locale;
    let content = html! {
        p id="action-status" role="status" aria-live="polite" {}
        @if config.routes.is_empty() {
            p.calm { (locale.text("notifications-no-route")) " (" code { "[[notify.routes]]" } ", README)." }
        }
        (routes(locale, &config.routes, may_test))
        // Right under the routes, where a test's outcome is looked for.
        (messages(locale, &last))
        (roster(locale, &notifications, now))
        (channels(locale, &notifications))
    };
    Ok(shell(&locale.text("nav-notifications"), &principal, "/notifications", content))
}

/// A route's conditions, each on its own, or that it takes every incident.
fn conditions(locale: &Locale, route: &Route) -> Markup {
    let mut parts: Vec<(String, String)> = Vec::new();
    if let Some(min) = route.min_severity {
        parts.push((
            locale.text("notifications-severity"),
            locale.text_with("notifications-or-worse", &[("severity", min.as_str().into())]),
        ));
    }
    let lists = [
        (locale.text("notifications-threat"), route.threats.join(", ")),
        (locale.text("notifications-domain"), route.domains.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")),
        (locale.text("notifications-building"), route.buildings.join(", ")),
        (locale.text("notifications-zone"), route.zones.join(", ")),
    ];
    parts.extend(lists.into_iter().filter(|(_, v)| !v.is_empty()));
    html! {
        @if parts.is_empty() {
            span.calm { (locale.text("notifications-every-incident")) }
        } @else {
            ul.conditions {
                @for (what, value) in parts { li { span.calm { (what) ": " } (value) } }
            }
        }
    }
}

fn routes(locale: &Locale, routes: &[Route], may_test: bool) -> Markup {
    let (yes, no, none) =
        (locale.text("notifications-yes"), locale.text("notifications-no"), locale.text("notifications-none"));
    html! {
        table.notify-routes {
            caption { (locale.text("notifications-routes")) }
            thead { tr {
                th scope="col" { (locale.text("notifications-route")) } th scope="col" { (locale.text("notifications-takes")) } th scope="col" { (locale.text("notifications-on-call-role")) }
                th scope="col" { (locale.text("notifications-channel")) } th scope="col" { (locale.text("notifications-escalation")) } th scope="col" { (locale.text("notifications-exercise-only")) }
                @if may_test { th scope="col" { (locale.text("notifications-test")) } }
            } }
            tbody {
                @for route in routes {
                    tr data-route=(route.name) {
                        th scope="row" { (route.name) }
                        td { (conditions(locale, route)) }
                        td { (route.role.as_deref().unwrap_or(&none)) }
                        td { (route.channel) }
                        td {
                            @match route.escalate_after_minutes {
                                Some(minutes) => { (locale.text_with("notifications-escalate-after", &[("minutes", minutes.into())])) }
                                None => span.calm { (none) },
                            }
                        }
                        td { (if route.exercise { &yes } else { &no }) }
                        @if may_test {
                            td {
                                // Sent by app.js with the session's CSRF
                                // token; the page then reloads and lists the
                                // test among the last messages.
                                button type="button" data-action="api"
                                    data-url={ "/api/v1/notify/routes/" (route.name) "/test" }
                                    aria-label=(locale.text_with("notifications-send-test-on", &[("route", route.name.as_str().into())])) { (locale.text("notifications-send-test")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn hours(locale: &Locale, shift: &Shift) -> String {
    let days = if shift.days.is_empty() { locale.text("notifications-every-day") } else { shift.days.join(", ") };
    let clock = |t: Option<jiff::civil::Time>| t.map(|t| t.strftime("%H:%M").to_string());
    match (clock(shift.from), clock(shift.to)) {
        (None, None) => locale.text_with("notifications-all-day", &[("days", days.into())]),
        (from, to) => locale.text_with(
            "notifications-from-to",
            &[
                ("days", days.into()),
                ("from", from.unwrap_or_else(|| "00:00".into()).into()),
                ("to", to.unwrap_or_else(|| locale.text("notifications-midnight")).into()),
            ],
        ),
    }
}

fn roster(locale: &Locale, notifications: &Notifications, now: Timestamp) -> Markup {
    let roster = &notifications.config.roster;
    let zone = roster.time_zone.as_deref().unwrap_or("UTC");
    let on_call = roster.shifts_at(now);
    let mut shifts: Vec<&Shift> = roster.shifts.iter().collect();
    shifts.sort_by(|a, b| a.role.cmp(&b.role).then(a.tier.cmp(&b.tier)).then(a.name.cmp(&b.name)));
    html! {
        h2 { (locale.text("notifications-roster")) }
        p {
            (locale.text("notifications-hours-in")) " " strong { (zone) } ". "
            (locale.text_with("notifications-on-call-now", &[("time", locale.time(now).into())])) " "
            @if on_call.is_empty() {
                span.error { (locale.text("notifications-nobody")) }
            } @else {
                span id="on-call-now" {
                    (on_call.iter().map(|s| locale.text_with("notifications-on-call-one", &[("name", s.name.as_str().into()), ("role", s.role.as_str().into()), ("tier", u32::from(s.tier).into())])).collect::<Vec<_>>().join(", "))
                }
            }
        }
        table.roster {
            thead { tr {
                th scope="col" { (locale.text("notifications-who")) } th scope="col" { (locale.text("notifications-role")) } th scope="col" { (locale.text("notifications-tier")) }
                th scope="col" { (locale.text("notifications-hours")) } th scope="col" { (locale.text("notifications-now")) }
            } }
            tbody {
                @for shift in shifts {
                    @let active = on_call.iter().any(|s| std::ptr::eq(*s, shift));
                    tr class=[active.then_some("on-call")] {
                        td { (shift.name) }
                        td { (shift.role) }
                        td { (shift.tier) }
                        td { (hours(locale, shift)) }
                        td { @if active { (locale.text("notifications-on-call")) } }
                    }
                }
            }
        }
    }
}

fn channels(locale: &Locale, notifications: &Notifications) -> Markup {
    html! {
        h2 { (locale.text("notifications-channels")) }
        table.channels {
            thead { tr { th scope="col" { (locale.text("notifications-channel")) } th scope="col" { (locale.text("notifications-type")) } th scope="col" { (locale.text("notifications-sends-to")) } th scope="col" { (locale.text("notifications-settings")) } } }
            tbody {
                @for (name, channel) in &notifications.config.channels {
                    @let view = shown(channel);
                    tr data-channel=(name) {
                        th scope="row" { (name) }
                        td { (view.kind) }
                        td { code { (view.target) } }
                        td {
                            @for (label, value) in &view.details {
                                span.setting { span.calm { (label) ": " } (value) } " "
                            }
                        }
                    }
                }
            }
        }
    }
}

fn reason(locale: &Locale, reason: Reason, tier: u8) -> String {
    match reason {
        Reason::Opened => locale.text("notifications-reason-opened"),
        Reason::Escalated => locale.text_with("notifications-reason-escalated", &[("tier", u32::from(tier).into())]),
        Reason::Test => locale.text("notifications-reason-test"),
        Reason::Cap => locale.text("notifications-reason-cap"),
        Reason::Availability => locale.text("notifications-reason-availability"),
    }
}

fn messages(locale: &Locale, last: &[OutboxEntry]) -> Markup {
    html! {
        h2 { (locale.text("notifications-last")) }
        @if last.is_empty() {
            p.calm { (locale.text("notifications-no-message")) }
        } @else {
            table.messages {
                thead { tr {
                    th scope="col" { (locale.text("notifications-planned")) } th scope="col" { (locale.text("notifications-route")) } th scope="col" { (locale.text("notifications-channel")) }
                    th scope="col" { (locale.text("notifications-why")) } th scope="col" { (locale.text("notifications-subject")) } th scope="col" { (locale.text("notifications-delivery")) }
                } }
                tbody {
                    @for entry in last {
                        @let n = &entry.notification;
                        tr data-key=(n.key) data-status=(entry.status.as_str()) class=[(entry.status == DeliveryStatus::Failed).then_some("bad")] {
                            td { (locale.time(n.created)) }
                            td { (n.route) }
                            td { (n.channel) }
                            td { (reason(locale, n.reason, n.tier)) }
                            td {
                                @match n.incident {
                                    Some(id) => a href={ "/incidents/" (id) } { (n.subject) },
                                    None => (n.subject),
                                }
                            }
                            td {
                                strong { (delivery(locale, entry.status)) }
                                " " (locale.text_with("notifications-after-tries", &[("count", entry.attempts.into())]))
                                @if let Some(at) = entry.delivered { br; small.calm { (locale.time(at)) } }
                                @if entry.status == DeliveryStatus::Pending && entry.attempts > 0 {
                                    br; small.calm { (locale.text_with("notifications-next-try", &[("time", locale.time(entry.next_try).into())])) }
                                }
                                @if let Some(error) = &entry.last_error { br; small.error { (error) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A delivery state as the reader's language names it.
fn delivery(locale: &Locale, status: DeliveryStatus) -> String {
    match status {
        DeliveryStatus::Pending => locale.text("notifications-pending"),
        DeliveryStatus::Delivered => locale.text("notifications-delivered"),
        DeliveryStatus::Failed => locale.text("notifications-failed"),
    }
}
