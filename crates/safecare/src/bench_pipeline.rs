//! `safecare bench pipeline`: a cyber/physical mix offered at a set rate
//! through the whole pipeline over the HTTP NDJSON ingest routes, from the
//! same generators as the scenarios (a scenario's noise and attack steps
//! replayed without waiting) or a named profile (`bench ingest`'s `mix` and
//! `flood`). Reports what was offered and accepted per second, what was
//! refused (429/503: dropped, not sent again, as a device with a full
//! buffer would), event→alert latency, CPU seconds and peak memory.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use safecare_bus::{Delivery, Topic};
use safecare_ingest::{SourceConfig, Transport};
use safecare_model::Role;
use safecare_server::{Config, RunningServer, provision};
use safecare_sim::load::Mix;
use safecare_sim::scenario::API_SOURCE;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::bench::{Workload, alert_latencies, event_line, peak_rss_kib, percentile};

/// The source name events posted to the event API are recorded under.
const BENCH_SOURCE: &str = "bench";
/// How often the generator tops the offered load up to the rate.
const TICK: Duration = Duration::from_millis(20);
/// The longest wait for SafeCare's stages to catch up once the load stops.
const DRAIN: Duration = Duration::from_secs(120);

#[derive(Debug, clap::Args)]
pub struct PipelineBenchArgs {
    /// What to offer: a bundled scenario's name or a scenario file (its
    /// noise and attack steps, replayed back to back), or a profile: `mix`
    /// (everyday hospital events) or `flood` (logon failures, nearly every
    /// one raising alerts).
    #[arg(long, default_value = "mix")]
    mix: String,
    /// Events offered per second; 0 offers as fast as SafeCare answers.
    #[arg(long, default_value_t = 5_000)]
    rate: u64,
    /// Seconds of load.
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Most events in one request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Most requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seed of the scenario's timeline.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A running SafeCare to load instead of one started in-process (its
    /// base URL; the scenario's sources must be `http` sources there).
    #[arg(long, value_name = "URL", requires = "token")]
    target: Option<String>,
    /// An admin API token for --target (it sends and reads alerts).
    #[arg(long, env = "SAFECARE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineReport {
    /// The scenario or profile.
    pub mix: String,
    /// Whether SafeCare ran in this process.
    pub in_process: bool,
    /// The rate asked for (0: as fast as answered).
    pub rate: u64,
    /// Seconds of load, as measured.
    pub seconds: f64,
    /// Events sent.
    pub offered: u64,
    /// Events SafeCare took in (202).
    pub accepted: u64,
    /// Events refused because SafeCare was busy (429, 503).
    pub refused: u64,
    /// Events its decoders refused as malformed.
    pub invalid: u64,
    /// Events of requests that failed otherwise (connection, 5xx).
    pub failed: u64,
    /// Events of the scenario's attack steps among those offered.
    pub attack_events: u64,
    /// Offered per second.
    pub offered_per_second: f64,
    /// Accepted per second.
    pub accepted_per_second: f64,
    /// Alerts seen.
    pub alerts: usize,
    /// Event→alert latency: from the event being taken in to its alert
    /// being readable, median (ms).
    pub alert_p50_ms: f64,
    /// Its 99th percentile (ms).
    pub alert_p99_ms: f64,
    /// Seconds from the end of the load until every stage had caught up.
    pub drain_seconds: f64,
    /// CPU seconds of this process (with SafeCare when in-process).
    pub cpu_seconds: f64,
    /// Peak resident memory of this process (MiB).
    pub peak_rss_mib: f64,
    /// Sources whose records need a topic and were left out.
    pub left_out: Vec<String>,
}

impl PipelineReport {
    /// The report as text.
    pub fn text(&self) -> String {
        let mut out = format!(
            "pipeline bench, {} at {} for {:.1} s ({}):\n",
            self.mix,
            if self.rate == 0 { "full speed".to_owned() } else { format!("{} events/s", self.rate) },
            self.seconds,
            if self.in_process { "in-process" } else { "target" },
        );
        out += &format!(
            "  offered {} ({:.0}/s), accepted {} ({:.0}/s), refused {} (429/503), invalid {}, failed {}\n",
            self.offered,
            self.offered_per_second,
            self.accepted,
            self.accepted_per_second,
            self.refused,
            self.invalid,
            self.failed
        );
        out += &format!(
            "  {} attack event(s); {} alert(s), event→alert p50 {:.0} ms, p99 {:.0} ms; caught up {:.1} s after the load\n",
            self.attack_events, self.alerts, self.alert_p50_ms, self.alert_p99_ms, self.drain_seconds
        );
        out += &format!("  CPU {:.1} s, peak RSS {:.0} MiB\n", self.cpu_seconds, self.peak_rss_mib);
        if !self.left_out.is_empty() {
            out += &format!("  left out (their records need an MQTT topic): {}\n", self.left_out.join(", "));
        }
        out
    }
}

