//! The `idmef` decoder refuses what the official IDMEFv2 schema refuses and
//! takes what it accepts: a valid alert from another detector, SafeCare's
//! own, and each of them broken one way at a time, judged by the decoder
//! and by the `jsonschema` crate over the draft's schema (`idmefv2/` under
//! `SAFECARE_SAMPLES_DIR`; skipped when unset). The one known leniency,
//! category names off the draft's list but in its `Class.Subclass` form, is
//! not among the cases (see the decoder's docs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_ingest::Context;
use safecare_ingest::decode::idmef::decode;
use safecare_model::{Alert, AlertNode, Severity};
use serde_json::{Value, json};

fn peer() -> Value {
    json!({
        "Version": "2.D.V08", "ID": "09db946e-673e-49af-b4b2-a8cd9da58de6",
        "CreateTime": "2026-01-05T10:01:00Z", "StartTime": "2026-01-05T10:00:00+01:00",
        "Description": "Unauthorized access to server room", "Priority": "High", "Confidence": 0.8,
        "Type": ["Physical"], "Category": ["Access.Unauthorized"], "Status": ["Open"], "Cause": "Malicious",
        "CorrelID": ["8e2c1ad0-1c51-4b7e-9a3e-0d5d0e0c2f11"],
        "Analyzer": {"IP": "10.2.0.5", "Name": "psim-01", "Model": "PSIM 3", "Category": ["PHY.ACCESS-CTRL"],
                     "GeoLocation": "+48.8566, +2.3522, +35", "UnLocation": "FR PAR"},
        "Sensor": [{"Name": "reader-srv", "IP": "fe80::1", "CaptureZone": "door", "GeoLocation": "48.8566,2.3522"}],
        "Source": [{"ID": "7d2e0a70-ac9f-4e30-9f5d-4c6a8b0e2f34", "User": "tok-1", "Port": [443],
                    "Location": "hq/main/0/lobby", "Attachment": ["clip1"]}],
        "Target": [{"ID": "8e2c1ad0-1c51-4b7e-9a3e-0d5d0e0c2f11", "Location": "hq/main/-1/it/srv", "Service": "door",
                    "GeoLocation": "-1.5, 2", "UnLocation": "FRPAR", "Attachment": ["clip1", "log2"]}],
        "Attachment": [
            {"Name": "clip1", "ContentType": "video/mp4", "Size": 1024, "Content": "AAAA", "ContentEncoding": "base64",
             "Hash": ["sha256:00ff"], "ExternalURI": ["https://nvr.hospital.example/clips/1"], "FileName": "door.mp4"},
            {"Name": "log2", "ContentType": "text/plain; charset=utf-8", "Content": "door forced",
             "Ref": ["urn:ietf:rfc:9110"], "Note": "controller log"}
        ]
    })
}

fn own() -> Value {
    let mut alert = Alert::new("Ransomware note on PACS", Severity::Critical);
    alert.category.push("ransomware".into());
    alert.target.push(AlertNode {
        hostname: Some("pacs-01".into()),
        ip: Some("10.20.0.21".into()),
        ..Default::default()
    });
    alert.source.push(AlertNode { user: Some("tok-9".into()), ..Default::default() });
    alert.safecare.rule = Some("hospital-ransomware-note".into());
    serde_json::to_value(&alert).unwrap()
}

