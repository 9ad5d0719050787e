//! Decision support: candidate mitigations (data, in
//! `content/impact/mitigations.yaml`) ranked by how much they lower the
//! impact on clinical services, computed by propagating again with each
//! one applied (what-if), and flagged when they would harm patients.

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use safecare_model::{Asset, AssetId, AssetKind, RelationKind};
use serde::{Deserialize, Serialize};

use crate::assess::{AssessError, Assessor};
use crate::egress::DoorRole;
use crate::error::LoadError;
use crate::inventory::parse_yaml;
use crate::level::serialize_rounded;
use crate::propagate::{Overlay, Propagation, propagate};

/// The mitigations a what-if can rank.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MitigationSet {
    /// Every mitigation, ids unique.
    pub mitigations: Vec<Mitigation>,
}

/// One response action and what it changes on which assets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    /// Unique id, by which playbooks name it.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Threats it answers; empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
    /// Which assets it acts on.
    pub select: Selector,
    /// What it changes on them.
    pub effects: Vec<Effect>,
    /// Why this mitigation itself puts patients at risk, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_safety_risk: Option<String>,
}

/// Which assets a mitigation acts on: every criterion given must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// Only the incident's assets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub seeds: bool,
    /// Never the incident's assets (what is already lost).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclude_seeds: bool,
    /// Only these asset ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// Only assets of these kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<AssetKind>,
    /// Zone names (`location.zone`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// In the same building and zone as one of the incident's assets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub seed_zone: bool,
    /// In the same building as one of the incident's assets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub seed_building: bool,
}

/// What a mitigation changes on the selected assets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    /// Protection degree under `key` (a threat, an impact type or `all`)
    /// raised to at least `degree`.
    RaiseProtection {
        /// The protection key: a threat, an impact type or `all`.
        key: String,
        /// The degree, in [0, 1].
        degree: f64,
    },
    /// Relations of these kinds touching the asset stop carrying impact.
    Cut {
        /// The relation kinds cut.
        relations: Vec<RelationKind>,
    },
    /// Taken out of service: its network links are cut and it becomes
    /// unavailable itself (threat `offline`), with what that does to its
    /// dependants.
    Offline,
}

/// One mitigation's what-if result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedMitigation {
    /// The mitigation's id.
    pub id: String,
    /// The mitigation's name.
    pub name: String,
    /// The assets it acts on.
    pub targets: Vec<AssetId>,
    /// [`ImpactReport::service_impact`](crate::ImpactReport::service_impact) without it.
    #[serde(serialize_with = "serialize_rounded")]
    pub service_impact_before: f64,
    /// The same with it applied.
    #[serde(serialize_with = "serialize_rounded")]
    pub service_impact_after: f64,
    /// before − after: positive is better.
    #[serde(serialize_with = "serialize_rounded")]
    pub reduction: f64,
    /// Whether it puts patients at risk itself.
    pub patient_safety_risk: bool,
    /// Why it is flagged: declared in the data, or found by the what-if.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub safety_reasons: Vec<String>,
}

impl RankedMitigation {
    /// Whether it lowers the impact on clinical services by a figure that
    /// shows at the written three decimals: the others change nothing the
    /// model measures (they may still stop what comes next).
    pub fn reduces(&self) -> bool {
        crate::level::rounded(self.reduction) > 0.0
    }
}

impl MitigationSet {
    /// Mitigations from a YAML document, checked.
    pub fn from_yaml(text: &str) -> Result<Self, LoadError> {
        let set: MitigationSet = parse_yaml(text, "<text>")?;
        set.check("<text>")?;
        Ok(set)
    }

