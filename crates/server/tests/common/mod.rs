//! A server on an ephemeral port with its own data directory, and an HTTP
//! client that carries an admin token.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use safecare_ingest::Decoder;
use safecare_ingest::listen::MqttConfig;
use safecare_model::Role;
use safecare_server::{Config, RunningServer, SourceConfig, Transport, provision, start};
use serde_json::{Value, json};

#[path = "../../../ingest/tests/support/ports.rs"]
pub mod ports;

pub fn config(dir: &Path) -> Config {
    Config { listen: SocketAddr::from(([127, 0, 0, 1], 0)), data_dir: dir.to_owned(), ..Config::default() }
}

/// A client whose every request carries `bearer`.
pub fn client_with(bearer: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {bearer}")).unwrap());
    reqwest::Client::builder().default_headers(headers).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A token of `role` on the running server.
pub async fn token(server: &RunningServer, role: Role, source: Option<&str>) -> String {
    provision::issue_token(server.state.accounts.as_ref(), &format!("test-{role}"), role, source, "test").await.unwrap()
}

/// Starts a server and returns it with an admin client.
pub async fn start_with_admin(config: Config) -> (RunningServer, reqwest::Client) {
    let server = start(config).await.unwrap();
    let client = client_with(&token(&server, Role::Admin, None).await);
    (server, client)
}

/// Loads the demo hospital's inventory (`content/sites/demo-hospital`)
/// straight into the server (stored and live).
pub async fn load_demo_hospital(server: &RunningServer) {
    let site = safecare_impact::Inventory::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../content/sites/demo-hospital"
    )))
    .unwrap();
    server.state.replace_inventory(site).await.unwrap();
}

/// Posts an inventory to `POST /api/v1/assets/import{query}` as `kind`;
/// answers the status and the JSON body (null when there is none).
pub async fn import_assets(
    client: &reqwest::Client,
    base: &str,
    query: &str,
    kind: &str,
    body: &str,
) -> (StatusCode, Value) {
    let response = client
        .post(format!("{base}/api/v1/assets/import{query}"))
        .header("content-type", kind)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A door-sensor source `name` subscribed to the broker at `url` under
/// `safecare/{site}/#`, as the hospital's site `hq`.
pub fn mqtt_doors(name: &str, url: &str, site: &str) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        transport: Transport::Mqtt(MqttConfig {
            url: url.to_owned(),
            client_id: format!("safecare-{name}-{site}"),
            filters: vec![format!("safecare/{site}/#")],
            username: None,
            password: None,
            ca: None,
            client_cert: None,
            client_key: None,
        }),
        decoder: Decoder::Physical { sensors: Default::default() },
        site: Some("hq".into()),
        timezone: None,
    }
}

/// Adds the two privacy officers `po1` and `po2` that re-identification
/// with a second approver needs.
pub async fn add_privacy_officers(server: &RunningServer) {
    let accounts = server.state.accounts.as_ref();
    provision::add_user(accounts, "po1", Role::PrivacyOfficer, "first officer password").await.unwrap();
    provision::add_user(accounts, "po2", Role::PrivacyOfficer, "second officer password").await.unwrap();
}

/// Posts NDJSON (one event per line) and checks it was accepted.
pub async fn post_ndjson(client: &reqwest::Client, base: &str, body: String) {
    let sent = client
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202, "{}", sent.text().await.unwrap_or_default());
}

const ATTACK: &str = include_str!("../../../../content/demo/attack.jsonl");

/// The demo attack's first `steps` events (`usize::MAX`: all of them),
/// dated a minute apart from half an hour ago, as NDJSON.
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

/// The first stored event of `source`, waiting up to ten seconds for it;
/// `Value::Null` when none came.
/// One page of `GET /api/v1/events?{query}`.
pub async fn events_page(client: &reqwest::Client, base: &str, query: &str) -> Value {
    client.get(format!("{base}/api/v1/events?{query}")).send().await.unwrap().json().await.unwrap()
}

