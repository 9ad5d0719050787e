//! DICOM activity records, as the association monitor (`listen::dicom`)
//! writes them, or a remote probe posts them to the source's HTTP route: one
//! JSON object per association opened, per DIMSE command seen and per
//! association ended. One record becomes one medical event (logsource
//! product `dicom`, category `association`, `command` or `release`) whose
//! fields carry the `dicom.` prefix; `dicom.calling_ae` and
//! `dicom.called_ae` resolve to assets through their AE titles.

use std::collections::BTreeMap;

use safecare_model::{Domain, Event, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Context;
use super::input::{self, InputError, MAX_RECORD_LEN};

/// The longest AE title DICOM allows (PS3.5, VR AE).
pub const MAX_AE_TITLE: usize = 16;

/// Why a record is not a DICOM activity record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DicomError {
    /// The input itself is unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Not a record of the expected shape.
    #[error("not a DICOM activity record: {0}")]
    Shape(String),
    /// An AE title DICOM would not carry.
    #[error("{which} {title:?} is not an AE title (1 to 16 characters, no backslash or control character)")]
    AeTitle {
        /// `calling_ae` or `called_ae`.
        which: &'static str,
        /// The value given.
        title: String,
    },
    /// A command record without its command.
    #[error("a command record names no command")]
    NoCommand,
}

impl DicomError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            DicomError::Input(e) => e.kind(),
            DicomError::Shape(_) => "dicom_record_shape",
            DicomError::AeTitle { .. } => "dicom_ae_title",
            DicomError::NoCommand => "dicom_no_command",
        }
    }
}

/// What a record reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Activity {
    /// An association was accepted.
    Association,
    /// A DIMSE command was received.
    Command,
    /// The association ended (released, aborted, timed out, broken).
    Release,
}

/// Whether an association came inside the working hours the monitor knows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Schedule {
    /// Within the working hours.
    Inside,
    /// Outside them.
    Outside,
}

/// One presentation context the peer proposed and how it was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationContext {
    /// Its id (odd, 1–255).
    pub id: u8,
    /// The abstract syntax (SOP class) UID.
    pub abstract_syntax: String,
    /// The transfer syntax agreed.
    pub transfer_syntax: String,
    /// Whether it was accepted.
    pub accepted: bool,
}

/// One record of DICOM activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DicomRecord {
    /// What it reports.
    pub activity: Activity,
    /// When it happened.
    pub time: Timestamp,
    /// The requesting AE (the peer).
    pub calling_ae: String,
    /// The AE it asked for.
    pub called_ae: String,
    /// Whether an asset of the inventory owns the calling AE title; absent
    /// when the monitor has no inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calling_ae_known: Option<bool>,
    /// Whether the peer's address belongs to the asset that owns the
    /// calling AE title; absent when the monitor has no inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_expected: Option<bool>,
    /// Whether the association came inside the working hours; absent when
    /// none are configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// The contexts proposed (association records).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presentation_contexts: Vec<PresentationContext>,
    /// The DIMSE service (`C-FIND`…; command records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The SOP class the command is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sop_class: Option<String>,
    /// The command's message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<u16>,
    /// Where a C-MOVE sends the instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_destination: Option<String>,
    /// The status answered (`0x0000` success, `0xA7xx` refused…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Commands seen, by service (release records).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub commands: BTreeMap<String, u64>,
    /// Data-set bytes received (release records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_bytes: Option<u64>,
    /// How the association ended (release records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// Decodes one record.
pub fn decode(bytes: &[u8], ctx: &Context) -> Result<Event, DicomError> {
    let text = input::text(bytes, MAX_RECORD_LEN)?;
    let record: DicomRecord = serde_json::from_str(text).map_err(|e| DicomError::Shape(e.to_string()))?;
    check_ae("calling_ae", &record.calling_ae)?;
    check_ae("called_ae", &record.called_ae)?;
    let mut fields = Map::new();
    let mut put = |name: &str, value: Value| {
        fields.insert(format!("dicom.{name}"), value);
    };
    put("calling_ae", json!(record.calling_ae));
    put("called_ae", json!(record.called_ae));
    if let Some(known) = record.calling_ae_known {
        put("calling_ae_known", json!(known));
    }
    if let Some(expected) = record.peer_expected {
        put("peer_expected", json!(expected));
    }
    if let Some(schedule) = record.schedule {
        put("schedule", json!(schedule.to_string()));
    }
    let summary = match record.activity {
        Activity::Association => {
            let syntaxes: Vec<&str> =
                record.presentation_contexts.iter().map(|pc| pc.abstract_syntax.as_str()).collect();
            put("abstract_syntaxes", json!(syntaxes));
            put("presentation_contexts", json!(record.presentation_contexts));
            format!(
                "DICOM association {} -> {} ({} presentation contexts)",
                record.calling_ae,
                record.called_ae,
                record.presentation_contexts.len()
            )
        }
        Activity::Command => {
            let command = record.command.as_deref().ok_or(DicomError::NoCommand)?;
            put("command", json!(command));
            for (name, value) in [
                ("sop_class", record.sop_class.as_ref().map(|v| json!(v))),
                ("message_id", record.message_id.map(|v| json!(v))),
                ("move_destination", record.move_destination.as_ref().map(|v| json!(v))),
                ("status", record.status.map(|v| json!(format!("{v:04X}")))),
            ] {
                if let Some(value) = value {
                    put(name, value);
                }
            }
            match &record.move_destination {
                Some(to) => format!("DICOM {command} from {} to {} for {to}", record.calling_ae, record.called_ae),
                None => format!("DICOM {command} from {} to {}", record.calling_ae, record.called_ae),
            }
        }
        Activity::Release => {
            let total: u64 = record.commands.values().sum();
            put("commands", json!(record.commands));
            put("command_count", json!(total));
            if let Some(bytes) = record.data_bytes {
                put("data_bytes", json!(bytes));
            }
            let outcome = record.outcome.as_deref().unwrap_or("released");
            put("outcome", json!(outcome));
            format!("DICOM association {} -> {} {outcome} after {total} commands", record.calling_ae, record.called_ae)
        }
    };
    let mut event = ctx.event(Domain::Medical, record.time, summary);
    event.logsource.product = Some("dicom".into());
    event.logsource.category = Some(record.activity.to_string());
    event.fields = fields;
    Ok(event)
}

