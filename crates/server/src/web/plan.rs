//! Floor plans: one floor of one building at a time, named in a header,
//! with a tab per floor badged with its alert count. The drawing
//! (`plan_drawing`) comes from the site model's geometry; what is
//! happening on it from the last day's alerts, the open incidents and the
//! doors' access-control events.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use safecare_model::{Asset, AssetKind, Domain};
use safecare_store::{AlertQuery, EventQuery, IncidentQuery, Store};
use serde::Deserialize;

use super::doors::door_states;
use super::layout::page as shell;
use super::plan_drawing::{devices_table, drawing, legend, rooms_with_alerts};
use super::situation::{FloorKey, Situation};
use crate::auth::Principal;
use crate::error::ApiError;

/// How far back alerts and door events are read.
const LOOKBACK: SignedDuration = SignedDuration::from_hours(24);

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

/// Every floor that has rooms with a plan, in building then floor order.
fn floors(assets: &[Asset]) -> BTreeSet<FloorKey> {
    assets
        .iter()
        .filter(|a| a.kind == AssetKind::Room && plan_of(a).is_some())
        .filter_map(|a| FloorKey::of(&a.location))
        .collect()
}

/// The floor asked for; the first floor of the building (or of the site)
/// when none is named; `Err` with what was asked when no such floor has a
/// plan.
fn choose(floors: &BTreeSet<FloorKey>, which: &Which) -> Result<Option<FloorKey>, (String, String)> {
    let in_building = |f: &&FloorKey| which.building.as_ref().is_none_or(|b| &f.building == b);
    let found = match &which.floor {
        Some(floor) => floors.iter().filter(in_building).find(|f| &f.floor == floor),
        None => floors.iter().find(in_building),
    };
    match (found, &which.building, &which.floor) {
        (Some(f), _, _) => Ok(Some(f.clone())),
        (None, None, None) => Ok(None),
        (None, building, floor) => Err((building.clone().unwrap_or_default(), floor.clone().unwrap_or_default())),
    }
}

pub async fn page(
    State(store): State<Arc<dyn Store>>,
    Extension(principal): Extension<Principal>,
    Query(which): Query<Which>,
) -> Result<Markup, ApiError> {
    let locale = &principal.locale;
    let since = Timestamp::now() - LOOKBACK;
    let assets = store.list_assets().await?;
    let all_floors = floors(&assets);
    let chosen = choose(&all_floors, &which);
    let alerts = store.list_alerts(AlertQuery { from: Some(since), limit: 1000, ..Default::default() }).await?;
    let incidents: Vec<_> = store
        .list_incidents(IncidentQuery { open_only: true, limit: 1000, ..Default::default() })
        .await?
        .into_iter()
        .map(|stored| stored.incident)
        .collect();
    let events = store
        .query_events(EventQuery {
            from: Some(since),
            domain: Some(Domain::Physical),
            limit: 1000,
            ..Default::default()
        })
        .await?
        .events;
    let kinds: BTreeMap<&str, AssetKind> = assets.iter().map(|a| (a.id.as_str(), a.kind)).collect();
    let doors = door_states(|id| kinds.get(id).copied(), &events);
    let situation = Situation::new(&assets, &alerts, &incidents);
    let building_names: BTreeMap<&str, &str> = assets
        .iter()
        .filter(|a| a.kind == AssetKind::Building)
        .filter_map(|a| Some((a.location.building.as_deref()?, a.name.as_str())))
        .collect();
    let name_of = |building: &str| building_names.get(building).copied().unwrap_or(building).to_owned();
    let current = chosen.as_ref().ok().cloned().flatten();
    let mut by_building: BTreeMap<&str, Vec<&FloorKey>> = BTreeMap::new();
    for floor in &all_floors {
        by_building.entry(&floor.building).or_default().push(floor);
    }

    let content = html! {
        nav aria-label=(locale.text("plan-floors")) {
            ul.floors {
                @for (building, floors) in &by_building {
                    li { span.building { (name_of(building)) } ": "
                        @for floor in floors {
                            @let count = situation.alerts_on(floor);
                            a.floor-tab href={ "/plan?building=" (building) "&floor=" (floor.floor) }
                                data-floor={ (building) "/" (floor.floor) }
                                aria-current=[(current.as_ref() == Some(*floor)).then_some("page")] {
                                (locale.text_with("plan-floor-tab", &[("floor", floor.floor.as_str().into())]))
                                @if count > 0 {
                                    " " span.badge data-alerts=(count) { (locale.text_with("plan-floor-alerts", &[("count", count.into())])) }
                                }
                            }
                            " "
                        }
                    }
                }
            }
        }
        @match &chosen {
            Err((building, floor)) => {
                p.error role="alert" id="plan-error" {
                    (locale.text_with("plan-unknown-floor", &[("building", building.as_str().into()), ("floor", floor.as_str().into())]))
                }
            }
            Ok(None) => { p.calm { (locale.text("plan-no-plan")) } }
            Ok(Some(floor)) => {
                @let building = name_of(&floor.building);
                h2 id="plan-floor" { (locale.text_with("plan-header", &[("floor", floor.floor.as_str().into()), ("building", building.as_str().into())])) }
                div.plan-view {
                    (drawing(locale, &assets, floor, &building, &situation, &doors))
                    (legend(locale))
                }
                (rooms_with_alerts(locale, &assets, floor, &situation))
                (devices_table(locale, &assets, floor, &situation, &doors))
            }
        }
    };
    Ok(shell(&locale.text("plan-title"), &principal, "/plan", content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Location;

    fn floor(path: &str) -> FloorKey {
        FloorKey::of(&Location::from_path(path)).unwrap_or_else(|| panic!("floor {path}"))
    }

    #[test]
    fn the_floor_asked_for_else_the_first_and_an_unknown_one_is_refused() {
        let floors: BTreeSet<FloorKey> = [floor("hq/main/-1"), floor("hq/main/0"), floor("hq/tech/1")].into();
        let ask = |b: Option<&str>, f: Option<&str>| {
            choose(&floors, &Which { building: b.map(Into::into), floor: f.map(Into::into) })
        };
        assert_eq!(ask(None, None), Ok(Some(floor("hq/main/-1"))));
        assert_eq!(ask(Some("tech"), None), Ok(Some(floor("hq/tech/1"))));
        assert_eq!(ask(Some("main"), Some("0")), Ok(Some(floor("hq/main/0"))));
        assert_eq!(ask(Some("tech"), Some("0")), Err(("tech".into(), "0".into())));
        assert_eq!(ask(Some("annex"), None), Err(("annex".into(), String::new())));
        assert_eq!(choose(&BTreeSet::new(), &Which::default()), Ok(None));
    }
}
