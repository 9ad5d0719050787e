//! The demo hospital and its attack, for pages that need real incidents.

use std::time::Duration;

use safecare_server::RunningServer;
use serde_json::{Value, json};

const ATTACK: &str = include_str!("../../../../content/demo/attack.jsonl");

/// Replaces the inventory with the demo hospital's site model.
pub async fn load_hospital(server: &RunningServer) {
    let site = safecare_impact::Inventory::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../content/sites/demo-hospital"
    )))
    .unwrap();
    let (assets, relations) = site.into_parts();
    server.state.store.replace_inventory(assets, relations).await.unwrap();
}

/// The attack's first `steps` events, dated a minute apart and ending
/// now, as NDJSON.
pub fn attack_events(steps: usize) -> String {
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(30);
    ATTACK
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(steps)
        .enumerate()
        .map(|(i, line)| {
            let step: Value = serde_json::from_str(line).unwrap();
            let mut event = step["event"].clone();
            event["time"] = json!((start + jiff::SignedDuration::from_mins(i as i64)).to_string());
            format!("{event}\n")
        })
        .collect()
}

/// Plays the attack's first `steps` events and waits until every alert
/// they raise is grouped into an incident; answers the incident list.
pub async fn play_attack(server: &RunningServer, client: &reqwest::Client, steps: usize) -> Value {
    let base = server.url();
    let sent = client
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/x-ndjson")
        .body(attack_events(steps))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    let get = |path: &str| {
        let request = client.get(format!("{base}{path}"));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (mut stable, mut last) = (0, usize::MAX);
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let alerts = get("/api/v1/alerts").await.as_array().map_or(0, Vec::len);
        let page = get("/api/v1/incidents").await;
        let grouped: usize =
            page["incidents"].as_array().unwrap().iter().map(|i| i["alerts"].as_array().unwrap().len()).sum();
        stable = if alerts > 0 && grouped == alerts && alerts == last { stable + 1 } else { 0 };
        if stable == 5 {
            return page;
        }
        last = alerts;
    }
    panic!("the attack's alerts were never all grouped into incidents");
}
