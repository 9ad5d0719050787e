//! `safecare hunt`: the detection engine over files, offline, with a
//! progress bar; detections go to standard output in the chosen format.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use safecare_detect::{RuleSet, hunt_parallel};
use safecare_ingest::decode::evtx::EvtxEvents;
use safecare_ingest::{Context, Decoder};
use safecare_model::{Alert, Event};
use safecare_server::{RulesConfig, load_rules};

use crate::cli::{HuntArgs, HuntFormat, JsonParser};

/// Every huntable file under `paths`, sorted for a stable order.
fn files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        let meta = std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
        } else if huntable(&path) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn huntable(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("evtx" | "json" | "jsonl" | "ndjson"))
}

/// The events of one file; undecodable records are counted, not fatal.
fn events(path: &Path, decoder: &Decoder, skipped: &mut u64) -> anyhow::Result<Vec<Event>> {
    let ctx = Context::new(format!("hunt:{}", path.display()));
    let mut out = Vec::new();
    if path.extension().and_then(|e| e.to_str()) == Some("evtx") {
        for record in EvtxEvents::open(path, ctx)? {
            match record {
                Ok(event) => out.push(event),
                Err(_) => *skipped += 1,
            }
        }
        return Ok(out);
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    for line in BufReader::new(file).split(b'\n') {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match decoder.decode(&line, None, &ctx) {
            Ok(event) => out.push(event),
            Err(_) => *skipped += 1,
        }
    }
    Ok(out)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn write_alert(out: &mut impl Write, format: HuntFormat, alert: &Alert, rules: &RuleSet) -> std::io::Result<()> {
    let rule = alert.safecare.rule.as_deref().and_then(|id| rules.rule(id));
    let name = rule.and_then(|r| r.name.clone()).unwrap_or_default();
    let time = alert.start_time.unwrap_or(alert.create_time).to_string();
    let asset = alert.safecare.asset.clone().unwrap_or_default();
    match format {
        HuntFormat::Json => writeln!(out, "{}", serde_json::to_string(alert).unwrap_or_default()),
        HuntFormat::Csv => writeln!(
            out,
            "{},{},{},{},{}",
            csv_field(&time),
            alert.severity(),
            csv_field(&alert.description),
            csv_field(&name),
            csv_field(&asset)
        ),
        HuntFormat::Table => {
            writeln!(out, "{time:<30} {:<8} {:<60} {asset}", alert.severity().as_str(), alert.description)
        }
    }
}

pub fn run(args: HuntArgs) -> anyhow::Result<()> {
    let config =
        RulesConfig { builtin: args.rules.is_empty(), dirs: args.rules.clone(), disabled: Vec::new(), watch: false };
    let rules = Arc::new(load_rules(&config)?);
    eprintln!("{}", rules.summary());
    let decoder = match args.parser {
        JsonParser::Windows => Decoder::Windows,
        JsonParser::Eve => Decoder::Eve,
        JsonParser::Zeek => Decoder::Zeek { log: None },
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let files = files(&args.paths)?;
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} files  {msg}")?);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == HuntFormat::Csv {
        writeln!(out, "time,severity,alert,rule,asset")?;
    }
    let (mut read, mut skipped, mut detections) = (0u64, 0u64, 0u64);
    for path in &files {
        bar.set_message(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let batch = events(path, &decoder, &mut skipped)?;
        read += batch.len() as u64;
        // Matching runs on every core; alerts keep the files' event order.
        for alert in hunt_parallel(rules.clone(), batch.into_iter(), threads) {
            detections += 1;
            write_alert(&mut out, args.format, &alert, &rules)?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    eprintln!("{} files, {read} events, {skipped} records skipped, {detections} detections", files.len());
    Ok(())
}
