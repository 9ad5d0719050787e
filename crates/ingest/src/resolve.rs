//! Placing events on the hospital's asset map.
//!
//! The resolver reads identifiers from an event's fields (device and door or
//! reader ids, BMS points, host names, MAC and IP addresses) and asks an
//! [`AssetLookup`] (in the running service, the one live inventory; its
//! index, short and full host names included, is the model's) for the asset
//! they belong to; the first hit sets
//! `Event::asset` and fills the location levels the event did not know.
//! An event whose identifiers match no asset is kept and flagged with
//! `safecare.unknown_device = true`, so that a new or rogue device shows up
//! instead of disappearing.

use safecare_model::{AssetId, Event, Location, normalise_identifier};
pub use safecare_model::{AssetIndex, AssetLookup, IdentifierKind, Resolved};
use serde_json::Value;

pub use safecare_model::ingest_fields::{
    CLAIMED_ASSET as CLAIMED_ASSET_FIELD, PEER as PEER_FIELD, PEER_ASSET as PEER_ASSET_FIELD,
    UNKNOWN_DEVICE as UNKNOWN_DEVICE_FIELD,
};

/// The names a sender gives itself, as opposed to its network address.
const CLAIMS: [(IdentifierKind, &str); 2] =
    [(IdentifierKind::Hl7Application, "hl7.sending_application"), (IdentifierKind::AeTitle, "dicom.calling_ae")];

/// One identifier found in an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    /// What kind of identifier it is.
    pub kind: IdentifierKind,
    /// Its value, as found.
    pub value: String,
}

/// The fields each identifier kind is read from, most specific first. For
/// network records the destination comes before the source: the target of
/// an alert is the asset it concerns. The sending peer's address (set by the
/// listeners) comes last: a device that logs for itself is its own asset.
const FIELDS: [(IdentifierKind, &[&str]); 8] = [
    (
        IdentifierKind::DeviceId,
        &["device", "device_id", "door", "reader", "camera", "sensor", "deviceExternalId", "hl7.device"],
    ),
    (IdentifierKind::BmsPoint, &["bms_point", "point"]),
    (IdentifierKind::Hl7Application, &["hl7.sending_application"]),
    (IdentifierKind::AeTitle, &["dicom.called_ae", "dicom.calling_ae"]),
    (
        IdentifierKind::Hostname,
        &["Computer", "Hostname", "syslog.hostname", "hostname", "host", "dvchost", "dhost", "@system", "host.name"],
    ),
    // HL7's OBX-18 (equipment instance) holds a device id or, from
    // infusion pumps and monitors, their serial number.
    (IdentifierKind::Serial, &["serial", "serial_number", "hl7.device"]),
    (IdentifierKind::Mac, &["mac", "dest_mac", "resp_l2_addr", "dmac", "src_mac", "orig_l2_addr", "smac"]),
    (
        IdentifierKind::Ip,
        &["dest_ip", "dst_ip", "id.resp_h", "dst", "dvc", "src_ip", "id.orig_h", "src", "IpAddress", "ip", PEER_FIELD],
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
                out.push(Identifier { kind, value });
            }
        }
        out
    }

    /// Sets the event's asset and fills its unknown location levels from
    /// the first identifier that resolves; flags the event when it carries
    /// identifiers and none resolves. An event that already names its asset
    /// is left as it is. Returns the asset id when resolved.
    pub fn resolve(event: &mut Event, lookup: &dyn AssetLookup) -> Option<AssetId> {
        Self::attribute_sender(event, lookup);
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

impl Resolver {
    /// Names, beside the asset, which asset the sending address belongs to
    /// and which one the sender claims to be, so that a rule can catch a
    /// device that sends under another's name: both are only set when they
    /// resolve, and a rule compares them.
    fn attribute_sender(event: &mut Event, lookup: &dyn AssetLookup) {
        let asset_of = |kind, name: &str| {
            let value = event.field(name).and_then(scalar)?;
            let value = normalise_identifier(kind, &value).ok()?;
            lookup.lookup(kind, &value).map(|r| r.asset)
        };
        let peer = asset_of(IdentifierKind::Ip, PEER_FIELD);
        let claimed = CLAIMS.iter().find_map(|(kind, name)| asset_of(*kind, name));
        for (field, asset) in [(PEER_ASSET_FIELD, peer), (CLAIMED_ASSET_FIELD, claimed)] {
            if let Some(asset) = asset {
                event.fields.insert(field.into(), Value::String(asset.into_string()));
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
    use safecare_model::{Asset, Domain, InvalidIdentifier, Timestamp};
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
    fn an_hl7_observation_is_placed_on_the_device_its_obx_18_names() {
        let pump: Vec<Asset> = serde_json::from_value(json!([
            {"id": "pump-icu-05", "name": "Infusion pump", "kind": "medical_device",
             "location": {"site": "hq", "building": "main", "floor": "1", "zone": "icu", "room": "1.21"},
             "identifiers": {"serials": ["IP-7731-0005"]}},
            {"id": "gw-pumps", "name": "Pump gateway", "kind": "server",
             "identifiers": {"ips": ["10.50.0.2"]}}
        ]))
        .unwrap();
        let idx = AssetIndex::from_assets(&pump);
        let mut e = event(json!({"hl7.device": "IP-7731-0005", "safecare.peer": "10.50.0.2"}));
        assert_eq!(Resolver::resolve(&mut e, &idx).as_deref(), Some("pump-icu-05"));
        assert_eq!(e.location.zone.as_deref(), Some("icu"));
        // An unknown device behind a known gateway is the gateway's.
        let mut other = event(json!({"hl7.device": "IP-0000-9999", "safecare.peer": "10.50.0.2"}));
        assert_eq!(Resolver::resolve(&mut other, &idx).as_deref(), Some("gw-pumps"));
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
    fn the_sending_address_and_the_claimed_name_are_attributed_apart() {
        let assets: Vec<Asset> = serde_json::from_value(json!([
            {"id": "srv-lis", "name": "LIS", "kind": "server",
             "identifiers": {"hl7_applications": ["LIS"], "ips": ["10.20.1.5"]}},
            {"id": "ws-lab-3", "name": "Lab workstation", "kind": "computer",
             "identifiers": {"ips": ["10.20.9.3"]}}
        ]))
        .unwrap();
        let index = AssetIndex::from_assets(&assets);
        let mut honest = event(json!({"hl7.sending_application": "LIS", PEER_FIELD: "10.20.1.5"}));
        Resolver::resolve(&mut honest, &index);
        assert_eq!(
            (&honest.fields[PEER_ASSET_FIELD], &honest.fields[CLAIMED_ASSET_FIELD]),
            (&json!("srv-lis"), &json!("srv-lis"))
        );

        let mut impostor = event(json!({"hl7.sending_application": "LIS", PEER_FIELD: "10.20.9.3"}));
        Resolver::resolve(&mut impostor, &index);
        assert_eq!(impostor.fields[PEER_ASSET_FIELD], json!("ws-lab-3"));
        assert_eq!(impostor.fields[CLAIMED_ASSET_FIELD], json!("srv-lis"));

        let mut stranger = event(json!({"hl7.sending_application": "LIS", PEER_FIELD: "10.66.6.6"}));
        Resolver::resolve(&mut stranger, &index);
        assert!(!stranger.fields.contains_key(PEER_ASSET_FIELD));
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
}
