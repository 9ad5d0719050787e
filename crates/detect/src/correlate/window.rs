//! The state of one correlation group: an aggregate that is updated and
//! read in O(1) amortised time per event, whatever the window holds, and
//! whose memory is capped.
//!
//! Each aggregate keeps only what its condition needs: `event_count` a
//! count per distinct second, `value_count` the latest time of each
//! distinct value, `temporal` the latest hit of each rule and, for
//! `temporal_ordered`, the latest start of an ordered chain ending at each
//! rule. Events of one group must arrive in time order, as they must for
//! `rsigma-eval` (which evicts from the front of arrival-ordered queues).

use std::collections::VecDeque;

use rsigma_parser::CorrelationType;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Distinct seconds kept per `event_count` group. A window spanning more
/// seconds that all hold events drops its oldest seconds (the count can
/// only fall short, never exceed the true one).
pub(crate) const MAX_SECONDS: usize = 4096;
/// Distinct values kept per `value_count` group; past it the oldest value
/// is forgotten (again only ever under-counting).
pub(crate) const MAX_VALUES: usize = 4096;
/// Numeric samples kept per `value_sum`/`value_avg`/`value_percentile`/
/// `value_median` group; percentiles sort at most this many.
pub(crate) const MAX_SAMPLES: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Aggregate {
    /// `(second, events in it)`, oldest first, and their sum.
    Count { seconds: VecDeque<(i64, u32)>, total: u64 },
    /// Each value's latest time, and `(time, value)` in arrival order
    /// (an entry is stale once its value has been seen again).
    Values { latest: FxHashMap<Box<str>, i64>, order: VecDeque<(i64, Box<str>)> },
    /// Per position in the correlation's `rules`: the latest hit, and the
    /// latest start time of a non-decreasing chain of hits over positions
    /// `0..=k` (only read by `temporal_ordered`).
    Temporal { latest: Vec<Option<i64>>, chain: Vec<Option<i64>> },
    /// `(time, value)` oldest first, and their sum.
    Numeric { samples: VecDeque<(i64, f64)>, sum: f64 },
}

impl Aggregate {
    pub fn new(kind: CorrelationType, positions: usize) -> Self {
        match kind {
            CorrelationType::EventCount => Aggregate::Count { seconds: VecDeque::new(), total: 0 },
            CorrelationType::ValueCount => Aggregate::Values { latest: FxHashMap::default(), order: VecDeque::new() },
            CorrelationType::Temporal | CorrelationType::TemporalOrdered => {
                Aggregate::Temporal { latest: vec![None; positions], chain: vec![None; positions] }
            }
            CorrelationType::ValueSum
            | CorrelationType::ValueAvg
            | CorrelationType::ValuePercentile
            | CorrelationType::ValueMedian => Aggregate::Numeric { samples: VecDeque::new(), sum: 0.0 },
        }
    }

    /// Whether a restored aggregate fits a correlation of this kind.
    pub fn fits(&self, kind: CorrelationType, positions: usize) -> bool {
        match (self, kind) {
            (Aggregate::Count { .. }, CorrelationType::EventCount)
            | (Aggregate::Values { .. }, CorrelationType::ValueCount) => true,
            (Aggregate::Temporal { latest, chain }, CorrelationType::Temporal | CorrelationType::TemporalOrdered) => {
                latest.len() == positions && chain.len() == positions
            }
            (
                Aggregate::Numeric { .. },
                CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
                | CorrelationType::ValueMedian,
            ) => true,
            _ => false,
        }
    }

