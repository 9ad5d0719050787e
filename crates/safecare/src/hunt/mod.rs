//! `safecare hunt`: the detection engine over files, offline, with a
//! progress bar; detections go to standard output in the chosen format.

mod persons;
mod read;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use indicatif::{ProgressBar, ProgressStyle};
use safecare_detect::{RuleSet, hunt_parallel};
use safecare_detect::{RulesConfig, load_rules};
use safecare_ingest::Decoder;
use safecare_model::Alert;

use crate::cli::{HuntArgs, HuntFormat, JsonParser};

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn write_alert(
    out: &mut impl Write,
    format: HuntFormat,
    alert: &Alert,
    rules: &RuleSet,
    persons: &persons::Persons,
) -> std::io::Result<()> {
    let rule = alert.safecare.rule.as_deref().and_then(|id| rules.rule(id));
    let name = rule.and_then(|r| r.name.clone()).unwrap_or_default();
    let time = alert.start_time.unwrap_or(alert.create_time).to_string();
    let asset = alert.safecare.asset.clone().unwrap_or_default();
    match format {
        HuntFormat::Json => writeln!(out, "{}", serde_json::to_string(&persons.hide(alert)).unwrap_or_default()),
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
    let files = read::files(&args.paths)?;
    let file_count = files.len();
    let bar = ProgressBar::new(file_count as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} files  {msg}")?);
    // Files are decoded on every core and matched on every core, as one
    // stream in file order so that correlation windows span files.
    let (alerts, totals) = std::thread::scope(|scope| {
        let (events, totals) = read::decode_on(scope, files, decoder, threads, bar.clone());
        (hunt_parallel(rules.clone(), events, threads), totals)
    });
    bar.finish_and_clear();
    if let Some(error) = totals.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(error);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == HuntFormat::Csv {
        writeln!(out, "time,severity,alert,rule,asset")?;
    }
    let persons = persons::Persons::for_this_run()?;
    for alert in &alerts {
        write_alert(&mut out, args.format, alert, &rules, &persons)?;
    }
    let (read, skipped) = (totals.events.load(Ordering::Relaxed), totals.skipped.load(Ordering::Relaxed));
    eprintln!("{file_count} files, {read} events, {skipped} records skipped, {} detections", alerts.len());
    Ok(())
}