pub async fn first_event_of(client: &reqwest::Client, base: &str, source: &str) -> Value {
    for _ in 0..100 {
        let page = events_page(client, base, &format!("source={source}")).await;
        if let Some(event) = page["events"].as_array().and_then(|e| e.first()) {
            return event.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Value::Null
}

/// The incident list once the pipeline has caught up: every alert raised
/// is in an incident, and no new alert came for half a second.
pub async fn settled_incidents(client: &reqwest::Client, base: &str) -> Value {
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
    panic!("the alerts were never all grouped into incidents");
}

/// Plays the demo attack's first `steps` events through the HTTP ingest
/// and answers the incident list once they are all grouped.
pub async fn play_attack(server: &RunningServer, client: &reqwest::Client, steps: usize) -> Value {
    post_ndjson(client, &server.url(), attack_events(steps)).await;
    settled_incidents(client, &server.url()).await
}

/// What the service logs, captured as a log file would hold it.
#[derive(Clone, Default)]
pub struct CapturedLog(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    /// A subscriber writing every event at `level` and above here, without
    /// colours.
    pub fn subscriber(&self, level: tracing::Level) -> impl tracing::Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        tracing_subscriber::fmt().with_max_level(level).with_ansi(false).with_writer(move || writer.clone()).finish()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A webhook receiver of the test's own on `path`: it takes every POST with
/// 200 and keeps its JSON body in `accepted`.
pub async fn json_receiver(path: &str, accepted: std::sync::Arc<std::sync::Mutex<Vec<Value>>>) -> SocketAddr {
    let hook = move |body: axum::body::Bytes| {
        let accepted = accepted.clone();
        async move {
            accepted.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
            axum::http::StatusCode::OK
        }
    };
    let app = axum::Router::new().route(path, axum::routing::post(hook));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Polls `check` every 100 ms until it answers, at most 30 s.
pub async fn until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {what}");
}

/// A GET that must succeed, as JSON.
pub async fn get_json(client: &reqwest::Client, url: impl AsRef<str>) -> Value {
    let url = url.as_ref();
    let response = client.get(url).send().await.unwrap();
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    response.json().await.unwrap()
}

/// Checks a CAP message with xmllint against the official CAP 1.2 XSD of
/// the samples folder: the check shares no code with SafeCare's writer.
pub fn xsd_check(xml: &str) -> Result<(), String> {
    let samples = std::env::var("SAFECARE_SAMPLES_DIR").unwrap_or_else(|_| "../../../shared/data".into());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("message.xml");
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(Path::new(&samples).join("cap/schema/CAP-v1.2.xsd"))
        .arg(&file)
        .output()
        .expect("xmllint (package libxml2-utils) must be installed");
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

/// The smoke detector of the technical building's LV switchroom in alarm.
pub fn fire_event() -> String {
    let event = json!({
        "time": jiff::Timestamp::now().to_string(),
        "domain": "building",
        "severity": "critical",
        "message": "Smoke detector FD-T0.01 in alarm",
        "asset": "smoke-tech-0.01",
        "location": {"site": "hq", "building": "tech", "floor": "0", "zone": "technical", "room": "0.01"},
        "logsource": {"product": "safecare", "category": "fire_alarm"},
        "fields": {"state": "alarm", "alarm": "smoke", "device": "FD-T0.01"}
    });
    format!("{event}\n")
}

/// A browser session (cookie and form login) for a new user of `role`.
pub async fn signed_in(server: &safecare_server::RunningServer, name: &str, role: Role) -> reqwest::Client {
    let password = format!("{name} password for tests");
    provision::add_user(server.state.accounts.as_ref(), name, role, &password).await.unwrap();
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let ok = browser
        .post(format!("{}/login", server.url()))
        .form(&[("username", name), ("password", password.as_str()), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    browser
}
