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
    pub reason: String,
}

/// Failures of the detection layer that are not per-rule.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("cannot read rule directory {path}: {source}")]
    ReadDir { path: PathBuf, source: std::io::Error },
    #[error("correlation snapshot is not valid: {0}")]
    BadSnapshot(#[source] serde_json::Error),
    #[error("correlation snapshot has an incompatible version")]
    SnapshotVersion,
    #[error("the plain library refused the rules: {0}")]
    Reference(String),
}
