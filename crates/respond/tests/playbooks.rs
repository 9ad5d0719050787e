//! The bundled playbooks load, the loader names every problem, and tasks on
//! an incident obey order and the approval guardrail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;

use common::{library, playbooks_dir, record, t};
use safecare_model::IncidentStatus;
use safecare_respond::{
    Playbook, PlaybookError as P, PlaybookLibrary, Role, TaskError as E, TaskStatus, TimelineAction, Transition,
    apply_transition, approve_task, attach_playbook, complete_task, skip_task,
};

#[test]
fn all_bundled_playbooks_load() {
    let library = library();
    let ids: Vec<&str> = library.playbooks().iter().map(|p| p.id.as_str()).collect();
    for required in [
        "ransomware",
        "phishing",
        "forced_entry",
        "pharmacy_theft",
        "bms_tampering",
        "medical_device_tampering",
        "fire",
        "power_loss",
        "data_exfiltration",
        "ddos",
    ] {
        assert!(ids.contains(&required), "missing playbook {required}; have {ids:?}");
    }
    let files = fs::read_dir(playbooks_dir()).unwrap().count();
    assert_eq!(library.playbooks().len(), files, "every file is a playbook");
    assert_eq!(library.for_threat("drug_diversion").map(|p| p.id.as_str()), Some("pharmacy_theft"));
    assert!(library.for_threat("alien_invasion").is_none());
    // The guardrail is actually used where patient safety is at stake.
    let guarded = library.get("ransomware").unwrap().task("isolate-segment").unwrap();
    assert_eq!(guarded.requires_approval, Some(Role::ClinicalLead));
}

#[test]
fn a_playbook_listing_one_spelling_of_a_threat_answers_the_other() {
    let yaml = "id: access\ntitle: Access\nthreats: [unauthorized_access]\ntasks:\n  - id: check\n    title: Check\n    role: security_guard\n";
    let library = PlaybookLibrary::new(vec![Playbook::from_yaml(yaml).unwrap()]).unwrap();
    assert_eq!(library.for_threat("unauthorised_access").map(|p| p.id.as_str()), Some("access"));
    assert_eq!(library.for_threat("unauthorized_access").map(|p| p.id.as_str()), Some("access"));
    assert!(library.for_threat("forced_entry").is_none());
}

fn errors_of(yaml: &str) -> Vec<P> {
    Playbook::from_yaml(yaml).unwrap_err()
}

#[test]
fn validation_names_each_problem() {
    let parse = errors_of("id: x\ntitle: X\nthreats: [x]\ntasks:\n  - {id: a, title: A, role: janitor}\n");
    assert!(matches!(&parse[..], [P::Parse(msg)] if msg.to_string().contains("janitor")), "{parse:?}");
    let unknown_key = errors_of("id: x\ntitle: X\nthreats: [x]\ntasks: []\nowner: bob\n");
    assert!(matches!(&unknown_key[..], [P::Parse(msg)] if msg.to_string().contains("owner")), "{unknown_key:?}");

    let many = errors_of(concat!(
        "id: Bad Id\ntitle: ' '\nthreats: []\ntasks:\n",
        "  - {id: a, title: A, role: soc, after: [b]}\n",
        "  - {id: b, title: B, role: it, after: [ghost]}\n",
        "  - {id: b, title: '', role: it, requires_approval: it}\n",
    ));
    let expected = [
        P::InvalidId("Bad Id".into()),
        P::EmptyField { field: "title".into() },
        P::NoThreats,
        P::ForwardDependency { task: "a".into(), after: "b".into() },
        P::UnknownDependency { task: "b".into(), after: "ghost".into() },
        P::EmptyField { field: "title of task \"b\"".into() },
        P::DuplicateTask("b".into()),
        P::SelfApproval("b".into()),
    ];
    assert_eq!(many, expected);
    assert_eq!(errors_of("id: x\ntitle: X\nthreats: [x]\ntasks: []\n"), vec![P::NoTasks]);
}

