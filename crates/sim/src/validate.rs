//! Checks a scenario against the site model and turns it into a [`Plan`],
//! or names every problem: unknown asset, phase, source or step, a bad
//! time, a placeholder nothing fills, a source of a transport the runner
//! cannot send through, a record or topic that does not suit its source's
//! transport.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use safecare_impact::Inventory;
use safecare_ingest::{SourceConfig, Transport};
use safecare_model::AssetKind;
use serde_json::Value;

use crate::Problems;
use crate::plan::{Plan, PlanAcknowledgement, PlanIncident, PlanNoise, PlanNotification, PlanStep};
use crate::scenario::{API_SOURCE, Scenario};
use crate::template::{ASSET_VARS, TIME_VARS, Vars, asset_vars, placeholders, substitute};

/// The most copies of a step's records.
const MAX_REPEAT: u32 = 1000;

/// The longest scenario accepted: a day.
const LONGEST: Duration = Duration::from_secs(24 * 3600);

/// Checks `scenario` against `site`.
pub fn validate(scenario: &Scenario, site: &Inventory) -> Result<Plan, Problems> {
    let mut problems = Problems(Vec::new());
    if scenario.name.trim().is_empty() {
        problems.add("name", "is empty");
    }
    let sources = check_sources(scenario, &mut problems);
    let source_names: BTreeSet<&str> =
        sources.iter().map(|s| s.name.as_str()).chain(std::iter::once(API_SOURCE)).collect();
    let transport_of = |name: &str| sources.iter().find(|s| s.name == name).map(|s| &s.transport);

    let mut phases = BTreeMap::new();
    for (i, phase) in scenario.phases.iter().enumerate() {
        if phases.insert(phase.id.as_str(), phase.stage).is_some() {
            problems.add(format!("phases[{i}]"), format!("phase {:?} is defined twice", phase.id));
        }
    }
    if scenario.steps.is_empty() {
        problems.add("steps", "a scenario needs at least one step");
    }

    let mut steps = Vec::new();
    let mut step_ids = BTreeMap::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let place = format!("steps[{i}] ({})", step.id);
        if step_ids.insert(step.id.as_str(), i).is_some() {
            problems.add(&place, format!("step id {:?} is used twice", step.id));
        }
        let stage = phases.get(step.phase.as_str()).copied();
        if stage.is_none() {
            problems.add(&place, format!("unknown phase {:?}", step.phase));
        }
        if !source_names.contains(step.source.as_str()) {
            problems.add(&place, unknown_source(&step.source, &source_names));
        }
        let mut vars = Vars::new();
        if let Some(id) = &step.asset {
            match site.asset(id) {
                Some(asset) => asset_vars(asset, &mut vars),
                None => problems.add(&place, format!("unknown asset {id:?}: the site {} has none", scenario.site)),
            }
        }
        let numbered = BTreeSet::from(["n"]);
        check_records(&place, &step.source, &step.records, &vars, &numbered, step.asset.is_some(), &mut problems);
        check_transport(&place, transport_of(&step.source), &step.records, step.topic.as_deref(), &mut problems);
        if let Some(topic) = &step.topic {
            check_topic(&place, topic, &vars, &BTreeSet::new(), step.asset.is_some(), &mut problems);
        }
        if step.repeat == 0 || step.repeat > MAX_REPEAT {
            problems.add(&place, format!("repeat: {} is not between 1 and {MAX_REPEAT}", step.repeat));
        }
        let records = (1..=step.repeat.max(1))
            .flat_map(|n| step.records.iter().map(move |r| substitute(r, "n", &n.to_string())))
            .collect();
        let at = duration(&place, "at", &step.at, &mut problems);
        let jitter = step.jitter.as_ref().map(|j| duration(&place, "jitter", j, &mut problems)).unwrap_or_default();
        let expect = step
            .expect
            .iter()
            .map(|e| {
                if e.rule.trim().is_empty() {
                    problems.add(&place, "an expectation names no rule");
                }
                (e.rule.clone(), positive(&place, "within", &e.within, &mut problems))
            })
            .collect();
        steps.push(PlanStep {
            id: step.id.clone(),
            phase: step.phase.clone(),
            stage: stage.unwrap_or(crate::scenario::Stage::Know),
            at,
            jitter,
            say: step.say.clone(),
            source: step.source.clone(),
            topic: step.topic.clone(),
            vars,
            records,
            expect,
        });
    }

    let mut noise = Vec::new();
    for (i, generator) in scenario.noise.iter().enumerate() {
        let place = format!("noise[{i}] ({})", generator.name);
        if !source_names.contains(generator.source.as_str()) {
            problems.add(&place, unknown_source(&generator.source, &source_names));
        }
        let mut assets = Vec::new();
        for id in &generator.assets {
            match site.asset(id) {
                Some(asset) => {
                    let mut vars = Vars::new();
                    asset_vars(asset, &mut vars);
                    assets.push(vars);
                }
                None => problems.add(&place, format!("unknown asset {id:?}: the site {} has none", scenario.site)),
            }
        }
        for (name, list) in &generator.values {
            if list.is_empty() {
                problems.add(&place, format!("value list {name:?} is empty"));
            }
            if list.iter().any(|v| !(v.is_string() || v.is_number())) {
                problems.add(&place, format!("value list {name:?}: each value is a string or a number"));
            }
        }
        let names: BTreeSet<&str> = generator.values.keys().map(String::as_str).collect();
        // Each picked asset must give every asset placeholder used.
        let common = assets.iter().fold(None::<Vars>, |acc, v| match acc {
            None => Some(v.clone()),
            Some(acc) => Some(acc.into_iter().filter(|(k, _)| v.contains_key(k)).collect()),
        });
        let vars = common.unwrap_or_default();
        check_records(
            &place,
            &generator.source,
            &generator.records,
            &vars,
            &names,
            !generator.assets.is_empty(),
            &mut problems,
        );
        check_transport(
            &place,
            transport_of(&generator.source),
            &generator.records,
            generator.topic.as_deref(),
            &mut problems,
        );
        if let Some(topic) = &generator.topic {
            check_topic(&place, topic, &vars, &names, !generator.assets.is_empty(), &mut problems);
        }
        let every = positive(&place, "every", &generator.every, &mut problems);
        noise.push(PlanNoise {
            name: generator.name.clone(),
            source: generator.source.clone(),
            topic: generator.topic.clone(),
            every,
            assets,
            values: generator.values.clone(),
            records: generator.records.clone(),
        });
    }

    let mut incidents = Vec::new();
    for (i, want) in scenario.incidents.iter().enumerate() {
        let place = format!("incidents[{i}]");
        let by = step_ids.get(want.by.as_str()).copied();
        if by.is_none() {
            problems.add(&place, format!("unknown step {:?}", want.by));
        }
        for service in &want.services {
            match site.asset(service) {
                Some(asset) if asset.kind == AssetKind::Service => {}
                Some(asset) => problems.add(&place, format!("{service:?} is a {}, not a service", asset.kind)),
                None => problems.add(&place, format!("unknown service {service:?}")),
            }
        }
        incidents.push(PlanIncident {
            threat: want.threat.clone(),
            by: by.unwrap_or(0),
            within: positive(&place, "within", &want.within, &mut problems),
            services: want.services.clone(),
            playbooks: want.playbooks.clone(),
            tasks: want.tasks.clone(),
        });
    }

    let notify = scenario.notify.as_ref().and_then(|raw| {
        serde_json::from_value::<safecare_respond::notify::config::NotifyConfig>(raw.clone())
            .map_err(|e| problems.add("notify", format!("not notification settings: {e}")))
            .ok()
    });
    let mut notifications = Vec::new();
    for (i, want) in scenario.notifications.iter().enumerate() {
        let place = format!("notifications[{i}]");
        let by = step_ids.get(want.by.as_str()).copied();
        if by.is_none() {
            problems.add(&place, format!("unknown step {:?}", want.by));
        }
        if let Some(notify) = &notify {
            if let Some(route) = want.route.as_ref().filter(|r| !notify.routes.iter().any(|n| &n.name == *r)) {
                problems.add(&place, format!("the notify settings have no route {route:?}"));
            }
            if let Some(channel) = want.channel.as_ref().filter(|c| !notify.channels.contains_key(*c)) {
                problems.add(&place, format!("the notify settings have no channel {channel:?}"));
            }
        }
        notifications.push(PlanNotification {
            by: by.unwrap_or(0),
            within: positive(&place, "within", &want.within, &mut problems),
            route: want.route.clone(),
            channel: want.channel.clone(),
            role: want.role.clone(),
            threat: want.threat.clone(),
        });
    }
    let acknowledge = scenario
        .acknowledge
        .iter()
        .enumerate()
        .map(|(i, ack)| PlanAcknowledgement {
            threat: ack.threat.clone(),
            after: duration(&format!("acknowledge[{i}]"), "after", &ack.after, &mut problems),
        })
        .collect();

    let last_step = steps.iter().map(|s| s.at + s.jitter).max().unwrap_or_default();
    let duration = match &scenario.duration {
        Some(text) => duration("duration", "duration", text, &mut problems),
        None => last_step,
    };
    if last_step > LONGEST || duration > LONGEST {
        problems.add("steps", "the scenario is longer than a day");
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan {
        name: scenario.name.clone(),
        title: scenario.title.clone(),
        sources,
        steps,
        noise,
        incidents,
        notifications,
        notify,
        acknowledge,
        duration: duration.max(last_step),
    })
}

