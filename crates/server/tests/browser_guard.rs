//! A security guard's shift in a real browser (headless Chromium) on the
//! demo hospital: the overview puts the forced door first and takes the
//! next physical alert live; the floor plan opens on a named floor with
//! the alerted floors badged, and the alerted room opens its incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_support;
mod common;

use std::time::Duration;

use common::config;
use fantoccini::Locator;
use safecare_model::Role;
use safecare_server::{provision, start};
use serde_json::{Value, json};

fn door_event(room: &str, door: &str, action: &str) -> Value {
    json!({"domain": "physical", "message": format!("door {action}"),
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "-1", "zone": "pharmacy", "room": room},
        "fields": {"action": action, "door": door}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_goes_from_the_overview_to_the_floor_and_from_the_room_to_its_incident() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    common::load_demo_hospital(&server).await;
    let sensor = common::client_with(&common::token(&server, Role::Sensor, Some("doors")).await);
    let admin = common::client_with(&common::token(&server, Role::Admin, None).await);
    let sent =
        sensor.post(format!("{base}/api/v1/events")).json(&door_event("-1.12", "D--1.12", "forced")).send().await;
    assert_eq!(sent.unwrap().status(), 202);
    let incidents = common::settled_incidents(&admin, &base).await;
    let incident = incidents["incidents"][0]["id"].as_str().unwrap().to_owned();
    provision::add_user(server.state.accounts.as_ref(), "guard", Role::SecurityGuard, "guard on duty password")
        .await
        .unwrap();
    let b = &browser.client;

    browser_support::log_in(b, &base, "guard", "guard on duty password", "/").await;
    let first = b
        .wait()
        .for_element(Locator::XPath("//tbody[@id='physical-feed']/tr[contains(., 'Door Forced Open At Pharmacy')]"))
        .await
        .unwrap();
    assert!(first.text().await.unwrap().contains("hq/main/-1/pharmacy/-1.12"));
    let room = b.find(Locator::Css("#alert-rooms li[data-room='hq/main/-1/pharmacy/-1.12'] a.room-incident")).await;
    assert_eq!(room.unwrap().attr("href").await.unwrap(), Some(format!("/incidents/{incident}")));
    b.find(Locator::Css("#patrol-tasks li[data-task^='forced_entry/']")).await.expect("a patrol task");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The next door alert arrives in the physical table without a reload.
    let held = door_event("-1.10", "D--1.10", "held_open");
    assert_eq!(sensor.post(format!("{base}/api/v1/events")).json(&held).send().await.unwrap().status(), 202);
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//tbody[@id='physical-feed']/tr[contains(., 'Door Held Open At Pharmacy')]"))
        .await
        .expect("the held-open door appears on the open page");
    // The counters and the sources panel follow from the stream's figures.
    b.wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::XPath("//tbody[@id='sources-feed']/tr[@data-source='doors']/td[2][.='2']"))
        .await
        .expect("the sources panel counts the second event without a reload");
    let open = common::until("the second door to be grouped", async || {
        let page = common::settled_incidents(&admin, &base).await;
        let alerts: usize =
            page["incidents"].as_array()?.iter().map(|i| i["alerts"].as_array().map_or(0, Vec::len)).sum();
        (alerts >= 2).then(|| page["total"].as_u64().unwrap())
    })
    .await;
    b.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(&format!("//p[@id='open-total']/strong[.='{open}']")))
        .await
        .expect("the open count follows the API");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("overview-guard.png"), png).unwrap();

    b.find(Locator::Css("header.top a[href='/plan']")).await.unwrap().click().await.unwrap();
    let header = b.wait().for_element(Locator::Id("plan-floor")).await.unwrap();
    assert_eq!(header.text().await.unwrap(), "Floor -1 of Main building");
    let current = b.find(Locator::Css("a.floor-tab[aria-current='page']")).await.unwrap();
    assert_eq!(current.attr("data-floor").await.unwrap().as_deref(), Some("main/-1"));
    let badge = b.find(Locator::Css("a.floor-tab[data-floor='main/-1'] .badge")).await.unwrap();
    let alerts: usize = badge.attr("data-alerts").await.unwrap().unwrap().parse().unwrap();
    assert!(alerts >= 2, "the forced and the held-open doors: {alerts}");
    assert!(badge.text().await.unwrap().ends_with(" alerts"));
    assert!(b.find(Locator::Css("a.floor-tab[data-floor='main/0'] .badge")).await.is_err(), "a quiet floor");
    let door = b.find(Locator::Css("g[data-device='door-main--1.12']")).await.unwrap();
    assert_eq!(door.attr("data-state").await.unwrap().as_deref(), Some("forced"));
    let held = b.find(Locator::Css("g[data-device='door-main--1.10']")).await.unwrap();
    assert_eq!(held.attr("data-state").await.unwrap().as_deref(), Some("held_open"));
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("floor-plan.png"), png).unwrap();

    b.find(Locator::Css("a.floor-tab[data-floor='main/0']")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::XPath("//h2[@id='plan-floor'][.='Floor 0 of Main building']")).await.unwrap();
    b.back().await.unwrap();
    b.wait().for_element(Locator::XPath("//h2[@id='plan-floor'][.='Floor -1 of Main building']")).await.unwrap();

    b.find(Locator::Css("rect[data-room='hq/main/-1/pharmacy/-1.12']")).await.unwrap().click().await.unwrap();
    let opened = format!("/incidents/{incident}");
    common::until("the room to open its incident", async || {
        (b.current_url().await.unwrap().path() == opened).then_some(())
    })
    .await;
    server.stop().await.unwrap();
}
