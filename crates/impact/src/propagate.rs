//! Best-first propagation. Scores only shrink along a path (factors and
//! 1 − γ are at most 1), so settling the best-scored (asset, impact) state
//! first, as Dijkstra does, gives every state its best path once and for
//! all: cycles cannot loop, and every path is still considered (the ones
//! that lose are kept, bounded, as other paths).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use crate::gamma::Gamma;
use crate::graph::Graph;
use crate::rules::{Direction, ImpactType};

/// Changes a what-if makes to the graph without recompiling it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overlay {
    /// Extra protection degrees per asset: (key, degree), max with the
    /// asset's own.
    pub(crate) raised: HashMap<u32, Vec<(u32, f64)>>,
    /// Relations (by index) that no longer carry anything.
    pub(crate) cut: HashSet<u32>,
    /// Assets taken out of service: extra seeds of the given threat.
    pub(crate) offline: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub(crate) from: u32,
    pub(crate) relation: u32,
    pub(crate) direction: Direction,
    pub(crate) rule: u32,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    pub(crate) step: Step,
    pub(crate) score: f64,
    pub(crate) minutes: f64,
    pub(crate) threat: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) asset: u32,
    pub(crate) impact: ImpactType,
    pub(crate) threat: u32,
    pub(crate) score: f64,
    pub(crate) minutes: f64,
    pub(crate) via: Option<Step>,
    pub(crate) others: Vec<Arrival>,
    settled: bool,
}

/// The states reached, in the order they were settled (best first).
pub(crate) struct Propagation {
    pub(crate) states: Vec<State>,
}

pub(crate) struct Settings {
    pub(crate) gamma: Gamma,
    pub(crate) min_score: f64,
    pub(crate) max_paths: usize,
}

struct Run<'a> {
    graph: &'a Graph,
    overlay: &'a Overlay,
    settings: &'a Settings,
    states: Vec<State>,
    /// State number per (asset, impact), dense: u32::MAX when unreached.
    index: Vec<u32>,
    heap: BinaryHeap<(u64, Reverse<u32>)>,
}

/// The protection an asset has against `threat` with `impact`, after γ.
pub(crate) fn protection(
    graph: &Graph,
    overlay: &Overlay,
    gamma: Gamma,
    asset: u32,
    threat: u32,
    impact: ImpactType,
) -> f64 {
    let keys = [threat, graph.impact_keys[impact.index()], graph.all_key];
    let raised = overlay.raised.get(&asset);
    let degrees = keys.map(|key| {
        let own = graph.degree(asset, key);
        let extra = raised.and_then(|r| r.iter().find(|(k, _)| *k == key)).map_or(0.0, |&(_, d)| d);
        own.max(extra)
    });
    gamma.combine(degrees)
}

pub(crate) fn propagate(
    graph: &Graph,
    overlay: &Overlay,
    settings: &Settings,
    seeds: &[(u32, u32, ImpactType)],
) -> Propagation {
    let mut run = Run {
        graph,
        overlay,
        settings,
        states: Vec::new(),
        index: vec![u32::MAX; graph.kinds.len() * ImpactType::ALL.len()],
        heap: BinaryHeap::new(),
    };
    let offline = overlay.offline.iter().map(|&(asset, threat)| (asset, threat, ImpactType::Availability));
    for (asset, threat, impact) in seeds.iter().copied().chain(offline) {
        let score = 1.0 - protection(graph, overlay, settings.gamma, asset, threat, impact);
        if score > 0.0 {
            run.offer(asset, impact, Arrival { step: NO_STEP, score, minutes: 0.0, threat }, false);
        }
    }
    let mut order = Vec::new();
    while let Some((bits, Reverse(at))) = run.heap.pop() {
        let state = &mut run.states[at as usize];
        if state.settled || state.score.to_bits() != bits {
            continue;
        }
        state.settled = true;
        order.push(at);
        run.expand(at);
    }
    let mut position = vec![0u32; run.states.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old as usize] = new as u32;
    }
    // Renumber so that states are in settlement order, steps included.
    let mut slots: Vec<Option<State>> = run.states.into_iter().map(Some).collect();
    let mut sorted: Vec<State> = order.iter().filter_map(|&i| slots[i as usize].take()).collect();
    for state in &mut sorted {
        if let Some(step) = &mut state.via {
            step.from = position[step.from as usize];
        }
        for other in &mut state.others {
            other.step.from = position[other.step.from as usize];
        }
    }
    Propagation { states: sorted }
}

