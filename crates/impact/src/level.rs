//! The impact scale: what a score means, in words, and how scores are
//! written out.
//!
//! A score in (0, 1] is the share of an asset's function the incident is
//! expected to take away: 1 − γ of the struck asset's protections, then,
//! along the path, each rule's `factor` (the share of the impact one
//! relation passes on) times 1 − γ of each asset reached. A clinical
//! service at 0.6 is expected to lose about 60 % of its capacity (or, for a
//! confidentiality or safety impact, to be exposed to that degree); scores
//! under the rules' `min_score` are not followed, so they read as none.

use serde::{Deserialize, Serialize, Serializer};

/// A score's place on the scale, from none to critical.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ImpactLevel {
    /// Below [`LOW`]: not followed by propagation, nothing to act on.
    #[default]
    None,
    /// From [`LOW`]: the service works, slowed or exposed at the margin.
    Low,
    /// From [`MODERATE`]: a noticeable share of the service is lost.
    Moderate,
    /// From [`SEVERE`]: most of the service is lost.
    Severe,
    /// From [`CRITICAL`]: the service is lost or nearly so.
    Critical,
}

/// The lowest low score: the bundled rules' `min_score`.
pub const LOW: f64 = 0.05;
/// The lowest moderate score: a quarter of the service lost.
pub const MODERATE: f64 = 0.25;
/// The lowest severe score: half of the service lost.
pub const SEVERE: f64 = 0.5;
/// The lowest critical score: three quarters of the service lost.
pub const CRITICAL: f64 = 0.75;

impl ImpactLevel {
    /// The level of `score`; anything not a number reads as none.
    pub fn of(score: f64) -> ImpactLevel {
        match score {
            s if s >= CRITICAL => ImpactLevel::Critical,
            s if s >= SEVERE => ImpactLevel::Severe,
            s if s >= MODERATE => ImpactLevel::Moderate,
            s if s >= LOW => ImpactLevel::Low,
            _ => ImpactLevel::None,
        }
    }

    /// The level's name as the API writes it (`severe`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How many decimals a score or a sum of scores keeps when written out:
/// more would only show floating-point residue (`0.6480000000000001`).
pub const DECIMALS: i32 = 3;

/// `value` rounded to [`DECIMALS`], without the sign of a zero residue.
pub fn rounded(value: f64) -> f64 {
    let scale = 10f64.powi(DECIMALS);
    let r = (value * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

/// Serialises a score rounded to [`DECIMALS`] (for `serialize_with`).
pub(crate) fn serialize_rounded<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(rounded(*value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_split_the_scale_into_its_words() {
        let cases = [
            (0.0, ImpactLevel::None),
            (0.049, ImpactLevel::None),
            (0.05, ImpactLevel::Low),
            (0.249, ImpactLevel::Low),
            (0.25, ImpactLevel::Moderate),
            (0.499, ImpactLevel::Moderate),
            (0.5, ImpactLevel::Severe),
            (0.6480000000000001, ImpactLevel::Severe),
            (0.75, ImpactLevel::Critical),
            (1.0, ImpactLevel::Critical),
            (f64::NAN, ImpactLevel::None),
        ];
        for (score, level) in cases {
            assert_eq!(ImpactLevel::of(score), level, "{score}");
        }
        assert_eq!(ImpactLevel::Severe.as_str(), "severe");
        assert_eq!("critical".parse::<ImpactLevel>().unwrap(), ImpactLevel::Critical);
        assert!(ImpactLevel::Low < ImpactLevel::Critical);
    }

    #[test]
    fn written_scores_keep_three_decimals_and_lose_the_sign_of_zero() {
        assert_eq!(rounded(0.6480000000000001), 0.648);
        assert_eq!(rounded(-0.0001), 0.0);
        assert!(rounded(-0.0001).is_sign_positive());
        assert_eq!(rounded(11.33849), 11.338);
        #[derive(Serialize)]
        struct S(#[serde(serialize_with = "serialize_rounded")] f64);
        assert_eq!(serde_json::to_string(&S(0.6480000000000001)).unwrap(), "0.648");
    }
}
