//! IDMEFv2 alerts from other detectors, over an HTTP source and over MQTT
//! (the real broker at `SAFECARE_TEST_MQTT_URL`): each becomes an alert
//! with its analyzer, placed on the asset its target names, joins the
//! incident SafeCare opened on that asset and changes the incident's
//! impact; an invalid document is refused with what is wrong and counted;
//! SafeCare's own alert sent back in keeps its data. With
//! `SAFECARE_SAMPLES_DIR` set, every alert the API then lists is checked
//! against the official IDMEFv2 schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{config, get_json, load_demo_hospital, post_ndjson, settled_incidents, start_with_admin};
use safecare_ingest::Decoder;
use safecare_server::{SourceConfig, Transport};
use serde_json::{Value, json};

/// The demo attack's USB step: a disk on the backup server, which SafeCare's
/// own rules turn into a data-exfiltration alert on `srv-backup-01`.
fn usb_on_backup_server() -> String {
    let event = json!({"domain": "cyber", "severity": "low", "time": jiff::Timestamp::now().to_string(),
        "message": "A new external device was recognised by the system", "asset": "srv-backup-01",
        "location": {"site": "hq", "building": "tech", "floor": "1", "zone": "server_room", "room": "1.10"},
        "logsource": {"product": "windows", "service": "security"},
        "fields": {"EventID": 6416, "Channel": "Security", "Computer": "srv-backup-01.hq.local",
                   "ClassName": "DiskDrive", "DeviceDescription": "USB Mass Storage Device"}});
    format!("{event}\n")
}

/// An EDR's ransomware alert about the backup server, named only by its
/// host name and address as the EDR knows them.
fn edr_ransomware_alert(id: &str) -> Value {
    json!({
        "Version": "2.D.V08", "ID": id,
        "CreateTime": jiff::Timestamp::now().to_string(),
        "Description": "Ransomware encryption behaviour on backup-01",
        "Priority": "High", "Type": ["Cyber"], "Category": ["Malware.Ransomware"], "Cause": "Malicious",
        "Status": ["Event"],
        "Analyzer": {"Name": "edr-01", "Model": "EDR 7", "IP": "10.20.0.250",
                     "Category": ["END.EDR"], "Method": ["Behavioral"], "GeoLocation": "+48.8566, +2.3522"},
        "Target": [{"ID": "3f1c2b4a-5d6e-4f70-8a91-b2c3d4e5f607", "Hostname": "backup-01.hq.local", "IP": "10.20.0.90",
                    "GeoLocation": "+48.8570, +2.3530, +35", "Attachment": ["notes", "memory"]}],
        "Attachment": [
            {"Name": "notes", "FileName": "README_DECRYPT.txt", "ContentType": "text/plain; charset=utf-8",
             "Content": "Your files are encrypted.", "Hash": ["sha256:5f2b"]},
            {"Name": "memory", "ContentType": "application/octet-stream", "ContentEncoding": "base64",
             "Content": "QUFB".repeat(4096), "ExternalURI": ["https://edr.hospital.example/dumps/42"]}
        ]
    })
}