#[test]
fn library_refuses_duplicates_and_loader_checks_file_names() {
    let a = Playbook::from_yaml("id: a\ntitle: A\nthreats: [fire]\ntasks: [{id: t, title: T, role: soc}]\n").unwrap();
    let b = Playbook::from_yaml("id: b\ntitle: B\nthreats: [fire]\ntasks: [{id: t, title: T, role: soc}]\n").unwrap();
    assert_eq!(
        PlaybookLibrary::new(vec![a.clone(), b]).unwrap_err(),
        vec![P::ThreatClaimedTwice { threat: "fire".into(), first: "a".into(), second: "b".into() }]
    );
    assert_eq!(PlaybookLibrary::new(vec![a.clone(), a]).unwrap_err(), vec![P::DuplicatePlaybook("a".into())]);

    let dir = std::env::temp_dir().join(format!("safecare-respond-playbooks-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("wrong.yaml"), "id: right\ntitle: R\nthreats: [x]\ntasks: [{id: t, title: T, role: soc}]\n")
        .unwrap();
    fs::write(dir.join("broken.yml"), "id: [\n").unwrap();
    fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let errors = PlaybookLibrary::load_dir(&dir).unwrap_err();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].path.ends_with("broken.yml") && matches!(errors[0].error, P::Parse(_)));
    assert_eq!(errors[1].error, P::IdMismatch { id: "right".into(), file_stem: "wrong".into() });
    assert!(errors[1].to_string().contains("wrong.yaml"), "{}", errors[1]);

    let missing = PlaybookLibrary::load_dir(&dir).unwrap_err();
    assert!(matches!(missing[0].error, P::Io(_)));
}

/// Errors name tasks by their titles, not their internal ids.
const TRIAGE: &str = "Confirm the encryption activity and list the affected hosts";

#[test]
fn tasks_complete_in_order_with_who_and_when() {
    let library = library();
    let mut rec = record("Ransomware", "2026-03-10T08:00:00Z");
    attach_playbook(&mut rec, library.get("ransomware").unwrap(), "alice", t("2026-03-10T08:00:00Z")).unwrap();
    assert_eq!(
        attach_playbook(&mut rec, library.get("ransomware").unwrap(), "alice", t("2026-03-10T08:00:00Z")),
        Err(E::AlreadyAttached("ransomware".into()))
    );
    assert_eq!(rec.tasks.len(), library.get("ransomware").unwrap().tasks.len());
    assert_eq!(
        complete_task(&mut rec, "ransomware/isolate-hosts", "bob", "", t("2026-03-10T08:05:00Z")),
        Err(E::Blocked {
            task: "Isolate the affected hosts from the network".into(),
            waiting_for: vec!["Confirm the encryption activity and list the affected hosts".into()]
        })
    );
    complete_task(&mut rec, "ransomware/triage", "bob", "3 hosts", t("2026-03-10T08:06:00Z")).unwrap();
    let triage = &rec.tasks[0];
    match &triage.status {
        TaskStatus::Done(s) => {
            assert_eq!((s.by.as_str(), s.at, s.note.as_str()), ("bob", t("2026-03-10T08:06:00Z"), "3 hosts"))
        }
        other => panic!("triage not done: {other:?}"),
    }
    let last = rec.timeline.last().unwrap();
    assert_eq!(
        (last.action, last.actor.as_str(), last.detail.as_str()),
        (TimelineAction::TaskCompleted, "bob", "ransomware/triage")
    );
    assert_eq!(
        complete_task(&mut rec, "ransomware/triage", "carol", "", t("2026-03-10T08:07:00Z")),
        Err(E::AlreadyFinished { task: TRIAGE.into(), state: "done" })
    );
    assert_eq!(
        complete_task(&mut rec, "ransomware/nope", "bob", "", t("2026-03-10T08:07:00Z")),
        Err(E::UnknownTask("ransomware/nope".into()))
    );
    assert_eq!(
        complete_task(&mut rec, "triage", "bob", "", t("2026-03-10T08:07:00Z")),
        Err(E::UnknownTask("triage".into()))
    );
    // A skipped step unblocks the steps after it.
    assert_eq!(
        skip_task(&mut rec, "ransomware/convene-crisis-cell", "bob", " ", t("2026-03-10T08:08:00Z")),
        Err(E::EmptyReason)
    );
    skip_task(&mut rec, "ransomware/convene-crisis-cell", "bob", "cell already sitting", t("2026-03-10T08:08:00Z"))
        .unwrap();
    complete_task(&mut rec, "ransomware/assess-notification", "bob", "", t("2026-03-10T08:09:00Z")).unwrap();
}

