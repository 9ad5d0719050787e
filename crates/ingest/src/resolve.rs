//! Placing events on the hospital's asset map.
//!
//! The resolver reads identifiers from an event's fields (device and door or
//! reader ids, BMS points, host names, MAC and IP addresses) and asks an
//! [`AssetLookup`] for the asset they belong to; the first hit sets
//! `Event::asset` and fills the location levels the event did not know.
//! An event whose identifiers match no asset is kept and flagged with
//! `safecare.unknown_device = true`, so that a new or rogue device shows up
//! instead of disappearing.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
pub use safecare_model::IdentifierKind;
use safecare_model::{Asset, Event, InvalidIdentifier, Location, normalise_identifier};
use serde_json::Value;

/// The field set on events whose identifiers match no known asset.
pub const UNKNOWN_DEVICE_FIELD: &str = "safecare.unknown_device";

/// One identifier found in an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    pub kind: IdentifierKind,
    pub value: String,
}

/// What an identifier resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub asset: String,
    pub location: Location,
}

/// Anything that can tell which asset an identifier belongs to (this
/// crate's [`AssetIndex`] and [`LiveAssetIndex`], or the impact crate's
/// inventory). Values are passed already normalised by
/// [`normalise_identifier`].
pub trait AssetLookup: Send + Sync {
    fn lookup(&self, kind: IdentifierKind, value: &str) -> Option<Resolved>;
}

/// A simple in-memory identifier index over normalised values.
#[derive(Debug, Clone, Default)]
pub struct AssetIndex {
    entries: HashMap<(IdentifierKind, String), Resolved>,
    /// The first label of FQDN host names (`pacs-01` for
    /// `pacs-01.hq.local`), kept only while one asset has it: syslog often
    /// carries the short name.
    short_hosts: HashMap<String, Option<Resolved>>,
}

