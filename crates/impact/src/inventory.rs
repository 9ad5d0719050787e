//! The inventory: every asset and relation of a site, validated as a whole
//! and indexed by identifier.

use std::collections::HashMap;
use std::path::Path;

use safecare_model::{Asset, AssetId, AssetLookup, IdentifierIndex, IdentifierKind, Relation, Resolved};
use serde::{Deserialize, Serialize};

use crate::error::LoadError;
use crate::validate::{Checked, InvalidInventory, check};

/// A site's assets and relations, known to be valid: ids unique, relations
/// pointing at existing assets, no cycles of `part_of` or `hosts`,
/// protection degrees in [0, 1], identifiers well-formed and unambiguous.
///
/// Its serde form is `{assets: [...], relations: [...]}`; deserialising
/// validates, so an `Inventory` in hand is always usable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "InventoryDoc", into = "InventoryDoc")]
pub struct Inventory {
    assets: Vec<Asset>,
    relations: Vec<Relation>,
    positions: HashMap<AssetId, usize>,
    index: IdentifierIndex,
}

/// The plain records, as written in files.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryDoc {
    #[serde(default)]
    assets: Vec<Asset>,
    #[serde(default)]
    relations: Vec<Relation>,
}

impl TryFrom<InventoryDoc> for Inventory {
    type Error = InvalidInventory;
    fn try_from(doc: InventoryDoc) -> Result<Self, Self::Error> {
        Inventory::new(doc.assets, doc.relations)
    }
}

impl From<Inventory> for InventoryDoc {
    fn from(inventory: Inventory) -> Self {
        InventoryDoc { assets: inventory.assets, relations: inventory.relations }
    }
}

const TEXT: &str = "<text>";

impl Inventory {
    /// Validates the records and builds the identifier index.
    pub fn new(assets: Vec<Asset>, relations: Vec<Relation>) -> Result<Self, InvalidInventory> {
        let Checked { positions, index } = check(&assets, &relations)?;
        Ok(Inventory { assets, relations, positions, index })
    }

    /// An inventory from a YAML document.
    pub fn from_yaml(text: &str) -> Result<Self, LoadError> {
        let doc: InventoryDoc = parse_yaml(text, TEXT)?;
        Ok(Inventory::try_from(doc)?)
    }

    /// An inventory from a JSON document.
    pub fn from_json(text: &str) -> Result<Self, LoadError> {
        let doc: InventoryDoc = parse_json(text, TEXT)?;
        Ok(Inventory::try_from(doc)?)
    }

    /// The records of a YAML (or, with `json`, JSON) document, not yet
    /// validated: a part to [`merge`](Self::merge) need not stand alone.
    pub fn records(text: &str, json: bool) -> Result<(Vec<Asset>, Vec<Relation>), LoadError> {
        let doc: InventoryDoc = if json { parse_json(text, TEXT)? } else { parse_yaml(text, TEXT)? };
        Ok((doc.assets, doc.relations))
    }

    /// This inventory with `assets` put in (one with a known id replaces
    /// it) and `relations` added (a relation already present is kept once);
    /// nothing is removed. Validated as a whole.
    pub fn merge(&self, assets: Vec<Asset>, relations: Vec<Relation>) -> Result<Self, InvalidInventory> {
        let (mut all_assets, mut all_relations) = (self.assets.clone(), self.relations.clone());
        for asset in assets {
            match self.positions.get(&asset.id) {
                Some(&at) => all_assets[at] = asset,
                None => all_assets.push(asset),
            }
        }
        for relation in relations {
            if !all_relations.contains(&relation) {
                all_relations.push(relation);
            }
        }
        Inventory::new(all_assets, all_relations)
    }

    /// The inventory as a YAML document, as [`Inventory::from_yaml`] reads it.
    pub fn to_yaml(&self) -> Result<String, LoadError> {
        serde_saphyr::to_string(&self.doc())
            .map_err(|e| LoadError::Parse { origin: "inventory".to_owned(), source: e.into() })
    }

    /// The inventory as a JSON document, as [`Inventory::from_json`] reads it.
    pub fn to_json(&self) -> Result<String, LoadError> {
        serde_json::to_string_pretty(&self.doc())
            .map_err(|e| LoadError::Parse { origin: "inventory".to_owned(), source: e.into() })
    }

