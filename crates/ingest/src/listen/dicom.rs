//! A DICOM association monitor: an SCP (built on `dicom-ul`, the dicom-rs
//! upper layer) that accepts any association, as a PACS or a modality
//! would, and records what the peer does, without storing or serving any
//! image. Placed on a PACS's mirror port, or as a decoy AE in the imaging
//! network, it shows who talks DICOM to whom.
//!
//! Each association gives a record when accepted (calling and called AE
//! titles, the peer's address, the presentation contexts proposed), one per
//! DIMSE command (the service, its SOP class, a C-MOVE's destination, the
//! status answered) and one when it ends (commands counted by service,
//! data-set bytes, how it ended). The records go through the source's
//! `dicom` decoder, so they are counted and placed like any other source's.
//!
//! A real SCU gets a clean answer: C-ECHO succeeds; C-STORE and C-FIND are
//! refused with "out of resources" (A700), C-MOVE and C-GET with "unable to
//! calculate the number of matches" (A701), other services with
//! "unrecognised operation" (0211); a release is confirmed.
//!
//! Memory stays bounded: PDUs are capped at `max_pdu` bytes (a larger one
//! ends the association), a command set at [`MAX_COMMAND_LEN`], data sets
//! are counted and dropped, and at most `max_associations` run at once. A
//! peer silent for `idle_seconds` is dropped. Bytes that are not DICOM end
//! their connection with the reason counted in the source's health.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dicom_ul::association::server::{AcceptAny, DefaultNegotiation, ServerAssociationOptions};
use dicom_ul::association::{Association, AsyncServerAssociation};
use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu, PresentationContextResultReason};
use jiff::civil::{Time, Weekday};
use safecare_model::{IdentifierKind, Timestamp, normalise_identifier};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::{ListenError, Pipeline};
use crate::decode::dicom::{Activity, DicomRecord, PresentationContext, Schedule};
use crate::decode::dimse::{self, Command, CommandSet, MAX_COMMAND_LEN};

/// A `[[sources]]` entry of `type = "dicom"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DicomConfig {
    /// The address to bind (`0.0.0.0:104`, `0.0.0.0:11112`).
    pub listen: String,
    /// The AE title the monitor answers as when a peer calls it.
    #[serde(default = "default_ae_title")]
    pub ae_title: String,
    /// When associations are expected; outside them an association is
    /// marked `dicom.schedule = outside`. None: no schedule is judged.
    #[serde(default)]
    pub working_hours: Option<WorkingHours>,
    /// Seconds a peer may stay silent before its association is dropped.
    #[serde(default = "default_idle")]
    pub idle_seconds: f64,
    /// The largest PDU accepted, in bytes.
    #[serde(default = "default_max_pdu")]
    pub max_pdu: u32,
    /// Associations held at once; more are refused.
    #[serde(default = "default_max_associations")]
    pub max_associations: usize,
}

/// The hours associations are expected, in the source's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// Start of the day's window (`07:00`).
    pub start: String,
    /// Its end (`19:00`); before `start` for a window over midnight.
    pub end: String,
    /// The days the window applies (`mon`…`sun`); Monday to Friday unless given.
    #[serde(default = "weekdays")]
    pub days: Vec<String>,
}

fn default_ae_title() -> String {
    "SAFECARE".into()
}

fn default_idle() -> f64 {
    60.0
}

fn default_max_pdu() -> u32 {
    // dicom-ul's default, what most toolkits propose.
    16_384
}

fn default_max_associations() -> usize {
    64
}

fn weekdays() -> Vec<String> {
    ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec()
}

/// The working hours, checked.
#[derive(Debug, Clone, PartialEq)]
struct Hours {
    start: Time,
    end: Time,
    days: Vec<Weekday>,
}

