//! Windows event log records as JSON, in the three shapes collectors write:
//!
//! - flat (NXLog, Mordor/OTRF datasets): `EventID`, `Channel`, `Hostname`
//!   and the event data fields side by side at the top level;
//! - nested (evtx_dump, the `evtx` crate): `Event.System` and
//!   `Event.EventData`;
//! - Winlogbeat: `winlog.event_id`, `winlog.channel`, `winlog.event_data`.
//!
//! Nested and Winlogbeat records are flattened to the flat shape
//! (`EventID`, `Channel`, `Computer`, `Provider_Name`, event data fields by
//! their own names), which is what SigmaHQ's Windows rules match. The
//! logsource is product `windows` only: the SigmaHQ service and categories
//! of a channel and event id, and the field names SigmaHQ's taxonomy gives
//! each source, are one table owned by detection (`safecare_detect::logsource`),
//! which derives them from the `Channel` and `EventID` kept here. Ingest
//! depends only on the model, and a second copy of that table here is how
//! the two once disagreed (Sysmon 12–14 routed to `registry_event` only).

use safecare_model::{Domain, Event, Severity};
use serde_json::{Map, Value, json};

use super::json::{self, JsonError, text_of};
use super::{Context, time};

/// Why a record is not a usable Windows event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WindowsError {
    /// Not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// No event id in any known form.
    #[error("record has no EventID (flat, Event.System or winlog form)")]
    MissingEventId,
    /// No time in any known form.
    #[error("record has no time (TimeCreated, @timestamp, EventTime or System.TimeCreated)")]
    MissingTime,
    /// A time that does not parse.
    #[error("event time {0:?} is not a valid time")]
    InvalidTime(String),
}

impl WindowsError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            WindowsError::Json(e) => e.kind(),
            WindowsError::MissingEventId => "windows_missing_event_id",
            WindowsError::MissingTime => "windows_missing_time",
            WindowsError::InvalidTime(_) => "windows_invalid_time",
        }
    }
}

/// Decodes one Windows event JSON record.
pub fn decode(input: &[u8], ctx: &Context) -> Result<Event, WindowsError> {
    decode_object(json::object(input)?, ctx)
}

/// Decodes an already parsed record (used for EVTX files too).
pub fn decode_object(record: Map<String, Value>, ctx: &Context) -> Result<Event, WindowsError> {
    let fields = flatten(record);
    let event_id = fields.get("EventID").and_then(event_id_of).ok_or(WindowsError::MissingEventId)?;
    let raw_time = ["TimeCreated", "@timestamp", "EventTime", "SystemTime"]
        .iter()
        .find_map(|k| fields.get(*k))
        .ok_or(WindowsError::MissingTime)?;
    let time = time::from_json(raw_time, &ctx.timezone)
        .ok_or_else(|| WindowsError::InvalidTime(text_of(raw_time).unwrap_or_default()))?;

    let channel = fields.get("Channel").and_then(Value::as_str).unwrap_or_default().to_owned();
    let host = ["Computer", "Hostname"].iter().find_map(|k| fields.get(*k).and_then(Value::as_str)).unwrap_or("");
    let message = match fields.get("Message").and_then(Value::as_str).and_then(|m| m.lines().next()) {
        Some(first) if !first.trim().is_empty() => first.trim().to_owned(),
        _ => format!("EventID {event_id} on {host} ({channel})"),
    };
    let mut event = ctx.event(Domain::Cyber, time, message);
    event.severity = severity(&fields);
    event.logsource.product = Some("windows".into());
    event.fields = fields;
    Ok(event)
}

/// EventID as a number, from `4688`, `"4688"` or evtx's `{"#text": 4688}`.
fn event_id_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => o.get("#text").and_then(event_id_of),
        _ => None,
    }
}

