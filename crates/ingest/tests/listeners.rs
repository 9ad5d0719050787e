//! Listener tests on loopback, ephemeral ports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use safecare_ingest::Intake;
use safecare_ingest::SourceStats;
use safecare_ingest::decode::{Context, Decoder};
use safecare_ingest::listen::{MqttConfig, MqttSubscriber, Pipeline, Queued, TcpSource, UdpSyslog, tls_acceptor};
use safecare_ingest::resolve::{AssetIndex, IdentifierKind, Resolved, UNKNOWN_DEVICE_FIELD};
use safecare_model::{Event, Location};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

/// Errors on other connections are counted by their own tasks; wait for one.
async fn error_count(stats: &SourceStats, kind: &str) -> u64 {
    let _ = timeout(WAIT, async {
        while !stats.snapshot().errors_by_kind.contains_key(kind) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    stats.snapshot().errors_by_kind.get(kind).copied().unwrap_or(0)
}

async fn recv(rx: &mut mpsc::Receiver<Event>) -> Event {
    timeout(WAIT, rx.recv()).await.expect("timed out waiting for an event").expect("channel closed")
}

#[tokio::test]
async fn udp_bad_datagrams_are_counted_and_good_ones_flow() {
    let (tx, mut rx) = mpsc::channel(16);
    let pipe = Pipeline::new(Decoder::Syslog, Context::new("syslog-udp"), tx);
    let stats = pipe.stats().clone();
    let listener = UdpSyslog::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.run(pipe));

    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.send_to(b"garbage without priority", addr).await.unwrap();
    client.send_to(b"<13>\xFF\xFE bad bytes", addr).await.unwrap();
    client.send_to(b"<34>1 2026-01-05T10:00:00Z host app - - - hello over udp", addr).await.unwrap();
    let event = recv(&mut rx).await;
    assert_eq!(event.message, "hello over udp");
    assert_eq!(event.source, "syslog-udp");
    assert_eq!(event.fields["safecare.peer"], "127.0.0.1");
    let health = stats.snapshot();
    assert_eq!(health.events, 1);
    assert_eq!(health.errors_by_kind.get("missing_pri"), Some(&1));
    assert_eq!(health.errors_by_kind.get("invalid_utf8"), Some(&1));
}

#[tokio::test]
async fn tcp_both_framings_resolution_and_recovery() {
    let (tx, mut rx) = mpsc::channel(16);
    let mut index = AssetIndex::new();
    let location = Location { site: Some("hq".into()), room: Some("dc".into()), ..Default::default() };
    index.insert(IdentifierKind::Hostname, "pacs-01", Resolved { asset: "srv-pacs-01".into(), location }).unwrap();
    let pipe = Pipeline::new(Decoder::Syslog, Context::new("syslog-tcp"), tx).with_assets(Arc::new(index));
    let stats = pipe.stats().clone();
    let listener = TcpSource::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.run(pipe));

    let mut conn = TcpStream::connect(addr).await.unwrap();
    let counted = "<13>1 2026-01-05T10:00:00Z pacs-01.hq.local app - - - counted\nwith newline";
    conn.write_all(format!("{} {counted}", counted.len()).as_bytes()).await.unwrap();
    conn.write_all(b"not syslog\n<13>Jan  5 10:00:00 rogue-host app: newline framed\n").await.unwrap();
    conn.flush().await.unwrap();

    let first = recv(&mut rx).await;
    assert_eq!(first.message, "counted\nwith newline");
    assert_eq!(first.asset.as_deref(), Some("srv-pacs-01"));
    assert_eq!(first.location.room.as_deref(), Some("dc"));
    let second = recv(&mut rx).await;
    assert_eq!(second.message, "newline framed");
    assert_eq!(second.asset, None);
    assert_eq!(second.fields[UNKNOWN_DEVICE_FIELD], true);

    // A broken octet count ends that connection only; a new one works.
    conn.write_all(b"99999999999 <13>x").await.unwrap();
    drop(conn);
    let mut again = TcpStream::connect(addr).await.unwrap();
    again.write_all(b"<13>Jan  5 10:00:01 h app: still listening\n").await.unwrap();
    assert_eq!(recv(&mut rx).await.message, "still listening");
    let health = stats.snapshot();
    assert_eq!(health.errors_by_kind.get("missing_pri"), Some(&1));
    assert_eq!(health.connections, 2);
    assert_eq!(error_count(&stats, "bad_octet_count").await, 1);
}

