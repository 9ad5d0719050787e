//! Errors of loading inventories and content files.

use std::path::PathBuf;

use crate::InvalidInventory;

/// Why a file or text could not be turned into a usable inventory or
/// content set.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// Malformed YAML or JSON, an unknown asset kind or a missing field;
    /// `origin` is the file, or `<text>` when parsing a string.
    #[error("cannot parse {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{path}: not a .yaml, .yml or .json file")]
    UnknownFormat { path: PathBuf },
    #[error(transparent)]
    Invalid(#[from] InvalidInventory),
    #[error("{origin}: {message}")]
    Content { origin: String, message: String },
}
