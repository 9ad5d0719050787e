//! Query-string values, parsed one by one so a bad one is named.

use crate::error::ApiError;

/// Parses an optional query value; empty counts as absent.
pub fn parse<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    value
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<T>().map_err(|e| ApiError::bad_request(format!("invalid {name} {v:?}: {e}"))))
        .transpose()
}
