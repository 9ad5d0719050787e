//! `safecare bench detect`: events/s through the detection engine on one
//! core, medians of several runs, with a progress bar. The event sets and
//! their parsing are those of the criterion bench (`safecare_detect::samples`),
//! so the figures compare with `docs/performance.md`.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use safecare_detect::samples::{hospital_event, hospital_lines, windows_event, windows_lines};
use safecare_detect::{RuleSet, bench};
use safecare_detect::{RulesConfig, load_rules};
use safecare_model::Event;

use crate::cli::DetectBenchArgs;

/// One rule set over one event set.
struct Workload {
    name: String,
    rules: RuleSet,
    lines: Vec<String>,
    parse: fn(&str) -> Option<Event>,
}

/// Medians of one workload, in events/s.
struct Figures {
    evaluate: f64,
    parse_evaluate: f64,
    matches: u64,
}

pub fn run(args: &DetectBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.runs > 0 && args.events > 0, "runs and events must be positive");
    let mut workloads = vec![hospital()?];
    match &args.samples {
        Some(dir) => workloads.push(sigmahq_windows(dir)?),
        None => eprintln!("SigmaHQ Windows measurement skipped: give --samples or set SAFECARE_SAMPLES_DIR"),
    }
    let bar = ProgressBar::new((workloads.len() * args.runs * 2) as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {msg}")?);
    let mut results = Vec::new();
    for workload in &workloads {
        bar.set_message(workload.name.clone());
        results.push(measure(workload, args, &bar));
    }
    bar.finish_and_clear();
    for (workload, figures) in workloads.iter().zip(results) {
        println!(
            "{}: evaluation {:.0} events/s, parse+normalise+evaluate {:.0} events/s ({} matches per pass; median of {} runs on one core)",
            workload.name, figures.evaluate, figures.parse_evaluate, figures.matches, args.runs
        );
    }
    Ok(())
}

fn hospital() -> anyhow::Result<Workload> {
    let rules = load_rules(&RulesConfig { builtin: true, dirs: Vec::new(), disabled: Vec::new(), watch: false })?;
    let lines = hospital_lines();
    Ok(Workload {
        name: format!("hospital pack ({} rules, {} events)", rules.len(), lines.len()),
        rules,
        lines,
        parse: hospital_event,
    })
}

fn sigmahq_windows(samples: &Path) -> anyhow::Result<Workload> {
    let rules_dir = samples.join("sigmahq/rules/windows");
    let rules = RuleSet::load_dirs(&[&rules_dir]).with_context(|| format!("cannot load {}", rules_dir.display()))?;
    let lines =
        windows_lines(samples).with_context(|| format!("cannot read the Windows samples in {}", samples.display()))?;
    anyhow::ensure!(!lines.is_empty(), "no Windows sample events under {}", samples.display());
    Ok(Workload {
        name: format!("SigmaHQ Windows ({} rules, {} events)", rules.len(), lines.len()),
        rules,
        lines,
        parse: windows_event,
    })
}

fn measure(workload: &Workload, args: &DetectBenchArgs, bar: &ProgressBar) -> Figures {
    let events: Vec<Event> = workload.lines.iter().filter_map(|l| (workload.parse)(l)).collect();
    let rounds = args.events.div_ceil(events.len().max(1));
    let mut evaluate = Vec::with_capacity(args.runs);
    let mut matches = 0;
    for _ in 0..args.runs {
        let report = bench(&workload.rules, &events, rounds);
        matches = report.matches / rounds as u64;
        evaluate.push(report.events_per_second);
        bar.inc(1);
    }
    let mut parse_evaluate = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let start = Instant::now();
        let mut evaluated = 0u64;
        for _ in 0..rounds {
            for line in &workload.lines {
                if let Some(event) = (workload.parse)(std::hint::black_box(line)) {
                    std::hint::black_box(workload.rules.matches(&event));
                    evaluated += 1;
                }
            }
        }
        parse_evaluate.push(evaluated as f64 / start.elapsed().as_secs_f64().max(f64::MIN_POSITIVE));
        bar.inc(1);
    }
    Figures { evaluate: median(evaluate), parse_evaluate: median(parse_evaluate), matches }
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
