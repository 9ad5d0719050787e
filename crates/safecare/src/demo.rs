//! `safecare demo`: the demo hospital, an admin (or with `--accounts` one
//! person per role) to log in with, and the
//! `demo-attack` scenario (`content/scenarios/demo-attack.yaml`) played
//! through the real HTTP ingest routes, so a first-time user sees alerts
//! arrive within a minute, and then the scenario's score.

use safecare_model::Role;
use safecare_server::{Config, provision};
use safecare_sim::{Plan, RunOptions, Target};
use safecare_store::AccountStore;

/// The scenario the demo plays.
const SCENARIO: &str = "demo-attack";

/// The roles people log in with (a sensor only sends, with a token).
const PEOPLE: [Role; 6] =
    [Role::Admin, Role::SocAnalyst, Role::SecurityGuard, Role::CrisisManager, Role::PrivacyOfficer, Role::Responder];

/// Creates the demo user of `role`, named after it, with the password of
/// `SAFECARE_DEMO_PASSWORD` or a new random one, and says how to log in; a
/// user kept from an earlier run keeps its password.
async fn demo_account(accounts: &dyn AccountStore, role: Role) -> anyhow::Result<String> {
    let name = role.as_str();
    if accounts.get_user(name).await?.is_some() {
        return Ok(format!("{role:<16} user {name} (already set up; `safecare users passwd {name}` to reset)"));
    }
    let password = match std::env::var("SAFECARE_DEMO_PASSWORD") {
        Ok(p) => p,
        Err(_) => random_password()?,
    };
    provision::add_user(accounts, name, role, &password).await?;
    Ok(format!("{role:<16} user {name}, password {password}"))
}

fn random_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the demo password: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub async fn run(mut config: Config, speed: f64, play: bool, accounts: bool) -> anyhow::Result<()> {
    anyhow::ensure!(speed > 0.0, "--speed must be positive");
    let (plan, site) = safecare_sim::prepare(SCENARIO)?;
    // The scenario's HTTP sources (its Windows events), beside the
    // configured ones.
    let missing: Vec<_> =
        plan.sources.iter().filter(|s| config.sources.iter().all(|c| c.name != s.name)).cloned().collect();
    config.sources.extend(missing);
    let server = safecare_server::start(config).await?;
    let count = server.state.replace_inventory(site).await?;
    let roles: &[Role] = if accounts { &PEOPLE } else { &[Role::Admin] };
    let mut logins = Vec::new();
    for role in roles {
        logins.push(demo_account(server.state.accounts.as_ref(), *role).await?);
    }
    // Listening for the signal before printing the address, as `serve`
    // does: a test (or a script) may send SIGTERM as soon as it reads it.
    let stopped = crate::serve::shutdown_signal();
    println!("SafeCare demo: {count} assets of the demo hospital loaded.");
    println!("Open {} and log in  (Ctrl-C to stop)", server.url());
    for login in logins {
        println!("  {login}");
    }
    if play {
        let target = safecare_sim::embedded::target_for(&server, &plan).await?;
        tokio::spawn(async move {
            if let Err(err) = play_attack(plan, target, speed).await {
                eprintln!("demo attack stopped: {err:#}");
            }
        });
    }
    stopped.await;
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