#[test]
fn approval_guardrail_holds_until_a_clinical_lead_approves() {
    let library = library();
    let mut rec = record("Ransomware", "2026-03-10T08:00:00Z");
    attach_playbook(&mut rec, library.get("ransomware").unwrap(), "alice", t("2026-03-10T08:00:00Z")).unwrap();
    for key in ["ransomware/triage", "ransomware/isolate-hosts"] {
        complete_task(&mut rec, key, "bob", "", t("2026-03-10T08:05:00Z")).unwrap();
    }
    let key = "ransomware/isolate-segment";
    let title = "Isolate the network segment(s) carrying the affected hosts";
    let refused = complete_task(&mut rec, key, "it-oncall", "", t("2026-03-10T08:06:00Z"));
    assert_eq!(refused, Err(E::AwaitingApproval { task: title.into(), role: Role::ClinicalLead }));
    assert!(refused.unwrap_err().to_string().contains("clinical_lead"));

    assert_eq!(
        approve_task(&mut rec, key, "it-oncall", Role::It, "", t("2026-03-10T08:07:00Z")),
        Err(E::WrongApproverRole { task: title.into(), required: Role::ClinicalLead, given: Role::It })
    );
    assert_eq!(
        approve_task(&mut rec, "ransomware/triage", "dr-house", Role::ClinicalLead, "", t("2026-03-10T08:07:00Z")),
        Err(E::AlreadyFinished { task: TRIAGE.into(), state: "done" })
    );
    assert_eq!(
        approve_task(
            &mut rec,
            "ransomware/preserve-evidence",
            "dr-house",
            Role::ClinicalLead,
            "",
            t("2026-03-10T08:07:00Z")
        ),
        Err(E::NoApprovalRequired("Preserve memory images, logs and a sample of encrypted files".into()))
    );
    approve_task(&mut rec, key, "dr-house", Role::ClinicalLead, "ICU on downtime", t("2026-03-10T08:08:00Z")).unwrap();
    let last = rec.timeline.last().unwrap();
    assert_eq!((last.action, last.actor.as_str()), (TimelineAction::TaskApproved, "dr-house"));
    assert_eq!(
        approve_task(&mut rec, key, "dr-grey", Role::ClinicalLead, "", t("2026-03-10T08:09:00Z")),
        Err(E::AlreadyApproved { task: title.into(), by: "dr-house".into() })
    );
    complete_task(&mut rec, key, "it-oncall", "", t("2026-03-10T08:10:00Z")).unwrap();
    let task = rec.tasks.iter().find(|t| t.key() == key).unwrap();
    assert_eq!(task.approval.as_ref().map(|a| a.by.as_str()), Some("dr-house"));

    // The store persists the record as JSON, tasks and approvals included.
    let json = serde_json::to_string(&rec).unwrap();
    assert!(json.contains("\"requires_approval\":\"clinical_lead\"") && json.contains("\"state\":\"done\""), "{json}");
    assert_eq!(serde_json::from_str::<safecare_respond::IncidentRecord>(&json).unwrap(), rec);
}

#[test]
fn tasks_freeze_once_the_incident_is_resolved() {
    let playbook =
        Playbook::from_yaml("id: p\ntitle: P\nthreats: [x]\ntasks: [{id: a, title: A, role: soc}]\n").unwrap();
    let mut rec = record("x", "2026-03-10T08:00:00Z");
    attach_playbook(&mut rec, &playbook, "alice", t("2026-03-10T08:00:00Z")).unwrap();
    skip_task(&mut rec, "p/a", "bob", "false positive", t("2026-03-10T08:01:00Z")).unwrap();
    for tr in [Transition::Acknowledge, Transition::Start, Transition::Resolve] {
        apply_transition(&mut rec, tr, "bob", t("2026-03-10T08:02:00Z")).unwrap();
    }
    assert_eq!(
        attach_playbook(&mut rec, &playbook, "bob", t("2026-03-10T08:03:00Z")),
        Err(E::IncidentNotOpen { status: IncidentStatus::Resolved })
    );
}
