//! The DICOM association monitor against a real SCU: dicom-ul's client
//! side negotiates the association, and the command sets it sends (and the
//! responses it reads) are encoded and decoded by dicom-object, not by the
//! monitor's own codec. C-ECHO succeeds, C-FIND, C-MOVE and C-STORE are
//! refused with their status, and each is recorded with the AE titles
//! resolved to assets; junk bytes and silent peers are counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/events.rs"]
mod events;

use events::{WAIT, next};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;
use dicom_ul::ClientAssociationOptions;
use dicom_ul::association::client::AsyncClientAssociation;
use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu};
use safecare_ingest::SourceStats;
use safecare_ingest::decode::{Context, Decoder};
use safecare_ingest::listen::{DicomConfig, DicomMonitor, Pipeline, WorkingHours};
use safecare_model::{Asset, AssetIndex, Event};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;

const VERIFICATION: &str = "1.2.840.10008.1.1";
const STUDY_FIND: &str = "1.2.840.10008.5.1.4.1.2.2.1";
const STUDY_MOVE: &str = "1.2.840.10008.5.1.4.1.2.2.2";
const CT_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

fn assets() -> Arc<AssetIndex> {
    let asset = |value: Value| -> Asset { serde_json::from_value(value).unwrap() };
    Arc::new(AssetIndex::from_assets(&[
        asset(json!({"id": "srv-pacs-01", "name": "PACS", "kind": "server",
            "location": {"site": "hq", "building": "tech"}, "identifiers": {"ae_titles": ["PACS_MAIN"]}})),
        asset(json!({"id": "ct-01", "name": "CT scanner", "kind": "medical_device",
            "location": {"site": "hq", "building": "main"}, "identifiers": {"ae_titles": ["CT01"], "ips": ["127.0.0.1"]}})),
        asset(json!({"id": "ws-rad-02", "name": "Reading station", "kind": "computer",
            "location": {"site": "hq", "building": "main"}, "identifiers": {"ae_titles": ["RAD02"], "ips": ["10.1.2.3"]}})),
    ]))
}

fn config(hours: Option<WorkingHours>) -> DicomConfig {
    DicomConfig {
        listen: "127.0.0.1:0".into(),
        ae_title: "SAFECARE".into(),
        working_hours: hours,
        idle_seconds: 0.5,
        max_pdu: 16_384,
        max_associations: 8,
    }
}

async fn monitor(hours: Option<WorkingHours>) -> (SocketAddr, mpsc::Receiver<Event>, SourceStats) {
    let (tx, rx) = mpsc::channel(256);
    let pipe = Pipeline::new(Decoder::Dicom, Context::new("pacs-monitor").with_site("hq"), tx).with_assets(assets());
    let stats = pipe.stats().clone();
    let monitor = DicomMonitor::bind(&config(hours)).await.unwrap();
    let addr = monitor.local_addr().unwrap();
    tokio::spawn(monitor.run(pipe));
    (addr, rx, stats)
}

async fn associate(addr: SocketAddr, calling: &str, syntaxes: &[&str]) -> AsyncClientAssociation<TcpStream> {
    let mut options = ClientAssociationOptions::new().calling_ae_title(calling).called_ae_title("PACS_MAIN");
    for syntax in syntaxes {
        options = options.with_abstract_syntax(*syntax);
    }
    options.establish_with_async(&addr.to_string()).await.unwrap()
}

fn encode(object: &InMemDicomObject) -> Vec<u8> {
    let mut bytes = Vec::new();
    object.write_dataset_with_ts(&mut bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased()).unwrap();
    bytes
}

/// A request command set built by dicom-object (it adds the group length).
fn command(field: u16, sop_class: &str, message_id: u16, with_data: bool, extra: Vec<InMemElement>) -> Vec<u8> {
    let mut elements = vec![
        DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, dicom_value!(Str, sop_class)),
        DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [field])),
        DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [message_id])),
        DataElement::new(
            tags::COMMAND_DATA_SET_TYPE,
            VR::US,
            dicom_value!(U16, [if with_data { 0x0000 } else { 0x0101 }]),
        ),
    ];
    elements.extend(extra);
    encode(&InMemDicomObject::command_from_element_iter(elements))
}

fn pdv(context: u8, kind: PDataValueType, data: Vec<u8>) -> Pdu {
    Pdu::PData { data: vec![PDataValue { presentation_context_id: context, value_type: kind, is_last: true, data }] }
}

