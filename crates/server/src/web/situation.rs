//! What is happening where: the last day's alerts and the open incidents
//! folded onto rooms, floors, buildings and devices of the site model, for
//! the overview and the floor plans. An alert placed only on an asset
//! counts for that asset's room; an incident is in the rooms of its place,
//! its assets and its alerts.

use std::collections::{BTreeMap, HashMap};

use safecare_model::{Alert, Asset, AssetKind, Domain, Incident, IncidentId, Location, Severity, Threat};

/// A room, whatever zone an alert or asset gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct RoomKey {
    site: Option<String>,
    building: String,
    floor: String,
    room: String,
}

impl RoomKey {
    /// The room of a location that names building, floor and room.
    pub(super) fn of(location: &Location) -> Option<Self> {
        Some(RoomKey {
            site: location.site.clone(),
            building: location.building.clone()?,
            floor: location.floor.clone()?,
            room: location.room.clone()?,
        })
    }

    /// Its floor.
    fn floor(&self) -> FloorKey {
        FloorKey { site: self.site.clone(), building: self.building.clone(), floor: self.floor.clone() }
    }
}

/// A floor of a building.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct FloorKey {
    site: Option<String>,
    /// The building's name in locations (`main`).
    pub(super) building: String,
    /// The floor's name in locations (`-1`, `0`).
    pub(super) floor: String,
}

impl FloorKey {
    /// The floor of a location that names building and floor.
    pub(super) fn of(location: &Location) -> Option<Self> {
        Some(FloorKey {
            site: location.site.clone(),
            building: location.building.clone()?,
            floor: location.floor.clone()?,
        })
    }
}

/// The open incident shown for a room: the worst, then the latest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RoomIncident {
    /// Its id, for the link.
    pub(super) id: IncidentId,
    /// Its title.
    pub(super) title: String,
    /// Its severity.
    pub(super) severity: Severity,
}

/// One building and the worst severity seen there; `None` is quiet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BuildingLevel {
    /// `site / building` as locations name them.
    pub(super) place: String,
    /// The building's name in the site model, when it has one.
    pub(super) name: Option<String>,
    /// The worst severity among its recent alerts and open incidents.
    pub(super) level: Option<Severity>,
}

/// The alerts and open incidents, placed.
#[derive(Debug, Default)]
pub(super) struct Situation {
    rooms: HashMap<RoomKey, Severity>,
    floors: HashMap<FloorKey, usize>,
    devices: HashMap<String, Severity>,
    incidents: HashMap<RoomKey, RoomIncident>,
    buildings: Vec<BuildingLevel>,
}

fn worsen(level: &mut Severity, other: Severity) {
    *level = (*level).max(other);
}

impl Situation {
    /// Places `alerts` (the recent ones) and `incidents` (the open ones)
    /// on the site model's `assets`.
    pub(super) fn new(assets: &[Asset], alerts: &[Alert], incidents: &[Incident]) -> Self {
        let location_of: HashMap<&str, &Location> = assets.iter().map(|a| (a.id.as_str(), &a.location)).collect();
        let room_of = |location: &Location, asset: Option<&str>| {
            RoomKey::of(location).or_else(|| asset.and_then(|id| location_of.get(id)).and_then(|l| RoomKey::of(l)))
        };
        let mut situation = Situation::default();
        let mut alert_rooms: HashMap<_, RoomKey> = HashMap::new();
        for alert in alerts {
            let severity = alert.severity();
            let asset = alert.safecare.asset.as_deref();
            if let Some(id) = asset {
                worsen(situation.devices.entry(id.to_owned()).or_insert(severity), severity);
            }
            let Some(room) = room_of(&alert.safecare.location, asset) else { continue };
            *situation.floors.entry(room.floor()).or_default() += 1;
            worsen(situation.rooms.entry(room.clone()).or_insert(severity), severity);
            alert_rooms.insert(alert.id, room);
        }
        for incident in incidents {
            let rooms = room_of(&incident.location, None)
                .into_iter()
                .chain(incident.assets.iter().filter_map(|id| room_of(&Location::default(), Some(id.as_str()))))
                .chain(incident.alerts.iter().filter_map(|id| alert_rooms.get(id).cloned()));
            for room in rooms {
                let shown = situation.incidents.entry(room).or_insert_with(|| RoomIncident {
                    id: incident.id,
                    title: incident.title.clone(),
                    severity: incident.severity,
                });
                if (incident.severity, incident.id) > (shown.severity, shown.id) {
                    *shown =
                        RoomIncident { id: incident.id, title: incident.title.clone(), severity: incident.severity };
                }
            }
        }
        situation.buildings = building_levels(assets, alerts, incidents);
        situation
    }

