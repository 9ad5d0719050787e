//! Generic JSON (one object per message or NDJSON line) with a configurable
//! mapping of which fields hold the event core.

use std::collections::BTreeMap;
use std::str::FromStr;

use safecare_model::{Domain, Event, Logsource, Severity};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json::{self, JsonError};
use super::{Context, time};

/// Why a JSON record could not be mapped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MappedError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// The time field does not parse.
    #[error("time field {field:?} holds {value:?}, which is not a valid time")]
    InvalidTime {
        /// The field's name.
        field: String,
        /// Its value.
        value: String,
    },
    /// A required time field is absent.
    #[error("required time field {0:?} is missing")]
    MissingTime(String),
    /// The severity field holds a value with no mapping.
    #[error("severity field {field:?} holds {value:?}, which has no mapping")]
    InvalidSeverity {
        /// The field's name.
        field: String,
        /// Its value.
        value: String,
    },
}

impl MappedError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            MappedError::Json(e) => e.kind(),
            MappedError::InvalidTime { .. } => "mapped_invalid_time",
            MappedError::MissingTime(_) => "mapped_missing_time",
            MappedError::InvalidSeverity { .. } => "mapped_invalid_severity",
        }
    }
}

/// Which (dotted) fields hold the event core, as written in a source's
/// configuration. Every field is kept under its own name either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonMapping {
    /// The domain of every event.
    pub domain: Domain,
    /// The logsource of every event.
    #[serde(default)]
    pub logsource: Logsource,
    /// Time field; a record without it is refused when `time_required`,
    /// else gets the receipt time.
    #[serde(default)]
    pub time: Option<String>,
    /// Refuse records without the time field.
    #[serde(default)]
    pub time_required: bool,
    /// Message field; default: the whole record as JSON.
    #[serde(default)]
    pub message: Option<String>,
    /// Severity field: its value is looked up in `severity_values`, else read
    /// as a SafeCare severity name (`high`) or rank (0–4).
    #[serde(default)]
    pub severity: Option<String>,
    /// Source severity values and the SafeCare severity each means.
    #[serde(default)]
    pub severity_values: BTreeMap<String, Severity>,
}

impl JsonMapping {
    /// A mapping of `domain` events that reads nothing but the fields.
    pub fn new(domain: Domain) -> Self {
        JsonMapping {
            domain,
            logsource: Logsource::default(),
            time: None,
            time_required: false,
            message: None,
            severity: None,
            severity_values: BTreeMap::new(),
        }
    }

    /// Decodes one record with this mapping.
    pub fn decode(&self, input: &[u8], ctx: &Context) -> Result<Event, MappedError> {
        let fields = json::object(input)?;
        let time = match self.time.as_deref() {
            Some(field) => match json::path(&fields, field) {
                Some(raw) => time::from_json(raw, &ctx.timezone).ok_or_else(|| MappedError::InvalidTime {
                    field: field.to_owned(),
                    value: json::text_of(raw).unwrap_or_default(),
                })?,
                None if self.time_required => return Err(MappedError::MissingTime(field.to_owned())),
                None => ctx.received,
            },
            None => ctx.received,
        };
        let severity = match self.severity.as_deref().and_then(|f| json::path(&fields, f).map(|v| (f, v))) {
            Some((field, raw)) => self.severity_of(raw).ok_or_else(|| MappedError::InvalidSeverity {
                field: field.to_owned(),
                value: json::text_of(raw).unwrap_or_default(),
            })?,
            None => Severity::Info,
        };
        let message = match self.message.as_deref().and_then(|f| json::path(&fields, f)).and_then(json::text_of) {
            Some(m) => m,
            None => Value::Object(fields.clone()).to_string(),
        };
        let mut event = ctx.event(self.domain, time, message);
        event.severity = severity;
        event.logsource = self.logsource.clone();
        event.fields = fields;
        Ok(event)
    }

    fn severity_of(&self, raw: &Value) -> Option<Severity> {
        let text = json::text_of(raw)?;
        if let Some(s) = self.severity_values.get(&text) {
            return Some(*s);
        }
        if let Some(rank) = raw.as_u64() {
            return u8::try_from(rank).ok().and_then(Severity::from_rank);
        }
        Severity::from_str(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Timestamp;
    use serde_json::json;

    fn mapping() -> JsonMapping {
        serde_json::from_value(json!({
            "domain": "medical",
            "logsource": {"product": "infusion_pump"},
            "time": "meta.when",
            "message": "text",
            "severity": "level",
            "severity_values": {"ALARM": "high", "NOTE": "info"}
        }))
        .unwrap()
    }

    #[test]
    fn mapped_core_and_kept_fields() {
        let line = br#"{"meta":{"when":"2026-01-05T10:00:00Z"},"text":"Occlusion","level":"ALARM","pump":"ip-12"}"#;
        let event = mapping().decode(line, &Context::new("pumps")).unwrap();
        assert_eq!(event.domain, Domain::Medical);
        assert_eq!(event.time, "2026-01-05T10:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.message, "Occlusion");
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.fields["pump"], "ip-12");
        assert_eq!(event.logsource.product.as_deref(), Some("infusion_pump"));
        let by_rank = mapping().decode(br#"{"level":3}"#, &Context::new("p")).unwrap();
        assert_eq!(by_rank.severity, Severity::High);
        assert_eq!(by_rank.message, r#"{"level":3}"#);
    }

    #[test]
    fn bad_values_give_specific_errors() {
        let ctx = Context::new("p");
        assert!(matches!(mapping().decode(br#"{"meta":{"when":"x"}}"#, &ctx), Err(MappedError::InvalidTime { .. })));
        assert!(matches!(mapping().decode(br#"{"level":"LOUD"}"#, &ctx), Err(MappedError::InvalidSeverity { .. })));
        let strict = JsonMapping { time_required: true, ..mapping() };
        assert_eq!(strict.decode(br#"{"a":1}"#, &ctx), Err(MappedError::MissingTime("meta.when".into())));
        assert!(matches!(mapping().decode(b"[]", &ctx), Err(MappedError::Json(JsonError::NotObject(_)))));
    }
}
