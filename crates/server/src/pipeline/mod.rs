//! The stages behind the API, each a task: detection turns stored events
//! (from the bus) into alerts, with its rules reloaded when their folders
//! change; the incident stage groups alerts into incidents; retention
//! purges on schedule. Stages stop after the HTTP server, draining
//! what is already queued, so nothing accepted is left unprocessed at a
//! clean shutdown.

mod detection;
mod incidents;
mod retention;
mod rules;
mod source_keys;
mod sources;
mod watch;

pub use detection::{Detection, ReloadError, SwitchError, spawn_detection};
pub use incidents::spawn_incidents;
pub use retention::{purge_due, spawn_retention};
pub use rules::{Catalog, RulesError, load_rules};
pub use sources::{SourceConfig, SourceError, Sources, Transport, spawn_sources, store_and_publish};
pub use watch::{WatchError, spawn_rule_watcher};
