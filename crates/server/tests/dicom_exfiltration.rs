//! A mass C-MOVE from an AE title no asset owns, sent by a real SCU
//! (dicom-rs) to the DICOM association monitor, becomes a data-exfiltration
//! incident whose impact report names the PACS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{config, load_demo_hospital, start_with_admin};
use dicom_core::{DataElement, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;
use dicom_ul::ClientAssociationOptions;
use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu};
use safecare_ingest::decode::Decoder;
use safecare_ingest::listen::DicomConfig;
use safecare_server::{SourceConfig, Transport};
use serde_json::Value;

const STUDY_MOVE: &str = "1.2.840.10008.5.1.4.1.2.2.2";

fn encode(object: &InMemDicomObject) -> Vec<u8> {
    let mut bytes = Vec::new();
    object.write_dataset_with_ts(&mut bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased()).unwrap();
    bytes
}

fn pdv(context: u8, value_type: PDataValueType, data: Vec<u8>) -> Pdu {
    Pdu::PData { data: vec![PDataValue { presentation_context_id: context, value_type, is_last: true, data }] }
}

#[tokio::test]
async fn a_mass_c_move_from_an_unknown_ae_is_a_data_exfiltration_incident_on_the_pacs() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::ports::free_port();
    let mut cfg = config(dir.path());
    cfg.sources.push(SourceConfig {
        name: "pacs-monitor".into(),
        transport: Transport::Dicom(DicomConfig {
            listen: format!("127.0.0.1:{port}"),
            ae_title: "SAFECARE".into(),
            working_hours: None,
            idle_seconds: 30.0,
            max_pdu: 16_384,
            max_associations: 8,
        }),
        decoder: Decoder::Dicom,
        site: Some("hq".into()),
        timezone: None,
    });
    let (server, admin) = start_with_admin(cfg).await;
    let base = server.url();
    load_demo_hospital(&server).await;

    let mut scu = ClientAssociationOptions::new()
        .calling_ae_title("EVIL_SCU")
        .called_ae_title("PACS_MAIN")
        .with_abstract_syntax(STUDY_MOVE)
        .establish_with_async(&format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    let context = scu.presentation_contexts()[0].id;
    for n in 1..=60u16 {
        let command = InMemDicomObject::command_from_element_iter([
            DataElement::new(tags::AFFECTED_SOP_CLASS_UID, VR::UI, dicom_value!(Str, STUDY_MOVE)),
            DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [0x0021])),
            DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [n])),
            DataElement::new(tags::MOVE_DESTINATION, VR::AE, dicom_value!(Str, "EVIL_SCP")),
            DataElement::new(tags::PRIORITY, VR::US, dicom_value!(U16, [0])),
            DataElement::new(tags::COMMAND_DATA_SET_TYPE, VR::US, dicom_value!(U16, [0x0000])),
        ]);
        let identifier = InMemDicomObject::from_element_iter([
            DataElement::new(tags::QUERY_RETRIEVE_LEVEL, VR::CS, dicom_value!(Str, "STUDY")),
            DataElement::new(tags::STUDY_INSTANCE_UID, VR::UI, dicom_value!(Str, format!("1.2.826.0.1.3680043.2.{n}"))),
        ]);
        scu.send(&pdv(context, PDataValueType::Command, encode(&command))).await.unwrap();
        scu.send(&pdv(context, PDataValueType::Data, encode(&identifier))).await.unwrap();
        let Pdu::PData { data } = scu.receive().await.unwrap() else { panic!("no C-MOVE response") };
        let response =
            InMemDicomObject::read_dataset_with_ts(&data[0].data[..], &IMPLICIT_VR_LITTLE_ENDIAN.erased()).unwrap();
        assert_eq!(response.element(tags::STATUS).unwrap().to_int::<u16>().unwrap(), 0xA701);
    }
    scu.release().await.unwrap();

    let mut found = None;
    for _ in 0..150 {
        let page: Value = admin.get(format!("{base}/api/v1/incidents")).send().await.unwrap().json().await.unwrap();
        let id = page["incidents"].as_array().and_then(|list| {
            list.iter().find(|i| i["threat"] == "data_exfiltration").and_then(|i| i["id"].as_str().map(str::to_owned))
        });
        if let Some(id) = id {
            let record: Value =
                admin.get(format!("{base}/api/v1/incidents/{id}")).send().await.unwrap().json().await.unwrap();
            if record["impact"]["report"].is_object() {
                found = Some(record);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let record = found.expect("an assessed data-exfiltration incident");
    assert_eq!(
        record["incident"]["assets"],
        serde_json::json!(["srv-pacs-01"]),
        "the called AE names the PACS: {record:#}"
    );
    let report = record["impact"]["report"].to_string();
    assert!(report.contains("\"srv-pacs-01\""), "the impact report names the PACS: {record:#}");
    let alerts: Value = admin.get(format!("{base}/api/v1/alerts")).send().await.unwrap().json().await.unwrap();
    let text = alerts.to_string();
    assert!(text.contains("Mass DICOM Query And Retrieval From One AE"), "{alerts:#}");
    assert!(text.contains("DICOM Association From An Unknown AE Title"), "the unknown AE is its own alert: {alerts:#}");
    server.stop().await.unwrap();
}