    /// The worst recent alert in a room.
    pub(super) fn room(&self, location: &Location) -> Option<Severity> {
        self.rooms.get(&RoomKey::of(location)?).copied()
    }

    /// The open incident shown for a room.
    pub(super) fn incident_in(&self, location: &Location) -> Option<&RoomIncident> {
        self.incidents.get(&RoomKey::of(location)?)
    }

    /// How many recent alerts are placed on a floor.
    pub(super) fn alerts_on(&self, floor: &FloorKey) -> usize {
        self.floors.get(floor).copied().unwrap_or(0)
    }

    /// The worst recent alert raised on an asset itself (a camera, a sensor).
    pub(super) fn device(&self, id: &str) -> Option<Severity> {
        self.devices.get(id).copied()
    }

    /// Every building of the site model and every other building alerts
    /// or incidents name, each with its level (quiet ones too).
    pub(super) fn buildings(&self) -> &[BuildingLevel] {
        &self.buildings
    }
}

fn building_place(location: &Location) -> Option<String> {
    Some(format!("{} / {}", location.site.as_deref().unwrap_or("?"), location.building.as_deref()?))
}

fn building_levels(assets: &[Asset], alerts: &[Alert], incidents: &[Incident]) -> Vec<BuildingLevel> {
    let mut levels: BTreeMap<String, BuildingLevel> = BTreeMap::new();
    for building in assets.iter().filter(|a| a.kind == AssetKind::Building) {
        let Some(place) = building_place(&building.location) else { continue };
        levels.insert(place.clone(), BuildingLevel { place, name: Some(building.name.clone()), level: None });
    }
    let seen = alerts
        .iter()
        .map(|a| (&a.safecare.location, a.severity()))
        .chain(incidents.iter().map(|i| (&i.location, i.severity)));
    for (location, severity) in seen {
        let Some(place) = building_place(location) else { continue };
        let entry = levels.entry(place.clone()).or_insert_with(|| BuildingLevel { place, name: None, level: None });
        entry.level = Some(entry.level.map_or(severity, |l| l.max(severity)));
    }
    levels.into_values().collect()
}

/// Threats a guard answers whatever system saw them (a fire seen by the
/// building management system is still a guard's).
pub(super) const PHYSICAL_THREATS: [Threat; 4] =
    [Threat::Fire, Threat::Flood, Threat::ForcedEntry, Threat::UnauthorizedAccess];