    /// Mitigations from a YAML file, checked.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
        let origin = path.display().to_string();
        let set: MitigationSet = parse_yaml(&text, &origin)?;
        set.check(&origin)?;
        Ok(set)
    }

    /// The mitigations shipped in `content/impact/mitigations.yaml`.
    /// Parsed once per process; later calls copy the parsed set.
    pub fn bundled() -> Self {
        // The file is compiled in and parsed by a test, so it cannot fail at run
        // time without failing the build's tests first.
        #[allow(clippy::expect_used)]
        static BUNDLED: LazyLock<MitigationSet> = LazyLock::new(|| {
            MitigationSet::from_yaml(include_str!("../../../content/impact/mitigations.yaml"))
                .expect("bundled mitigations.yaml is valid")
        });
        BUNDLED.clone()
    }

    /// The mitigation with this id, if any.
    pub fn get(&self, id: &str) -> Option<&Mitigation> {
        self.mitigations.iter().find(|m| m.id == id)
    }

    /// Only the mitigations named, in the order given, each once: for
    /// instance the ones a playbook's tasks carry out, to be ranked for an
    /// incident with [`Assessor::rank_mitigations`]. Refused, naming every
    /// unknown id, when one is not in this set.
    pub fn subset<S: AsRef<str>>(&self, ids: &[S]) -> Result<MitigationSet, AssessError> {
        let unknown: Vec<String> =
            ids.iter().map(AsRef::as_ref).filter(|id| self.get(id).is_none()).map(str::to_owned).collect();
        if !unknown.is_empty() {
            return Err(AssessError::UnknownMitigations(unknown));
        }
        let mut mitigations: Vec<Mitigation> = Vec::with_capacity(ids.len());
        for id in ids.iter().map(AsRef::as_ref) {
            if let Some(m) = self.get(id)
                && !mitigations.iter().any(|chosen| chosen.id == id)
            {
                mitigations.push(m.clone());
            }
        }
        Ok(MitigationSet { mitigations })
    }

    fn check(&self, origin: &str) -> Result<(), LoadError> {
        let fail = |message: String| Err(LoadError::Content { origin: origin.to_owned(), message });
        let mut ids = HashSet::new();
        for m in &self.mitigations {
            if !ids.insert(m.id.as_str()) {
                return fail(format!("mitigation `{}` is defined more than once", m.id));
            }
            if m.effects.is_empty() {
                return fail(format!("mitigation `{}` has no effect", m.id));
            }
            for effect in &m.effects {
                if let Effect::RaiseProtection { degree, .. } = effect
                    && !(0.0..=1.0).contains(degree)
                {
                    return fail(format!("mitigation `{}`: degree {degree} outside [0, 1]", m.id));
                }
            }
        }
        Ok(())
    }
}

/// What re-propagation measures for one scenario.
struct Outcome {
    service_impact: f64,
    life_critical: Vec<(u32, f64)>,
}

