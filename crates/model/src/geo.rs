//! Where a place is on the Earth: WGS84 footprints of sites and buildings,
//! and the geo-reference that turns floor-plan metres (`attributes.plan`,
//! x to the right and y downwards as the plan is drawn) into latitude and
//! longitude.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in metres (the sphere is precise enough across a
/// campus: the error is far below a room's width).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatLon {
    /// Latitude, -90 to 90.
    pub lat: f64,
    /// Longitude, -180 to 180.
    pub lon: f64,
}

/// One point known both on the plan (metres) and on the Earth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlPoint {
    /// Plan x in metres (to the right).
    pub x: f64,
    /// Plan y in metres (downwards, as drawn).
    pub y: f64,
    /// Latitude of that point.
    pub lat: f64,
    /// Longitude of that point.
    pub lon: f64,
}

/// How far from its building's outline an entrance may be, in metres: a
/// porch or a ramp, not another building.
pub const ENTRANCE_TOLERANCE_M: f64 = 5.0;

/// A named place on the map: an entrance, an assembly point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoPoint {
    /// What responders and staff call it ("North entrance, ED ambulance bay").
    pub name: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

impl GeoPoint {
    /// Its position.
    pub fn position(&self) -> LatLon {
        LatLon { lat: self.lat, lon: self.lon }
    }
}

/// An asset's geography: a footprint on the map (sites, buildings), the
/// control points geo-referencing its floor plans (buildings, floors), a
/// building's entrances and a site's assembly points.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geo {
    /// The outline, closed (the last point repeats the first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub footprint: Vec<LatLon>,
    /// Two (similarity: rotation, scale, shift) or three (affine) points
    /// tying the plan's metres to the map.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control_points: Vec<ControlPoint>,
    /// Where responders get in: on the footprint's outline (within
    /// [`ENTRANCE_TOLERANCE_M`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entrances: Vec<GeoPoint>,
    /// Where people gather when evacuated: inside the footprint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assembly_points: Vec<GeoPoint>,
}

/// What is wrong with a geography.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    /// A latitude outside [-90, 90] or not a number.
    #[error("{at}: latitude {value} is outside -90..90")]
    Latitude {
        /// Which point (`footprint[2]`, `control_points[0]`).
        at: String,
        /// The value given.
        value: f64,
    },
    /// A longitude outside [-180, 180] or not a number.
    #[error("{at}: longitude {value} is outside -180..180")]
    Longitude {
        /// Which point.
        at: String,
        /// The value given.
        value: f64,
    },
    /// A plan coordinate that is not a finite number.
    #[error("{at}: plan coordinate is not a finite number")]
    PlanCoordinate {
        /// Which point.
        at: String,
    },
    /// A footprint with fewer than four points (a triangle plus its closing point).
    #[error("footprint has {0} point(s); a closed polygon needs at least 4 (the last repeating the first)")]
    TooFewPoints(usize),
    /// The last point of a footprint is not its first.
    #[error("footprint is not closed: its last point must repeat its first")]
    NotClosed,
    /// A footprint with no area (its points on one line or repeated).
    #[error("footprint is degenerate: its points enclose no area")]
    Degenerate,
    /// Not two or three control points.
    #[error("{0} control point(s); a plan is geo-referenced by 2 or 3")]
    ControlPointCount(usize),
    /// Control points on one line (three) or at one place (two), on the
    /// plan or on the map: no transform follows from them.
    #[error("control points are collinear or coincide (on the plan or on the map): no transform follows from them")]
    CollinearControlPoints,
    /// Entrances or assembly points without a footprint to place them against.
    #[error("{0} need a footprint to be checked against")]
    PointsWithoutFootprint(&'static str),
    /// An entrance or assembly point without a name, or with another's.
    #[error("{at}: `{name}` is empty or repeated; each point needs its own name")]
    PointName {
        /// Which point (`entrances[1]`).
        at: String,
        /// The name given.
        name: String,
    },
    /// An entrance away from its building's outline.
    #[error("entrance `{name}` is {metres:.1} m from the footprint's outline; at most {ENTRANCE_TOLERANCE_M} m")]
    EntranceOffOutline {
        /// The entrance.
        name: String,
        /// How far it is.
        metres: f64,
    },
    /// An assembly point outside the site.
    #[error("assembly point `{0}` is outside the footprint")]
    AssemblyOutside(String),
}