fn check_sources(scenario: &Scenario, problems: &mut Problems) -> Vec<SourceConfig> {
    let mut sources: Vec<SourceConfig> = Vec::new();
    for (i, raw) in scenario.sources.iter().enumerate() {
        let name = raw.get("name").and_then(Value::as_str).unwrap_or("?");
        let place = format!("sources[{i}] ({name})");
        match serde_json::from_value::<SourceConfig>(raw.clone()) {
            Ok(source) if !SENDABLE.contains(&transport_name(&source.transport)) => problems.add(
                &place,
                format!(
                    "the runner cannot send over {}: a source is of type {}",
                    transport_name(&source.transport),
                    SENDABLE.join(", ")
                ),
            ),
            Ok(source) if source.name == API_SOURCE => {
                problems.add(&place, format!("{API_SOURCE:?} is the built-in event API, not a source name"))
            }
            Ok(source) if sources.iter().any(|s| s.name == source.name) => problems.add(&place, "defined twice"),
            Ok(source) => sources.push(source),
            Err(e) => problems.add(&place, format!("not a source: {e}")),
        }
    }
    sources
}

/// The transports the runner sends through.
const SENDABLE: [&str; 4] = ["http", "syslog_tcp", "mllp", "mqtt"];

/// A transport's `type` as written in `[[sources]]`.
pub fn transport_name(transport: &Transport) -> &'static str {
    transport.into()
}

