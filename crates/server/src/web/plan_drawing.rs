//! One floor drawn for a guard: rooms with their numbers and names,
//! coloured by their worst recent alert and linked to their open incident
//! (else to their events); doors, cameras and sensors as keyed markers
//! (D1, C1, S1) with their state, explained by a legend and listed in a
//! table under the drawing. Colour is never the only signal: every marker
//! and room has its words in a title and in the lists.

use std::collections::HashMap;

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_model::{Asset, AssetKind, Severity};
use strum::IntoEnumIterator;

use super::doors::DoorState;
use super::layout::severity;
use super::plan::{Rect, plan_of};
use super::situation::{FloorKey, RoomIncident, Situation};

/// Pixels per metre of the drawing.
const SCALE: f64 = 12.0;
/// About how wide one character of a room label is, in pixels.
const CHAR_PX: f64 = 6.0;
/// Rooms narrower than this (pixels) show their number only in the title.
const LABEL_MIN_PX: f64 = 30.0;

/// What kind of marker a device gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Door,
    Camera,
    Sensor,
}

impl Marker {
    /// Doors are doors; a sensor is a camera when its attributes say
    /// `device: camera`.
    fn of(asset: &Asset) -> Option<Self> {
        match asset.kind {
            AssetKind::Door => Some(Marker::Door),
            AssetKind::Sensor if asset.attributes.get("device").and_then(|d| d.as_str()) == Some("camera") => {
                Some(Marker::Camera)
            }
            AssetKind::Sensor => Some(Marker::Sensor),
            _ => None,
        }
    }

    fn key(self) -> char {
        match self {
            Marker::Door => 'D',
            Marker::Camera => 'C',
            Marker::Sensor => 'S',
        }
    }

    /// Its name in CSS classes (not shown to people).
    fn css(self) -> &'static str {
        match self {
            Marker::Door => "door",
            Marker::Camera => "camera",
            Marker::Sensor => "sensor",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Marker::Door => "plan-door",
            Marker::Camera => "plan-camera",
            Marker::Sensor => "plan-sensor",
        }
    }
}

/// A device placed on the floor, with its key and state.
struct Device<'a> {
    asset: &'a Asset,
    marker: Marker,
    key: String,
    at: (f64, f64),
    /// The CSS name of its state and its words.
    state: (&'static str, String),
}

fn on_floor(asset: &Asset, floor: &FloorKey) -> bool {
    FloorKey::of(&asset.location).as_ref() == Some(floor)
}

fn rooms<'a>(assets: &'a [Asset], floor: &FloorKey) -> Vec<(&'a Asset, Rect)> {
    assets
        .iter()
        .filter(|a| a.kind == AssetKind::Room && on_floor(a, floor))
        .filter_map(|a| Some((a, plan_of(a)?)))
        .collect()
}

/// The floor's doors, cameras and sensors, keyed in model order. A device
/// without a point of its own sits in its room's top right corner, the
/// next one to its left.
fn devices<'a>(
    locale: &Locale,
    assets: &'a [Asset],
    floor: &FloorKey,
    situation: &Situation,
    doors: &HashMap<&str, DoorState>,
) -> Vec<Device<'a>> {
    let room_rects: Vec<(&Asset, Rect)> = rooms(assets, floor);
    let mut placed_in_room: HashMap<String, usize> = HashMap::new();
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut out = Vec::new();
    for asset in assets.iter().filter(|a| on_floor(a, floor)) {
        let Some(marker) = Marker::of(asset) else { continue };
        let at = match plan_of(asset) {
            Some(r) => (r.x, r.y),
            None => {
                let Some((_, room)) = room_rects.iter().find(|(r, _)| r.location.room == asset.location.room) else {
                    continue;
                };
                let n = placed_in_room.entry(asset.location.path()).or_default();
                *n += 1;
                (room.x + room.w - 1.2 * (*n as f64), room.y + 1.0)
            }
        };
        let count = counts.entry(marker.key()).or_default();
        *count += 1;
        let state = match marker {
            Marker::Door => match doors.get(asset.id.as_str()) {
                Some(s) => (s.as_str(), locale.text(s.message())),
                None => ("unknown", locale.text("plan-state-unknown")),
            },
            Marker::Camera | Marker::Sensor => match situation.device(&asset.id) {
                Some(level) => (level.as_str(), format!("{}: {}", locale.text("plan-state-alert"), level.as_str())),
                None => ("normal", locale.text("plan-state-normal")),
            },
        };
        out.push(Device { asset, marker, key: format!("{}{count}", marker.key()), at, state });
    }
    out
}

