//! The dashboard in a real browser (headless Chromium): log in, watch an
//! alert arrive live, see the floor plan, work an incident from its page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
        geo: None,
        capacity: None,
    };
    let rooms = vec![room("rm-0.12", "Drug store", "0.12", 0.0), room("rm-0.13", "Dispensary", "0.13", 8.0)];
    server.state.replace_inventory(safecare_impact::Inventory::new(rooms, vec![]).unwrap()).await.unwrap();
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
    server.stop().await.unwrap();
}

/// The page's width fits the window: nothing scrolls sideways.
async fn fits_the_width(b: &fantoccini::Client) -> bool {
    let fits = b.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await.unwrap();
    fits.as_bool().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_of_the_demo_attack_is_worked_from_its_page() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(config(dir.path())).await;
    let base = server.url();
    common::load_demo_hospital(&server).await;
    // The phishing click and the BMS set-point change: one incident whose
    // impact reaches the operating theatres.
    let page = common::play_attack(&server, &admin, 2).await;
    let id = page["incidents"][0]["id"].as_str().unwrap().to_owned();
    provision::add_user(server.state.accounts.as_ref(), "soc", Role::SocAnalyst, "soc analyst password").await.unwrap();
    provision::add_user(server.state.accounts.as_ref(), "alice", Role::SecurityGuard, "alice on duty password")
        .await
        .unwrap();
    let b = &browser.client;
    browser_support::log_in(b, &base, "soc", "soc analyst password", &format!("/incidents/{id}")).await;

    // The impact graph shows the theatres as an impacted service.
    b.wait().for_element(Locator::Css("svg.impact-graph")).await.unwrap();
    let services = b.find_all(Locator::Css("svg.impact-graph g.node.service")).await.unwrap();
    assert!(!services.is_empty(), "services are drawn");
    let mut names = Vec::new();
    for node in &services {
        names.push(node.attr("data-asset").await.unwrap().unwrap_or_default());
    }
    assert!(names.iter().any(|n| n.contains("theatre")), "{names:?}");
    assert!(!b.find_all(Locator::Css("svg.impact-graph path.edge.worst")).await.unwrap().is_empty());
    // Every label fits its box as the browser lays it out: names wrap, none runs past the edge.
    let overflowing = b
        .execute(
            "return [...document.querySelectorAll('svg.impact-graph g.node')].filter(g => {
                const box = g.querySelector('rect').getBBox();
                return [...g.querySelectorAll('text')].some(t => { const b = t.getBBox(); return b.x + b.width > box.x + box.width - 2; });
            }).map(g => g.dataset.asset);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflowing, serde_json::json!([]), "labels running out of their boxes");
    assert_eq!(b.find(Locator::Id("incident-status")).await.unwrap().text().await.unwrap(), "new");
    let timeline = b.find(Locator::Css("section.timeline")).await.unwrap().text().await.unwrap();
    assert!(timeline.contains("alert raised") && timeline.contains("playbook attached"), "{timeline}");

    // Only the allowed step is offered; taking it changes the status.
    assert!(b.find(Locator::XPath("//button[normalize-space()='Resolve']")).await.is_err());
    b.find(Locator::XPath("//button[normalize-space()='Acknowledge']")).await.unwrap().click().await.unwrap();
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//span[@id='incident-status'][normalize-space()='acknowledged']"))
        .await
        .expect("the status changes to acknowledged");
    b.wait().for_element(Locator::XPath("//button[normalize-space()='Start']")).await.unwrap();

    // Assigned to a user picked from the list.
    b.find(Locator::Css("#assignee option[value='alice']")).await.unwrap().click().await.unwrap();
    b.find(Locator::XPath("//button[normalize-space()='Assign']")).await.unwrap().click().await.unwrap();
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//dd[@id='incident-assignee'][normalize-space()='alice']"))
        .await
        .expect("the assignee changes");

    // An approval the role cannot give is refused with the API's reason.
    let approve = "//tr[@data-task='bms_tampering/manual-mode']//button[normalize-space()='Approve']";
    b.find(Locator::XPath(approve)).await.unwrap().click().await.unwrap();
    let refusal = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//p[@id='action-status'][contains(., 'cannot give')]"))
        .await
        .expect("the refusal is shown");
    assert_eq!(refusal.attr("class").await.unwrap().as_deref(), Some("error"));

    // Tasks are completed, or skipped with a reason.
    b.find(Locator::XPath("//tr[@data-task='bms_tampering/triage']//button[normalize-space()='Complete']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("tr.task-done[data-task='bms_tampering/triage']"))
        .await
        .expect("the task is done");
    let skip = "//tr[@data-task='phishing/warn-staff']";
    b.find(Locator::XPath(&format!("{skip}//summary"))).await.unwrap().click().await.unwrap();
    b.find(Locator::XPath(&format!("{skip}//input[@name='note']")))
        .await
        .unwrap()
        .send_keys("one recipient only")
        .await
        .unwrap();
    b.find(Locator::XPath(&format!("{skip}//button[normalize-space()='Skip']"))).await.unwrap().click().await.unwrap();
    let skipped = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("tr.task-skipped[data-task='phishing/warn-staff']"))
        .await
        .expect("the task is skipped");
    assert!(skipped.text().await.unwrap().contains("one recipient only"));

    // A comment lands on the timeline.
    b.find(Locator::Id("comment")).await.unwrap().send_keys("BMS operator called").await.unwrap();
    b.find(Locator::XPath("//button[normalize-space()='Add comment']")).await.unwrap().click().await.unwrap();
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//section[contains(@class,'timeline')]//td[normalize-space()='#1: BMS operator called']",
        ))
        .await
        .expect("the comment is on the timeline");

    b.goto(&format!("{base}/incidents/{id}")).await.unwrap();
    b.wait().for_element(Locator::Css("svg.impact-graph")).await.unwrap();
    assert!(fits_the_width(b).await, "no sideways scrolling at 1366x768");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("incident.png"), png).unwrap();

    // On a tablet, the page reflows instead of scrolling sideways.
    b.set_window_size(820, 1180).await.unwrap();
    b.refresh().await.unwrap();
    b.wait().for_element(Locator::Css("svg.impact-graph")).await.unwrap();
    assert!(fits_the_width(b).await, "no sideways scrolling at tablet width");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("incident-tablet.png"), png).unwrap();

    // The list filters by status and links to the incident.
    b.goto(&format!("{base}/incidents?status=acknowledged")).await.unwrap();
    let link = b.wait().for_element(Locator::Css(&format!("a[href='/incidents/{id}']"))).await.unwrap();
    assert_eq!(link.text().await.unwrap(), "BMS tampering — BMS control room, Technical building");
    assert!(fits_the_width(b).await, "the list fits the tablet width");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("incidents-tablet.png"), png).unwrap();
    b.goto(&format!("{base}/incidents?status=closed")).await.unwrap();
    b.wait().for_element(Locator::XPath("//p[normalize-space()='No incident matches.']")).await.unwrap();
    server.stop().await.unwrap();
}

