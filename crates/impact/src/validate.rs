//! Whole-inventory checks: what makes a set of assets and relations unusable
//! for propagation or resolution, each problem naming the asset or relation
//! at fault.

use std::collections::HashMap;
use std::fmt;

use safecare_model::{Asset, AssetKind, CapacityError, GeoError, Relation, RelationKind};

use safecare_model::{AssetId, IdentifierIndex, IdentifierKind, normalise_identifier};

/// One reason an inventory is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// Two assets share an id.
    #[error("asset `{0}` is defined more than once")]
    DuplicateAsset(AssetId),
    /// An asset has no id; the value is its name.
    #[error("an asset has an empty id (name `{0}`)")]
    EmptyId(String),
    /// A relation names an asset that does not exist.
    #[error("relation #{index} ({from} {kind:?} {to}) refers to unknown asset `{missing}`")]
    DanglingRelation {
        /// The relation's position in the inventory.
        index: usize,
        /// The relation's `from`.
        from: AssetId,
        /// The relation's `to`.
        to: AssetId,
        /// The relation's kind.
        kind: RelationKind,
        /// The id that names no asset.
        missing: AssetId,
    },
    /// A relation links an asset to itself.
    #[error("relation #{index} ({from} {kind:?} {to}) links an asset to itself")]
    SelfRelation {
        /// The relation's position in the inventory.
        index: usize,
        /// The relation's `from`.
        from: AssetId,
        /// The relation's `to`.
        to: AssetId,
        /// The relation's kind.
        kind: RelationKind,
    },
    /// Relations of one kind form a cycle.
    #[error("{kind:?} relations form a cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// The relation kind.
        kind: RelationKind,
        /// The asset ids around the cycle.
        cycle: Vec<AssetId>,
    },
    /// A protection degree is outside [0, 1].
    #[error("asset `{asset}`: protection `{threat}` is {degree}, outside [0, 1]")]
    ProtectionOutOfRange {
        /// The asset's id.
        asset: AssetId,
        /// The protection key.
        threat: String,
        /// The degree given.
        degree: f64,
    },
    /// A relation's delay is negative or not finite.
    #[error("relation #{index} ({from} -> {to}): delay_minutes {delay} is not a finite, non-negative number")]
    BadDelay {
        /// The relation's position in the inventory.
        index: usize,
        /// The relation's `from`.
        from: AssetId,
        /// The relation's `to`.
        to: AssetId,
        /// The delay given.
        delay: f64,
    },
    /// `two_way` is set on a relation other than `leads_to`.
    #[error("relation #{index} ({from} {kind:?} {to}): two_way only applies to leads_to")]
    TwoWayNotLeadsTo {
        /// The relation's position in the inventory.
        index: usize,
        /// The relation's `from`.
        from: AssetId,
        /// The relation's `to`.
        to: AssetId,
        /// The relation's kind.
        kind: RelationKind,
    },
    /// A dependency class is set on a relation other than `depends_on`/`supports`.
    #[error("relation #{index} ({from} {kind:?} {to}): a dependency class only applies to depends_on and supports")]
    ClassNotDependency {
        /// The relation's position in the inventory.
        index: usize,
        /// The relation's `from`.
        from: AssetId,
        /// The relation's `to`.
        to: AssetId,
        /// The relation's kind.
        kind: RelationKind,
    },
    /// An asset's identifier is malformed.
    #[error("asset `{asset}`: {kind} `{value}` is invalid: {reason}")]
    BadIdentifier {
        /// The asset's id.
        asset: AssetId,
        /// The identifier's kind.
        kind: IdentifierKind,
        /// The identifier value.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An asset's geography is unusable: a coordinate off the globe, a
    /// footprint not closed or without area, control points on one line.
    #[error("asset `{asset}`: geo: {error}")]
    BadGeo {
        /// The asset's id.
        asset: AssetId,
        /// What is wrong.
        error: GeoError,
    },
    /// Control points on an asset whose plan is not drawn (only buildings
    /// and floors have floor plans).
    #[error(
        "asset `{asset}` is a {kind}: control points geo-reference floor plans, which only buildings and floors have"
    )]
    GeoReferenceNotOnPlan {
        /// The asset's id.
        asset: AssetId,
        /// Its kind.
        kind: AssetKind,
    },
    /// Entrances on anything but a building, or assembly points on
    /// anything but a site: responders look for them there.
    #[error("asset `{asset}` is a {kind}: entrances belong to buildings and assembly points to sites")]
    GeoPointsMisplaced {
        /// The asset's id.
        asset: AssetId,
        /// Its kind.
        kind: AssetKind,
    },
    /// A service's beds do not add up, or a ward is listed twice.
    #[error("asset `{asset}`: capacity: {error}")]
    BadCapacity {
        /// The asset's id.
        asset: AssetId,
        /// What is wrong.
        error: CapacityError,
    },
    /// Beds and staffing on an asset that is not a clinical service.
    #[error("asset `{asset}` is a {kind}: only services have wards and staffing (capacity)")]
    CapacityNotOnService {
        /// The asset's id.
        asset: AssetId,
        /// Its kind.
        kind: AssetKind,
    },
    /// A door-role attribute (`evacuation_route`, `emergency_access`) that
    /// is not a boolean or is set on something other than a door.
    #[error("asset `{asset}`: attribute `{attribute}` {reason}")]
    BadDoorRole {
        /// The asset's id.
        asset: AssetId,
        /// The attribute at fault.
        attribute: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two assets share an identifier.
    #[error("{kind} `{value}` names both `{first}` and `{second}`")]
    SharedIdentifier {
        /// The identifier's kind.
        kind: IdentifierKind,
        /// The identifier value.
        value: String,
        /// The first asset naming it.
        first: AssetId,
        /// The second asset naming it.
        second: AssetId,
    },
}