/// Plan metres to WGS84: an affine map from the plan to local east/north
/// metres around `origin`, then to degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanTransform {
    origin: LatLon,
    /// east = m[0] x + m[1] y + m[2]; north = m[3] x + m[4] y + m[5].
    m: [f64; 6],
}

fn valid_lat(lat: f64) -> bool {
    lat.is_finite() && (-90.0..=90.0).contains(&lat)
}

fn valid_lon(lon: f64) -> bool {
    lon.is_finite() && (-180.0..=180.0).contains(&lon)
}

fn check_position(at: String, lat: f64, lon: f64) -> Result<(), GeoError> {
    if !valid_lat(lat) {
        return Err(GeoError::Latitude { at, value: lat });
    }
    if !valid_lon(lon) {
        return Err(GeoError::Longitude { at, value: lon });
    }
    Ok(())
}

/// Local east/north metres of `p` around `origin` (equirectangular: exact
/// enough over the few hundred metres of a campus).
fn to_local(origin: LatLon, p: LatLon) -> (f64, f64) {
    let k = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    ((p.lon - origin.lon) * k * origin.lat.to_radians().cos(), (p.lat - origin.lat) * k)
}

fn from_local(origin: LatLon, east: f64, north: f64) -> LatLon {
    let k = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    LatLon { lat: origin.lat + north / k, lon: origin.lon + east / (k * origin.lat.to_radians().cos()) }
}

/// Twice the signed area of the triangle (a, b, c).
fn cross(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
    (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)
}

