//! What a hunt shows: one row per detection with the event's place (time,
//! computer, channel, event id, record id) and its key details, and a
//! summary (detections by level, top rules, top computers, first and last
//! time).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Write;

use safecare_detect::RuleSet;
use safecare_model::{Alert, Event, Severity, Timestamp};
use serde_json::Value;

use super::HuntFormat;
use super::persons::Persons;

/// The fields whose first present one is shown for each detail, in the
/// names of the sources hunt reads (Windows event data, Sysmon, Security).
const USER: &[&str] = &["User", "SubjectUserName", "TargetUserName", "AccountName", "UserName"];
const PROCESS: &[&str] = &["Image", "NewProcessName", "ProcessName", "Application", "SourceImage", "Path"];
const COMMAND: &[&str] = &["CommandLine", "ScriptBlockText", "HostApplication", "Payload", "ImagePath"];
const TARGET: &[&str] =
    &["TargetFilename", "TargetObject", "TargetImage", "ServiceName", "ObjectName", "QueryName", "PipeName"];
const ADDRESS: &[&str] = &["IpAddress", "SourceIp", "SourceAddress", "ClientAddress", "src_ip"];

/// Longest detail shown in the table (script blocks run to pages).
const TABLE_DETAIL: usize = 120;
/// Entries of each top list in the summary.
const TOP: usize = 5;

/// One detection with what an analyst needs to find its event.
pub struct Detection {
    alert: Alert,
    time: Timestamp,
    computer: String,
    channel: String,
    event_id: String,
    record_id: String,
    rule: String,
    /// `name: value` pairs of the details the event has.
    details: Vec<(&'static str, String)>,
}

impl Detection {
    /// The files a hunt reads were never pseudonymised: the persons the
    /// detection names (its alert, the user detail) are shown as `persons`'
    /// tokens.
    pub fn new(alert: Alert, event: &Event, rules: &RuleSet, persons: &Persons) -> Self {
        let text = |names: &[&str]| names.iter().find_map(|n| event.fields.get(*n).and_then(shown)).unwrap_or_default();
        let details = [("user", USER), ("process", PROCESS), ("cmd", COMMAND), ("target", TARGET), ("src", ADDRESS)]
            .into_iter()
            .map(|(label, names)| (label, text(names)))
            .filter(|(_, value)| !value.is_empty())
            .map(|(label, value)| if label == "user" { (label, persons.user(&value)) } else { (label, value) })
            .collect();
        let alert = persons.hide(&alert);
        let rule = alert
            .safecare
            .rule
            .as_deref()
            .and_then(|id| rules.rule(id))
            .map_or(alert.description.clone(), |r| r.title.clone());
        Detection {
            time: event.time,
            computer: alert
                .safecare
                .asset
                .clone()
                .map(String::from)
                .unwrap_or_else(|| text(&["Computer", "Hostname", "host"])),
            channel: text(&["Channel"]),
            event_id: text(&["EventID"]),
            record_id: text(&["EventRecordID"]),
            rule,
            details,
            alert,
        }
    }

    fn level(&self) -> Severity {
        self.alert.severity()
    }

    fn details(&self) -> String {
        self.details.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" | ")
    }
}

/// A field's value as one line of text.
fn shown(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Null => return None,
        Value::Object(o) => return o.get("#text").and_then(shown),
        other => other.to_string(),
    };
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty() && line != "-").then_some(line)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

pub fn write(out: &mut impl Write, format: HuntFormat, detections: &[Detection]) -> std::io::Result<()> {
    match format {
        HuntFormat::Json => {
            for d in detections {
                writeln!(out, "{}", serde_json::to_string(&d.alert).unwrap_or_default())?;
            }
        }
        HuntFormat::Csv => {
            writeln!(out, "time,computer,channel,event_id,record_id,level,rule,rule_id,asset,details")?;
            for d in detections {
                let row = [
                    d.time.to_string(),
                    d.computer.clone(),
                    d.channel.clone(),
                    d.event_id.clone(),
                    d.record_id.clone(),
                    d.level().as_str().to_owned(),
                    d.rule.clone(),
                    d.alert.safecare.rule.clone().unwrap_or_default(),
                    d.computer.clone(),
                    d.details(),
                ];
                writeln!(out, "{}", row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","))?;
            }
        }
        HuntFormat::Table => {
            writeln!(
                out,
                "{:<28} {:<22} {:<28} {:>6} {:>9} {:<8} {:<50} DETAILS",
                "TIME", "COMPUTER", "CHANNEL", "EVENT", "RECORD", "LEVEL", "RULE"
            )?;
            for d in detections {
                writeln!(
                    out,
                    "{:<28} {:<22} {:<28} {:>6} {:>9} {:<8} {:<50} {}",
                    d.time.to_string(),
                    cut(&d.computer, 22),
                    cut(&d.channel, 28),
                    d.event_id,
                    d.record_id,
                    d.level().as_str(),
                    cut(&d.rule, 50),
                    cut(&d.details(), TABLE_DETAIL)
                )?;
            }
        }
    }
    Ok(())
}

/// `kind ×count` of each skip reason.
pub fn reasons(skipped: &BTreeMap<&'static str, u64>) -> String {
    skipped.iter().map(|(kind, n)| format!("{kind} ×{n}")).collect::<Vec<_>>().join(", ")
}

/// The closing summary of a hunt.
pub struct Summary {
    by_level: BTreeMap<Severity, usize>,
    rules: Vec<(String, usize)>,
    computers: Vec<(String, usize)>,
    span: Option<(Timestamp, Timestamp)>,
}

fn top(counts: HashMap<&str, usize>) -> Vec<(String, usize)> {
    let mut sorted: Vec<(String, usize)> = counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted.truncate(TOP);
    sorted
}

impl Summary {
    pub fn of(detections: &[Detection]) -> Self {
        let mut by_level = BTreeMap::new();
        let mut rules: HashMap<&str, usize> = HashMap::new();
        let mut computers: HashMap<&str, usize> = HashMap::new();
        let mut span: Option<(Timestamp, Timestamp)> = None;
        for d in detections {
            *by_level.entry(d.level()).or_default() += 1;
            *rules.entry(d.rule.as_str()).or_default() += 1;
            *computers.entry(if d.computer.is_empty() { "(none)" } else { d.computer.as_str() }).or_default() += 1;
            span = Some(span.map_or((d.time, d.time), |(first, last)| (first.min(d.time), last.max(d.time))));
        }
        Summary { by_level, rules: top(rules), computers: top(computers), span }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((first, last)) = self.span else { return Ok(()) };
        let levels: Vec<String> = self.by_level.iter().rev().map(|(l, n)| format!("{} {n}", l.as_str())).collect();
        writeln!(f, "by level: {}", levels.join(", "))?;
        let list =
            |items: &[(String, usize)]| items.iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join("; ");
        writeln!(f, "top rules: {}", list(&self.rules))?;
        writeln!(f, "top computers: {}", list(&self.computers))?;
        writeln!(f, "first: {first}, last: {last}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_on_one_line_and_cut_for_the_table() {
        assert_eq!(shown(&Value::from("a\r\n  b")), Some("a b".into()));
        assert_eq!(shown(&Value::from("-")), None);
        assert_eq!(shown(&serde_json::json!(4688)), Some("4688".into()));
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
