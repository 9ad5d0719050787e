//! The dashboard in a real browser (headless Chromium): log in, watch an
//! alert arrive live.

mod browser_support;
mod common;

use std::time::Duration;

use common::config;
use fantoccini::Locator;
use safecare_model::Role;
use safecare_server::{provision, start};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_and_see_an_alert_arrive_live_without_reload() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    provision::add_user(server.state.accounts.as_ref(), "soc", Role::SocAnalyst, "soc analyst password").await.unwrap();
    let b = &browser.client;

    b.goto(&format!("{base}/")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    b.find(Locator::Id("username")).await.unwrap().send_keys("soc").await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys("soc analyst password").await.unwrap();
    b.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("#alert-feed")).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().path(), "/");
    // Let the page open its live stream before the alert is raised.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let sensor = common::client_with(&common::token(&server, Role::Sensor, Some("doors")).await);
    let forced = json!({"domain": "physical", "message": "door forced", "severity": "high",
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "0", "zone": "pharmacy", "room": "0.12"},
        "fields": {"action": "forced", "door": "D-0.12"}});
    let sent = sensor
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/json")
        .body(forced.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);

    let row = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//tbody[@id='alert-feed']/tr[contains(., 'Door Forced Open At Pharmacy')]"))
        .await
        .expect("the alert appears on the open page");
    assert!(row.text().await.unwrap().contains("hq/main/0/pharmacy/0.12"));
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("overview.png"), png).unwrap();
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_floor_plan_turns_the_alerted_room_red() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    let room = |id: &str, name: &str, room: &str, x: f64| safecare_model::Asset {
        id: id.into(),
        name: name.into(),
        kind: safecare_model::AssetKind::Room,
        location: safecare_model::Location::from_path(&format!("hq/main/0/pharmacy/{room}")),
        identifiers: Default::default(),
        protections: Default::default(),
        attributes: serde_json::from_value(json!({"plan": {"x": x, "y": 0, "w": 8, "h": 6}})).unwrap(),
    };
    server
        .state
        .store
        .replace_inventory(
            vec![room("rm-0.12", "Drug store", "0.12", 0.0), room("rm-0.13", "Dispensary", "0.13", 8.0)],
            vec![],
        )
        .await
        .unwrap();
    provision::add_user(server.state.accounts.as_ref(), "guard", Role::SecurityGuard, "guard on duty password")
        .await
        .unwrap();
    let sensor = common::client_with(&common::token(&server, Role::Sensor, Some("doors")).await);
    let forced = json!({"domain": "physical", "message": "door forced",
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "0", "zone": "pharmacy", "room": "0.12"},
        "fields": {"action": "forced", "door": "D-0.12"}});
    let sent = sensor.post(format!("{base}/api/v1/events")).json(&forced).send().await.unwrap();
    assert_eq!(sent.status(), 202);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let b = &browser.client;
    b.goto(&format!("{base}/login?next=/plan")).await.unwrap();
    b.find(Locator::Id("username")).await.unwrap().send_keys("guard").await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys("guard on duty password").await.unwrap();
    b.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let hot = b.wait().for_element(Locator::Css("rect[data-room='hq/main/0/pharmacy/0.12']")).await.unwrap();
    assert_eq!(hot.attr("class").await.unwrap().as_deref(), Some("room alert-critical"));
    let calm = b.find(Locator::Css("rect[data-room='hq/main/0/pharmacy/0.13']")).await.unwrap();
    assert_eq!(calm.attr("class").await.unwrap().as_deref(), Some("room"));
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("floor-plan.png"), png).unwrap();
    server.stop().await.unwrap();
}
