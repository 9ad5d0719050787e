//! `safecare rules`: checking a folder of Sigma rules before deploying it,
//! and trying rules against sample events.
//!
//! Exit codes are part of the interface (scripts and CI use them):
//! `check` 0 = nothing refused, 1 = some rule refused; `test` 0 = at least
//! one event matched, 1 = none did; both 2 = could not run (unreadable
//! folder, malformed events).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use safecare_detect::{EventRoute, RuleSet, hunt};
use safecare_model::{Event, EventInput, Timestamp};

use crate::hunt::JsonParser;
use safecare_ingest::files;

#[derive(Debug, clap::Subcommand)]
pub enum RulesAction {
    /// Load every Sigma rule under DIR and list each refused one with its
    /// file and reason; ends with `N rules loaded, M refused`. Exits 0 when
    /// none is refused, 1 when some are, 2 when DIR cannot be read.
    Check { dir: PathBuf },
    /// Run a rule file (or folder) over events and print each match with the
    /// rule's id and title. EVENTS (`-` for standard input) holds one JSON
    /// event, an array, or one per line, in the shape `POST /api/v1/events`
    /// takes; with --parser, it is what `hunt` reads (an EVTX file, JSON
    /// lines of that format, or a folder of them). Exits 0 when something
    /// matched, 1 when nothing did, 2 on bad rules or malformed events.
    Test {
        rule: PathBuf,
        events: PathBuf,
        /// Read EVENTS as `hunt` does, with this decoder for JSON lines.
        #[arg(long, value_enum)]
        parser: Option<crate::hunt::JsonParser>,
    },
}

/// The exit code for "could not run", distinct from a negative answer.
const UNUSABLE: u8 = 2;
/// Events whose route is shown when nothing matched.
const ROUTES_SHOWN: usize = 20;

pub fn run(action: RulesAction) -> ExitCode {
    let outcome = match action {
        RulesAction::Check { dir } => check(&dir),
        RulesAction::Test { rule, events, parser } => test(&rule, &events, parser),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(UNUSABLE)
        }
    }
}

/// Rules from a file or a folder (searched recursively), as `hunt` loads them.
fn load(path: &Path) -> anyhow::Result<RuleSet> {
    crate::hunt::load(&[path.to_owned()], &[], None, None)
}

fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let rules = load(dir)?;
    let mut refused: Vec<_> = rules.refused().iter().collect();
    refused.sort_by(|a, b| a.path.cmp(&b.path));
    for refusal in &refused {
        match &refusal.title {
            Some(title) => println!("{}: {title}: {}", refusal.path.display(), refusal.reason),
            None => println!("{}: {}", refusal.path.display(), refusal.reason),
        }
    }
    println!("{}", rules.summary());
    Ok(if refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn test(rule: &Path, events: &Path, parser: Option<JsonParser>) -> anyhow::Result<ExitCode> {
    let rules = load(rule)?;
    for refusal in rules.refused() {
        eprintln!("warning: rule refused: {}: {}", refusal.path.display(), refusal.reason);
    }
    if rules.is_empty() {
        bail!("no rule could be loaded from {}", rule.display());
    }
    let events = match parser {
        Some(parser) => decoded(events, parser)?,
        None => {
            let text = if events == Path::new("-") {
                std::io::read_to_string(std::io::stdin()).context("cannot read events from standard input")?
            } else {
                std::fs::read_to_string(events).with_context(|| format!("cannot read {}", events.display()))?
            };
            parse_events(&text).with_context(|| format!("malformed events in {}", events.display()))?
        }
    };
    let position: HashMap<_, _> = events.iter().enumerate().map(|(n, e)| (e.id, n + 1)).collect();
    let routes: Vec<EventRoute> = events.iter().take(ROUTES_SHOWN).map(EventRoute::of).collect();
    let rules = Arc::new(rules);
    let mut matched = 0usize;
    for alert in hunt(rules.clone(), events) {
        let id = alert.safecare.rule.clone().unwrap_or_default();
        let title = rules.rule(&id).map_or(alert.description.as_str(), |r| r.title.as_str());
        let numbers: Vec<String> =
            alert.safecare.events.iter().filter_map(|e| position.get(e)).map(usize::to_string).collect();
        println!("{id}  {title}  (event {})", numbers.join(", "));
        matched += 1;
    }
    eprintln!("{matched} matches");
    if matched == 0 {
        // The usual reason a rule stays quiet: the event's logsource is not
        // the rule's.
        for (n, route) in routes.iter().enumerate() {
            eprintln!("event {} is routed as {}", n + 1, describe(route));
        }
    }
    Ok(if matched > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The events of files as `hunt` reads them; a record that does not decode
/// is reported and left out.
fn decoded(path: &Path, parser: JsonParser) -> anyhow::Result<Vec<Event>> {
    let decoder = parser.decoder();
    let mut events = Vec::new();
    for file in files::files(&[path.to_owned()])? {
        let decoded = files::decode(&file, &decoder)?;
        for (kind, n) in decoded.skipped {
            eprintln!("warning: {}: {n} records skipped ({kind})", file.path.display());
        }
        events.extend(decoded.events);
    }
    anyhow::ensure!(!events.is_empty(), "no events in {}", path.display());
    Ok(events)
}

/// The logsource an event is matched under, as a rule would write it.
fn describe(route: &EventRoute) -> String {
    let mut parts = Vec::new();
    if let Some(product) = &route.product {
        parts.push(format!("product: {product}"));
    }
    if let Some(service) = &route.service {
        parts.push(format!("service: {service}"));
    }
    if !route.categories.is_empty() {
        parts.push(format!("category: {}", route.categories.join(" or ")));
    }
    if parts.is_empty() { "no logsource (only rules without one can match)".to_owned() } else { parts.join(", ") }
}

/// Events in the shape `POST /api/v1/events` takes: one JSON object, an
/// array of them, or one per line. The first bad one stops the test, named
/// by its position, because a test over half the events would mislead.
fn parse_events(text: &str) -> anyhow::Result<Vec<Event>> {
    let now = Timestamp::now();
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        bail!("no events: the input is empty");
    }
    let inputs: Vec<(String, serde_json::Value)> = match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(serde_json::Value::Array(items)) => {
            items.into_iter().enumerate().map(|(n, v)| (format!("element {}", n + 1), v)).collect()
        }
        Ok(value) => vec![("the event".to_owned(), value)],
        Err(whole) => {
            let mut out = Vec::new();
            for (n, line) in trimmed.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let value = serde_json::from_str(line).map_err(|e| {
                    // One line that is not JSON in a one-line input is the
                    // whole document being malformed: report it as such.
                    if n == 0 && !trimmed.contains('\n') {
                        anyhow::anyhow!("not JSON: {whole}")
                    } else {
                        anyhow::anyhow!("line {}: not JSON: {e}", n + 1)
                    }
                })?;
                out.push((format!("line {}", n + 1), value));
            }
            out
        }
    };
    if inputs.is_empty() {
        bail!("no events: the array is empty");
    }
    inputs
        .into_iter()
        .map(|(place, value)| {
            let input: EventInput = serde_json::from_value(value).with_context(|| format!("{place}: not an event"))?;
            input.into_event(now, "rules-test").with_context(|| format!("{place}: invalid event"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_object_an_array_and_json_lines_are_events() {
        let one = r#"{"domain":"cyber","message":"a"}"#;
        assert_eq!(parse_events(one).unwrap().len(), 1);
        let array = r#"[{"domain":"cyber","message":"a"},{"domain":"physical","fields":{"door":"d1"}}]"#;
        assert_eq!(parse_events(array).unwrap().len(), 2);
        let lines = "{\"domain\":\"cyber\",\"message\":\"a\"}\n\n{\"domain\":\"cyber\",\"message\":\"b\"}\n";
        assert_eq!(parse_events(lines).unwrap().len(), 2);
    }

    #[test]
    fn a_bad_event_is_named_by_its_place() {
        let err = |text: &str| format!("{:#}", parse_events(text).unwrap_err());
        assert!(err("").contains("empty"));
        assert!(err("[]").contains("array is empty"));
        assert!(err("{\"domain\":").contains("not JSON"));
        assert!(err("{\"domain\":\"cyber\",\"message\":\"a\"}\n{oops}").contains("line 2"));
        assert!(err("[{\"domain\":\"cyber\",\"message\":\"a\"},{\"domain\":\"cyber\"}]").contains("element 2"));
        assert!(err("{\"domain\":\"sky\",\"message\":\"a\"}").contains("the event"));
    }
}
