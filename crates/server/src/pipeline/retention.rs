//! The retention stage: purges what the policy says is due, once soon after
//! start and then every hour, and audits each purge that removed anything.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::AppState;

const FIRST_RUN_AFTER: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_secs(3600);

pub fn spawn_retention(state: AppState, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut next = FIRST_RUN_AFTER;
        loop {
            tokio::select! {
                () = tokio::time::sleep(next) => {}
                () = stop.cancelled() => break,
            }
            next = EVERY;
            match crate::privacy::purge(&state.config, state.privacy.store.as_ref()).await {
                Ok(done) if done.total() > 0 => {
                    tracing::info!(removed = done.total(), "retention purge");
                    state.audit("safecare", "retention.purge", "", &done.to_string()).await;
                }
                Ok(_) => {}
                Err(err) => tracing::error!(%err, "retention purge failed"),
            }
        }
    })
}