fn schema() -> Option<jsonschema::Validator> {
    let dir = std::env::var_os("SAFECARE_SAMPLES_DIR")?;
    let path = std::path::Path::new(&dir).join("idmefv2/IDMEFv2-2.D.V08.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Some(jsonschema::validator_for(&schema).unwrap())
}

/// The one incident on the backup server, its record and its alerts,
/// once every alert is grouped.
async fn backup_incident(client: &reqwest::Client, base: &str) -> (Value, Vec<Value>) {
    let page = settled_incidents(client, base).await;
    let incidents = page["incidents"].as_array().unwrap();
    let on_backup: Vec<&Value> = incidents
        .iter()
        .filter(|i| i["assets"].as_array().is_some_and(|a| a.contains(&json!("srv-backup-01"))))
        .collect();
    assert_eq!(on_backup.len(), 1, "{page:#}");
    let record = get_json(client, format!("{base}/api/v1/incidents/{}", on_backup[0]["id"].as_str().unwrap())).await;
    let alerts = get_json(client, format!("{base}/api/v1/alerts")).await.as_array().unwrap().clone();
    (record, alerts)
}

fn ext(alert: &Value) -> &Value {
    let own = alert["Attachment"].as_array().unwrap().iter().find(|a| a["Name"] == "safecare").unwrap();
    &own["Content"]
}

fn assert_all_valid(alerts: &[Value]) {
    let Some(validator) = schema() else { return };
    for alert in alerts {
        let errors: Vec<String> = validator.iter_errors(alert).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?} in {alert:#}");
    }
}

/// Waits until the source's health has counted `errors` refusals.
async fn health_of(client: &reqwest::Client, base: &str, source: &str, errors: u64) -> Value {
    for _ in 0..100 {
        let health = get_json(client, format!("{base}/api/v1/sources")).await;
        let found = health["listeners"].as_array().unwrap().iter().find(|s| s["source"] == source).cloned();
        if let Some(found) = found.filter(|f| f["errors"].as_u64() >= Some(errors)) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{source} never counted {errors} error(s)");
}

/// SafeCare's own USB alert opens the incident; the EDR's ransomware alert
/// reaches it through `send` and must join it and change its impact.
async fn inbound_alert_joins_and_changes_impact(
    client: &reqwest::Client,
    base: &str,
    send: impl AsyncFnOnce(Value),
) -> (Value, Vec<Value>) {
    post_ndjson(client, base, usb_on_backup_server()).await;
    let (before, _) = backup_incident(client, base).await;
    assert_eq!(before["incident"]["threat"], "data_exfiltration", "{before:#}");
    let impact_before = before["impact"]["report"].clone();
    assert!(impact_before.is_object(), "{before:#}");

    send(edr_ransomware_alert("5b0c8f5e-8a7d-4c1e-9d3b-2a4f6e8c0d12")).await;
    let (after, alerts) = loop_until_joined(client, base).await;
    assert_eq!(after["incident"]["id"], before["incident"]["id"], "joined the incident, not a new one");
    assert_eq!(after["incident"]["threat"], "ransomware", "{after:#}");
    assert_eq!(after["impact"]["report"]["threat"], "ransomware", "{after:#}");
    assert_ne!(after["impact"]["report"], impact_before, "the impact was assessed again");

    let edr = alerts.iter().find(|a| a["Analyzer"]["Name"] == "edr-01").unwrap_or_else(|| panic!("{alerts:#?}"));
    assert_eq!(edr["Analyzer"]["Model"], "EDR 7");
    assert_eq!(edr["Analyzer"]["Category"], json!(["END.EDR"]));
    assert_eq!(edr["Category"], json!(["Malware.Ransomware"]));
    assert_eq!(edr["Priority"], "High");
    assert_eq!(ext(edr)["asset"], "srv-backup-01");
    assert_eq!(ext(edr)["severity"], "high");
    assert_eq!(ext(edr)["threat"], "ransomware");
    assert_eq!(ext(edr)["location"]["room"], "1.10");
    // Its evidence and coordinates are kept and sent on: the small note
    // whole, the memory dump by its size and link.
    assert_eq!(edr["Analyzer"]["GeoLocation"], "+48.8566, +2.3522");
    assert_eq!(edr["Target"][0]["GeoLocation"], "+48.8570, +2.3530, +35");
    assert_eq!(edr["Target"][0]["Attachment"], json!(["notes", "memory"]));
    let attachments = edr["Attachment"].as_array().unwrap();
    assert_eq!(attachments.len(), 3, "{edr:#}");
    assert_eq!(attachments[1]["Name"], "notes");
    assert_eq!(attachments[1]["Content"], "Your files are encrypted.");
    assert_eq!(attachments[1]["FileName"], "README_DECRYPT.txt");
    assert_eq!(attachments[1]["Hash"], json!(["sha256:5f2b"]));
    assert_eq!(attachments[2]["Name"], "memory");
    assert!(attachments[2].get("Content").is_none(), "16 KiB of content is not kept");
    assert_eq!(attachments[2]["Size"], 12288);
    assert_eq!(attachments[2]["ExternalURI"], json!(["https://edr.hospital.example/dumps/42"]));
    assert_all_valid(&alerts);
    (after, alerts)
}

async fn loop_until_joined(client: &reqwest::Client, base: &str) -> (Value, Vec<Value>) {
    for _ in 0..50 {
        let (record, alerts) = backup_incident(client, base).await;
        if record["incident"]["alerts"].as_array().unwrap().len() >= 2 {
            return (record, alerts);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the inbound alert never joined the incident");
}

#[tokio::test]
async fn an_idmef_alert_over_http_joins_the_incident_changes_its_impact_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.sources = serde_json::from_value(json!([
        {"name": "peer-edr", "type": "http", "decoder": {"parser": "idmef"}, "site": "hq"}
    ]))
    .unwrap();
    let (server, client) = start_with_admin(cfg).await;
    load_demo_hospital(&server).await;
    let base = server.url();
    let url = format!("{base}/api/v1/sources/peer-edr/events");
    let post = |doc: Value| {
        let request = client.post(&url).header("content-type", "application/json").body(doc.to_string());
        async move { request.send().await.unwrap() }
    };

    let (_, alerts) = inbound_alert_joins_and_changes_impact(&client, &base, async |doc| {
        assert_eq!(post(doc).await.status(), 202);
    })
    .await;

    // An invalid document: refused with what is wrong, counted by kind.
    let mut bad = edr_ransomware_alert("6c1d9f6f-9b8e-4d2f-8e4c-3b5f7a9d1e23");
    bad["CeaseTime"] = json!("2026-01-01T00:00:00Z");
    let refused = post(bad).await;
    assert_eq!(refused.status(), 400);
    let reply: Value = refused.json().await.unwrap();
    assert_eq!(reply["rejected"], 1);
    assert_eq!(
        reply["errors"][0]["error"], "IDMEFv2: alert has an attribute the schema does not define: CeaseTime",
        "{reply}"
    );
    let mut no_target_id = edr_ransomware_alert("7d2e0a70-ac9f-4e30-9f5d-4c6a8b0e2f34");
    no_target_id["Target"][0].as_object_mut().unwrap().remove("ID");
    let reply: Value = post(no_target_id).await.json().await.unwrap();
    assert_eq!(reply["errors"][0]["error"], "IDMEFv2: alert has no Target[0].ID", "{reply}");
    // A door controller SafeCare's inventory does not know, placed by its
    // source's location: the alert is on the map without an asset.
    let door = json!({
        "Version": "2.D.V08", "ID": "9f4a2c92-ceb1-4a52-b17f-6e8d0a2b4c56",
        "CreateTime": jiff::Timestamp::now().to_string(), "Description": "Door held open at the pharmacy",
        "Priority": "Medium", "Type": ["Physical"], "Category": ["Access.Unauthorized"],
        "Analyzer": {"Name": "pacs-02", "Location": "hq/main/0/lobby"},
        "Source": [{"ID": "0c5a3e6d-7f81-4b92-a3c4-d5e6f7081920", "Location": "hq/main/0/pharmacy/0.12",
                    "GeoLocation": "+48.8567, +2.3524"}]
    });
    assert_eq!(post(door).await.status(), 202);
    let placed = loop {
        let alerts = get_json(&client, format!("{base}/api/v1/alerts")).await;
        if let Some(found) = alerts.as_array().unwrap().iter().find(|a| a["Analyzer"]["Name"] == "pacs-02") {
            break found.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ext(&placed)["location"]["room"], "0.12", "{placed:#}");
    assert!(ext(&placed).get("asset").is_none(), "{placed:#}");
    assert_eq!(placed["Source"][0]["GeoLocation"], "+48.8567, +2.3524");
    assert_all_valid(&[placed]);

    // Coordinates off the schema's pattern are refused like any other error.
    let mut bad_place = edr_ransomware_alert("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    bad_place["Target"][0]["GeoLocation"] = json!("48°51'N 2°21'E");
    let reply: Value = post(bad_place).await.json().await.unwrap();
    assert_eq!(
        reply["errors"][0]["error"], "IDMEFv2: Target[0].GeoLocation must be ISO 6709 coordinates (+48.8566, +2.3522)",
        "{reply}"
    );
    let health = health_of(&client, &base, "peer-edr", 3).await;
    assert_eq!(health["errors_by_kind"]["idmef_unknown_key"], 1, "{health:#}");
    assert_eq!(health["errors_by_kind"]["idmef_missing"], 1, "{health:#}");
    assert_eq!(health["errors_by_kind"]["idmef_invalid"], 1, "{health:#}");
    let metrics = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(r#"safecare_ingest_rejected_total{source="peer-edr",kind="idmef_unknown_key"} 1"#),
        "{metrics}"
    );

    // SafeCare's own alert, sent back in, keeps its data.
    let own = alerts.iter().find(|a| a["Analyzer"]["Name"] == "safecare").unwrap().clone();
    assert_eq!(post(own.clone()).await.status(), 202);
    let mut back = None;
    for _ in 0..100 {
        let alerts = get_json(&client, format!("{base}/api/v1/alerts")).await;
        back = alerts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["ID"] != own["ID"] && a["Description"] == own["Description"])
            .cloned();
        if back.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = back.expect("the returned alert became an alert");
    for key in ["rule", "severity", "threat", "tags", "domains", "asset", "location"] {
        assert_eq!(ext(&back)[key], ext(&own)[key], "{key}");
    }
    for key in ["Category", "AltCategory", "Priority", "Cause", "Analyzer", "Target", "Source", "StartTime", "EndTime"]
    {
        assert_eq!(back[key], own[key], "{key}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_idmef_alert_over_mqtt_joins_the_incident_and_changes_its_impact() {
    let Ok(url) = std::env::var("SAFECARE_TEST_MQTT_URL") else {
        println!("MQTT test not run: SAFECARE_TEST_MQTT_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let topic = format!("idmef{}", std::process::id());
    let mut cfg = config(dir.path());
    cfg.sources.push(SourceConfig {
        name: "peer-mqtt".into(),
        transport: Transport::Mqtt(safecare_ingest::listen::MqttConfig {
            url: url.clone(),
            client_id: format!("safecare-test-{topic}"),
            filters: vec![format!("peers/{topic}/#")],
            username: None,
            password: None,
            ca: None,
            client_cert: None,
            client_key: None,
        }),
        decoder: Decoder::Idmef,
        site: Some("hq".into()),
        timezone: None,
    });
    let (server, client) = start_with_admin(cfg).await;
    load_demo_hospital(&server).await;
    let base = server.url();
    tokio::time::sleep(Duration::from_millis(800)).await;

    let host_port = url.trim_start_matches("mqtt://").trim_end_matches('/');
    let (host, port) = host_port.rsplit_once(':').map_or((host_port, 1883), |(h, p)| (h, p.parse().unwrap()));
    let mut options = rumqttc::MqttOptions::new(format!("pub-{topic}"), host, port);
    // The alert carries a 16 KiB attachment, over rumqttc's 10 KiB default.
    options.set_max_packet_size(64 * 1024, 64 * 1024);
    let (publisher, mut publoop) = rumqttc::AsyncClient::new(options, 16);
    tokio::spawn(async move { while publoop.poll().await.is_ok() {} });
    let publish = |doc: Value| {
        let publisher = publisher.clone();
        let topic = format!("peers/{topic}/edr-01");
        async move { publisher.publish(topic, rumqttc::QoS::AtLeastOnce, false, doc.to_string()).await.unwrap() }
    };

    inbound_alert_joins_and_changes_impact(&client, &base, async |doc| publish(doc).await).await;

    let mut bad = edr_ransomware_alert("8e3f1b81-bda0-4f41-a06e-5d7b9c1f3a45");
    bad["Version"] = json!("2.0.3");
    publish(bad).await;
    let health = health_of(&client, &base, "peer-mqtt", 1).await;
    assert_eq!(health["errors_by_kind"]["idmef_version"], 1, "{health:#}");
    assert_eq!(health["last_error"]["message"], "IDMEFv2: version \"2.0.3\" is not 2.D.V08", "{health:#}");
    server.stop().await.unwrap();
}
