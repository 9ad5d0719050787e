//! HL7 v2: the public sample messages (`hl7/` under `SAFECARE_SAMPLES_DIR`,
//! real-format messages from a public health interface project, malformed
//! ones included) decode or are refused for their named reason, and an MLLP
//! client of the test's own gets `AA` for what was taken in and `AE` with the
//! reason for what was not, on one connection that keeps working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod shared_data;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use safecare_ingest::decode::{Context, Decoder};
use safecare_ingest::listen::{Pipeline, Protocol, TcpSource, tls_acceptor};
use shared_data::samples_dir;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn every_sample_message_decodes_and_each_malformed_one_is_refused_for_its_reason() {
    let Some(dir) = samples_dir("HL7 sample tests") else { return };
    let ctx = Context::new("hl7");
    let messages = files(&dir.join("hl7/messages"));
    assert!(messages.len() >= 20, "{} sample messages", messages.len());
    let mut types = BTreeMap::<String, usize>::new();
    for path in &messages {
        let bytes = std::fs::read(path).unwrap();
        let event = Decoder::Hl7.decode(&bytes, None, &ctx).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let field = |name: &str| event.fields.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let kind = format!("{}^{}", field("hl7.message_type"), field("hl7.trigger"));
        *types.entry(kind).or_default() += 1;
        // Every sample is a test message, and says so in MSH-11.
        assert_eq!(event.fields["hl7.processing_id"], "D", "{}", path.display());
        assert!(event.fields.get("hl7.control_id").is_some(), "{}", path.display());
    }
    let named: Vec<&str> = types.keys().map(String::as_str).collect();
    for expected in ["ACK^", "ADT^A01", "OML^O21", "ORM^O01", "ORU^R01"] {
        assert!(named.contains(&expected), "{named:?}");
    }

    let refused: BTreeMap<String, &'static str> = files(&dir.join("hl7/malformed"))
        .iter()
        .map(|path| {
            let outcome = match Decoder::Hl7.decode(&std::fs::read(path).unwrap(), None, &ctx) {
                Ok(_) => "decoded",
                Err(e) => e.kind(),
            };
            (path.file_name().unwrap().to_string_lossy().into_owned(), outcome)
        })
        .collect();
    let expected: BTreeMap<String, &'static str> = [
        ("empty.hl7", "empty"),
        // 2.3 is a version of HL7 v2 like any other.
        ("msh-12_has_value_2_3.hl7", "decoded"),
        ("msh_present_but_missing_all_fields.hl7", "hl7_encoding"),
        ("msh_present_but_missing_msh-10.hl7", "hl7_missing_field"),
        ("msh_present_but_missing_msh-2.hl7", "hl7_encoding"),
        // The receiving facility is optional in the base standard.
        ("msh_present_but_missing_msh-6.hl7", "decoded"),
        ("msh_present_but_missing_msh-9.hl7", "hl7_missing_field"),
        // Readable, with its problem listed for rules to see.
        ("orm_obx-5_is_not_a_numeric_value.hl7", "decoded"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(refused, expected);
    let bytes = std::fs::read(dir.join("hl7/malformed/orm_obx-5_is_not_a_numeric_value.hl7")).unwrap();
    let event = Decoder::Hl7.decode(&bytes, None, &ctx).unwrap();
    assert!(event.fields["hl7.problems"][0].as_str().unwrap().contains("is not numeric"), "{:?}", event.fields);
}

/// Sends one MLLP frame and reads the answer frame.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(conn: &mut S, message: &[u8]) -> String {
    conn.write_all(&[&[0x0b][..], message, &[0x1c, b'\r']].concat()).await.unwrap();
    let mut answer = Vec::new();
    timeout(WAIT, async {
        while !answer.ends_with(&[0x1c, b'\r']) {
            let mut buf = [0u8; 1024];
            let n = conn.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the acknowledgement");
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("no acknowledgement");
    assert_eq!(answer[0], 0x0b);
    String::from_utf8(answer[1..answer.len() - 2].to_vec()).unwrap()
}

/// The `MSA` segment of an acknowledgement, split into fields.
fn msa(ack: &str) -> Vec<String> {
    let segment = ack.split('\r').find(|s| s.starts_with("MSA|")).unwrap_or_else(|| panic!("no MSA in {ack:?}"));
    segment.split('|').map(str::to_owned).collect()
}

#[tokio::test]
async fn an_mllp_client_gets_aa_for_a_message_taken_and_ae_with_the_reason_otherwise() {
    let (tx, mut rx) = mpsc::channel(16);
    let pipe = Pipeline::new(Decoder::Hl7, Context::new("his-mllp"), tx);
    let stats = pipe.stats().clone();
    let listener = TcpSource::bind("127.0.0.1:0").await.unwrap().speaking(Protocol::Mllp);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.run(pipe));
    let mut conn = TcpStream::connect(addr).await.unwrap();

    let good = b"MSH|^~\\&|LIS|HQ|SAFECARE|SOC|20261205101500||ORU^R01|LAB-1|P|2.5.1\rPID|1||P-9^^^HQ^MR||Roe^Ann\rOBX|1|NM|8867-4^HR^LN||72|/min\r";
    let ack = exchange(&mut conn, good).await;
    assert_eq!(msa(&ack)[1..3], ["AA", "LAB-1"], "{ack:?}");
    let msh: Vec<&str> = ack.split('\r').next().unwrap().split('|').collect();
    assert_eq!(&msh[2..6], ["SAFECARE", "SOC", "LIS", "HQ"], "sender and receiver swapped: {ack:?}");
    let event = timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    assert_eq!(event.fields["hl7.control_id"], "LAB-1");
    assert_eq!(event.fields["safecare.peer"], "127.0.0.1");

    let no_type = b"MSH|^~\\&|LIS|HQ|SAFECARE|SOC|20261205101500|||LAB-2|P|2.5.1\rPID|1\r";
    let ack = exchange(&mut conn, no_type).await;
    let fields = msa(&ack);
    assert_eq!(fields[1..3], ["AE", "LAB-2"], "{ack:?}");
    assert!(fields[3].contains("MSH-9 is required"), "{ack:?}");
    assert!(ack.contains("\rERR|||101^Required field missing^HL70357|E|"), "{ack:?}");

    let garbage = exchange(&mut conn, b"this is not HL7").await;
    assert_eq!(msa(&garbage)[1], "AE", "{garbage:?}");

    let oversized = [
        b"MSH|^~\\&|LIS|HQ|SAFECARE|SOC|20261205101500||ORU^R01|BIG-1|P|2.5.1\rNTE|1||".as_slice(),
        &vec![b'x'; 300_000],
    ]
    .concat();
    let ack = exchange(&mut conn, &oversized).await;
    assert_eq!(msa(&ack)[1..3], ["AE", "BIG-1"], "the refusal names the oversized message: {ack:?}");

    // The connection still works after every refusal.
    let again = b"MSH|^~\\&|LIS|HQ|SAFECARE|SOC|20261205101501||ADT^A01|LAB-3|P|2.5.1\r";
    assert_eq!(msa(&exchange(&mut conn, again).await)[1], "AA");
    assert_eq!(timeout(WAIT, rx.recv()).await.unwrap().unwrap().fields["hl7.control_id"], "LAB-3");
    let health = stats.snapshot();
    assert_eq!(health.events, 2);
    assert_eq!(health.errors_by_kind.get("hl7_missing_field"), Some(&1));
    assert_eq!(health.errors_by_kind.get("hl7_no_header"), Some(&1));
    assert_eq!(health.errors_by_kind.get("too_large"), Some(&1));
}

#[tokio::test]
async fn mllp_over_tls_is_acknowledged_in_the_tls_stream() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let acceptor = tls_acceptor(cert.cert.pem().as_bytes(), cert.signing_key.serialize_pem().as_bytes()).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let pipe = Pipeline::new(Decoder::Hl7, Context::new("his-mllps"), tx);
    let listener = TcpSource::bind("127.0.0.1:0").await.unwrap().speaking(Protocol::Mllp).with_tls(acceptor);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.run(pipe));

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
    let message = b"MSH|^~\\&|PACS|HQ|SAFECARE|SOC|20261205101500||ADT^A08|TLS-1|P|2.5.1\r";
    assert_eq!(msa(&exchange(&mut tls, message).await)[1..3], ["AA", "TLS-1"]);
    assert_eq!(timeout(WAIT, rx.recv()).await.unwrap().unwrap().source, "his-mllps");
}

