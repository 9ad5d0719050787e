//! The [`Assessor`]: an inventory and a rule set compiled once, then asked
//! "what does this threat on these assets do?" as often as needed.

use std::cmp::Reverse;

use safecare_model::{AssetId, AssetKind, Relation};

use crate::Inventory;
use crate::gamma::Gamma;
use crate::graph::Graph;
use crate::level::ImpactLevel;
use crate::name::Name;
use crate::propagate::{Overlay, Propagation, Settings, propagate};
use crate::report::{Crossing, ImpactReport, ImpactedAsset, PathStep};
use crate::rules::{ImpactType, RuleSet};

/// Why an assessment could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssessError {
    /// The rule set does not define the threat.
    #[error("unknown threat `{0}` (not in the rule set's threats)")]
    UnknownThreat(String),
    /// The inventory has no such asset.
    #[error("unknown asset `{0}`")]
    UnknownAsset(String),
    /// No asset was given.
    #[error("no asset given to assess")]
    NoSeed,
    /// Mitigation ids asked for (by a playbook, say) that the mitigation
    /// set does not define; every one is named.
    #[error("unknown mitigation(s): {}", .0.join(", "))]
    UnknownMitigations(Vec<String>),
}

/// Assesses impact over one inventory with one rule set; the relation graph
/// is compiled once, when it is made.
pub struct Assessor {
    pub(crate) inventory: Inventory,
    pub(crate) rules: RuleSet,
    pub(crate) graph: Graph,
    pub(crate) settings: Settings,
}

impl Assessor {
    /// An assessor of `inventory` under `rules`, combining protections with `gamma`.
    pub fn new(inventory: Inventory, rules: RuleSet, gamma: Gamma) -> Self {
        let graph = Graph::compile(&inventory, &rules);
        let settings = Settings { gamma, min_score: rules.min_score, max_paths: rules.max_paths };
        Assessor { inventory, rules, graph, settings }
    }

    /// The inventory it assesses.
    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// The rule set it applies.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// How it combines protections.
    pub fn gamma(&self) -> Gamma {
        self.settings.gamma
    }

    /// The impact of `threat` striking the assets in `seeds` it can strike
    /// (its `strikes` kinds; all of them when it names none or none is of
    /// those kinds), so that every path starts at an attacked asset.
    pub fn assess(&self, threat: &str, seeds: &[&str]) -> Result<ImpactReport, AssessError> {
        let seeds_compiled = self.seeds(threat, seeds)?;
        let run = propagate(&self.graph, &Overlay::default(), &self.settings, &seeds_compiled);
        Ok(self.report(threat, seeds, &run))
    }

    /// Only the number [`ImpactReport::service_impact`] would carry, without
    /// building the report: for sorting incidents by clinical impact.
    pub fn service_impact(&self, threat: &str, seeds: &[&str]) -> Result<f64, AssessError> {
        let seeds = self.seeds(threat, seeds)?;
        Ok(self.sum_service_impact(&propagate(&self.graph, &Overlay::default(), &self.settings, &seeds)))
    }

    pub(crate) fn seeds(&self, threat: &str, seeds: &[&str]) -> Result<Vec<(u32, u32, ImpactType)>, AssessError> {
        let def = self.rules.threats.get(threat).ok_or_else(|| AssessError::UnknownThreat(threat.to_owned()))?;
        let key = self.threat_key(threat)?;
        if seeds.is_empty() {
            return Err(AssessError::NoSeed);
        }
        let positions = seeds
            .iter()
            .map(|id| self.inventory.position(id).ok_or_else(|| AssessError::UnknownAsset((*id).to_owned())))
            .collect::<Result<Vec<usize>, AssessError>>()?;
        let struck: Vec<usize> = positions
            .iter()
            .copied()
            .filter(|&at| def.strikes.is_empty() || def.strikes.contains(&self.graph.kinds[at]))
            .collect();
        // When none of the assets is one the threat strikes, it is assessed
        // where it was seen rather than not at all.
        let struck = if struck.is_empty() { positions } else { struck };
        Ok(struck.into_iter().map(|at| (at as u32, key, def.impact)).collect())
    }

    pub(crate) fn threat_key(&self, threat: &str) -> Result<u32, AssessError> {
        self.graph.keys.get(threat).copied().ok_or_else(|| AssessError::UnknownThreat(threat.to_owned()))
    }

    /// Σ over services of worst score × criticality, summed in inventory
    /// order so that the same run always gives the same number.
    pub(crate) fn sum_service_impact(&self, run: &Propagation) -> f64 {
        let mut worst: Vec<(u32, f64)> = Vec::new();
        for state in &run.states {
            if self.graph.kinds[state.asset as usize] == AssetKind::Service {
                match worst.iter_mut().find(|(asset, _)| *asset == state.asset) {
                    Some((_, score)) => *score = score.max(state.score),
                    None => worst.push((state.asset, state.score)),
                }
            }
        }
        worst.sort_unstable_by_key(|&(asset, _)| asset);
        worst.iter().map(|&(asset, score)| score * self.criticality(asset)).sum()
    }

    fn criticality(&self, asset: u32) -> f64 {
        self.inventory.assets()[asset as usize].attributes.get("criticality").and_then(|v| v.as_f64()).unwrap_or(1.0)
    }