/// Brings the nested and Winlogbeat shapes to the flat one.
fn flatten(mut record: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(mut event)) = record.remove("Event") {
        let mut flat = Map::new();
        if let Some(Value::Object(system)) = event.remove("System") {
            flatten_system(system, &mut flat);
        }
        for key in ["EventData", "UserData"] {
            if let Some(data) = event.remove(key) {
                flatten_data(data, &mut flat);
            }
        }
        for (k, v) in event.into_iter().filter(|(k, _)| k != "#attributes") {
            flat.entry(k).or_insert(v);
        }
        for (k, v) in record {
            flat.entry(k).or_insert(v);
        }
        return flat;
    }
    if let Some(Value::Object(mut winlog)) = record.remove("winlog") {
        if let Some(data) = winlog.remove("event_data") {
            flatten_data(data, &mut record);
        }
        let renames = [
            ("event_id", "EventID"),
            ("channel", "Channel"),
            ("computer_name", "Computer"),
            ("provider_name", "Provider_Name"),
            ("provider_guid", "Provider_Guid"),
            ("record_id", "EventRecordID"),
            ("task", "Task"),
            ("opcode", "Opcode"),
            ("keywords", "Keywords"),
        ];
        for (from, to) in renames {
            if let Some(v) = winlog.remove(from) {
                record.entry(to).or_insert(v);
            }
        }
        if let Some(m) = record.remove("message") {
            record.entry("Message").or_insert(m);
        }
        record.insert("winlog".into(), Value::Object(winlog));
    }
    record
}

/// `System` children become top-level keys; attribute-only children
/// (`Provider`, `TimeCreated`, `Execution`, `Security`) become
/// `<Child>_<Attribute>`, except TimeCreated's SystemTime, which becomes
/// `TimeCreated` itself.
fn flatten_system(system: Map<String, Value>, out: &mut Map<String, Value>) {
    for (key, value) in system {
        match value {
            Value::Object(mut obj) => {
                if let Some(text) = obj.remove("#text") {
                    out.insert(key.clone(), text);
                }
                if let Some(Value::Object(attrs)) = obj.remove("#attributes") {
                    for (attr, v) in attrs {
                        if key == "TimeCreated" && attr == "SystemTime" {
                            out.insert("TimeCreated".into(), v);
                        } else {
                            out.insert(format!("{key}_{attr}"), v);
                        }
                    }
                }
            }
            other => {
                out.insert(key, other);
            }
        }
    }
}

/// Event data as `{Name: value}` (evtx crate) or `{"Data": [{"@Name"/"#attributes", "#text"}]}`.
fn flatten_data(data: Value, out: &mut Map<String, Value>) {
    let Value::Object(obj) = data else { return };
    for (key, value) in obj {
        match (key.as_str(), value) {
            ("#attributes", _) => {}
            ("Data", Value::Array(items)) => {
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::Object(mut d) => {
                            let name = d
                                .remove("@Name")
                                .or_else(|| d.get("#attributes").and_then(|a| a.get("Name")).cloned())
                                .and_then(|n| n.as_str().map(str::to_owned))
                                .unwrap_or_else(|| format!("Data{i}"));
                            out.insert(name, d.remove("#text").unwrap_or(Value::Null));
                        }
                        other => {
                            out.insert(format!("Data{i}"), other);
                        }
                    }
                }
            }
            (_, Value::Object(inner)) if inner.contains_key("#text") => {
                out.insert(key, inner.get("#text").cloned().unwrap_or(Value::Null));
            }
            (_, value) => {
                out.insert(key, value);
            }
        }
    }
}

/// Level 1–3 are critical/error/warning; an audit failure (keyword bit
/// 0x0010000000000000) is worth a look even at level 0.
fn severity(fields: &Map<String, Value>) -> Severity {
    let level = fields.get("Level").and_then(event_id_of);
    match level {
        Some(1) => Severity::Critical,
        Some(2) => Severity::High,
        Some(3) => Severity::Medium,
        _ => {
            let keywords = fields.get("Keywords").and_then(Value::as_str).unwrap_or("");
            let bits = u64::from_str_radix(keywords.trim_start_matches("0x"), 16).unwrap_or(0);
            if bits & 0x0010_0000_0000_0000 != 0 { Severity::Low } else { Severity::Info }
        }
    }
}

