//! SafeCare started inside the runner: a fresh data directory, the site
//! loaded, the scenario's HTTP sources configured, a sensor token per
//! source for sending and an admin token for reading back. Records still go
//! over HTTP through the real ingest routes.

use std::net::SocketAddr;

use safecare_impact::Inventory;
use safecare_model::Role;
use safecare_server::{Config, RunningServer, provision};

use crate::plan::Plan;
use crate::run::RunError;
use crate::scenario::API_SOURCE;
use crate::target::{API_SOURCE_NAME, Target};

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
        let config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data.path().to_owned(),
            sources: plan.sources.clone(),
            ..Config::default()
        };
        let server = safecare_server::start(config).await.map_err(|e| fail(&e))?;
        server.state.replace_inventory(site).await.map_err(|e| fail(&e))?;
        let target = match target_for(&server, plan).await {
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
