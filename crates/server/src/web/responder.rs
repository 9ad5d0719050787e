//! The first responder's page, made for a tablet in the field: for one
//! incident, WHERE (the campus with the building, its entrances and the
//! assembly points; the floor with the room) and WHAT (the hazards, the
//! doors forced, held open or locked, the clinical impact), the live
//! updates from that building, and the CAP messages sent. It shows places,
//! not the asset inventory: no host, address or person.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_impact::{Inventory, LiveInventory};
use safecare_model::{Alert, Asset, AssetKind, Domain, Event, LatLon, Location};
use safecare_respond::cap::{CapMessage, CapState, calling_for};
use safecare_respond::{IncidentRecord, Incidents};
use safecare_store::{EventQuery, IncidentQuery, Store};

use super::incident_impact::level_and_score;
use super::layout::{page as shell, severity, status};
use super::plan::{Rect, plan_of};
use crate::auth::Principal;
use crate::cap::CapMessages;
use crate::error::ApiError;
use crate::routes::cap::place_of;
use crate::routes::incidents::existing;

/// How far back the building's events are read for door states and updates.
const LOOKBACK: SignedDuration = SignedDuration::from_hours(24);
/// How many of the building's latest alerts the page lists at first.
const UPDATES: usize = 20;
/// Width of the campus drawing in pixels; its height follows the site.
const SITE_WIDTH: f64 = 640.0;
/// Pixels per metre of the floor drawing.
const FLOOR_SCALE: f64 = 12.0;

/// What a door was last seen doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum DoorState {
    /// Forced open.
    Forced,
    /// Held open past its time.
    HeldOpen,
    /// Locked (or refusing a badge: it is locked to that holder).
    Locked,
    /// Unlocked.
    Unlocked,
}

impl DoorState {
    /// The state an access-control event's `action` tells, if any.
    fn of_action(action: &str) -> Option<Self> {
        match action {
            "forced" | "forced_open" => Some(DoorState::Forced),
            "held_open" => Some(DoorState::HeldOpen),
            "locked" | "lock" | "lockdown" | "denied" => Some(DoorState::Locked),
            "unlocked" | "unlock" => Some(DoorState::Unlocked),
            _ => None,
        }
    }

    fn words(self, locale: &Locale) -> String {
        match self {
            DoorState::Forced => locale.text("responder-door-forced"),
            DoorState::HeldOpen => locale.text("responder-door-held-open"),
            DoorState::Locked => locale.text("responder-door-locked"),
            DoorState::Unlocked => locale.text("responder-door-unlocked"),
        }
    }
}

/// The open incidents that call for outside help, and those with CAP
/// messages sent, newest first.
pub async fn list(
    State(store): State<Arc<dyn Store>>,
    State(cap): State<CapMessages>,
    Extension(principal): Extension<Principal>,
) -> Result<Markup, ApiError> {
    let open = store.list_incidents(IncidentQuery { open_only: true, limit: 200, ..Default::default() }).await?;
    let sent = cap.approved(100).await?;
    let shown: Vec<_> = open
        .into_iter()
        .filter(|s| {
            s.incident.threat.as_deref().is_some_and(|t| calling_for(t).is_some())
                || sent.iter().any(|m| m.incident == s.incident.id)
        })
        .collect();
    let locale = &principal.locale;
    let content = html! {
        @if shown.is_empty() {
            p.calm { (locale.text("responder-none")) }
        }
        ul.responder-list {
            @for s in &shown {
                li {
                    (severity(locale, s.incident.severity)) " "
                    a href={ "/respond/" (s.incident.id) } { (s.incident.title) }
                    " · " (s.incident.location.path()) " · " (locale.text_with("responder-opened", &[("time", locale.time(s.incident.created).into())]))
                }
            }
        }
    };
    Ok(shell(&locale.text("responder-title"), &principal, "/respond", content))
}

