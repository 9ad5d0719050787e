//! Errors of loading inventories and content files.

use std::path::PathBuf;

use crate::InvalidInventory;

/// Why a file or text could not be turned into a usable inventory or
/// content set.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// Malformed YAML or JSON, an unknown asset kind or a missing field;
    /// `origin` is the file, or `<text>` when parsing a string.
    #[error("cannot parse {origin}: {source}")]
    Parse {
        /// The file, or `<text>`.
        origin: String,
        /// The YAML or JSON parser's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The file name has no known extension.
    #[error("{path}: not a .yaml, .yml or .json file")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The inventory parsed but is not consistent.
    #[error(transparent)]
    Invalid(#[from] InvalidInventory),
    /// Rules or mitigations parsed but are not consistent.
    #[error("{origin}: {message}")]
    Content {
        /// The file, or `<text>`.
        origin: String,
        /// What is wrong.
        message: String,
    },
}
