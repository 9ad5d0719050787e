//! Zeek JSON logs (conn, dns, http, ssl, notice, modbus, and any other).
//!
//! Two naming styles exist: Zeek's own (`_path`, `id.orig_h`) and
//! Corelight's (`@stream`, `id_orig_h`). Corelight's connection keys are
//! renamed to Zeek's so that SigmaHQ `product: zeek` rules, which use
//! `id.orig_h`, match both; every other key is kept as it is. The logsource
//! is product `zeek`, service = the log name; the domain is building for
//! the Modbus and BACnet logs (ICSNPP's `modbus_*` and `bacnet_*` too),
//! cyber for the rest.

use safecare_model::{Domain, Event, Severity};
use serde_json::{Map, Value};

use super::json::{self, JsonError, str_at};
use super::{Context, time};

/// Why a line is not a usable Zeek record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZeekError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// Which Zeek log it is from is neither in the record nor configured.
    #[error("Zeek record names no log (no \"_path\" or \"@stream\") and none was configured")]
    UnknownLog,
    /// No `ts`.
    #[error("Zeek record has no \"ts\"")]
    MissingTs,
    /// A `ts` that does not parse.
    #[error("Zeek ts {0:?} is not a valid time")]
    InvalidTs(String),
}

impl ZeekError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            ZeekError::Json(e) => e.kind(),
            ZeekError::UnknownLog => "zeek_unknown_log",
            ZeekError::MissingTs => "zeek_missing_ts",
            ZeekError::InvalidTs(_) => "zeek_invalid_ts",
        }
    }
}

/// Corelight spells the connection tuple with underscores.
const CORELIGHT_ID_KEYS: [(&str, &str); 4] =
    [("id_orig_h", "id.orig_h"), ("id_orig_p", "id.orig_p"), ("id_resp_h", "id.resp_h"), ("id_resp_p", "id.resp_p")];

/// Decodes one Zeek JSON line. `log` names the log when the record does not
/// (Zeek writes one file per log without `_path` unless told to).
pub fn decode(input: &[u8], log: Option<&str>, ctx: &Context) -> Result<Event, ZeekError> {
    from_fields(json::object(input)?, log, ctx)
}

/// Makes the event of one Zeek record already split into its fields (a JSON
/// line, or a line of a tab-separated log read by [`super::zeek_tsv`]).
pub fn from_fields(mut fields: Map<String, Value>, log: Option<&str>, ctx: &Context) -> Result<Event, ZeekError> {
    let path = ["_path", "@stream"]
        .iter()
        .find_map(|k| fields.get(*k).and_then(Value::as_str))
        .or(log)
        .ok_or(ZeekError::UnknownLog)?
        .to_owned();
    let raw_ts = fields.get("ts").ok_or(ZeekError::MissingTs)?;
    let time = time::from_json(raw_ts, &ctx.timezone)
        .ok_or_else(|| ZeekError::InvalidTs(json::text_of(raw_ts).unwrap_or_default()))?;
    for (corelight, zeek) in CORELIGHT_ID_KEYS {
        if let Some(v) = fields.remove(corelight) {
            fields.insert(zeek.to_owned(), v);
        }
    }
    let (message, severity) = describe(&path, &fields);
    // Modbus and BACnet carry the building's control traffic.
    let domain =
        if path.starts_with("modbus") || path.starts_with("bacnet") { Domain::Building } else { Domain::Cyber };
    let mut event = ctx.event(domain, time, message.trim().to_owned());
    event.severity = severity;
    event.logsource.product = Some("zeek".into());
    event.logsource.service = Some(path);
    event.fields = fields;
    Ok(event)
}

