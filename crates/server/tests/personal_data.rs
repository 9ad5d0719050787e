//! No clear personal value survives ingest: a distinct clear value for every
//! field of the built-in personal-data list is sent over every ingest path,
//! then the database, its WAL, the server's log and the answers of the read
//! routes are searched for each of them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{CapturedLog, config, mqtt_doors, start_with_admin};
use safecare_ingest::Decoder;
use safecare_ingest::decode::mapped::JsonMapping;
use safecare_model::Domain;
use safecare_privacy::{FieldKind, default_common_fields};
use safecare_server::{SourceConfig, Transport};
use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;

/// A clear value of `kind` nobody else uses: `marker` is what is searched
/// for (lower-case), `value` what is sent.
fn clear_value(kind: FieldKind, path: usize, i: usize) -> (String, String) {
    let tag = format!("qz{path}x{i:02}");
    match kind {
        FieldKind::User => (format!("{tag}doe"), format!("{tag}doe")),
        FieldKind::Email => (format!("{tag}mail"), format!("{tag}mail@ward.example")),
        FieldKind::Badge => (format!("{tag}bdg"), format!("{}BDG", tag.to_uppercase())),
        FieldKind::Patient => (format!("{tag}mrn"), format!("{}MRN", tag.to_uppercase())),
        FieldKind::Name => (format!("{tag}smithers"), format!("Ann {tag}Smithers")),
        FieldKind::Phone => {
            let digits = format!("+4179{path}{i:02}5531");
            (digits.clone(), digits)
        }
        FieldKind::Ip => unreachable!("addresses are not in the default list"),
    }
}

/// `{"a": {"b": value}}` for `a.b`.
fn nested(path: &str, value: &str) -> Map<String, Value> {
    let mut inner = json!(value);
    for key in path.rsplit('.') {
        inner = json!({ key: inner });
    }
    inner.as_object().unwrap().clone()
}

/// One record per listed field for ingest path `path`, with the markers.
fn records(path: usize) -> (Vec<Map<String, Value>>, Vec<String>) {
    let mut records = Vec::new();
    let mut markers = Vec::new();
    for (i, rule) in default_common_fields().iter().enumerate() {
        let (marker, value) = clear_value(rule.kind, path, i);
        records.push(nested(&rule.field, &value));
        markers.push(marker);
    }
    // An address in free text that no field names.
    let free = format!("qz{path}freetext");
    let mut note = Map::new();
    note.insert("note".into(), json!(format!("forwarded to {free}@clinic.example")));
    records.push(note);
    markers.push(free);
    (records, markers)
}

fn contains_any(haystack: &[u8], markers: &[String]) -> Vec<String> {
    let lower = haystack.to_ascii_lowercase();
    markers
        .iter()
        .filter(|m| {
            let needle = m.as_bytes();
            lower.windows(needle.len()).any(|w| w == needle)
        })
        .cloned()
        .collect()
}

async fn stored(client: &reqwest::Client, base: &str, source: &str) -> usize {
    let page = common::events_page(client, base, &format!("limit=1000&source={source}")).await;
    page["events"].as_array().map_or(0, Vec::len)
}

