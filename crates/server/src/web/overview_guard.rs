//! The security guard's part of the overview, shown first: physical
//! alerts (doors, intrusion, fire), the rooms with alerts, each linked to
//! its open incident or its floor, and the patrol tasks (open playbook
//! tasks for security staff).

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_model::{Alert, Asset, AssetKind, Severity};
use safecare_respond::{IncidentRecord, Role as TaskRole, TaskState};

use super::layout::severity;
use super::overview::alert_table;
use super::situation::{PHYSICAL_THREATS, Situation};

/// The guard's sections, in the order a guard works them.
pub(super) fn physical_first(
    locale: &Locale,
    physical: &[&Alert],
    assets: &[Asset],
    situation: &Situation,
    records: &[IncidentRecord],
) -> Markup {
    let threats: Vec<&str> = PHYSICAL_THREATS.iter().map(|t| t.into()).collect();
    html! {
        section.guard aria-labelledby="physical-h" data-live data-physical-threats=(threats.join(" ")) {
            h2 id="physical-h" { (locale.text("overview-physical-alerts")) }
            @if physical.is_empty() {
                p.calm id="physical-none" { (locale.text("overview-physical-none")) }
            }
            (alert_table(locale, "physical-feed", physical))
        }
        div.columns {
            (rooms_section(locale, assets, situation))
            (patrol_section(locale, records))
        }
    }
}

fn rooms_section(locale: &Locale, assets: &[Asset], situation: &Situation) -> Markup {
    let mut rooms: Vec<(&Asset, Severity)> = assets
        .iter()
        .filter(|a| a.kind == AssetKind::Room)
        .filter_map(|a| Some((a, situation.room(&a.location)?)))
        .collect();
    rooms.sort_by(|(a, sa), (b, sb)| sb.cmp(sa).then_with(|| a.location.path().cmp(&b.location.path())));
    html! {
        section aria-labelledby="rooms-h" {
            h2 id="rooms-h" { (locale.text("overview-rooms-with-alerts")) }
            @if rooms.is_empty() {
                p.calm { (locale.text("overview-rooms-none")) }
            } @else {
                ul.rooms id="alert-rooms" {
                    @for (room, level) in &rooms {
                        @let place = &room.location;
                        li data-room=(place.path()) {
                            (severity(locale, *level)) " "
                            a href={ "/plan?building=" (place.building.as_deref().unwrap_or("")) "&floor=" (place.floor.as_deref().unwrap_or("")) } {
                                (room.name) " (" (place.room.as_deref().unwrap_or("")) ")"
                            }
                            " · "
                            @if let Some(incident) = situation.incident_in(place) {
                                a.room-incident href={ "/incidents/" (incident.id) } { (locale.text("overview-room-open-incident")) ": " (incident.title) }
                            } @else {
                                a href={ "/events?location=" (place.path()) } { (locale.text("overview-room-events")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The pending tasks security staff carry out, most urgent incident first.
fn patrol_tasks(records: &[IncidentRecord]) -> Vec<(&IncidentRecord, &TaskState)> {
    let mut tasks: Vec<(&IncidentRecord, &TaskState)> = records
        .iter()
        .flat_map(|r| r.tasks.iter().map(move |t| (r, t)))
        .filter(|(_, t)| t.is_pending() && t.task.role == TaskRole::SecurityGuard)
        .collect();
    tasks.sort_by_key(|(r, _)| std::cmp::Reverse((r.incident.severity, r.incident.created)));
    tasks
}

fn patrol_section(locale: &Locale, records: &[IncidentRecord]) -> Markup {
    let tasks = patrol_tasks(records);
    html! {
        section aria-labelledby="patrol-h" {
            h2 id="patrol-h" { (locale.text("overview-patrol-tasks")) }
            @if tasks.is_empty() {
                p.calm { (locale.text("overview-patrol-none")) }
            } @else {
                ul.patrol id="patrol-tasks" {
                    @for (record, task) in &tasks {
                        li data-task=(task.key()) {
                            (severity(locale, record.incident.severity)) " "
                            strong { (task.title(locale)) } " · "
                            a href={ "/incidents/" (record.incident.id) } { (record.incident.title) }
                            @if task.task.requires_approval.is_some() && task.approval.is_none() {
                                " · " em { (locale.text("overview-patrol-needs-approval")) }
                            }
                        }
                    }
                }
            }
        }
    }
}