fn context_of(association: &AsyncClientAssociation<TcpStream>, syntax: &str) -> u8 {
    association.presentation_contexts().iter().find(|pc| pc.abstract_syntax == syntax).expect(syntax).id
}

/// Sends a request (and its data set) and reads the response's command
/// field and status with dicom-object.
async fn request(
    association: &mut AsyncClientAssociation<TcpStream>,
    context: u8,
    (id, command_set): (u16, Vec<u8>),
    data: Option<Vec<u8>>,
) -> (u16, u16) {
    association.send(&pdv(context, PDataValueType::Command, command_set)).await.unwrap();
    if let Some(data) = data {
        association.send(&pdv(context, PDataValueType::Data, data)).await.unwrap();
    }
    let Pdu::PData { data } = timeout(WAIT, association.receive()).await.unwrap().unwrap() else {
        panic!("no P-DATA answer")
    };
    let response =
        InMemDicomObject::read_dataset_with_ts(&data[0].data[..], &IMPLICIT_VR_LITTLE_ENDIAN.erased()).unwrap();
    let int = |tag| response.element(tag).unwrap().to_int::<u16>().unwrap();
    assert_eq!(int(tags::MESSAGE_ID_BEING_RESPONDED_TO), id, "the response names the request");
    (int(tags::COMMAND_FIELD), int(tags::STATUS))
}

fn study_query() -> Vec<u8> {
    encode(&InMemDicomObject::from_element_iter([
        DataElement::new(tags::QUERY_RETRIEVE_LEVEL, VR::CS, dicom_value!(Str, "STUDY")),
        DataElement::new(tags::STUDY_INSTANCE_UID, VR::UI, PrimitiveValue::Empty),
    ]))
}

#[tokio::test]
async fn a_real_scu_gets_echo_and_refusals_and_every_command_is_recorded() {
    let (addr, mut rx, stats) = monitor(None).await;
    let mut scu = associate(addr, "CT01", &[VERIFICATION, STUDY_FIND, STUDY_MOVE]).await;

    let opened = next(&mut rx, "association").await;
    assert_eq!(opened.logsource.product.as_deref(), Some("dicom"));
    assert_eq!(opened.field("dicom.calling_ae"), Some(&json!("CT01")));
    assert_eq!(opened.field("dicom.called_ae"), Some(&json!("PACS_MAIN")));
    assert_eq!(opened.field("dicom.abstract_syntaxes"), Some(&json!([VERIFICATION, STUDY_FIND, STUDY_MOVE])));
    assert_eq!(opened.field("dicom.calling_ae_known"), Some(&json!(true)));
    assert_eq!(opened.field("dicom.peer_expected"), Some(&json!(true)), "CT01 calls from the CT's own address");
    assert_eq!(opened.field("safecare.peer"), Some(&json!("127.0.0.1")));
    assert_eq!(opened.asset.as_deref(), Some("srv-pacs-01"), "the called AE is the asset concerned");

    let echo = context_of(&scu, VERIFICATION);
    assert_eq!(
        request(&mut scu, echo, (1, command(0x0030, VERIFICATION, 1, false, vec![])), None).await,
        (0x8030, 0x0000)
    );
    let find = context_of(&scu, STUDY_FIND);
    let answer = request(&mut scu, find, (2, command(0x0020, STUDY_FIND, 2, true, vec![])), Some(study_query())).await;
    assert_eq!(answer, (0x8020, 0xA700));
    let destination = DataElement::new(tags::MOVE_DESTINATION, VR::AE, dicom_value!(Str, "OUTSIDE_SCP"));
    let mv = context_of(&scu, STUDY_MOVE);
    let answer =
        request(&mut scu, mv, (3, command(0x0021, STUDY_MOVE, 3, true, vec![destination])), Some(study_query())).await;
    assert_eq!(answer, (0x8021, 0xA701));
    scu.release().await.unwrap();

    let commands: Vec<Event> =
        [next(&mut rx, "command").await, next(&mut rx, "command").await, next(&mut rx, "command").await].into();
    let seen: Vec<(&Value, &Value)> =
        commands.iter().map(|e| (e.field("dicom.command").unwrap(), e.field("dicom.status").unwrap())).collect();
    assert_eq!(
        seen,
        [(&json!("C-ECHO"), &json!("0000")), (&json!("C-FIND"), &json!("A700")), (&json!("C-MOVE"), &json!("A701"))]
    );
    assert_eq!(commands[2].field("dicom.move_destination"), Some(&json!("OUTSIDE_SCP")));
    assert_eq!(commands[1].field("dicom.sop_class"), Some(&json!(STUDY_FIND)));
    assert_eq!(commands[2].field("dicom.message_id"), Some(&json!(3)));

    let ended = next(&mut rx, "release").await;
    assert_eq!(ended.field("dicom.commands"), Some(&json!({"C-ECHO": 1, "C-FIND": 1, "C-MOVE": 1})));
    assert_eq!(ended.field("dicom.outcome"), Some(&json!("released")));
    let health = stats.snapshot();
    assert_eq!((health.connections, health.events, health.errors), (1, 5, 0), "{health:?}");
}

