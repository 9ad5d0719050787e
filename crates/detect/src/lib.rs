//! SafeCare's detection engine.
//!
//! Owns: loading Sigma rules (detection, correlation, filter) from
//! directories into a [`RuleSet`], routing each event to the rules whose
//! logsource it satisfies, presenting Windows events from any collector
//! under the field names SigmaHQ rules use, correlating across cyber and
//! physical events through the event core (`safecare.*` fields), and turning
//! matches into IDMEFv2 [`safecare_model::Alert`]s. Sigma parsing and matching
//! are done by `rsigma-parser`/`rsigma-eval`, wrapped behind this interface.
//!
//! Offline hunting runs on all cores ([`hunt_parallel`]) and [`bench`]
//! measures events/s for `safecare bench detect`, over the event sets in
//! [`samples`] that the criterion bench and the tests also use.
//!
//! Does not own: decoding sources into events (ingest), persisting
//! correlation snapshots (the server stores [`Detector::snapshot`]), file
//! watching for hot reload, or the CLI.

mod alert;
mod correlate;
mod detector;
mod error;
mod evaluate;
mod hunt;
pub mod inbound;
pub mod logsource;
mod meta;
mod pack;
mod prefilter;
mod reach;
pub mod reference;
mod route;
mod rule_cache;
mod ruleset;
pub mod samples;
mod view;

pub use detector::{Detector, Windows, hunt};
pub use error::{DetectError, Refusal};
pub use hunt::{BenchReport, bench, hunt_parallel, hunt_parallel_each};
pub use meta::{RuleKind, RuleMeta, THREAT_ATTRIBUTE, THREAT_TAG_PREFIX};
pub use pack::{Catalog, RulesConfig, RulesError, Switches, load_rules};
pub use reach::Reach;
pub use route::EventRoute;
pub use rule_cache::CacheUse;
pub use ruleset::{RuleSet, RuleSetBuilder};
pub use view::{PERSON_FIELDS, core_fields};
