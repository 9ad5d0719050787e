//! `safecare notify test ROUTE`: sends a test message on a route through
//! the configured channel now, prints the outcome, and keeps it in the
//! outbox and the audit log like the API's test send.

use std::sync::Arc;

use safecare_respond::notify::DeliveryStatus;
use safecare_server::Config;
use safecare_server::Notifications;
use safecare_server::privacy::Privacy;
use safecare_store::Store;

use crate::accounts::open_existing;

pub async fn test(config: Config, route: &str) -> anyhow::Result<()> {
    let store = Arc::new(open_existing(&config)?);
    let notifications = Notifications::new(config.notify.clone(), store.clone(), config.display.language)?;
    let sent = notifications.test_send(route, "cli").await;
    if let Ok(entry) = &sent {
        let privacy = Privacy::open(&config, store.clone())?;
        let detail = format!("test on route {route}: {}", entry.status.as_str());
        privacy.record("cli", "notification.test", &entry.notification.key, &detail).await?;
    }
    store.close().await;
    let entry = sent?;
    match entry.status {
        DeliveryStatus::Delivered => {
            println!("test notification on route {route} delivered via channel {}", entry.notification.channel);
            Ok(())
        }
        _ => anyhow::bail!(
            "test notification on route {route} failed: {}",
            entry.last_error.as_deref().unwrap_or("no reason given")
        ),
    }
}
