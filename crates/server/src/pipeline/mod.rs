//! The stages behind the API, each a task fed by the bus: detection turns
//! stored events into alerts. Stages stop after the HTTP server, draining
//! what is already queued, so nothing accepted is left unprocessed at a
//! clean shutdown.

mod detection;
mod rules;

pub use detection::{Detection, spawn_detection};
pub use rules::{RulesError, load_rules};