/// Where records come from.
enum Generator {
    /// A `bench ingest` workload: event-API lines.
    Profile(Workload, usize),
    /// A scenario's timeline.
    Scenario(Box<Mix>),
}

/// One emission ready to batch: its route, whether its lines are JSON, the
/// lines, and whether an attack step sent them.
struct Chunk {
    source: String,
    json: bool,
    lines: Vec<String>,
    attack: bool,
}

impl Generator {
    fn next(&mut self) -> anyhow::Result<Chunk> {
        match self {
            Generator::Profile(workload, i) => {
                let line = event_line(*workload, *i);
                *i += 1;
                Ok(Chunk {
                    source: API_SOURCE.to_owned(),
                    json: true,
                    lines: vec![line.trim_end().to_owned()],
                    attack: false,
                })
            }
            Generator::Scenario(mix) => {
                let batch = mix.next_batch(jiff::Timestamp::now())?;
                let json = batch.records.iter().all(serde_json::Value::is_object);
                let lines = batch
                    .records
                    .into_iter()
                    .map(|mut r| match r.as_object_mut() {
                        Some(map) => {
                            if batch.source == API_SOURCE {
                                map.entry("source").or_insert_with(|| BENCH_SOURCE.into());
                            }
                            r.to_string()
                        }
                        None => r.as_str().unwrap_or_default().to_owned(),
                    })
                    .collect();
                Ok(Chunk { source: batch.source, json, lines, attack: batch.attack })
            }
        }
    }
}

/// The generator for `mix`, and the HTTP sources it sends through.
fn generator(mix: &str, seed: u64) -> anyhow::Result<(Generator, Vec<SourceConfig>, Vec<String>)> {
    match mix {
        "mix" => Ok((Generator::Profile(Workload::Mix, 0), Vec::new(), Vec::new())),
        "flood" => Ok((Generator::Profile(Workload::Flood, 0), Vec::new(), Vec::new())),
        scenario => {
            let (plan, _) = safecare_sim::prepare(scenario)
                .with_context(|| format!("{scenario:?} is neither a profile (mix, flood) nor a usable scenario"))?;
            let mix = Mix::new(&plan, seed);
            let left_out = mix.left_out();
            // Every source becomes an HTTP source with its decoder: this
            // bench measures the HTTP ingest path.
            let sources = plan
                .sources
                .iter()
                .filter(|s| !left_out.contains(&s.name))
                .map(|s| SourceConfig { transport: Transport::Http, ..s.clone() })
                .collect();
            Ok((Generator::Scenario(Box::new(mix)), sources, left_out))
        }
    }
}

/// Counters shared by the request tasks.
#[derive(Default)]
struct Counts {
    accepted: AtomicU64,
    refused: AtomicU64,
    invalid: AtomicU64,
    failed: AtomicU64,
}

pub async fn run(args: &PipelineBenchArgs) -> anyhow::Result<()> {
    let report = measure(args).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    Ok(())
}

