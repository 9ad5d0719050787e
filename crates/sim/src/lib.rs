//! Attack scenarios for SafeCare: a YAML format telling an attack on a
//! hospital as a story in phases, steps emitting records in their sources'
//! own formats against the site's assets, background noise and the alerts
//! and incidents SafeCare must raise (`docs/scenarios.md`); validation
//! against the site model; a runner that plays a scenario through the real
//! ingest paths (HTTP, syslog over TCP, MLLP, MQTT), of a running SafeCare
//! or of one it starts itself; and a
//! scorer that reports per step detected or missed, time to detect, the
//! incidents and their impacted services, and the alerts the noise caused,
//! as a terminal table, JSON or a self-contained HTML page.

pub mod bundled;
pub mod embedded;
pub mod html;
pub mod load;
pub mod plan;
mod problems;
pub mod report;
pub mod run;
pub mod scenario;
pub mod score;
pub mod target;
pub mod template;
pub mod timeline;
pub mod transport;
pub mod validate;

pub use bundled::{DEMO_SITE, bundled_names, demo_site, load, site};
pub use embedded::Embedded;
pub use plan::Plan;
pub use problems::{Problem, Problems};
pub use report::{Outcome, Report};
pub use run::{RunError, RunOptions, run};
pub use scenario::Scenario;
pub use target::Target;
pub use validate::validate;

/// Loads a scenario (bundled name or file) and checks it against its site.
pub fn prepare(name_or_path: &str) -> Result<(Plan, safecare_impact::Inventory), Problems> {
    let scenario = load(name_or_path)?;
    let site = site(&scenario.site)?;
    let plan = validate(&scenario, &site)?;
    Ok((plan, site))
}

/// Plays a checked plan in a SafeCare started for the run, then stops it.
pub async fn run_in_process(
    plan: &Plan,
    site: safecare_impact::Inventory,
    options: RunOptions,
) -> Result<Report, RunError> {
    let embedded = Embedded::start(plan, site).await?;
    let report = run(plan, embedded.target(), options).await;
    embedded.stop().await?;
    report
}
