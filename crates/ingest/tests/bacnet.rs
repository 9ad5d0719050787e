//! The BACnet/IP poller against a small BACnet device of the test's own (a
//! UDP socket that reads ReadProperty requests at the offsets ASHRAE 135
//! puts them and answers with hand-laid complex ACKs, errors and junk, not
//! with the poller's codec): present-values become environment readings, a
//! set-point changed on the device becomes one `setpoint_change`, an error
//! answer and a junk answer are counted for their point, and a device that
//! is silent or gone is counted without stopping the poller.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/events.rs"]
mod events;

use events::{WAIT, next};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use safecare_ingest::SourceStats;
use safecare_ingest::decode::{Context, Decoder};
use safecare_ingest::listen::{BacnetConfig, BacnetObject, BacnetPoint, BacnetPoller, Pipeline, PointKind};
use safecare_model::Event;
use serde_json::json;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::timeout;

/// What the device answers for an (object type, instance).
#[derive(Clone, Copy)]
enum Held {
    Real(f32),
    Enumerated(u8),
    Junk,
}

type Objects = Arc<Mutex<HashMap<(u16, u32), Held>>>;

/// A BVLC original-unicast datagram around an NPDU (no addresses) and `apdu`.
fn datagram(apdu: &[u8]) -> Vec<u8> {
    let len = (6 + apdu.len()) as u16;
    [&[0x81, 0x0A][..], &len.to_be_bytes(), &[0x01, 0x00], apdu].concat()
}

async fn device(objects: Objects) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let (n, peer) = socket.recv_from(&mut buf).await.unwrap();
            let request = &buf[..n];
            // BVLC (4) + NPDU expecting a reply (2) + confirmed request
            // header (4) + object identifier (5) + property (2).
            assert_eq!(&request[..2], [0x81, 0x0A]);
            assert_eq!(&request[4..6], [0x01, 0x04]);
            assert_eq!((request[6], request[9], request[10]), (0x00, 12, 0x0C), "ReadProperty, object id next");
            assert_eq!(&request[15..17], [0x19, 85], "present-value");
            let invoke = request[8];
            let raw = u32::from_be_bytes(request[11..15].try_into().unwrap());
            let key = ((raw >> 22) as u16, raw & 0x3F_FFFF);
            let held = objects.lock().unwrap().get(&key).copied();
            let mut ack = vec![0x30, invoke, 12, 0x0C];
            ack.extend_from_slice(&raw.to_be_bytes());
            ack.extend_from_slice(&[0x19, 85, 0x3E]);
            let answer = match held {
                Some(Held::Real(v)) => {
                    ack.push(0x44);
                    ack.extend_from_slice(&v.to_be_bytes());
                    ack.push(0x3F);
                    datagram(&ack)
                }
                Some(Held::Enumerated(v)) => {
                    ack.extend_from_slice(&[0x91, v, 0x3F]);
                    datagram(&ack)
                }
                Some(Held::Junk) => b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
                // BACnet-Error: class object (1), code unknown-object (31).
                None => datagram(&[0x50, invoke, 12, 0x91, 1, 0x91, 31]),
            };
            socket.send_to(&answer, peer).await.unwrap();
        }
    });
    addr
}

fn point(name: &str, object: BacnetObject, instance: u32, kind: PointKind) -> BacnetPoint {
    BacnetPoint { name: name.into(), object, instance, kind, scale: 1.0, offset: 0.0 }
}

fn poll(device: SocketAddr, points: Vec<BacnetPoint>) -> (mpsc::Receiver<Event>, SourceStats) {
    let config = BacnetConfig { device: device.to_string(), interval_seconds: 0.1, timeout_seconds: 0.3, points };
    let (tx, rx) = mpsc::channel(64);
    let pipe = Pipeline::new(
        Decoder::Physical { sensors: Default::default() },
        Context::new("bms-bacnet").with_site("hq"),
        tx,
    );
    let stats = pipe.stats().clone();
    tokio::spawn(BacnetPoller::new(&config).unwrap().run(pipe));
    (rx, stats)
}