/// Runs the bench and returns its report.
pub async fn measure(args: &PipelineBenchArgs) -> anyhow::Result<PipelineReport> {
    anyhow::ensure!(args.batch > 0 && args.concurrency > 0, "batch and concurrency must be positive");
    anyhow::ensure!(args.duration > 0, "the duration must be at least a second");
    let (mut generator, sources, left_out) = generator(&args.mix, args.seed)?;
    let scratch = tempfile::tempdir()?;
    let cpu_before = cpu_seconds();
    let (server, url, tokens) = match (&args.target, &args.token) {
        (Some(url), Some(token)) => {
            let names = sources.iter().map(|s| s.name.clone()).chain(std::iter::once(API_SOURCE.to_owned()));
            (None, url.trim_end_matches('/').to_owned(), names.map(|n| (n, token.clone())).collect())
        }
        _ => {
            let (server, tokens) = start(scratch.path(), sources.clone()).await?;
            let url = server.url();
            (Some(server), url, tokens)
        }
    };
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let watch = match &server {
        Some(server) => {
            let alerts = server.state.bus.subscribe(Topic::Alerts, Delivery::Reliable).await?;
            tokio::spawn(alert_latencies(alerts, seen.clone()))
        }
        None => {
            let token = args.token.clone().unwrap_or_default();
            tokio::spawn(poll_alerts(url.clone(), token, seen.clone()))
        }
    };

    let client = reqwest::Client::new();
    let counts = Arc::new(Counts::default());
    let gate = Arc::new(Semaphore::new(args.concurrency));
    let total = Duration::from_secs(args.duration);
    let bar = ProgressBar::new(args.duration);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} s  {msg}")?);
    let mut buffers: BTreeMap<(String, bool), Vec<String>> = BTreeMap::new();
    let (mut offered, mut attack_events) = (0u64, 0u64);
    let mut tasks = Vec::new();
    let started = Instant::now();
    while started.elapsed() < total {
        let due = if args.rate == 0 {
            offered + args.batch as u64
        } else {
            (started.elapsed().as_secs_f64() * args.rate as f64) as u64
        };
        while offered < due {
            let chunk = generator.next()?;
            let n = chunk.lines.len() as u64;
            offered += n;
            if chunk.attack {
                attack_events += n;
            }
            let key = (chunk.source, chunk.json);
            let buffer = buffers.entry(key.clone()).or_default();
            buffer.extend(chunk.lines);
            if buffer.len() >= args.batch {
                let lines = std::mem::take(buffer);
                let token = tokens.get(&key.0).cloned().unwrap_or_default();
                let permit = gate.clone().acquire_owned().await?;
                let request = post(client.clone(), url.clone(), key, lines, token, counts.clone());
                tasks.push(tokio::spawn(async move {
                    request.await;
                    drop(permit);
                }));
            }
        }
        for (key, buffer) in buffers.iter_mut().filter(|(_, b)| !b.is_empty()) {
            let lines = std::mem::take(buffer);
            let token = tokens.get(&key.0).cloned().unwrap_or_default();
            let permit = gate.clone().acquire_owned().await?;
            let request = post(client.clone(), url.clone(), key.clone(), lines, token, counts.clone());
            tasks.push(tokio::spawn(async move {
                request.await;
                drop(permit);
            }));
        }
        bar.set_position(started.elapsed().as_secs());
        bar.set_message(format!(
            "offered {offered}, accepted {}, refused {}",
            counts.accepted.load(Ordering::Relaxed),
            counts.refused.load(Ordering::Relaxed)
        ));
        if args.rate > 0 {
            tokio::time::sleep(TICK).await;
        }
    }
    for task in tasks {
        task.await.context("request task")?;
    }
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let drained = Instant::now();
    caught_up(server.as_ref(), &client, &url, args.token.as_deref()).await?;
    let drain_seconds = drained.elapsed().as_secs_f64();
    if server.is_none() {
        // One more read-back after the stages caught up.
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    watch.abort();
    let mut latencies = std::mem::take(&mut *seen.lock().map_err(|_| anyhow::anyhow!("alert watcher failed"))?);
    latencies.sort();
    if let Some(server) = server {
        server.stop().await?;
    }
    let accepted = counts.accepted.load(Ordering::Relaxed);
    Ok(PipelineReport {
        mix: args.mix.clone(),
        in_process: args.target.is_none(),
        rate: args.rate,
        seconds,
        offered,
        accepted,
        refused: counts.refused.load(Ordering::Relaxed),
        invalid: counts.invalid.load(Ordering::Relaxed),
        failed: counts.failed.load(Ordering::Relaxed),
        attack_events,
        offered_per_second: offered as f64 / seconds,
        accepted_per_second: accepted as f64 / seconds,
        alerts: latencies.len(),
        alert_p50_ms: percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        alert_p99_ms: percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        drain_seconds,
        cpu_seconds: (cpu_seconds() - cpu_before).max(0.0),
        peak_rss_mib: peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
        left_out,
    })
}

/// SafeCare in this process: full durability, the hospital pack, `sources`
/// as HTTP sources; a sensor token per source and one for the event API.
async fn start(
    dir: &std::path::Path,
    sources: Vec<SourceConfig>,
) -> anyhow::Result<(RunningServer, BTreeMap<String, String>)> {
    // The configuration (file-less: defaults and SAFECARE_* variables)
    // applies, as for `bench ingest`.
    let mut config = Config::load(None)?;
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.data_dir = dir.to_owned();
    config.store.durability = safecare_store::Durability::Full;
    config.sources = sources;
    let names: BTreeSet<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let server = safecare_server::start(config).await?;
    let accounts = server.state.accounts.as_ref();
    let mut tokens = BTreeMap::new();
    for (route, bound) in names.iter().map(|n| (n.as_str(), n.as_str())).chain([(API_SOURCE, BENCH_SOURCE)]) {
        let token =
            provision::issue_token(accounts, &format!("bench {route}"), Role::Sensor, Some(bound), "bench").await?;
        tokens.insert(route.to_owned(), token);
    }
    Ok((server, tokens))
}