#[tokio::test]
async fn a_store_from_an_unknown_ae_is_refused_and_flagged() {
    let (addr, mut rx, _stats) = monitor(None).await;
    let mut scu = associate(addr, "EVIL_SCU", &[CT_STORAGE]).await;
    let opened = next(&mut rx, "association").await;
    assert_eq!(opened.field("dicom.calling_ae_known"), Some(&json!(false)));
    assert_eq!(opened.field("dicom.peer_expected"), Some(&json!(false)));
    let store = context_of(&scu, CT_STORAGE);
    let instance = vec![0u8; 5000];
    let answer = request(&mut scu, store, (9, command(0x0001, CT_STORAGE, 9, true, vec![])), Some(instance)).await;
    assert_eq!(answer, (0x8001, 0xA700));
    let stored = next(&mut rx, "command").await;
    assert_eq!(stored.field("dicom.command"), Some(&json!("C-STORE")));
    assert_eq!(stored.field("dicom.peer_expected"), Some(&json!(false)));
    scu.abort().await.unwrap();
    let ended = next(&mut rx, "release").await;
    assert_eq!(ended.field("dicom.outcome"), Some(&json!("aborted")));
    assert_eq!(ended.field("dicom.data_bytes"), Some(&json!(5000)));
}

#[tokio::test]
async fn a_known_ae_calling_from_another_address_is_not_the_expected_peer() {
    let (addr, mut rx, _stats) = monitor(None).await;
    // RAD02 belongs to a workstation at 10.1.2.3; this call comes from 127.0.0.1.
    let scu = associate(addr, "RAD02", &[VERIFICATION]).await;
    let opened = next(&mut rx, "association").await;
    assert_eq!(opened.field("dicom.calling_ae_known"), Some(&json!(true)));
    assert_eq!(opened.field("dicom.peer_expected"), Some(&json!(false)));
    scu.release().await.unwrap();
}

#[tokio::test]
async fn associations_are_judged_against_the_working_hours() {
    let every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(String::from).to_vec();
    let never = WorkingHours { start: "00:00".into(), end: "00:00".into(), days: every_day.clone() };
    let (addr, mut rx, _stats) = monitor(Some(never)).await;
    associate(addr, "CT01", &[VERIFICATION]).await.release().await.unwrap();
    assert_eq!(next(&mut rx, "association").await.field("dicom.schedule"), Some(&json!("outside")));
    let always = WorkingHours { start: "00:00".into(), end: "23:59:59.999999999".into(), days: every_day };
    let (addr, mut rx, _stats) = monitor(Some(always)).await;
    associate(addr, "CT01", &[VERIFICATION]).await.release().await.unwrap();
    assert_eq!(next(&mut rx, "association").await.field("dicom.schedule"), Some(&json!("inside")));
}

