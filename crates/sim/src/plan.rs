//! A checked scenario: durations parsed, assets found in the site, sources
//! built. Only [`crate::validate`] makes one.

use std::collections::BTreeMap;
use std::time::Duration;

use safecare_ingest::SourceConfig;
use safecare_respond::notify::config::{ChannelConfig, NotifyConfig};
use serde_json::Value;

use crate::scenario::Stage;
use crate::template::Vars;

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Its short name.
    pub name: String,
    /// Its title.
    pub title: String,
    /// The sources its steps and noise send through.
    pub sources: Vec<SourceConfig>,
    /// The attacker's steps, in file order.
    pub steps: Vec<PlanStep>,
    /// The noise generators.
    pub noise: Vec<PlanNoise>,
    /// The incidents expected.
    pub incidents: Vec<PlanIncident>,
    /// The notifications expected.
    pub notifications: Vec<PlanNotification>,
    /// The notification settings of a SafeCare started for the run.
    pub notify: Option<NotifyConfig>,
    /// Scripted acknowledgements.
    pub acknowledge: Vec<PlanAcknowledgement>,
    /// How long noise runs.
    pub duration: Duration,
}

impl Plan {
    /// The plan with every MQTT source subscribing to the broker at `url`
    /// (`sim run --mqtt`, the tests' broker) instead of the one written.
    pub fn with_broker(mut self, url: &str) -> Plan {
        for source in &mut self.sources {
            if let safecare_ingest::Transport::Mqtt(mqtt) = &mut source.transport {
                mqtt.url = url.to_owned();
            }
        }
        for channel in self.notify.iter_mut().flat_map(|n| n.channels.values_mut()) {
            if let ChannelConfig::Mqtt(mqtt) = channel {
                mqtt.url = url.to_owned();
            }
        }
        self
    }
}

/// A checked step.
#[derive(Debug, Clone)]
pub struct PlanStep {
    /// Its identifier.
    pub id: String,
    /// Its phase's identifier.
    pub phase: String,
    /// Its phase's stage.
    pub stage: Stage,
    /// When, from the start.
    pub at: Duration,
    /// Random shift either way.
    pub jitter: Duration,
    /// What happens.
    pub say: String,
    /// The source sending its records (`api` or a source name).
    pub source: String,
    /// The MQTT topic, placeholders unfilled.
    pub topic: Option<String>,
    /// The asset's placeholders.
    pub vars: Vars,
    /// Its records, placeholders unfilled.
    pub records: Vec<Value>,
    /// Alerts it must raise: rule name or id, and the longest delay.
    pub expect: Vec<(String, Duration)>,
}

/// A checked noise generator.
#[derive(Debug, Clone)]
pub struct PlanNoise {
    /// Its name.
    pub name: String,
    /// The source sending its records.
    pub source: String,
    /// The MQTT topic, placeholders unfilled.
    pub topic: Option<String>,
    /// Mean interval.
    pub every: Duration,
    /// The placeholders of each asset it picks from.
    pub assets: Vec<Vars>,
    /// Named value lists.
    pub values: BTreeMap<String, Vec<Value>>,
    /// The records of one emission.
    pub records: Vec<Value>,
}

/// A checked incident expectation.
#[derive(Debug, Clone)]
pub struct PlanIncident {
    /// Threat type; any when `None`.
    pub threat: Option<String>,
    /// Index of the step by which it must exist.
    pub by: usize,
    /// Longest delay from that step.
    pub within: Duration,
    /// Services its impact must reach.
    pub services: Vec<String>,
    /// Playbooks it must have.
    pub playbooks: Vec<String>,
    /// Playbook tasks it must have opened (task ids).
    pub tasks: Vec<String>,
}

/// A checked notification expectation.
#[derive(Debug, Clone)]
pub struct PlanNotification {
    /// Index of the step by which it must be sent.
    pub by: usize,
    /// Longest delay from that step to delivery.
    pub within: Duration,
    /// The route; any when `None`.
    pub route: Option<String>,
    /// The channel; any when `None`.
    pub channel: Option<String>,
    /// The route's on-call role; any when `None`.
    pub role: Option<String>,
    /// The incident's threat; any when `None`.
    pub threat: Option<String>,
}

/// A checked scripted acknowledgement.
#[derive(Debug, Clone)]
pub struct PlanAcknowledgement {
    /// The incidents' threat; every incident when `None`.
    pub threat: Option<String>,
    /// Delay after the incident opened, on the timeline.
    pub after: Duration,
}