/// Each case: a path into the document and the value put there (`null`
/// removes the key).
fn mutations() -> Vec<(&'static str, Value)> {
    vec![
        ("Version", Value::Null),
        ("Version", json!("2.0.3")),
        ("ID", Value::Null),
        ("ID", json!("not-a-uuid")),
        ("CreateTime", Value::Null),
        ("CreateTime", json!("yesterday")),
        ("Analyzer", Value::Null),
        ("Analyzer/Name", Value::Null),
        ("Analyzer/Type", json!("Physical")),
        ("Analyzer/IP", json!("10.2.0.500")),
        ("CeaseTime", json!("2026-01-05T10:02:00Z")),
        ("SafeCare", json!({"severity": "high"})),
        ("Priority", json!("Critical")),
        ("Cause", json!("Natural")),
        ("Status", json!("Event")),
        ("Status", json!(["Pending"])),
        ("Type", json!(["Combined", "Medical"])),
        ("Category", json!(["ransomware"])),
        ("Confidence", json!(1.5)),
        ("Description", json!(42)),
        ("Target/0/ID", Value::Null),
        ("Target/0/User", json!(7)),
        ("Target/0/Protocol", json!(["tcp"])),
        ("Source/0/Port", json!(["443"])),
        ("Sensor/0/Name", Value::Null),
        ("Sensor/0/User", json!("tok-1")),
        ("Attachment/0/Name", json!("clip 1")),
        ("Attachment/0/Content", json!(12)),
        ("CorrelID", json!(["x"])),
        ("Note", json!("a note")),
        ("EndTime", json!("2026-01-05T10:05:00Z")),
        ("AltNames", json!(["door-forced"])),
        ("Analyzer/GeoLocation", json!("48°51'N 2°21'E")),
        ("Analyzer/GeoLocation", json!("+48.8566")),
        ("Analyzer/GeoLocation", json!("+48.8566,  +2.3522")),
        ("Analyzer/UnLocation", json!("Paris")),
        ("Sensor/0/GeoLocation", json!("48.8566;2.3522")),
        ("Target/0/GeoLocation", json!("+48.8566, +2.3522, +35.0")),
        ("Target/0/UnLocation", json!("fr par")),
        ("Target/0/Attachment", json!(["clip 1"])),
        ("Source/0/Attachment", json!("clip1")),
        ("Source/0/GeoLocation", json!("12.5,-3.")),
        ("Attachment/0/ContentType", json!("video")),
        ("Attachment/0/ContentType", json!("video/mp4 ")),
        ("Attachment/0/ContentType", json!("text/plain ; charset=\"utf-8\"")),
        ("Attachment/0/Hash", json!(["sha256:0"])),
        ("Attachment/0/Hash", json!(["sha-256:ABCDEF"])),
        ("Attachment/0/Hash", json!(["sha 256:00"])),
        ("Attachment/0/ExternalURI", json!(["not a uri"])),
        ("Attachment/0/ExternalURI", json!(["clips/1"])),
        ("Attachment/0/ExternalURI", json!(["magnet:?xt=urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C"])),
        ("Attachment/1/Ref", json!(["http://x/%zz"])),
        ("Attachment/0/Size", json!("1024")),
        ("Ref", json!(["https://cve.example/CVE-2026-0001"])),
        ("Ref", json!(["see the wiki"])),
    ]
}

fn mutate(doc: &Value, path: &str, value: &Value) -> Option<Value> {
    let mut doc = doc.clone();
    let (parent, key) = path.rsplit_once('/').map_or(("", path), |(p, k)| (p, k));
    let mut at = &mut doc;
    for part in parent.split('/').filter(|p| !p.is_empty()) {
        at = match part.parse::<usize>() {
            Ok(i) => at.get_mut(i)?,
            Err(_) => at.get_mut(part)?,
        };
    }
    let object = at.as_object_mut()?;
    if value.is_null() {
        object.remove(key);
    } else {
        object.insert(key.to_owned(), value.clone());
    }
    Some(doc)
}

mod shared_data;
use shared_data::samples_dir;

#[test]
fn the_decoder_refuses_exactly_what_the_official_schema_refuses() {
    let Some(dir) = samples_dir("IDMEFv2 schema agreement") else { return };
    let path = dir.join("idmefv2/IDMEFv2-2.D.V08.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let ctx = Context::new("peer");
    let (mut checked, mut refused) = (0, 0);
    for (name, base) in [("peer", peer()), ("own", own())] {
        assert!(
            validator.is_valid(&base),
            "{name}: {:?}",
            validator.iter_errors(&base).map(|e| e.to_string()).collect::<Vec<_>>()
        );
        assert!(decode(&serde_json::to_vec(&base).unwrap(), &ctx).is_ok(), "{name}");
        for (path, value) in mutations() {
            let Some(doc) = mutate(&base, path, &value) else { continue };
            let by_schema = validator.is_valid(&doc);
            let by_decoder = decode(&serde_json::to_vec(&doc).unwrap(), &ctx);
            assert_eq!(by_decoder.is_ok(), by_schema, "{name} with {path} = {value}: decoder says {by_decoder:?}");
            checked += 1;
            refused += usize::from(!by_schema);
        }
    }
    println!("{checked} documents, {refused} refused by both");
    assert!(refused >= 40, "{refused}");
}
