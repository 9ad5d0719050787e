//! HL7 v2 over MLLP through the whole server: the `AA` comes only once the
//! message's event is stored (it is readable over the API the moment the
//! acknowledgement arrives), and neither the patient's nor the clinician's
//! name or identifier, nor the date of birth or address the message
//! carried, is anywhere in the data directory afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{config, events_page, start_with_admin};
use safecare_ingest::decode::Decoder;
use safecare_server::{SourceConfig, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Values that must not survive in clear, lower case.
const CLEAR: [&str; 6] = ["zzyzxova", "quentinella", "mrn-77731", "xylophonius", "npi-5550123", "quixote lane"];

fn message(control_id: &str) -> String {
    format!(
        "MSH|^~\\&|PUMP-GW|ICU|SAFECARE|SOC|20261205101500||ORU^R01^ORU_R01|{control_id}|P|2.5.1\r\
         PID|1||MRN-77731^^^HQ^MR||Zzyzxova^Quentinella||19450203|F|||12 Quixote Lane^^Springfield\r\
         ORC|RE|||||||||||NPI-5550123^Xylophonius^Max\r\
         OBX|1|NM|8867-4^Heart rate^LN||72|/min|60-100|N|||F|||||||PUMP-07\r"
    )
}

async fn exchange(conn: &mut TcpStream, message: &str) -> String {
    conn.write_all(format!("\x0b{message}\x1c\r").as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while !answer.ends_with(b"\x1c\r") {
            let mut buf = [0u8; 1024];
            let n = conn.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the acknowledgement");
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("no acknowledgement");
    String::from_utf8(answer).unwrap()
}

fn found_in(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        if !entry.path().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap().to_ascii_lowercase();
        for clear in CLEAR {
            if bytes.windows(clear.len()).any(|w| w == clear.as_bytes()) {
                found.push(format!("{clear} in {}", entry.file_name().to_string_lossy()));
            }
        }
    }
    found
}

#[tokio::test]
async fn an_acknowledged_hl7_message_is_stored_and_keeps_no_person_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::ports::free_port();
    let mut cfg = config(dir.path());
    cfg.sources.push(SourceConfig {
        name: "icu-mllp".into(),
        transport: Transport::Mllp { listen: format!("127.0.0.1:{port}") },
        decoder: Decoder::Hl7,
        site: Some("hq".into()),
        timezone: None,
    });
    let (server, client) = start_with_admin(cfg).await;
    let base = server.url();
    let mut conn = TcpStream::connect(("127.0.0.1", port)).await.unwrap();

    for n in 1..=3 {
        let id = format!("ICU-{n}");
        let ack = exchange(&mut conn, &message(&id)).await;
        assert!(ack.contains(&format!("\rMSA|AA|{id}")), "{ack:?}");
        // Stored before the acknowledgement: no waiting here.
        let page = events_page(&client, &base, "source=icu-mllp&limit=100").await;
        let events = page["events"].as_array().unwrap();
        assert_eq!(events.len(), n, "acknowledged {id} but {} stored", events.len());
    }

    let page = events_page(&client, &base, "source=icu-mllp&limit=1").await;
    let event = &page["events"][0];
    assert_eq!(event["domain"], "medical");
    assert_eq!(event["fields"]["hl7.device"], "PUMP-07");
    for field in ["patient_id", "patient_name", "staff_id", "staff_name"] {
        let value = event["fields"][field].as_str().unwrap_or_else(|| panic!("{field} missing: {event:#}"));
        assert!(!CLEAR.iter().any(|c| value.to_ascii_lowercase().contains(c)), "{field} = {value}");
    }
    let text = event.to_string().to_ascii_lowercase();
    assert!(!CLEAR.iter().any(|c| text.contains(c)) && !text.contains("19450203"), "{event:#}");

    drop(conn);
    server.stop().await.unwrap();
    let found = found_in(dir.path());
    assert!(found.is_empty(), "clear personal values on disk: {found:?}");
}