    /// Entries are sorted by integer keys (score, then id rank, then
    /// settlement order, so that ties keep the order propagation found them
    /// in), and only then turned into strings and paths.
    fn report(&self, threat: &str, seeds: &[&str], run: &Propagation) -> ImpactReport {
        let depth = depths(run);
        let mut services = Vec::new();
        let mut others = Vec::with_capacity(run.order.len());
        for (settled, &at) in run.order.iter().enumerate() {
            let state = &run.states[at as usize];
            let kind = self.graph.kinds[state.asset as usize];
            // Scores are positive, so their bits sort as they do.
            let key = (
                Reverse(kind.is_business()),
                Reverse(state.score.to_bits()),
                self.graph.id_rank[state.asset as usize],
                settled as u32,
                at,
            );
            if kind == AssetKind::Service { services.push(key) } else { others.push(key) }
        }
        services.sort_unstable();
        others.sort_unstable();
        let mut chain = Vec::new();
        let mut entries = |keys: Vec<EntryKey>| -> Vec<ImpactedAsset> {
            keys.into_iter().map(|(.., at)| self.entry(run, &depth, &mut chain, at)).collect()
        };
        ImpactReport {
            threat: threat.to_owned(),
            seeds: seeds.iter().map(|s| AssetId::from(*s)).collect(),
            gamma: self.settings.gamma,
            services: entries(services),
            assets: entries(others),
            service_impact: self.sum_service_impact(run),
        }
    }

    /// `chain` is scratch space for walking paths, reused across entries.
    fn entry(&self, run: &Propagation, depth: &[u32], chain: &mut Vec<u32>, at: u32) -> ImpactedAsset {
        let state = &run.states[at as usize];
        let asset = state.asset as usize;
        let kind = self.graph.kinds[asset];
        let others = if kind.is_business() { run.others(at) } else { &[] };
        let mut other_paths = Vec::with_capacity(others.len());
        for arrival in others {
            let steps = self.chain(run, arrival.step.from, chain);
            // A path that already went through this asset is a cycle.
            if steps.iter().any(|&i| run.states[i as usize].asset == state.asset) {
                continue;
            }
            let mut path = self.path(run, steps, depth[arrival.step.from as usize] as usize + 1);
            path.push(PathStep {
                asset: self.graph.ids[asset].clone(),
                impact: state.impact,
                threat: self.key_name(arrival.threat),
                score: arrival.score,
                minutes: arrival.minutes,
                via: Some(self.crossing(arrival.step.relation, arrival.step.direction, arrival.step.rule)),
            });
            other_paths.push(path);
        }
        let steps = self.chain(run, at, chain);
        ImpactedAsset {
            asset: self.graph.ids[asset].clone(),
            name: self.graph.names[asset].clone(),
            kind,
            impact: state.impact,
            threat: self.key_name(state.threat),
            score: state.score,
            level: ImpactLevel::of(state.score),
            minutes: state.minutes,
            path: self.path(run, steps, depth[at as usize] as usize),
            other_paths,
        }
    }

    /// The states of the best path to `at`, from `at` back to its seed.
    /// Predecessors were settled strictly earlier, so the walk ends.
    fn chain<'c>(&self, run: &Propagation, at: u32, chain: &'c mut Vec<u32>) -> &'c [u32] {
        chain.clear();
        let mut cursor = Some(at);
        while let Some(i) = cursor {
            chain.push(i);
            cursor = run.states[i as usize].via.map(|s| s.from);
        }
        chain
    }

    /// The steps of a chain, seed first, in a vector of `capacity`.
    fn path(&self, run: &Propagation, chain: &[u32], capacity: usize) -> Vec<PathStep> {
        let mut steps = Vec::with_capacity(capacity);
        steps.extend(chain.iter().rev().map(|&i| {
            let state = &run.states[i as usize];
            PathStep {
                asset: self.graph.ids[state.asset as usize].clone(),
                impact: state.impact,
                threat: self.key_name(state.threat),
                score: state.score,
                minutes: state.minutes,
                via: state.via.map(|s| self.crossing(s.relation, s.direction, s.rule)),
            }
        }));
        steps
    }

    fn crossing(&self, relation: u32, direction: crate::rules::Direction, rule: u32) -> Crossing {
        let r: &Relation = &self.inventory.relations()[relation as usize];
        let kind = if r.kind == safecare_model::RelationKind::Supports {
            safecare_model::RelationKind::DependsOn
        } else {
            r.kind
        };
        let name = self.graph.rules(kind, direction).get(rule as usize).map(|c| c.name.clone()).unwrap_or_default();
        Crossing { relation: r.kind, direction, rule: name }
    }

    fn key_name(&self, key: u32) -> Name {
        self.graph.key_names.get(key as usize).cloned().unwrap_or_default()
    }
}

/// How report entries sort: business assets first, worst score first, then
/// by id, then in settlement order; the last field is the state itself.
type EntryKey = (Reverse<bool>, Reverse<u64>, u32, u32, u32);

/// The number of steps of each state's best path: a predecessor is settled
/// before the states it reaches, so settlement order computes it in one pass.
fn depths(run: &Propagation) -> Vec<u32> {
    let mut depth = vec![0u32; run.states.len()];
    for &at in &run.order {
        let state = &run.states[at as usize];
        depth[at as usize] = state.via.map_or(1, |step| depth[step.from as usize] + 1);
    }
    depth
}
