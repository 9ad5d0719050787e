//! SafeCare ingest: reading every cyber and physical source into the one
//! event model.
//!
//! This crate owns the decoders ([`decode`], one file per format: syslog,
//! CEF, Suricata EVE, Zeek, Windows JSON and EVTX, physical security over
//! MQTT, flat sensor messages, IDMEFv2, HL7 v2, DICOM activity records and
//! the DIMSE and BACnet/IP wire codecs the pollers use, generic JSON), event files read
//! offline on several threads ([`files`], for hunts), the resolver that
//! places events on the asset map ([`resolve`]), per-source health counters
//! ([`health`]) and the network listeners ([`listen`]: syslog over UDP, TCP
//! and TLS, HL7 over MLLP, MQTT, the DICOM association monitor, and the
//! Modbus and BACnet pollers of building controllers) that push decoded
//! events into a bounded channel.
//!
//! It does not own storage, the bus, detection, pseudonymisation or the HTTP
//! API: listeners hand events to a `tokio::sync::mpsc::Sender<Event>` and
//! the server wires the rest.

pub mod body;
pub mod decode;
pub mod files;
pub mod health;
mod intake;
pub mod listen;
pub mod media;
pub mod resolve;
mod source;
mod source_keys;

pub use decode::{Context, DecodeError, Decoder};
pub use health::{SourceHealth, SourceStats};
pub use intake::Intake;
pub use media::{BodyFormat, MediaError};
pub use resolve::{AssetIndex, AssetLookup, Identifier, IdentifierKind, Resolved, Resolver};
pub use source::{SourceConfig, SourceError, Transport};
