//! Identifier normalisation and the index that resolves an identifier seen
//! in an event (hostname, IP, MAC, serial, device id, BMS point) to the asset
//! it names.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::net::IpAddr;

use safecare_model::AssetIdentifiers;
use serde::{Deserialize, Serialize};

/// Which kind of identifier a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Hostname,
    Ip,
    Mac,
    Serial,
    /// Door, reader, sensor or device id as the physical system names it.
    DeviceId,
    BmsPoint,
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentifierKind::Hostname => "hostname",
            IdentifierKind::Ip => "ip",
            IdentifierKind::Mac => "mac",
            IdentifierKind::Serial => "serial",
            IdentifierKind::DeviceId => "device_id",
            IdentifierKind::BmsPoint => "bms_point",
        })
    }
}

/// The canonical form of an identifier, so that `AA-BB-CC-00-11-22` and
/// `aa:bb:cc:00:11:22`, or `::FFFF:10.0.0.1` and `::ffff:a00:1`, meet.
///
/// Hostnames, serials and BMS points compare case-insensitively (DNS is
/// case-insensitive; BMS vendors disagree on case); device ids are compared
/// exactly because door systems use case to tell readers apart.
/// Returns why the value is not a valid identifier of that kind.
pub fn normalise_identifier(kind: IdentifierKind, value: &str) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("empty".to_owned());
    }
    match kind {
        IdentifierKind::Hostname => Ok(trimmed.trim_end_matches('.').to_ascii_lowercase()),
        IdentifierKind::Ip => trimmed
            .parse::<IpAddr>()
            .map(|ip| ip.to_canonical().to_string())
            .map_err(|_| format!("`{trimmed}` is not an IP address")),
        IdentifierKind::Mac => {
            let hex: String = trimmed.chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
            if hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                Ok(hex.to_ascii_lowercase())
            } else {
                Err(format!("`{trimmed}` is not a MAC address (12 hex digits)"))
            }
        }
        IdentifierKind::Serial | IdentifierKind::BmsPoint => Ok(trimmed.to_ascii_lowercase()),
        IdentifierKind::DeviceId => Ok(trimmed.to_owned()),
    }
}

/// The identifiers of one asset, kind by kind.
pub(crate) fn identifiers_of(ids: &AssetIdentifiers) -> impl Iterator<Item = (IdentifierKind, &str)> {
    let lists: [(IdentifierKind, &Vec<String>); 6] = [
        (IdentifierKind::Hostname, &ids.hostnames),
        (IdentifierKind::Ip, &ids.ips),
        (IdentifierKind::Mac, &ids.macs),
        (IdentifierKind::Serial, &ids.serials),
        (IdentifierKind::DeviceId, &ids.device_ids),
        (IdentifierKind::BmsPoint, &ids.bms_points),
    ];
    lists.into_iter().flat_map(|(kind, values)| values.iter().map(move |v| (kind, v.as_str())))
}

/// Normalised identifier → asset position, built once per inventory.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdentifierIndex {
    exact: HashMap<(IdentifierKind, String), usize>,
    /// Short host names (`his-app-01` for `his-app-01.hq.local`), kept only
    /// while unambiguous: syslog often carries the short name.
    short_hosts: HashMap<String, Option<usize>>,
}

impl IdentifierIndex {
    /// Adds one identifier; on a clash returns the position of the asset
    /// that already holds it.
    pub(crate) fn insert(&mut self, kind: IdentifierKind, normalised: String, asset: usize) -> Result<(), usize> {
        if kind == IdentifierKind::Hostname
            && let Some((short, _)) = normalised.split_once('.')
        {
            match self.short_hosts.entry(short.to_owned()) {
                Entry::Vacant(slot) => {
                    slot.insert(Some(asset));
                }
                Entry::Occupied(mut slot) if *slot.get() != Some(asset) => {
                    slot.insert(None);
                }
                Entry::Occupied(_) => {}
            }
        }
        match self.exact.entry((kind, normalised)) {
            Entry::Vacant(slot) => {
                slot.insert(asset);
                Ok(())
            }
            Entry::Occupied(slot) if *slot.get() == asset => Ok(()),
            Entry::Occupied(slot) => Err(*slot.get()),
        }
    }

