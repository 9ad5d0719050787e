//! CAP 1.2 against what nobody here wrote: every message SafeCare writes
//! validates against the OASIS XSD (`xmllint --schema`), the published
//! examples parse and round-trip, the broken ones and an XXE payload are
//! refused, and an incident's Alert → Update → Cancel chain references
//! every message sent before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Timestamp;
use safecare_model::{Incident, IncidentStatus, LatLon, Location, Severity};
use safecare_respond::cap::{
    self, Area, CapAlert, CapConfig, CapDraftError, CapError, CapMessage, CapState, Circle, DraftInput, MsgType,
    ResponseType, Status, Urgency,
};
use safecare_respond::cap::{CapSeverity, Certainty};
use safecare_respond::cap_draft::DraftChoices;
use safecare_respond::{IncidentRecord, TimelineAction, load_playbooks};

fn cap_dir() -> PathBuf {
    let samples = std::env::var("SAFECARE_SAMPLES_DIR").unwrap_or_else(|_| "../../../shared/data".into());
    Path::new(&samples).join("cap")
}

/// Validates a document with xmllint against the official CAP 1.2 XSD.
fn xsd_valid(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("message.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(cap_dir().join("schema/CAP-v1.2.xsd"))
        .arg(&file)
        .output()
        .expect("xmllint (package libxml2-utils) must be installed");
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn examples(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(cap_dir().join("examples").join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {folder}");
    files
}

#[test]
fn the_published_examples_parse_and_round_trip_through_the_schema() {
    for file in examples("valid-1.2") {
        let bytes = std::fs::read(&file).unwrap();
        let alert = CapAlert::from_xml(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(!alert.identifier.is_empty());
        let xml = alert.to_xml().unwrap();
        xsd_valid(&xml).unwrap_or_else(|e| panic!("{} re-serialised is not valid CAP 1.2: {e}\n{xml}", file.display()));
        let again = CapAlert::from_xml(xml.as_bytes()).unwrap();
        assert_eq!(again, alert, "{} lost or changed fields on the way round", file.display());
    }
}

#[test]
fn a_latin1_document_is_decoded() {
    let file = cap_dir().join("examples/valid-1.2/earthquake-iso8859-1.cap");
    let alert = CapAlert::from_xml(&std::fs::read(file).unwrap()).unwrap();
    let text = serde_json::to_string(&alert).unwrap();
    assert!(text.contains("Usulután"), "the declared ISO-8859-1 was honoured");
}

#[test]
fn the_broken_examples_are_refused_with_the_reason() {
    let mut reasons = Vec::new();
    for file in examples("invalid") {
        let err = CapAlert::from_xml(&std::fs::read(&file).unwrap())
            .expect_err(&format!("{} must be refused", file.display()));
        reasons.push((file.file_name().unwrap().to_string_lossy().into_owned(), err));
    }
    let reason = |name: &str| reasons.iter().find(|(n, _)| n == name).map(|(_, e)| e.clone()).unwrap();
    assert!(matches!(reason("canada_errors.cap"), CapError::BadValue { element: "references", .. }));
    assert_eq!(reason("invalid.cap"), CapError::Missing { element: "scope", parent: "alert" });
    assert_eq!(reason("noaa_errors.cap"), CapError::NotCap12);
    assert_eq!(reason("xee.cap"), CapError::Doctype);
}

#[test]
fn elements_out_of_place_are_named() {
    let doc = |inner: &str| {
        format!(
            r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x{inner}</identifier><sender>s</sender>
<sent>2026-12-05T08:00:00+00:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope></alert>"#
        )
    };
    assert_eq!(CapAlert::from_xml(doc("").as_bytes()).map(|a| a.identifier), Ok("x".to_owned()));
    assert_eq!(
        CapAlert::from_xml(doc("<b>bold</b>").as_bytes()),
        Err(CapError::Unexpected { element: "b".into(), parent: "identifier".into() })
    );
    let zulu = doc("").replace("+00:00", "Z");
    assert!(matches!(CapAlert::from_xml(zulu.as_bytes()), Err(CapError::BadValue { element: "sent", .. })));
    let status = doc("").replace("Actual", "Real");
    assert!(matches!(CapAlert::from_xml(status.as_bytes()), Err(CapError::BadValue { element: "status", .. })));
}

#[test]
fn an_xxe_payload_never_reads_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret.txt");
    let secret = "TOP-SECRET-5f1c2b";
    std::fs::write(&secret_file, secret).unwrap();
    let uri = format!("file://{}", secret_file.display());
    let with_dtd = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE alert [ <!ENTITY xxe SYSTEM "{uri}"> ]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>x</identifier><sender>s</sender><sent>2026-12-05T08:00:00+00:00</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope><note>&xxe;</note>
</alert>"#
    );
    let err = CapAlert::from_xml(with_dtd.as_bytes()).unwrap_err();
    assert_eq!(err, CapError::Doctype);
    assert!(!err.to_string().contains(secret));
    // The same reference without its DTD: an undefined entity, not an expansion.
    let without_dtd = with_dtd.lines().filter(|l| !l.starts_with("<!DOCTYPE")).collect::<Vec<_>>().join("\n");
    let err = CapAlert::from_xml(without_dtd.as_bytes()).unwrap_err();
    assert_eq!(err, CapError::UnknownEntity("xxe".into()));
    assert!(!format!("{err:?}").contains(secret));
    // The published payload is refused before any of its entities is looked at.
    let xee = std::fs::read(cap_dir().join("examples/invalid/xee.cap")).unwrap();
    assert_eq!(CapAlert::from_xml(&xee).unwrap_err(), CapError::Doctype);
}

#[test]
fn the_writer_escapes_what_it_is_given() {
    let mut record = fire_record(IncidentStatus::New);
    record.incident.title = "Fire </headline><script>&amp; \"quoted\"".into();
    let message = draft(&record, &[], MsgType::Alert).unwrap();
    let xml = message.alert.to_xml().unwrap();
    xsd_valid(&xml).unwrap();
    assert!(!xml.contains("</headline><script>"));
    let back = CapAlert::from_xml(xml.as_bytes()).unwrap();
    assert_eq!(back, message.alert);
}

fn config() -> CapConfig {
    CapConfig {
        languages: vec!["en-GB".into(), "fr-BE".into(), "nl-BE".into(), "it".into()],
        channels: vec!["responders".into()],
        ..CapConfig::default()
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn fire_record(status: IncidentStatus) -> IncidentRecord {
    let mut incident = Incident::new("Fire alarm in the LV switchroom", Severity::Critical);
    incident.threat = Some("fire".into());
    incident.status = status;
    incident.location = Location::from_path("hq/tech/0/technical/0.01");
    let mut record = IncidentRecord::new(incident, "safecare", at("2026-12-05T08:00:00Z"));
    record.playbooks.push("fire".into());
    record
}

fn area() -> Area {
    let p = |lat, lon| LatLon { lat, lon };
    Area {
        area_desc: "LV switchroom (0.01), Technical building".into(),
        polygons: vec![vec![
            p(50.8398201, 4.3914241),
            p(50.8398201, 4.3918514),
            p(50.8396403, 4.3918514),
            p(50.8396403, 4.3914241),
            p(50.8398201, 4.3914241),
        ]],
        circles: vec![Circle { centre: p(50.8397841, 4.3914953), radius_km: 0.006 }],
        ..Area::default()
    }
}

fn draft(record: &IncidentRecord, earlier: &[CapMessage], msg_type: MsgType) -> Result<CapMessage, CapDraftError> {
    draft_with(record, earlier, msg_type, DraftChoices::default())
}

fn draft_with(
    record: &IncidentRecord,
    earlier: &[CapMessage],
    msg_type: MsgType,
    choices: DraftChoices,
) -> Result<CapMessage, CapDraftError> {
    let playbooks = load_playbooks(None).unwrap();
    let input = DraftInput {
        record,
        earlier,
        msg_type,
        area: Some(area()),
        note: None,
        choices,
        actor: "guard.ann",
        now: at("2026-12-05T08:05:00Z"),
    };
    cap::draft(input, &config(), &playbooks)
}

#[test]
fn a_fire_alert_is_drafted_in_every_language_and_validates() {
    let record = fire_record(IncidentStatus::New);
    let message = draft(&record, &[], MsgType::Alert).unwrap();
    assert_eq!(message.state, CapState::Draft);
    let alert = &message.alert;
    assert_eq!((alert.status, alert.msg_type), (Status::Actual, MsgType::Alert));
    assert!(alert.references.is_empty());
    let events: Vec<&str> = alert.infos.iter().map(|i| i.event.as_str()).collect();
    assert_eq!(events, ["Fire", "Incendie", "Brand", "Incendio"]);
    let info = &alert.infos[0];
    assert_eq!(info.language.as_deref(), Some("en-GB"));
    assert_eq!(info.urgency, Urgency::Immediate);
    assert!(info.response_types.contains(&ResponseType::Evacuate));
    assert!(info.instruction.as_deref().unwrap().contains("Life safety first"), "the fire playbook's summary");
    assert!(info.web.as_deref().unwrap().ends_with(&record.id().to_string()));
    assert_eq!(info.areas, [area()]);
    let xml = alert.to_xml().unwrap();
    xsd_valid(&xml).unwrap();
    assert!(xml.contains("<polygon>50.8398201,4.3914241 50.8398201,4.3918514"), "{xml}");

    let mut drill = fire_record(IncidentStatus::New);
    drill.exercise = true;
    let exercise = draft(&drill, &[], MsgType::Alert).unwrap();
    assert_eq!(exercise.alert.status, Status::Exercise);
    xsd_valid(&exercise.alert.to_xml().unwrap()).unwrap();
}

#[test]
fn what_the_person_drafting_chooses_is_written_and_validates() {
    let record = fire_record(IncidentStatus::New);
    let choices = DraftChoices {
        threat: Some("smoke".into()),
        urgency: Some(Urgency::Expected),
        severity: Some(CapSeverity::Severe),
        certainty: Some(Certainty::Observed),
        instruction: Some("Stage at the north gate; the LV switchroom is isolated.".into()),
        languages: Some(vec!["nl-BE".into(), "de".into()]),
    };
    let message = draft_with(&record, &[], MsgType::Alert, choices).unwrap();
    let infos = &message.alert.infos;
    let languages: Vec<&str> = infos.iter().filter_map(|i| i.language.as_deref()).collect();
    assert_eq!(languages, ["nl-BE", "de"]);
    for info in infos {
        assert_eq!(
            (info.urgency, info.severity, info.certainty),
            (Urgency::Expected, CapSeverity::Severe, Certainty::Observed)
        );
        assert_eq!(info.instruction.as_deref(), Some("Stage at the north gate; the LV switchroom is isolated."));
        assert_eq!(info.event_codes[0].value, "smoke");
        assert!(!info.response_types.contains(&ResponseType::Evacuate), "smoke: assess and prepare");
    }
    xsd_valid(&message.alert.to_xml().unwrap()).unwrap();
    let bad = DraftChoices { languages: Some(vec!["french".into()]), ..DraftChoices::default() };
    assert!(matches!(draft_with(&record, &[], MsgType::Alert, bad), Err(CapDraftError::Languages(_))));
}

#[test]
fn only_incidents_that_call_for_help_are_drafted() {
    let mut record = fire_record(IncidentStatus::New);
    record.incident.threat = Some("ransomware".into());
    assert_eq!(draft(&record, &[], MsgType::Alert), Err(CapDraftError::NotCalledFor("ransomware".into())));
    record.incident.threat = None;
    assert_eq!(draft(&record, &[], MsgType::Alert), Err(CapDraftError::NoThreat));
    for threat in
        ["smoke", "forced_entry", "armed_threat", "hazardous_material", "power_loss", "water_loss", "evacuation"]
    {
        record.incident.threat = Some(threat.into());
        let message = draft(&record, &[], MsgType::Alert).unwrap_or_else(|e| panic!("{threat}: {e}"));
        xsd_valid(&message.alert.to_xml().unwrap()).unwrap_or_else(|e| panic!("{threat}: {e}"));
    }
}

#[test]
fn update_and_cancel_reference_every_message_sent_before() {
    let mut record = fire_record(IncidentStatus::New);
    let mut messages: Vec<CapMessage> = Vec::new();

    assert_eq!(draft(&record, &messages, MsgType::Update), Err(CapDraftError::NothingSent));
    let mut alert = draft(&record, &messages, MsgType::Alert).unwrap();
    cap::log_cap(&mut record, &alert, "guard.ann", at("2026-12-05T08:05:00Z"));
    messages.push(alert.clone());
    assert_eq!(
        draft(&record, &messages, MsgType::Update),
        Err(CapDraftError::DraftPending(alert.alert.identifier.clone())),
        "one draft waits at a time"
    );
    let mut dropped = alert.clone();
    cap::discard(&mut dropped, "guard.ann").unwrap();
    assert_eq!(dropped.state, CapState::Discarded);
    assert!(draft(&record, &[dropped.clone()], MsgType::Alert).is_ok(), "a discarded draft holds nothing up");
    assert_eq!(
        cap::approve(&mut dropped, "cm.marie", at("2026-12-05T08:06:00Z")),
        Err(CapDraftError::NotADraft(dropped.alert.identifier.clone()))
    );
    cap::approve(&mut alert, "cm.marie", at("2026-12-05T08:06:30Z")).unwrap();
    assert_eq!(alert.alert.sent, "2026-12-05T08:06:30+00:00", "sent when approved");
    assert_eq!(
        cap::approve(&mut alert, "cm.marie", at("2026-12-05T08:07:00Z")),
        Err(CapDraftError::NotADraft(alert.alert.identifier.clone()))
    );
    cap::log_cap(&mut record, &alert, "cm.marie", at("2026-12-05T08:06:30Z"));
    messages[0] = alert.clone();
    assert_eq!(
        draft(&record, &messages, MsgType::Alert),
        Err(CapDraftError::AlreadySent(alert.alert.identifier.clone()))
    );

    record.incident.status = IncidentStatus::InProgress;
    let mut update = draft(&record, &messages, MsgType::Update).unwrap();
    cap::approve(&mut update, "cm.marie", at("2026-12-05T08:20:00Z")).unwrap();
    assert_eq!(
        update.alert.references,
        [format!("safecare@hospital.example,{},2026-12-05T08:06:30+00:00", alert.alert.identifier)]
    );
    messages.push(update.clone());

    let mut cancel = draft(&record, &messages, MsgType::Cancel).unwrap();
    cap::approve(&mut cancel, "cm.marie", at("2026-12-05T09:00:00Z")).unwrap();
    assert_eq!(cancel.alert.references, [alert.reference(), update.reference()]);
    assert_eq!(cancel.alert.infos[0].response_types, [ResponseType::AllClear]);
    assert_eq!(cancel.alert.infos[0].urgency, Urgency::Past);
    messages.push(cancel.clone());
    assert_eq!(
        draft(&record, &messages, MsgType::Update),
        Err(CapDraftError::Cancelled(cancel.alert.identifier.clone()))
    );

    let identifiers: Vec<&str> = messages.iter().map(|m| m.alert.identifier.as_str()).collect();
    let mut unique = identifiers.clone();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{identifiers:?}");
    for message in &messages {
        let xml = message.alert.to_xml().unwrap();
        xsd_valid(&xml).unwrap_or_else(|e| panic!("{}: {e}\n{xml}", message.alert.identifier));
        assert_eq!(CapAlert::from_xml(xml.as_bytes()).unwrap(), message.alert);
    }
    let actions: Vec<TimelineAction> = record.timeline.iter().map(|e| e.action).collect();
    assert!(actions.ends_with(&[TimelineAction::CapDrafted, TimelineAction::CapApproved]), "{actions:?}");

    let outbox = cap::notifications(&update, &update.alert.to_xml().unwrap(), &config());
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].channel, "responders");
    assert_eq!(outbox[0].key, format!("cap:{}:responders", update.alert.identifier));
    xsd_valid(outbox[0].payload["xml"].as_str().unwrap()).unwrap();

    let feed = cap::atom_feed(&[cancel.clone(), update.clone(), alert.clone()], &config(), at("2026-12-05T09:01:00Z"))
        .unwrap();
    for message in [&alert, &update, &cancel] {
        assert!(feed.contains(&message.alert.identifier));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("feed.xml"), &feed).unwrap();
    let well_formed = Command::new("xmllint").arg("--noout").arg(dir.path().join("feed.xml")).status().unwrap();
    assert!(well_formed.success(), "{feed}");
}

#[test]
fn the_settings_are_checked() {
    assert_eq!(config().check(), Ok(()));
    let bad_sender = CapConfig { sender: "a b,c".into(), ..config() };
    assert!(bad_sender.check().is_err());
    let no_language = CapConfig { languages: vec![], ..config() };
    assert!(no_language.check().is_err());
    let bad_language = CapConfig { languages: vec!["english!".into()], ..config() };
    assert!(bad_language.check().is_err());
}

#[test]
fn the_proposed_instruction_is_written_in_each_infos_language_and_an_edited_one_as_written() {
    let record = fire_record(IncidentStatus::New);
    let message = draft(&record, &[], MsgType::Alert).unwrap();
    let instruction = |language: &str| {
        let info = message.alert.infos.iter().find(|i| i.language.as_deref() == Some(language)).unwrap();
        info.instruction.clone().unwrap()
    };
    assert!(instruction("en-GB").starts_with("Fire alarm or smoke detection. Life safety first"));
    assert!(
        instruction("fr-BE").starts_with("Alarme incendie ou détection de fumée. La sécurité des personnes d'abord")
    );
    // No Dutch or Italian summary yet: the playbook's own words.
    assert_eq!(instruction("nl-BE"), instruction("en-GB"));
    xsd_valid(&message.alert.to_xml().unwrap()).unwrap();

    // The dashboard's form sends the proposal back unchanged: still translated.
    let proposed = DraftChoices { instruction: Some(instruction("en-GB")), ..DraftChoices::default() };
    let sent_back = draft_with(&record, &[], MsgType::Alert, proposed).unwrap();
    assert_eq!(sent_back.alert.infos[1].instruction, message.alert.infos[1].instruction);
    let edited = DraftChoices { instruction: Some("Stage at the north gate.".into()), ..DraftChoices::default() };
    let edited = draft_with(&record, &[], MsgType::Alert, edited).unwrap();
    assert!(edited.alert.infos.iter().all(|i| i.instruction.as_deref() == Some("Stage at the north gate.")));
}

#[test]
fn the_sites_language_is_added_to_the_cap_languages_unless_present() {
    let english = CapConfig { languages: vec!["en".into()], ..CapConfig::default() };
    assert_eq!(english.clone().with_language("fr").languages, ["en", "fr"]);
    let belgian = CapConfig { languages: vec!["fr-BE".into(), "nl-BE".into()], ..CapConfig::default() };
    assert_eq!(belgian.with_language("fr").languages, ["fr-BE", "nl-BE"]);
    assert_eq!(english.with_language("en").languages, ["en"]);
}
