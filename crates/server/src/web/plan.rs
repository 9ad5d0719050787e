//! Floor plans: each floor of each building drawn from the site model's
//! room geometry (`attributes.plan` in metres), rooms coloured by the worst
//! recent alert located in them, doors as markers. A room links to its
//! events; every room also has a text label and severity word, so colour is
//! not the only signal.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_model::{Asset, AssetKind, Severity};
use safecare_store::{AlertQuery, Store};
use serde::Deserialize;

use super::layout::{page as shell, severity};
use crate::auth::Principal;
use crate::error::ApiError;

/// Pixels per metre of the drawing.
const SCALE: f64 = 12.0;

#[derive(Debug, Default, Deserialize)]
pub struct Which {
    building: Option<String>,
    floor: Option<String>,
}

/// A room's rectangle or a door's point on its floor plan, in metres.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rect {
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) w: f64,
    pub(super) h: f64,
}

/// Where an asset is drawn on its floor plan (`attributes.plan`).
pub(super) fn plan_of(asset: &Asset) -> Option<Rect> {
    let plan = asset.attributes.get("plan")?;
    let n = |k: &str| plan.get(k).and_then(serde_json::Value::as_f64);
    Some(Rect { x: n("x")?, y: n("y")?, w: n("w").unwrap_or(0.0), h: n("h").unwrap_or(0.0) })
}

/// Every (building, floor) that has rooms with a plan.
fn floors(assets: &[Asset]) -> BTreeSet<(String, String)> {
    assets
        .iter()
        .filter(|a| a.kind == AssetKind::Room && plan_of(a).is_some())
        .filter_map(|a| Some((a.location.building.clone()?, a.location.floor.clone()?)))
        .collect()
}

pub async fn page(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Query(which): Query<Which>,
) -> Result<Markup, ApiError> {
    let assets = store.list_assets().await?;
    let all_floors = floors(&assets);
    let chosen = match (which.building, which.floor) {
        (Some(b), Some(f)) => Some((b, f)),
        _ => all_floors.iter().next().cloned(),
    };
    let since = Timestamp::now() - SignedDuration::from_hours(24);
    let alerts = store.list_alerts(AlertQuery { from: Some(since), limit: 1000, ..Default::default() }).await?;
    // The worst alert per room path; alerts placed only on an asset count
    // for the asset's room.
    let asset_room: HashMap<&str, String> = assets.iter().map(|a| (a.id.as_str(), a.location.path())).collect();
    let mut heat: HashMap<String, Severity> = HashMap::new();
    for alert in &alerts {
        let mut place = alert.safecare.location.path();
        if alert.safecare.location.room.is_none()
            && let Some(room) = alert.safecare.asset.as_deref().and_then(|id| asset_room.get(id))
        {
            place.clone_from(room);
        }
        let level = heat.entry(place).or_insert(Severity::Info);
        *level = (*level).max(alert.severity());
    }
    let mut by_building: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (b, f) in &all_floors {
        by_building.entry(b).or_default().push(f);
    }
    let content = html! {
        nav aria-label="Floors" {
            ul.floors {
                @for (building, floors) in &by_building {
                    li { (building) ": "
                        @for floor in floors {
                            @let current = chosen.as_ref().is_some_and(|(b, f)| b == building && f == floor);
                            a href={ "/plan?building=" (building) "&floor=" (floor) } aria-current=[current.then_some("page")] { "floor " (floor) } " "
                        }
                    }
                }
            }
        }
        @if let Some((building, floor)) = &chosen {
            (drawing(&assets, building, floor, &heat))
        } @else {
            p.calm { "No room of the site model has a plan yet." }
        }
    };
    Ok(shell("Floor plan", &principal, "/plan", content))
}

fn drawing(assets: &[Asset], building: &str, floor: &str, heat: &HashMap<String, Severity>) -> Markup {
    let on_floor =
        |a: &&Asset| a.location.building.as_deref() == Some(building) && a.location.floor.as_deref() == Some(floor);
    let rooms: Vec<(&Asset, Rect)> = assets
        .iter()
        .filter(on_floor)
        .filter(|a| a.kind == AssetKind::Room)
        .filter_map(|a| Some((a, plan_of(a)?)))
        .collect();
    let doors: Vec<(&Asset, Rect)> = assets
        .iter()
        .filter(on_floor)
        .filter(|a| a.kind == AssetKind::Door)
        .filter_map(|a| Some((a, plan_of(a)?)))
        .collect();
    let width = rooms.iter().map(|(_, r)| r.x + r.w).fold(10.0, f64::max) * SCALE + 2.0;
    let height = rooms.iter().map(|(_, r)| r.y + r.h).fold(10.0, f64::max) * SCALE + 2.0;
    html! {
        svg.plan viewBox={ "0 0 " (width) " " (height) } role="group" aria-label={ "Building " (building) ", floor " (floor) } {
            @for (room, r) in &rooms {
                @let path = room.location.path();
                @let level = heat.get(&path).copied();
                @let label = format!("{} ({}){}", room.name, room.location.room.as_deref().unwrap_or(""), level.map(|l| format!(", {l} alert")).unwrap_or_default());
                a href={ "/events?location=" (path) } aria-label=(label) {
                    title { (label) }
                    rect class={ "room" @if let Some(l) = level { " alert-" (l.as_str()) } }
                        data-room=(path)
                        x=(r.x * SCALE + 1.0) y=(r.y * SCALE + 1.0) width=(r.w * SCALE) height=(r.h * SCALE) {}
                    @if r.w * SCALE > 40.0 {
                        text x=(r.x * SCALE + 4.0) y=(r.y * SCALE + 14.0) { (room.location.room.as_deref().unwrap_or("")) }
                    }
                }
            }
            @for (door, r) in &doors {
                circle.door cx=(r.x * SCALE + 1.0) cy=(r.y * SCALE + 1.0) r="4" { title { (door.name) } }
            }
        }
        @let hot: Vec<(&Asset, Severity)> = rooms.iter().filter_map(|(a, _)| heat.get(&a.location.path()).map(|l| (*a, *l))).collect();
        @if !hot.is_empty() {
            h2 { "Rooms with alerts (last 24 hours)" }
            ul { @for (room, level) in hot { li { (severity(level)) " " a href={ "/events?location=" (room.location.path()) } { (room.name) } } } }
        }
    }
}
