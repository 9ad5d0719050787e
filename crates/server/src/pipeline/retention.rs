//! The retention stage: purges what the policy says is due, once soon after
//! start and then every hour, and audits each purge that removed anything.

use std::sync::Arc;
use std::time::Duration;

use safecare_privacy::PurgePlan;
use safecare_store::StoreError;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Config;
use crate::privacy::Privacy;

const FIRST_RUN_AFTER: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_secs(3600);

pub fn spawn_retention(config: Arc<Config>, privacy: Arc<Privacy>, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut next = FIRST_RUN_AFTER;
        loop {
            tokio::select! {
                () = tokio::time::sleep(next) => {}
                () = stop.cancelled() => break,
            }
            next = EVERY;
            if let Err(err) = purge_due(&config, &privacy).await {
                tracing::error!(%err, "retention purge failed");
            }
        }
    })
}

/// One pass of the stage: removes what is due now and, when anything went,
/// audits what was removed. Returns what was done.
pub async fn purge_due(config: &Config, privacy: &Privacy) -> Result<PurgePlan, StoreError> {
    let done = crate::privacy::purge(config, privacy.store.as_ref()).await?;
    if done.total() > 0 {
        tracing::info!(removed = done.total(), "retention purge");
        let _ = privacy.record("safecare", "retention.purge", "", &done.to_string()).await;
    }
    Ok(done)
}
