//! `safecare hunt`: the detection engine over files, offline, with a
//! progress bar; detections go to standard output in the chosen format, a
//! summary for the analyst to standard error.

mod persons;
mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

use safecare_detect::{Reach, RuleSet, RuleSetBuilder, hunt_parallel_each};
use safecare_detect::{RulesConfig, load_rules};
use safecare_ingest::Decoder;
use safecare_ingest::files;
use safecare_model::{Event, Severity};

use report::{Detection, Summary};

#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Files or folders (searched recursively): `.evtx`, and `.json`,
    /// `.jsonl`, `.ndjson` with one event per line. A file named here that
    /// is none of these, or none of whose records decode, is an error.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Sigma rule files or folders (repeatable); the built-in hospital pack
    /// when none is given.
    #[arg(long = "rules", value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Leave out a rule by id or name, or every rule listed (one id or name
    /// a line, `#` comments) in a file (repeatable): the noisy list.
    #[arg(long = "exclude-rules", value_name = "ID|FILE")]
    pub exclude: Vec<String>,
    /// Show only detections of this level or above (info, low, medium,
    /// high, critical).
    #[arg(long, default_value = "info")]
    pub min_level: Severity,
    /// How JSON lines are decoded.
    #[arg(long, value_enum, default_value_t = JsonParser::Windows)]
    pub parser: JsonParser,
    #[arg(long, value_enum, default_value_t = HuntFormat::Table)]
    pub format: HuntFormat,
    /// Parse every `--rules` file anew instead of taking the rules met on
    /// an earlier hunt from the cache (`$XDG_CACHE_HOME/safecare`, else
    /// `~/.cache/safecare`), and leave the cache as it is.
    #[arg(long)]
    pub no_rule_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JsonParser {
    Windows,
    Eve,
    Zeek,
}

impl JsonParser {
    pub fn decoder(self) -> Decoder {
        match self {
            JsonParser::Windows => Decoder::Windows,
            JsonParser::Eve => Decoder::Eve,
            JsonParser::Zeek => Decoder::Zeek { log: None },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HuntFormat {
    /// Aligned columns for a terminal.
    Table,
    /// One IDMEFv2 alert per line.
    Json,
    /// Comma-separated, with a header line.
    Csv,
}

/// The rules a hunt runs: `--rules` files and folders, or the built-in
/// pack, without the excluded ones; with `reach`, only the `--rules` files
/// whose logsource those events meet; with `cache`, lowered rules kept in
/// that file are taken from it and those parsed anew added.
pub(crate) fn load(
    paths: &[PathBuf],
    exclude: &[String],
    reach: Option<Reach>,
    cache: Option<&Path>,
) -> anyhow::Result<RuleSet> {
    let mut excluded = Vec::new();
    for item in exclude {
        let path = Path::new(item);
        if path.is_file() {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let listed = text.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty());
            excluded.extend(listed.map(str::to_owned));
        } else {
            excluded.push(item.clone());
        }
    }
    if paths.is_empty() {
        let config = RulesConfig { builtin: true, dirs: Vec::new(), disabled: excluded, watch: false };
        return Ok(load_rules(&config)?);
    }
    let mut builder = RuleSetBuilder::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read rules {}", path.display()))?;
        if meta.is_dir() {
            builder.add_dir(path)?;
        } else {
            builder.add_file(path);
        }
    }
    for rule in &excluded {
        builder.disable(rule);
    }
    if let Some(reach) = reach {
        builder.only_reaching(reach);
    }
    if let Some(cache) = cache {
        builder.cache_in(cache);
    }
    Ok(builder.build())
}

/// Where the lowered rules of these `--rules` paths are kept: one file per
/// set of paths, so that hunting with several rule folders in turn does not
/// make each evict the others. `None` without a home or cache directory.
fn rule_cache_path(paths: &[PathBuf]) -> Option<PathBuf> {
    use std::hash::{Hash, Hasher};
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|d| !d.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
    let mut hasher = std::hash::DefaultHasher::new();
    for path in paths {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()).hash(&mut hasher);
    }
    Some(base.join("safecare").join(format!("rules-{:016x}.bin", hasher.finish())))
}