    /// Loads one file, or every `.yaml`/`.yml`/`.json` file of a folder
    /// (sorted by name, sub-folders included) merged into one inventory:
    /// a site can be written one building or system per file, with
    /// relations crossing files.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let mut files = Vec::new();
        if path.is_dir() {
            collect_files(path, &mut files)?;
        } else {
            files.push(path.to_path_buf());
        }
        let mut parts = Vec::with_capacity(files.len());
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Io { path: file.clone(), source })?;
            parts.push((file, text));
        }
        Self::from_parts(parts)
    }

    /// Merges parts given as (name, text) pairs, YAML or JSON by the
    /// name's extension, into one inventory (for sites built into a
    /// binary).
    pub fn from_parts(parts: impl IntoIterator<Item = (std::path::PathBuf, String)>) -> Result<Self, LoadError> {
        let mut merged = InventoryDoc::default();
        for (file, text) in parts {
            let origin = file.display().to_string();
            let part: InventoryDoc = match file.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => parse_yaml(&text, &origin)?,
                Some("json") => parse_json(&text, &origin)?,
                _ => return Err(LoadError::UnknownFormat { path: file }),
            };
            merged.assets.extend(part.assets);
            merged.relations.extend(part.relations);
        }
        Ok(Inventory::try_from(merged)?)
    }

    /// Every asset, in the order given.
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    /// Every relation, in the order given.
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// The asset with this id, if any.
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.positions.get(id).map(|&i| &self.assets[i])
    }

    /// Position of an asset in [`Inventory::assets`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.positions.get(id).copied()
    }

    /// The asset an identifier names, after normalisation (MAC separators,
    /// IP forms, host name case, short vs. fully-qualified host names).
    pub fn resolve(&self, kind: IdentifierKind, value: &str) -> Option<&Asset> {
        self.index.get(kind, value).map(|i| &self.assets[i])
    }

    /// Adds an asset or replaces the one with the same id; the result is
    /// validated again as a whole.
    pub fn upsert_asset(&self, asset: Asset) -> Result<Self, InvalidInventory> {
        let mut assets = self.assets.clone();
        match self.positions.get(&asset.id) {
            Some(&i) => assets[i] = asset,
            None => assets.push(asset),
        }
        Inventory::new(assets, self.relations.clone())
    }

    /// Removes an asset and every relation touching it; `None` when there is
    /// no such asset.
    pub fn remove_asset(&self, id: &str) -> Option<Self> {
        self.positions.get(id)?;
        let assets = self.assets.iter().filter(|a| a.id != id).cloned().collect();
        let relations = self.relations.iter().filter(|r| r.from != id && r.to != id).cloned().collect();
        // Removing cannot create a problem that was not there.
        Inventory::new(assets, relations).ok()
    }

    /// Replaces the relations, validated against the current assets.
    pub fn with_relations(&self, relations: Vec<Relation>) -> Result<Self, InvalidInventory> {
        Inventory::new(self.assets.clone(), relations)
    }

    /// The assets and relations, for storing.
    pub fn into_parts(self) -> (Vec<Asset>, Vec<Relation>) {
        (self.assets, self.relations)
    }

    fn doc(&self) -> InventoryDoc {
        InventoryDoc { assets: self.assets.clone(), relations: self.relations.clone() }
    }
}

fn collect_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io { path: dir.to_path_buf(), source };
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            files.push(path);
        }
    }
    Ok(())
}

pub(crate) fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str, origin: &str) -> Result<T, LoadError> {
    serde_saphyr::from_str(text).map_err(|e| LoadError::Parse { origin: origin.to_owned(), source: e.into() })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(text: &str, origin: &str) -> Result<T, LoadError> {
    serde_json::from_str(text).map_err(|e| LoadError::Parse { origin: origin.to_owned(), source: e.into() })
}

impl AssetLookup for Inventory {
    fn lookup(&self, kind: IdentifierKind, value: &str) -> Option<Resolved> {
        self.resolve(kind, value).map(|a| Resolved { asset: a.id.clone(), location: a.location.clone() })
    }
}
