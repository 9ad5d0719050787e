//! SafeCare's service: configuration, the HTTP API and the wiring of the
//! pipeline (ingest → store → bus) in one process.
//!
//! This crate owns the routes, their request/response forms and errors, the
//! metrics exposition and the server's start and graceful stop. It does not
//! own storage, decoding or detection logic: it calls the crates that do.

pub mod auth;
mod availability;
mod cap;
mod config;
mod connections;
mod error;
mod incidents;
pub mod log_safety;
mod metrics_setup;
mod notify;
mod pipeline;
pub mod privacy;
pub mod private_files;
pub mod provision;
mod routes;
pub mod search;
mod server;
mod state;
pub mod tls;
mod web;

pub use availability::Availability;
pub use cap::CapMessages;
pub use config::{AuthConfig, Config, ConfigError, PrivacyConfig};
pub use connections::ConnectionLimits;
pub use incidents::StoreIncidents;
pub use notify::{Notifications, StoreOutbox, TestSendError};
pub use pipeline::purge_due;
pub use routes::{RouteInfo, access_matrix_markdown, route_table};
pub use safecare_detect::{RulesConfig, RulesError, load_rules};
pub use safecare_ingest::{SourceConfig, Transport};
pub use safecare_respond::{Incidents, IncidentsConfig};
pub use server::{RunningServer, ServerError, start};
pub use state::AppState;