#[tokio::test]
async fn tcp_backpressure_delivers_100k_messages() {
    const N: usize = 100_000;
    // A small channel: the sender is slowed down, never dropped.
    let (tx, mut rx) = mpsc::channel(64);
    let pipe = Pipeline::new(Decoder::Syslog, Context::new("syslog-tcp"), tx);
    let listener = TcpSource::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.run(pipe));

    let sender = tokio::spawn(async move {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        let mut batch = Vec::with_capacity(1 << 20);
        for i in 0..N {
            batch.extend_from_slice(format!("<13>Jan  5 10:00:00 host app: message {i}\n").as_bytes());
            if batch.len() > (1 << 20) - 100 {
                conn.write_all(&batch).await.unwrap();
                batch.clear();
            }
        }
        conn.write_all(&batch).await.unwrap();
        conn.shutdown().await.unwrap();
    });
    let mut seen = vec![false; N];
    for _ in 0..N {
        let event = timeout(Duration::from_secs(120), rx.recv()).await.unwrap().unwrap();
        let i: usize = event.message.trim_start_matches("message ").parse().unwrap();
        seen[i] = true;
    }
    sender.await.unwrap();
    assert!(seen.iter().all(|s| *s));
}

#[tokio::test]
async fn tls_syslog_with_octet_counting() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let acceptor = tls_acceptor(cert.cert.pem().as_bytes(), cert.signing_key.serialize_pem().as_bytes()).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let pipe = Pipeline::new(Decoder::Syslog, Context::new("syslog-tls"), tx);
    let stats = pipe.stats().clone();
    let listener = TcpSource::bind("127.0.0.1:0").await.unwrap().with_tls(acceptor);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.run(pipe));

    // A plain-TCP client on the TLS port fails its handshake and is counted.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"<13>Jan  5 10:00:00 h a: not tls\n").await.unwrap();
    drop(plain);

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let server_name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(server_name, tcp).await.unwrap();
    let msg = "<165>1 2026-01-05T10:00:00Z pacs app - - [meta seq=\"1\"] over tls";
    tls.write_all(format!("{} {msg}", msg.len()).as_bytes()).await.unwrap();
    tls.flush().await.unwrap();
    let event = recv(&mut rx).await;
    assert_eq!(event.message, "over tls");
    assert_eq!(event.fields["meta.seq"], "1");
    assert_eq!(error_count(&stats, "tls_handshake").await, 1);
}