/// One incident for responders.
pub async fn page(
    State(incidents): State<Incidents>,
    State(store): State<Arc<dyn Store>>,
    State(cap): State<CapMessages>,
    State(inventory): State<Arc<LiveInventory>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Markup, ApiError> {
    let record = existing(&incidents, &id).await?;
    let inventory = inventory.current();
    let place = place_of(&record, &inventory);
    let building_path = Location { site: place.site.clone(), building: place.building.clone(), ..Location::default() };
    let events = if place.building.is_some() {
        let query = EventQuery {
            from: Some(Timestamp::now() - LOOKBACK),
            location: Some(building_path.path()),
            limit: 1000,
            ..EventQuery::default()
        };
        store.query_events(query).await?.events
    } else {
        Vec::new()
    };
    let alerts = incidents.alerts(&record).await?;
    let sent: Vec<CapMessage> =
        cap.of_incident(record.id()).await?.into_iter().filter(|m| m.state == CapState::Approved).collect();
    let doors = door_states(&inventory, &events);
    let rooms = rooms_of(&record, &alerts, &inventory, &place);
    let incident = &record.incident;
    let locale = &principal.locale;
    let content = html! {
        div.responder id="incident" data-live data-incident=(record.id()) data-building=(building_path.path()) {
            p id="action-status" role="status" aria-live="polite" {}
            (summary(locale, &record, &inventory, rooms.first().unwrap_or(&place)))
            div.responder-grid {
                (where_section(locale, &inventory, &place, &rooms, &doors))
                div {
                    (what_section(locale, &record, &inventory, &place, &alerts, &doors))
                    (cap_section(locale, &sent))
                    (updates_section(locale, &events))
                }
            }
        }
    };
    Ok(shell(
        &locale.text_with("responder-page-title", &[("title", incident.title.as_str().into())]),
        &principal,
        "/respond",
        content,
    ))
}

fn summary(locale: &Locale, record: &IncidentRecord, inventory: &Inventory, place: &Location) -> Markup {
    let i = &record.incident;
    let description = inventory.geometry_of(place).map(|g| g.description);
    html! {
        dl.facts.incident-facts {
            dt { (locale.text("responder-severity")) } dd { (severity(locale, i.severity)) }
            dt { (locale.text("responder-status")) } dd { (status(locale, i.status)) }
            dt { (locale.text("responder-where")) } dd id="responder-where" { (description.unwrap_or_else(|| place.path())) }
            dt { (locale.text("responder-since")) } dd { (locale.time(i.created)) }
        }
    }
}

/// The last state each door of the place's building was seen in, from
/// the access-control events (newest first, as the store gives them).
fn door_states<'a>(inventory: &'a Inventory, events: &[Event]) -> BTreeMap<&'a str, (DoorState, Timestamp)> {
    let mut states: BTreeMap<&str, (DoorState, Timestamp)> = BTreeMap::new();
    for event in events.iter().filter(|e| e.domain == Domain::Physical) {
        let Some(door) =
            event.asset.as_deref().and_then(|id| inventory.asset(id)).filter(|a| a.kind == AssetKind::Door)
        else {
            continue;
        };
        let Some(state) = event.fields.get("action").and_then(|a| a.as_str()).and_then(DoorState::of_action) else {
            continue;
        };
        states.entry(door.id.as_str()).or_insert((state, event.time));
    }
    states
}

/// The rooms where the incident's own threat was detected (a fire's
/// smoke detector, not the earlier badge that joined the same incident),
/// else its place's room, else its assets' rooms: an incident grouping
/// alerts from several rooms keeps only the place they share.
fn rooms_of(record: &IncidentRecord, alerts: &[Alert], inventory: &Inventory, place: &Location) -> Vec<Location> {
    let threat = record.incident.threat.as_deref();
    let in_building = |l: &Location| l.room.is_some() && same_building(l, place);
    let mut rooms: Vec<Location> = alerts
        .iter()
        .filter(|a| threat.is_some() && a.safecare.threat.as_deref() == threat)
        .map(|a| a.safecare.location.clone())
        .filter(in_building)
        .collect();
    if rooms.is_empty() {
        rooms = std::iter::once(place.clone())
            .chain(record.incident.assets.iter().filter_map(|id| inventory.asset(id)).map(|a| a.location.clone()))
            .filter(in_building)
            .collect();
    }
    rooms.dedup();
    rooms
}

fn same_building(a: &Location, place: &Location) -> bool {
    a.site == place.site && a.building == place.building
}

fn building_of<'a>(inventory: &'a Inventory, place: &Location) -> Option<&'a Asset> {
    inventory
        .assets()
        .iter()
        .find(|a| a.kind == AssetKind::Building && same_building(&a.location, place) && place.building.is_some())
}

fn site_of<'a>(inventory: &'a Inventory, place: &Location) -> Option<&'a Asset> {
    inventory.assets().iter().find(|a| a.kind == AssetKind::Site && a.location.site == place.site)
}

