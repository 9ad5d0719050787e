//! The notification settings, read-only: the routes and what each takes,
//! the last messages with their delivery state, the on-call roster with who
//! is on call now, and the channels without their secrets. Those who may
//! (`notify:test`) send a test on a route from here.

use axum::extract::{Extension, State};
use jiff::Timestamp;
use maud::{Markup, html};
use safecare_respond::notify::oncall::Shift;
use safecare_respond::notify::routing::Route;
use safecare_respond::notify::shown::shown;
use safecare_respond::notify::{DeliveryStatus, OutboxEntry, Reason};

use super::layout::{page as shell, time};
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
    let content = html! {
        p id="action-status" role="status" aria-live="polite" {}
        @if config.routes.is_empty() {
            p.calm { "No route is configured: nothing is sent (see " code { "[[notify.routes]]" } " in the README)." }
        }
        (routes(&config.routes, may_test))
        // Right under the routes, where a test's outcome is looked for.
        (messages(&last))
        (roster(&notifications, now))
        (channels(&notifications))
    };
    Ok(shell("Notifications", &principal, "/notifications", content))
}

/// A route's conditions, each on its own, or that it takes every incident.
fn conditions(route: &Route) -> Markup {
    let mut parts: Vec<(&str, String)> = Vec::new();
    if let Some(min) = route.min_severity {
        parts.push(("severity", format!("{} or worse", min.as_str())));
    }
    let lists = [
        ("threat", route.threats.join(", ")),
        ("domain", route.domains.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")),
        ("building", route.buildings.join(", ")),
        ("zone", route.zones.join(", ")),
    ];
    parts.extend(lists.into_iter().filter(|(_, v)| !v.is_empty()));
    html! {
        @if parts.is_empty() {
            span.calm { "every incident" }
        } @else {
            ul.conditions {
                @for (what, value) in parts { li { span.calm { (what) ": " } (value) } }
            }
        }
    }
}

fn routes(routes: &[Route], may_test: bool) -> Markup {
    html! {
        table.notify-routes {
            caption { "Routes, in the order they are checked" }
            thead { tr {
                th scope="col" { "Route" } th scope="col" { "Takes" } th scope="col" { "On-call role" }
                th scope="col" { "Channel" } th scope="col" { "Escalation" } th scope="col" { "Exercise only" }
                @if may_test { th scope="col" { "Test" } }
            } }
            tbody {
                @for route in routes {
                    tr data-route=(route.name) {
                        th scope="row" { (route.name) }
                        td { (conditions(route)) }
                        td { (route.role.as_deref().unwrap_or("none")) }
                        td { (route.channel) }
                        td {
                            @match route.escalate_after_minutes {
                                Some(minutes) => { "next tier after " (minutes) " min unacknowledged" }
                                None => span.calm { "none" },
                            }
                        }
                        td { (if route.exercise { "yes" } else { "no" }) }
                        @if may_test {
                            td {
                                // Sent by app.js with the session's CSRF
                                // token; the page then reloads and lists the
                                // test among the last messages.
                                button type="button" data-action="api"
                                    data-url={ "/api/v1/notify/routes/" (route.name) "/test" }
                                    aria-label={ "Send a test on route " (route.name) } { "Send test" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn hours(shift: &Shift) -> String {
    let days = if shift.days.is_empty() { "every day".to_owned() } else { shift.days.join(", ") };
    let clock = |t: Option<jiff::civil::Time>| t.map(|t| t.strftime("%H:%M").to_string());
    match (clock(shift.from), clock(shift.to)) {
        (None, None) => format!("{days}, all day"),
        (from, to) => {
            format!("{days}, {} to {}", from.unwrap_or_else(|| "00:00".into()), to.unwrap_or_else(|| "midnight".into()))
        }
    }
}

fn roster(notifications: &Notifications, now: Timestamp) -> Markup {
    let roster = &notifications.config.roster;
    let zone = roster.time_zone.as_deref().unwrap_or("UTC");
    let on_call = roster.shifts_at(now);
    let mut shifts: Vec<&Shift> = roster.shifts.iter().collect();
    shifts.sort_by(|a, b| a.role.cmp(&b.role).then(a.tier.cmp(&b.tier)).then(a.name.cmp(&b.name)));
    html! {
        h2 { "On-call roster" }
        p {
            "Hours are in " strong { (zone) } ". On call now (" (time(now)) "): "
            @if on_call.is_empty() {
                span.error { "nobody" }
            } @else {
                span id="on-call-now" {
                    (on_call.iter().map(|s| format!("{} ({} tier {})", s.name, s.role, s.tier)).collect::<Vec<_>>().join(", "))
                }
            }
        }
        table.roster {
            thead { tr {
                th scope="col" { "Who" } th scope="col" { "Role" } th scope="col" { "Tier" }
                th scope="col" { "Hours" } th scope="col" { "Now" }
            } }
            tbody {
                @for shift in shifts {
                    @let active = on_call.iter().any(|s| std::ptr::eq(*s, shift));
                    tr class=[active.then_some("on-call")] {
                        td { (shift.name) }
                        td { (shift.role) }
                        td { (shift.tier) }
                        td { (hours(shift)) }
                        td { (if active { "on call" } else { "" }) }
                    }
                }
            }
        }
    }
}

fn channels(notifications: &Notifications) -> Markup {
    html! {
        h2 { "Channels" }
        table.channels {
            thead { tr { th scope="col" { "Channel" } th scope="col" { "Type" } th scope="col" { "Sends to" } th scope="col" { "Settings" } } }
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

fn reason(reason: Reason, tier: u8) -> String {
    match reason {
        Reason::Opened => "opened".to_owned(),
        Reason::Escalated => format!("escalated to tier {tier}"),
        Reason::Test => "test".to_owned(),
        Reason::Cap => "CAP to first responders".to_owned(),
        Reason::Availability => "EDXL-HAVE to the region".to_owned(),
    }
}

fn messages(last: &[OutboxEntry]) -> Markup {
    html! {
        h2 { "Last messages" }
        @if last.is_empty() {
            p.calm { "No message yet." }
        } @else {
            table.messages {
                thead { tr {
                    th scope="col" { "Planned" } th scope="col" { "Route" } th scope="col" { "Channel" }
                    th scope="col" { "Why" } th scope="col" { "Subject" } th scope="col" { "Delivery" }
                } }
                tbody {
                    @for entry in last {
                        @let n = &entry.notification;
                        tr data-key=(n.key) data-status=(entry.status.as_str()) class=[(entry.status == DeliveryStatus::Failed).then_some("bad")] {
                            td { (time(n.created)) }
                            td { (n.route) }
                            td { (n.channel) }
                            td { (reason(n.reason, n.tier)) }
                            td {
                                @match n.incident {
                                    Some(id) => a href={ "/incidents/" (id) } { (n.subject) },
                                    None => (n.subject),
                                }
                            }
                            td {
                                strong { (entry.status.as_str()) }
                                " after " (entry.attempts) (if entry.attempts == 1 { " try" } else { " tries" })
                                @if let Some(at) = entry.delivered { br; small.calm { (time(at)) } }
                                @if entry.status == DeliveryStatus::Pending && entry.attempts > 0 {
                                    br; small.calm { "next try " (time(entry.next_try)) }
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
