//! The guard's views as a browser without script sees them, on the demo
//! hospital after a forced door: the overview puts physical alerts, rooms
//! and patrol tasks first for a guard (not for an analyst), lists quiet
//! buildings and shows when the event happened; the floor plan names the
//! floor, badges the floors with alerts, names rooms, keys doors, cameras
//! and sensors with their state and links the room to its open incident.
//! The live stream's figures follow an incident change at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{config, signed_in};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use safecare_model::Role;
use safecare_server::{RunningServer, start};
use serde_json::{Value, json};

async fn page(client: &reqwest::Client, url: String) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The controlled drugs store's door forced ten minutes ago (reported
/// now): the event time the overview must show.
fn forced_door(at: Timestamp) -> Value {
    json!({"domain": "physical", "message": "door forced", "time": at.to_string(),
        "logsource": {"product": "safecare", "category": "access_control"},
        "location": {"site": "hq", "building": "main", "floor": "-1", "zone": "pharmacy", "room": "-1.12"},
        "fields": {"action": "forced", "door": "D--1.12"}})
}

/// The demo hospital with the forced door grouped into its incident;
/// answers the incident's id.
async fn after_a_forced_door(server: &RunningServer, at: Timestamp) -> String {
    common::load_demo_hospital(server).await;
    let sensor = common::client_with(&common::token(server, Role::Sensor, Some("doors")).await);
    let sent = sensor.post(format!("{}/api/v1/events", server.url())).json(&forced_door(at)).send().await.unwrap();
    assert_eq!(sent.status(), 202);
    let admin = common::client_with(&common::token(server, Role::Admin, None).await);
    let incidents = common::settled_incidents(&admin, &server.url()).await;
    incidents["incidents"][0]["id"].as_str().unwrap().to_owned()
}

fn ten_minutes_ago() -> Timestamp {
    let now = Timestamp::now() - SignedDuration::from_mins(10);
    Timestamp::from_second(now.as_second()).unwrap()
}

#[tokio::test]
async fn a_guard_sees_the_physical_side_first_and_an_analyst_the_whole_feed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let happened = ten_minutes_ago();
    let incident = after_a_forced_door(&server, happened).await;
    let guard = signed_in(&server, "guard", Role::SecurityGuard).await;
    let html = page(&guard, format!("{}/", server.url())).await;

    let physical = html.find("id=\"physical-feed\"").expect("a physical alerts table");
    let threat = html.find("id=\"threat-h\"").unwrap();
    assert!(physical < threat, "physical alerts come before the threat levels for a guard");
    let feed = &html[physical..html[physical..].find("</tbody>").unwrap() + physical];
    assert!(feed.contains("Door Forced Open At Pharmacy"), "{feed}");
    assert!(feed.contains(&format!("datetime=\"{happened}\"")), "the event's time, not the alert's: {feed}");
    assert!(feed.contains("href=\"/alerts/"), "each alert row opens the alert's page: {feed}");
    assert!(html.contains("Event time"));

    let rooms = &html[html.find("id=\"alert-rooms\"").expect("rooms with alerts")..];
    let rooms = &rooms[..rooms.find("</ul>").unwrap()];
    assert!(rooms.contains("Controlled drugs store (-1.12)"), "{rooms}");
    assert!(rooms.contains(&format!("href=\"/incidents/{incident}\"")), "the room opens its incident: {rooms}");
    assert!(rooms.contains("href=\"/plan?building=main&amp;floor=-1\""), "{rooms}");

    let tasks = &html[html.find("id=\"patrol-tasks\"").expect("patrol tasks")..];
    assert!(tasks[..tasks.find("</ul>").unwrap()].contains("data-task=\"forced_entry/"), "{tasks}");

    // Every building is listed; those without alerts as quiet.
    let levels = &html[html.find("id=\"threat-levels\"").unwrap()..];
    let levels = &levels[..levels.find("</ul>").unwrap()];
    assert!(levels.contains("data-building=\"hq / tech\""), "{levels}");
    assert!(levels.contains("level-quiet\" data-building=\"hq / tech\""), "{levels}");
    assert!(levels.contains("Outpatient building"), "{levels}");
    assert!(!levels.contains("level-quiet\" data-building=\"hq / main\""), "{levels}");

    let analyst = signed_in(&server, "analyst", Role::SocAnalyst).await;
    let html = page(&analyst, format!("{}/", server.url())).await;
    assert!(!html.contains("physical-feed"), "the analyst keeps the whole feed");
    let feed = &html[html.find("id=\"alert-feed\"").unwrap()..];
    assert!(feed[..feed.find("</tbody>").unwrap()].contains("Door Forced Open At Pharmacy"));
    assert!(html.find("id=\"threat-h\"").unwrap() < html.find("id=\"alert-feed\"").unwrap());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_floor_plan_names_the_floor_badges_alerted_floors_and_links_the_room_to_its_incident() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let incident = after_a_forced_door(&server, ten_minutes_ago()).await;
    let guard = signed_in(&server, "guard", Role::SecurityGuard).await;
    let html = page(&guard, format!("{}/plan?building=main&floor=-1", server.url())).await;

    assert!(html.contains("Floor -1 of Main building"), "the floor shown is named");
    let tab = |floor: &str| {
        let at = html.find(&format!("data-floor=\"main/{floor}\"")).unwrap();
        html[at..at + html[at..].find("</a>").unwrap()].to_owned()
    };
    assert!(tab("-1").contains("aria-current=\"page\""), "{}", tab("-1"));
    assert!(tab("-1").contains("data-alerts=\"1\""), "the alerted floor is badged: {}", tab("-1"));
    assert!(!tab("0").contains("data-alerts"), "a quiet floor has no badge: {}", tab("0"));

    let room = html.find("data-room=\"hq/main/-1/pharmacy/-1.12\"").unwrap();
    let link = &html[html[..room].rfind("<a ").unwrap()..room];
    assert!(link.contains(&format!("href=\"/incidents/{incident}\"")), "{link}");
    assert!(link.contains("Controlled drugs store (-1.12)"), "{link}");
    let calm = html.find("data-room=\"hq/main/-1/pharmacy/-1.10\"").unwrap();
    assert!(
        html[html[..calm].rfind("<a ").unwrap()..calm].contains("href=\"/events?location=hq/main/-1/pharmacy/-1.10\"")
    );
    assert!(html.contains(">Pharmacy dispensary<") || html.contains(">Pharmacy dis"), "room names are drawn");

    let marker = |id: &str| {
        let at = html.find(&format!("data-device=\"{id}\"")).unwrap();
        html[html[..at].rfind("<g ").unwrap()..at + 80].to_owned()
    };
    assert!(marker("door-main--1.12").contains("data-state=\"forced\""), "{}", marker("door-main--1.12"));
    assert!(marker("door-main--1.10").contains("data-state=\"unknown\""), "{}", marker("door-main--1.10"));
    assert!(marker("cam-main--1-pharmacy").contains("marker-camera"), "{}", marker("cam-main--1-pharmacy"));
    assert!(marker("tsens-ph-01").contains("marker-sensor"), "{}", marker("tsens-ph-01"));
    assert!(html.contains("Controlled drugs store door: forced open"), "door labelled with its name and state");
    assert!(html.contains("id=\"legend-h\""));

    let html = page(&guard, format!("{}/plan?building=main&floor=9", server.url())).await;
    assert!(html.contains("id=\"plan-error\""), "an unknown floor is named in the page");
    assert!(html.contains("No floor 9 in building main has a plan"));
    server.stop().await.unwrap();
}