/// Whether three points are too close to one line to fix a transform: the
/// triangle's area is tiny next to its longest side squared.
fn collinear(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> bool {
    let longest = dist2(a, b).max(dist2(b, c)).max(dist2(a, c));
    longest == 0.0 || cross(a, b, c).abs() <= 1e-6 * longest
}

/// The area of a closed polygon in square metres (shoelace over local metres).
pub fn polygon_area_m2(points: &[LatLon]) -> f64 {
    let Some(&origin) = points.first() else { return 0.0 };
    let local: Vec<(f64, f64)> = points.iter().map(|&p| to_local(origin, p)).collect();
    local.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum::<f64>().abs() / 2.0
}

/// The distance in metres between two positions (haversine).
pub fn distance_m(a: LatLon, b: LatLon) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dp, dl) = ((b.lat - a.lat).to_radians(), (b.lon - a.lon).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

impl Geo {
    /// Checks every coordinate, the footprint's shape and the control points.
    pub fn check(&self) -> Result<(), GeoError> {
        for (i, p) in self.footprint.iter().enumerate() {
            check_position(format!("footprint[{i}]"), p.lat, p.lon)?;
        }
        if !self.footprint.is_empty() {
            check_footprint(&self.footprint)?;
        }
        for (i, c) in self.control_points.iter().enumerate() {
            check_position(format!("control_points[{i}]"), c.lat, c.lon)?;
            if !c.x.is_finite() || !c.y.is_finite() {
                return Err(GeoError::PlanCoordinate { at: format!("control_points[{i}]") });
            }
        }
        if !self.control_points.is_empty() {
            PlanTransform::from_control_points(&self.control_points)?;
        }
        self.check_points()
    }

    fn check_points(&self) -> Result<(), GeoError> {
        for (field, points) in [("entrances", &self.entrances), ("assembly_points", &self.assembly_points)] {
            if !points.is_empty() && self.footprint.is_empty() {
                return Err(GeoError::PointsWithoutFootprint(field));
            }
            for (i, p) in points.iter().enumerate() {
                let at = format!("{field}[{i}]");
                check_position(at.clone(), p.lat, p.lon)?;
                let name = p.name.trim();
                if name.is_empty() || points[..i].iter().any(|q| q.name.trim() == name) {
                    return Err(GeoError::PointName { at, name: p.name.clone() });
                }
            }
        }
        for entrance in &self.entrances {
            let metres = distance_to_outline_m(&self.footprint, entrance.position());
            if metres > ENTRANCE_TOLERANCE_M {
                return Err(GeoError::EntranceOffOutline { name: entrance.name.clone(), metres });
            }
        }
        match self.assembly_points.iter().find(|p| !contains(&self.footprint, p.position())) {
            Some(outside) => Err(GeoError::AssemblyOutside(outside.name.clone())),
            None => Ok(()),
        }
    }

    /// The plan transform, when control points are given (and valid).
    pub fn transform(&self) -> Option<PlanTransform> {
        PlanTransform::from_control_points(&self.control_points).ok()
    }
}

/// Whether `p` lies inside the closed polygon `outline` (even-odd rule
/// over local metres).
pub fn contains(outline: &[LatLon], p: LatLon) -> bool {
    let Some(&origin) = outline.first() else { return false };
    let (px, py) = to_local(origin, p);
    let local: Vec<(f64, f64)> = outline.iter().map(|&q| to_local(origin, q)).collect();
    let mut inside = false;
    for w in local.windows(2) {
        let ((ax, ay), (bx, by)) = (w[0], w[1]);
        if (ay > py) != (by > py) && px < ax + (py - ay) * (bx - ax) / (by - ay) {
            inside = !inside;
        }
    }
    inside
}

/// The distance in metres from `p` to the nearest edge of `outline`.
pub fn distance_to_outline_m(outline: &[LatLon], p: LatLon) -> f64 {
    let Some(&origin) = outline.first() else { return f64::INFINITY };
    let q = to_local(origin, p);
    let local: Vec<(f64, f64)> = outline.iter().map(|&o| to_local(origin, o)).collect();
    local
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let len2 = dist2(a, b);
            let t = if len2 == 0.0 {
                0.0
            } else {
                (((q.0 - a.0) * (b.0 - a.0) + (q.1 - a.1) * (b.1 - a.1)) / len2).clamp(0.0, 1.0)
            };
            dist2(q, (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

fn check_footprint(points: &[LatLon]) -> Result<(), GeoError> {
    if points.len() < 4 {
        return Err(GeoError::TooFewPoints(points.len()));
    }
    if points.first() != points.last() {
        return Err(GeoError::NotClosed);
    }
    // Below a square metre a "building" is a typing slip, not a footprint.
    if polygon_area_m2(points) < 1.0 {
        return Err(GeoError::Degenerate);
    }
    Ok(())
}

impl PlanTransform {
    /// The transform fixed by two control points (rotation, uniform scale
    /// and shift, the plan's y axis pointing south of its x axis as drawn)
    /// or three (any affine map).
    pub fn from_control_points(points: &[ControlPoint]) -> Result<Self, GeoError> {
        let origin = match points.first() {
            Some(first) => LatLon { lat: first.lat, lon: first.lon },
            None => return Err(GeoError::ControlPointCount(0)),
        };
        let plan: Vec<(f64, f64)> = points.iter().map(|c| (c.x, c.y)).collect();
        let map: Vec<(f64, f64)> = points.iter().map(|c| to_local(origin, LatLon { lat: c.lat, lon: c.lon })).collect();
        match points.len() {
            2 => {
                if dist2(plan[0], plan[1]) == 0.0 || dist2(map[0], map[1]) == 0.0 {
                    return Err(GeoError::CollinearControlPoints);
                }
                Ok(PlanTransform { origin, m: similarity(&plan, &map) })
            }
            3 => {
                if collinear(plan[0], plan[1], plan[2]) || collinear(map[0], map[1], map[2]) {
                    return Err(GeoError::CollinearControlPoints);
                }
                Ok(PlanTransform { origin, m: affine(&plan, &map) })
            }
            n => Err(GeoError::ControlPointCount(n)),
        }
    }

    /// The WGS84 position of plan point (x, y).
    pub fn apply(&self, x: f64, y: f64) -> LatLon {
        let m = &self.m;
        from_local(self.origin, m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5])
    }

    /// Metres on the map per plan metre (1 for a true-scale plan).
    pub fn scale(&self) -> f64 {
        let m = &self.m;
        ((m[0] * m[4] - m[1] * m[3]).abs()).sqrt()
    }
}

/// Rotation, scale and shift taking the plan (with y flipped: the plan's y
/// grows downwards, north grows up) onto the map through two points.
fn similarity(plan: &[(f64, f64)], map: &[(f64, f64)]) -> [f64; 6] {
    // In complex numbers: w = a * conj-flipped z + b, with z = x - i y.
    let (zx, zy) = (plan[1].0 - plan[0].0, -(plan[1].1 - plan[0].1));
    let (wx, wy) = (map[1].0 - map[0].0, map[1].1 - map[0].1);
    let d = zx * zx + zy * zy;
    let (ar, ai) = ((wx * zx + wy * zy) / d, (wy * zx - wx * zy) / d);
    // east + i north = (ar + i ai)(x - i y) + b
    let (m0, m1, m3, m4) = (ar, ai, ai, -ar);
    let b_e = map[0].0 - (m0 * plan[0].0 + m1 * plan[0].1);
    let b_n = map[0].1 - (m3 * plan[0].0 + m4 * plan[0].1);
    [m0, m1, b_e, m3, m4, b_n]
}

/// The affine map through three non-collinear point pairs (Cramer's rule).
fn affine(plan: &[(f64, f64)], map: &[(f64, f64)]) -> [f64; 6] {
    let det = cross(plan[0], plan[1], plan[2]);
    let solve = |v: [f64; 3]| {
        let (x, y) = ([plan[0].0, plan[1].0, plan[2].0], [plan[0].1, plan[1].1, plan[2].1]);
        let a = (v[0] * (y[1] - y[2]) + v[1] * (y[2] - y[0]) + v[2] * (y[0] - y[1])) / det;
        let b = (v[0] * (x[2] - x[1]) + v[1] * (x[0] - x[2]) + v[2] * (x[1] - x[0])) / det;
        let c = v[0] - a * x[0] - b * y[0];
        (a, b, c)
    };
    let (e0, e1, e2) = solve([map[0].0, map[1].0, map[2].0]);
    let (n0, n1, n2) = solve([map[0].1, map[1].1, map[2].1]);
    [e0, e1, e2, n0, n1, n2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(x: f64, y: f64, lat: f64, lon: f64) -> ControlPoint {
        ControlPoint { x, y, lat, lon }
    }

    fn close(a: LatLon, b: LatLon) -> bool {
        let (e, n) = to_local(a, b);
        e.hypot(n) < 0.01
    }

    /// Three points of a north-up, true-scale plan whose origin is at
    /// (50.0, 4.0): 100 m east and 100 m south of it.
    fn north_up() -> Vec<ControlPoint> {
        let east = from_local(LatLon { lat: 50.0, lon: 4.0 }, 100.0, 0.0);
        let south = from_local(LatLon { lat: 50.0, lon: 4.0 }, 0.0, -100.0);
        vec![cp(0.0, 0.0, 50.0, 4.0), cp(100.0, 0.0, east.lat, east.lon), cp(0.0, 100.0, south.lat, south.lon)]
    }

    #[test]
    fn two_and_three_points_agree_on_a_north_up_plan() {
        let three = PlanTransform::from_control_points(&north_up()).unwrap();
        let two = PlanTransform::from_control_points(&north_up()[..2]).unwrap();
        let expected = from_local(LatLon { lat: 50.0, lon: 4.0 }, 30.0, -20.0);
        assert!(close(three.apply(30.0, 20.0), expected), "{:?}", three.apply(30.0, 20.0));
        assert!(close(two.apply(30.0, 20.0), expected), "{:?}", two.apply(30.0, 20.0));
        assert!((three.scale() - 1.0).abs() < 1e-9 && (two.scale() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_rotated_plan_is_followed() {
        // The plan's x axis points north: plan (10, 0) is 10 m north of the origin,
        // plan (0, 10) (downwards on the plan) 10 m east.
        let o = LatLon { lat: 45.0, lon: 7.0 };
        let north = from_local(o, 0.0, 10.0);
        let east = from_local(o, 10.0, 0.0);
        let two =
            PlanTransform::from_control_points(&[cp(0.0, 0.0, o.lat, o.lon), cp(10.0, 0.0, north.lat, north.lon)])
                .unwrap();
        assert!(close(two.apply(0.0, 10.0), east), "{:?}", two.apply(0.0, 10.0));
        let three = PlanTransform::from_control_points(&[
            cp(0.0, 0.0, o.lat, o.lon),
            cp(10.0, 0.0, north.lat, north.lon),
            cp(0.0, 10.0, east.lat, east.lon),
        ])
        .unwrap();
        assert!(close(three.apply(10.0, 10.0), from_local(o, 10.0, 10.0)));
    }

    #[test]
    fn bad_geographies_are_named() {
        let square = |last: LatLon| Geo {
            footprint: vec![
                LatLon { lat: 50.0, lon: 4.0 },
                LatLon { lat: 50.001, lon: 4.0 },
                LatLon { lat: 50.001, lon: 4.001 },
                last,
            ],
            control_points: vec![],
            ..Geo::default()
        };
        let open = square(LatLon { lat: 50.0, lon: 4.001 });
        assert_eq!(open.check(), Err(GeoError::NotClosed));
        let mut closed = open.clone();
        closed.footprint.extend([LatLon { lat: 50.0, lon: 4.0 }]);
        assert_eq!(closed.check(), Ok(()));
        let mut far = closed.clone();
        far.footprint[1].lat = 91.0;
        assert_eq!(far.check(), Err(GeoError::Latitude { at: "footprint[1]".into(), value: 91.0 }));
        let mut west = closed.clone();
        west.footprint[2].lon = -181.0;
        assert!(matches!(west.check(), Err(GeoError::Longitude { .. })));
        let flat = Geo {
            footprint: vec![
                LatLon { lat: 50.0, lon: 4.0 },
                LatLon { lat: 50.001, lon: 4.0 },
                LatLon { lat: 50.002, lon: 4.0 },
                LatLon { lat: 50.0, lon: 4.0 },
            ],
            control_points: vec![],
            ..Geo::default()
        };
        assert_eq!(flat.check(), Err(GeoError::Degenerate));
        assert_eq!(square(LatLon { lat: 50.0, lon: 4.0 }).check(), Ok(()), "a closed triangle is a footprint");
        let short = Geo { footprint: closed.footprint[..3].to_vec(), control_points: vec![], ..Geo::default() };
        assert_eq!(short.check(), Err(GeoError::TooFewPoints(3)));

        let line = Geo {
            footprint: vec![],
            control_points: vec![cp(0.0, 0.0, 50.0, 4.0), cp(10.0, 0.0, 50.0, 4.001), cp(20.0, 0.0, 50.0, 4.002)],
            ..Geo::default()
        };
        assert_eq!(line.check(), Err(GeoError::CollinearControlPoints));
        let same = Geo {
            footprint: vec![],
            control_points: vec![cp(0.0, 0.0, 50.0, 4.0), cp(0.0, 0.0, 50.1, 4.0)],
            ..Geo::default()
        };
        assert_eq!(same.check(), Err(GeoError::CollinearControlPoints));
        let one = Geo { footprint: vec![], control_points: vec![cp(0.0, 0.0, 50.0, 4.0)], ..Geo::default() };
        assert_eq!(one.check(), Err(GeoError::ControlPointCount(1)));
    }

    #[test]
    fn entrances_sit_on_the_outline_and_assembly_points_inside() {
        // A 100 m x 100 m square, north-up.
        let o = LatLon { lat: 50.0, lon: 4.0 };
        let corner = |e: f64, n: f64| from_local(o, e, n);
        let footprint =
            vec![corner(0.0, 0.0), corner(100.0, 0.0), corner(100.0, 100.0), corner(0.0, 100.0), corner(0.0, 0.0)];
        let point = |name: &str, e: f64, n: f64| {
            let p = corner(e, n);
            GeoPoint { name: name.into(), lat: p.lat, lon: p.lon }
        };
        let geo = Geo {
            footprint: footprint.clone(),
            entrances: vec![point("South door", 50.0, -2.0), point("East door", 100.0, 30.0)],
            assembly_points: vec![point("Car park", 20.0, 20.0)],
            ..Geo::default()
        };
        assert_eq!(geo.check(), Ok(()));
        assert!((distance_to_outline_m(&footprint, corner(50.0, -2.0)) - 2.0).abs() < 0.01);
        assert!(contains(&footprint, corner(20.0, 20.0)) && !contains(&footprint, corner(120.0, 20.0)));

        let mut far = geo.clone();
        far.entrances[1] = point("East door", 120.0, 30.0);
        assert!(
            matches!(far.check(), Err(GeoError::EntranceOffOutline { ref name, metres }) if name == "East door" && (metres - 20.0).abs() < 0.1)
        );
        let mut outside = geo.clone();
        outside.assembly_points[0] = point("Car park", 150.0, 20.0);
        assert_eq!(outside.check(), Err(GeoError::AssemblyOutside("Car park".into())));
        let mut twice = geo.clone();
        twice.entrances[1].name = "South door".into();
        assert!(matches!(twice.check(), Err(GeoError::PointName { ref at, .. }) if at == "entrances[1]"));
        let mut blank = geo.clone();
        blank.assembly_points[0].name = " ".into();
        assert!(matches!(blank.check(), Err(GeoError::PointName { .. })));
        let mut off_globe = geo.clone();
        off_globe.entrances[0].lat = 95.0;
        assert!(matches!(off_globe.check(), Err(GeoError::Latitude { ref at, .. }) if at == "entrances[0]"));
        let bare = Geo { entrances: geo.entrances.clone(), ..Geo::default() };
        assert_eq!(bare.check(), Err(GeoError::PointsWithoutFootprint("entrances")));
    }
}