/// An inventory refused, with every problem found (not just the first), so
/// that one import round fixes them all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct InvalidInventory {
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl fmt::Display for InvalidInventory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid inventory ({} problem(s))", self.problems.len())?;
        for problem in &self.problems {
            write!(f, "; {problem}")?;
        }
        Ok(())
    }
}

/// What a valid inventory derives from its records.
pub(crate) struct Checked {
    pub(crate) positions: HashMap<AssetId, usize>,
    pub(crate) index: IdentifierIndex,
}

/// Relation kinds along which a cycle makes no sense: a room cannot contain
/// its own floor, a server cannot run on what it runs. Dependencies and
/// adjacency may loop (a BMS server needs power whose controller is on the
/// network the BMS manages).
const ACYCLIC: [RelationKind; 2] = [RelationKind::PartOf, RelationKind::Hosts];

pub(crate) fn check(assets: &[Asset], relations: &[Relation]) -> Result<Checked, InvalidInventory> {
    let mut problems = Vec::new();
    let mut positions = HashMap::with_capacity(assets.len());
    let mut index = IdentifierIndex::default();
    for (position, asset) in assets.iter().enumerate() {
        if asset.id.trim().is_empty() {
            problems.push(Problem::EmptyId(asset.name.clone()));
        }
        if positions.insert(asset.id.clone(), position).is_some() {
            problems.push(Problem::DuplicateAsset(asset.id.clone()));
        }
        for (threat, &degree) in &asset.protections {
            if !(0.0..=1.0).contains(&degree) {
                problems.push(Problem::ProtectionOutOfRange {
                    asset: asset.id.clone(),
                    threat: threat.clone(),
                    degree,
                });
            }
        }
        if let Some(geo) = &asset.geo {
            if let Err(error) = geo.check() {
                problems.push(Problem::BadGeo { asset: asset.id.clone(), error });
            }
            if !geo.control_points.is_empty() && !matches!(asset.kind, AssetKind::Building | AssetKind::Floor) {
                problems.push(Problem::GeoReferenceNotOnPlan { asset: asset.id.clone(), kind: asset.kind });
            }
            if (!geo.entrances.is_empty() && asset.kind != AssetKind::Building)
                || (!geo.assembly_points.is_empty() && asset.kind != AssetKind::Site)
            {
                problems.push(Problem::GeoPointsMisplaced { asset: asset.id.clone(), kind: asset.kind });
            }
        }
        if let Some(capacity) = &asset.capacity {
            if asset.kind != AssetKind::Service {
                problems.push(Problem::CapacityNotOnService { asset: asset.id.clone(), kind: asset.kind });
            }
            for error in capacity.check() {
                problems.push(Problem::BadCapacity { asset: asset.id.clone(), error });
            }
        }
        crate::egress::check(asset, &mut problems);
        for (kind, value) in asset.identifiers.iter() {
            match normalise_identifier(kind, value) {
                Err(reason) => problems.push(Problem::BadIdentifier {
                    asset: asset.id.clone(),
                    kind,
                    value: value.to_owned(),
                    reason: reason.to_string(),
                }),
                Ok(normalised) => {
                    if let Err(other) = index.insert(kind, normalised, position) {
                        problems.push(Problem::SharedIdentifier {
                            kind,
                            value: value.to_owned(),
                            first: assets[other].id.clone(),
                            second: asset.id.clone(),
                        });
                    }
                }
            }
        }
    }
    for (i, relation) in relations.iter().enumerate() {
        check_relation(i, relation, &positions, &mut problems);
    }
    for kind in ACYCLIC {
        if let Some(cycle) = find_cycle(kind, relations, &positions, assets) {
            problems.push(Problem::Cycle { kind, cycle });
        }
    }
    if problems.is_empty() { Ok(Checked { positions, index }) } else { Err(InvalidInventory { problems }) }
}