#[tokio::test]
async fn junk_and_silence_are_counted_and_the_monitor_keeps_serving() {
    let (addr, mut rx, stats) = monitor(None).await;
    let counted = |kind: &'static str| {
        let stats = stats.clone();
        async move {
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
    };
    let mut junk = TcpStream::connect(addr).await.unwrap();
    junk.write_all(b"GET / HTTP/1.1\r\nHost: pacs\r\n\r\n").await.unwrap();
    // The monitor closes the connection.
    let mut rest = Vec::new();
    timeout(WAIT, junk.read_to_end(&mut rest)).await.unwrap().unwrap();
    let health = counted("dicom_association").await;
    let reason = &health.last_error.as_ref().unwrap().message;
    assert!(reason.contains("not a DICOM association request") && reason.contains("too large"), "{reason}");
    let _silent = TcpStream::connect(addr).await.unwrap();
    let health = counted("idle_timeout").await;
    assert_eq!(health.errors_by_kind["dicom_association"], 1, "{health:?}");
    // A real SCU is still served.
    let mut scu = associate(addr, "CT01", &[VERIFICATION]).await;
    let echo = context_of(&scu, VERIFICATION);
    assert_eq!(request(&mut scu, echo, (1, command(0x0030, VERIFICATION, 1, false, vec![])), None).await, (0x8030, 0));
    scu.release().await.unwrap();
    assert_eq!(next(&mut rx, "association").await.field("dicom.calling_ae"), Some(&json!("CT01")));
}

#[tokio::test]
async fn a_configuration_that_cannot_serve_is_refused_with_its_reason() {
    let err =
        |c: DicomConfig| async move { DicomMonitor::bind(&c).await.err().map(|e| e.to_string()).unwrap_or_default() };
    assert!(err(DicomConfig { idle_seconds: 0.0, ..config(None) }).await.contains("idle_seconds"));
    assert!(err(DicomConfig { max_pdu: 100, ..config(None) }).await.contains("max_pdu"));
    assert!(err(DicomConfig { ae_title: "A_TITLE_FAR_TOO_LONG".into(), ..config(None) }).await.contains("ae_title"));
    assert!(err(DicomConfig { max_associations: 0, ..config(None) }).await.contains("max_associations"));
    assert!(err(DicomConfig { listen: "nowhere".into(), ..config(None) }).await.contains("cannot listen"));
}

#[tokio::test]
async fn a_dicom_source_takes_its_own_keys_and_the_dicom_decoder() {
    use safecare_ingest::listen::TcpLimits;
    use safecare_ingest::{SourceConfig, Transport};
    let entry = json!({"name": "pacs-monitor", "type": "dicom", "listen": "127.0.0.1:0",
        "working_hours": {"start": "07:00", "end": "19:00"}, "decoder": {"parser": "dicom"}});
    let source: SourceConfig = serde_json::from_value(entry.clone()).unwrap();
    let Transport::Dicom(dicom) = &source.transport else { panic!("{source:?}") };
    assert_eq!(dicom.working_hours.as_ref().unwrap().days, ["mon", "tue", "wed", "thu", "fri"]);
    assert_eq!((dicom.ae_title.as_str(), dicom.max_pdu), ("SAFECARE", 16_384));
    let mut typo = entry.clone();
    typo["idle_second"] = json!(3);
    assert!(serde_json::from_value::<SourceConfig>(typo).unwrap_err().to_string().contains("idle_second"));
    let mut wrong = entry;
    wrong["decoder"] = json!({"parser": "syslog"});
    let wrong: SourceConfig = serde_json::from_value(wrong).unwrap();
    let (tx, _rx) = mpsc::channel(1);
    let pipe = Pipeline::new(Decoder::Syslog, Context::new("pacs-monitor"), tx);
    let err = wrong.listen(pipe, TcpLimits::default()).await.err().unwrap().to_string();
    assert!(err.contains("parser = \"dicom\""), "{err}");
}

#[tokio::test]
async fn associations_over_the_cap_are_refused_and_counted() {
    let (tx, _rx) = mpsc::channel(256);
    let pipe = Pipeline::new(Decoder::Dicom, Context::new("pacs-monitor"), tx);
    let stats = pipe.stats().clone();
    let monitor =
        DicomMonitor::bind(&DicomConfig { max_associations: 1, idle_seconds: 30.0, ..config(None) }).await.unwrap();
    let addr = monitor.local_addr().unwrap();
    tokio::spawn(monitor.run(pipe));
    let held = associate(addr, "CT01", &[VERIFICATION]).await;
    let mut refused = TcpStream::connect(addr).await.unwrap();
    let mut rest = Vec::new();
    // The monitor closes the second connection at once.
    timeout(WAIT, refused.read_to_end(&mut rest)).await.unwrap().unwrap();
    let health = stats.snapshot();
    assert_eq!(health.errors_by_kind.get("connection_cap"), Some(&1), "{health:?}");
    held.release().await.unwrap();
}
