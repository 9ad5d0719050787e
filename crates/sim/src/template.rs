//! Records are written with `${name}` placeholders: the time the runner
//! gives each emission, and the names, host names and addresses of the site
//! asset a step or noise emission concerns. A string record is one line; in a
//! mapping record every string value is filled.

use std::collections::BTreeMap;

use jiff::Timestamp;
use safecare_model::Asset;
use serde_json::Value;

/// The values of one emission's placeholders: strings, or numbers (epoch
/// times, numeric noise values), which stay numbers where a JSON value is
/// the placeholder alone.
pub type Vars = BTreeMap<String, Value>;

/// Placeholders every record may use: the emission's time in the forms
/// sources write it.
pub const TIME_VARS: [&str; 6] = ["time", "time_ms", "epoch", "epoch_ms", "time_suricata", "time_hl7"];

/// Placeholders an asset gives, each present only when the asset has it.
pub const ASSET_VARS: [&str; 13] = [
    "asset",
    "asset.name",
    "asset.hostname",
    "asset.host",
    "asset.ip",
    "asset.mac",
    "asset.device",
    "asset.serial",
    "site",
    "building",
    "floor",
    "zone",
    "room",
];

/// Every `${name}` in a record, in order.
pub fn placeholders(record: &Value) -> Vec<String> {
    let mut names = Vec::new();
    visit_strings(record, &mut |s| names.extend(names_in(s)));
    names
}

/// The record with its placeholders filled; the error names the first
/// unknown one (validation refuses those before a run).
pub fn render(record: &Value, vars: &Vars) -> Result<Value, String> {
    match record {
        Value::String(s) => match s.strip_prefix("${").and_then(|r| r.strip_suffix('}')).filter(|n| !n.contains('}')) {
            // A value that is one placeholder alone takes its type: Zeek's
            // `ts: "${epoch}"` is a number, not a string of digits.
            Some(name) => vars.get(name).cloned().ok_or_else(|| name.to_owned()),
            None => fill(s, vars).map(Value::String),
        },
        Value::Array(items) => items.iter().map(|v| render(v, vars)).collect::<Result<_, _>>().map(Value::Array),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| render(v, vars).map(|v| (k.clone(), v)))
            .collect::<Result<_, _>>()
            .map(Value::Object),
        other => Ok(other.clone()),
    }
}

/// `record` with every `${name}` replaced by `value`, other placeholders
/// left for [`render`].
pub fn substitute(record: &Value, name: &str, value: &str) -> Value {
    let pattern = format!("${{{name}}}");
    match record {
        Value::String(s) => Value::String(s.replace(&pattern, value)),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, name, value)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, name, value))).collect()),
        other => other.clone(),
    }
}

/// The time placeholders of an emission at `at`.
pub fn time_vars(at: Timestamp, vars: &mut Vars) {
    vars.insert("time".into(), at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string().into());
    vars.insert("time_ms".into(), at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into());
    vars.insert("epoch".into(), at.as_second().into());
    vars.insert("epoch_ms".into(), at.as_millisecond().into());
    // Suricata writes microseconds and a colon-less offset.
    vars.insert("time_suricata".into(), at.strftime("%Y-%m-%dT%H:%M:%S%.6f+0000").to_string().into());
    // HL7 v2 (DTM): digits only, the offset after the seconds.
    vars.insert("time_hl7".into(), at.strftime("%Y%m%d%H%M%S+0000").to_string().into());
}

/// The placeholders `asset` gives.
pub fn asset_vars(asset: &Asset, vars: &mut Vars) {
    let ids = &asset.identifiers;
    let mut put = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            vars.insert(name.into(), Value::from(v));
        }
    };
    put("asset", Some(&asset.id));
    put("asset.name", Some(&asset.name));
    put("asset.hostname", ids.hostnames.first().map(String::as_str));
    let host = ids.hostnames.first().map(|h| h.split('.').next().unwrap_or(h).to_owned());
    put("asset.host", host.as_deref());
    put("asset.ip", ids.ips.first().map(String::as_str));
    put("asset.mac", ids.macs.first().map(String::as_str));
    put("asset.device", ids.device_ids.first().map(String::as_str));
    put("asset.serial", ids.serials.first().map(String::as_str));
    let place = &asset.location;
    put("site", place.site.as_deref());
    put("building", place.building.as_deref());
    put("floor", place.floor.as_deref());
    put("zone", place.zone.as_deref());
    put("room", place.room.as_deref());
}

fn fill(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        match vars.get(name).ok_or_else(|| name.to_owned())? {
            Value::String(v) => out.push_str(v),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn names_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        names.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    names
}

fn visit_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| visit_strings(v, f)),
        Value::Object(map) => map.values().for_each(|v| visit_strings(v, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_found_and_filled_in_lines_and_nested_json() {
        let record = json!({"Computer": "${asset.hostname}", "At": {"t": "${time}"}, "n": 4});
        assert_eq!(placeholders(&record), ["asset.hostname", "time"]);
        let mut vars = Vars::new();
        vars.insert("asset.hostname".into(), json!("backup-01.hq.local"));
        time_vars("2026-12-05T08:00:07.25Z".parse().unwrap(), &mut vars);
        let filled = render(&record, &vars).unwrap();
        assert_eq!(filled, json!({"Computer": "backup-01.hq.local", "At": {"t": "2026-12-05T08:00:07Z"}, "n": 4}));
        let zeek = render(&json!({"ts": "${epoch}", "note": "at ${epoch}"}), &vars).unwrap();
        assert_eq!(zeek, json!({"ts": 1_796_457_607, "note": "at 1796457607"}));
        let line = render(&json!("<34>1 ${time_ms} ${asset.hostname} sshd - - - x"), &vars).unwrap();
        assert_eq!(line, json!("<34>1 2026-12-05T08:00:07.250Z backup-01.hq.local sshd - - - x"));
        assert_eq!(render(&json!("${nope}"), &vars), Err("nope".to_owned()));
        assert_eq!(vars["time_suricata"], "2026-12-05T08:00:07.250000+0000");
        assert_eq!(vars["time_hl7"], "20261205080007+0000");
        vars.insert("temp".into(), json!(21.5));
        let reading = render(&json!({"value": "${temp}", "text": "${temp} C"}), &vars).unwrap();
        assert_eq!(reading, json!({"value": 21.5, "text": "21.5 C"}));
    }
}
