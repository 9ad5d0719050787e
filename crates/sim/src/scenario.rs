//! The scenario file as written (YAML): a story in phases, steps on a
//! timeline emitting records in their sources' own formats, background
//! noise, and what SafeCare must raise. Durations and names stay text here;
//! [`crate::validate`] checks them all against the site and names every
//! problem at once.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The built-in source: SafeCare's own event form, posted to
/// `POST /api/v1/events`.
pub const API_SOURCE: &str = "api";

/// A scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name (`demo-attack`), used on the command line.
    pub name: String,
    /// One-line title.
    pub title: String,
    /// The story told to the people taking part.
    #[serde(default)]
    pub story: String,
    /// The site model the steps name assets of (`demo-hospital`).
    pub site: String,
    /// Sources (`[[sources]]` entries) the steps send native records
    /// through: `http` (posted to the source's ingest route), `syslog_tcp`
    /// and `mllp` (sent to the listener's port on the target's host),
    /// `mqtt` (published to the broker SafeCare subscribes to). The runner
    /// configures them when it starts SafeCare itself.
    #[serde(default)]
    pub sources: Vec<Value>,
    /// The attack's phases, in order.
    pub phases: Vec<Phase>,
    /// What the attacker does, on a timeline.
    pub steps: Vec<Step>,
    /// Normal activity around the attack.
    #[serde(default)]
    pub noise: Vec<Noise>,
    /// Incidents SafeCare must open.
    #[serde(default)]
    pub incidents: Vec<IncidentExpectation>,
    /// Notifications SafeCare must send about the run's incidents.
    #[serde(default)]
    pub notifications: Vec<NotificationExpectation>,
    /// The notification settings (`[notify]`: channels, routes, roster) of
    /// a SafeCare the runner starts itself; a running target keeps its own.
    #[serde(default)]
    pub notify: Option<Value>,
    /// People taking part: incidents acknowledged through the API, as the
    /// security desk would.
    #[serde(default)]
    pub acknowledge: Vec<Acknowledgement>,
    /// How long noise runs (`10m`); default: until the last step.
    #[serde(default)]
    pub duration: Option<String>,
}

/// A notification SafeCare must send about an incident of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationExpectation {
    /// The step by which it must be sent.
    pub by: String,
    /// Longest time from sending that step to the channel accepting it.
    pub within: String,
    /// The route that must send it; any when absent.
    #[serde(default)]
    pub route: Option<String>,
    /// The channel it must go out on; any when absent.
    #[serde(default)]
    pub channel: Option<String>,
    /// The on-call role whose people it must name; any when absent.
    #[serde(default)]
    pub role: Option<String>,
    /// The threat of the incident it is about; any when absent.
    #[serde(default)]
    pub threat: Option<String>,
}

/// A scripted acknowledgement: someone acknowledges the run's incident(s)
/// of a threat some time after each opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// The threat of the incidents acknowledged; every incident when absent.
    #[serde(default)]
    pub threat: Option<String>,
    /// How long after the incident opened, on the scenario's timeline.
    pub after: String,
}

/// The four stages of an attack in EBIOS RM's operational scenarios.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Learning about the target (reconnaissance, social engineering).
    #[strum(serialize = "know")]
    Know,
    /// Getting in (phishing, tailgating, a forced door).
    #[strum(serialize = "get_in")]
    GetIn,
    /// Finding the valuable assets (discovery, lateral movement).
    #[strum(serialize = "find")]
    Find,
    /// Exploiting them (encryption, theft, sabotage).
    #[strum(serialize = "exploit")]
    Exploit,
}

/// One phase of the story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Identifier steps refer to.
    pub id: String,
    /// What happens in it.
    pub name: String,
    /// Its EBIOS RM stage.
    pub stage: Stage,
}

/// One attacker action: records sent at a time of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Identifier (unique in the scenario).
    pub id: String,
    /// The phase it belongs to.
    pub phase: String,
    /// When, from the start (`90s`, `2m30s`).
    pub at: String,
    /// Random shift either way (`5s`), drawn from the seed.
    #[serde(default)]
    pub jitter: Option<String>,
    /// What happens, for the report.
    pub say: String,
    /// The site asset it concerns: fills `${asset…}` and `${room}`-style
    /// placeholders.
    #[serde(default)]
    pub asset: Option<String>,
    /// The source sending its records: a name from `sources`, or `api`.
    pub source: String,
    /// The topic its records are published on, for an `mqtt` source.
    #[serde(default)]
    pub topic: Option<String>,
    /// The records, in the source's own format: a string is one line
    /// (syslog, CEF) or HL7 message, a mapping one JSON record.
    pub records: Vec<Value>,
    /// How many times its records are sent at once (a burst: twenty files
    /// encrypted); `${n}` numbers the copies from 1.
    #[serde(default = "one")]
    pub repeat: u32,
    /// Alerts this step must raise.
    #[serde(default)]
    pub expect: Vec<AlertExpectation>,
}

/// An alert a step must raise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertExpectation {
    /// The rule: its `name` (`hospital-usb-storage`) or id.
    pub rule: String,
    /// Longest time from sending the step to the alert (`30s`).
    pub within: String,
}

/// A background generator: records at a mean interval over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// Name, for the report.
    pub name: String,
    /// The source sending its records.
    pub source: String,
    /// The topic its records are published on, for an `mqtt` source.
    #[serde(default)]
    pub topic: Option<String>,
    /// Mean interval between two emissions (`20s`); each is drawn between
    /// half and one and a half times it.
    pub every: String,
    /// Assets picked from at each emission (optional).
    #[serde(default)]
    pub assets: Vec<String>,
    /// Named value lists (strings or numbers); `${name}` takes one value
    /// at each emission.
    #[serde(default)]
    pub values: BTreeMap<String, Vec<Value>>,
    /// The records of one emission.
    pub records: Vec<Value>,
}

/// An incident SafeCare must open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentExpectation {
    /// Its threat type (`ransomware`); any when absent.
    #[serde(default)]
    pub threat: Option<String>,
    /// The step by which it must exist.
    pub by: String,
    /// Longest time from sending that step to the incident (`60s`).
    pub within: String,
    /// Services its impact assessment must reach (asset ids).
    #[serde(default)]
    pub services: Vec<String>,
    /// Playbooks it must have attached.
    #[serde(default)]
    pub playbooks: Vec<String>,
    /// Playbook tasks it must have opened, by the id their playbook gives
    /// them (`isolate-hosts`).
    #[serde(default)]
    pub tasks: Vec<String>,
}

fn one() -> u32 {
    1
}

impl Scenario {
    /// Reads a scenario from YAML; `origin` names it in the error.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Scenario, crate::Problems> {
        serde_saphyr::from_str(text)
            .map_err(|e| crate::Problems::one(origin.to_owned(), format!("not a scenario: {e}")))
    }
}
