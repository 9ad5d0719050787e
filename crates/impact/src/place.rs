//! Where a place of the site model is on the map: the building's (or
//! site's) footprint, and a circle around the room or zone drawn from its
//! floor-plan rectangles (`attributes.plan`) through the floor's, or else
//! the building's, geo-reference. This is what responders are sent to.

use safecare_model::{Asset, AssetKind, LatLon, Location, PlanTransform, distance_m};

use crate::Inventory;

/// A place's geometry on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceGeometry {
    /// The place in words, most precise first
    /// (`LV switchroom (0.01), Technical building, General Hospital`).
    pub description: String,
    /// Footprints: the building's, or the site's when no building is known.
    pub polygons: Vec<Vec<LatLon>>,
    /// Circles (centre, radius in km) around the room or zone, when its plan is geo-referenced.
    pub circles: Vec<(LatLon, f64)>,
}

/// One room rectangle of a floor plan, in metres.
fn plan_rect(asset: &Asset) -> Option<[f64; 4]> {
    let plan = asset.attributes.get("plan")?;
    let n = |k: &str| plan.get(k).and_then(serde_json::Value::as_f64);
    Some([n("x")?, n("y")?, n("w").unwrap_or(0.0), n("h").unwrap_or(0.0)])
}

/// Rounded to about 1 cm: the map does not know better, and the XML stays readable.
fn round(p: LatLon) -> LatLon {
    let r = |v: f64| (v * 1e7).round() / 1e7;
    LatLon { lat: r(p.lat), lon: r(p.lon) }
}

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    a.is_some() && a == b
}

impl Inventory {
    fn place(&self, kind: AssetKind, matches: impl Fn(&Location) -> bool) -> Option<&Asset> {
        self.assets().iter().find(|a| a.kind == kind && matches(&a.location))
    }

    /// The geometry of a location (a room, zone, floor, building or site),
    /// or none when nothing of it is geo-referenced.
    pub fn geometry_of(&self, at: &Location) -> Option<PlaceGeometry> {
        let site = self.place(AssetKind::Site, |l| same(&l.site, &at.site));
        let building = self.place(AssetKind::Building, |l| same(&l.site, &at.site) && same(&l.building, &at.building));
        let on_floor =
            |l: &Location| same(&l.site, &at.site) && same(&l.building, &at.building) && same(&l.floor, &at.floor);
        let floor = self.place(AssetKind::Floor, |l| on_floor(l) && l.zone.is_none() && l.room.is_none());
        let footprint =
            |a: Option<&Asset>| a.and_then(|a| a.geo.as_ref()).map(|g| g.footprint.clone()).filter(|f| !f.is_empty());
        let polygon = footprint(building).or_else(|| if at.building.is_none() { footprint(site) } else { None });
        let transform: Option<PlanTransform> = [floor, building]
            .into_iter()
            .flatten()
            .find_map(|a| a.geo.as_ref().filter(|g| !g.control_points.is_empty()).and_then(|g| g.transform()));
        let room =
            at.room.as_ref().and_then(|_| self.place(AssetKind::Room, |l| on_floor(l) && same(&l.room, &at.room)));
        let rects: Vec<[f64; 4]> = match (room, &at.zone) {
            (Some(room), _) => plan_rect(room).into_iter().collect(),
            (None, Some(_)) => self
                .assets()
                .iter()
                .filter(|a| a.kind == AssetKind::Room && on_floor(&a.location) && same(&a.location.zone, &at.zone))
                .filter_map(plan_rect)
                .collect(),
            (None, None) => Vec::new(),
        };
        let circle = transform.and_then(|t| circle_around(&t, &rects));
        if polygon.is_none() && circle.is_none() {
            return None;
        }
        let zone = at
            .zone
            .as_ref()
            .and_then(|_| self.place(AssetKind::Zone, |l| on_floor(l) && same(&l.zone, &at.zone) && l.room.is_none()));
        let mut words: Vec<String> = Vec::new();
        if let Some(room) = room {
            words.push(format!("{} ({})", room.name, room.location.room.as_deref().unwrap_or_default()));
        }
        words.extend([zone, floor, building, site].into_iter().flatten().map(|a| a.name.clone()));
        if words.is_empty() {
            words.push(at.path());
        }
        Some(PlaceGeometry {
            description: words.join(", "),
            polygons: polygon.into_iter().collect(),
            circles: circle.into_iter().collect(),
        })
    }
}

/// The smallest circle around the rectangles' corners centred on their
/// bounding box (enough for a room or a zone; not the minimal circle).
fn circle_around(transform: &PlanTransform, rects: &[[f64; 4]]) -> Option<(LatLon, f64)> {
    let corners: Vec<(f64, f64)> =
        rects.iter().flat_map(|&[x, y, w, h]| [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]).collect();
    if corners.is_empty() {
        return None;
    }
    let (min_x, max_x) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| (lo.min(c.0), hi.max(c.0)));
    let (min_y, max_y) = corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| (lo.min(c.1), hi.max(c.1)));
    let centre = transform.apply((min_x + max_x) / 2.0, (min_y + max_y) / 2.0);
    let radius_m = corners.iter().map(|&(x, y)| distance_m(centre, transform.apply(x, y))).fold(0.0, f64::max);
    // A door or a point-sized room still gets a few metres around it.
    let radius_km = radius_m.max(5.0).round() / 1000.0;
    Some((round(centre), radius_km))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(id: &str, kind: AssetKind, path: &str, extra: serde_json::Value) -> Asset {
        let mut value = serde_json::json!({"id": id, "name": id, "kind": kind.as_str()});
        if let (Some(obj), Some(more)) = (value.as_object_mut(), extra.as_object()) {
            obj.extend(more.clone());
        }
        let mut asset: Asset = serde_json::from_value(value).unwrap();
        asset.location = Location::from_path(path);
        asset
    }

    #[test]
    fn a_room_gets_its_building_footprint_and_a_circle_from_the_plan() {
        let footprint = serde_json::json!([
            {"lat": 50.0, "lon": 4.0}, {"lat": 50.0, "lon": 4.001}, {"lat": 49.9998, "lon": 4.001},
            {"lat": 49.9998, "lon": 4.0}, {"lat": 50.0, "lon": 4.0}
        ]);
        let building = asset(
            "b",
            AssetKind::Building,
            "s/b",
            serde_json::json!({"geo": {"footprint": footprint, "control_points": [
                {"x": 0, "y": 0, "lat": 50.0, "lon": 4.0}, {"x": 71.5, "y": 0, "lat": 50.0, "lon": 4.001}]}}),
        );
        let room = asset(
            "r",
            AssetKind::Room,
            "s/b/0/_/0.01",
            serde_json::json!({"attributes": {"plan": {"x": 0, "y": 0, "w": 10, "h": 8}}}),
        );
        let inventory = Inventory::new(vec![building, room], vec![]).unwrap();
        let g = inventory.geometry_of(&Location::from_path("s/b/0/_/0.01")).unwrap();
        assert_eq!(g.polygons.len(), 1);
        assert_eq!(g.polygons[0].len(), 5);
        let (centre, radius) = g.circles[0];
        // 5 m east and 4 m south of the building's north-west corner.
        assert!(centre.lat < 50.0 && centre.lon > 4.0, "{centre:?}");
        assert!((0.005..0.008).contains(&radius), "half the room's diagonal, {radius} km");
        assert!(g.description.starts_with("r (0.01)"), "{}", g.description);
        assert!(inventory.geometry_of(&Location::from_path("other/x")).is_none());
    }
}
