//! `safecare audit verify` and `safecare purge`.

use std::sync::Arc;

use safecare_server::Config;
use safecare_server::privacy::{Privacy, purge as purge_now, purge_plan};
use safecare_store::Store;

use crate::accounts::open_existing;

pub async fn audit_verify(config: Config) -> anyhow::Result<()> {
    let store = Arc::new(open_existing(&config)?);
    let privacy = Privacy::open(&config, store.clone())?;
    let verdict = privacy.audit.check().await;
    store.close().await;
    verdict?;
    println!("audit log intact");
    Ok(())
}

pub async fn purge(config: Config, dry_run: bool) -> anyhow::Result<()> {
    let store = Arc::new(open_existing(&config)?);
    let result = if dry_run {
        purge_plan(&config, store.as_ref()).await
    } else {
        let done = purge_now(&config, store.as_ref()).await;
        if let Ok(done) = &done {
            let privacy = Privacy::open(&config, store.clone())?;
            privacy.record("cli", "retention.purge", "", &done.to_string()).await?;
        }
        done
    };
    store.close().await;
    let plan = result?;
    println!("{}{plan}", if dry_run { "dry run: nothing removed\n" } else { "" });
    Ok(())
}
