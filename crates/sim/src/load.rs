//! Load from a scenario's own generators (`safecare bench pipeline --mix
//! SCENARIO`): its timeline played over and over, without waiting, each
//! emission's records filled with the time they are drawn at, so that the
//! attack's steps recur among the noise in the proportions the scenario
//! tells.

use jiff::Timestamp;
use serde_json::Value;

use crate::plan::Plan;
use crate::run::RunError;
use crate::template::{Vars, render, time_vars};
use crate::timeline::{Emission, Origin, timeline};

/// One emission's records, filled.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The source sending them (`api` for SafeCare's event form).
    pub source: String,
    /// Whether an attack step (not noise) sent them.
    pub attack: bool,
    /// The records: lines (strings) or JSON records.
    pub records: Vec<Value>,
}

/// An endless stream of a scenario's emissions: the timeline drawn from a
/// seed, then again from the next seed, and so on.
#[derive(Debug, Clone)]
pub struct Mix {
    plan: Plan,
    seed: u64,
    emissions: Vec<Emission>,
    next: usize,
}

impl Mix {
    /// The stream of `plan` from `seed`. An MQTT source's records carry
    /// their meaning in the topic, which no HTTP route has: those sources
    /// are left out (see [`Mix::left_out`]).
    pub fn new(plan: &Plan, seed: u64) -> Mix {
        Mix { plan: plan.clone(), seed, emissions: timeline(plan, seed), next: 0 }
    }

    /// The sources whose records the stream leaves out.
    pub fn left_out(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .plan
            .steps
            .iter()
            .filter(|s| s.topic.is_some())
            .map(|s| s.source.clone())
            .chain(self.plan.noise.iter().filter(|n| n.topic.is_some()).map(|n| n.source.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The next emission's records, dated `at`.
    pub fn next_batch(&mut self, at: Timestamp) -> Result<Batch, RunError> {
        loop {
            if self.next >= self.emissions.len() {
                self.seed = self.seed.wrapping_add(1);
                self.emissions = timeline(&self.plan, self.seed);
                self.next = 0;
            }
            let emission = &self.emissions[self.next];
            self.next += 1;
            let (source, topic, templates, label, attack) = match emission.origin {
                Origin::Step(i) => {
                    let s = &self.plan.steps[i];
                    (&s.source, &s.topic, &s.records, &s.id, true)
                }
                Origin::Noise(n) => {
                    let g = &self.plan.noise[n];
                    (&g.source, &g.topic, &g.records, &g.name, false)
                }
            };
            if topic.is_some() {
                continue;
            }
            let mut vars: Vars = emission.vars.clone();
            time_vars(at, &mut vars);
            let records = templates
                .iter()
                .map(|r| render(r, &vars))
                .collect::<Result<Vec<Value>, _>>()
                .map_err(|name| RunError::Placeholder { emission: label.clone(), name })?;
            return Ok(Batch { source: source.clone(), attack, records });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_stream_replays_the_timeline_with_its_attack_and_leaves_out_mqtt() {
        let (plan, _) = crate::prepare("infusion-pumps").unwrap();
        let mut mix = Mix::new(&plan, 1);
        assert_eq!(mix.left_out(), ["sim-doors"]);
        let at: Timestamp = "2026-12-05T08:00:00Z".parse().unwrap();
        // Three cycles: the timelines of seeds 1, 2 and 3, MQTT left out.
        let three: usize = (1..=3)
            .map(|seed| timeline(&plan, seed).iter().filter(|e| plan_topic(&plan, e.origin).is_none()).count())
            .sum();
        let batches: Vec<Batch> = (0..three).map(|_| mix.next_batch(at).unwrap()).collect();
        assert!(batches.iter().all(|b| b.source != "sim-doors"));
        // Each cycle holds the attack's steps sent through HTTP routes.
        let attacks = batches.iter().filter(|b| b.attack).count();
        assert_eq!(attacks, 3 * 2, "{batches:?}");
        let hl7 = batches.iter().find(|b| b.source == "sim-hl7").unwrap();
        assert!(hl7.records[0].as_str().unwrap().contains("20261205080000+0000"));
    }

    fn plan_topic(plan: &Plan, origin: Origin) -> Option<&String> {
        match origin {
            Origin::Step(i) => plan.steps[i].topic.as_ref(),
            Origin::Noise(n) => plan.noise[n].topic.as_ref(),
        }
    }
}
