//! `safecare bench detect`: events/s through the detection engine on one
//! core, medians of several runs, with a progress bar: the hospital pack
//! over its case events, and the SigmaHQ Windows rules over each corpus
//! (`--corpus`, EVTX folders or JSON lines, read as `hunt` reads them)
//! through SafeCare's engine and through the plain library
//! (`safecare_detect::reference`) in the same run.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use safecare_detect::RuleSet;
use safecare_detect::reference::{PlainEvent, PlainLibrary};
use safecare_detect::samples::{hospital_event, hospital_lines};
use safecare_ingest::Decoder;
use safecare_model::Event;

use safecare_ingest::files;

#[derive(Debug, Args)]
pub struct DetectBenchArgs {
    /// The sample data folder, for its `sigmahq/rules/windows`; the SigmaHQ
    /// measurements are skipped without it.
    #[arg(long, env = "SAFECARE_SAMPLES_DIR", value_name = "DIR")]
    pub samples: Option<PathBuf>,
    /// An event corpus to run the SigmaHQ rules over (repeatable): a folder
    /// of `.evtx` files or JSON lines of Windows events, or one such file.
    /// Default: the samples' `windows-events-json` and `evtx-attack`.
    #[arg(long = "corpus", value_name = "PATH")]
    pub corpora: Vec<PathBuf>,
    /// Timed runs of each measurement.
    #[arg(long, default_value_t = 7)]
    pub runs: usize,
    /// Events evaluated per run (the event set is passed over as often as
    /// needed), so that each run lasts long enough to time.
    #[arg(long, default_value_t = 50_000)]
    pub events: usize,
}

/// Medians of one engine over one event set.
struct Figures {
    /// Events per wall-clock second.
    wall: f64,
    /// Events per second of this thread's CPU time, where Linux tells it.
    cpu: Option<f64>,
    /// (event, rule) matches in one pass.
    matches: u64,
}

impl Figures {
    fn show(&self) -> String {
        let cpu = self.cpu.map_or(String::new(), |c| format!(", {c:.0} events per CPU second"));
        format!("{:.0} events/s{cpu}, {} matches", self.wall, self.matches)
    }
}

pub fn run(args: &DetectBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.runs > 0 && args.events > 0, "runs and events must be positive");
    let bar = ProgressBar::new(0);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {msg}")?);
    let pack = crate::hunt::load(&[], &[], None, None)?;
    let events: Vec<Event> = hospital_lines().iter().filter_map(|l| hospital_event(l)).collect();
    bar.inc_length(args.runs as u64);
    bar.set_message("hospital pack");
    let figures = measure(args, &bar, &events, |e| pack.matches(e).len());
    bar.suspend(|| println!("hospital pack ({} rules, {} events): {}", pack.len(), events.len(), figures.show()));
    let Some(samples) = &args.samples else {
        bar.finish_and_clear();
        eprintln!("SigmaHQ measurements skipped: give --samples or set SAFECARE_SAMPLES_DIR");
        return Ok(());
    };
    let rules_dir = samples.join("sigmahq/rules/windows");
    let rules = RuleSet::load_dirs(&[&rules_dir]).with_context(|| format!("cannot load {}", rules_dir.display()))?;
    let plain = PlainLibrary::load_dirs(&[&rules_dir])?;
    let corpora = if args.corpora.is_empty() {
        vec![samples.join("windows-events-json"), samples.join("evtx-attack")]
    } else {
        args.corpora.clone()
    };
    for corpus in &corpora {
        let events = load_corpus(corpus)?;
        let prepared: Vec<PlainEvent> = events.iter().map(PlainEvent::of).collect();
        bar.inc_length(2 * args.runs as u64);
        bar.set_message(corpus.display().to_string());
        // Every route's plan is built on first use; not part of the timing.
        events.iter().for_each(|e| drop(rules.matches(e)));
        let ours = measure(args, &bar, &events, |e| rules.matches(e).len());
        let library = measure(args, &bar, &prepared, |e| plain.matches(e).len());
        let ratio = ours.wall / library.wall.max(f64::MIN_POSITIVE);
        bar.suspend(|| println!(
            "{} (SigmaHQ Windows, {} rules, {} events): SafeCare {}; plain library {}; SafeCare/plain {ratio:.2}× (median of {} runs on one core)",
            corpus.display(),
            rules.len(),
            events.len(),
            ours.show(),
            library.show(),
            args.runs
        ));
    }
    bar.finish_and_clear();
    Ok(())
}

/// Every event of a corpus, decoded as `hunt` decodes it (Windows JSON for
/// lines); undecodable records are left out.
fn load_corpus(path: &std::path::Path) -> anyhow::Result<Vec<Event>> {
    let mut events = Vec::new();
    for file in files::files(&[path.to_owned()])? {
        events.extend(files::decode(&file, &Decoder::Windows)?.events);
    }
    anyhow::ensure!(!events.is_empty(), "no events in {}", path.display());
    Ok(events)
}

/// Nanoseconds this thread has run on a CPU (Linux).
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

/// Medians over `args.runs` runs of `evaluate` over `events`, passed over
/// until `args.events` were evaluated.
fn measure<T>(args: &DetectBenchArgs, bar: &ProgressBar, events: &[T], evaluate: impl Fn(&T) -> usize) -> Figures {
    let rounds = args.events.div_ceil(events.len().max(1));
    let (mut wall, mut cpu) = (Vec::with_capacity(args.runs), Vec::with_capacity(args.runs));
    let mut matches = 0;
    for _ in 0..args.runs {
        let (start, start_cpu) = (Instant::now(), cpu_ns());
        let mut found = 0u64;
        for _ in 0..rounds {
            for event in events {
                found += evaluate(std::hint::black_box(event)) as u64;
            }
        }
        let evaluated = (rounds * events.len()) as f64;
        wall.push(evaluated / start.elapsed().as_secs_f64().max(f64::MIN_POSITIVE));
        if let (Some(a), Some(b)) = (start_cpu, cpu_ns()) {
            cpu.push(evaluated * 1e9 / b.saturating_sub(a).max(1) as f64);
        }
        matches = found / rounds as u64;
        bar.inc(1);
    }
    let cpu = (cpu.len() == args.runs).then(|| median(cpu));
    Figures { wall: median(wall), cpu, matches }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }
}
