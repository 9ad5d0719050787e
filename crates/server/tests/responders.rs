//! First responders in a real browser (headless Chromium at tablet width):
//! the demo attack's fire in the technical building's LV switchroom is
//! drafted as a CAP alert from the incident page's form by a guard and
//! approved there by a crisis manager (the message valid against the OASIS
//! XSD, its polygon the technical building's footprint); the demo attack
//! leaves the ICU and the theatres degraded with their causes, in the API
//! and in EDXL-HAVE; a responder finds the fire on their own page with the
//! building, the room, the entrances, the assembly points, the doors, the
//! hazards, the CAP message and live updates, and nothing of the inventory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_support;
mod common;

use std::path::Path;
use std::time::Duration;

use common::{
    attack_events, client_with, config, get_json, load_demo_hospital, post_ndjson, settled_incidents, token, xsd_check,
};
use fantoccini::Locator;
use reqwest::StatusCode;
use safecare_model::Role;
use safecare_server::{Config, RunningServer, provision, start};
use serde_json::{Value, json};

fn cap_config(dir: &Path) -> Config {
    let mut config = config(dir);
    config.cap = serde_json::from_value(json!({
        "sender": "safecare@hq.example",
        "languages": ["en", "fr", "nl"],
        "web": "https://safecare.hq.example",
    }))
    .unwrap();
    config
}

/// The demo hospital with the whole demo attack played, and the fire incident's id.
async fn demo_attack(server: &RunningServer) -> (reqwest::Client, String) {
    let base = server.url();
    load_demo_hospital(server).await;
    let admin = client_with(&token(server, Role::Admin, None).await);
    post_ndjson(&admin, &base, attack_events(usize::MAX)).await;
    let page = settled_incidents(&admin, &base).await;
    let fire = page["incidents"].as_array().unwrap().iter().find(|i| i["threat"] == "fire").expect("a fire incident");
    let id = fire["id"].as_str().unwrap().to_owned();
    (admin, id)
}

async fn add_user(server: &RunningServer, name: &str, role: Role) {
    provision::add_user(server.state.accounts.as_ref(), name, role, &format!("{name} password, long enough"))
        .await
        .unwrap();
}

fn footprint_text(asset: &Value) -> String {
    let points: Vec<String> = asset["asset"]["geo"]["footprint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{},{}", p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap()))
        .collect();
    points.join(" ")
}