fn describe(path: &str, f: &Map<String, Value>) -> (String, Severity) {
    let tuple = format!(
        "{}:{} -> {}:{}",
        str_at(f, "id.orig_h"),
        str_at(f, "id.orig_p"),
        str_at(f, "id.resp_h"),
        str_at(f, "id.resp_p")
    );
    match path {
        "conn" => (format!("conn {} {tuple} {}", str_at(f, "proto"), str_at(f, "service")), Severity::Info),
        "dns" => (format!("DNS {} {} ({tuple})", str_at(f, "query"), str_at(f, "qtype_name")), Severity::Info),
        "http" => (format!("HTTP {} {}{}", str_at(f, "method"), str_at(f, "host"), str_at(f, "uri")), Severity::Info),
        "ssl" => (format!("TLS {} {} ({tuple})", str_at(f, "server_name"), str_at(f, "version")), Severity::Info),
        "notice" => (format!("{}: {}", str_at(f, "note"), str_at(f, "msg")), Severity::Medium),
        "weird" => (format!("weird {} ({tuple})", str_at(f, "name")), Severity::Low),
        "modbus" => {
            let exception = str_at(f, "exception");
            let severity = if exception.is_empty() { Severity::Info } else { Severity::Low };
            (format!("Modbus {} unit {} ({tuple}) {exception}", str_at(f, "func"), str_at(f, "unit")), severity)
        }
        other => (format!("{other} {tuple}"), Severity::Info),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Timestamp;
    use serde_json::json;

    fn ctx() -> Context {
        Context::new("zeek")
    }

    #[test]
    fn zeek_style_with_iso_ts() {
        let line = br#"{"_path":"modbus","ts":"2026-01-05T10:00:00.5Z","uid":"C1","id.orig_h":"10.128.0.242","id.orig_p":56952,"id.resp_h":"10.47.8.54","id.resp_p":502,"unit":34,"func":"READ_COILS","exception":"ILLEGAL_DATA_ADDRESS"}"#;
        let event = decode(line, None, &ctx()).unwrap();
        assert_eq!(event.time, "2026-01-05T10:00:00.5Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.logsource.service.as_deref(), Some("modbus"));
        assert_eq!(event.severity, Severity::Low);
        assert!(event.message.starts_with("Modbus READ_COILS unit 34 (10.128.0.242:56952 -> 10.47.8.54:502)"));
    }

    #[test]
    fn corelight_style_is_renamed_and_epoch_ts_read() {
        let line = br#"{"@stream":"conn","@system":"sensor1","ts":1767607200.25,"id_orig_h":"10.0.1.6","id_orig_p":54243,"id_resp_h":"10.0.0.4","id_resp_p":53,"proto":"udp","service":"dns"}"#;
        let event = decode(line, None, &ctx()).unwrap();
        assert_eq!(event.time, "2026-01-05T10:00:00.25Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.fields["id.orig_h"], json!("10.0.1.6"));
        assert!(!event.fields.contains_key("id_orig_h"));
        assert_eq!(event.message, "conn udp 10.0.1.6:54243 -> 10.0.0.4:53 dns");
    }

    #[test]
    fn log_name_can_come_from_configuration() {
        let line = br#"{"ts":1767607200,"note":"Scan::Port_Scan","msg":"10.0.0.5 scanned 50 ports"}"#;
        assert_eq!(decode(line, None, &ctx()), Err(ZeekError::UnknownLog));
        let event = decode(line, Some("notice"), &ctx()).unwrap();
        assert_eq!(event.message, "Scan::Port_Scan: 10.0.0.5 scanned 50 ports");
        assert_eq!(event.severity, Severity::Medium);
    }

    #[test]
    fn broken_records_give_specific_errors() {
        assert_eq!(decode(br#"{"_path":"dns"}"#, None, &ctx()), Err(ZeekError::MissingTs));
        assert_eq!(
            decode(br#"{"_path":"dns","ts":"yesterday"}"#, None, &ctx()),
            Err(ZeekError::InvalidTs("yesterday".into()))
        );
        assert!(matches!(decode(b"{\"_path\":\"dns\",\"ts\":1", None, &ctx()), Err(ZeekError::Json(_))));
    }
}