    /// Forgets everything before `cutoff` (sliding windows).
    pub fn evict(&mut self, cutoff: i64) {
        match self {
            Aggregate::Count { seconds, total } => {
                while let Some(&(t, n)) = seconds.front()
                    && t < cutoff
                {
                    *total -= u64::from(n);
                    seconds.pop_front();
                }
            }
            Aggregate::Values { latest, order } => {
                while let Some((t, _)) = order.front()
                    && *t < cutoff
                {
                    if let Some((_, value)) = order.pop_front()
                        && latest.get(&value).is_some_and(|&last| last < cutoff)
                    {
                        latest.remove(&value);
                    }
                }
            }
            // Hits before the cutoff are simply not counted (see `holds`);
            // the vectors have one slot per rule and never grow.
            Aggregate::Temporal { .. } => {}
            Aggregate::Numeric { samples, sum } => {
                while let Some(&(t, v)) = samples.front()
                    && t < cutoff
                {
                    *sum -= v;
                    samples.pop_front();
                }
                if samples.is_empty() {
                    *sum = 0.0;
                }
            }
        }
    }

    pub fn clear(&mut self) {
        match self {
            Aggregate::Count { seconds, total } => {
                seconds.clear();
                *total = 0;
            }
            Aggregate::Values { latest, order } => {
                latest.clear();
                order.clear();
            }
            Aggregate::Temporal { latest, chain } => {
                latest.iter_mut().chain(chain.iter_mut()).for_each(|slot| *slot = None);
            }
            Aggregate::Numeric { samples, sum } => {
                samples.clear();
                *sum = 0.0;
            }
        }
    }

    /// Whether the group holds nothing at or after `cutoff`.
    pub fn is_empty_since(&self, cutoff: i64) -> bool {
        match self {
            Aggregate::Count { seconds, .. } => seconds.back().is_none_or(|&(t, _)| t < cutoff),
            Aggregate::Values { latest, .. } => latest.values().all(|&t| t < cutoff),
            Aggregate::Temporal { latest, .. } => latest.iter().all(|t| t.is_none_or(|t| t < cutoff)),
            Aggregate::Numeric { samples, .. } => samples.back().is_none_or(|&(t, _)| t < cutoff),
        }
    }

    pub fn push_count(&mut self, ts: i64) {
        if let Aggregate::Count { seconds, total } = self {
            match seconds.back_mut() {
                Some((t, n)) if *t == ts => *n = n.saturating_add(1),
                _ => seconds.push_back((ts, 1)),
            }
            *total += 1;
            if seconds.len() > MAX_SECONDS
                && let Some((_, n)) = seconds.pop_front()
            {
                *total -= u64::from(n);
            }
        }
    }

    pub fn push_value(&mut self, ts: i64, value: &str) {
        let Aggregate::Values { latest, order } = self else { return };
        match latest.get_mut(value) {
            Some(last) => *last = (*last).max(ts),
            None => {
                latest.insert(value.into(), ts);
            }
        }
        order.push_back((ts, value.into()));
        // Repeated values leave stale entries behind; rebuilding the order
        // from the live values whenever stale ones outnumber them keeps the
        // queue proportional to the distinct values (amortised O(log n)).
        if order.len() > 2 * latest.len() + 16 {
            let mut live: Vec<(i64, Box<str>)> = latest.iter().map(|(v, &t)| (t, v.clone())).collect();
            live.sort_unstable();
            *order = live.into();
        }
        while latest.len() > MAX_VALUES {
            let Some((t, value)) = order.pop_front() else { break };
            if latest.get(&value) == Some(&t) {
                latest.remove(&value);
            }
        }
    }

    /// A hit of the rule at `positions` (ascending) of the correlation's
    /// `rules`. Chains are extended through later positions hit in the same
    /// second, so one event matching several rules counts in either order.
    pub fn push_hit(&mut self, ts: i64, positions: &[usize]) {
        let Aggregate::Temporal { latest, chain } = self else { return };
        let Some(&first) = positions.first() else { return };
        for &k in positions {
            if let Some(slot) = latest.get_mut(k) {
                *slot = Some(slot.map_or(ts, |t| t.max(ts)));
            }
        }
        for k in first..chain.len() {
            let hit_now = positions.contains(&k) || latest.get(k).copied().flatten() == Some(ts);
            if !hit_now {
                continue;
            }
            let start = if k == 0 { Some(ts) } else { chain.get(k - 1).copied().flatten() };
            if let (Some(start), Some(slot)) = (start, chain.get_mut(k)) {
                *slot = Some(slot.map_or(start, |s| s.max(start)));
            }
        }
    }