/// Local metres east and south of `origin` (the drawing's top left).
fn local(origin: LatLon, p: LatLon) -> (f64, f64) {
    let metres_per_degree = 6_371_008.8 * std::f64::consts::PI / 180.0;
    ((p.lon - origin.lon) * metres_per_degree * origin.lat.to_radians().cos(), (origin.lat - p.lat) * metres_per_degree)
}

fn where_section(
    locale: &Locale,
    inventory: &Inventory,
    place: &Location,
    rooms: &[Location],
    doors: &BTreeMap<&str, (DoorState, Timestamp)>,
) -> Markup {
    let building = building_of(inventory, place);
    let site = site_of(inventory, place);
    html! {
        section.responder-where aria-labelledby="where-h" {
            h2 id="where-h" { (locale.text("responder-where")) }
            @match site.and_then(|s| s.geo.as_ref()).filter(|g| !g.footprint.is_empty()) {
                Some(site_geo) => (campus(locale, inventory, site_geo, building)),
                None => p.calm { (locale.text("responder-no-map")) },
            }
            (floor(locale, inventory, place, rooms, doors))
        }
    }
}

fn campus(locale: &Locale, inventory: &Inventory, site: &safecare_model::Geo, building: Option<&Asset>) -> Markup {
    let north = site.footprint.iter().map(|p| p.lat).fold(f64::MIN, f64::max);
    let west = site.footprint.iter().map(|p| p.lon).fold(f64::MAX, f64::min);
    let origin = LatLon { lat: north, lon: west };
    let extent =
        site.footprint.iter().map(|&p| local(origin, p)).fold((1.0_f64, 1.0_f64), |m, p| (m.0.max(p.0), m.1.max(p.1)));
    let k = SITE_WIDTH / extent.0;
    let height = extent.1 * k;
    let points = |outline: &[LatLon]| {
        outline
            .iter()
            .map(|&p| local(origin, p))
            .map(|(x, y)| format!("{:.1},{:.1}", x * k, y * k))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let buildings: Vec<&Asset> = inventory
        .assets()
        .iter()
        .filter(|a| a.kind == AssetKind::Building && a.geo.as_ref().is_some_and(|g| !g.footprint.is_empty()))
        .collect();
    let entrances: Vec<(&Asset, &safecare_model::GeoPoint)> = buildings
        .iter()
        .flat_map(|b| b.geo.iter().flat_map(move |g| g.entrances.iter().map(move |e| (*b, e))))
        .collect();
    let here = building.map(|b| b.id.as_str());
    html! {
        svg.campus viewBox={ "-8 -8 " (SITE_WIDTH + 16.0) " " (height + 16.0) } role="group" aria-label=(locale.text("responder-campus-label")) {
            polygon.site points=(points(&site.footprint)) {}
            @for b in &buildings {
                @let hit = Some(b.id.as_str()) == here;
                @let geo = b.geo.as_ref();
                polygon class={ "building" @if hit { " incident-building" } } data-building=(b.id)
                    points=(points(geo.map(|g| g.footprint.as_slice()).unwrap_or_default())) {
                    title { (b.name) @if hit { " " (locale.text("responder-incident-here")) } }
                }
                @if let Some(first) = geo.and_then(|g| g.footprint.first()) {
                    @let (x, y) = local(origin, *first);
                    text x=(format!("{:.1}", x * k + 4.0)) y=(format!("{:.1}", y * k + 14.0)) { (b.name) }
                }
            }
            @for (n, (_, e)) in entrances.iter().enumerate() {
                @let (x, y) = local(origin, e.position());
                g.entrance data-entrance=(e.name) {
                    title { (locale.text_with("responder-entrance", &[("number", (n + 1).into()), ("name", e.name.as_str().into())])) }
                    rect x=(format!("{:.1}", x * k - 7.0)) y=(format!("{:.1}", y * k - 7.0)) width="14" height="14" {}
                    text x=(format!("{:.1}", x * k - 4.0)) y=(format!("{:.1}", y * k + 4.0)) { "E" (n + 1) }
                }
            }
            @for (n, a) in site.assembly_points.iter().enumerate() {
                @let (x, y) = local(origin, a.position());
                g.assembly data-assembly=(a.name) {
                    title { (locale.text_with("responder-assembly-point", &[("letter", letter(n).to_string().into()), ("name", a.name.as_str().into())])) }
                    circle cx=(format!("{:.1}", x * k)) cy=(format!("{:.1}", y * k)) r="10" {}
                    text x=(format!("{:.1}", x * k - 4.0)) y=(format!("{:.1}", y * k + 4.0)) { (letter(n)) }
                }
            }
        }
        ul.legend {
            @for (n, (b, e)) in entrances.iter().enumerate() {
                li class=[(Some(b.id.as_str()) == here).then_some("incident-entrance")] { strong { "E" (n + 1) } " " (e.name) " · " (b.name) }
            }
            @for (n, a) in site.assembly_points.iter().enumerate() {
                li { strong { (letter(n)) } " " (locale.text_with("responder-assembly-legend", &[("name", a.name.as_str().into())])) }
            }
        }
    }
}

fn letter(n: usize) -> char {
    char::from(b'A' + u8::try_from(n % 26).unwrap_or(0))
}

fn floor(
    locale: &Locale,
    inventory: &Inventory,
    place: &Location,
    hit_rooms: &[Location],
    doors: &BTreeMap<&str, (DoorState, Timestamp)>,
) -> Markup {
    // The place's floor, or the floor of the first room the incident is in.
    let Some(floor) = place.floor.as_deref().or_else(|| hit_rooms.first().and_then(|l| l.floor.as_deref())) else {
        return html! { p.calm { (locale.text("responder-no-floor")) } };
    };
    let on_floor = |a: &&Asset| same_building(&a.location, place) && a.location.floor.as_deref() == Some(floor);
    let rooms: Vec<(&Asset, Rect)> = inventory
        .assets()
        .iter()
        .filter(on_floor)
        .filter(|a| a.kind == AssetKind::Room)
        .filter_map(|a| Some((a, plan_of(a)?)))
        .collect();
    let door_marks: Vec<(&Asset, Rect)> = inventory
        .assets()
        .iter()
        .filter(on_floor)
        .filter(|a| a.kind == AssetKind::Door)
        .filter_map(|a| Some((a, plan_of(a)?)))
        .collect();
    if rooms.is_empty() {
        return html! { p.calm { (locale.text("responder-no-floor-plan")) } };
    }
    let width = rooms.iter().map(|(_, r)| r.x + r.w).fold(10.0, f64::max) * FLOOR_SCALE + 2.0;
    let height = rooms.iter().map(|(_, r)| r.y + r.h).fold(10.0, f64::max) * FLOOR_SCALE + 2.0;
    let px = |m: f64| format!("{:.1}", m * FLOOR_SCALE + 1.0);
    html! {
        h3 { (locale.text_with("responder-floor", &[("floor", floor.into())])) }
        svg.plan.responder-floor viewBox={ "0 0 " (width) " " (height) } role="group" aria-label=(locale.text_with("responder-floor-label", &[("floor", floor.into())])) {
            @for (room, r) in &rooms {
                @let hit = hit_rooms.iter().any(|l| l.floor == room.location.floor && l.room == room.location.room);
                rect class={ "room" @if hit { " incident-room" } } data-room=(room.location.path())
                    x=(px(r.x)) y=(px(r.y)) width=(format!("{:.1}", r.w * FLOOR_SCALE)) height=(format!("{:.1}", r.h * FLOOR_SCALE)) {
                    title { (room.name) @if hit { " " (locale.text("responder-incident-here")) } }
                }
                @if r.w * FLOOR_SCALE > 40.0 {
                    text x=(format!("{:.1}", r.x * FLOOR_SCALE + 4.0)) y=(format!("{:.1}", r.y * FLOOR_SCALE + 14.0)) { (room.location.room.as_deref().unwrap_or("")) }
                }
            }
            @for (door, r) in &door_marks {
                @let state = doors.get(door.id.as_str()).map(|(s, _)| *s);
                @let state_name: &str = state.map_or("unknown", |s| s.into());
                circle class={ "door door-" (state_name) } data-door=(door.id) data-state=(state_name) cx=(px(r.x)) cy=(px(r.y)) r="6" {
                    title { (door.name) ": " (state.map_or_else(|| locale.text("responder-door-no-report"), |s| s.words(locale))) }
                }
            }
        }
    }
}

fn what_section(
    locale: &Locale,
    record: &IncidentRecord,
    inventory: &Inventory,
    place: &Location,
    alerts: &[Alert],
    doors: &BTreeMap<&str, (DoorState, Timestamp)>,
) -> Markup {
    let threat = record.incident.threat.as_deref();
    let hazard = threat.and_then(calling_for).map(|c| c.name(locale.language().tag()));
    let mut threats: Vec<&str> = alerts.iter().filter_map(|a| a.safecare.threat.as_deref()).collect();
    threats.sort_unstable();
    threats.dedup();
    // What in the building can hurt responders or patients when it fails.
    let critical: Vec<&Asset> = inventory
        .assets()
        .iter()
        .filter(|a| same_building(&a.location, place) && place.building.is_some())
        .filter(|a| a.attributes.get("life_critical").and_then(serde_json::Value::as_bool) == Some(true))
        .collect();
    let services = record
        .impact
        .as_ref()
        .map(|i| i.report.by_service().into_iter().take(6).collect::<Vec<_>>())
        .unwrap_or_default();
    html! {
        section.responder-what aria-labelledby="what-h" {
            h2 id="what-h" { (locale.text("responder-what")) }
            ul.hazards id="hazards" {
                li.hazard { strong { (hazard.map_or_else(|| locale.text("responder-incident"), str::to_owned)) } ": " (threat.map_or_else(|| locale.text("responder-not-classified"), |t| t.replace('_', " "))) }
                @for t in threats.iter().filter(|t| Some(**t) != threat) {
                    li { (locale.text_with("responder-also-detected", &[("threat", t.replace('_', " ").into())])) }
                }
                @for a in &critical {
                    li.life-critical { (locale.text_with("responder-life-critical", &[("name", a.name.as_str().into())])) }
                }
            }
            @if let Some(summary) = &record.impact_summary { p id="impact-summary" { (summary) } }
            @if !services.is_empty() {
                table.responder-services {
                    caption { (locale.text("impact-responder-caption")) }
                    thead { tr { th scope="col" { (locale.text("impact-col-service")) } th scope="col" { (locale.text("impact-col-level")) } } }
                    tbody { @for s in &services { tr { td { (s.name) } td { (level_and_score(locale, s.score)) } } } }
                }
            }
            h3 { (locale.text("responder-doors")) }
            @if doors.is_empty() {
                p.calm { (locale.text("responder-no-doors")) }
            } @else {
                ul.doors id="door-states" {
                    @for (id, (state, at)) in doors {
                        @let name = inventory.asset(id).map_or(*id, |a| a.name.as_str());
                        li data-door=(id) data-state=(<&str>::from(*state)) class={ "door-" (<&str>::from(*state)) } {
                            strong { (name) } ": " (state.words(locale)) " (" (locale.time(*at)) ")"
                        }
                    }
                }
            }
        }
    }
}

fn cap_section(locale: &Locale, sent: &[CapMessage]) -> Markup {
    html! {
        section.responder-cap aria-labelledby="cap-sent-h" {
            h2 id="cap-sent-h" { (locale.text("responder-cap")) }
            @if sent.is_empty() { p.calm { (locale.text("responder-cap-none")) } }
            @for m in sent {
                // The part in the reader's language when the message has one.
                @let info = m.alert.infos.iter().find(|i| i.language.as_deref().is_some_and(|l| l.split('-').next() == Some(locale.language().tag()))).or(m.alert.infos.first());
                article.cap-message data-cap=(m.alert.identifier) {
                    h3 { (m.alert.msg_type.as_str()) " · " (info.and_then(|i| i.headline.as_deref()).unwrap_or(&m.alert.identifier)) }
                    p { (locale.text_with("responder-cap-sent", &[("time", m.approved_at.map(|t| locale.time(t)).unwrap_or_default().into()), ("by", m.approved_by.as_deref().unwrap_or("").into())])) }
                    @if let Some(instruction) = info.and_then(|i| i.instruction.as_deref()) { p.instruction { (instruction) } }
                    @if let Some(area) = info.and_then(|i| i.areas.first()) { p.calm { (locale.text_with("responder-cap-area", &[("area", area.area_desc.as_str().into())])) } }
                }
            }
        }
    }
}

fn updates_section(locale: &Locale, events: &[Event]) -> Markup {
    // Doors, intrusion, fire, power and air: what the building does, not
    // its computers or patients.
    let latest: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e.domain, Domain::Physical | Domain::Building))
        .filter(|e| e.severity >= safecare_model::Severity::Low)
        .take(UPDATES)
        .collect();
    html! {
        section.responder-updates aria-labelledby="updates-h" {
            h2 id="updates-h" { (locale.text("responder-updates")) }
            ul id="responder-feed" aria-live="polite" {
                @for e in &latest {
                    li { (locale.time(e.time)) " " (severity(locale, e.severity)) " " (e.message) " · " (e.location.path()) }
                }
            }
            @if latest.is_empty() { p.calm id="responder-feed-empty" { (locale.text("responder-updates-none")) } }
        }
    }
}
