//! Plays a plan against a target: each emission at its time (sped up by
//! `speed`), its records dated on the scenario's own timeline; then reads
//! back what SafeCare raised until every expectation is met or its time is
//! up, and scores it.

use std::collections::BTreeSet;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::plan::Plan;
use crate::report::{RecordCounts, Report};
use crate::score::{Observed, Played, score};
use crate::target::{API_SOURCE_NAME, RuleInfo, Target, TargetError};
use crate::template::{Vars, render, time_vars};
use crate::timeline::{Origin, timeline};

/// How long the runner keeps reading back after the last deadline while
/// SafeCare's stages have not caught up.
const CATCH_UP: Duration = Duration::from_secs(30);

/// How often it reads back.
const POLL: Duration = Duration::from_millis(300);

/// How a run is played.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// The timeline's seed.
    pub seed: u64,
    /// How many times faster than the timeline (1: real time).
    pub speed: f64,
    /// Whether to draw a progress bar on the terminal.
    pub progress: bool,
    /// Whether to print each step's `say` on standard output as it is sent
    /// (`safecare demo` tells the story this way).
    pub announce: bool,
    /// People take part: after the expectations are settled, wait up to
    /// this long for every incident of the run to be acknowledged (from
    /// the dashboard or the API), so that the report has each one's time to
    /// acknowledge.
    pub wait_ack: Option<Duration>,
}

/// Why a run could not be completed (a missed detection is not an error:
/// it is in the report).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Talking to SafeCare failed.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// An expectation names a rule the target does not run.
    #[error("step {step}: SafeCare runs no rule named {rule:?}")]
    UnknownRule {
        /// The step.
        step: String,
        /// The rule.
        rule: String,
    },
    /// A record's placeholder had no value (validation refuses these; a
    /// plan built by hand may not).
    #[error("{emission}: nothing fills ${{{name}}}")]
    Placeholder {
        /// The step or noise generator.
        emission: String,
        /// The placeholder.
        name: String,
    },
    /// `speed` is not a positive number.
    #[error("the speed must be a positive number, not {0}")]
    Speed(f64),
    /// SafeCare could not be started in-process.
    #[error("cannot start SafeCare in-process: {0}")]
    Embedded(String),
}