/// What each transport carries: lines over TCP (a mapping goes as one
/// JSON line, as NXLog or Winlogbeat forward Windows events), HL7 messages
/// over MLLP, a topic for every MQTT publication, and no topic anywhere
/// else.
fn check_transport(
    place: &str,
    transport: Option<&Transport>,
    records: &[Value],
    topic: Option<&str>,
    problems: &mut Problems,
) {
    let Some(transport) = transport else {
        if topic.is_some() {
            problems.add(place, "topic: only records sent to an mqtt source have a topic");
        }
        return;
    };
    let kind = transport_name(transport);
    match transport {
        Transport::SyslogTcp { .. } | Transport::Mllp { .. } => {
            for (r, record) in records.iter().enumerate() {
                match record {
                    Value::String(line) if kind == "syslog_tcp" && line.contains('\n') => problems.add(
                        place,
                        format!("records[{r}]: a line sent over syslog_tcp is framed by newlines and cannot hold one"),
                    ),
                    Value::String(_) => {}
                    Value::Object(_) if kind == "syslog_tcp" => {}
                    _ => problems.add(place, format!("records[{r}]: an mllp source takes HL7 messages, not mappings")),
                }
            }
        }
        Transport::Mqtt(_) if topic.is_none() => {
            problems.add(place, "an mqtt source needs a topic to publish on (topic: safecare/<site>/...)")
        }
        Transport::Mqtt(_) => {}
        _ if topic.is_some() => problems.add(place, "topic: only records sent to an mqtt source have a topic"),
        _ => {}
    }
}

fn check_topic(
    place: &str,
    topic: &str,
    vars: &Vars,
    values: &BTreeSet<&str>,
    has_asset: bool,
    problems: &mut Problems,
) {
    let mut found = Problems(Vec::new());
    check_records(place, "topic", &[Value::from(topic)], vars, values, has_asset, &mut found);
    for problem in found.0 {
        problems.add(place, problem.message.replace("records[0]", "topic"));
    }
    if topic.contains(['+', '#']) {
        problems.add(place, format!("topic {topic:?}: a publication's topic has no wildcards"));
    }
}

fn check_records(
    place: &str,
    source: &str,
    records: &[Value],
    vars: &Vars,
    values: &BTreeSet<&str>,
    has_asset: bool,
    problems: &mut Problems,
) {
    if records.is_empty() {
        problems.add(place, "no records");
    }
    for (r, record) in records.iter().enumerate() {
        match record {
            Value::String(_) if source == API_SOURCE => {
                problems.add(place, format!("records[{r}]: the event API takes JSON events, not lines"))
            }
            Value::String(_) | Value::Object(_) => {}
            _ => problems.add(place, format!("records[{r}]: a record is a line or a mapping")),
        }
        for name in placeholders(record) {
            let known =
                TIME_VARS.contains(&name.as_str()) || vars.contains_key(&name) || values.contains(name.as_str());
            if known {
                continue;
            }
            let why = if ASSET_VARS.contains(&name.as_str()) {
                if has_asset { "the asset has no such value" } else { "it needs an asset" }
            } else {
                "unknown placeholder"
            };
            problems.add(place, format!("records[{r}]: ${{{name}}}: {why}"));
        }
    }
}

fn unknown_source(name: &str, known: &BTreeSet<&str>) -> String {
    let known: Vec<&str> = known.iter().copied().collect();
    format!("unknown source {name:?} (known: {})", known.join(", "))
}

fn duration(place: &str, what: &str, text: &str, problems: &mut Problems) -> Duration {
    let parsed = text.trim().parse::<jiff::SignedDuration>();
    match parsed.ok().and_then(|d| Duration::try_from(d).ok()) {
        Some(d) => d,
        None => {
            problems.add(place, format!("{what}: bad time {text:?} (write e.g. 90s, 2m30s, 1h)"));
            Duration::ZERO
        }
    }
}

fn positive(place: &str, what: &str, text: &str, problems: &mut Problems) -> Duration {
    let d = duration(place, what, text, problems);
    if d.is_zero() && !text.trim().is_empty() && text.trim().parse::<jiff::SignedDuration>().is_ok() {
        problems.add(place, format!("{what}: must be more than zero"));
    }
    d
}
