//! `safecare bench`: throughput on this machine, with a progress bar; HTTP
//! ingest here, detection in `bench_detect`, the whole pipeline under a
//! scenario's mix in `bench_pipeline`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use safecare_bus::{Delivery, Message, Subscription, Topic};
use safecare_model::Role;
use safecare_server::{Config, provision};
use tokio::sync::Semaphore;

#[derive(Debug, clap::Subcommand)]
pub enum BenchWhat {
    /// Events/s through HTTP NDJSON ingest, end to end (each request answered
    /// once its events are durable). Starts its own server in a temporary
    /// folder unless --url is given.
    Ingest {
        /// What to send: `flood` (Windows logon failures, nearly every one
        /// raising alerts) or `mix` (cyber, physical and building events,
        /// few raising an alert).
        #[arg(long, value_enum, default_value_t = Workload::Flood)]
        workload: Workload,
        /// Events to send in all.
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Events per request.
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// A running SafeCare to measure instead (needs --token).
        #[arg(long, requires = "token")]
        url: Option<String>,
        /// An API token with the events:ingest permission.
        #[arg(long)]
        token: Option<String>,
    },
    /// Events/s through the detection engine on one core, evaluation alone:
    /// the hospital pack over its case events, and every SigmaHQ Windows
    /// rule over each corpus, through SafeCare's engine and the plain
    /// library in the same run, with their match counts. Prints medians.
    Detect(crate::bench_detect::DetectBenchArgs),
    /// A cyber/physical mix (a scenario's noise and attack steps, or the
    /// `mix` and `flood` profiles) offered at --rate events/s for
    /// --duration seconds through the whole pipeline over HTTP NDJSON:
    /// events/s offered and accepted, refused (429/503), event→alert
    /// p50/p99, CPU seconds and peak RSS.
    Pipeline(crate::bench_pipeline::PipelineBenchArgs),
}

/// The stream `safecare bench ingest` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// Windows logon failures over 5,000 accounts: every event raises an
    /// alert, and every account's tenth failure within five minutes a
    /// brute-force correlation (the alert flood).
    Flood,
    /// A hospital's everyday mix: interactive logons, theatre climate
    /// readings in range, granted badges and a few logon failures; with
    /// the hospital pack about one event in two hundred raises an alert.
    Mix,
}

/// One request's body: `batch` events of the workload from `offset` on.
fn body(workload: Workload, batch: usize, offset: usize) -> String {
    (offset..offset + batch).map(|i| event_line(workload, i)).collect()
}

pub(crate) fn event_line(workload: Workload, i: usize) -> String {
    let logon = |event_id: u32, logon_type: u32| {
        format!(
            "{{\"domain\":\"cyber\",\"message\":\"Logon event\",\"asset\":\"ws-{}\",\"logsource\":{{\"product\":\"windows\",\"service\":\"security\"}},\"fields\":{{\"EventID\":{event_id},\"TargetUserName\":\"user{}\",\"IpAddress\":\"10.1.{}.{}\",\"LogonType\":{logon_type}}}}}\n",
            i % 300,
            i % 5000,
            (i / 250) % 250,
            i % 250
        )
    };
    match (workload, i % 100) {
        (Workload::Flood, _) | (Workload::Mix, 0) => logon(4625, 3),
        (Workload::Mix, 1..=4) => format!(
            "{{\"domain\":\"physical\",\"message\":\"Badge granted\",\"logsource\":{{\"product\":\"safecare\",\"category\":\"access_control\"}},\"location\":{{\"site\":\"hq\",\"building\":\"main\",\"zone\":\"ward-{}\"}},\"fields\":{{\"action\":\"granted\",\"badge_holder\":\"staff{}\",\"door\":\"door-{}\"}}}}\n",
            i % 12,
            i % 2000,
            i % 80
        ),
        (Workload::Mix, 5..=29) => format!(
            "{{\"domain\":\"building\",\"message\":\"Theatre climate\",\"logsource\":{{\"product\":\"safecare\",\"category\":\"environment\"}},\"location\":{{\"site\":\"hq\",\"building\":\"main\",\"zone\":\"theatre\",\"room\":\"th-{}\"}},\"fields\":{{\"metric\":\"temperature\",\"value\":{}.{}}}}}\n",
            i % 6,
            20 + i % 3,
            i % 10
        ),
        (Workload::Mix, _) => logon(4624, 2),
    }
}

/// Percentile of sorted durations.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub async fn run(what: BenchWhat) -> anyhow::Result<()> {
    match what {
        BenchWhat::Ingest { workload, events, batch, concurrency, url, token } => {
            ingest(workload, events, batch, concurrency, url, token).await
        }
        BenchWhat::Detect(args) => crate::bench_detect::run(&args),
        BenchWhat::Pipeline(args) => crate::bench_pipeline::run(&args).await,
    }
}

