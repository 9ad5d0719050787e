//! The inventory and rules compiled for propagation: assets as numbers,
//! adjacency as one flat array, protection keys and threats interned, rules
//! bucketed by (relation kind, direction) and matched with bit masks.

use std::collections::HashMap;

use safecare_model::{AssetKind, DependencyClass, RelationKind};

use crate::Inventory;
use crate::name::Name;
use crate::rules::{Direction, ImpactType, RuleSet};

/// Key under which a protection applies to every threat and impact.
pub(crate) const ALL_KEY: &str = "all";

#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge {
    pub(crate) to: u32,
    pub(crate) relation: u32,
    pub(crate) kind: RelationKind,
    pub(crate) direction: Direction,
    pub(crate) class: Option<DependencyClass>,
    pub(crate) delay: Option<f64>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub(crate) name: Name,
    pub(crate) threats: Vec<u32>,
    pub(crate) impacts: u8,
    pub(crate) kinds: u32,
    pub(crate) classes: u8,
    pub(crate) unclassified: bool,
    pub(crate) to_kinds: u32,
    pub(crate) impact: ImpactType,
    pub(crate) threat: Option<u32>,
    pub(crate) factor: f64,
    pub(crate) delay: f64,
}

impl CompiledRule {
    pub(crate) fn matches(&self, threat: u32, impact: ImpactType, from: AssetKind, edge: &Edge, to: AssetKind) -> bool {
        (self.threats.is_empty() || self.threats.contains(&threat))
            && (self.impacts == 0 || self.impacts & impact_bit(impact) != 0)
            && (self.kinds == 0 || self.kinds & kind_bit(from) != 0)
            && (self.to_kinds == 0 || self.to_kinds & kind_bit(to) != 0)
            && (self.classes == 0 || edge.class.is_some_and(|c| self.classes & class_bit(c) != 0))
            && !(self.unclassified && edge.class.is_some())
    }
}

pub(crate) fn kind_bit(kind: AssetKind) -> u32 {
    1 << (kind as u32)
}

fn impact_bit(impact: ImpactType) -> u8 {
    1 << impact.index()
}

fn class_bit(class: DependencyClass) -> u8 {
    1 << (class as u8)
}

fn bucket(kind: RelationKind, direction: Direction) -> usize {
    kind as usize * 2 + usize::from(direction == Direction::Backward)
}

pub(crate) struct Graph {
    pub(crate) kinds: Vec<AssetKind>,
    /// Asset ids and names, shared with every report entry and step that
    /// names them.
    pub(crate) ids: Vec<Name>,
    pub(crate) names: Vec<Name>,
    /// Each asset's rank when ids are sorted: ties in a report are broken
    /// by id without comparing strings.
    pub(crate) id_rank: Vec<u32>,
    offsets: Vec<u32>,
    edges: Vec<Edge>,
    /// Each relation's (from, to) asset positions, as written
    /// (`u32::MAX` for an unknown end, which a valid inventory has not).
    pub(crate) ends: Vec<(u32, u32)>,
    /// Interned protection keys, threat names and impact names.
    pub(crate) keys: HashMap<String, u32>,
    pub(crate) key_names: Vec<Name>,
    pub(crate) protections: Vec<Vec<(u32, f64)>>,
    pub(crate) impact_keys: [u32; 4],
    pub(crate) all_key: u32,
    buckets: Vec<Vec<CompiledRule>>,
}