/// A server with the demo hospital and the incident of the attack's first
/// step, and a browser on that incident's page, logged in as a new user.
struct OnIncident {
    browser: browser_support::Browser,
    server: safecare_server::RunningServer,
    admin: reqwest::Client,
    id: String,
    _dir: tempfile::TempDir,
}

async fn incident_page_as(user: &str, role: Role, password: &str) -> Option<OnIncident> {
    let browser = browser_support::start().await?;
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = common::start_with_admin(config(dir.path())).await;
    common::load_demo_hospital(&server).await;
    let page = common::play_attack(&server, &admin, 1).await;
    let id = page["incidents"][0]["id"].as_str().unwrap().to_owned();
    provision::add_user(server.state.accounts.as_ref(), user, role, password).await.unwrap();
    let b = &browser.client;
    browser_support::log_in(b, &server.url(), user, password, &format!("/incidents/{id}")).await;
    b.wait().for_element(Locator::Id("incident-status")).await.unwrap();
    Some(OnIncident { browser, server, admin, id, _dir: dir })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_page_reloads_when_someone_else_changes_it() {
    let Some(on) = incident_page_as("guard", Role::SecurityGuard, "guard on duty password").await else { return };
    let (b, admin, base, id) = (&on.browser.client, &on.admin, on.server.url(), &on.id);
    // A guard works incidents but does not declare them to regulators.
    assert!(b.find(Locator::XPath("//summary[contains(., 'Mark significant')]")).await.is_err());
    // Let the page open its live stream before the change.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let ack = admin
        .post(format!("{base}/api/v1/incidents/{id}/transition"))
        .json(&json!({"transition": "acknowledge"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status(), 200);
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//span[@id='incident-status'][normalize-space()='acknowledged']"))
        .await
        .expect("the open page shows the change");
    on.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_privacy_officer_declares_a_breach_but_does_not_work_the_incident() {
    let Some(on) = incident_page_as("dpo", Role::PrivacyOfficer, "data protection password").await else { return };
    let b = &on.browser.client;
    let actions = b.find(Locator::Css("section.actions")).await.unwrap().text().await.unwrap();
    assert!(actions.contains("can read this incident but not change it"), "{actions}");
    assert!(b.find(Locator::XPath("//button[normalize-space()='Acknowledge']")).await.is_err());
    assert!(b.find(Locator::XPath("//button[normalize-space()='Complete']")).await.is_err());
    assert!(b.find(Locator::Id("comment")).await.is_err());

    // The declaration asks for confirmation first.
    b.find(Locator::XPath("//summary[contains(., 'Mark personal-data breach')]")).await.unwrap().click().await.unwrap();
    b.find(Locator::XPath("//button[contains(., 'start the GDPR clock')]")).await.unwrap().click().await.unwrap();
    let clock = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("tr[data-clock='gdpr_art33']"))
        .await
        .expect("the GDPR clock runs");
    let text = clock.text().await.unwrap();
    assert!(text.contains("GDPR") && text.contains("2 d 23 h left"), "{text}");
    assert!(
        b.find(Locator::XPath("//summary[contains(., 'Mark personal-data breach')]")).await.is_err(),
        "marked once"
    );
    on.server.stop().await.unwrap();
}

/// A webhook receiver that keeps every body it is sent.
async fn webhook_receiver() -> (std::net::SocketAddr, std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let hook = move |body: axum::body::Bytes| {
        let kept = kept.clone();
        async move {
            kept.lock().unwrap().push(serde_json::from_slice::<serde_json::Value>(&body).unwrap());
            axum::http::StatusCode::OK
        }
    };
    let app = axum::Router::new().route("/hook", axum::routing::post(hook));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sends_a_test_from_the_notifications_page() {
    let Some(browser) = browser_support::start().await else { return };
    let (hook, seen) = webhook_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.notify = serde_json::from_value(json!({
        "channels": {
            "soc-hook": { "type": "webhook", "url": format!("http://{hook}/hook"), "secret": "browser-test-secret" },
            "mail": { "type": "email", "host": "smtp.hospital.example", "from": "safecare@hospital.example",
                      "password": "smtp-password", "username": "safecare" }
        },
        "routes": [
            { "name": "soc-critical", "channel": "soc-hook", "min_severity": "high", "domains": ["cyber", "physical"],
              "role": "it_security", "escalate_after_minutes": 15 },
            { "name": "pharmacy-guards", "channel": "mail", "buildings": ["main"], "zones": ["pharmacy"],
              "threats": ["forced_entry"], "role": "security_guard" },
            { "name": "drill", "channel": "mail", "exercise": true }
        ],
        "roster": { "time_zone": "Europe/Paris", "shifts": [
            { "role": "it_security", "tier": 1, "name": "Ann Martin", "contact": "ann@hospital.example" },
            { "role": "it_security", "tier": 2, "name": "Chris Duval", "contact": "chris@hospital.example",
              "days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "18:00" },
            { "role": "security_guard", "tier": 1, "name": "Guard desk", "contact": "+33 1 00 00 00 00" }
        ] }
    }))
    .unwrap();
    let server = start(cfg).await.unwrap();
    let base = server.url();
    provision::add_user(server.state.accounts.as_ref(), "boss", Role::Admin, "administrator password").await.unwrap();
    let b = &browser.client;
    browser_support::log_in(b, &base, "boss", "administrator password", "/notifications").await;

    let button = "//tr[@data-route='soc-critical']//button[normalize-space()='Send test']";
    b.wait().for_element(Locator::XPath(button)).await.unwrap().click().await.unwrap();
    let row = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//table[contains(@class,'messages')]//tr[@data-status='delivered'][contains(., 'test')]",
        ))
        .await
        .expect("the test is listed as delivered after the page reloads");
    assert!(row.text().await.unwrap().contains("soc-critical"));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0]["reason"], "test");
        assert_eq!(seen[0]["route"], "soc-critical");
        assert_eq!(seen[0]["payload"]["requested_by"], "boss");
    }
    assert!(fits_the_width(b).await, "no sideways scrolling at 1366x768");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("notifications.png"), png).unwrap();
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisis_manager_closes_a_service_from_the_availability_board_on_a_tablet() {
    let Some(browser) = browser_support::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let base = server.url();
    common::load_demo_hospital(&server).await;
    let admin = common::client_with(&common::token(&server, Role::Admin, None).await);
    common::post_ndjson(&admin, &base, common::attack_events(3)).await;
    common::settled_incidents(&admin, &base).await;
    provision::add_user(server.state.accounts.as_ref(), "cm", Role::CrisisManager, "crisis manager password")
        .await
        .unwrap();
    let b = &browser.client;
    b.set_window_size(820, 1180).await.unwrap();
    browser_support::log_in(b, &base, "cm", "crisis manager password", "/availability").await;
    let degraded = "//tr[@data-service='svc-theatres']//span[@class='avail-degraded']";
    b.wait().at_most(Duration::from_secs(10)).for_element(Locator::XPath(degraded)).await.unwrap();

    let form = "//tr[@data-service='svc-maternity']//form";
    b.find(Locator::XPath(&format!("{form}//select[@name='status']/option[@value='closed']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::XPath(&format!("{form}//input[@name='reason']")))
        .await
        .unwrap()
        .send_keys("delivery rooms too warm")
        .await
        .unwrap();
    b.find(Locator::XPath(&format!("{form}//button[@type='submit']"))).await.unwrap().click().await.unwrap();
    let closed =
        "//tr[@data-service='svc-maternity'][.//span[@class='avail-closed']][contains(., 'delivery rooms too warm')]";
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(closed))
        .await
        .expect("the maternity shows closed with the reason after the page reloads");
    let board: serde_json::Value =
        admin.get(format!("{base}/api/v1/availability")).send().await.unwrap().json().await.unwrap();
    let maternity = board["services"].as_array().unwrap().iter().find(|s| s["id"] == "svc-maternity").unwrap();
    assert_eq!(maternity["override"]["by"], "cm");
    assert!(fits_the_width(b).await, "no sideways scrolling at tablet width");
    let png = b.screenshot().await.unwrap();
    std::fs::write(browser_support::screenshot_dir().join("availability-tablet.png"), png).unwrap();
    server.stop().await.unwrap();
}
