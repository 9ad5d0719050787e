//! `safecare sim`: attack scenarios (`docs/scenarios.md`) checked, listed
//! and played against SafeCare, in-process or a running instance, with a
//! score per step.
//!
//! Exit codes: `run` 0 = every expectation met, 1 = some missed, late or
//! incomplete, 2 = could not run (bad scenario, unreachable target);
//! `check` 0 = valid, 2 = problems listed.

use std::io::IsTerminal;
use std::process::ExitCode;

use safecare_sim::{RunOptions, Target};

/// The exit code for "could not run", distinct from a failed score.
const UNUSABLE: u8 = 2;

#[derive(Debug, clap::Subcommand)]
pub enum SimAction {
    /// Play SCENARIO (a bundled name or a YAML file) and report per step
    /// detected or missed, time to detect, incidents and their impacted
    /// services, and the alerts the noise caused.
    Run(RunArgs),
    /// Check SCENARIO against its site and list every problem.
    Check {
        /// A bundled scenario's name or a YAML file.
        scenario: String,
    },
    /// List the bundled scenarios.
    List,
    /// Remove everything exercise run RUN_ID made on a running SafeCare
    /// (its events, alerts, incidents and the messages about them); real
    /// data stays. Audited.
    Clean {
        /// The run id given to `sim run --exercise`.
        run: String,
        /// The running SafeCare (its base URL).
        #[arg(long, value_name = "URL")]
        target: String,
        /// An admin API token.
        #[arg(long, env = "SAFECARE_TOKEN", hide_env_values = true)]
        token: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A bundled scenario's name or a YAML file.
    scenario: String,
    /// A running SafeCare to play against (its base URL); without it,
    /// SafeCare is started in-process with the scenario's site.
    #[arg(long, value_name = "URL", requires = "token", conflicts_with = "in_process")]
    target: Option<String>,
    /// API token for --target: sends for every source and reads alerts and
    /// incidents (an admin token).
    #[arg(long, env = "SAFECARE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Start SafeCare in-process (the default without --target).
    #[arg(long)]
    in_process: bool,
    /// Play this many times faster than the scenario's timeline.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Seed of the timeline (jitter, noise): the same seed plays the same run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Mark the run as exercise RUN_ID (with --target): its events, alerts
    /// and incidents carry the mark, the dashboard shows it, notifications
    /// go to exercise routes only, and `sim clean RUN_ID` removes it all.
    #[arg(long, value_name = "RUN_ID", requires = "target")]
    exercise: Option<String>,
    /// Also write the report as a self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    report: Option<std::path::PathBuf>,
    /// People take part: once the expectations are settled, wait up to
    /// this long (`10m`) for each incident of the run to be acknowledged
    /// from the dashboard or the API; the report gives each one's time to
    /// acknowledge.
    #[arg(long, value_name = "DURATION", value_parser = parse_wait)]
    wait_ack: Option<std::time::Duration>,
    /// The MQTT broker (mqtt://host[:port]) for the scenario's mqtt
    /// sources, instead of the one the scenario names: SafeCare subscribes
    /// there in-process, and the runner publishes there.
    #[arg(long, value_name = "URL")]
    mqtt: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Html,
}

pub async fn run(action: SimAction) -> ExitCode {
    let outcome = match action {
        SimAction::Run(args) => play(args).await,
        SimAction::Check { scenario } => safecare_sim::prepare(&scenario)
            .map(|(plan, _)| {
                println!("{}: valid ({} steps, {} noise generators)", plan.name, plan.steps.len(), plan.noise.len());
                ExitCode::SUCCESS
            })
            .map_err(anyhow::Error::from),
        SimAction::Clean { run, target, token } => clean(&run, &target, &token).await,
        SimAction::List => {
            for name in safecare_sim::bundled_names() {
                println!("{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(UNUSABLE)
    })
}

async fn play(args: RunArgs) -> anyhow::Result<ExitCode> {
    let (mut plan, site) = safecare_sim::prepare(&args.scenario)?;
    if let Some(url) = &args.mqtt {
        plan = plan.with_broker(url);
    }
    let options = RunOptions {
        seed: args.seed,
        speed: args.speed,
        progress: std::io::stderr().is_terminal(),
        announce: false,
        wait_ack: args.wait_ack,
    };
    let report = match (&args.target, &args.token) {
        (Some(url), Some(token)) => {
            let mut target = Target::new(url, token);
            // Listener sources are reached on the target's host, at the
            // ports the scenario's sources name.
            let host = target.host().to_owned();
            target = target.with_listeners(&plan, &host)?;
            if let Some(run) = &args.exercise {
                target = target.exercise(run);
            }
            safecare_sim::run(&plan, &target, options).await?
        }
        _ => safecare_sim::run_in_process(&plan, site, options).await?,
    };
    match args.format {
        Format::Table => print!("{}", report.table()),
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Html => print!("{}", safecare_sim::html::render(&report)),
    }
    if let Some(file) = &args.report {
        std::fs::write(file, safecare_sim::html::render(&report))
            .map_err(|err| anyhow::anyhow!("cannot write the report to {}: {err}", file.display()))?;
    }
    Ok(if report.passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    text.trim()
        .parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .ok_or_else(|| format!("{text:?} is not a duration (write e.g. 90s, 10m, 1h)"))
}

async fn clean(run: &str, url: &str, token: &str) -> anyhow::Result<ExitCode> {
    let removed = Target::new(url, token).remove_exercise(run).await?;
    println!(
        "exercise {run} removed: {} events, {} alerts, {} incidents, {} messages",
        removed["events"], removed["alerts"], removed["incidents"], removed["messages"]
    );
    Ok(ExitCode::SUCCESS)
}