impl Graph {
    pub(crate) fn compile(inventory: &Inventory, rules: &RuleSet) -> Graph {
        let mut keys = HashMap::new();
        let mut key_names = Vec::new();
        let mut intern = |name: &str| -> u32 {
            if let Some(&k) = keys.get(name) {
                return k;
            }
            let k = key_names.len() as u32;
            keys.insert(name.to_owned(), k);
            key_names.push(Name::from(name));
            k
        };
        let impact_keys = ImpactType::ALL.map(|i| intern(i.as_str()));
        let all_key = intern(ALL_KEY);
        for threat in rules.threats.keys() {
            intern(threat);
        }
        let assets = inventory.assets();
        let protections = assets
            .iter()
            .map(|a| a.protections.iter().map(|(name, &degree)| (intern(name), degree)).collect())
            .collect();
        let buckets = compile_rules(rules, &mut intern);

        let position = |id: &str| inventory.position(id).map(|p| p as u32);
        let mut lists: Vec<Vec<Edge>> = vec![Vec::new(); assets.len()];
        let mut ends = Vec::with_capacity(inventory.relations().len());
        for (index, r) in inventory.relations().iter().enumerate() {
            let (from, to) = (position(&r.from), position(&r.to));
            ends.push((from.unwrap_or(u32::MAX), to.unwrap_or(u32::MAX)));
            // Valid inventories only hold relations between known assets.
            let (Some(mut from), Some(mut to)) = (from, to) else { continue };
            let mut kind = r.kind;
            if kind == RelationKind::Supports {
                std::mem::swap(&mut from, &mut to);
                kind = RelationKind::DependsOn;
            }
            let edge = |to, direction| Edge {
                to,
                relation: index as u32,
                kind,
                direction,
                class: r.class,
                delay: r.delay_minutes,
            };
            lists[from as usize].push(edge(to, Direction::Forward));
            let back =
                if r.two_way && kind == RelationKind::LeadsTo { Direction::Forward } else { Direction::Backward };
            lists[to as usize].push(edge(from, back));
        }
        let mut offsets = Vec::with_capacity(assets.len() + 1);
        let mut edges = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        offsets.push(0);
        for list in lists {
            edges.extend(list);
            offsets.push(edges.len() as u32);
        }
        let ids: Vec<Name> = assets.iter().map(|a| Name::from(a.id.as_str())).collect();
        let mut sorted: Vec<u32> = (0..assets.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
        let mut id_rank = vec![0; assets.len()];
        for (rank, &at) in sorted.iter().enumerate() {
            id_rank[at as usize] = rank as u32;
        }
        Graph {
            kinds: assets.iter().map(|a| a.kind).collect(),
            ids,
            names: assets.iter().map(|a| Name::from(a.name.as_str())).collect(),
            id_rank,
            offsets,
            edges,
            ends,
            keys,
            key_names,
            protections,
            impact_keys,
            all_key,
            buckets,
        }
    }

    pub(crate) fn edges(&self, asset: u32) -> &[Edge] {
        let a = asset as usize;
        &self.edges[self.offsets[a] as usize..self.offsets[a + 1] as usize]
    }

    pub(crate) fn rules(&self, kind: RelationKind, direction: Direction) -> &[CompiledRule] {
        &self.buckets[bucket(kind, direction)]
    }

    pub(crate) fn degree(&self, asset: u32, key: u32) -> f64 {
        self.protections[asset as usize].iter().find(|(k, _)| *k == key).map_or(0.0, |&(_, d)| d)
    }
}

fn compile_rules(rules: &RuleSet, intern: &mut impl FnMut(&str) -> u32) -> Vec<Vec<CompiledRule>> {
    let mut buckets: Vec<Vec<CompiledRule>> = vec![Vec::new(); 12];
    for rule in &rules.rules {
        let mask_kinds = |kinds: &[AssetKind]| kinds.iter().fold(0u32, |m, &k| m | kind_bit(k));
        let compiled = CompiledRule {
            name: Name::from(rule.name.as_str()),
            threats: rule.when.threats.iter().map(|t| intern(t)).collect(),
            impacts: rule.when.impacts.iter().fold(0u8, |m, &i| m | impact_bit(i)),
            kinds: mask_kinds(&rule.when.kinds),
            classes: rule.via.classes.iter().fold(0u8, |m, &c| m | class_bit(c)),
            unclassified: rule.via.unclassified,
            to_kinds: mask_kinds(&rule.via.to_kinds),
            impact: rule.then.impact,
            threat: rule.then.threat.as_deref().map(&mut *intern),
            factor: rule.then.factor,
            delay: rule.then.delay_minutes,
        };
        buckets[bucket(rule.via.relation, rule.via.direction)].push(compiled);
    }
    buckets
}