/// Marks an event as coming from an EVTX file record (used by the EVTX reader).
pub(crate) fn mark_record_id(event: &mut Event, record_id: u64) {
    event.fields.entry("EventRecordID").or_insert(json!(record_id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Timestamp;

    fn ctx() -> Context {
        Context::new("winlog")
    }

    #[test]
    fn flat_security_record() {
        let line = br#"{"EventID":4688,"Channel":"Security","Hostname":"WS5","TimeCreated":"2026-01-05T10:00:00.5Z","NewProcessName":"C:\\Windows\\System32\\reg.exe","Level":"0","Keywords":"0x8020000000000000","Message":"A new process has been created.\r\n\r\nCreator Subject:"}"#;
        let event = decode(line, &ctx()).unwrap();
        assert_eq!(event.message, "A new process has been created.");
        assert_eq!(event.logsource.product.as_deref(), Some("windows"));
        assert_eq!(event.logsource.service, None, "detection's table names the service");
        assert_eq!(event.logsource.category, None);
        assert_eq!(event.severity, Severity::Info);
        assert_eq!(event.fields["NewProcessName"], r"C:\Windows\System32\reg.exe");
    }

    #[test]
    fn nested_evtx_form_is_flattened() {
        let line = br##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385F}"}},"EventID":1,"Level":4,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws-icu-03","TimeCreated":{"#attributes":{"SystemTime":"2026-01-05T10:00:00.000000Z"}},"EventRecordID":42},"EventData":{"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd /c whoami"}}}"##;
        let event = decode(line, &ctx()).unwrap();
        assert_eq!(event.fields["EventID"], 1);
        assert_eq!(event.fields["Provider_Name"], "Microsoft-Windows-Sysmon");
        assert_eq!(event.fields["Image"], r"C:\Windows\System32\cmd.exe");
        assert_eq!(event.fields["Computer"], "ws-icu-03");
        assert_eq!(event.time, "2026-01-05T10:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.message, "EventID 1 on ws-icu-03 (Microsoft-Windows-Sysmon/Operational)");
    }

    #[test]
    fn nested_data_array_and_qualified_event_id() {
        let line = br##"{"Event":{"System":{"EventID":{"#text":7045,"#attributes":{"Qualifiers":16384}},"Channel":"System","Level":2,"TimeCreated":{"#attributes":{"SystemTime":"2026-01-05T10:00:00Z"}}},"EventData":{"Data":[{"@Name":"ServiceName","#text":"evil"},{"#attributes":{"Name":"ImagePath"},"#text":"c:\\x.exe"},"loose"]}}}"##;
        let event = decode(line, &ctx()).unwrap();
        assert_eq!(event.fields["EventID"], 7045);
        assert_eq!(event.fields["ServiceName"], "evil");
        assert_eq!(event.fields["ImagePath"], r"c:\x.exe");
        assert_eq!(event.fields["Data2"], "loose");
        assert_eq!(event.fields["EventID_Qualifiers"], 16384);
        assert_eq!(event.severity, Severity::High);
    }

    #[test]
    fn winlogbeat_form() {
        let line = br#"{"@timestamp":"2026-01-05T10:00:00Z","message":"An account failed to log on.","winlog":{"event_id":"4625","channel":"Security","computer_name":"dc1","provider_name":"Microsoft-Windows-Security-Auditing","keywords":["Audit Failure"],"event_data":{"TargetUserName":"admin","IpAddress":"10.0.0.7"}}}"#;
        let event = decode(line, &ctx()).unwrap();
        assert_eq!(event.fields["EventID"], "4625");
        assert_eq!(event.fields["TargetUserName"], "admin");
        assert_eq!(event.fields["Computer"], "dc1");
        assert_eq!(event.message, "An account failed to log on.");
    }

    #[test]
    fn audit_failure_keyword_raises_severity() {
        let line = br#"{"EventID":4625,"Channel":"Security","TimeCreated":"2026-01-05T10:00:00Z","Keywords":"0x8010000000000000"}"#;
        assert_eq!(decode(line, &ctx()).unwrap().severity, Severity::Low);
    }

    #[test]
    fn broken_records_give_specific_errors() {
        assert_eq!(decode(br#"{"Channel":"Security"}"#, &ctx()), Err(WindowsError::MissingEventId));
        assert_eq!(
            decode(br#"{"EventID":"abc","TimeCreated":"2026-01-05T10:00:00Z"}"#, &ctx()),
            Err(WindowsError::MissingEventId)
        );
        assert_eq!(decode(br#"{"EventID":1}"#, &ctx()), Err(WindowsError::MissingTime));
        assert_eq!(
            decode(br#"{"EventID":1,"TimeCreated":"soon"}"#, &ctx()),
            Err(WindowsError::InvalidTime("soon".into()))
        );
    }
}