/// Events decoded before the rules are loaded, so that only the rules
/// their logsources reach are parsed (most of a short hunt's time is rule
/// loading). A longer hunt loads every rule once this many are held, which
/// bounds the memory the look-ahead takes (about 150 MB of EVTX events).
const PEEK_EVENTS: usize = 50_000;

/// How long each step of a hunt took.
#[derive(Default)]
struct Timings {
    /// Decoding the events read before the rules were loaded.
    peek: Duration,
    rules: Duration,
    /// Matching, and decoding whatever the look-ahead did not hold.
    rest: Duration,
}

pub fn run(args: HuntArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let files = files::files(&args.paths)?;
    let file_count = files.len();
    let bar = ProgressBar::new(file_count as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} files  {msg}")?);
    let persons = persons::Persons::for_this_run()?;
    let mut detections: Vec<Detection> = Vec::new();
    let mut timings = Timings::default();
    // Files are decoded on every core and matched on every core, as one
    // stream in file order so that correlation windows span files.
    let totals = std::thread::scope(|scope| -> anyhow::Result<_> {
        let shown = bar.clone();
        let progress = Box::new(move |file: &files::EventFile| {
            shown.set_message(file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
            shown.inc(1);
        });
        let (mut events, totals) = files::decode_on(scope, files, args.parser.decoder(), threads, progress);
        let held: Vec<Event> = events.by_ref().take(PEEK_EVENTS).collect();
        let reach = (held.len() < PEEK_EVENTS).then(|| Reach::of(&held));
        timings.peek = started.elapsed();
        let cache = if args.no_rule_cache || args.rules.is_empty() { None } else { rule_cache_path(&args.rules) };
        let rules = Arc::new(load(&args.rules, &args.exclude, reach, cache.as_deref())?);
        timings.rules = started.elapsed() - timings.peek;
        let cached = rules.cache_use();
        let from_cache = match cached.hits + cached.misses {
            0 => String::new(),
            files => format!(" ({} of {files} rule files from the cache)", cached.hits),
        };
        bar.suspend(|| eprintln!("{}{from_cache}", rules.summary()));
        hunt_parallel_each(rules.clone(), held.into_iter().chain(events), threads, |event, alerts| {
            let shown = alerts.into_iter().filter(|a| a.safecare.rule.is_some() && a.severity() >= args.min_level);
            detections.extend(shown.map(|alert| Detection::new(alert, event, &rules, &persons)));
        });
        Ok(totals)
    })?;
    bar.finish_and_clear();
    if let Some(error) = totals.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(error.into());
    }
    let read = totals.events.load(Ordering::Relaxed);
    let skipped: BTreeMap<&'static str, u64> = totals.skipped.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let skipped_total: u64 = skipped.values().sum();
    anyhow::ensure!(
        read > 0 || skipped_total == 0,
        "none of the {skipped_total} records could be decoded ({}); is --parser {} right for these files?",
        report::reasons(&skipped),
        args.parser.to_possible_value().map_or(String::new(), |v| v.get_name().to_owned())
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    report::write(&mut out, args.format, &detections)?;
    let elapsed = started.elapsed();
    timings.rest = elapsed - timings.peek - timings.rules;
    eprintln!(
        "{file_count} files, {read} events, {skipped_total} records skipped{}, {} detections",
        if skipped.is_empty() { String::new() } else { format!(" ({})", report::reasons(&skipped)) },
        detections.len()
    );
    eprint!("{}", Summary::of(&detections));
    eprintln!(
        "time: {:.2} s (decoding ahead {:.2} s, rules {:.2} s, matching and decoding the rest {:.2} s)",
        elapsed.as_secs_f64(),
        timings.peek.as_secs_f64(),
        timings.rules.as_secs_f64(),
        timings.rest.as_secs_f64()
    );
    Ok(())
}
