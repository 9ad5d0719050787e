//! IDMEFv2 alerts from other SAFECARE-style detectors, taken in as events.
//!
//! The whole alert is kept as fields under its own PascalCase keys. The
//! domain follows `Analyzer.Type` (`Physical` → physical, else cyber), the
//! severity `Priority`, the time `StartTime` else `CreateTime`. Logsource:
//! product `idmefv2`, category = the first `Category` entry.

use safecare_model::{Domain, Event, Severity};
use serde_json::Value;

use super::json::{self, JsonError};
use super::{Context, time};

/// Why a record is not an IDMEFv2 alert.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IdmefError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A required attribute is absent.
    #[error("IDMEFv2 alert has no {0:?}")]
    Missing(&'static str),
    /// A version other than 2.x.
    #[error("IDMEFv2 version {0:?} is not 2.x")]
    Version(String),
    /// A time that is not RFC 3339.
    #[error("IDMEFv2 time {0:?} is not RFC 3339")]
    InvalidTime(String),
    /// A priority IDMEFv2 does not define.
    #[error("IDMEFv2 priority {0:?} is not Unknown, Info, Low, Medium or High")]
    InvalidPriority(String),
}

impl IdmefError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            IdmefError::Json(e) => e.kind(),
            IdmefError::Missing(_) => "idmef_missing",
            IdmefError::Version(_) => "idmef_version",
            IdmefError::InvalidTime(_) => "idmef_invalid_time",
            IdmefError::InvalidPriority(_) => "idmef_priority",
        }
    }
}

/// Decodes one IDMEFv2 JSON alert.
pub fn decode(input: &[u8], ctx: &Context) -> Result<Event, IdmefError> {
    let fields = json::object(input)?;
    let text = |key: &'static str| fields.get(key).and_then(Value::as_str).ok_or(IdmefError::Missing(key));
    let version = text("Version")?;
    if !version.starts_with("2.") {
        return Err(IdmefError::Version(version.to_owned()));
    }
    text("ID")?;
    let raw_time =
        fields.get("StartTime").or_else(|| fields.get("CreateTime")).ok_or(IdmefError::Missing("CreateTime"))?;
    let time = raw_time
        .as_str()
        .and_then(|t| time::parse_text(t, &jiff::tz::TimeZone::UTC))
        .ok_or_else(|| IdmefError::InvalidTime(json::text_of(raw_time).unwrap_or_default()))?;
    let severity = match fields.get("Priority").and_then(Value::as_str) {
        None | Some("Unknown") | Some("Info") => Severity::Info,
        Some("Low") => Severity::Low,
        Some("Medium") => Severity::Medium,
        Some("High") => Severity::High,
        Some(other) => return Err(IdmefError::InvalidPriority(other.to_owned())),
    };
    let domain = match json::path(&fields, "Analyzer.Type").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("physical") => Domain::Physical,
        _ => Domain::Cyber,
    };
    let message = fields.get("Description").and_then(Value::as_str).unwrap_or("IDMEFv2 alert").to_owned();
    let category = fields.get("Category").and_then(Value::as_array).and_then(|c| c.first()).and_then(Value::as_str);

    let mut event = ctx.event(domain, time, message);
    event.severity = severity;
    event.logsource.product = Some("idmefv2".into());
    event.logsource.category = category.map(str::to_owned);
    event.fields = fields;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Timestamp;

    const ALERT: &str = r#"{"Version":"2.0.3","ID":"09db946e-673e-49af-b4b2-a8cd9da58de6","CreateTime":"2026-01-05T10:01:00Z","StartTime":"2026-01-05T10:00:00+01:00","Description":"Unauthorized access to server room","Priority":"High","Category":["Intrusion.Physical"],"Analyzer":{"IP":"10.2.0.5","Name":"psim-01","Model":"PSIM 3","Type":"Physical","Category":["PSIM"]},"Target":[{"Location":"hq/main/-1/it/srv"}]}"#;

    #[test]
    fn physical_alert_becomes_physical_event() {
        let event = decode(ALERT.as_bytes(), &Context::new("idmef")).unwrap();
        assert_eq!(event.domain, Domain::Physical);
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.time, "2026-01-05T09:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.logsource.category.as_deref(), Some("Intrusion.Physical"));
        assert_eq!(event.field("Analyzer.Name"), Some(&serde_json::json!("psim-01")));
    }

    #[test]
    fn safecare_own_alerts_round_trip_in() {
        let alert = safecare_model::Alert::new("Ransomware note on PACS", Severity::Critical);
        let event = decode(&serde_json::to_vec(&alert).unwrap(), &Context::new("idmef")).unwrap();
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.domain, Domain::Cyber);
        assert_eq!(event.message, "Ransomware note on PACS");
    }

    #[test]
    fn broken_alerts_give_specific_errors() {
        let ctx = Context::new("idmef");
        let with = |k: &str, v: serde_json::Value| {
            let mut m: serde_json::Map<String, Value> = serde_json::from_str(ALERT).unwrap();
            if v.is_null() {
                m.remove(k);
            } else {
                m.insert(k.into(), v);
            }
            serde_json::to_vec(&m).unwrap()
        };
        assert_eq!(decode(&with("Version", Value::Null), &ctx), Err(IdmefError::Missing("Version")));
        assert_eq!(decode(&with("Version", "1.0".into()), &ctx), Err(IdmefError::Version("1.0".into())));
        assert_eq!(decode(&with("ID", Value::Null), &ctx), Err(IdmefError::Missing("ID")));
        assert_eq!(decode(&with("StartTime", "later".into()), &ctx), Err(IdmefError::InvalidTime("later".into())));
        assert_eq!(decode(&with("Priority", "Urgent".into()), &ctx), Err(IdmefError::InvalidPriority("Urgent".into())));
    }
}