/// Plays `plan` against `target` and scores what it raised.
pub async fn run(plan: &Plan, target: &Target, options: RunOptions) -> Result<Report, RunError> {
    if !(options.speed.is_finite() && options.speed > 0.0) {
        return Err(RunError::Speed(options.speed));
    }
    let rules = target.rules().await?;
    check_rules(plan, &rules)?;
    target.check_sources(plan).await?;
    let emissions = timeline(plan, options.seed);
    let span = emissions.last().map(|e| e.second).unwrap_or_default();

    // Dated so that at any speed no record is from the future, and the last
    // one is dated when it is sent.
    let start = Timestamp::now();
    let lead = SignedDuration::from_secs_f64(span as f64 * (1.0 - 1.0 / options.speed));
    let base = (start - lead).as_second() - 1;
    let bar = progress_bar(options.progress, emissions.len() as u64);

    let mut step_sent = vec![None; plan.steps.len()];
    let mut records = RecordCounts::default();
    for emission in &emissions {
        let due = start + SignedDuration::from_secs_f64(emission.second as f64 / options.speed);
        let wait = Timestamp::now().duration_until(due);
        if let Ok(wait) = Duration::try_from(wait) {
            tokio::time::sleep(wait).await;
        }
        let (source, topic, templates, label) = match emission.origin {
            Origin::Step(i) => {
                let step = &plan.steps[i];
                (&step.source, &step.topic, &step.records, step.id.as_str())
            }
            Origin::Noise(n) => {
                let noise = &plan.noise[n];
                (&noise.source, &noise.topic, &noise.records, noise.name.as_str())
            }
        };
        let mut vars: Vars = emission.vars.clone();
        time_vars(jiff::Timestamp::from_second(base + emission.second as i64).unwrap_or(start), &mut vars);
        let filled = templates
            .iter()
            .map(|r| render(r, &vars))
            .collect::<Result<Vec<Value>, _>>()
            .map_err(|name| RunError::Placeholder { emission: label.to_owned(), name })?;
        let topic = match topic {
            Some(t) => match render(&Value::from(t.as_str()), &vars) {
                Ok(Value::String(t)) => Some(t),
                Ok(other) => Some(other.to_string()),
                Err(name) => return Err(RunError::Placeholder { emission: label.to_owned(), name }),
            },
            None => None,
        };
        let sent = Timestamp::now();
        target.send(source, topic.as_deref(), &filled).await?;
        match emission.origin {
            Origin::Step(i) => {
                step_sent[i] = Some(sent);
                if options.announce {
                    bar.suspend(|| println!("  {}: {}", plan.steps[i].id, plan.steps[i].say));
                }
                records.steps += filled.len();
                bar.set_message(format!("step {label}"));
            }
            Origin::Noise(_) => records.noise += filled.len(),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let played = Played { emissions, base, step_sent, records, seed: options.seed, speed: options.speed };
    let deadline = deadline(plan, &played);
    let sources: BTreeSet<&str> =
        plan.sources.iter().map(|s| s.name.as_str()).chain(std::iter::once(API_SOURCE_NAME)).collect();
    let from = Timestamp::from_second(base).unwrap_or(start);
    let scripted = |after: Duration| SignedDuration::from_secs_f64(after.as_secs_f64() / options.speed);
    let longest_script = plan.acknowledge.iter().map(|a| scripted(a.after)).max().unwrap_or_default();
    let people = options.wait_ack.and_then(|w| SignedDuration::try_from(w).ok()).unwrap_or_default();
    let routes = if plan.notifications.is_empty() { Vec::new() } else { target.routes().await? };
    let mut acknowledged = BTreeSet::new();
    loop {
        let mut observed = observe(target, &sources, from).await?;
        observed.routes = routes.clone();
        let report = score(plan, &rules, &played, &observed);
        let now = Timestamp::now();
        let scripts_pending = acknowledge_due(plan, target, &report, now, &scripted, &mut acknowledged).await?;
        let caught_up = target.caught_up().await?;
        let settled = caught_up && (report.passed || now >= deadline);
        let waiting_for_people = options.wait_ack.is_some()
            && now < deadline + people
            && report.acknowledgements.iter().any(|a| a.acknowledged.is_none());
        let done = settled && !scripts_pending && !waiting_for_people;
        let give_up =
            now >= deadline + SignedDuration::try_from(CATCH_UP).unwrap_or_default() + longest_script + people;
        if done || give_up {
            if give_up && !caught_up {
                tracing::warn!("SafeCare's stages had not caught up when the run ended");
            }
            return Ok(report);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Acknowledges each incident of the run a script covers once its time
/// has come; whether any such acknowledgement is still to come.
async fn acknowledge_due(
    plan: &Plan,
    target: &Target,
    report: &Report,
    now: Timestamp,
    scripted: &impl Fn(Duration) -> SignedDuration,
    done: &mut BTreeSet<String>,
) -> Result<bool, TargetError> {
    let mut pending = false;
    for incident in report.acknowledgements.iter().filter(|a| a.acknowledged.is_none()) {
        let Some(script) = plan.acknowledge.iter().find(|s| s.threat.is_none() || s.threat == incident.threat) else {
            continue;
        };
        if done.contains(&incident.incident) {
            // Acknowledged; the next read-back shows it.
            pending = true;
        } else if now >= incident.opened + scripted(script.after) {
            match target.acknowledge(&incident.incident).await {
                // Someone was quicker: the timeline has their acknowledgement.
                Ok(()) | Err(TargetError::Refused { status: 409, .. }) => {}
                Err(err) => return Err(err),
            }
            done.insert(incident.incident.clone());
            pending = true;
        } else {
            pending = true;
        }
    }
    Ok(pending)
}

fn check_rules(plan: &Plan, rules: &[RuleInfo]) -> Result<(), RunError> {
    for step in &plan.steps {
        for (rule, _) in &step.expect {
            if !rules.iter().any(|r| r.id == *rule || r.name.as_deref() == Some(rule.as_str())) {
                return Err(RunError::UnknownRule { step: step.id.clone(), rule: rule.clone() });
            }
        }
    }
    Ok(())
}

/// The latest moment any expectation may still be met.
fn deadline(plan: &Plan, played: &Played) -> Timestamp {
    let sent = |i: usize| played.step_sent.get(i).copied().flatten().unwrap_or_else(Timestamp::now);
    let alerts = plan.steps.iter().enumerate().flat_map(|(i, s)| s.expect.iter().map(move |(_, w)| (i, *w)));
    let incidents = plan.incidents.iter().map(|w| (w.by, w.within));
    let notifications = plan.notifications.iter().map(|w| (w.by, w.within));
    alerts
        .chain(incidents)
        .chain(notifications)
        .map(|(i, within)| sent(i) + SignedDuration::try_from(within).unwrap_or_default())
        .max()
        .unwrap_or_else(Timestamp::now)
}

async fn observe(target: &Target, sources: &BTreeSet<&str>, from: Timestamp) -> Result<Observed, TargetError> {
    let mut events = Vec::new();
    for source in sources {
        events.extend(target.events(source, from).await?);
    }
    let alerts = target.alerts(from).await?;
    let ours: BTreeSet<String> = alerts.iter().map(|a| a.id.to_string()).collect();
    let mut incidents = Vec::new();
    let mut notifications = Vec::new();
    for incident in target.incidents().await? {
        if incident.alerts.iter().any(|a| ours.contains(&a.to_string())) {
            let id = incident.id.to_string();
            incidents.push(target.incident(&id).await?);
            notifications.extend(target.notifications(&id).await?);
        }
    }
    Ok(Observed { events, alerts, incidents, notifications, routes: Vec::new() })
}

fn progress_bar(show: bool, len: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}