/// The stream's next `stats` figures after `buffer`'s.
async fn next_stats(feed: &mut reqwest::Response, buffer: &mut String) -> Value {
    loop {
        if let Some(at) = buffer.find("event: stats\ndata: ") {
            let rest = &buffer[at + 19..];
            if let Some(end) = rest.find('\n') {
                let figures = serde_json::from_str(&rest[..end]).unwrap();
                *buffer = rest[end..].to_owned();
                return figures;
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(15), feed.chunk()).await.expect("feed silent").unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
    }
}

#[tokio::test]
async fn the_open_count_and_sources_follow_an_incident_without_waiting_for_the_tick() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    common::load_demo_hospital(&server).await;
    let admin = common::client_with(&common::token(&server, Role::Admin, None).await);
    let mut feed = admin.get(format!("{}/api/v1/stream", server.url())).send().await.unwrap();
    let mut buffer = String::new();
    let first = next_stats(&mut feed, &mut buffer).await;
    // Right after the first figures: the change must not wait for the
    // regular tick (10 s) even within the one-second spacing.
    assert_eq!(first["open_total"], 0, "{first}");

    let sensor = common::client_with(&common::token(&server, Role::Sensor, Some("doors")).await);
    let sent = Instant::now();
    let posted = sensor
        .post(format!("{}/api/v1/events", server.url()))
        .json(&forced_door(Timestamp::now()))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);
    let figures = loop {
        let figures = next_stats(&mut feed, &mut buffer).await;
        if figures["open_total"] == 1 {
            break figures;
        }
    };
    assert!(sent.elapsed() < Duration::from_secs(6), "figures came {:?} after the event", sent.elapsed());
    assert_eq!(figures["open_incidents"]["critical"], 1, "{figures}");
    let doors = figures["sources"].as_array().unwrap().iter().find(|s| s["source"] == "doors").expect("the source");
    assert_eq!(doors["events"], 1);
    assert_eq!(doors["state"], "reporting");
    assert!(doors["last_event"].as_str().unwrap().starts_with("20"), "a time in the reader's form: {doors}");
    server.stop().await.unwrap();
}