/// The page's width fits the window: nothing scrolls sideways.
async fn fits_the_width(b: &fantoccini::Client) -> bool {
    let fits = b.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await.unwrap();
    fits.as_bool().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_drafts_the_fire_alert_on_the_incident_page_and_a_crisis_manager_approves_it() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(cap_config(dir.path())).await.unwrap();
    let base = server.url();
    let (admin, id) = demo_attack(&server).await;

    // The demo attack degrades the ICU and the theatres, each with its cause, and says so in EDXL-HAVE.
    let board = common::until("the ICU and theatres degraded", async || {
        let board = get_json(&admin, format!("{base}/api/v1/availability")).await;
        let degraded =
            |id: &str| board["services"].as_array().unwrap().iter().any(|s| s["id"] == id && s["status"] == "degraded");
        (degraded("svc-icu") && degraded("svc-theatres")).then_some(board)
    })
    .await;
    for service in ["svc-icu", "svc-theatres"] {
        let s = board["services"].as_array().unwrap().iter().find(|s| s["id"] == service).unwrap();
        assert!(s["causes"][0]["title"].as_str().is_some_and(|t| !t.is_empty()), "{s}");
        assert!(s["expected_end"].is_string(), "{s}");
    }
    let icu = board["services"].as_array().unwrap().iter().find(|s| s["id"] == "svc-icu").unwrap();
    assert!(
        icu["causes"].as_array().unwrap().iter().any(|c| c["incident"] == id.as_str()),
        "the fire is among the ICU's causes: {icu}"
    );
    let have = admin.get(format!("{base}/api/v1/availability/edxl-have")).send().await.unwrap().text().await.unwrap();
    for service in ["svc-icu", "svc-theatres"] {
        let at = have.find(&format!("<have:Identifier>{service}</have:Identifier>")).unwrap();
        let status = &have[at..have[at..].find("</have:OperationalStatus>").unwrap() + at];
        assert!(status.ends_with("<have:OperationalStatus>Compromised"), "{service}: {status}");
    }

    add_user(&server, "guard", Role::SecurityGuard).await;
    add_user(&server, "cm", Role::CrisisManager).await;
    let b = &browser.client;
    b.set_window_size(1024, 768).await.unwrap();
    let incident_page = format!("/incidents/{id}");
    browser_support::log_in(b, &base, "guard", "guard password, long enough", &incident_page).await;
    let form = b.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("cap-form")).await.unwrap();
    // The mapping's defaults are filled in: a fire is Immediate, the instruction the fire playbook's.
    let selected = |name: &str| format!("//form[@id='cap-form']//select[@name='{name}']/option[@selected]");
    assert_eq!(b.find(Locator::XPath(&selected("urgency"))).await.unwrap().text().await.unwrap(), "Immediate");
    assert_eq!(b.find(Locator::XPath(&selected("threat"))).await.unwrap().text().await.unwrap(), "fire");
    let instruction = form.find(Locator::Css("textarea[name=instruction]")).await.unwrap();
    let instruction = instruction.prop("value").await.unwrap().unwrap_or_default();
    assert!(instruction.contains("Life safety first"), "the fire playbook's instruction: {instruction}");
    let languages = form.find(Locator::Css("input[name=languages]")).await.unwrap();
    assert_eq!(languages.prop("value").await.unwrap().as_deref(), Some("en, fr, nl"));
    languages.clear().await.unwrap();
    languages.send_keys("en, fr").await.unwrap();
    form.find(Locator::Css("input[name=note]")).await.unwrap().send_keys("Staging at the north gate").await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let draft = "//article[@data-state='draft'][contains(., 'Pending')]";
    b.wait().at_most(Duration::from_secs(10)).for_element(Locator::XPath(draft)).await.unwrap();
    let approve = "//article[@data-cap]//button[contains(., 'Approve')]";
    assert!(b.find(Locator::XPath(approve)).await.is_err(), "a guard cannot approve");
    let preview = b.find(Locator::Css("pre.cap-xml")).await.unwrap().text().await.unwrap();
    assert!(preview.contains("<msgType>Alert</msgType>") && preview.contains("<language>fr</language>"), "{preview}");

    let link = b.find(Locator::Css(&format!("a[href='/respond/{id}']"))).await.unwrap();
    assert_eq!(link.text().await.unwrap(), "Responder view", "the guard may open the responder page");
    b.find(Locator::Css("button[data-action=logout]")).await.unwrap().click().await.unwrap();
    b.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("username")).await.unwrap();
    browser_support::log_in(b, &base, "cm", "cm password, long enough", &incident_page).await;
    let approve = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//article[@data-state='draft']//button[contains(., 'Approve and send')]"))
        .await
        .unwrap();
    b.execute("document.getElementById('cap').scrollIntoView();", vec![]).await.unwrap();
    assert!(fits_the_width(b).await, "no sideways scrolling at 1024x768");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("cap-approval.png"), png).unwrap();
    approve.click().await.unwrap();
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//article[@data-state='approved'][contains(., 'approved and sent by cm')]"))
        .await
        .expect("the page shows the message approved after it reloads");

    // Sent as the crisis manager approved it: valid CAP 1.2, over the technical building's footprint.
    let messages = get_json(&admin, format!("{base}/api/v1/incidents/{id}/cap")).await;
    let message = &messages["messages"][0];
    assert_eq!((message["state"].as_str(), message["approved_by"].as_str()), (Some("approved"), Some("cm")));
    assert_eq!(message["drafted_by"], "guard");
    let xml = message["xml"].as_str().unwrap();
    xsd_check(xml).unwrap();
    let building = get_json(&admin, format!("{base}/api/v1/assets/bld-tech")).await;
    assert!(xml.contains(&format!("<polygon>{}</polygon>", footprint_text(&building))), "{xml}");
    assert!(xml.contains("<note>Staging at the north gate</note>"), "{xml}");
    let languages: Vec<&str> =
        message["alert"]["infos"].as_array().unwrap().iter().filter_map(|i| i["language"].as_str()).collect();
    assert_eq!(languages, ["en", "fr"]);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_responder_finds_the_fire_its_place_doors_hazards_and_messages_on_a_tablet() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(cap_config(dir.path())).await.unwrap();
    let base = server.url();
    let (admin, id) = demo_attack(&server).await;
    let door = |asset: &str, room: &str, action: &str| {
        json!({"time": jiff::Timestamp::now().to_string(), "domain": "physical", "severity": "medium",
            "message": format!("Door {asset} {action}"), "asset": asset,
            "location": {"site": "hq", "building": "tech", "floor": "0", "zone": "technical", "room": room},
            "logsource": {"product": "safecare", "category": "access_control"},
            "fields": {"action": action}})
        .to_string()
    };
    post_ndjson(
        &admin,
        &base,
        format!("{}\n{}\n", door("door-tech-0.01", "0.01", "held_open"), door("door-tech-0.05", "0.05", "locked")),
    )
    .await;
    let crisis = client_with(&token(&server, Role::CrisisManager, None).await);
    let cap_url = format!("{base}/api/v1/incidents/{id}/cap");
    let drafted: Value =
        crisis.post(&cap_url).json(&json!({"msg_type": "Alert"})).send().await.unwrap().json().await.unwrap();
    let identifier = drafted["alert"]["identifier"].as_str().unwrap().to_owned();
    assert_eq!(crisis.post(format!("{cap_url}/{identifier}/approve")).send().await.unwrap().status(), 200);

    // What the responder may and may not read.
    add_user(&server, "field", Role::Responder).await;
    let responder = client_with(&token(&server, Role::Responder, None).await);
    for path in ["/api/v1/assets", "/api/v1/assets/bld-tech", "/api/v1/events", "/plan", "/assets"] {
        let got = responder.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(got.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let transition = responder
        .post(format!("{base}/api/v1/incidents/{id}/transition"))
        .json(&json!({"transition": "acknowledge"}))
        .send()
        .await
        .unwrap();
    assert_eq!(transition.status(), StatusCode::FORBIDDEN, "responders do not work incidents");
    let officer = client_with(&token(&server, Role::PrivacyOfficer, None).await);
    assert_eq!(officer.get(format!("{base}/respond")).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    let b = &browser.client;
    b.set_window_size(800, 1280).await.unwrap();
    browser_support::log_in(b, &base, "field", "field password, long enough", "/respond").await;
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!("a[href='/respond/{id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let building = b.wait().for_element(Locator::Css("polygon.incident-building")).await.unwrap();
    assert_eq!(building.attr("data-building").await.unwrap().as_deref(), Some("bld-tech"));
    let room = b.find(Locator::Css("rect.incident-room")).await.unwrap();
    assert_eq!(room.attr("data-room").await.unwrap().as_deref(), Some("hq/tech/0/technical/0.01"));
    assert_eq!(b.find_all(Locator::Css("g.entrance")).await.unwrap().len(), 4, "every building's entrances");
    assert_eq!(b.find_all(Locator::Css("g.assembly")).await.unwrap().len(), 2, "the site's assembly points");
    let legend = b.find(Locator::Css("li.incident-entrance")).await.unwrap().text().await.unwrap();
    assert!(legend.contains("Technical building door"), "{legend}");
    let state = |door: &str| format!("circle[data-door='{door}']");
    let held = b.find(Locator::Css(&state("door-tech-0.01"))).await.unwrap();
    assert_eq!(held.attr("data-state").await.unwrap().as_deref(), Some("held_open"));
    let locked = b.find(Locator::Css(&state("door-tech-0.05"))).await.unwrap();
    assert_eq!(locked.attr("data-state").await.unwrap().as_deref(), Some("locked"));
    let place = b.find(Locator::Id("responder-where")).await.unwrap().text().await.unwrap();
    assert!(place.starts_with("LV switchroom (0.01)") && place.contains("Technical building"), "{place}");
    let hazards = b.find(Locator::Id("hazards")).await.unwrap().text().await.unwrap();
    assert!(hazards.contains("Fire") && hazards.contains("Life-critical"), "{hazards}");
    let sent = b.find(Locator::Css(&format!("article[data-cap='{identifier}']"))).await.unwrap().text().await.unwrap();
    assert!(sent.contains("Sent") && sent.contains("Technical building"), "{sent}");
    assert!(fits_the_width(b).await, "no sideways scrolling at 800x1280");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("responder-tablet.png"), png).unwrap();
    // No way into the inventory from the menu.
    assert!(b.find(Locator::Css("nav a[href='/assets']")).await.is_err());

    // A second smoke detector, upstairs in the same building, reaches the open page.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let smoke = json!({"time": jiff::Timestamp::now().to_string(), "domain": "building", "severity": "critical",
        "message": "Smoke detector FD-T1.01 in alarm", "asset": "smoke-tech-1.01",
        "location": {"site": "hq", "building": "tech", "floor": "1", "zone": "data_center", "room": "1.01"},
        "logsource": {"product": "safecare", "category": "fire_alarm"},
        "fields": {"state": "alarm", "alarm": "smoke", "device": "FD-T1.01"}});
    post_ndjson(&admin, &base, format!("{smoke}\n")).await;
    let update = "//ul[@id='responder-feed']/li[contains(., 'FD-T1.01') or contains(., 'hq/tech/1/')]";
    b.wait().at_most(Duration::from_secs(15)).for_element(Locator::XPath(update)).await.expect("the update arrives");
    server.stop().await.unwrap();
}