/// Marks a seed's arrival (no predecessor).
const NO_STEP: Step = Step { from: u32::MAX, relation: u32::MAX, direction: Direction::Forward, rule: u32::MAX };

impl Run<'_> {
    fn expand(&mut self, at: u32) {
        let (asset, impact, threat, score, minutes) = {
            let s = &self.states[at as usize];
            (s.asset, s.impact, s.threat, s.score, s.minutes)
        };
        let graph = self.graph;
        let from_kind = graph.kinds[asset as usize];
        for edge in graph.edges(asset) {
            if self.overlay.cut.contains(&edge.relation) {
                continue;
            }
            let to_kind = graph.kinds[edge.to as usize];
            for (rule_index, rule) in graph.rules(edge.kind, edge.direction).iter().enumerate() {
                if !rule.matches(threat, impact, from_kind, edge, to_kind) {
                    continue;
                }
                let next_threat = rule.threat.unwrap_or(threat);
                let guard = protection(graph, self.overlay, self.settings.gamma, edge.to, next_threat, rule.impact);
                let next_score = score * rule.factor * (1.0 - guard);
                if next_score < self.settings.min_score {
                    continue;
                }
                let step =
                    Step { from: at, relation: edge.relation, direction: edge.direction, rule: rule_index as u32 };
                let arrival = Arrival {
                    step,
                    score: next_score,
                    minutes: minutes + edge.delay.unwrap_or(rule.delay),
                    threat: next_threat,
                };
                self.offer(edge.to, rule.impact, arrival, true);
            }
        }
    }

    fn offer(&mut self, asset: u32, impact: ImpactType, arrival: Arrival, has_step: bool) {
        let via = has_step.then_some(arrival.step);
        let slot = asset as usize * ImpactType::ALL.len() + impact.index();
        let at = self.index[slot];
        if at == u32::MAX {
            let at = self.states.len() as u32;
            self.states.push(State {
                asset,
                impact,
                threat: arrival.threat,
                score: arrival.score,
                minutes: arrival.minutes,
                via,
                others: Vec::new(),
                settled: false,
            });
            self.index[slot] = at;
            self.heap.push((arrival.score.to_bits(), Reverse(at)));
            return;
        }
        let keep = self.settings.max_paths.saturating_sub(1);
        let state = &mut self.states[at as usize];
        let better = !state.settled
            && (arrival.score > state.score || (arrival.score == state.score && arrival.minutes < state.minutes));
        if better {
            if let Some(old) = state.via {
                let previous = Arrival { step: old, score: state.score, minutes: state.minutes, threat: state.threat };
                insert_bounded(&mut state.others, previous, keep);
            }
            state.threat = arrival.threat;
            state.score = arrival.score;
            state.minutes = arrival.minutes;
            state.via = via;
            self.heap.push((arrival.score.to_bits(), Reverse(at)));
        } else if has_step {
            insert_bounded(&mut state.others, arrival, keep);
        }
    }
}

fn insert_bounded(others: &mut Vec<Arrival>, arrival: Arrival, keep: usize) {
    if keep == 0 {
        return;
    }
    let at = others.iter().position(|o| o.score < arrival.score).unwrap_or(others.len());
    if at < keep {
        others.insert(at, arrival);
        others.truncate(keep);
    }
}
