//! `safecare bench`: throughput on this machine, with a progress bar; HTTP
//! ingest here, detection in `bench_detect`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use safecare_model::Role;
use safecare_server::{Config, provision};
use tokio::sync::Semaphore;

#[derive(Debug, clap::Subcommand)]
pub enum BenchWhat {
    /// Events/s through HTTP NDJSON ingest, end to end (each request answered
    /// once its events are durable). Starts its own server in a temporary
    /// folder unless --url is given.
    Ingest {
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
}

/// One request's body: `batch` realistic Windows logon failures.
fn body(batch: usize, offset: usize) -> String {
    (offset..offset + batch)
        .map(|i| {
            format!(
                "{{\"domain\":\"cyber\",\"message\":\"An account failed to log on\",\"asset\":\"ws-{}\",\"logsource\":{{\"product\":\"windows\",\"service\":\"security\"}},\"fields\":{{\"EventID\":4625,\"TargetUserName\":\"user{}\",\"IpAddress\":\"10.1.{}.{}\",\"LogonType\":3}}}}\n",
                i % 300,
                i % 5000,
                (i / 250) % 250,
                i % 250
            )
        })
        .collect()
}

/// Percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub async fn run(what: BenchWhat) -> anyhow::Result<()> {
    match what {
        BenchWhat::Ingest { events, batch, concurrency, url, token } => {
            ingest(events, batch, concurrency, url, token).await
        }
        BenchWhat::Detect(args) => crate::bench_detect::run(&args),
    }
}

async fn ingest(
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
    let endpoint = format!("{url}/api/v1/events");
    let client = reqwest::Client::new();
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
        let payload = body(size, r * batch);
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = client
                .post(&endpoint)
                .bearer_auth(&token)
                .header("content-type", "application/x-ndjson")
                .body(payload)
                .send()
                .await;
            drop(permit);
            bar.inc(size as u64);
            match response {
                Ok(r) if r.status().as_u16() == 202 => Ok(sent.elapsed()),
                Ok(r) => Err(anyhow::anyhow!("server answered {}", r.status())),
                Err(e) => Err(anyhow::anyhow!(e)),
            }
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
        server.stop().await?;
    }
    Ok(())
}
