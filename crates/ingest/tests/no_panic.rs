//! Property tests: arbitrary input never panics a decoder; it decodes or
//! gives an error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use safecare_ingest::decode::bacnet_ip::parse_answer;
use safecare_ingest::decode::dimse::{CommandSet, response};
use safecare_ingest::decode::sensor_map::SensorMap;
use safecare_ingest::decode::{Context, Decoder, physical};

fn decoders() -> Vec<Decoder> {
    vec![
        Decoder::Syslog,
        Decoder::Cef,
        Decoder::Eve,
        Decoder::Zeek { log: Some("conn".into()) },
        Decoder::Windows,
        Decoder::Idmef,
        Decoder::Dicom,
        Decoder::Json(serde_json::from_str(r#"{"domain":"cyber","time":"t","severity":"s","message":"m"}"#).unwrap()),
    ]
}

fn sensor_map() -> SensorMap {
    serde_json::from_str(r##"{"rules":[{"topic":"#","time_field":"ts","measurements":{"t":"temperature"},"limits":{"temperature":{"max":8}}}]}"##)
        .unwrap()
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let ctx = Context::new("fuzz");
        for decoder in decoders() {
            let _ = decoder.decode(&bytes, None, &ctx);
        }
        let _ = physical::decode("safecare/hq/physical/access/x", &bytes, &ctx);
        let _ = sensor_map().decode("a/b", &bytes, &ctx);
        let _ = parse_answer(&bytes);
        if let Ok(command) = CommandSet::parse(&bytes) {
            prop_assert!(CommandSet::parse(&response(&command, 0)).is_ok());
        }
    }

    #[test]
    fn protocol_shaped_binary_never_panics(body in proptest::collection::vec(any::<u8>(), 0..64), control in any::<u8>(), pdu in any::<u8>()) {
        // A BVLC header whose length is right, so the NPDU and APDU readers are reached.
        let mut datagram = vec![0x81, 0x0A, 0, 0, 0x01, control, pdu];
        datagram.extend_from_slice(&body);
        let len = u16::try_from(datagram.len()).unwrap().to_be_bytes();
        datagram[2..4].copy_from_slice(&len);
        let _ = parse_answer(&datagram);
        // Group-0000 elements of random lengths and values.
        let mut command = vec![0, 0, pdu, control];
        command.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
        command.extend_from_slice(&body);
        let _ = CommandSet::parse(&command);
    }

    #[test]
    fn syslog_and_cef_shaped_text_never_panics(pri in 0u16..300, body in "\\PC{0,200}") {
        let ctx = Context::new("fuzz");
        for line in [format!("<{pri}>{body}"), format!("<{pri}>1 {body}"), format!("CEF:0|{body}"), format!("<{pri}>Jan  1 00:00:00 h CEF:{body}")] {
            let _ = Decoder::Syslog.decode(line.as_bytes(), None, &ctx);
            let _ = Decoder::Cef.decode(line.as_bytes(), None, &ctx);
        }
    }

    #[test]
    fn json_shaped_records_never_panic(
        key in "[A-Za-z_.@#]{1,12}",
        value in prop_oneof![any::<f64>().prop_map(|f| serde_json::json!(f)), "\\PC{0,40}".prop_map(|s| serde_json::json!(s)), any::<i64>().prop_map(|i| serde_json::json!(i))],
        topic in "[a-z/+#]{0,40}",
    ) {
        let ctx = Context::new("fuzz");
        let mut record = serde_json::json!({"timestamp": value, "ts": value, "event_type": "alert", "EventID": value,
            "TimeCreated": value, "Version": "2.0", "ID": "x", "CreateTime": value, "event": value, "t": value,
            "action": value, "analytic": value, "alarm": value, "state": value, "metric": "temperature", "value": value,
            "equipment": value, "location": value});
        record[key.as_str()] = value.clone();
        let bytes = serde_json::to_vec(&record).unwrap();
        for decoder in decoders() {
            let _ = decoder.decode(&bytes, None, &ctx);
        }
        for kind in ["access_control", "video_analytics", "fire_alarm", "water_leak", "environment", "bms", "intrusion", "panic", "access", "video", "fire"] {
            let _ = physical::decode(&format!("safecare/hq/building/{kind}/d"), &bytes, &ctx);
        }
        let _ = physical::decode(&topic, &bytes, &ctx);
        let _ = sensor_map().decode(&topic, &bytes, &ctx);
    }
}