impl Assessor {
    /// The mitigations that answer `threat` and act on at least one asset.
    pub fn candidate_mitigations<'m>(
        &self,
        threat: &str,
        seeds: &[&str],
        set: &'m MitigationSet,
    ) -> Vec<&'m Mitigation> {
        set.mitigations
            .iter()
            .filter(|m| m.threats.is_empty() || m.threats.iter().any(|t| t == threat))
            .filter(|m| !self.targets(m, seeds).is_empty())
            .collect()
    }

    /// Every candidate, best reduction of the impact on clinical services
    /// first; among equals, the ones safe for patients first.
    pub fn rank_mitigations(
        &self,
        threat: &str,
        seeds: &[&str],
        set: &MitigationSet,
    ) -> Result<Vec<RankedMitigation>, AssessError> {
        let seed_states = self.seeds(threat, seeds)?;
        let base = self.outcome(&propagate(&self.graph, &Overlay::default(), &self.settings, &seed_states));
        let mut ranked = Vec::new();
        for mitigation in self.candidate_mitigations(threat, seeds, set) {
            let targets = self.targets(mitigation, seeds);
            let overlay = self.overlay(mitigation, &targets)?;
            let after = self.outcome(&propagate(&self.graph, &overlay, &self.settings, &seed_states));
            let mut reasons: Vec<String> = mitigation.patient_safety_risk.iter().cloned().collect();
            if mitigation.effects.iter().any(|e| matches!(e, Effect::Offline)) {
                for &t in &targets {
                    if life_critical(&self.inventory.assets()[t]) {
                        reasons.push(format!("takes life-critical `{}` out of service", self.inventory.assets()[t].id));
                    }
                }
            }
            reasons.extend(self.locked_passages(mitigation, &targets));
            for (asset, score) in &after.life_critical {
                let before = base.life_critical.iter().find(|(a, _)| a == asset).map_or(0.0, |(_, s)| *s);
                if *score > before + 1e-9 {
                    let id = &self.inventory.assets()[*asset as usize].id;
                    reasons.push(format!("raises the impact on life-critical `{id}` from {before:.2} to {score:.2}"));
                }
            }
            ranked.push(RankedMitigation {
                id: mitigation.id.clone(),
                name: mitigation.name.clone(),
                targets: targets.iter().map(|&t| self.inventory.assets()[t].id.clone()).collect(),
                service_impact_before: base.service_impact,
                service_impact_after: after.service_impact,
                reduction: base.service_impact - after.service_impact,
                patient_safety_risk: !reasons.is_empty(),
                safety_reasons: reasons,
            });
        }
        ranked.sort_by(|a, b| {
            b.reduction
                .total_cmp(&a.reduction)
                .then_with(|| a.patient_safety_risk.cmp(&b.patient_safety_risk))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(ranked)
    }

    /// One reason per door role for the doors the mitigation locks that
    /// people must be able to pass: evacuation routes, emergency access.
    fn locked_passages(&self, mitigation: &Mitigation, targets: &[usize]) -> Vec<String> {
        let locks = mitigation.effects.iter().any(|effect| match effect {
            Effect::RaiseProtection { key, .. } => key == "physical_intrusion" || key == "all",
            Effect::Cut { relations } => relations.contains(&RelationKind::LeadsTo),
            Effect::Offline => false,
        });
        if !locks {
            return Vec::new();
        }
        let assets = self.inventory.assets();
        DoorRole::ALL
            .into_iter()
            .filter_map(|role| {
                let doors: Vec<&str> =
                    targets.iter().map(|&t| &assets[t]).filter(|a| role.holds(a)).map(|a| a.id.as_str()).collect();
                let what = match role {
                    DoorRole::EvacuationRoute => "on evacuation routes",
                    DoorRole::EmergencyAccess => "that give emergency access",
                };
                (!doors.is_empty()).then(|| format!("locks {} door(s) {what}: {}", doors.len(), doors.join(", ")))
            })
            .collect()
    }

    fn outcome(&self, run: &Propagation) -> Outcome {
        let mut life_critical: Vec<(u32, f64)> = Vec::new();
        for state in &run.states {
            if life_critical_at(self, state.asset) {
                match life_critical.iter_mut().find(|(a, _)| *a == state.asset) {
                    Some((_, worst)) => *worst = worst.max(state.score),
                    None => life_critical.push((state.asset, state.score)),
                }
            }
        }
        Outcome { service_impact: self.sum_service_impact(run), life_critical }
    }

    fn targets(&self, mitigation: &Mitigation, seeds: &[&str]) -> Vec<usize> {
        let assets = self.inventory.assets();
        let seed_positions: Vec<usize> = seeds.iter().filter_map(|s| self.inventory.position(s)).collect();
        let s = &mitigation.select;
        let same_building =
            |a: &Asset, b: &Asset| a.location.building.is_some() && a.location.building == b.location.building;
        let holds = |at: usize| {
            let a = &assets[at];
            let is_seed = seed_positions.contains(&at);
            (!s.seeds || is_seed)
                && !(s.exclude_seeds && is_seed)
                && (s.kinds.is_empty() || s.kinds.contains(&a.kind))
                && (s.zones.is_empty() || a.location.zone.as_ref().is_some_and(|z| s.zones.contains(z)))
                && (!s.seed_building || seed_positions.iter().any(|&seed| same_building(a, &assets[seed])))
                && (!s.seed_zone
                    || seed_positions.iter().any(|&seed| {
                        let seed = &assets[seed];
                        same_building(a, seed) && a.location.zone.is_some() && a.location.zone == seed.location.zone
                    }))
        };
        // Named assets and seeds are few: look them up rather than scan.
        let mut chosen: Vec<usize> = if !s.ids.is_empty() {
            s.ids.iter().filter_map(|id| self.inventory.position(id)).filter(|&at| holds(at)).collect()
        } else if s.seeds {
            seed_positions.iter().copied().filter(|&at| holds(at)).collect()
        } else {
            (0..assets.len()).filter(|&at| holds(at)).collect()
        };
        chosen.sort_unstable();
        chosen.dedup();
        chosen
    }

    fn overlay(&self, mitigation: &Mitigation, targets: &[usize]) -> Result<Overlay, AssessError> {
        let mut overlay = Overlay::default();
        let mut chosen = vec![false; self.inventory.assets().len()];
        for &t in targets {
            chosen[t] = true;
        }
        let relations = self.inventory.relations();
        let touching = |kinds: &[RelationKind], overlay: &mut Overlay| {
            for (index, (r, &(from, to))) in relations.iter().zip(&self.graph.ends).enumerate() {
                let touches = |end: u32| chosen.get(end as usize).copied().unwrap_or(false);
                if kinds.contains(&r.kind) && (touches(from) || touches(to)) {
                    overlay.cut_relation(index as u32, relations.len());
                }
            }
        };
        for effect in &mitigation.effects {
            match effect {
                Effect::RaiseProtection { key, degree } => {
                    // A key no threat or impact uses protects against nothing.
                    if let Some(&k) = self.graph.keys.get(key) {
                        for &t in targets {
                            overlay.raised.entry(t as u32).or_default().push((k, *degree));
                        }
                    }
                }
                Effect::Cut { relations } => touching(relations, &mut overlay),
                Effect::Offline => {
                    let offline = self.threat_key("offline")?;
                    touching(&[RelationKind::LeadsTo], &mut overlay);
                    overlay.offline.extend(targets.iter().map(|&t| (t as u32, offline)));
                }
            }
        }
        Ok(overlay)
    }
}

fn life_critical(asset: &Asset) -> bool {
    asset.attributes.get("life_critical").and_then(|v| v.as_bool()).unwrap_or(false)
}

fn life_critical_at(assessor: &Assessor, asset: u32) -> bool {
    life_critical(&assessor.inventory.assets()[asset as usize])
}
