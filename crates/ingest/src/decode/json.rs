//! Shared helpers for the JSON decoders: parsing one record into an object
//! and reading values by dotted path.

use serde_json::{Map, Value};

use super::input::{self, InputError, MAX_RECORD_LEN};

/// Why a record is not a JSON object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    /// The input itself is unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Not valid JSON.
    #[error("invalid JSON at line {line}, column {column}: {reason}")]
    Syntax {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// The parser's message.
        reason: String,
    },
    /// Valid JSON, but not an object; the value is what it is instead.
    #[error("JSON record is {0}, not an object")]
    NotObject(&'static str),
}

impl JsonError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            JsonError::Input(e) => e.kind(),
            JsonError::Syntax { .. } => "invalid_json",
            JsonError::NotObject(_) => "not_object",
        }
    }
}

/// Parses one record (one NDJSON line or one message body) into an object.
pub fn object(input: &[u8]) -> Result<Map<String, Value>, JsonError> {
    let text = input::text(input, MAX_RECORD_LEN)?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(JsonError::NotObject(type_name(&other))),
        Err(e) => Err(JsonError::Syntax { line: e.line(), column: e.column(), reason: e.to_string() }),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value by dotted path: a flat key with that exact name first, then a
/// descent through nested objects.
pub fn path<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(v) = map.get(name) {
        return Some(v);
    }
    let mut parts = name.split('.');
    let mut current = map.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// A value as text: strings as they are, numbers and booleans printed.
pub fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Text at a dotted path, or an empty string (for building messages).
pub fn str_at(map: &Map<String, Value>, name: &str) -> String {
    path(map, name).and_then(text_of).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_only_with_positions_on_errors() {
        assert!(object(br#"{"a":{"b":1}}"#).is_ok());
        assert_eq!(object(b"[1]"), Err(JsonError::NotObject("an array")));
        assert!(matches!(object(br#"{"a":"#), Err(JsonError::Syntax { line: 1, .. })));
        assert!(matches!(object(b"\xFF\xFE{\x00}\x00"), Err(JsonError::Input(InputError::InvalidUtf8 { offset: 0 }))));
    }

    #[test]
    fn dotted_paths_prefer_flat_keys() {
        let map = object(br#"{"id.orig_h":"1.1.1.1","id":{"orig_h":"2.2.2.2","n":3}}"#).unwrap();
        assert_eq!(str_at(&map, "id.orig_h"), "1.1.1.1");
        assert_eq!(str_at(&map, "id.n"), "3");
        assert_eq!(str_at(&map, "id.missing"), "");
    }
}
