//! γ: how an asset's protection degrees combine into one degree for the
//! threat and impact it faces. An asset's score is then 1 − γ.

use serde::{Deserialize, Serialize};

/// The combination of the degrees found under the threat's name, the impact
/// type's name and `all` in an asset's `protections` (missing keys count as
/// 0).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Gamma {
    /// The strongest protection decides.
    Max,
    /// Σ weight × degree, capped at 1.
    WeightedSum {
        /// Weight of the degree under the threat's name.
        threat: f64,
        /// Weight of the degree under the impact type's name.
        impact: f64,
        /// Weight of the degree under `all`.
        all: f64,
    },
    /// Independent layers: 1 − Π(1 − degree).
    #[default]
    ProbabilisticOr,
}

impl Gamma {
    /// `degrees` is [threat, impact, all].
    pub fn combine(self, degrees: [f64; 3]) -> f64 {
        let value = match self {
            Gamma::Max => degrees.into_iter().fold(0.0, f64::max),
            Gamma::WeightedSum { threat, impact, all } => threat * degrees[0] + impact * degrees[1] + all * degrees[2],
            Gamma::ProbabilisticOr => 1.0 - degrees.into_iter().map(|d| 1.0 - d).product::<f64>(),
        };
        value.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_gamma_combines_as_documented() {
        let degrees = [0.5, 0.2, 0.0];
        assert_eq!(Gamma::Max.combine(degrees), 0.5);
        assert!((Gamma::ProbabilisticOr.combine(degrees) - 0.6).abs() < 1e-12);
        let weighted = Gamma::WeightedSum { threat: 0.6, impact: 0.3, all: 0.1 };
        assert!((weighted.combine(degrees) - 0.36).abs() < 1e-12);
        assert!((weighted.combine([1.0, 1.0, 1.0]) - 1.0).abs() < 1e-12);
        assert_eq!(Gamma::WeightedSum { threat: 1.0, impact: 1.0, all: 1.0 }.combine([0.9, 0.9, 0.0]), 1.0);
    }
}
