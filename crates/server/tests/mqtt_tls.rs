//! MQTT over mutual TLS against a real broker: a Mosquitto started by the
//! test on a free port, requiring client certificates signed by the test's
//! own CA; both the MQTT listener and the MQTT notification channel. (The
//! shared Mosquitto on 1883 speaks plain MQTT only; a broker of the test's
//! own that refuses any client without a certificate of its CA proves the
//! TLS handshake and the certificate better than a TLS proxy in front of
//! 1883 would.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{config, start_with_admin};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use safecare_ingest::Decoder;
use safecare_ingest::listen::{MqttConfig, tls_client_config};
use safecare_server::{SourceConfig, Transport};
use serde_json::Value;

const MOSQUITTO: &str = "/usr/sbin/mosquitto";

/// The broker process; killed (by its own id) when the test ends, pass or
/// fail.
struct Broker(Child);

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn write(dir: &Path, name: &str, pem: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

/// A CA: its PEM certificate and what signs with it.
fn authority(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

/// A leaf certificate and key signed by `ca`, as PEM.
fn leaf(ca: &Issuer<'_, KeyPair>, name: &str, usage: ExtendedKeyUsagePurpose) -> (String, String) {
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    // OpenSSL (Mosquitto) takes a leaf whose subject equals its issuer's
    // for self-signed, so each gets its own name.
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// Starts Mosquitto with TLS on `port`, client certificates required, and
/// waits until it accepts connections.
async fn start_broker(dir: &Path, port: u16, ca: &Path, cert: &Path, key: &Path) -> Broker {
    // `user root` only matters when the test runs as root: Mosquitto then
    // stays root instead of switching to a `mosquitto` account that may not
    // exist; as anyone else it is ignored.
    let conf = write(
        dir,
        "mosquitto.conf",
        &format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\nrequire_certificate true\n\
             cafile {}\ncertfile {}\nkeyfile {}\npersistence false\nlog_dest stderr\nuser root\n",
            ca.display(),
            cert.display(),
            key.display()
        ),
    );
    let log = std::fs::File::create(dir.join("mosquitto.log")).unwrap();
    let child = Command::new(MOSQUITTO)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("cannot start mosquitto");
    let broker = Broker(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return broker;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mosquitto did not start: {}", std::fs::read_to_string(dir.join("mosquitto.log")).unwrap_or_default());
}

fn mqtt_source(name: &str, port: u16, ca: &Path, identity: (&Path, &Path)) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        transport: Transport::Mqtt(MqttConfig {
            url: format!("mqtts://127.0.0.1:{port}"),
            client_id: format!("safecare-{name}"),
            filters: vec!["safecare/#".into()],
            username: None,
            password: None,
            ca: Some(ca.to_owned()),
            client_cert: Some(identity.0.to_owned()),
            client_key: Some(identity.1.to_owned()),
        }),
        decoder: Decoder::Physical { sensors: Default::default() },
        site: Some("hq".into()),
        timezone: None,
    }
}

async fn listener(client: &reqwest::Client, base: &str, name: &str) -> Value {
    let health: Value = client.get(format!("{base}/api/v1/sources")).send().await.unwrap().json().await.unwrap();
    health["listeners"].as_array().unwrap().iter().find(|l| l["source"] == name).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn events_arrive_over_mutual_tls_and_a_stranger_certificate_is_refused() {
    if !Path::new(MOSQUITTO).exists() {
        println!("mutual TLS MQTT test not run: {MOSQUITTO} is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, ca) = authority("Hospital test CA");
    let ca_file = write(dir.path(), "ca.pem", &ca_pem);
    let (broker_cert, broker_key) = leaf(&ca, "127.0.0.1", ExtendedKeyUsagePurpose::ServerAuth);
    let (safecare_cert, safecare_key) = leaf(&ca, "safecare", ExtendedKeyUsagePurpose::ClientAuth);
    let (sensor_cert, sensor_key) = leaf(&ca, "door-gateway-1", ExtendedKeyUsagePurpose::ClientAuth);
    let (_, rogue_ca) = authority("Rogue CA");
    let (rogue_cert, rogue_key) = leaf(&rogue_ca, "safecare", ExtendedKeyUsagePurpose::ClientAuth);

    let port = common::ports::free_port();
    let _broker = start_broker(
        dir.path(),
        port,
        &ca_file,
        &write(dir.path(), "broker.pem", &broker_cert),
        &write(dir.path(), "broker.key", &broker_key),
    )
    .await;

    let mut cfg = config(dir.path());
    cfg.sources.push(mqtt_source(
        "doors-mtls",
        port,
        &ca_file,
        (&write(dir.path(), "safecare.pem", &safecare_cert), &write(dir.path(), "safecare.key", &safecare_key)),
    ));
    cfg.sources.push(mqtt_source(
        "doors-rogue",
        port,
        &ca_file,
        (&write(dir.path(), "rogue.pem", &rogue_cert), &write(dir.path(), "rogue.key", &rogue_key)),
    ));
    let (server, client) = start_with_admin(cfg).await;
    let base = server.url();

    // SafeCare is subscribed once the broker has accepted its certificate.
    let mut trusted = Value::Null;
    for _ in 0..100 {
        trusted = listener(&client, &base, "doors-mtls").await;
        if trusted["connections"].as_u64() > Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(trusted["connections"], 1, "{trusted}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A sensor publishes over TLS with its own certificate from the same CA.
    let mut options = rumqttc::MqttOptions::new("door-gateway-1", "127.0.0.1", port);
    let sensor_tls =
        tls_client_config(ca_pem.as_bytes(), Some((sensor_cert.as_bytes(), sensor_key.as_bytes()))).unwrap();
    options.set_transport(rumqttc::Transport::Tls(rumqttc::TlsConfiguration::Rustls(sensor_tls)));
    let (publisher, mut publoop) = rumqttc::AsyncClient::new(options, 16);
    let publishing = tokio::spawn(async move { while publoop.poll().await.is_ok() {} });
    publisher
        .publish(
            "safecare/hq/physical/access_control/ctrl-b1",
            rumqttc::QoS::AtLeastOnce,
            false,
            br#"{"action":"forced","door":"D--1.12"}"#.to_vec(),
        )
        .await
        .unwrap();

    let found = common::first_event_of(&client, &base, "doors-mtls").await;
    assert_eq!(found["source"], "doors-mtls", "the event published over TLS is stored: {found}");
    assert_eq!(found["fields"]["door"], "D--1.12", "{found}");

    // The broker refuses the certificate of the other CA: never connected,
    // and the source's health says why.
    let rogue = listener(&client, &base, "doors-rogue").await;
    assert_eq!(rogue["connections"], 0, "{rogue}");
    assert_eq!(rogue["events"], 0, "{rogue}");
    assert!(rogue["errors_by_kind"]["mqtt_connection"].as_u64() > Some(0), "{rogue}");
    let message = rogue["last_error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("UnknownCA"), "{rogue}");
    let page: Value =
        client.get(format!("{base}/api/v1/events?source=doors-rogue")).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["events"].as_array().unwrap().len(), 0, "{page}");

    publishing.abort();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_notification_is_published_over_mutual_tls_and_refused_without_the_client_certificate() {
    use safecare_respond::notify::mqtt::{Mqtt, MqttChannelConfig};
    use safecare_respond::notify::outbox::Notifier;
    use safecare_respond::notify::{Notification, Reason};

    if !Path::new(MOSQUITTO).exists() {
        println!("mqtts notification test not run: {MOSQUITTO} is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, ca) = authority("Hospital test CA");
    let ca_file = write(dir.path(), "ca.pem", &ca_pem);
    let (broker_cert, broker_key) = leaf(&ca, "127.0.0.1", ExtendedKeyUsagePurpose::ServerAuth);
    let (safecare_cert, safecare_key) = leaf(&ca, "safecare", ExtendedKeyUsagePurpose::ClientAuth);
    let (soc_cert, soc_key) = leaf(&ca, "soc-console", ExtendedKeyUsagePurpose::ClientAuth);
    let port = common::ports::free_port();
    let _broker = start_broker(
        dir.path(),
        port,
        &ca_file,
        &write(dir.path(), "broker.pem", &broker_cert),
        &write(dir.path(), "broker.key", &broker_key),
    )
    .await;

    // A subscriber of the SOC, over TLS with its own certificate.
    let topic = "hospital/soc/incidents";
    let mut options = rumqttc::MqttOptions::new("soc-console", "127.0.0.1", port);
    let soc_tls = tls_client_config(ca_pem.as_bytes(), Some((soc_cert.as_bytes(), soc_key.as_bytes()))).unwrap();
    options.set_transport(rumqttc::Transport::Tls(rumqttc::TlsConfiguration::Rustls(soc_tls)));
    let (subscriber, mut events) = rumqttc::AsyncClient::new(options, 16);
    subscriber.subscribe(topic, rumqttc::QoS::AtLeastOnce).await.unwrap();
    loop {
        if let rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_)) = events.poll().await.unwrap() {
            break;
        }
    }

    let mut channel: MqttChannelConfig = serde_json::from_value(serde_json::json!({
        "url": format!("mqtts://127.0.0.1:{port}"), "topic": topic, "client_id": "safecare-notify-test",
        "ca": ca_file,
        "client_cert": write(dir.path(), "safecare.pem", &safecare_cert),
        "client_key": write(dir.path(), "safecare.key", &safecare_key),
        "timeout_seconds": 5
    }))
    .unwrap();
    let notification = Notification {
        key: "test:mqtts".into(),
        incident: None,
        route: "soc-bus".into(),
        channel: "bus".into(),
        reason: Reason::Test,
        tier: 1,
        recipients: vec![],
        exercise: false,
        subject: "SafeCare test notification over mqtts".into(),
        payload: serde_json::json!({ "test": true }),
        created: jiff::Timestamp::now(),
    };
    Mqtt::from_config(&channel).unwrap().send(&notification).await.unwrap();
    let received = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let rumqttc::Event::Incoming(rumqttc::Packet::Publish(publish)) = events.poll().await.unwrap() {
                return publish;
            }
        }
    })
    .await
    .expect("no message on the topic");
    let body: Value = serde_json::from_slice(&received.payload).unwrap();
    assert_eq!((body["key"].as_str(), body["reason"].as_str()), (Some("test:mqtts"), Some("test")), "{body}");

    // The broker takes no client without a certificate of its CA: the same
    // channel without one is refused, and nothing reaches the subscriber.
    (channel.client_cert, channel.client_key) = (None, None);
    channel.client_id = "safecare-notify-anonymous".into();
    let refused = Mqtt::from_config(&channel).unwrap().send(&notification).await.unwrap_err();
    assert!(!refused.permanent, "{refused:?}");
    let nothing = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            if let rumqttc::Event::Incoming(rumqttc::Packet::Publish(p)) = events.poll().await.unwrap() {
                return p;
            }
        }
    })
    .await;
    assert!(nothing.is_err(), "a message arrived without a client certificate: {nothing:?}");
}