impl AssetIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one identifier; a later insert for the same identifier wins. A
    /// value that is not a valid identifier of its kind (an IP that does not
    /// parse) is refused with the reason.
    pub fn insert(&mut self, kind: IdentifierKind, value: &str, resolved: Resolved) -> Result<(), InvalidIdentifier> {
        let value = normalise_identifier(kind, value)?;
        if kind == IdentifierKind::Hostname
            && let Some((short, _)) = value.split_once('.')
            && value.parse::<std::net::IpAddr>().is_err()
        {
            self.short_hosts
                .entry(short.to_owned())
                .and_modify(|held| {
                    if held.as_ref().is_some_and(|r| r.asset != resolved.asset) {
                        *held = None;
                    }
                })
                .or_insert_with(|| Some(resolved.clone()));
        }
        self.entries.insert((kind, value), resolved);
        Ok(())
    }

    /// Indexes every identifier of every asset. Identifiers the inventory
    /// would refuse (the inventory API validates them first) are skipped.
    pub fn from_assets<'a>(assets: impl IntoIterator<Item = &'a Asset>) -> Self {
        let mut index = Self::new();
        for asset in assets {
            let resolved = Resolved { asset: asset.id.clone(), location: asset.location.clone() };
            for (kind, value) in asset.identifiers.iter() {
                // Ignoring the error is the documented skip above.
                let _ = index.insert(kind, value, resolved.clone());
            }
        }
        index
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl AssetLookup for AssetIndex {
    fn lookup(&self, kind: IdentifierKind, value: &str) -> Option<Resolved> {
        if let Some(found) = self.entries.get(&(kind, value.to_owned())) {
            return Some(found.clone());
        }
        if kind == IdentifierKind::Hostname {
            return self.short_hosts.get(value).cloned().flatten();
        }
        None
    }
}

/// An [`AssetIndex`] that can be replaced while listeners and the HTTP API
/// read it: the server rebuilds the index whenever the inventory changes
/// and swaps it in, and every lookup sees either the old or the new index
/// whole, without a lock on the read path.
#[derive(Debug, Default)]
pub struct LiveAssetIndex {
    current: ArcSwap<AssetIndex>,
}

impl LiveAssetIndex {
    pub fn new(index: AssetIndex) -> Self {
        LiveAssetIndex { current: ArcSwap::from_pointee(index) }
    }

    /// Makes `index` the one every later lookup uses.
    pub fn replace(&self, index: AssetIndex) {
        self.current.store(Arc::new(index));
    }

    /// The index in force now.
    pub fn current(&self) -> Arc<AssetIndex> {
        self.current.load_full()
    }
}

impl AssetLookup for LiveAssetIndex {
    fn lookup(&self, kind: IdentifierKind, value: &str) -> Option<Resolved> {
        self.current.load().lookup(kind, value)
    }
}

/// The fields each identifier kind is read from, most specific first. For
/// network records the destination comes before the source: the target of
/// an alert is the asset it concerns. The sending peer's address (set by the
/// listeners) comes last: a device that logs for itself is its own asset.
const FIELDS: [(IdentifierKind, &[&str]); 6] = [
    (IdentifierKind::DeviceId, &["device", "device_id", "door", "reader", "camera", "sensor", "deviceExternalId"]),
    (IdentifierKind::BmsPoint, &["bms_point", "point"]),
    (
        IdentifierKind::Hostname,
        &["Computer", "Hostname", "syslog.hostname", "hostname", "host", "dvchost", "dhost", "@system", "host.name"],
    ),
    (IdentifierKind::Serial, &["serial", "serial_number"]),
    (IdentifierKind::Mac, &["mac", "dest_mac", "resp_l2_addr", "dmac", "src_mac", "orig_l2_addr", "smac"]),
    (
        IdentifierKind::Ip,
        &["dest_ip", "id.resp_h", "dst", "dvc", "src_ip", "id.orig_h", "src", "IpAddress", "ip", "safecare.peer"],
    ),
];

/// Resolves events against an [`AssetLookup`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Resolver;

impl Resolver {
    /// The identifiers an event carries, in the order they are tried.
    pub fn identifiers(event: &Event) -> Vec<Identifier> {
        let mut out = Vec::new();
        for (kind, names) in FIELDS {
            for name in names {
                let Some(value) = event.field(name).and_then(scalar) else { continue };
                if value.is_empty() || value == "-" {
                    continue;
                }
                // A value that is not an identifier of its kind (a `src`
                // field holding a name) cannot name an asset.
                let Ok(value) = normalise_identifier(kind, &value) else { continue };
                if kind == IdentifierKind::Hostname
                    && let Some((short, _)) = value.split_once('.')
                    && value.parse::<std::net::IpAddr>().is_err()
                {
                    out.push(Identifier { kind, value: value.clone() });
                    out.push(Identifier { kind, value: short.to_owned() });
                    continue;
                }
                out.push(Identifier { kind, value });
            }
        }
        out
    }

    /// Sets the event's asset and fills its unknown location levels from
    /// the first identifier that resolves; flags the event when it carries
    /// identifiers and none resolves. An event that already names its asset
    /// is left as it is. Returns the asset id when resolved.
    pub fn resolve(event: &mut Event, lookup: &dyn AssetLookup) -> Option<String> {
        if event.asset.is_some() {
            return event.asset.clone();
        }
        let identifiers = Self::identifiers(event);
        let found = identifiers.iter().find_map(|id| lookup.lookup(id.kind, &id.value));
        match found {
            Some(resolved) => {
                merge_location(&mut event.location, resolved.location);
                event.asset = Some(resolved.asset.clone());
                Some(resolved.asset)
            }
            None => {
                if !identifiers.is_empty() {
                    event.fields.insert(UNKNOWN_DEVICE_FIELD.into(), Value::Bool(true));
                }
                None
            }
        }
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The event's own levels win (a door controller may know the room better
/// than the inventory); the asset fills what the event lacks. A different
/// site on the asset replaces the whole path, since the rest would not nest.
fn merge_location(event: &mut Location, asset: Location) {
    if asset.site.is_some() && event.site.is_some() && asset.site != event.site {
        *event = asset;
        return;
    }
    let Location { site, building, floor, zone, room } = asset;
    event.site = event.site.take().or(site);
    event.building = event.building.take().or(building);
    event.floor = event.floor.take().or(floor);
    event.zone = event.zone.take().or(zone);
    event.room = event.room.take().or(room);
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::{Domain, Timestamp};
    use serde_json::json;

    fn index() -> AssetIndex {
        let assets: Vec<Asset> = serde_json::from_value(json!([
            {"id": "door-pharmacy", "name": "Pharmacy door", "kind": "door",
             "location": {"site": "hq", "building": "main", "floor": "0", "zone": "pharmacy"},
             "identifiers": {"device_ids": ["D-PH-01"]}},
            {"id": "srv-pacs-01", "name": "PACS", "kind": "server",
             "location": {"site": "hq", "building": "main", "floor": "-1", "room": "dc"},
             "identifiers": {"hostnames": ["PACS-01"], "ips": ["10.1.0.9"], "macs": ["00-0D-3A-13-E3-69"]}}
        ]))
        .unwrap();
        AssetIndex::from_assets(&assets)
    }

    fn event(fields: Value) -> Event {
        let mut e = Event::new("t", Domain::Cyber, Timestamp::UNIX_EPOCH, "m");
        e.fields = fields.as_object().cloned().unwrap_or_default();
        e
    }

    #[test]
    fn resolves_by_each_kind_and_merges_location() {
        let idx = index();
        assert_eq!(idx.len(), 4);
        let mut door = event(json!({"door": "D-PH-01"}));
        door.location.site = Some("hq".into());
        door.location.room = Some("0.12".into());
        assert_eq!(Resolver::resolve(&mut door, &idx).as_deref(), Some("door-pharmacy"));
        assert_eq!(door.location.path(), "hq/main/0/pharmacy/0.12");

        for fields in [
            json!({"Computer": "pacs-01.hq.local"}),
            json!({"src_ip": "10.9.9.9", "dest_ip": "10.1.0.9"}),
            json!({"orig_l2_addr": "00:0d:3a:13:e3:69"}),
            json!({"safecare.peer": "10.1.0.9"}),
        ] {
            let mut e = event(fields.clone());
            assert_eq!(Resolver::resolve(&mut e, &idx).as_deref(), Some("srv-pacs-01"), "{fields}");
            assert_eq!(e.location.room.as_deref(), Some("dc"));
            assert!(!e.fields.contains_key(UNKNOWN_DEVICE_FIELD));
        }
    }

    #[test]
    fn unknown_devices_are_flagged_not_dropped() {
        let mut e = event(json!({"device": "cam-99", "src_ip": "10.7.7.7"}));
        assert_eq!(Resolver::resolve(&mut e, &index()), None);
        assert_eq!(e.fields[UNKNOWN_DEVICE_FIELD], json!(true));

        let mut anonymous = event(json!({"note": "no identifiers"}));
        assert_eq!(Resolver::resolve(&mut anonymous, &index()), None);
        assert!(!anonymous.fields.contains_key(UNKNOWN_DEVICE_FIELD));
    }

    #[test]
    fn asset_on_another_site_replaces_location() {
        let mut e = event(json!({"dest_ip": "10.1.0.9"}));
        e.location.site = Some("annex".into());
        e.location.building = Some("b".into());
        Resolver::resolve(&mut e, &index());
        assert_eq!(e.location.path(), "hq/main/-1/_/dc");
    }

    #[test]
    fn identifiers_are_normalised_like_the_inventory() {
        let idx = index();
        let mut mapped_ip = event(json!({"src": "::ffff:10.1.0.9"}));
        assert_eq!(Resolver::resolve(&mut mapped_ip, &idx).as_deref(), Some("srv-pacs-01"));
        // Device ids are exact: door systems use case to tell readers apart.
        let mut lower_door = event(json!({"door": "d-ph-01"}));
        assert_eq!(Resolver::resolve(&mut lower_door, &idx), None);
        // A field that does not hold an identifier of its kind is not one.
        let mut named_src = event(json!({"src": "not-an-ip", "dest_ip": "10.1.0.9"}));
        assert_eq!(Resolver::resolve(&mut named_src, &idx).as_deref(), Some("srv-pacs-01"));
        let mut bad = AssetIndex::new();
        let resolved = Resolved { asset: "x".into(), location: Location::default() };
        assert_eq!(bad.insert(IdentifierKind::Ip, "10.1", resolved), Err(InvalidIdentifier::NotIp("10.1".into())));
        assert!(bad.is_empty());
    }

    #[test]
    fn short_host_names_meet_inventory_fqdns_while_unambiguous() {
        let assets: Vec<Asset> = serde_json::from_value(json!([
            {"id": "a", "name": "A", "kind": "server", "identifiers": {"hostnames": ["ws1.a.local", "lis.hq.local"]}},
            {"id": "b", "name": "B", "kind": "server", "identifiers": {"hostnames": ["ws1.b.local"]}}
        ]))
        .unwrap();
        let idx = AssetIndex::from_assets(&assets);
        let mut short = event(json!({"syslog.hostname": "LIS"}));
        assert_eq!(Resolver::resolve(&mut short, &idx).as_deref(), Some("a"));
        let mut ambiguous = event(json!({"hostname": "ws1"}));
        assert_eq!(Resolver::resolve(&mut ambiguous, &idx), None);
        assert_eq!(ambiguous.fields[UNKNOWN_DEVICE_FIELD], json!(true));
    }

    #[test]
    fn live_index_lookups_see_the_replacement() {
        let live = LiveAssetIndex::new(AssetIndex::new());
        let mut before = event(json!({"ip": "10.1.0.9"}));
        assert_eq!(Resolver::resolve(&mut before, &live), None);
        live.replace(index());
        let mut after = event(json!({"ip": "10.1.0.9"}));
        assert_eq!(Resolver::resolve(&mut after, &live).as_deref(), Some("srv-pacs-01"));
        assert_eq!(live.current().len(), 4);
    }
}