async fn ingest(
    workload: Workload,
    events: usize,
    batch: usize,
    concurrency: usize,
    url: Option<String>,
    token: Option<String>,
) -> anyhow::Result<()> {
    anyhow::ensure!(batch > 0 && concurrency > 0, "batch and concurrency must be positive");
    let scratch = tempfile::tempdir()?;
    let (own_server, url, token) = match (url, token) {
        (Some(url), Some(token)) => (None, url, token),
        _ => {
            // The configuration (file-less: defaults and SAFECARE_* variables)
            // applies, so a run can be repeated with, say, other rules.
            let mut config = Config::load(None)?;
            config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
            config.data_dir = scratch.path().to_owned();
            config.sources.clear();
            let server = safecare_server::start(config).await?;
            let token =
                provision::issue_token(server.state.accounts.as_ref(), "bench", Role::Sensor, Some("bench"), "bench")
                    .await?;
            let url = server.url();
            (Some(server), url, token)
        }
    };
    // With its own server the bench watches alerts as they are published
    // (after they are stored): event→alert latency is the time since the
    // triggering event was taken in, which the alert's id carries.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let watch = match &own_server {
        Some(server) => {
            let alerts = server.state.bus.subscribe(Topic::Alerts, Delivery::Reliable).await?;
            Some(tokio::spawn(alert_latencies(alerts, seen.clone())))
        }
        None => None,
    };
    let endpoint = format!("{url}/api/v1/events");
    let client = reqwest::Client::new();
    let refused = Arc::new(AtomicU64::new(0));
    let requests = events.div_ceil(batch);
    let bar = ProgressBar::new(events as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} events  {per_sec}  eta {eta}")?);
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(requests);
    for r in 0..requests {
        let size = batch.min(events - r * batch);
        let permit = gate.clone().acquire_owned().await?;
        let (client, endpoint, token, bar) = (client.clone(), endpoint.clone(), token.clone(), bar.clone());
        let refused = refused.clone();
        let payload = body(workload, size, r * batch);
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            loop {
                let response = client
                    .post(&endpoint)
                    .bearer_auth(&token)
                    .header("content-type", "application/x-ndjson")
                    .body(payload.clone())
                    .send()
                    .await?;
                match response.status().as_u16() {
                    202 => break,
                    // Pushed back: wait as told, then send the same body again.
                    429 | 503 => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        let wait = response
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                            .unwrap_or(1);
                        tokio::time::sleep(Duration::from_secs(wait)).await;
                    }
                    _ => anyhow::bail!("server answered {}", response.status()),
                }
            }
            drop(permit);
            bar.inc(size as u64);
            anyhow::Ok(sent.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    for task in tasks {
        latencies.push(task.await.context("request task")??);
    }
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    latencies.sort();
    println!(
        "ingest: {events} events in {requests} requests of {batch}, {concurrency} in flight: {:.2} s, {:.0} events/s; request latency p50 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
    if let Some(server) = own_server {
        // End to end: until both stages have handled everything stored.
        loop {
            let lag = server.state.progress.lag(server.state.store.as_ref()).await;
            if lag.iter().all(|stage| stage.behind == 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let through = started.elapsed();
        println!(
            "end to end (detected and grouped): {:.2} s, {:.0} events/s; {} requests pushed back",
            through.as_secs_f64(),
            events as f64 / through.as_secs_f64(),
            refused.load(Ordering::Relaxed),
        );
        server.stop().await?;
        if let Some(watch) = watch {
            watch.abort();
            let mut alerts = std::mem::take(&mut *seen.lock().map_err(|_| anyhow::anyhow!("alert watcher failed"))?);
            alerts.sort();
            println!(
                "event→alert: {} alerts, p50 {:.0} ms, p99 {:.0} ms",
                alerts.len(),
                percentile(&alerts, 0.5).as_secs_f64() * 1e3,
                percentile(&alerts, 0.99).as_secs_f64() * 1e3,
            );
        }
    }
    if let Some(peak) = peak_rss_kib() {
        println!("peak RSS (bench client and server in one process): {:.0} MiB", peak as f64 / 1024.0);
    }
    Ok(())
}

/// Records, for every alert published, the time since its triggering event
/// was taken in: an alert's id begins with that event's id's millisecond
/// timestamp ([`safecare_model::AlertId::derived`]).
pub(crate) async fn alert_latencies(mut alerts: Subscription, seen: Arc<std::sync::Mutex<Vec<Duration>>>) {
    while let Some(message) = alerts.recv().await {
        if let Message::Alert(alert) = message.as_ref() {
            let taken_in = (alert.id.0.as_u128() >> 80) as u64;
            let now = jiff::Timestamp::now().as_millisecond() as u64;
            if let Ok(mut seen) = seen.lock() {
                seen.push(Duration::from_millis(now.saturating_sub(taken_in)));
            }
        }
    }
}

/// The process's peak resident set (Linux `VmHWM`), in KiB.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