async fn counted(stats: &SourceStats, kind: &str) -> safecare_ingest::SourceHealth {
    timeout(WAIT, async {
        loop {
            let health = stats.snapshot();
            if health.errors_by_kind.contains_key(kind) {
                return health;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} counted: {:?}", stats.snapshot()))
}

#[tokio::test]
async fn present_values_and_a_changed_setpoint_become_building_events() {
    let objects: Objects = Arc::new(Mutex::new(HashMap::from([
        ((2, 1), Held::Real(19.0)),
        ((0, 2), Held::Real(21.5)),
        ((5, 3), Held::Enumerated(1)),
        ((0, 7), Held::Junk),
    ])));
    let addr = device(objects.clone()).await;
    let (mut rx, stats) = poll(
        addr,
        vec![
            point("AHU-OT.SAT", BacnetObject::AnalogValue, 1, PointKind::Setpoint),
            point("OT1.TEMP", BacnetObject::AnalogInput, 2, PointKind::Temperature),
            point("AHU-OT.ENABLE", BacnetObject::BinaryValue, 3, PointKind::Setpoint),
            point("OT1.GHOST", BacnetObject::AnalogInput, 99, PointKind::Temperature),
            point("OT1.RH", BacnetObject::AnalogInput, 7, PointKind::Humidity),
        ],
    );
    let reading = next(&mut rx, "environment").await;
    assert_eq!(reading.field("value"), Some(&json!(21.5)));
    assert_eq!(reading.field("point"), Some(&json!("OT1.TEMP")));
    assert_eq!(reading.field("safecare.peer"), Some(&json!("127.0.0.1")));

    // The second poll's reading: the first poll has read every point.
    next(&mut rx, "environment").await;
    objects.lock().unwrap().insert((2, 1), Held::Real(28.0));
    objects.lock().unwrap().insert((5, 3), Held::Enumerated(0));
    let mut changes = Vec::new();
    while changes.len() < 2 {
        let change = next(&mut rx, "bms").await;
        changes.push((
            change.field("point").cloned(),
            change.field("old_value").cloned(),
            change.field("new_value").cloned(),
        ));
    }
    changes.sort_by_key(|c| format!("{c:?}"));
    assert_eq!(
        changes,
        [
            (Some(json!("AHU-OT.ENABLE")), Some(json!(1.0)), Some(json!(0.0))),
            (Some(json!("AHU-OT.SAT")), Some(json!(19.0)), Some(json!(28.0))),
        ]
    );
    let health = counted(&stats, "bacnet_error").await;
    assert_eq!(health.connections, 1, "reachable once, and it stayed so");
    let health = counted(&stats, "bacnet_bvlc").await;
    assert!(!health.errors_by_kind.contains_key("bacnet_timeout"), "{health:?}");
    assert_eq!(health.errors_by_kind.len(), 2, "only the unknown object and the junk answer fail: {health:?}");
}

#[tokio::test]
async fn an_error_answer_names_its_point_class_and_code() {
    let objects: Objects = Arc::new(Mutex::new(HashMap::new()));
    let addr = device(objects).await;
    let (_rx, stats) = poll(addr, vec![point("OT1.GHOST", BacnetObject::AnalogInput, 99, PointKind::Temperature)]);
    let health = counted(&stats, "bacnet_error").await;
    assert_eq!(health.last_error.unwrap().message, "OT1.GHOST: error class 1 code 31");
    assert_eq!(health.events, 0);
}

#[tokio::test]
async fn a_silent_or_absent_device_is_counted_and_polled_again() {
    // Bound but never answering.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (_rx, stats) =
        poll(silent.local_addr().unwrap(), vec![point("A", BacnetObject::AnalogInput, 1, PointKind::Temperature)]);
    let first = counted(&stats, "bacnet_timeout").await.errors_by_kind["bacnet_timeout"];
    let again = timeout(WAIT, async {
        loop {
            let n = stats.snapshot().errors_by_kind["bacnet_timeout"];
            if n > first {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the next poll tries again");
    assert!(again > first);

    // Nothing bound at all: the port refuses the datagram.
    let gone = UdpSocket::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let (_rx, stats) = poll(gone, vec![point("A", BacnetObject::AnalogInput, 1, PointKind::Temperature)]);
    let health = counted(&stats, "bacnet_unreachable").await;
    assert_eq!((health.events, health.connections), (0, 0));
}

#[tokio::test]
async fn a_bacnet_source_takes_its_own_keys_and_the_physical_decoder() {
    use safecare_ingest::listen::TcpLimits;
    use safecare_ingest::{SourceConfig, Transport};
    let entry = json!({"name": "bms-bacnet", "type": "bacnet", "device": "127.0.0.1:47808",
        "points": [{"name": "AHU-OT.SAT", "object": "analog_value", "instance": 1, "kind": "setpoint"}],
        "decoder": {"parser": "physical"}});
    let source: SourceConfig = serde_json::from_value(entry.clone()).unwrap();
    let Transport::Bacnet(bacnet) = &source.transport else { panic!("{source:?}") };
    assert_eq!((bacnet.interval_seconds, bacnet.timeout_seconds, bacnet.points[0].scale), (10.0, 3.0, 1.0));
    let mut typo = entry.clone();
    typo["points"][0]["instanse"] = json!(1);
    assert!(serde_json::from_value::<SourceConfig>(typo).unwrap_err().to_string().contains("instanse"));
    let mut wrong = entry;
    wrong["decoder"] = json!({"parser": "dicom"});
    let wrong: SourceConfig = serde_json::from_value(wrong).unwrap();
    let (tx, _rx) = mpsc::channel(1);
    let pipe = Pipeline::new(Decoder::Dicom, Context::new("bms-bacnet"), tx);
    let err = wrong.listen(pipe, TcpLimits::default()).await.err().unwrap().to_string();
    assert!(err.contains("parser = \"physical\""), "{err}");
}
