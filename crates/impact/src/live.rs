//! The running service's one inventory: replaced whole on every change,
//! read without a lock. Ingest's resolver, the API and incident assessment
//! all read this one value, so a change made through the API reaches the
//! listeners at once, and nobody rebuilds the inventory from storage.

use std::sync::Arc;

use arc_swap::ArcSwap;
use safecare_model::{AssetLookup, IdentifierKind, Resolved};

use crate::inventory::Inventory;

/// An [`Inventory`] that can be replaced while it is read: every reader
/// sees the old or the new one whole.
#[derive(Debug)]
pub struct LiveInventory {
    current: ArcSwap<Inventory>,
}

impl LiveInventory {
    /// Starts with `inventory`.
    pub fn new(inventory: Inventory) -> Self {
        LiveInventory { current: ArcSwap::from_pointee(inventory) }
    }

    /// Makes `inventory` the one every later read sees.
    pub fn replace(&self, inventory: Inventory) {
        self.current.store(Arc::new(inventory));
    }

    /// The inventory in force now.
    pub fn current(&self) -> Arc<Inventory> {
        self.current.load_full()
    }
}

impl AssetLookup for LiveInventory {
    fn lookup(&self, kind: IdentifierKind, value: &str) -> Option<Resolved> {
        self.current.load().lookup(kind, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_see_the_replacement_and_match_short_against_full_host_names() {
        let live = LiveInventory::new(Inventory::new(Vec::new(), Vec::new()).unwrap());
        assert_eq!(live.lookup(IdentifierKind::Hostname, "pacs-01"), None);
        let site = Inventory::from_yaml(
            "assets:\n  - {id: srv-pacs, name: PACS, kind: server, identifiers: {hostnames: [PACS-01]}}\n",
        )
        .unwrap();
        live.replace(site);
        let found = live.lookup(IdentifierKind::Hostname, "pacs-01.hq.local").map(|r| r.asset);
        assert_eq!(found.as_deref(), Some("srv-pacs"));
        assert_eq!(live.current().assets().len(), 1);
    }
}
