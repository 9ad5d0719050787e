//! Why a rule file or a rule was refused, and why correlation state could not
//! be restored.

use std::path::PathBuf;

/// One rule (or whole file) that could not be loaded; the others still load.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// The file the rule came from (`<inline>` for rules given as text).
    pub path: PathBuf,
    /// The rule's title when the parser got that far.
    pub title: Option<String>,
    /// Why it was refused, for the operator.
    pub reason: String,
}

/// Failures of the detection layer that are not per-rule.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// A rule directory could not be listed.
    #[error("cannot read rule directory {path}: {source}")]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A saved correlation snapshot does not decode.
    #[error("correlation snapshot is not valid: {0}")]
    BadSnapshot(#[source] serde_json::Error),
    /// A saved correlation snapshot was written by an incompatible version.
    #[error("correlation snapshot has an incompatible version")]
    SnapshotVersion,
    /// The reference library (`rsigma-eval` used plainly) could not load
    /// the rules.
    #[error("the plain library refused the rules: {0}")]
    Reference(#[source] Box<dyn std::error::Error + Send + Sync>),
}