#[test]
fn a_message_is_placed_on_the_asset_its_sending_application_names() {
    use safecare_ingest::Intake;
    use safecare_model::{Asset, AssetIndex};
    let lis: Asset = serde_json::from_value(serde_json::json!({
        "id": "srv-lis-01", "name": "LIS", "kind": "server",
        "location": {"site": "hq", "building": "tech"},
        "identifiers": {"hl7_applications": ["LIS"]}
    }))
    .unwrap();
    let intake =
        Intake::new(Decoder::Hl7, Context::new("his-mllp")).with_assets(Arc::new(AssetIndex::from_assets(&[lis])));
    let message = b"MSH|^~\\&|LIS|HQ|SAFECARE|SOC|20261205101500||ORU^R01|L-1|P|2.5.1\r";
    let peer = "10.99.0.1:40000".parse().unwrap();
    let event = intake.take(message, None, Some(peer)).unwrap().remove(0);
    assert_eq!(event.asset.as_deref(), Some("srv-lis-01"));
    assert_eq!(event.location.building.as_deref(), Some("tech"));
    assert!(event.fields.get("safecare.unknown_device").is_none());
    assert_eq!(event.fields["safecare.claimed_asset"], "srv-lis-01");
    assert!(event.fields.get("safecare.peer_asset").is_none(), "10.99.0.1 is nobody's");
}

#[test]
fn events_carry_their_hour_on_the_source_clock() {
    use safecare_ingest::Intake;
    let message = b"MSH|^~\\&|LIS|HQ|SAFECARE|SOC|20261205231500+0000||ORM^O01|L-2|P|2.5.1\r";
    let utc = Intake::new(Decoder::Hl7, Context::new("lis"));
    assert_eq!(utc.take(message, None, None).unwrap()[0].fields["safecare.local_hour"], 23);
    let paris_in_winter = jiff::tz::TimeZone::fixed(jiff::tz::offset(1));
    let local = Intake::new(Decoder::Hl7, Context::new("lis").with_timezone(paris_in_winter));
    assert_eq!(local.take(message, None, None).unwrap()[0].fields["safecare.local_hour"], 0);
}
