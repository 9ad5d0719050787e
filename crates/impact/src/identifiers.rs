//! The index that resolves an identifier seen in an event (hostname, IP,
//! MAC, serial, device id, BMS point) to the asset it names. Normalisation
//! itself is `safecare_model::normalise_identifier`, shared with ingest.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub use safecare_model::{IdentifierKind, normalise_identifier};

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
