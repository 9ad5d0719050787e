//! Where something is: site > building > floor > zone > room.

use serde::{Deserialize, Serialize};

/// A place in the hospital, from the coarsest level down.
///
/// Every level is optional, so an event can be placed as precisely as its
/// source knows (a syslog line may only name the site; a door controller
/// knows the room). Zones group rooms on a floor (for example the restricted
/// pharmacy zone); a room may be given without a zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Location {
    /// The site (campus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The building.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// The floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// The zone of rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

/// Stands for a missing zone in a path whose room is known, so that a room's
/// path still sorts under its floor.
const NO_ZONE: &str = "_";

impl Location {
    /// True when no level is known.
    pub fn is_empty(&self) -> bool {
        self.levels().iter().all(Option::is_none)
    }

    fn levels(&self) -> [Option<&str>; 5] {
        [
            self.site.as_deref(),
            self.building.as_deref(),
            self.floor.as_deref(),
            self.zone.as_deref(),
            self.room.as_deref(),
        ]
    }

    /// The location as a `/`-separated path from the site down, stopping at
    /// the first unknown level (a room without a zone keeps its room, under
    /// `_`). Paths nest: a room's path starts with its floor's path, which is
    /// what lets the store answer "everything on this floor" with a prefix.
    pub fn path(&self) -> String {
        let levels = self.levels();
        let mut parts: Vec<&str> = Vec::with_capacity(5);
        for (depth, level) in levels.iter().enumerate() {
            match level {
                Some(name) => parts.push(name),
                None if depth == 3 && levels[4].is_some() => parts.push(NO_ZONE),
                None => break,
            }
        }
        parts.join("/")
    }

    /// Parses a path made by [`Location::path`].
    pub fn from_path(path: &str) -> Self {
        let mut parts = path.split('/').filter(|p| !p.is_empty()).map(str::to_owned);
        let mut next = || parts.next();
        let site = next();
        let building = next();
        let floor = next();
        let zone = next().filter(|z| z != NO_ZONE);
        let room = next();
        Location { site, building, floor, zone, room }
    }

    /// True when `self` lies within `outer` (equal, or deeper on the same
    /// branch).
    pub fn within(&self, outer: &Location) -> bool {
        let outer_path = outer.path();
        let path = self.path();
        outer_path.is_empty()
            || path == outer_path
            || path.strip_prefix(&outer_path).is_some_and(|rest| rest.starts_with('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(parts: [Option<&str>; 5]) -> Location {
        let [site, building, floor, zone, room] = parts.map(|p| p.map(str::to_owned));
        Location { site, building, floor, zone, room }
    }

    #[test]
    fn path_nests_and_parses_back() {
        let room = loc([Some("hq"), Some("main"), Some("2"), Some("pharmacy"), Some("2.14")]);
        assert_eq!(room.path(), "hq/main/2/pharmacy/2.14");
        assert_eq!(Location::from_path(&room.path()), room);

        let floor = loc([Some("hq"), Some("main"), Some("2"), None, None]);
        assert!(room.within(&floor));
        assert!(!floor.within(&room));
        assert!(room.within(&Location::default()));

        let other = loc([Some("hq"), Some("main"), Some("20"), None, None]);
        assert!(!other.within(&floor), "floor 20 is not inside floor 2");
    }

    #[test]
    fn room_without_zone_keeps_its_room() {
        let room = loc([Some("hq"), Some("main"), Some("1"), None, Some("1.01")]);
        assert_eq!(room.path(), "hq/main/1/_/1.01");
        assert_eq!(Location::from_path(&room.path()), room);
    }

    #[test]
    fn empty_location_has_empty_path() {
        assert!(Location::default().is_empty());
        assert_eq!(Location::default().path(), "");
    }
}