/// An AE title is 1–16 characters of the default repertoire without
/// backslash or control characters (PS3.5 §6.2).
fn check_ae(which: &'static str, title: &str) -> Result<(), DicomError> {
    let ok = !title.trim().is_empty()
        && title.chars().count() <= MAX_AE_TITLE
        && title.chars().all(|c| c.is_ascii() && !c.is_ascii_control() && c != '\\');
    if ok { Ok(()) } else { Err(DicomError::AeTitle { which, title: title.to_owned() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context::new("pacs-monitor").with_site("hq")
    }

    #[test]
    fn a_move_command_becomes_a_medical_event_with_its_destination() {
        let record =
            br#"{"activity":"command","time":"2026-12-05T02:10:00Z","calling_ae":"EVIL_SCU","called_ae":"PACS_MAIN",
            "calling_ae_known":false,"command":"C-MOVE","sop_class":"1.2.840.10008.5.1.4.1.2.2.2","message_id":3,
            "move_destination":"EVIL_SCP","status":42753}"#;
        let event = decode(record, &ctx()).unwrap();
        assert_eq!(event.domain, Domain::Medical);
        assert_eq!(event.logsource.product.as_deref(), Some("dicom"));
        assert_eq!(event.logsource.category.as_deref(), Some("command"));
        assert_eq!(event.field("dicom.command"), Some(&json!("C-MOVE")));
        assert_eq!(event.field("dicom.status"), Some(&json!("A701")));
        assert_eq!(event.field("dicom.calling_ae_known"), Some(&json!(false)));
        assert_eq!(event.location.site.as_deref(), Some("hq"));
        assert!(event.message.contains("for EVIL_SCP"), "{}", event.message);
    }

    #[test]
    fn an_association_and_its_release_carry_contexts_and_counts() {
        let open = br#"{"activity":"association","time":"2026-12-05T10:00:00Z","calling_ae":"CT01","called_ae":"PACS_MAIN",
            "schedule":"inside","presentation_contexts":[{"id":1,"abstract_syntax":"1.2.840.10008.1.1","transfer_syntax":"1.2.840.10008.1.2","accepted":true}]}"#;
        let event = decode(open, &ctx()).unwrap();
        assert_eq!(event.field("dicom.abstract_syntaxes"), Some(&json!(["1.2.840.10008.1.1"])));
        assert_eq!(event.field("dicom.schedule"), Some(&json!("inside")));
        let done = br#"{"activity":"release","time":"2026-12-05T10:00:05Z","calling_ae":"CT01","called_ae":"PACS_MAIN",
            "commands":{"C-ECHO":1,"C-STORE":2},"data_bytes":1024,"outcome":"released"}"#;
        let event = decode(done, &ctx()).unwrap();
        assert_eq!(event.field("dicom.command_count"), Some(&json!(3)));
        assert_eq!(event.field("dicom.commands"), Some(&json!({"C-ECHO": 1, "C-STORE": 2})));
    }

    #[test]
    fn records_that_are_not_dicom_activity_are_refused_with_their_reason() {
        let kind = |bytes: &[u8]| decode(bytes, &ctx()).unwrap_err().kind();
        assert_eq!(kind(b""), "empty");
        assert_eq!(kind(b"{\"activity\":\"command\"}"), "dicom_record_shape");
        let base = |calling: &str| {
            format!(
                r#"{{"activity":"command","time":"2026-12-05T10:00:00Z","calling_ae":"{calling}","called_ae":"PACS"}}"#
            )
        };
        assert_eq!(kind(base("CT01").as_bytes()), "dicom_no_command");
        assert_eq!(kind(base("A_TITLE_LONGER_THAN_16").as_bytes()), "dicom_ae_title");
        assert_eq!(kind(base("  ").as_bytes()), "dicom_ae_title");
        let extra = br#"{"activity":"release","time":"2026-12-05T10:00:00Z","calling_ae":"A","called_ae":"B","x":1}"#;
        assert_eq!(kind(extra), "dicom_record_shape");
    }
}
