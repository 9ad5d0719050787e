//! The string forms of the response vocabularies are the API (JSON, the
//! timeline, the audit log, URLs): for every value the JSON form and the
//! text form agree, and they are exactly the names below.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use safecare_respond::{ClockKind, ReportKind, Role, TimelineAction, Transition};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn json_is<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, name: &str) {
    assert_eq!(serde_json::to_value(&value).unwrap(), serde_json::json!(name), "{value:?}");
    assert_eq!(serde_json::from_value::<T>(serde_json::json!(name)).unwrap(), value);
}

#[test]
fn transitions_and_reports_parse_from_their_names() {
    let transitions = [
        (Transition::Acknowledge, "acknowledge"),
        (Transition::Start, "start"),
        (Transition::Resolve, "resolve"),
        (Transition::Close, "close"),
        (Transition::Reopen, "reopen"),
    ];
    assert_eq!(transitions.len(), Transition::ALL.len());
    for (value, name) in transitions {
        json_is(value, name);
        assert_eq!(value.as_str(), name);
        assert_eq!(name.parse::<Transition>().unwrap(), value);
    }
    assert!("Start".parse::<Transition>().is_err(), "names are exact");
    let reports = [
        (ReportKind::Nis2EarlyWarning, "nis2_early_warning"),
        (ReportKind::Nis2Notification, "nis2_notification"),
        (ReportKind::Nis2FinalReport, "nis2_final_report"),
        (ReportKind::GdprNotification, "gdpr_notification"),
    ];
    assert_eq!(reports.len(), ReportKind::ALL.len());
    for (value, name) in reports {
        json_is(value, name);
        assert_eq!(value.as_str(), name);
        assert_eq!(name.parse::<ReportKind>().unwrap(), value);
    }
}

#[test]
fn clocks_and_roles() {
    let clocks = [
        (ClockKind::Nis2EarlyWarning, "nis2_early_warning"),
        (ClockKind::Nis2Notification, "nis2_notification"),
        (ClockKind::Nis2FinalReport, "nis2_final_report"),
        (ClockKind::GdprArt33, "gdpr_art33"),
    ];
    assert_eq!(clocks.len(), ClockKind::ALL.len());
    for (value, name) in clocks {
        json_is(value, name);
        assert_eq!(value.as_str(), name);
    }
    let roles = [
        (Role::Soc, "soc"),
        (Role::SecurityGuard, "security_guard"),
        (Role::CrisisManager, "crisis_manager"),
        (Role::It, "it"),
        (Role::ClinicalLead, "clinical_lead"),
        (Role::PrivacyOfficer, "privacy_officer"),
    ];
    for (value, name) in roles {
        json_is(value, name);
        assert_eq!(value.as_str(), name);
        assert_eq!(value.to_string(), name);
    }
}

#[test]
fn timeline_actions() {
    let actions = [
        (TimelineAction::Opened, "opened"),
        (TimelineAction::AlertAdded, "alert_added"),
        (TimelineAction::StatusChanged, "status_changed"),
        (TimelineAction::Assigned, "assigned"),
        (TimelineAction::Unassigned, "unassigned"),
        (TimelineAction::SeverityChanged, "severity_changed"),
        (TimelineAction::TitleChanged, "title_changed"),
        (TimelineAction::TagAdded, "tag_added"),
        (TimelineAction::TagRemoved, "tag_removed"),
        (TimelineAction::Commented, "commented"),
        (TimelineAction::PlaybookAttached, "playbook_attached"),
        (TimelineAction::TaskApproved, "task_approved"),
        (TimelineAction::TaskCompleted, "task_completed"),
        (TimelineAction::TaskSkipped, "task_skipped"),
        (TimelineAction::MarkedSignificant, "marked_significant"),
        (TimelineAction::MarkedPersonalDataBreach, "marked_personal_data_breach"),
        (TimelineAction::ReportSubmitted, "report_submitted"),
        (TimelineAction::ReminderSent, "reminder_sent"),
        (TimelineAction::MergedFrom, "merged_from"),
        (TimelineAction::MergedInto, "merged_into"),
        (TimelineAction::SplitFrom, "split_from"),
        (TimelineAction::SplitInto, "split_into"),
        (TimelineAction::ImpactUpdated, "impact_updated"),
        (TimelineAction::CapDrafted, "cap_drafted"),
        (TimelineAction::CapApproved, "cap_approved"),
        (TimelineAction::CapDiscarded, "cap_discarded"),
    ];
    for (value, name) in actions {
        json_is(value, name);
        assert_eq!(value.as_str(), name);
    }
}

#[test]
fn cap_names_are_the_oasis_ones() {
    use safecare_respond::cap::{
        CapSeverity, CapState, Category, Certainty, MsgType, ResponseType, Scope, Status, Urgency,
    };
    json_is(Status::Exercise, "Exercise");
    json_is(MsgType::Cancel, "Cancel");
    json_is(Scope::Restricted, "Restricted");
    json_is(Category::Cbrne, "CBRNE");
    json_is(ResponseType::AllClear, "AllClear");
    json_is(Urgency::Immediate, "Immediate");
    json_is(CapSeverity::Extreme, "Extreme");
    json_is(Certainty::Observed, "Observed");
    json_is(CapState::Approved, "approved");
    json_is(CapState::Discarded, "discarded");
    assert_eq!("CBRNE".parse::<Category>().unwrap(), Category::Cbrne);
    assert_eq!(Category::Cbrne.to_string(), "CBRNE");
    assert!("alert".parse::<MsgType>().is_err(), "CAP names are exact");
}

#[test]
fn availability_names_are_the_apis_and_bed_types_the_have_ones() {
    use safecare_model::BedType;
    use safecare_respond::availability::{ChangeKind, ServiceStatus};
    use strum::VariantArray;
    for (value, name) in [
        (ServiceStatus::Operational, "operational"),
        (ServiceStatus::Degraded, "degraded"),
        (ServiceStatus::Closed, "closed"),
    ] {
        json_is(value, name);
        assert_eq!(value.as_str(), name);
        assert_eq!(name.parse::<ServiceStatus>().unwrap(), value);
    }
    for (value, name) in [(ChangeKind::Status, "status"), (ChangeKind::Override, "override")] {
        json_is(value, name);
        assert_eq!(value.as_str(), name);
        assert_eq!(name.parse::<ChangeKind>().unwrap(), value);
    }
    for bed in BedType::VARIANTS {
        json_is(*bed, bed.as_str());
        assert_eq!(bed.as_str().parse::<BedType>().unwrap(), *bed);
    }
    json_is(BedType::AdultICU, "AdultICU");
    json_is(BedType::OperatingRooms, "OperatingRooms");
    assert!("adult_icu".parse::<BedType>().is_err(), "HAVE names are exact");
}
