//! Best-first propagation. Scores only shrink along a path (factors and
//! 1 − γ are at most 1), so settling the best-scored (asset, impact) state
//! first, as Dijkstra does, gives every state its best path once and for
//! all: cycles cannot loop, and every path is still considered (the ones
//! that lose are kept, bounded, as other paths).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::gamma::Gamma;
use crate::graph::Graph;
use crate::rules::{Direction, ImpactType};

/// Changes a what-if makes to the graph without recompiling it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overlay {
    /// Extra protection degrees per asset: (key, degree), max with the
    /// asset's own.
    pub(crate) raised: HashMap<u32, Vec<(u32, f64)>>,
    /// Per relation (by index), whether it no longer carries anything;
    /// empty when nothing is cut, so that the plain run pays no lookup.
    pub(crate) cut: Vec<bool>,
    /// Assets taken out of service: extra seeds of the given threat.
    pub(crate) offline: Vec<(u32, u32)>,
}

impl Overlay {
    pub(crate) fn cut_relation(&mut self, relation: u32, relations: usize) {
        if self.cut.is_empty() {
            self.cut = vec![false; relations];
        }
        self.cut[relation as usize] = true;
    }

    fn is_cut(&self, relation: u32) -> bool {
        self.cut.get(relation as usize).copied().unwrap_or(false)
    }
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

/// One (asset, impact) reached. Its best path is the chain of `via`
/// predecessors (a tree over the states), so no path is stored whole.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) asset: u32,
    pub(crate) impact: ImpactType,
    pub(crate) threat: u32,
    pub(crate) score: f64,
    pub(crate) minutes: f64,
    pub(crate) via: Option<Step>,
    /// Where this state's losing arrivals sit in [`Propagation::others`]
    /// (`u32::MAX`: none yet), and how many there are.
    others_at: u32,
    others_len: u32,
    settled: bool,
}

/// The states reached, numbered in the order they were first reached;
/// `order` lists them best first, as they were settled.
pub(crate) struct Propagation {
    pub(crate) states: Vec<State>,
    pub(crate) order: Vec<u32>,
    /// Losing arrivals, `keep` slots per state that has any, best first:
    /// one flat array instead of a small vector per state.
    others: Vec<Arrival>,
}

impl Propagation {
    /// The other (losing) arrivals at a state, best first.
    pub(crate) fn others(&self, at: u32) -> &[Arrival] {
        let state = &self.states[at as usize];
        if state.others_at == u32::MAX {
            return &[];
        }
        let start = state.others_at as usize;
        &self.others[start..start + state.others_len as usize]
    }
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
    keep: usize,
    states: Vec<State>,
    others: Vec<Arrival>,
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
    let raised = if overlay.raised.is_empty() { None } else { overlay.raised.get(&asset) };
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
    let assets = graph.kinds.len();
    let mut run = Run {
        graph,
        overlay,
        settings,
        keep: settings.max_paths.saturating_sub(1),
        states: Vec::with_capacity(assets),
        others: Vec::new(),
        index: vec![u32::MAX; assets * ImpactType::ALL.len()],
        heap: BinaryHeap::with_capacity(assets),
    };
    let offline = overlay.offline.iter().map(|&(asset, threat)| (asset, threat, ImpactType::Availability));
    for (asset, threat, impact) in seeds.iter().copied().chain(offline) {
        let score = 1.0 - protection(graph, overlay, settings.gamma, asset, threat, impact);
        if score > 0.0 {
            run.offer(asset, impact, Arrival { step: NO_STEP, score, minutes: 0.0, threat }, false);
        }
    }
    let mut order = Vec::with_capacity(run.states.capacity());
    while let Some((bits, Reverse(at))) = run.heap.pop() {
        let state = &mut run.states[at as usize];
        if state.settled || state.score.to_bits() != bits {
            continue;
        }
        state.settled = true;
        order.push(at);
        run.expand(at);
    }
    Propagation { states: run.states, order, others: run.others }
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
            if self.overlay.is_cut(edge.relation) {
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
                others_at: u32::MAX,
                others_len: 0,
                settled: false,
            });
            self.index[slot] = at;
            self.heap.push((arrival.score.to_bits(), Reverse(at)));
            return;
        }
        let state = &mut self.states[at as usize];
        let better = !state.settled
            && (arrival.score > state.score || (arrival.score == state.score && arrival.minutes < state.minutes));
        if better {
            let previous = state.via.map(|old| Arrival {
                step: old,
                score: state.score,
                minutes: state.minutes,
                threat: state.threat,
            });
            state.threat = arrival.threat;
            state.score = arrival.score;
            state.minutes = arrival.minutes;
            state.via = via;
            self.heap.push((arrival.score.to_bits(), Reverse(at)));
            if let Some(previous) = previous {
                self.keep_other(at, previous);
            }
        } else if has_step {
            self.keep_other(at, arrival);
        }
    }

    /// Inserts a losing arrival among the state's others, best first,
    /// keeping at most `keep` of them.
    fn keep_other(&mut self, at: u32, arrival: Arrival) {
        let keep = self.keep;
        if keep == 0 {
            return;
        }
        let state = &mut self.states[at as usize];
        if state.others_at == u32::MAX {
            state.others_at = self.others.len() as u32;
            self.others.resize(self.others.len() + keep, arrival);
        }
        let start = state.others_at as usize;
        let len = state.others_len as usize;
        let slots = &mut self.others[start..start + keep];
        let position = slots[..len].iter().position(|o| o.score < arrival.score).unwrap_or(len);
        if position < keep {
            let last = len.min(keep - 1);
            slots.copy_within(position..last, position + 1);
            slots[position] = arrival;
            state.others_len = (len + 1).min(keep) as u32;
        }
    }
}