/// Posts one request and counts its events by the answer.
async fn post(
    client: reqwest::Client,
    url: String,
    (source, json): (String, bool),
    lines: Vec<String>,
    token: String,
    counts: Arc<Counts>,
) {
    let endpoint = if source == API_SOURCE {
        format!("{url}/api/v1/events")
    } else {
        format!("{url}/api/v1/sources/{source}/events")
    };
    let n = lines.len() as u64;
    let kind = if json { "application/x-ndjson" } else { "text/plain" };
    let response =
        client.post(endpoint).bearer_auth(token).header("content-type", kind).body(lines.join("\n")).send().await;
    let Ok(response) = response else {
        counts.failed.fetch_add(n, Ordering::Relaxed);
        return;
    };
    match response.status().as_u16() {
        202 | 400 => {
            #[derive(serde::Deserialize)]
            struct Reply {
                #[serde(default)]
                accepted: u64,
            }
            let accepted = match response.json::<Reply>().await {
                Ok(reply) => reply.accepted.min(n),
                Err(_) => 0,
            };
            counts.accepted.fetch_add(accepted, Ordering::Relaxed);
            counts.invalid.fetch_add(n - accepted, Ordering::Relaxed);
        }
        429 | 503 => {
            counts.refused.fetch_add(n, Ordering::Relaxed);
        }
        _ => {
            counts.failed.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// Waits until every stage has handled everything stored (or [`DRAIN`]).
async fn caught_up(
    server: Option<&RunningServer>,
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> anyhow::Result<()> {
    let since = Instant::now();
    while since.elapsed() < DRAIN {
        let done = match server {
            Some(server) => server.state.progress.lag(server.state.store.as_ref()).await.iter().all(|s| s.behind == 0),
            None => {
                let health: serde_json::Value = client
                    .get(format!("{url}/api/v1/sources"))
                    .bearer_auth(token.unwrap_or_default())
                    .send()
                    .await?
                    .json()
                    .await?;
                health["stages"].as_array().is_some_and(|s| s.iter().all(|s| s["behind"].as_u64() == Some(0)))
            }
        };
        if done {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tracing::warn!("SafeCare's stages had not caught up {DRAIN:?} after the load");
    Ok(())
}

/// With --target, alerts are read back from the API every half second; an
/// alert's latency is from its triggering event's intake (its id's time)
/// to the read-back that first saw it, so it is rounded up to that period.
async fn poll_alerts(url: String, token: String, seen: Arc<std::sync::Mutex<Vec<Duration>>>) {
    let client = reqwest::Client::new();
    let from = jiff::Timestamp::now().to_string();
    let mut known = BTreeSet::new();
    loop {
        let page = client
            .get(format!("{url}/api/v1/alerts"))
            .bearer_auth(&token)
            .query(&[("from", from.as_str()), ("limit", "1000")])
            .send()
            .await;
        if let Ok(alerts) = match page {
            Ok(r) => r.json::<Vec<safecare_model::Alert>>().await,
            Err(e) => Err(e),
        } {
            let now = jiff::Timestamp::now().as_millisecond() as u64;
            for alert in alerts {
                if known.insert(alert.id.to_string()) {
                    let taken_in = (alert.id.0.as_u128() >> 80) as u64;
                    if let Ok(mut seen) = seen.lock() {
                        seen.push(Duration::from_millis(now.saturating_sub(taken_in)));
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// CPU seconds (user and system) this process has used: `/proc/self/stat`
/// counts them in USER_HZ ticks, which Linux fixes at 100 per second.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The command name may hold spaces: fields are counted after its ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    (tick(11) + tick(12)) as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(mix: &str, rate: u64) -> PipelineBenchArgs {
        PipelineBenchArgs {
            mix: mix.into(),
            rate,
            duration: 2,
            batch: 200,
            concurrency: 4,
            seed: 1,
            target: None,
            token: None,
            json: false,
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_scenario_mix_is_accounted_for_and_its_attack_raises_alerts() {
        let report = measure(&args("ransomware", 400)).await.unwrap();
        assert!(report.offered > 0, "{}", report.text());
        assert_eq!(
            report.accepted + report.refused + report.invalid + report.failed,
            report.offered,
            "{}",
            report.text()
        );
        assert_eq!(report.invalid + report.failed, 0, "{}", report.text());
        assert!(report.attack_events > 0, "{}", report.text());
        assert!(report.alerts > 0, "{}", report.text());
        assert!(report.alert_p50_ms <= report.alert_p99_ms);
        assert!(report.cpu_seconds > 0.0 && report.peak_rss_mib > 0.0, "{}", report.text());
        let text = report.text();
        assert!(text.contains("ransomware") && text.contains("refused"), "{text}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_profile_and_an_unknown_mix() {
        // Too short for any account's tenth failure: a profile has no
        // attack steps, and nothing is expected of its alerts here.
        let report = measure(&args("flood", 0)).await.unwrap();
        assert!(report.offered > 0);
        assert_eq!(report.accepted + report.refused + report.invalid + report.failed, report.offered);
        assert_eq!(report.attack_events, 0);
        let err = measure(&args("no-such-mix", 100)).await.unwrap_err();
        assert!(format!("{err:#}").contains("neither a profile (mix, flood) nor a usable scenario"), "{err:#}");
    }
}
