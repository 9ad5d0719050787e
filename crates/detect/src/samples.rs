//! The event sets detection is measured and tested on, loaded one way for
//! the criterion benches, the tests and `safecare bench detect`: the OTRF
//! Windows JSON samples (one event per line, under
//! `$SAFECARE_SAMPLES_DIR/windows-events-json`), the hospital pack's own
//! case events (fired and near-miss) and a generated stream of failed
//! logons for correlation.

use std::path::{Path, PathBuf};

use safecare_model::{AssetId, Domain, Event, Timestamp};

/// The hospital pack's cases, each rule's firing events and near misses.
const HOSPITAL_CASES: &str = include_str!("../tests/fixtures/hospital_cases.json");

/// One OTRF JSON line as a Windows decoder hands it over: original fields,
/// time from `@timestamp`, logsource left for routing to infer. `None` for
/// a line that is not a JSON object.
pub fn windows_event(line: &str) -> Option<Event> {
    let serde_json::Value::Object(fields) = serde_json::from_str(line).ok()? else { return None };
    let time = fields
        .get("@timestamp")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<Timestamp>().ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut event = Event::new("otrf", Domain::Cyber, time, "");
    event.fields = fields;
    Some(event)
}

/// Every event line of the Windows samples under `samples_dir`, files in
/// name order; lines that are not events are left out.
pub fn windows_lines(samples_dir: &Path) -> std::io::Result<Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples_dir.join("windows-events-json"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        lines.extend(text.lines().filter(|l| windows_event(l).is_some()).map(str::to_owned));
    }
    Ok(lines)
}

/// The Windows samples as events.
pub fn windows_events(samples_dir: &Path) -> std::io::Result<Vec<Event>> {
    Ok(windows_lines(samples_dir)?.iter().filter_map(|l| windows_event(l)).collect())
}

/// The hospital case events as JSON lines of the shape ingest produces
/// (`domain`, `logsource`, `location`, `asset`, `fields`).
pub fn hospital_lines() -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Case {
        fire: Vec<serde_json::Value>,
        miss: Vec<serde_json::Value>,
    }
    let cases: Vec<Case> = serde_json::from_str(HOSPITAL_CASES).unwrap_or_default();
    cases.into_iter().flat_map(|c| c.fire.into_iter().chain(c.miss)).map(|v| v.to_string()).collect()
}

/// One hospital case line as an event (all at the same time: evaluation
/// does not look at it).
pub fn hospital_event(line: &str) -> Option<Event> {
    let raw: serde_json::Value = serde_json::from_str(line).ok()?;
    let domain = raw["domain"].as_str()?.parse().ok()?;
    let start: Timestamp = "2026-11-28T02:00:00Z".parse().ok()?;
    let mut event = Event::new("bench", domain, start, "");
    event.logsource = serde_json::from_value(raw["logsource"].clone()).unwrap_or_default();
    event.location = serde_json::from_value(raw["location"].clone()).unwrap_or_default();
    event.asset = raw["asset"].as_str().map(AssetId::from);
    event.fields = raw["fields"].as_object().cloned().unwrap_or_default();
    Some(event)
}

/// `n` failed Windows logons, `per_second` a second, over `users`
/// accounts, 50 workstations and 1,400 addresses: every event feeds the
/// hospital pack's brute-force (event_count by account) and spraying
/// (value_count by address) windows.
pub fn failed_logons(n: usize, per_second: usize, users: usize) -> Vec<Event> {
    let start: Timestamp = "2026-11-28T02:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    (0..n)
        .map(|i| {
            let time = start + jiff::SignedDuration::from_secs((i / per_second.max(1)) as i64);
            let mut e = Event::new("wef", Domain::Cyber, time, "");
            e.logsource.product = Some("windows".into());
            e.logsource.service = Some("security".into());
            e.asset = Some(format!("ws-{}", i % 50).into());
            e.fields = serde_json::json!({
                "Channel": "Security", "EventID": 4625,
                "TargetUserName": format!("tok-{}", i % users.max(1)), "IpAddress": format!("10.0.{}.{}", i % 7, i % 200),
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
            e
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hospital_cases_are_all_events() {
        let lines = hospital_lines();
        assert!(lines.len() > 100, "{} case events", lines.len());
        assert!(lines.iter().all(|l| hospital_event(l).is_some()));
    }

    #[test]
    fn a_windows_line_keeps_its_fields_and_time() {
        let event = windows_event(r#"{"EventID": 4624, "@timestamp": "2020-01-02T03:04:05Z"}"#).unwrap();
        assert_eq!(event.fields["EventID"], 4624);
        assert_eq!(event.time.to_string(), "2020-01-02T03:04:05Z");
        assert!(windows_event("[1, 2]").is_none());
        assert!(windows_event("not json").is_none());
        assert!(windows_lines(Path::new("/no/such/folder")).is_err());
    }
}
