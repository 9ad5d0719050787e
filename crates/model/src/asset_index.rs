//! The one identifier index: which asset an identifier seen in an event
//! (hostname, IP, MAC, serial, device id, BMS point) names. The impact
//! crate's inventory and ingest's resolver both use it, so an event is
//! placed on the asset map the same way wherever it is looked up.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::AssetId;
use crate::asset::Asset;
use crate::identifier::{IdentifierKind, InvalidIdentifier, normalise_identifier};
use crate::location::Location;

/// Normalised identifier → asset position, built once per inventory.
#[derive(Debug, Clone, Default)]
pub struct IdentifierIndex {
    exact: HashMap<(IdentifierKind, String), usize>,
    /// Short host names (`his-app-01` for `his-app-01.hq.local`), kept only
    /// while unambiguous: syslog often carries the short name.
    short_hosts: HashMap<String, Option<usize>>,
}

impl IdentifierIndex {
    /// Adds one already normalised identifier; on a clash returns the
    /// position of the asset that already holds it.
    pub fn insert(&mut self, kind: IdentifierKind, normalised: String, asset: usize) -> Result<(), usize> {
        if let Some(short) = short_host(kind, &normalised) {
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

    /// The position of the asset `value` names, in any form
    /// [`normalise_identifier`] accepts.
    pub fn get(&self, kind: IdentifierKind, value: &str) -> Option<usize> {
        let normalised = normalise_identifier(kind, value).ok()?;
        if let Some(&asset) = self.exact.get(&(kind, normalised.clone())) {
            return Some(asset);
        }
        if kind != IdentifierKind::Hostname {
            return None;
        }
        // An FQDN in the event, a short name in the inventory, or the reverse.
        if let Some(short) = short_host(kind, &normalised)
            && let Some(&asset) = self.exact.get(&(kind, short.to_owned()))
        {
            return Some(asset);
        }
        self.short_hosts.get(&normalised).copied().flatten()
    }

    /// How many identifiers are indexed.
    pub fn len(&self) -> usize {
        self.exact.len()
    }

    /// Whether no identifier is indexed.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }
}

/// The first label of a fully-qualified host name; an IP address written
/// in a host name field has none.
fn short_host(kind: IdentifierKind, normalised: &str) -> Option<&str> {
    if kind != IdentifierKind::Hostname || normalised.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    normalised.split_once('.').map(|(short, _)| short)
}

/// What an identifier resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The asset's id.
    pub asset: AssetId,
    /// The asset's location.
    pub location: Location,
}

/// Anything that can tell which asset an identifier belongs to: the impact
/// crate's inventory (live in the running service), or an [`AssetIndex`].
pub trait AssetLookup: Send + Sync {
    /// The asset `value`, an identifier of `kind`, names, if any.
    fn lookup(&self, kind: IdentifierKind, value: &str) -> Option<Resolved>;
}

/// A list of assets' ids and locations with their [`IdentifierIndex`], for
/// tools and tests that have assets but no validated inventory.
#[derive(Debug, Clone, Default)]
pub struct AssetIndex {
    index: IdentifierIndex,
    assets: Vec<Resolved>,
}

impl AssetIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one identifier of an asset. A value that is not a valid
    /// identifier of its kind (an IP that does not parse) is refused with
    /// the reason; one another asset already holds stays with that asset.
    pub fn insert(&mut self, kind: IdentifierKind, value: &str, resolved: Resolved) -> Result<(), InvalidIdentifier> {
        let value = normalise_identifier(kind, value)?;
        let position = match self.assets.iter().position(|a| a.asset == resolved.asset) {
            Some(position) => position,
            None => {
                self.assets.push(resolved);
                self.assets.len() - 1
            }
        };
        // A clash keeps the first holder, as a validated inventory would
        // have refused the second.
        let _ = self.index.insert(kind, value, position);
        Ok(())
    }

    /// Indexes every identifier of every asset. Identifiers an inventory
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

    /// How many identifiers are indexed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no identifier is indexed.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

impl AssetLookup for AssetIndex {
    fn lookup(&self, kind: IdentifierKind, value: &str) -> Option<Resolved> {
        self.index.get(kind, value).map(|position| self.assets[position].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn an_address_in_a_host_name_field_has_no_short_name() {
        let mut index = IdentifierIndex::default();
        index.insert(IdentifierKind::Hostname, "10.1.0.9".into(), 0).unwrap();
        assert_eq!(index.get(IdentifierKind::Hostname, "10"), None);
        assert_eq!(index.get(IdentifierKind::Hostname, "10.1.0.9"), Some(0));
    }
}
