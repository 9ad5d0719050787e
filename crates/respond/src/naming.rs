//! An incident's name: what is happening and where ("BMS tampering —
//! theatre, Main building"), from the incident's threat and the most
//! specific place its alerts share, in the site's own names for its rooms,
//! zones, floors and buildings. The name follows the alerts as they join,
//! until a person gives the incident a title of their own.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use safecare_i18n::{CATALOG, Language, Locale};
use safecare_impact::Inventory;
use safecare_model::{AssetKind, Location};

use crate::intake::common_location;
use crate::record::{IncidentRecord, SYSTEM_ACTOR, TimelineAction};

/// Stored names are written in English: they are data (searched, exported,
/// sent in notifications), which the catalogue's fallback language reads
/// everywhere.
fn locale() -> Locale {
    Locale::new(Language::En, TimeZone::UTC)
}

/// The threat's name in the reader's words: the catalogue's
/// (`incident-threat-…`) for a known threat, else its snake_case name
/// spelt out (a local rule may name a threat the catalogue lacks).
pub fn threat_words(locale: &Locale, threat: &str) -> String {
    let id = format!("incident-threat-{}", threat.replace('_', "-"));
    if CATALOG.has(Language::En, &id) { locale.text(&id) } else { threat.replace('_', " ") }
}

/// The place in the site's words, most specific first: a room's name, or a
/// zone's or floor's, then the building's; a building's or the site's name
/// alone. Levels the inventory does not name are spelt from their ids.
pub fn place_words(at: &Location, inventory: Option<&Inventory>) -> Option<String> {
    let named = |kind: AssetKind, matches: &dyn Fn(&Location) -> bool| -> Option<String> {
        inventory?.assets().iter().find(|a| a.kind == kind && matches(&a.location)).map(|a| a.name.clone())
    };
    let site = |l: &Location| l.site == at.site;
    let building_of = |l: &Location| site(l) && l.building == at.building;
    let floor_of = |l: &Location| building_of(l) && l.floor == at.floor;
    let spelt = |id: &str| id.replace('_', " ");
    let building = at
        .building
        .as_deref()
        .map(|b| named(AssetKind::Building, &|l| building_of(l) && l.floor.is_none()).unwrap_or_else(|| spelt(b)));
    let inner = if let Some(room) = &at.room {
        // Rooms are known with or without their zone.
        Some(
            named(AssetKind::Room, &|l| floor_of(l) && l.room == at.room)
                .unwrap_or_else(|| locale().text_with("incident-place-room", &[("room", room.as_str().into())])),
        )
    } else if let Some(zone) = &at.zone {
        Some(
            named(AssetKind::Zone, &|l| floor_of(l) && l.zone == at.zone && l.room.is_none())
                .unwrap_or_else(|| spelt(zone)),
        )
    } else if let Some(floor) = &at.floor {
        // A floor's own name usually says its building already.
        return Some(named(AssetKind::Floor, &|l| floor_of(l) && l.zone.is_none() && l.room.is_none()).unwrap_or_else(
            || {
                let floor = locale().text_with("incident-place-floor", &[("floor", floor.as_str().into())]);
                building.map_or(floor.clone(), |b| format!("{floor}, {b}"))
            },
        ));
    } else {
        None
    };
    match (inner, building) {
        (Some(inner), Some(building)) => Some(format!("{inner}, {building}")),
        (Some(inner), None) => Some(inner),
        (None, Some(building)) => Some(building),
        (None, None) => at
            .site
            .as_deref()
            .map(|s| named(AssetKind::Site, &|l| site(l) && l.building.is_none()).unwrap_or_else(|| spelt(s))),
    }
}

/// How many separate places a name lists before "and N more".
const NAMED_PLACES: usize = 3;

/// Notes where an alert happened in the incident's places: one per
/// building, each the most specific place its alerts there share. The
/// incident's own location is what all of them share, which for alerts in
/// two buildings is only the site: too vague to name it by.
pub(crate) fn note_place(record: &mut IncidentRecord, at: &Location) {
    if at.building.is_none() {
        return;
    }
    match record.places.iter_mut().find(|p| p.site == at.site && p.building == at.building) {
        Some(place) => *place = common_location(place, at),
        None => record.places.push(at.clone()),
    }
}

/// The incident's place in words: its location when that is within one
/// building, else each building's place, the first few of them.
fn incident_place(record: &IncidentRecord, inventory: Option<&Inventory>) -> Option<String> {
    let location = &record.incident.location;
    if location.building.is_some() || record.places.len() < 2 {
        return place_words(location, inventory);
    }
    let mut words: Vec<String> =
        record.places.iter().take(NAMED_PLACES).filter_map(|p| place_words(p, inventory)).collect();
    if record.places.len() > NAMED_PLACES {
        let more = record.places.len() - NAMED_PLACES;
        words.push(locale().text_with("incident-place-more", &[("count", more.into())]));
    }
    Some(words.join("; "))
}

/// The name an incident with this threat gets at this place.
pub fn incident_name(threat: &str, place: Option<&str>) -> String {
    let what = capitalised(&threat_words(&locale(), threat));
    match place {
        Some(place) => locale().text_with("incident-name", &[("what", what.into()), ("place", place.into())]),
        None => what,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Renames the incident from its threat and place, unless a person chose
/// its title or no alert named a threat (the first alert's description
/// then stays its name); logs the change.
pub fn rename(record: &mut IncidentRecord, inventory: Option<&Inventory>, at: Timestamp) -> bool {
    if record.title_by_person {
        return false;
    }
    let Some(threat) = record.incident.threat.as_deref() else { return false };
    let name = incident_name(threat, incident_place(record, inventory).as_deref());
    if name == record.incident.title {
        return false;
    }
    let previous = std::mem::replace(&mut record.incident.title, name);
    let detail = format!("\"{previous}\" → \"{}\" (named from its alerts)", record.incident.title);
    record.log(at, SYSTEM_ACTOR, TimelineAction::TitleChanged, detail);
    true
}