fn check_relation(index: usize, r: &Relation, positions: &HashMap<AssetId, usize>, problems: &mut Vec<Problem>) {
    let (from, to, kind) = (r.from.clone(), r.to.clone(), r.kind);
    for end in [&r.from, &r.to] {
        if !positions.contains_key(end) {
            let missing = end.clone();
            problems.push(Problem::DanglingRelation { index, from: from.clone(), to: to.clone(), kind, missing });
        }
    }
    if r.from == r.to {
        problems.push(Problem::SelfRelation { index, from: from.clone(), to: to.clone(), kind });
    }
    if let Some(delay) = r.delay_minutes
        && !(delay.is_finite() && delay >= 0.0)
    {
        problems.push(Problem::BadDelay { index, from: from.clone(), to: to.clone(), delay });
    }
    if r.two_way && kind != RelationKind::LeadsTo {
        problems.push(Problem::TwoWayNotLeadsTo { index, from: from.clone(), to: to.clone(), kind });
    }
    if r.class.is_some() && !matches!(kind, RelationKind::DependsOn | RelationKind::Supports) {
        problems.push(Problem::ClassNotDependency { index, from, to, kind });
    }
}

/// The first cycle along `kind` relations, as asset ids, found by an
/// iterative depth-first search (no recursion: inventories can be deep).
fn find_cycle(
    kind: RelationKind,
    relations: &[Relation],
    positions: &HashMap<AssetId, usize>,
    assets: &[Asset],
) -> Option<Vec<AssetId>> {
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); assets.len()];
    for r in relations.iter().filter(|r| r.kind == kind) {
        if let (Some(&from), Some(&to)) = (positions.get(&r.from), positions.get(&r.to))
            && from != to
        {
            next[from].push(to);
        }
    }
    // 0 = unseen, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; assets.len()];
    for start in 0..assets.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut child)) = stack.last_mut() {
            if let Some(&target) = next[node].get(*child) {
                *child += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|&(n, _)| n == target).unwrap_or(0);
                        let mut cycle: Vec<AssetId> =
                            stack[from..].iter().map(|&(n, _)| assets[n].id.clone()).collect();
                        cycle.push(assets[target].id.clone());
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    None
}