/// Waits for the subscriber's connection, then a moment for its
/// subscription (sent right after CONNACK) to reach the broker.
async fn subscribed(stats: &SourceStats) {
    timeout(WAIT, async {
        while stats.snapshot().connections == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("subscriber did not connect to the broker");
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// A publishing client on the test broker, its event loop running.
fn publisher(url: &str, site: &str) -> rumqttc::AsyncClient {
    let host_port = url.trim_start_matches("mqtt://").trim_end_matches('/');
    let (host, port) = host_port.rsplit_once(':').map_or((host_port, 1883), |(h, p)| (h, p.parse().unwrap()));
    let (publisher, mut publoop) =
        rumqttc::AsyncClient::new(rumqttc::MqttOptions::new(format!("pub-{site}"), host, port), 16);
    tokio::spawn(async move { while publoop.poll().await.is_ok() {} });
    publisher
}

#[tokio::test]
async fn mqtt_physical_events_from_the_broker() {
    let Ok(url) = std::env::var("SAFECARE_TEST_MQTT_URL") else {
        println!("SAFECARE_TEST_MQTT_URL is not set: MQTT listener test not run");
        return;
    };
    let site = format!("test{}", std::process::id());
    let mut index = AssetIndex::new();
    index
        .insert(
            IdentifierKind::DeviceId,
            "D-PH-01",
            Resolved {
                asset: "door-pharmacy".into(),
                location: Location { site: Some(site.clone()), zone: Some("pharmacy".into()), ..Default::default() },
            },
        )
        .unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let pipe = Pipeline::new(Decoder::Physical { sensors: Default::default() }, Context::new("mqtt"), tx)
        .with_assets(Arc::new(index));
    let stats = pipe.stats().clone();
    let config =
        MqttConfig::new(url.clone(), format!("safecare-ingest-test-{site}"), vec![format!("safecare/{site}/#")]);
    tokio::spawn(MqttSubscriber::new(&config).unwrap().run(pipe));
    subscribed(&stats).await;
    let publisher = publisher(&url, &site);
    let qos = rumqttc::QoS::AtLeastOnce;
    publisher
        .publish(format!("safecare/{site}/physical/access_control/ctrl-1"), qos, false, b"{not json".to_vec())
        .await
        .unwrap();
    publisher
        .publish(
            format!("safecare/{site}/physical/access_control/ctrl-1"),
            qos,
            false,
            br#"{"action":"forced","door":"D-PH-01","reader":"R1"}"#.to_vec(),
        )
        .await
        .unwrap();
    let event = recv(&mut rx).await;
    assert_eq!(event.asset.as_deref(), Some("door-pharmacy"));
    assert_eq!(event.location.zone.as_deref(), Some("pharmacy"));
    assert_eq!(event.severity, safecare_model::Severity::High);
    assert_eq!(stats.snapshot().errors_by_kind.get("invalid_json"), Some(&1));
}

/// A QoS 1 message is acknowledged to the broker only once the collector
/// completes the barrier sent after its events (they are stored): a
/// subscriber that goes away before that gets the message again from its
/// persistent session, and once acknowledged it is not redelivered.
#[tokio::test]
async fn mqtt_acknowledges_only_after_the_store() {
    let Ok(url) = std::env::var("SAFECARE_TEST_MQTT_URL") else {
        println!("SAFECARE_TEST_MQTT_URL is not set: MQTT acknowledgement test not run");
        return;
    };
    let site = format!("ack{}", std::process::id());
    let config =
        MqttConfig::new(url.clone(), format!("safecare-ingest-ack-{site}"), vec![format!("safecare/{site}/#")]);
    // One subscriber connection: its queue (events and barriers in the
    // order it queued them), its task.
    let connect = || async {
        let (tx, queue) = mpsc::channel(16);
        let intake = Intake::new(Decoder::Physical { sensors: Default::default() }, Context::new("mqtt"));
        let pipe = Pipeline::storing(intake, tx);
        let stats = pipe.stats().clone();
        let task = tokio::spawn(MqttSubscriber::new(&config).unwrap().run(pipe));
        subscribed(&stats).await;
        (queue, task)
    };
    let door = |event: &Event| event.fields["door"].as_str().unwrap_or_default().to_owned();

    let (mut queue, first) = connect().await;
    let publisher = publisher(&url, &site);
    let publish = |door: &str| {
        let payload = format!(r#"{{"action":"forced","door":"{door}","reader":"R1"}}"#);
        let topic = format!("safecare/{site}/physical/access_control/ctrl-1");
        let publisher = publisher.clone();
        async move { publisher.publish(topic, rumqttc::QoS::AtLeastOnce, false, payload).await.unwrap() }
    };

    // Received and queued, but the store is held: the barrier stays open.
    publish("D-1").await;
    assert_eq!(door(&queued_event(&mut queue).await), "D-1");
    let held = queued_barrier(&mut queue).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.abort();
    let _ = first.await;
    drop(held);

    // Not acknowledged: the broker delivers it again; now it is stored.
    let (mut queue, second) = connect().await;
    assert_eq!(door(&queued_event(&mut queue).await), "D-1", "an unacknowledged message must be redelivered");
    queued_barrier(&mut queue).await.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    second.abort();
    let _ = second.await;

    // Acknowledged: the next connection gets only what is new.
    let (mut queue, third) = connect().await;
    publish("D-2").await;
    assert_eq!(door(&queued_event(&mut queue).await), "D-2", "an acknowledged message must not be redelivered");
    queued_barrier(&mut queue).await.send(()).unwrap();

    // Storing failed (the barrier is dropped): not acknowledged, and the
    // subscriber reconnects so that the broker sends it again.
    publish("D-3").await;
    assert_eq!(door(&queued_event(&mut queue).await), "D-3");
    drop(queued_barrier(&mut queue).await);
    publish("D-4").await;
    let again = timeout(WAIT, async {
        loop {
            match queue.recv().await {
                Some(Queued::Barrier(barrier)) => {
                    let _ = barrier.send(());
                }
                Some(Queued::Event(event)) if door(&event) == "D-3" => break,
                Some(Queued::Event(_)) => {}
                None => panic!("the subscriber stopped"),
            }
        }
    })
    .await;
    assert!(again.is_ok(), "a message whose events were not stored must be delivered again");
    third.abort();
}

/// The next thing the subscriber queued, which must be an event.
async fn queued_event(queue: &mut mpsc::Receiver<Queued>) -> Event {
    match timeout(WAIT, queue.recv()).await.expect("nothing queued") {
        Some(Queued::Event(event)) => event,
        Some(Queued::Barrier(_)) => panic!("a barrier came before the message's event"),
        None => panic!("the subscriber stopped"),
    }
}

/// The next thing the subscriber queued, which must be the barrier that
/// follows a message's events.
async fn queued_barrier(queue: &mut mpsc::Receiver<Queued>) -> safecare_ingest::listen::Barrier {
    match timeout(WAIT, queue.recv()).await.expect("no barrier after the message") {
        Some(Queued::Barrier(barrier)) => barrier,
        Some(Queued::Event(_)) => panic!("an event came where the message's barrier was expected"),
        None => panic!("the subscriber stopped"),
    }
}