/// Cuts a label to what fits in `px` pixels.
fn fit(text: &str, px: f64) -> String {
    let room = (px / CHAR_PX).floor().max(1.0) as usize;
    if text.chars().count() <= room {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(room.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Pixels of a plan coordinate in metres.
fn px(m: f64) -> String {
    format!("{:.1}", m * SCALE + 1.0)
}

/// The floor's drawing.
pub(super) fn drawing(
    locale: &Locale,
    assets: &[Asset],
    floor: &FloorKey,
    building: &str,
    situation: &Situation,
    doors: &HashMap<&str, DoorState>,
) -> Markup {
    let rooms = rooms(assets, floor);
    let devices = devices(locale, assets, floor, situation, doors);
    let width = rooms.iter().map(|(_, r)| r.x + r.w).fold(10.0, f64::max) * SCALE + 2.0;
    let height = rooms.iter().map(|(_, r)| r.y + r.h).fold(10.0, f64::max) * SCALE + 2.0;
    let label = locale
        .text_with("plan-drawing-label", &[("floor", floor.floor.as_str().into()), ("building", building.into())]);
    html! {
        svg.plan viewBox={ "0 0 " (width) " " (height) } role="group" aria-label=(label) {
            @for (room, r) in &rooms {
                @let path = room.location.path();
                @let level = situation.room(&room.location);
                @let incident = situation.incident_in(&room.location);
                @let number = room.location.room.as_deref().unwrap_or("");
                @let title = room_title(locale, room, level, incident);
                @let href = match incident { Some(i) => format!("/incidents/{}", i.id), None => format!("/events?location={path}") };
                a.room-link href=(href) aria-label=(title) data-incident=[incident.map(|i| i.id.to_string())] {
                    title { (title) }
                    rect class={ "room" @if let Some(l) = level { " alert-" (l.as_str()) } }
                        data-room=(path)
                        x=(px(r.x)) y=(px(r.y)) width=(format!("{:.1}", r.w * SCALE)) height=(format!("{:.1}", r.h * SCALE)) {}
                    @if r.w * SCALE > LABEL_MIN_PX {
                        text.room-number x=(format!("{:.1}", r.x * SCALE + 4.0)) y=(format!("{:.1}", r.y * SCALE + 14.0)) { (number) }
                        @if r.h * SCALE > 34.0 {
                            text.room-name x=(format!("{:.1}", r.x * SCALE + 4.0)) y=(format!("{:.1}", r.y * SCALE + 27.0)) { (fit(&room.name, r.w * SCALE - 8.0)) }
                        }
                    }
                }
            }
            @for device in &devices {
                @let (x, y) = device.at;
                @let class = format!("marker marker-{} state-{}", device.marker.css(), device.state.0);
                g class=(class) data-device=(device.asset.id) data-state=(device.state.0) {
                    title { (device.key) " · " (device.asset.name) ": " (device.state.1) }
                    @match device.marker {
                        Marker::Door => { circle cx=(px(x)) cy=(px(y)) r="6" {} }
                        Marker::Camera => { rect x=(format!("{:.1}", x * SCALE - 4.0)) y=(format!("{:.1}", y * SCALE - 4.0)) width="10" height="10" {} }
                        Marker::Sensor => { polygon points=(diamond(x, y)) {} }
                    }
                    text.marker-key x=(format!("{:.1}", x * SCALE + 8.0)) y=(format!("{:.1}", y * SCALE - 4.0)) { (device.key) }
                }
            }
        }
    }
}

/// A room's words: name, number, alert and open incident.
fn room_title(locale: &Locale, room: &Asset, level: Option<Severity>, incident: Option<&RoomIncident>) -> String {
    let mut title = format!("{} ({})", room.name, room.location.room.as_deref().unwrap_or(""));
    if let Some(level) = level {
        title.push_str(", ");
        title.push_str(&locale.text_with("plan-room-alert", &[("severity", level.as_str().into())]));
    }
    if let Some(incident) = incident {
        title.push_str(", ");
        title.push_str(&locale.text_with("plan-room-incident", &[("title", incident.title.as_str().into())]));
    }
    title
}

fn diamond(x: f64, y: f64) -> String {
    let (cx, cy) = (x * SCALE + 1.0, y * SCALE + 1.0);
    format!("{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", cx, cy - 6.0, cx + 6.0, cy, cx, cy + 6.0, cx - 6.0, cy)
}

/// What the colours and shapes mean.
pub(super) fn legend(locale: &Locale) -> Markup {
    html! {
        aside.legend aria-labelledby="legend-h" {
            h3 id="legend-h" { (locale.text("plan-legend")) }
            ul {
                li { span.swatch.room-alert {} (locale.text("plan-legend-room-alert")) }
                li { span.swatch.room-incident {} (locale.text("plan-legend-room-incident")) }
                li { span.swatch.room-calm {} (locale.text("plan-legend-room-calm")) }
                li { span.shape.door {} (locale.text("plan-legend-door")) }
                li { span.shape.camera {} (locale.text("plan-legend-camera")) }
                li { span.shape.sensor {} (locale.text("plan-legend-sensor")) }
            }
            ul.states {
                @for state in DoorState::iter() {
                    li { span class={ "shape door state-" (state.as_str()) } {} (locale.text(state.message())) }
                }
                li { span.shape.door.state-unknown {} (locale.text("plan-state-unknown")) }
            }
        }
    }
}

/// The floor's rooms with alerts, worst first, each linked like its room.
pub(super) fn rooms_with_alerts(locale: &Locale, assets: &[Asset], floor: &FloorKey, situation: &Situation) -> Markup {
    let mut hot: Vec<(&Asset, Severity)> =
        rooms(assets, floor).into_iter().filter_map(|(a, _)| Some((a, situation.room(&a.location)?))).collect();
    hot.sort_by_key(|(_, level)| std::cmp::Reverse(*level));
    html! {
        @if !hot.is_empty() {
            h2 { (locale.text("plan-rooms-with-alerts")) }
            ul.rooms {
                @for (room, level) in hot {
                    li {
                        (severity(locale, level)) " "
                        @if let Some(incident) = situation.incident_in(&room.location) {
                            a href={ "/incidents/" (incident.id) } { (room.name) } " · " (locale.text_with("plan-room-incident", &[("title", incident.title.as_str().into())]))
                        } @else {
                            a href={ "/events?location=" (room.location.path()) } { (room.name) }
                        }
                    }
                }
            }
        }
    }
}

/// Every keyed marker of the floor as a table: the text form of the drawing.
pub(super) fn devices_table(
    locale: &Locale,
    assets: &[Asset],
    floor: &FloorKey,
    situation: &Situation,
    doors: &HashMap<&str, DoorState>,
) -> Markup {
    let devices = devices(locale, assets, floor, situation, doors);
    html! {
        @if !devices.is_empty() {
            h2 id="devices-h" { (locale.text("plan-devices")) }
            table.devices aria-labelledby="devices-h" {
                thead { tr {
                    th scope="col" { "#" }
                    th scope="col" { (locale.text("plan-col-device")) }
                    th scope="col" { (locale.text("plan-col-kind")) }
                    th scope="col" { (locale.text("plan-col-room")) }
                    th scope="col" { (locale.text("plan-col-state")) }
                } }
                tbody {
                    @for device in &devices {
                        tr data-device=(device.asset.id) class={ "state-" (device.state.0) } {
                            td { (device.key) }
                            td { (device.asset.name) }
                            td { (locale.text(device.marker.message())) }
                            td { (device.asset.location.room.as_deref().unwrap_or("")) }
                            td { (device.state.1) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_to_fit_their_room() {
        assert_eq!(fit("Blood bank", 120.0), "Blood bank");
        assert_eq!(fit("Controlled drugs store", 40.0), "Contr…");
        assert_eq!(fit("Anything", 1.0), "…");
    }
}
