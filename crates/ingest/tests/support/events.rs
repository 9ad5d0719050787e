//! Reading what a listener under test emitted.

use std::time::Duration;

use safecare_model::Event;
use tokio::sync::mpsc;
use tokio::time::timeout;

/// How long a test waits for an event it expects.
pub const WAIT: Duration = Duration::from_secs(10);

/// The next event of `category` from the listener's channel, skipping the
/// others; the test fails when none comes within [`WAIT`].
pub async fn next(rx: &mut mpsc::Receiver<Event>, category: &str) -> Event {
    timeout(WAIT, async {
        loop {
            let event = rx.recv().await.expect("channel open");
            if event.logsource.category.as_deref() == Some(category) {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {category} event"))
}