fn file_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[tokio::test]
async fn no_clear_personal_value_survives_any_ingest_path() {
    let log = CapturedLog::default();
    let _guard = tracing::subscriber::set_default(log.subscriber(tracing::Level::DEBUG));

    let dir = tempfile::tempdir().unwrap();
    let (tcp, udp) = (common::ports::free_port(), common::ports::free_port());
    let mut cfg = config(dir.path());
    // Hundreds of reads follow; the rate limit is not what is tested here.
    cfg.limits.requests_per_second = 0;
    let json_source = |name: &str, transport| SourceConfig {
        name: name.into(),
        transport,
        decoder: Decoder::Json(JsonMapping::new(Domain::Cyber)),
        site: None,
        timezone: None,
    };
    cfg.sources.push(json_source("web-src", Transport::Http));
    cfg.sources.push(json_source("tcp-src", Transport::SyslogTcp { listen: format!("127.0.0.1:{tcp}") }));
    cfg.sources.push(json_source("udp-src", Transport::SyslogUdp { listen: format!("127.0.0.1:{udp}") }));
    let mqtt = std::env::var("SAFECARE_TEST_MQTT_URL").ok();
    let site = format!("pd{}", std::process::id());
    if let Some(url) = &mqtt {
        cfg.sources.push(mqtt_doors("mqtt-src", url, &site));
    } else {
        println!("MQTT path not run: SAFECARE_TEST_MQTT_URL is not set");
    }
    let (server, client) = start_with_admin(cfg).await;
    let base = server.url();
    let mut markers = Vec::new();
    let mut expected = Vec::new();

    // 1. POST /api/v1/events, the message repeating the value.
    let (recs, marks) = records(1);
    let body: String = recs
        .iter()
        .map(|fields| {
            let message = format!("seen {}", serde_json::to_string(fields).unwrap());
            format!("{}\n", json!({"domain": "cyber", "source": "api-src", "message": message, "fields": fields}))
        })
        .collect();
    common::post_ndjson(&client, &base, body).await;
    expected.push(("api-src", recs.len()));
    markers.extend(marks);

    // The demo attack, as `safecare demo` posts it.
    common::post_ndjson(&client, &base, common::attack_events(usize::MAX)).await;
    markers.extend(["jean.martin".to_owned(), "0004711".to_owned()]);

    // 2. An HTTP source.
    let (recs, marks) = records(2);
    let body: String = recs.iter().map(|r| format!("{}\n", Value::Object(r.clone()))).collect();
    let sent = client
        .post(format!("{base}/api/v1/sources/web-src/events"))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202, "{}", sent.text().await.unwrap());
    expected.push(("web-src", recs.len()));
    markers.extend(marks);

    // 3. Syslog over TCP.
    let (recs, marks) = records(3);
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", tcp)).await.unwrap();
    for r in &recs {
        stream.write_all(format!("{}\n", Value::Object(r.clone())).as_bytes()).await.unwrap();
    }
    stream.shutdown().await.unwrap();
    expected.push(("tcp-src", recs.len()));
    markers.extend(marks);

    // 4. Syslog over UDP.
    let (recs, marks) = records(4);
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for r in &recs {
        socket.send_to(Value::Object(r.clone()).to_string().as_bytes(), ("127.0.0.1", udp)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    expected.push(("udp-src", recs.len()));
    markers.extend(marks);

    // 5. MQTT, as access-control messages carrying the field.
    if let Some(url) = &mqtt {
        tokio::time::sleep(Duration::from_millis(800)).await;
        let host_port = url.trim_start_matches("mqtt://").trim_end_matches('/');
        let (host, port) = host_port.rsplit_once(':').map_or((host_port, 1883), |(h, p)| (h, p.parse().unwrap()));
        let (publisher, mut publoop) =
            rumqttc::AsyncClient::new(rumqttc::MqttOptions::new(format!("pub-{site}"), host, port), 512);
        tokio::spawn(async move { while publoop.poll().await.is_ok() {} });
        let (recs, marks) = records(5);
        for r in &recs {
            let mut payload = r.clone();
            payload.insert("action".into(), json!("granted"));
            payload.insert("door".into(), json!("D-1"));
            let topic = format!("safecare/{site}/physical/access_control/ctrl-1");
            publisher
                .publish(topic, rumqttc::QoS::AtLeastOnce, false, Value::Object(payload).to_string().into_bytes())
                .await
                .unwrap();
        }
        expected.push(("mqtt-src", recs.len()));
        markers.extend(marks);
    }

    for (source, n) in &expected {
        let mut got = 0;
        for _ in 0..100 {
            got = stored(&client, &base, source).await;
            if got >= *n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(got, *n, "events of {source} stored");
    }

    // Every read route an analyst or an export uses.
    let mut answers = Vec::new();
    let page: Value =
        client.get(format!("{base}/api/v1/events?limit=1000")).send().await.unwrap().json().await.unwrap();
    for event in page["events"].as_array().unwrap() {
        let id = event["id"].as_str().unwrap();
        answers.push(client.get(format!("{base}/api/v1/events/{id}")).send().await.unwrap().bytes().await.unwrap());
    }
    for path in [
        "/api/v1/events?limit=1000",
        "/api/v1/events/export",
        "/api/v1/alerts",
        "/api/v1/incidents",
        "/api/v1/sources",
        "/api/v1/audit",
        "/events",
    ] {
        answers.push(client.get(format!("{base}{path}")).send().await.unwrap().bytes().await.unwrap());
    }
    for marker in &markers {
        let found: Value =
            client.get(format!("{base}/api/v1/events?q={marker}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["events"].as_array().map(Vec::len), Some(0), "q={marker} finds an event");
    }
    for answer in &answers {
        let left = contains_any(answer, &markers);
        assert!(left.is_empty(), "clear values {left:?} in an API answer");
    }
    for (name, bytes) in file_bytes(dir.path()) {
        let left = contains_any(&bytes, &markers);
        assert!(left.is_empty(), "clear values {left:?} in {name} while running");
    }
    server.stop().await.unwrap();
    for (name, bytes) in file_bytes(dir.path()) {
        let left = contains_any(&bytes, &markers);
        assert!(left.is_empty(), "clear values {left:?} in {name}");
    }
    let log = log.text();
    let leaking: Vec<&str> = log.lines().filter(|l| !contains_any(l.as_bytes(), &markers).is_empty()).collect();
    assert!(leaking.is_empty(), "clear values in the log: {:?}", &leaking[..leaking.len().min(5)]);
}
