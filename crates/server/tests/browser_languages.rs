//! A night guard who chose French opens an incident page in a real browser
//! (headless Chromium): French navigation, French playbook task titles,
//! the CAP section in French with its draft's time day-first in the
//! guard's zone; then switches back to English from the settings page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_support;
mod common;

use fantoccini::Locator;
use safecare_i18n::{Language, Locale, time_zone};
use safecare_model::Role;
use safecare_server::provision;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_guard_reads_the_incident_page_in_french() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(common::config(dir.path())).await;
    let base = server.url();
    common::load_demo_hospital(&server).await;
    common::post_ndjson(&admin, &base, common::fire_event()).await;
    let page = common::settled_incidents(&admin, &base).await;
    let fire = page["incidents"].as_array().unwrap().iter().find(|i| i["threat"] == "fire").expect("a fire incident");
    let id = fire["id"].as_str().unwrap().to_owned();
    let drafted: Value = admin
        .post(format!("{base}/api/v1/incidents/{id}/cap"))
        .json(&json!({"msg_type": "Alert"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let drafted_at: jiff::Timestamp = drafted["drafted_at"].as_str().unwrap().parse().unwrap();
    let languages: Vec<&str> =
        drafted["alert"]["infos"].as_array().unwrap().iter().filter_map(|i| i["language"].as_str()).collect();
    assert_eq!(languages, ["en"], "the site's language is English here");

    let accounts = server.state.accounts.as_ref();
    provision::add_user(accounts, "garde", Role::SecurityGuard, "garde de nuit password").await.unwrap();
    provision::set_preferences(accounts, "garde", Some(Language::Fr), Some("Europe/Paris")).await.unwrap();
    let b = &browser.client;
    browser_support::log_in(b, &base, "garde", "garde de nuit password", &format!("/incidents/{id}")).await;
    b.wait().for_element(Locator::Id("incident-status")).await.unwrap();

    let lang = b.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("fr"));
    let nav = b.find(Locator::Css("header.top nav")).await.unwrap().text().await.unwrap();
    assert!(nav.contains("Plan des étages") && nav.contains("Équipements"), "{nav}");
    let logout = b.find(Locator::Css("button.logout")).await.unwrap().text().await.unwrap();
    assert_eq!(logout, "Se déconnecter");
    // The vocabularies too: the status and the severity badge.
    let status = b.find(Locator::Id("incident-status")).await.unwrap().text().await.unwrap();
    assert_eq!(status.trim(), "nouveau");
    let facts = b.find(Locator::Css("dl.incident-facts")).await.unwrap().text().await.unwrap();
    assert!(facts.contains("critique") && facts.contains("Gravité"), "{facts}");
    // The fire playbook's tasks, in French.
    let tasks = b.find(Locator::Css("section.checklist")).await.unwrap().text().await.unwrap();
    assert!(tasks.contains("Incendie ou fumée dans l'hôpital"), "{tasks}");
    assert!(tasks.contains("Confirmer que les pompiers ont été appelés"), "{tasks}");
    assert!(!tasks.contains("Confirm the fire service has been called"), "{tasks}");
    // The CAP section: French words, the draft's time day-first in Paris time.
    let cap = b.find(Locator::Id("cap")).await.unwrap().text().await.unwrap();
    assert!(cap.contains("Primo-intervenants (CAP)"), "{cap}");
    let paris = Locale::new(Language::Fr, time_zone("Europe/Paris").unwrap());
    let when = paris.time(drafted_at);
    assert!(when.contains('/') && when.ends_with("CET"), "{when}");
    assert!(cap.contains(&format!("Rédigé par token:test-admin, {when}")), "{cap}");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("incident-fr.png"), png).unwrap();

    // Back to English from the settings page, linked from the user's name.
    b.find(Locator::Css("a.who")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::XPath("//h1[normalize-space()='Mes réglages']")).await.unwrap();
    let select = b.find(Locator::Id("language")).await.unwrap();
    select.select_by_value("en").await.unwrap();
    b.find(Locator::Css("form.preferences button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait()
        .for_element(Locator::XPath("//h1[normalize-space()='My settings']"))
        .await
        .expect("the page reloads in English");
    let user = server.state.accounts.get_user("garde").await.unwrap().unwrap();
    assert_eq!(user.preferences.language, Some(Language::En));
    assert_eq!(user.preferences.time_zone.as_deref(), Some("Europe/Paris"), "the zone is kept");
    server.stop().await.unwrap();
}