    pub fn push_number(&mut self, ts: i64, value: f64) {
        if let Aggregate::Numeric { samples, sum } = self {
            samples.push_back((ts, value));
            *sum += value;
            if samples.len() > MAX_SAMPLES
                && let Some((_, v)) = samples.pop_front()
            {
                *sum -= v;
            }
        }
    }

    /// The number the correlation's condition is checked against, given
    /// that only entries at or after `cutoff` are in the window; `None`
    /// when it has no value (an empty percentile) or a temporal extended
    /// condition does not hold.
    pub fn value(&self, kind: CorrelationType, cutoff: i64, percentile: Option<u64>, refs: &Refs<'_>) -> Option<f64> {
        let within = |t: &Option<i64>| t.is_some_and(|t| t >= cutoff);
        Some(match (self, kind) {
            (Aggregate::Count { total, .. }, _) => *total as f64,
            (Aggregate::Values { latest, .. }, _) => latest.len() as f64,
            (Aggregate::Temporal { latest, chain }, CorrelationType::TemporalOrdered) => {
                if let Some(expr) = refs.extended
                    && !refs.holds(expr, |k| latest.get(k).is_some_and(within))
                {
                    return None;
                }
                let ordered = chain.last().is_none_or(within);
                if ordered { refs.names.len() as f64 } else { 0.0 }
            }
            (Aggregate::Temporal { latest, .. }, _) => {
                if let Some(expr) = refs.extended
                    && !refs.holds(expr, |k| latest.get(k).is_some_and(within))
                {
                    return None;
                }
                latest.iter().filter(|t| within(t)).count() as f64
            }
            (Aggregate::Numeric { samples, sum }, CorrelationType::ValueSum) => {
                if samples.is_empty() {
                    0.0
                } else {
                    *sum
                }
            }
            (Aggregate::Numeric { samples, sum }, CorrelationType::ValueAvg) => {
                if samples.is_empty() {
                    0.0
                } else {
                    sum / samples.len() as f64
                }
            }
            (Aggregate::Numeric { samples, .. }, CorrelationType::ValuePercentile) => {
                percentile_of(samples, percentile.map_or(50.0, |p| p as f64))?
            }
            (Aggregate::Numeric { samples, .. }, _) => median_of(samples)?,
        })
    }
}

/// The correlation's rule references, for temporal extended conditions.
pub(crate) struct Refs<'a> {
    pub names: &'a [String],
    pub extended: Option<&'a rsigma_parser::ConditionExpr>,
}

impl Refs<'_> {
    /// An extended temporal condition: each identifier holds when a rule
    /// referenced by that name has a hit in the window.
    fn holds(&self, expr: &rsigma_parser::ConditionExpr, hit: impl Fn(usize) -> bool + Copy) -> bool {
        use rsigma_parser::ConditionExpr as C;
        match expr {
            C::Identifier(name) => self.names.iter().enumerate().any(|(k, n)| n == name && hit(k)),
            C::And(items) => items.iter().all(|e| self.holds(e, hit)),
            C::Or(items) => items.iter().any(|e| self.holds(e, hit)),
            C::Not(inner) => !self.holds(inner, hit),
            C::Selector { .. } => false,
        }
    }
}

fn finite_sorted(samples: &VecDeque<(i64, f64)>) -> Option<Vec<f64>> {
    let mut values: Vec<f64> = samples.iter().map(|&(_, v)| v).filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values)
}

