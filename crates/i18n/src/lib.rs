//! SafeCare's words in each language. It owns the Fluent message
//! catalogues (the dashboard, notifications, CAP texts, playbook task
//! titles, report drafts) and how a time or a number is written for one
//! reader. It owns no record (a person's [`Preferences`] live in the model)
//! and no page: callers ask a [`Locale`] for a message by its id.
//!
//! English is complete and is the fallback: a message missing from another
//! catalogue is written in English, and a test lists what each catalogue
//! still lacks.

mod catalog;
mod format;

pub use catalog::{Arg, CATALOG, Catalog, CatalogProblem};
pub use format::{Defaults, InvalidTimeZone, Locale, time_zone};
pub use safecare_model::{Language, Preferences};
