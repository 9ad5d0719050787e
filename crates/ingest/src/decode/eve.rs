//! Suricata EVE JSON, one record per line.
//!
//! All EVE keys are kept as they are (nested objects such as `alert` or
//! `dns` stay nested; `Event::field("alert.signature")` reads them). The
//! logsource is product `suricata`, service = `event_type`.

use safecare_model::{Domain, Event, Severity};
use serde_json::Value;

use super::json::{self, JsonError, str_at};
use super::{Context, time};

/// Why a line is not a usable EVE record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EveError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// No `event_type`.
    #[error("EVE record has no \"event_type\"")]
    MissingEventType,
    /// No `timestamp`.
    #[error("EVE record has no \"timestamp\"")]
    MissingTimestamp,
    /// A `timestamp` that does not parse.
    #[error("EVE timestamp {0:?} is not a valid time")]
    InvalidTimestamp(String),
}

impl EveError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            EveError::Json(e) => e.kind(),
            EveError::MissingEventType => "eve_missing_event_type",
            EveError::MissingTimestamp => "eve_missing_timestamp",
            EveError::InvalidTimestamp(_) => "eve_invalid_timestamp",
        }
    }
}

/// Decodes one EVE line.
pub fn decode(input: &[u8], ctx: &Context) -> Result<Event, EveError> {
    let fields = json::object(input)?;
    let event_type = fields.get("event_type").and_then(Value::as_str).ok_or(EveError::MissingEventType)?.to_owned();
    let raw_time = fields.get("timestamp").ok_or(EveError::MissingTimestamp)?;
    let time = time::from_json(raw_time, &ctx.timezone)
        .ok_or_else(|| EveError::InvalidTimestamp(json::text_of(raw_time).unwrap_or_default()))?;

    let flow = format!(
        "{} {}:{} -> {}:{}",
        str_at(&fields, "proto"),
        str_at(&fields, "src_ip"),
        str_at(&fields, "src_port"),
        str_at(&fields, "dest_ip"),
        str_at(&fields, "dest_port")
    );
    let (message, severity) = match event_type.as_str() {
        "alert" => (str_at(&fields, "alert.signature"), alert_severity(fields.get("alert"))),
        "dns" => (
            format!(
                "DNS {} {} {}",
                str_at(&fields, "dns.type"),
                str_at(&fields, "dns.rrname"),
                str_at(&fields, "dns.rrtype")
            ),
            Severity::Info,
        ),
        "http" => (
            format!(
                "HTTP {} {}{}",
                str_at(&fields, "http.http_method"),
                str_at(&fields, "http.hostname"),
                str_at(&fields, "http.url")
            ),
            Severity::Info,
        ),
        "tls" => (format!("TLS {} {}", str_at(&fields, "tls.sni"), str_at(&fields, "tls.version")), Severity::Info),
        "fileinfo" => (format!("File {} ({})", str_at(&fields, "fileinfo.filename"), flow), Severity::Info),
        "anomaly" => (
            format!("Anomaly {} {} ({})", str_at(&fields, "anomaly.type"), str_at(&fields, "anomaly.event"), flow),
            Severity::Low,
        ),
        "flow" | "netflow" => (format!("Flow {flow}"), Severity::Info),
        other => (format!("{other} {flow}"), Severity::Info),
    };
    let mut event = ctx.event(Domain::Cyber, time, message.trim().to_owned());
    event.severity = severity;
    event.logsource.product = Some("suricata".into());
    event.logsource.service = Some(event_type);
    event.fields = fields;
    Ok(event)
}

/// Suricata ranks alerts 1 (most severe) to 3 or more (least).
fn alert_severity(alert: Option<&Value>) -> Severity {
    match alert.and_then(|a| a.get("severity")).and_then(Value::as_u64) {
        Some(1) => Severity::High,
        Some(2) => Severity::Medium,
        _ => Severity::Low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Timestamp;

    fn ctx() -> Context {
        Context::new("eve")
    }

    #[test]
    fn alert_record() {
        let line = br#"{"timestamp":"2026-01-05T10:00:00.123456+0100","flow_id":1,"event_type":"alert","src_ip":"10.0.0.5","src_port":4444,"dest_ip":"10.1.0.9","dest_port":445,"proto":"TCP","alert":{"action":"allowed","signature_id":2024218,"signature":"ET EXPLOIT SMB probe","category":"Attempted Administrator Privilege Gain","severity":1}}"#;
        let event = decode(line, &ctx()).unwrap();
        assert_eq!(event.time, "2026-01-05T09:00:00.123456Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.message, "ET EXPLOIT SMB probe");
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.logsource.service.as_deref(), Some("alert"));
        assert_eq!(event.field("alert.signature_id"), Some(&serde_json::json!(2024218)));
    }

    #[test]
    fn each_event_type_gets_a_message() {
        let cases: [(&str, &str); 6] = [
            (r#""event_type":"dns","dns":{"type":"query","rrname":"pacs.hq","rrtype":"A"}"#, "DNS query pacs.hq A"),
            (r#""event_type":"http","http":{"hostname":"x.org","url":"/a","http_method":"GET"}"#, "HTTP GET x.org/a"),
            (r#""event_type":"tls","tls":{"sni":"portal.hq","version":"TLS 1.3"}"#, "TLS portal.hq TLS 1.3"),
            (r#""event_type":"fileinfo","proto":"TCP","fileinfo":{"filename":"/a.exe"}"#, "File /a.exe"),
            (
                r#""event_type":"anomaly","anomaly":{"type":"decode","event":"ipv4.trunc_pkt"}"#,
                "Anomaly decode ipv4.trunc_pkt",
            ),
            (
                r#""event_type":"flow","proto":"UDP","src_ip":"1.1.1.1","src_port":1,"dest_ip":"2.2.2.2","dest_port":2"#,
                "Flow UDP 1.1.1.1:1 -> 2.2.2.2:2",
            ),
        ];
        for (body, expected) in cases {
            let line = format!(r#"{{"timestamp":"2026-01-05T10:00:00Z",{body}}}"#);
            let event = decode(line.as_bytes(), &ctx()).unwrap();
            assert!(event.message.starts_with(expected), "{} vs {expected}", event.message);
        }
    }

    #[test]
    fn broken_records_give_specific_errors() {
        assert_eq!(decode(br#"{"timestamp":"2026-01-05T10:00:00Z"}"#, &ctx()), Err(EveError::MissingEventType));
        assert_eq!(decode(br#"{"event_type":"dns"}"#, &ctx()), Err(EveError::MissingTimestamp));
        assert_eq!(
            decode(br#"{"event_type":"dns","timestamp":"2017-01-30T16:12:26+0100junk"}"#, &ctx()),
            Err(EveError::InvalidTimestamp("2017-01-30T16:12:26+0100junk".into()))
        );
        assert!(matches!(
            decode(br#"{"event_type":"dns","timestamp":"#, &ctx()),
            Err(EveError::Json(JsonError::Syntax { .. }))
        ));
    }
}