    pub(crate) fn get(&self, kind: IdentifierKind, value: &str) -> Option<usize> {
        let normalised = normalise_identifier(kind, value).ok()?;
        if let Some(&asset) = self.exact.get(&(kind, normalised.clone())) {
            return Some(asset);
        }
        if kind != IdentifierKind::Hostname {
            return None;
        }
        // An FQDN in the event, a short name in the inventory, or the reverse.
        if let Some((short, _)) = normalised.split_once('.')
            && let Some(&asset) = self.exact.get(&(kind, short.to_owned()))
        {
            return Some(asset);
        }
        self.short_hosts.get(&normalised).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_meet_whatever_their_separators() {
        let a = normalise_identifier(IdentifierKind::Mac, "AA-BB-CC-00-11-22").unwrap();
        let b = normalise_identifier(IdentifierKind::Mac, "aa:bb:cc:00:11:22").unwrap();
        let c = normalise_identifier(IdentifierKind::Mac, "aabb.cc00.1122").unwrap();
        assert_eq!(a, "aabbcc001122");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(normalise_identifier(IdentifierKind::Mac, "aa:bb:cc").is_err());
        assert!(normalise_identifier(IdentifierKind::Mac, "zz:bb:cc:00:11:22").is_err());
    }

    #[test]
    fn ips_are_canonical() {
        assert_eq!(normalise_identifier(IdentifierKind::Ip, " 10.1.2.3 ").unwrap(), "10.1.2.3");
        assert_eq!(normalise_identifier(IdentifierKind::Ip, "::FFFF:10.0.0.1").unwrap(), "10.0.0.1");
        assert_eq!(normalise_identifier(IdentifierKind::Ip, "2001:DB8:0:0::1").unwrap(), "2001:db8::1");
        assert!(normalise_identifier(IdentifierKind::Ip, "10.1.2").is_err());
    }

    #[test]
    fn hostnames_fold_case_and_device_ids_do_not() {
        assert_eq!(
            normalise_identifier(IdentifierKind::Hostname, "HIS-APP-01.hq.local.").unwrap(),
            "his-app-01.hq.local"
        );
        assert_eq!(normalise_identifier(IdentifierKind::DeviceId, "R-0.12-in").unwrap(), "R-0.12-in");
        assert!(normalise_identifier(IdentifierKind::Serial, "  ").is_err());
    }

    #[test]
    fn short_and_full_host_names_resolve_both_ways() {
        let mut index = IdentifierIndex::default();
        index.insert(IdentifierKind::Hostname, "his-app-01.hq.local".into(), 0).unwrap();
        index.insert(IdentifierKind::Hostname, "pacs".into(), 1).unwrap();
        assert_eq!(index.get(IdentifierKind::Hostname, "HIS-APP-01"), Some(0));
        assert_eq!(index.get(IdentifierKind::Hostname, "pacs.hq.local"), Some(1));
        assert_eq!(index.get(IdentifierKind::Hostname, "lis"), None);
        assert_eq!(index.insert(IdentifierKind::Hostname, "PACS".to_lowercase(), 2), Err(1));
    }

    #[test]
    fn ambiguous_short_names_resolve_to_nobody() {
        let mut index = IdentifierIndex::default();
        index.insert(IdentifierKind::Hostname, "ws1.a.local".into(), 0).unwrap();
        index.insert(IdentifierKind::Hostname, "ws1.b.local".into(), 1).unwrap();
        assert_eq!(index.get(IdentifierKind::Hostname, "ws1"), None);
        assert_eq!(index.get(IdentifierKind::Hostname, "ws1.b.local"), Some(1));
    }
}
