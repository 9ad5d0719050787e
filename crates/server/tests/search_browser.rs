//! The events page in a real browser (headless Chromium): a search with a
//! field condition and a preset, a saved search, and a bad date that is
//! named inside the form.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_support;
mod common;

use std::time::Duration;

use common::config;
use fantoccini::Locator;
use safecare_model::Role;
use safecare_server::provision;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_with_a_field_condition_and_a_preset_save_it_and_see_a_bad_date_named() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(config(dir.path())).await;
    let base = server.url();
    let events = [
        json!({"domain": "cyber", "message": "An account failed to log on",
               "fields": {"TargetUserName": "alice", "EventID": 4625}}),
        json!({"domain": "cyber", "message": "An account was logged on",
               "fields": {"TargetUserName": "alice", "EventID": 4624}}),
        json!({"domain": "physical", "message": "door forced", "fields": {"door": "pharmacy-1"}}),
    ];
    common::post_ndjson(&admin, &base, events.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")).await;
    provision::add_user(server.state.accounts.as_ref(), "soc", Role::SocAnalyst, "soc analyst password").await.unwrap();
    let b = &browser.client;
    browser_support::log_in(b, &base, "soc", "soc analyst password", "/events").await;
    b.wait().for_element(Locator::Id("search")).await.unwrap();

    // A field condition, then the 1 h preset runs it.
    let q = b.find(Locator::Id("q")).await.unwrap();
    q.send_keys("user:alice EventID:4625").await.unwrap();
    b.find(Locator::Css("button[data-preset='-1h']")).await.unwrap().click().await.unwrap();
    let table = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//table[@id='events']/caption[starts-with(., '1 event,')]/.."))
        .await
        .expect("one event found");
    let text = table.text().await.unwrap();
    assert!(text.contains("An account failed to log on"), "{text}");
    assert!(!text.contains("logged on") && !text.contains("door forced"), "{text}");
    let from = b.find(Locator::Id("from")).await.unwrap();
    assert_eq!(from.prop("value").await.unwrap().as_deref(), Some("-1h"));
    let bars = b.find_all(Locator::Css("#histogram rect")).await.unwrap();
    assert_eq!(bars.len(), 60, "a bar a minute over the hour");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("events-search.png"), png).unwrap();

    // Saved under a name, listed, and it replays the search.
    b.find(Locator::Id("save-name")).await.unwrap().send_keys("alice failed logons").await.unwrap();
    b.find(Locator::Css("form.search-save button")).await.unwrap().click().await.unwrap();
    let link = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//ul[@id='saved-list']//a[.='alice failed logons']"))
        .await
        .expect("the saved search is listed");
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("/events?q=user%3Aalice+EventID%3A4625&from=-1h"));

    // A date that does not exist: named in the form, the search kept.
    let from = b.find(Locator::Id("from")).await.unwrap();
    from.clear().await.unwrap();
    from.send_keys("2026-12-32").await.unwrap();
    b.find(Locator::Id("search-submit")).await.unwrap().click().await.unwrap();
    let error = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("search-error"))
        .await
        .expect("the error is shown in the page");
    let message = error.text().await.unwrap();
    assert!(message.starts_with("From: “2026-12-32” is not a time"), "{message}");
    assert!(message.contains("-24h"), "the accepted forms are listed: {message}");
    let q = b.find(Locator::Id("q")).await.unwrap();
    assert_eq!(q.prop("value").await.unwrap().as_deref(), Some("user:alice EventID:4625"));
    assert!(b.find(Locator::Id("events")).await.is_err(), "no results for a search that did not run");
    server.stop().await.unwrap();
}
