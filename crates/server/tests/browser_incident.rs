//! Closing and declaring incidents from their page in a real browser
//! (headless Chromium): a false positive renamed, tagged and closed in one
//! step; a NIS2
//! declaration behind its confirmation, its report draft read and its
//! early warning recorded as submitted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_support;
mod common;

use std::time::Duration;

use common::config;
use fantoccini::{Client, Locator};
use safecare_model::Role;
use safecare_server::provision;

/// A server with the demo hospital and the incident of the attack's first
/// step; the browser logged in as `role` on that incident's page.
async fn on_incident(
    role: Role,
) -> Option<(browser_support::Browser, safecare_server::RunningServer, String, tempfile::TempDir)> {
    let browser = browser_support::start().await?;
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(config(dir.path())).await;
    common::load_demo_hospital(&server).await;
    let page = common::play_attack(&server, &admin, 1).await;
    let id = page["incidents"][0]["id"].as_str().unwrap().to_owned();
    provision::add_user(server.state.accounts.as_ref(), "carol", role, "carol on call password").await.unwrap();
    browser_support::log_in(
        &browser.client,
        &server.url(),
        "carol",
        "carol on call password",
        &format!("/incidents/{id}"),
    )
    .await;
    browser.client.wait().for_element(Locator::Id("incident-status")).await.unwrap();
    Some((browser, server, id, dir))
}

async fn click(b: &Client, xpath: &str) {
    b.find(Locator::XPath(xpath)).await.unwrap_or_else(|e| panic!("{xpath}: {e}")).click().await.unwrap();
}

async fn wait_for(b: &Client, xpath: &str, what: &str) -> fantoccini::elements::Element {
    b.wait().at_most(Duration::from_secs(10)).for_element(Locator::XPath(xpath)).await.expect(what)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_false_positive_is_closed_from_its_page_in_one_step() {
    let Some((browser, server, _id, _dir)) = on_incident(Role::SocAnalyst).await else { return };
    let b = &browser.client;
    let title = b.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(title, "Phishing — BMS control room, Technical building", "named from threat and place");
    assert!(!b.find_all(Locator::Css("tr.task-pending")).await.unwrap().is_empty());

    // Title and tags are edited on the page.
    click(b, "//details[contains(@class,'edit-incident')]/summary").await;
    let title_field = b.find(Locator::Id("edit-title")).await.unwrap();
    title_field.clear().await.unwrap();
    title_field.send_keys("Phishing drill mail").await.unwrap();
    click(b, "//button[normalize-space()='Rename']").await;
    wait_for(b, "//h1[normalize-space()='Phishing drill mail']", "renamed").await;
    click(b, "//details[contains(@class,'edit-incident')]/summary").await;
    b.find(Locator::Id("edit-tags")).await.unwrap().send_keys("drill, it-test").await.unwrap();
    click(b, "//button[normalize-space()='Add']").await;
    wait_for(b, "//ul[contains(@class,'tags')]/li[normalize-space()='it-test']", "tagged").await;

    click(b, "//details[contains(@class,'close-incident')]/summary").await;
    b.find(Locator::Css("#close-disposition option[value='false_positive']")).await.unwrap().click().await.unwrap();
    b.find(Locator::Id("close-reason")).await.unwrap().send_keys("phishing simulation by IT").await.unwrap();
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("incident-close.png"), png).unwrap();
    click(b, "//button[normalize-space()='Close incident']").await;

    wait_for(b, "//span[@id='incident-status'][normalize-space()='closed']", "the incident is closed").await;
    let closure = b.find(Locator::Id("incident-closure")).await.unwrap().text().await.unwrap();
    assert_eq!(closure, "false positive by carol: phishing simulation by IT");
    assert!(b.find_all(Locator::Css("tr.task-pending")).await.unwrap().is_empty(), "its tasks closed with it");
    let skipped = b.find_all(Locator::Css("tr.task-skipped")).await.unwrap();
    assert!(!skipped.is_empty());
    assert!(skipped[0].text().await.unwrap().contains("closed as false_positive: phishing simulation by IT"));
    // Closed: no more closing or editing offered.
    assert!(b.find(Locator::Css("details.close-incident")).await.is_err());
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nis2_declaration_is_confirmed_and_its_early_warning_recorded_as_submitted() {
    let Some((browser, server, id, _dir)) = on_incident(Role::CrisisManager).await else { return };
    let b = &browser.client;

    // One click only opens the confirmation, which says what starts.
    click(b, "//summary[contains(., 'Mark significant (NIS2)')]").await;
    let warning = wait_for(b, "//details[@data-marking='significant']/p", "the confirmation explains").await;
    assert!(warning.text().await.unwrap().contains("within 24 hours"));
    assert!(b.find(Locator::Css("tr[data-clock]")).await.is_err(), "no clock before confirming");
    click(b, "//button[contains(., 'start the NIS2 clocks')]").await;
    let row = "//tr[@data-clock='nis2_early_warning']";
    let clock = wait_for(b, row, "the NIS2 clocks run").await;
    assert!(clock.text().await.unwrap().contains("23 h"), "{}", clock.text().await.unwrap());

    // The draft reads as a page, with the way back.
    click(b, &format!("{row}//a[normalize-space()='Draft report']")).await;
    wait_for(b, "//article[@id='report']/h1", "the draft is rendered").await;
    let downloads = b.find_all(Locator::Css(".report-draft a[download]")).await.unwrap();
    assert_eq!(downloads.len(), 2, "Markdown and HTML");
    click(b, "//a[@id='report-back']").await;
    wait_for(b, row, "back on the incident").await;
    assert!(b.current_url().await.unwrap().path().ends_with(&id));

    // The early warning went out through the CSIRT portal.
    click(b, &format!("{row}//summary[contains(., 'Record as submitted')]")).await;
    b.find(Locator::XPath(&format!("{row}//input[@name='note']")))
        .await
        .unwrap()
        .send_keys("CSIRT-2026-0042")
        .await
        .unwrap();
    click(b, &format!("{row}//button[normalize-space()='Record submission']")).await;
    let sent = wait_for(b, &format!("{row}//span[@class='submitted']"), "the submission is shown").await;
    let text = sent.text().await.unwrap();
    assert!(text.contains("submitted by carol") && text.contains("reference: CSIRT-2026-0042"), "{text}");
    // The other clocks still run, each with its own form.
    assert!(b.find(Locator::XPath("//tr[@data-clock='nis2_notification']//summary")).await.is_ok());
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("incident-clocks.png"), png).unwrap();
    server.stop().await.unwrap();
}
