//! `safecare demo`: the demo hospital, an admin to log in with, and the
//! `demo-attack` scenario (`content/scenarios/demo-attack.yaml`) played
//! through the real HTTP ingest routes, so a first-time user sees alerts
//! arrive within a minute, and then the scenario's score.

use safecare_model::Role;
use safecare_server::{Config, provision};
use safecare_sim::{Plan, RunOptions, Target};

/// The scenario the demo plays.
const SCENARIO: &str = "demo-attack";

fn random_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the demo password: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub async fn run(mut config: Config, speed: f64, play: bool) -> anyhow::Result<()> {
    anyhow::ensure!(speed > 0.0, "--speed must be positive");
    let (plan, site) = safecare_sim::prepare(SCENARIO)?;
    // The scenario's HTTP sources (its Windows events), beside the
    // configured ones.
    let missing: Vec<_> =
        plan.sources.iter().filter(|s| config.sources.iter().all(|c| c.name != s.name)).cloned().collect();
    config.sources.extend(missing);
    let server = safecare_server::start(config).await?;
    let accounts = server.state.accounts.as_ref();
    let count = server.state.replace_inventory(site).await?;
    let password = match std::env::var("SAFECARE_DEMO_PASSWORD") {
        Ok(p) => p,
        Err(_) => random_password()?,
    };
    let login = if accounts.get_user("admin").await?.is_none() {
        provision::add_user(accounts, "admin", Role::Admin, &password).await?;
        format!("user admin, password {password}")
    } else {
        "user admin (already set up; `safecare users passwd admin` to reset)".to_owned()
    };
    println!("SafeCare demo: {count} assets of the demo hospital loaded.");
    println!("Open {} and log in as {login}  (Ctrl-C to stop)", server.url());
    if play {
        let target = safecare_sim::embedded::target_for(&server, &plan).await?;
        tokio::spawn(async move {
            if let Err(err) = play_attack(plan, target, speed).await {
                eprintln!("demo attack stopped: {err:#}");
            }
        });
    }
    crate::serve::shutdown_signal().await;
    server.stop().await?;
    Ok(())
}

/// Plays the scenario, telling each step as it is sent, then prints its
/// score.
async fn play_attack(plan: Plan, target: Target, speed: f64) -> anyhow::Result<()> {
    let options = RunOptions { seed: 1, speed, progress: false, announce: true, wait_ack: None };
    let report = safecare_sim::run(&plan, &target, options).await?;
    print!("{}", report.table());
    println!("  demo: attack played; watch the incident on the overview.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_hospital_and_attack_load() {
        let site = safecare_sim::demo_site().unwrap();
        assert!(site.assets().len() >= 400, "{}", site.assets().len());
        let (plan, _) = safecare_sim::prepare(SCENARIO).unwrap();
        assert!(plan.steps.len() >= 5);
        let last = plan.steps.iter().map(|s| s.at + s.jitter).max().unwrap();
        assert!(last.as_secs() <= 60, "the attack fits in the first minute");
    }
}
