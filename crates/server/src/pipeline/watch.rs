//! Hot reload: the configured rule folders are watched, and once changes
//! have settled the rules are reloaded into the running detection stage.

use std::path::PathBuf;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Detection;

/// Quiet time after the last change before reloading: an editor's save or
/// a `git pull` touches many files in a burst, and one reload should
/// follow, not one per file.
const DEBOUNCE: Duration = Duration::from_millis(400);

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch the rule folder {path}: {source}")]
pub struct WatchError {
    path: PathBuf,
    source: notify::Error,
}

/// Watches `dirs` (recursively) until `stop`; `None` when there is nothing
/// to watch.
pub fn spawn_rule_watcher(
    detection: Detection,
    dirs: &[PathBuf],
    stop: CancellationToken,
) -> Result<Option<JoinHandle<()>>, WatchError> {
    if dirs.is_empty() {
        return Ok(None);
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| match event {
        Ok(event) if changes_content(&event.kind) => {
            let _ = tx.send(());
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(%err, "rule folder watch error"),
    })
    .map_err(|source| WatchError { path: dirs[0].clone(), source })?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::Recursive).map_err(|source| WatchError { path: dir.clone(), source })?;
    }
    tracing::info!(folders = dirs.len(), "watching rule folders for changes");
    Ok(Some(tokio::spawn(run(detection, watcher, rx, stop))))
}

/// Reading the rules (which the reload itself does) must not trigger
/// another reload; only writes, creations, removals and renames count.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

async fn run(
    detection: Detection,
    // Kept alive here: dropping it ends the watch.
    _watcher: notify::RecommendedWatcher,
    mut changes: mpsc::UnboundedReceiver<()>,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            change = changes.recv() => if change.is_none() { break },
            () = stop.cancelled() => break,
        }
        loop {
            tokio::select! {
                change = changes.recv() => if change.is_none() { return },
                () = tokio::time::sleep(DEBOUNCE) => break,
                () = stop.cancelled() => return,
            }
        }
        // A refused or failed reload is logged and counted inside; the
        // previous rules keep running either way.
        if detection.reload().await.is_ok() {
            tracing::info!("rules reloaded after a change in the rule folders");
        }
    }
}
