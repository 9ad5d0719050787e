//! The run's timeline, drawn from the seed: when each step and each noise
//! emission happens, each in a second of its own, so that an event stored
//! by SafeCare is traced back to the emission that sent it by its time.

use std::collections::BTreeSet;

use crate::plan::Plan;
use crate::template::Vars;

/// Who sent an emission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// The step at this index of the plan.
    Step(usize),
    /// The noise generator at this index.
    Noise(usize),
}

/// One moment of the run: records of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Emission {
    /// Whole seconds from the start, unique in the run.
    pub second: u64,
    /// Who sends.
    pub origin: Origin,
    /// The placeholders besides the time (asset, picked values).
    pub vars: Vars,
}

/// SplitMix64: small, fast and the same on every platform, which is all a
/// reproducible timeline needs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index below `len` (> 0).
    pub fn index(&mut self, len: usize) -> usize {
        (self.next_u64() % len as u64) as usize
    }
}

/// The emissions of `plan` for `seed`, in time order. Steps are placed
/// first, at their jittered time; noise takes the free seconds nearest
/// after its drawn times.
pub fn timeline(plan: &Plan, seed: u64) -> Vec<Emission> {
    let mut rng = Rng::new(seed);
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let shift = (rng.unit() * 2.0 - 1.0) * step.jitter.as_secs_f64();
        let at = (step.at.as_secs_f64() + shift).max(0.0).round() as u64;
        let second = free_from(&mut taken, at);
        out.push(Emission { second, origin: Origin::Step(i), vars: step.vars.clone() });
    }
    let end = plan.duration.as_secs_f64();
    for (n, generator) in plan.noise.iter().enumerate() {
        let every = generator.every.as_secs_f64();
        let mut t = every * (0.5 + rng.unit());
        while t <= end {
            let mut vars = if generator.assets.is_empty() {
                Vars::new()
            } else {
                generator.assets[rng.index(generator.assets.len())].clone()
            };
            for (name, list) in &generator.values {
                vars.insert(name.clone(), list[rng.index(list.len())].clone());
            }
            let second = free_from(&mut taken, t.round() as u64);
            out.push(Emission { second, origin: Origin::Noise(n), vars });
            t += every * (0.5 + rng.unit());
        }
    }
    out.sort_by_key(|e| e.second);
    out
}

fn free_from(taken: &mut BTreeSet<u64>, mut second: u64) -> u64 {
    while !taken.insert(second) {
        second += 1;
    }
    second
}
