//! The shared data types of SafeCare.
//!
//! This crate owns the vocabulary every other crate speaks: the normalised
//! [`Event`] (cyber, physical, building and medical alike), the IDMEFv2-shaped
//! [`Alert`], the [`Incident`] that groups alerts, the [`Asset`]s and
//! [`Relation`]s of a hospital, [`Location`]s and their WGS84 [`Geo`]graphy, identifiers with the one
//! [`IdentifierIndex`] that resolves them to assets, [`Severity`], and the known [`Threat`]s.
//! It also holds the account records (roles, users, sessions, API tokens).
//! Every type has a documented serde form that round-trips.
//!
//! It does not own any behaviour beyond validation and small conversions: no
//! I/O, no storage, no detection. It depends on nothing else in the workspace.

mod account;
mod alert;
mod asset;
mod asset_index;
mod capacity;
mod event;
mod geo;
mod identifier;
pub mod idmef;
mod ids;
mod incident;
mod location;
mod preferences;
mod severity;
mod threat;

pub use account::{ApiToken, ParseRoleError, Role, Session, User};
pub use alert::{
    Alert, AlertAnalyzer, AlertAttachment, AlertCause, AlertExtension, AlertNode, AlertStatus, IDMEF_VERSION,
    MAX_ATTACHMENT_CONTENT, MAX_ATTACHMENTS,
};
pub use asset::{Asset, AssetIdentifiers, AssetKind, DependencyClass, Relation, RelationKind};
pub use asset_index::{AssetIndex, AssetLookup, IdentifierIndex, Resolved};
pub use capacity::{BedType, Capacity, CapacityError, Staffing, Ward};
pub use event::{Domain, EXERCISE_FIELD, Event, EventInput, InvalidEvent, Logsource, MAX_MESSAGE_LEN, ingest_fields};
pub use geo::{
    ControlPoint, ENTRANCE_TOLERANCE_M, Geo, GeoError, GeoPoint, LatLon, PlanTransform, contains, distance_m,
    distance_to_outline_m, polygon_area_m2,
};
pub use identifier::{IdentifierKind, InvalidIdentifier, normalise_identifier};
pub use ids::{AlertId, AssetId, EventId, IncidentId, ParseIdError};
pub use incident::{Incident, IncidentChange, IncidentStatus};
pub use location::Location;
pub use preferences::{Language, Preferences};
pub use severity::{ParseSeverityError, Severity};
pub use threat::Threat;

/// The one timestamp type of the workspace: an instant in UTC.
pub use jiff::Timestamp;