/// Whether an alert is a guard's to answer: physical security (doors,
/// intrusion, video, panic) or one of [`PHYSICAL_THREATS`].
pub(super) fn is_physical(alert: &Alert) -> bool {
    alert.safecare.domains.contains(&Domain::Physical)
        || alert.safecare.threat.as_deref().and_then(Threat::named).is_some_and(|t| PHYSICAL_THREATS.contains(&t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn asset(id: &str, kind: &str, path: &str) -> Asset {
        serde_json::from_value(json!({"id": id, "name": format!("{id} name"), "kind": kind,
            "location": Location::from_path(path)}))
        .unwrap_or_else(|e| panic!("asset: {e}"))
    }

    fn alert(severity: Severity, path: &str, asset: Option<&str>) -> Alert {
        let mut alert = Alert::new("test", severity);
        alert.safecare.location = Location::from_path(path);
        alert.safecare.asset = asset.map(|a| a.to_owned().into());
        alert
    }

    fn model() -> Vec<Asset> {
        vec![
            asset("bld-main", "building", "hq/main"),
            asset("bld-tech", "building", "hq/tech"),
            asset("rm-1", "room", "hq/main/0/pharmacy/0.12"),
            asset("cam-1", "sensor", "hq/main/0/pharmacy/0.12"),
        ]
    }

    #[test]
    fn every_building_is_listed_and_quiet_ones_have_no_level() {
        let alerts =
            vec![alert(Severity::High, "hq/main/0/pharmacy/0.12", None), alert(Severity::Low, "hq/annex", None)];
        let situation = Situation::new(&model(), &alerts, &[]);
        let levels: Vec<(&str, Option<Severity>)> =
            situation.buildings().iter().map(|b| (b.place.as_str(), b.level)).collect();
        assert_eq!(
            levels,
            vec![("hq / annex", Some(Severity::Low)), ("hq / main", Some(Severity::High)), ("hq / tech", None)]
        );
        assert_eq!(situation.buildings()[2].name.as_deref(), Some("bld-tech name"));
    }

    #[test]
    fn an_alert_on_an_asset_counts_for_its_room_and_floor_whatever_its_zone() {
        let alerts = vec![
            alert(Severity::Medium, "hq", Some("cam-1")),
            alert(Severity::Critical, "hq/main/0/_/0.12", None),
            alert(Severity::Low, "hq/main/1/ward/1.01", None),
        ];
        let situation = Situation::new(&model(), &alerts, &[]);
        let room = Location::from_path("hq/main/0/pharmacy/0.12");
        assert_eq!(situation.room(&room), Some(Severity::Critical));
        assert_eq!(situation.device("cam-1"), Some(Severity::Medium));
        let floor = |f: &str| FloorKey::of(&Location::from_path(&format!("hq/main/{f}"))).unwrap_or_else(|| panic!());
        assert_eq!(situation.alerts_on(&floor("0")), 2);
        assert_eq!(situation.alerts_on(&floor("1")), 1);
        assert_eq!(situation.alerts_on(&floor("2")), 0);
    }

    #[test]
    fn a_room_links_to_the_worst_open_incident_of_its_alerts() {
        let raised = alert(Severity::High, "hq/main/0/pharmacy/0.12", None);
        let mut minor = Incident::new("minor", Severity::Low);
        minor.location = Location::from_path("hq/main/0/pharmacy/0.12");
        let mut grave = Incident::new("grave", Severity::High);
        grave.location = Location::from_path("hq/main");
        grave.alerts = vec![raised.id];
        let situation = Situation::new(&model(), &[raised], &[minor, grave.clone()]);
        let shown = situation.incident_in(&Location::from_path("hq/main/0/pharmacy/0.12"));
        assert_eq!(shown.map(|i| i.id), Some(grave.id));
        assert_eq!(situation.incident_in(&Location::from_path("hq/main/0/pharmacy/0.13")), None);
    }

    #[test]
    fn door_and_fire_alerts_are_physical_and_it_alerts_are_not() {
        let mut door = alert(Severity::High, "hq", None);
        door.safecare.domains = vec![Domain::Physical];
        let mut fire = alert(Severity::High, "hq", None);
        fire.safecare.domains = vec![Domain::Building];
        fire.safecare.threat = Some("fire".into());
        let mut malware = alert(Severity::High, "hq", None);
        malware.safecare.domains = vec![Domain::Cyber];
        malware.safecare.threat = Some("ransomware".into());
        assert!(is_physical(&door));
        assert!(is_physical(&fire));
        assert!(!is_physical(&malware));
    }
}
