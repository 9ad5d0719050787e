//! `safecare demo`: the demo hospital, an admin to log in with, and a short
//! scripted cyber-physical attack played through the real HTTP ingest
//! path, so a first-time user sees alerts arrive within a minute.

use std::time::Duration;

use anyhow::Context;
use safecare_impact::Inventory;
use safecare_model::{EventInput, Role};
use safecare_server::{Config, provision};
use serde::Deserialize;

/// The scripted attack: one step per line.
const ATTACK: &str = include_str!("../../../content/demo/attack.jsonl");

/// One step of the script: wait, then send the event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Seconds to wait after the previous step.
    pub after: f64,
    /// What the step is, for the console.
    pub say: String,
    pub event: EventInput,
}

/// The demo hospital's inventory, validated.
pub fn demo_site() -> anyhow::Result<Inventory> {
    Ok(safecare_sim::demo_site()?)
}

/// The attack script, parsed.
pub fn attack() -> anyhow::Result<Vec<Step>> {
    ATTACK
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("content/demo/attack.jsonl line {}", i + 1)))
        .collect()
}

fn random_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the demo password: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub async fn run(config: Config, speed: f64, play: bool) -> anyhow::Result<()> {
    anyhow::ensure!(speed > 0.0, "--speed must be positive");
    let site = demo_site()?;
    let steps = attack()?;
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
        let token = provision::issue_token(accounts, "demo attack", Role::Sensor, Some("demo"), "demo").await?;
        let url = format!("{}/api/v1/events", server.url());
        tokio::spawn(async move {
            if let Err(err) = play_attack(&url, &token, steps, speed).await {
                eprintln!("demo attack stopped: {err:#}");
            }
        });
    }
    crate::serve::shutdown_signal().await;
    server.stop().await?;
    Ok(())
}

/// Sends each step's event after its delay; events carry the time they are
/// sent, so the story unfolds now.
async fn play_attack(url: &str, token: &str, steps: Vec<Step>, speed: f64) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for step in steps {
        tokio::time::sleep(Duration::from_secs_f64(step.after / speed)).await;
        let mut event = step.event;
        event.time = Some(jiff::Timestamp::now());
        let response = client.post(url).bearer_auth(token).json(&event).send().await?;
        anyhow::ensure!(response.status().as_u16() == 202, "the server refused a demo event: {}", response.status());
        println!("  demo: {}", step.say);
    }
    println!("  demo: attack played; watch the incident on the overview.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_hospital_and_attack_load() {
        let site = demo_site().unwrap();
        assert!(site.assets().len() >= 400, "{}", site.assets().len());
        let steps = attack().unwrap();
        assert!(steps.len() >= 5);
        for step in &steps {
            if let Some(asset) = &step.event.asset {
                assert!(site.asset(asset).is_some(), "the attack names {asset}, which the demo hospital lacks");
            }
        }
        assert!(steps.iter().map(|s| s.after).sum::<f64>() <= 60.0, "the attack fits in the first minute");
    }
}
