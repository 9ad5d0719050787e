//! SafeCare started inside the runner: a fresh data directory, the site
//! loaded, the scenario's sources configured (its listeners on free local
//! ports, its MQTT subscribers under a client id of their own), a sensor
//! token per HTTP source for sending and an admin token for reading back.
//! Records go through the real ingest routes and listeners.

use std::net::SocketAddr;
use std::time::Duration;

use safecare_impact::Inventory;
use safecare_ingest::{SourceConfig, Transport};
use safecare_model::Role;
use safecare_respond::notify::config::ChannelConfig;
use safecare_server::{Config, RunningServer, provision};

use crate::plan::Plan;
use crate::run::RunError;
use crate::scenario::API_SOURCE;
use crate::target::{API_SOURCE_NAME, Target};

/// How long the MQTT subscribers have to reach the broker.
const BROKER_WAIT: Duration = Duration::from_secs(15);

/// A SafeCare of its own for one run; stop it with [`Embedded::stop`].
pub struct Embedded {
    server: RunningServer,
    target: Target,
    // Removed when the run is over.
    _data: tempfile::TempDir,
}

impl Embedded {
    /// Starts SafeCare on a free local port with `site` loaded and `plan`'s
    /// sources configured.
    pub async fn start(plan: &Plan, site: Inventory) -> Result<Embedded, RunError> {
        let fail = |e: &dyn std::fmt::Display| RunError::Embedded(e.to_string());
        let data = tempfile::tempdir().map_err(|e| fail(&e))?;
        let mut plan = plan.clone();
        plan.sources = plan.sources.iter().map(local).collect::<Result<_, _>>().map_err(|e| fail(&e))?;
        let mut notify = plan.notify.clone().unwrap_or_default();
        for channel in notify.channels.values_mut() {
            if let ChannelConfig::Mqtt(mqtt) = channel {
                mqtt.client_id = unique(&mqtt.client_id);
            }
        }
        let config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data.path().to_owned(),
            sources: plan.sources.clone(),
            notify,
            ..Config::default()
        };
        let server = safecare_server::start(config).await.map_err(|e| fail(&e))?;
        server.state.replace_inventory(site).await.map_err(|e| fail(&e))?;
        let target = match ready(&server, &plan).await {
            Ok(target) => target,
            Err(err) => {
                let _ = server.stop().await;
                return Err(err);
            }
        };
        Ok(Embedded { server, target, _data: data })
    }

    /// The target to run against.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Stops SafeCare; its data directory goes with it.
    pub async fn stop(self) -> Result<(), RunError> {
        self.server.stop().await.map_err(|e| RunError::Embedded(e.to_string()))
    }
}

/// The target, once every MQTT subscriber is connected: a message
/// published before its subscription would be lost.
async fn ready(server: &RunningServer, plan: &Plan) -> Result<Target, RunError> {
    let target = target_for(server, plan).await?.with_listeners(plan, "127.0.0.1")?;
    for source in plan.sources.iter().filter(|s| matches!(s.transport, Transport::Mqtt(_))) {
        let since = std::time::Instant::now();
        while target.connections(&source.name).await? == 0 {
            if since.elapsed() > BROKER_WAIT {
                return Err(RunError::Embedded(format!(
                    "source {}: SafeCare could not connect to the broker within {BROKER_WAIT:?}",
                    source.name
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    if plan.sources.iter().any(|s| matches!(s.transport, Transport::Mqtt(_))) {
        // The subscription follows the broker's connection acknowledgement.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(target)
}

/// `source` set up for this machine: a listener on a free local port, an
/// MQTT client id no other run shares (SafeCare keeps its broker session).
fn local(source: &SourceConfig) -> std::io::Result<SourceConfig> {
    let mut source = source.clone();
    match &mut source.transport {
        Transport::SyslogTcp { listen } | Transport::Mllp { listen } => {
            let port = std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
            *listen = format!("127.0.0.1:{port}");
        }
        Transport::Mqtt(mqtt) => mqtt.client_id = unique(&mqtt.client_id),
        _ => {}
    }
    Ok(source)
}

/// `client_id` made unique to this process and moment: two runs sharing a
/// broker would otherwise take each other's connection.
fn unique(client_id: &str) -> String {
    format!("{client_id}-{}-{}", std::process::id(), jiff::Timestamp::now().as_nanosecond())
}

/// The target of a SafeCare running in this process: an admin token to read
/// back, a sensor token of its own for each of `plan`'s sources and for the
/// event API.
pub async fn target_for(server: &RunningServer, plan: &Plan) -> Result<Target, RunError> {
    let fail = |e: &dyn std::fmt::Display| RunError::Embedded(e.to_string());
    let accounts = server.state.accounts.as_ref();
    let reader =
        provision::issue_token(accounts, "sim reader", Role::Admin, None, "sim").await.map_err(|e| fail(&e))?;
    let mut target = Target::new(&server.url(), &reader);
    let senders = plan.sources.iter().map(|s| (s.name.as_str(), s.name.as_str()));
    for (source, bound) in senders.chain(std::iter::once((API_SOURCE, API_SOURCE_NAME))) {
        let token = provision::issue_token(accounts, &format!("sim {source}"), Role::Sensor, Some(bound), "sim")
            .await
            .map_err(|e| fail(&e))?;
        target = target.with_source_token(source, token);
    }
    Ok(target)
}
