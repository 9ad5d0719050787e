//! The [`Assessor`]: an inventory and a rule set compiled once, then asked
//! "what does this threat on these assets do?" as often as needed.

use safecare_model::{AssetKind, Relation};

use crate::Inventory;
use crate::gamma::Gamma;
use crate::graph::Graph;
use crate::propagate::{Overlay, Propagation, Settings, State, propagate};
use crate::report::{Crossing, ImpactReport, ImpactedAsset, PathStep};
use crate::rules::{ImpactType, RuleSet};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssessError {
    #[error("unknown threat `{0}` (not in the rule set's threats)")]
    UnknownThreat(String),
    #[error("unknown asset `{0}`")]
    UnknownAsset(String),
    #[error("no asset given to assess")]
    NoSeed,
}

pub struct Assessor {
    pub(crate) inventory: Inventory,
    pub(crate) rules: RuleSet,
    pub(crate) graph: Graph,
    pub(crate) settings: Settings,
}

impl Assessor {
    pub fn new(inventory: Inventory, rules: RuleSet, gamma: Gamma) -> Self {
        let graph = Graph::compile(&inventory, &rules);
        let settings = Settings { gamma, min_score: rules.min_score, max_paths: rules.max_paths };
        Assessor { inventory, rules, graph, settings }
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn gamma(&self) -> Gamma {
        self.settings.gamma
    }

    /// The impact of `threat` striking every asset in `seeds`.
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
        seeds
            .iter()
            .map(|id| {
                let at = self.inventory.position(id).ok_or_else(|| AssessError::UnknownAsset((*id).to_owned()))?;
                Ok((at as u32, key, def.impact))
            })
            .collect()
    }

    pub(crate) fn threat_key(&self, threat: &str) -> Result<u32, AssessError> {
        self.graph.keys.get(threat).copied().ok_or_else(|| AssessError::UnknownThreat(threat.to_owned()))
    }

    /// Σ over services of worst score × criticality.
    pub(crate) fn sum_service_impact(&self, run: &Propagation) -> f64 {
        let mut worst: std::collections::HashMap<u32, f64> = std::collections::HashMap::new();
        for state in &run.states {
            if self.graph.kinds[state.asset as usize] == AssetKind::Service {
                let entry = worst.entry(state.asset).or_insert(0.0);
                *entry = entry.max(state.score);
            }
        }
        worst.iter().map(|(&asset, score)| score * self.criticality(asset)).sum()
    }

    fn criticality(&self, asset: u32) -> f64 {
        self.inventory.assets()[asset as usize].attributes.get("criticality").and_then(|v| v.as_f64()).unwrap_or(1.0)
    }

    fn report(&self, threat: &str, seeds: &[&str], run: &Propagation) -> ImpactReport {
        let mut services = Vec::new();
        let mut assets = Vec::new();
        for (at, state) in run.states.iter().enumerate() {
            let entry = self.entry(run, at as u32, state);
            if entry.kind == AssetKind::Service { services.push(entry) } else { assets.push(entry) }
        }
        let by_score =
            |a: &ImpactedAsset, b: &ImpactedAsset| b.score.total_cmp(&a.score).then_with(|| a.asset.cmp(&b.asset));
        services.sort_by(by_score);
        assets.sort_by(|a, b| b.kind.is_business().cmp(&a.kind.is_business()).then_with(|| by_score(a, b)));
        ImpactReport {
            threat: threat.to_owned(),
            seeds: seeds.iter().map(|s| (*s).to_owned()).collect(),
            gamma: self.settings.gamma,
            services,
            assets,
            service_impact: self.sum_service_impact(run),
        }
    }

    fn entry(&self, run: &Propagation, at: u32, state: &State) -> ImpactedAsset {
        let asset = &self.inventory.assets()[state.asset as usize];
        let path = self.path(run, at);
        let others = if asset.kind.is_business() { state.others.as_slice() } else { &[] };
        let other_paths = others
            .iter()
            .filter_map(|arrival| {
                let mut path = self.path(run, arrival.step.from);
                // A path that already went through this asset is a cycle.
                if path.iter().any(|step| step.asset == asset.id) {
                    return None;
                }
                path.push(PathStep {
                    asset: asset.id.clone(),
                    impact: state.impact,
                    threat: self.key_name(arrival.threat),
                    score: arrival.score,
                    minutes: arrival.minutes,
                    via: Some(self.crossing(arrival.step.relation, arrival.step.direction, arrival.step.rule)),
                });
                Some(path)
            })
            .collect();
        ImpactedAsset {
            asset: asset.id.clone(),
            name: asset.name.clone(),
            kind: asset.kind,
            impact: state.impact,
            threat: self.key_name(state.threat),
            score: state.score,
            minutes: state.minutes,
            path,
            other_paths,
        }
    }

    /// Follows best predecessors back to a seed. Predecessors were settled
    /// strictly earlier, so the walk ends.
    fn path(&self, run: &Propagation, at: u32) -> Vec<PathStep> {
        let mut steps = Vec::new();
        let mut cursor = Some(at);
        while let Some(i) = cursor {
            let state = &run.states[i as usize];
            let via = state.via.map(|s| self.crossing(s.relation, s.direction, s.rule));
            steps.push(PathStep {
                asset: self.inventory.assets()[state.asset as usize].id.clone(),
                impact: state.impact,
                threat: self.key_name(state.threat),
                score: state.score,
                minutes: state.minutes,
                via,
            });
            cursor = state.via.map(|s| s.from);
        }
        steps.reverse();
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

    fn key_name(&self, key: u32) -> String {
        self.graph.key_names.get(key as usize).cloned().unwrap_or_default()
    }
}
