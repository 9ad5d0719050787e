//! SafeCare's own prefilter in front of `rsigma-eval`'s matcher.
//!
//! Why this exists (measured, see docs/detection.md "Performance"): the plain
//! library, one engine per logsource, evaluated the SigmaHQ Windows rules at
//! ~70,000 events/s on one core, mostly spent in its per-engine candidate
//! index (one Aho-Corasick pass per engine and field, a fresh candidate
//! vector per engine and event) and in routing keys allocated per event.
//! Here every rule's need (the literals an event must hold for the rule to
//! possibly match, see [`need`]) is computed once; the rules an event's
//! logsource admits are compiled into one [`plan::Plan`] per distinct route,
//! built on first use and cached; an event is probed once per field, and
//! only rules it might match are judged, by [`verdict`]: the library's
//! logic with each field looked up and lowercased once per event instead of
//! once per matcher. The result is exactly the plain library's
//! (tests/equivalence.rs checks it over all SigmaHQ Windows rules and
//! samples).

mod need;
mod needles;
mod plan;
mod regex_need;
mod verdict;

use std::cell::RefCell;
use std::sync::{Arc, OnceLock, RwLock};

use rayon::prelude::*;
use rsigma_eval::CompiledRule;
use rustc_hash::FxHashMap;

use crate::route::RouteTable;
use crate::view::FieldView;
use need::{Need, rule_need};
use plan::{Marks, Plan, Scratch};
use verdict::{Judge, judged_here};

/// More distinct routes than any real deployment has; past it, plans are
/// built per event instead of cached, so memory stays bounded.
const MAX_CACHED_PLANS: usize = 4096;

static NO_NEED: Need = Vec::new();

/// Needs of all compiled rules, and the plans built so far per route.
pub(crate) struct Prefilter {
    needs: Vec<Need>,
    /// Per rule: [`judged_here`].
    here: Vec<bool>,
    /// Keyed by the sorted route-group ids an event meets. A plan is built
    /// once: a thread that meets a route another thread is building waits
    /// for it rather than build it again. Building plans (their needle
    /// automata) is 15 % of a short hunt's CPU; with two workers, waiting
    /// instead of building twice measured no change in wall time, it only
    /// saves the duplicate CPU when more threads share the set.
    plans: RwLock<FxHashMap<Box<[u32]>, PlanCell>>,
}

/// A plan being built or built, shared by the threads that meet its route.
type PlanCell = Arc<OnceLock<Arc<Plan>>>;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Prefilter {
    pub fn new(rules: &[Arc<CompiledRule>]) -> Self {
        // On every core: over the SigmaHQ rules a hunt reaches this was a
        // fifth of loading them when done on one.
        Prefilter {
            needs: rules.par_iter().map(|rule| rule_need(rule)).collect(),
            here: rules.iter().map(|rule| judged_here(rule)).collect(),
            plans: RwLock::new(FxHashMap::default()),
        }
    }

    /// How many rules have a need the prefilter can check (the rest are
    /// evaluated for every event of their logsource).
    pub fn anchored(&self) -> usize {
        self.needs.iter().filter(|n| !n.is_empty()).count()
    }

    fn plan(&self, routes: &RouteTable, groups: &[u32]) -> Arc<Plan> {
        let cached = self.plans.read().unwrap_or_else(|e| e.into_inner()).get(groups).cloned();
        let cell = cached.or_else(|| {
            let mut plans = self.plans.write().unwrap_or_else(|e| e.into_inner());
            if let Some(cell) = plans.get(groups) {
                return Some(cell.clone());
            }
            (plans.len() < MAX_CACHED_PLANS).then(|| plans.entry(groups.into()).or_default().clone())
        });
        let build = || {
            let mut members: Vec<u32> = groups.iter().flat_map(|&g| routes.members(g).iter().copied()).collect();
            members.sort_unstable();
            members.dedup();
            Arc::new(Plan::build(members, |r| self.needs.get(r as usize).unwrap_or(&NO_NEED)))
        };
        match cell {
            Some(cell) => cell.get_or_init(build).clone(),
            None => build(),
        }
    }

    /// Calls `sink` with the index of every rule of `groups` (sorted
    /// route-group ids) that `event` matches, skipping those it cannot
    /// match, in ascending rule order.
    pub fn run(
        &self,
        rules: &[Arc<CompiledRule>],
        routes: &RouteTable,
        groups: &[u32],
        event: &FieldView<'_>,
        sink: &mut dyn FnMut(usize),
    ) {
        let plan = self.plan(routes, groups);
        let mut judge = Judge::new(event);
        SCRATCH.with(|cell| {
            let scratch = &mut *cell.borrow_mut();
            let mut marks = Marks::new(scratch, plan.slots());
            plan.mark(event, &mut marks);
            for local in plan.candidates(&marks) {
                let Some(&index) = plan.rules.get(local) else { continue };
                let here = self.here.get(index as usize).copied().unwrap_or(false);
                if rules.get(index as usize).is_some_and(|rule| judge.matches(rule, here)) {
                    sink(index as usize);
                }
            }
        });
    }
}