/// Linear interpolation between closest ranks, `rank = p × (n − 1)`.
fn percentile_of(samples: &VecDeque<(i64, f64)>, percentile: f64) -> Option<f64> {
    let values = finite_sorted(samples)?;
    let rank = percentile.clamp(0.0, 100.0) / 100.0 * (values.len() - 1) as f64;
    let (lower, upper) = (rank.floor() as usize, rank.ceil() as usize);
    let low = *values.get(lower)?;
    Some(match values.get(upper) {
        Some(&high) if upper != lower => low + (rank - lower as f64) * (high - low),
        _ => low,
    })
}

fn median_of(samples: &VecDeque<(i64, f64)>) -> Option<f64> {
    let values = finite_sorted(samples)?;
    let mid = values.len() / 2;
    if values.len() % 2 == 0 { Some((values.get(mid - 1)? + values.get(mid)?) / 2.0) } else { values.get(mid).copied() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_REFS: Refs<'static> = Refs { names: &[], extended: None };

    #[test]
    fn counts_slide_and_stay_bounded() {
        let mut agg = Aggregate::new(CorrelationType::EventCount, 1);
        for ts in 0..10_000 {
            agg.push_count(ts / 2);
            agg.evict(ts / 2 - 300);
        }
        assert_eq!(agg.value(CorrelationType::EventCount, 0, None, &NO_REFS), Some(602.0));
        let Aggregate::Count { seconds, .. } = &agg else { unreachable!() };
        assert_eq!(seconds.len(), 301);
    }

    #[test]
    fn distinct_values_forget_what_left_the_window() {
        let mut agg = Aggregate::new(CorrelationType::ValueCount, 1);
        for ts in 0..995 {
            agg.push_value(ts, if ts % 10 == 0 { "rare" } else { "common" });
            agg.evict(ts - 5);
        }
        assert_eq!(agg.value(CorrelationType::ValueCount, 989, None, &NO_REFS), Some(2.0));
        agg.push_value(1000, "common");
        agg.evict(996);
        assert_eq!(agg.value(CorrelationType::ValueCount, 996, None, &NO_REFS), Some(1.0));
        let Aggregate::Values { order, .. } = &agg else { unreachable!() };
        assert!(order.len() < 40, "{}", order.len());
    }

    #[test]
    fn ordered_chains_need_the_rules_in_order_within_the_window() {
        let names = ["a".to_owned(), "b".to_owned()];
        let refs = Refs { names: &names, extended: None };
        let ordered = |hits: &[(i64, usize)], cutoff| {
            let mut agg = Aggregate::new(CorrelationType::TemporalOrdered, 2);
            for &(ts, k) in hits {
                agg.push_hit(ts, &[k]);
            }
            agg.value(CorrelationType::TemporalOrdered, cutoff, None, &refs)
        };
        assert_eq!(ordered(&[(1, 0), (2, 1)], 0), Some(2.0));
        assert_eq!(ordered(&[(1, 1), (2, 0)], 0), Some(0.0));
        assert_eq!(ordered(&[(1, 0), (5, 0), (6, 1)], 3), Some(2.0), "the later start is kept");
        assert_eq!(ordered(&[(1, 0), (6, 1)], 3), Some(0.0), "start left the window");
        assert_eq!(ordered(&[(4, 1), (4, 0)], 0), Some(2.0), "same second, either order");
    }

    #[test]
    fn percentiles_interpolate() {
        let mut agg = Aggregate::new(CorrelationType::ValuePercentile, 1);
        for v in [10.0, 20.0, 30.0, 40.0] {
            agg.push_number(0, v);
        }
        assert_eq!(agg.value(CorrelationType::ValuePercentile, 0, Some(50), &NO_REFS), Some(25.0));
        assert_eq!(agg.value(CorrelationType::ValueMedian, 0, None, &NO_REFS), Some(25.0));
        assert_eq!(agg.value(CorrelationType::ValueSum, 0, None, &NO_REFS), Some(100.0));
    }
}
