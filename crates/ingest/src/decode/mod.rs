//! Decoders: one file per format, each turning raw bytes into
//! [`safecare_model::Event`]s with a specific error per failure.

pub mod bacnet_ip;
pub mod cef;
mod context;
pub mod dicom;
pub mod dimse;
pub mod eve;
pub mod evtx;
pub mod hl7;
pub mod idmef;
pub mod input;
pub mod json;
pub mod mapped;
pub mod physical;
pub mod sensor_map;
pub mod syslog;
pub mod time;
pub mod windows;
pub mod zeek;
pub mod zeek_tsv;

pub use context::Context;

use safecare_model::Event;
use serde::{Deserialize, Serialize};

use self::mapped::JsonMapping;
use self::sensor_map::SensorMap;

/// Any decoder's error; [`DecodeError::kind`] is the short name counted in
/// a source's health.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// A syslog line was refused.
    #[error("syslog: {0}")]
    Syslog(#[from] syslog::SyslogError),
    /// A CEF record was refused.
    #[error("CEF: {0}")]
    Cef(#[from] cef::CefError),
    /// A Suricata EVE record was refused.
    #[error("Suricata EVE: {0}")]
    Eve(#[from] eve::EveError),
    /// A Zeek record was refused.
    #[error("Zeek: {0}")]
    Zeek(#[from] zeek::ZeekError),
    /// A record of a tab-separated Zeek log was refused.
    #[error("Zeek log: {0}")]
    ZeekTsv(#[from] zeek_tsv::ZeekTsvError),
    /// A Windows event was refused.
    #[error("Windows event: {0}")]
    Windows(#[from] windows::WindowsError),
    /// A physical-security message was refused.
    #[error("physical event: {0}")]
    Physical(#[from] physical::PhysicalError),
    /// A sensor message was refused.
    #[error("sensor message: {0}")]
    Sensor(#[from] sensor_map::SensorError),
    /// An HL7 v2 message was refused.
    #[error("HL7 v2: {0}")]
    Hl7(#[from] hl7::Hl7Error),
    /// A DICOM activity record was refused.
    #[error("DICOM: {0}")]
    Dicom(#[from] dicom::DicomError),
    /// An IDMEFv2 alert was refused.
    #[error("IDMEFv2: {0}")]
    Idmef(#[from] idmef::IdmefError),
    /// A JSON record was refused by its field mapping.
    #[error("JSON: {0}")]
    Mapped(#[from] mapped::MappedError),
    /// A physical message came without its MQTT topic.
    #[error("the physical decoder needs the MQTT topic of the message")]
    MissingTopic,
    /// The record is over the source's size limit.
    #[error("record is {len} bytes, over the limit of {max} (max_event_bytes)")]
    TooLarge {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl DecodeError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Syslog(e) => e.kind(),
            DecodeError::Cef(e) => e.kind(),
            DecodeError::Eve(e) => e.kind(),
            DecodeError::Zeek(e) => e.kind(),
            DecodeError::ZeekTsv(e) => e.kind(),
            DecodeError::Windows(e) => e.kind(),
            DecodeError::Physical(e) => e.kind(),
            DecodeError::Sensor(e) => e.kind(),
            DecodeError::Hl7(e) => e.kind(),
            DecodeError::Dicom(e) => e.kind(),
            DecodeError::Idmef(e) => e.kind(),
            DecodeError::Mapped(e) => e.kind(),
            DecodeError::MissingTopic => "missing_topic",
            DecodeError::TooLarge { .. } => "too_large",
        }
    }
}

/// The decoder a source is configured with (`parser = "..."` in
/// `[[sources]]`). Serialised with a `parser` tag, the options beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "parser", rename_all = "snake_case", deny_unknown_fields)]
pub enum Decoder {
    /// RFC 5424 and BSD (RFC 3164) syslog lines, CEF payloads included.
    Syslog,
    /// Bare CEF records.
    Cef,
    /// Suricata EVE JSON.
    Eve,
    /// Zeek JSON logs.
    Zeek {
        /// The log name when records carry no `_path` (one file per log).
        #[serde(default)]
        log: Option<String>,
    },
    /// Windows events as JSON (flat, `Event.System` or winlog form).
    Windows,
    /// IDMEFv2 alerts from other detectors.
    Idmef,
    /// HL7 v2 messages (ER7) from clinical systems and medical devices.
    Hl7,
    /// DICOM activity records (associations and DIMSE commands), as the
    /// `dicom` monitor writes them.
    Dicom,
    /// Any JSON, its event core read through a field mapping.
    Json(JsonMapping),
    /// MQTT: `safecare/...` topics by their schema, other topics through
    /// the sensor mapping table.
    Physical {
        /// The mapping table for topics outside `safecare/...`.
        #[serde(default)]
        sensors: SensorMap,
    },
}

impl Decoder {
    /// Decodes one record (a syslog line, a JSON object). `topic` is the MQTT
    /// topic for messages that came over MQTT. A flat sensor message with
    /// several readings gives several events: this returns the first, and
    /// [`Decoder::decode_all`] every one (what the listeners use).
    pub fn decode(&self, input: &[u8], topic: Option<&str>, ctx: &Context) -> Result<Event, DecodeError> {
        let mut events = self.decode_all(input, topic, ctx)?;
        // Every decoder yields at least one event or an error.
        Ok(events.swap_remove(0))
    }

    /// Decodes one record into all the events it holds: one, except for
    /// flat sensor messages, which give one per reading, and HL7 batches,
    /// one per message.
    pub fn decode_all(&self, input: &[u8], topic: Option<&str>, ctx: &Context) -> Result<Vec<Event>, DecodeError> {
        if let (Decoder::Physical { sensors }, Some(topic)) = (self, topic)
            && !topic.starts_with("safecare/")
        {
            return Ok(sensors.decode(topic, input, ctx)?);
        }
        let one = match self {
            Decoder::Hl7 => return Ok(hl7::decode_all(input, ctx)?),
            Decoder::Dicom => dicom::decode(input, ctx)?,
            Decoder::Syslog => syslog::decode(input, ctx)?,
            Decoder::Cef => cef::decode(input, ctx)?,
            Decoder::Eve => eve::decode(input, ctx)?,
            Decoder::Zeek { log } => zeek::decode(input, log.as_deref(), ctx)?,
            Decoder::Windows => windows::decode(input, ctx)?,
            Decoder::Idmef => idmef::decode(input, ctx)?,
            Decoder::Json(mapping) => mapping.decode(input, ctx)?,
            // Sensor topics were handled above.
            Decoder::Physical { .. } => physical::decode(topic.ok_or(DecodeError::MissingTopic)?, input, ctx)?,
        };
        Ok(vec![one])
    }

    /// Decodes newline-delimited records (an NDJSON body, a log file); each
    /// line gets its own result, so one bad line never loses the others.
    /// Blank lines are skipped; results carry the 1-based line number.
    pub fn decode_lines<'a>(
        &'a self,
        input: &'a [u8],
        ctx: &'a Context,
    ) -> impl Iterator<Item = (usize, Result<Event, DecodeError>)> + 'a {
        input
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
            .map(move |(i, line)| (i + 1, self.decode(line, None, ctx)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoder_config_is_tagged_by_parser() {
        let d: Decoder = serde_json::from_str(r#"{"parser":"zeek","log":"conn"}"#).unwrap();
        assert_eq!(d, Decoder::Zeek { log: Some("conn".into()) });
        let d: Decoder = serde_json::from_str(r#"{"parser":"json","domain":"building"}"#).unwrap();
        assert!(matches!(d, Decoder::Json(_)));
        assert!(serde_json::from_str::<Decoder>(r#"{"parser":"xml"}"#).is_err());
    }

    #[test]
    fn lines_decode_independently() {
        let body =
            b"{\"timestamp\":\"2026-01-05T10:00:00Z\",\"event_type\":\"flow\"}\n\nnot json\n{\"event_type\":\"dns\"}\n";
        let ctx = Context::new("eve");
        let results: Vec<_> = Decoder::Eve.decode_lines(body, &ctx).collect();
        assert_eq!(results.len(), 3);
        assert!(results[0].1.is_ok());
        assert_eq!(results[1].0, 3);
        assert_eq!(results[1].1.as_ref().unwrap_err().kind(), "invalid_json");
        assert_eq!(results[2].1.as_ref().unwrap_err().kind(), "eve_missing_timestamp");
    }

    #[test]
    fn physical_decoder_routes_by_topic() {
        let d = Decoder::Physical { sensors: SensorMap::default() };
        let ctx = Context::new("mqtt");
        assert!(d.decode(br#"{}"#, Some("safecare/hq/physical/panic/pb1"), &ctx).is_ok());
        assert_eq!(d.decode(b"{}", Some("x/y"), &ctx).unwrap_err().kind(), "sensor_no_rule");
        assert_eq!(d.decode(b"{}", None, &ctx).unwrap_err().kind(), "missing_topic");
    }
}
