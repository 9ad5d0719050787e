//! Evidence one click away, in a real browser (headless Chromium): from an
//! incident to its alert, to the event behind it, to a related event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_support;
mod common;

use std::time::Duration;

use common::config;
use fantoccini::{Client, Locator};
use safecare_model::Role;
use safecare_server::{provision, start};
use serde_json::json;

/// A pharmacy door event `minutes_ago` minutes ago by badge B-77.
fn door_event(action: &str, minutes_ago: i64) -> String {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes_ago);
    let event = json!({"domain": "physical", "message": format!("door {action} ({minutes_ago} min ago)"),
        "severity": "high", "time": at.to_string(),
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "0", "zone": "pharmacy", "room": "0.12"},
        "fields": {"action": action, "door": "D-0.12", "badge_id": "B-77"}});
    format!("{event}\n")
}

async fn click(b: &Client, locator: Locator<'_>) {
    b.wait().at_most(Duration::from_secs(10)).for_element(locator).await.unwrap().click().await.unwrap();
}

async fn text_of(b: &Client, css: &str) -> String {
    b.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_an_incident_to_its_alert_its_event_and_a_related_event() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    let sensor = common::client_with(&common::token(&server, Role::Sensor, Some("doors")).await);
    common::post_ndjson(&sensor, &base, door_event("opened", 30) + &door_event("forced", 5)).await;
    let admin = common::client_with(&common::token(&server, Role::Admin, None).await);
    common::settled_incidents(&admin, &base).await;
    provision::add_user(server.state.accounts.as_ref(), "soc", Role::SocAnalyst, "soc analyst password").await.unwrap();
    let b = &browser.client;

    browser_support::log_in(b, &base, "soc", "soc analyst password", "/incidents").await;
    click(b, Locator::Css("table.incidents-list a[href^='/incidents/']")).await;
    click(
        b,
        Locator::XPath(
            "//section[contains(@class,'timeline')]//a[starts-with(@href,'/alerts/') and contains(., 'Door Forced')]",
        ),
    )
    .await;
    assert!(b.current_url().await.unwrap().path().starts_with("/alerts/"));
    assert_eq!(text_of(b, "#alert .sev").await, "critical");
    assert!(text_of(b, "#alert .priority").await.contains("High"));
    assert!(!text_of(b, "#alert dd.incident a[href^='/incidents/']").await.is_empty(), "the incident it joined");

    click(b, Locator::Css("table.alert-events a[href^='/events/']")).await;
    assert!(b.current_url().await.unwrap().path().starts_with("/events/"));
    assert_eq!(text_of(b, "#event dd.message").await, "door forced (5 min ago)");
    let fields = text_of(b, "table.fields").await;
    assert!(fields.contains("D-0.12") && fields.contains("bdg_"), "{fields}");
    assert!(!fields.contains("B-77"), "the badge is a pseudonym");
    assert!(text_of(b, "#event .event-alerts").await.contains("Door Forced Open At Pharmacy"));
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("event.png"), png).unwrap();

    click(b, Locator::XPath("//section[@data-pivot='door']//a[contains(., 'door opened (30 min ago)')]")).await;
    assert_eq!(text_of(b, "#event dd.message").await, "door opened (30 min ago)");
    // Back the other way: the opened door's related events include the forcing.
    let by_badge = text_of(b, "section[data-pivot='badge']").await;
    assert!(by_badge.contains("door forced (5 min ago)"), "{by_badge}");
    assert!(text_of(b, "#event .calm").await.contains("No alert was raised"));
    server.stop().await.unwrap();
}