impl Hours {
    fn parse(config: &WorkingHours) -> Result<Hours, ListenError> {
        let bad = |why: String| ListenError::Dicom(why);
        let time = |text: &str| {
            text.parse::<Time>().map_err(|_| bad(format!("working_hours: {text:?} is not a time of day (HH:MM)")))
        };
        let days = config
            .days
            .iter()
            .map(|d| match d.to_ascii_lowercase().as_str() {
                "mon" => Ok(Weekday::Monday),
                "tue" => Ok(Weekday::Tuesday),
                "wed" => Ok(Weekday::Wednesday),
                "thu" => Ok(Weekday::Thursday),
                "fri" => Ok(Weekday::Friday),
                "sat" => Ok(Weekday::Saturday),
                "sun" => Ok(Weekday::Sunday),
                _ => Err(bad(format!("working_hours: {d:?} is not a day (mon, tue, … sun)"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Hours { start: time(&config.start)?, end: time(&config.end)?, days })
    }

    /// Whether `day` at `time` is inside the window; a window over
    /// midnight belongs to the day it starts on.
    fn contains(&self, day: Weekday, time: Time) -> bool {
        if self.start <= self.end {
            self.days.contains(&day) && self.start <= time && time < self.end
        } else if time >= self.start {
            self.days.contains(&day)
        } else {
            time < self.end && self.days.contains(&day.previous())
        }
    }
}

type Options = ServerAssociationOptions<'static, AcceptAny, DefaultNegotiation>;

/// A bound monitor, accepting associations once run.
pub struct DicomMonitor {
    listener: TcpListener,
    options: Arc<Options>,
    hours: Option<Hours>,
    idle: Duration,
    slots: Arc<Semaphore>,
}

impl DicomMonitor {
    /// Checks the configuration and binds its address.
    pub async fn bind(config: &DicomConfig) -> Result<Self, ListenError> {
        let bad = |why: String| ListenError::Dicom(why);
        if !(config.idle_seconds.is_finite() && config.idle_seconds > 0.0) {
            return Err(bad(format!("idle_seconds {} is not a positive number", config.idle_seconds)));
        }
        // Each association holds one PDU in memory: the cap bounds it, and
        // below 4 KiB even a query identifier needs several fragments.
        if !(4096..=(16 << 20)).contains(&config.max_pdu) {
            return Err(bad(format!("max_pdu {} is not between 4096 and 16777216 bytes", config.max_pdu)));
        }
        if config.max_associations == 0 {
            return Err(bad("max_associations must be at least 1".into()));
        }
        let ae_title = normalise_identifier(IdentifierKind::AeTitle, &config.ae_title)
            .ok()
            .filter(|t| t.len() <= crate::decode::dicom::MAX_AE_TITLE)
            .ok_or_else(|| bad(format!("ae_title {:?} is not an AE title (1 to 16 characters)", config.ae_title)))?;
        let hours = config.working_hours.as_ref().map(Hours::parse).transpose()?;
        let idle = Duration::from_secs_f64(config.idle_seconds);
        let options = ServerAssociationOptions::new()
            .accept_any()
            .ae_title(ae_title)
            // Every abstract syntax is accepted: the monitor wants to see
            // what a peer asks for, not to serve it.
            .promiscuous(true)
            .max_pdu_length(config.max_pdu)
            // Reads are bounded by the monitor's own timeouts, which tell a
            // silent peer from a broken one; a peer that stops reading
            // our answers is bounded here.
            .write_timeout(idle);
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(|source| ListenError::Bind { addr: config.listen.clone(), source })?;
        Ok(DicomMonitor {
            listener,
            options: Arc::new(options),
            hours,
            idle,
            slots: Arc::new(Semaphore::new(config.max_associations)),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, ListenError> {
        Ok(self.listener.local_addr()?)
    }

    /// Accepts associations until the event channel closes.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        let hours = Arc::new(self.hours);
        let refusal = "max_associations reached";
        while let Some((stream, peer, permit)) = super::tcp::admit(&self.listener, &self.slots, &pipe, refusal).await {
            let (pipe, options, hours, idle) = (pipe.clone(), self.options.clone(), hours.clone(), self.idle);
            tokio::spawn(async move {
                let _permit = permit;
                let session = Session { pipe: &pipe, peer, idle, hours: hours.as_ref().as_ref() };
                session.serve(stream, &options).await;
            });
        }
        Ok(())
    }
}

/// How an association ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum Outcome {
    /// The peer released it.
    Released,
    /// The peer aborted it.
    Aborted,
    /// The peer stayed silent too long.
    Timeout,
    /// The peer broke the protocol or the connection.
    Error,
}

/// One association's context.
struct Session<'a> {
    pipe: &'a Pipeline,
    peer: SocketAddr,
    idle: Duration,
    hours: Option<&'a Hours>,
}

/// What the association has seen so far.
#[derive(Default)]
struct Seen {
    commands: BTreeMap<String, u64>,
    data_bytes: u64,
    /// A command set arriving in fragments.
    command: Vec<u8>,
    /// A command whose data set is still arriving, and its context id.
    awaiting_data: Option<(CommandSet, u8)>,
}

impl Session<'_> {
    async fn serve(&self, stream: TcpStream, options: &Options) {
        let association = match tokio::time::timeout(self.idle, options.establish_async(stream)).await {
            Ok(Ok(association)) => association,
            Ok(Err(e)) => {
                self.error("dicom_association", format!("not a DICOM association request: {}", chain(&e)));
                return;
            }
            Err(_) => {
                super::tcp::closed(
                    self.pipe,
                    "idle_timeout",
                    format!("{}: no association request in {:?}", self.peer, self.idle),
                );
                return;
            }
        };
        let base = self.base(&association);
        let contexts = association
            .presentation_contexts()
            .iter()
            .map(|pc| PresentationContext {
                id: pc.id,
                abstract_syntax: pc.abstract_syntax.trim_end_matches('\0').to_owned(),
                transfer_syntax: pc.transfer_syntax.trim_end_matches('\0').to_owned(),
                accepted: pc.reason == PresentationContextResultReason::Acceptance,
            })
            .collect();
        if !self.emit(DicomRecord { presentation_contexts: contexts, ..base.clone() }).await {
            return;
        }
        let mut seen = Seen::default();
        let outcome = self.converse(association, &base, &mut seen).await;
        let outcome: &'static str = outcome.into();
        self.emit(DicomRecord {
            activity: Activity::Release,
            time: Timestamp::now(),
            commands: seen.commands,
            data_bytes: Some(seen.data_bytes),
            outcome: Some(outcome.into()),
            ..base
        })
        .await;
    }

    /// Reads PDUs until the association ends.
    async fn converse(
        &self,
        mut association: AsyncServerAssociation<TcpStream>,
        base: &DicomRecord,
        seen: &mut Seen,
    ) -> Outcome {
        loop {
            let pdu = match tokio::time::timeout(self.idle, association.receive()).await {
                Ok(Ok(pdu)) => pdu,
                Ok(Err(e)) => {
                    self.error("dicom_pdu", chain(&e));
                    return Outcome::Error;
                }
                Err(_) => {
                    super::tcp::closed(self.pipe, "idle_timeout", format!("{}: silent for {:?}", self.peer, self.idle));
                    let _ = association.abort().await;
                    return Outcome::Timeout;
                }
            };
            match pdu {
                Pdu::PData { data } => {
                    for value in data {
                        match self.take(value, base, seen).await {
                            Ok(Some(answer)) => {
                                if let Err(e) = association.send(&answer).await {
                                    self.error("dicom_send", chain(&e));
                                    return Outcome::Error;
                                }
                            }
                            Ok(None) => {}
                            Err(()) => {
                                let _ = association.abort().await;
                                return Outcome::Error;
                            }
                        }
                    }
                }
                Pdu::ReleaseRQ => {
                    let _ = association.send(&Pdu::ReleaseRP).await;
                    return Outcome::Released;
                }
                Pdu::AbortRQ { .. } => return Outcome::Aborted,
                other => {
                    self.error("dicom_unexpected_pdu", format!("{} inside an association", other.short_description()));
                    let _ = association.abort().await;
                    return Outcome::Error;
                }
            }
        }
    }

    /// Takes one P-DATA value: gathers command fragments, reads a complete
    /// command, counts data; returns the response to send, if one is due.
    /// `Err` when the association must end (the reason is counted).
    async fn take(&self, value: PDataValue, base: &DicomRecord, seen: &mut Seen) -> Result<Option<Pdu>, ()> {
        let context = value.presentation_context_id;
        match value.value_type {
            PDataValueType::Data => {
                seen.data_bytes = seen.data_bytes.saturating_add(value.data.len() as u64);
                if value.is_last
                    && let Some((request, context)) = seen.awaiting_data.take()
                {
                    return Ok(answer(&request, context));
                }
                Ok(None)
            }
            PDataValueType::Command => {
                if seen.command.len() + value.data.len() > MAX_COMMAND_LEN {
                    self.error("dimse_too_large", format!("command set over {MAX_COMMAND_LEN} bytes"));
                    return Err(());
                }
                seen.command.extend_from_slice(&value.data);
                if !value.is_last {
                    return Ok(None);
                }
                let bytes = std::mem::take(&mut seen.command);
                let request = CommandSet::parse(&bytes).map_err(|e| self.error(e.kind(), e.to_string()))?;
                let command = request.command();
                *seen.commands.entry(command.to_string()).or_default() += 1;
                let record = DicomRecord {
                    activity: Activity::Command,
                    time: Timestamp::now(),
                    command: Some(command.to_string()),
                    sop_class: request.sop_class.clone(),
                    message_id: request.message_id,
                    move_destination: request.move_destination.clone(),
                    status: status(command),
                    ..base.clone()
                };
                if !self.emit(record).await {
                    return Err(());
                }
                if request.has_data_set() {
                    seen.awaiting_data = Some((request, context));
                    return Ok(None);
                }
                Ok(answer(&request, context))
            }
        }
    }

    /// The fields every record of the association shares.
    fn base(&self, association: &AsyncServerAssociation<TcpStream>) -> DicomRecord {
        let calling = association.peer_ae_title().trim().to_owned();
        let called = association.called_ae_title().trim().to_owned();
        let (calling_ae_known, peer_expected) = match &self.pipe.intake.assets {
            Some(assets) => {
                let owner = normalise_identifier(IdentifierKind::AeTitle, &calling)
                    .ok()
                    .and_then(|ae| assets.lookup(IdentifierKind::AeTitle, &ae))
                    .map(|found| found.asset);
                let at_peer = assets.lookup(IdentifierKind::Ip, &self.peer.ip().to_string()).map(|found| found.asset);
                (Some(owner.is_some()), Some(owner.is_some() && owner == at_peer))
            }
            None => (None, None),
        };
        let now = Timestamp::now();
        let schedule = self.hours.map(|hours| {
            let local = now.to_zoned_datetime(self.pipe.intake.context.timezone.clone());
            if hours.contains(local.weekday(), local.time()) { Schedule::Inside } else { Schedule::Outside }
        });
        DicomRecord {
            activity: Activity::Association,
            time: now,
            calling_ae: calling,
            called_ae: called,
            calling_ae_known,
            peer_expected,
            schedule,
            presentation_contexts: Vec::new(),
            command: None,
            sop_class: None,
            message_id: None,
            move_destination: None,
            status: None,
            commands: BTreeMap::new(),
            data_bytes: None,
            outcome: None,
        }
    }

    /// Hands a record to the pipeline; false once the pipeline has closed.
    async fn emit(&self, record: DicomRecord) -> bool {
        match serde_json::to_vec(&record) {
            Ok(bytes) => self.pipe.handle(&bytes, None, Some(self.peer)).await.is_ok(),
            // A record of strings and numbers always serialises.
            Err(e) => {
                self.error("dicom_record", e.to_string());
                true
            }
        }
    }

    fn error(&self, kind: &str, detail: String) {
        self.pipe.stats().record_error(kind, format!("{}: {detail}", self.peer));
    }
}

/// The status the monitor answers a request with; `None` for what takes no
/// answer (a C-CANCEL, a response).
fn status(command: Command) -> Option<u16> {
    match command {
        Command::CEcho => Some(0x0000),
        Command::CStore | Command::CFind => Some(0xA700),
        Command::CMove | Command::CGet => Some(0xA701),
        Command::Normalised | Command::Unknown => Some(0x0211),
        Command::CCancel | Command::Response => None,
    }
}

/// The P-DATA answering `request` on its presentation context.
fn answer(request: &CommandSet, context: u8) -> Option<Pdu> {
    let status = status(request.command())?;
    Some(Pdu::PData {
        data: vec![PDataValue {
            presentation_context_id: context,
            value_type: PDataValueType::Command,
            is_last: true,
            data: dimse::response(request, status),
        }],
    })
}

/// An error with its causes, for the health detail (dicom-ul's outer
/// messages, "failed to receive pdu", say little on their own).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(start: &str, end: &str) -> Hours {
        Hours::parse(&WorkingHours { start: start.into(), end: end.into(), days: weekdays() }).unwrap()
    }

    #[test]
    fn working_hours_hold_on_their_days_and_across_midnight() {
        let day = hours("07:00", "19:00");
        let t = |s: &str| s.parse::<Time>().unwrap();
        assert!(day.contains(Weekday::Monday, t("07:00")));
        assert!(!day.contains(Weekday::Monday, t("19:00")));
        assert!(!day.contains(Weekday::Saturday, t("10:00")));
        let night = hours("22:00", "06:00");
        assert!(night.contains(Weekday::Friday, t("23:30")));
        assert!(night.contains(Weekday::Saturday, t("05:00")), "Friday's night shift ends on Saturday");
        assert!(!night.contains(Weekday::Monday, t("05:00")), "Sunday has no night shift");
        assert!(!night.contains(Weekday::Monday, t("12:00")));
        let err = Hours::parse(&WorkingHours { start: "7h".into(), end: "19:00".into(), days: weekdays() });
        assert!(err.unwrap_err().to_string().contains("not a time of day"));
        let err =
            Hours::parse(&WorkingHours { start: "07:00".into(), end: "19:00".into(), days: vec!["funday".into()] });
        assert!(err.unwrap_err().to_string().contains("not a day"));
    }

    #[test]
    fn every_request_gets_a_status_and_echo_alone_succeeds() {
        assert_eq!(status(Command::CEcho), Some(0));
        assert_eq!(status(Command::CStore), Some(0xA700));
        assert_eq!(status(Command::CMove), Some(0xA701));
        assert_eq!(status(Command::Normalised), Some(0x0211));
        assert_eq!(status(Command::CCancel), None);
        let cancel = CommandSet { field: 0x0FFF, ..CommandSet::default() };
        assert_eq!(answer(&cancel, 1), None);
    }
}
