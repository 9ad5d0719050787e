//! EVTX files read directly, for offline hunting over copied logs.
//!
//! Records are rendered to JSON by the `evtx` crate (the nested
//! `Event.System`/`Event.EventData` form) and normalised by the Windows JSON
//! decoder, so file and live events look the same to detection. Reading is
//! one chunk (64 KiB of records) at a time, so memory stays flat whatever
//! the file size.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use evtx::{EvtxParser, IntoIterChunks, ParserSettings};
use safecare_model::Event;
use serde_json::Value;

use super::Context;
use super::windows::{self, WindowsError};

/// Why a file or one of its records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvtxError {
    /// The file cannot be opened as EVTX.
    #[error("cannot open EVTX file {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why, as the EVTX parser says.
        #[source]
        source: evtx::err::EvtxError,
    },
    /// A chunk of the file cannot be read; the rest may still be.
    #[error("damaged EVTX chunk: {0}")]
    ChunkRead(#[source] evtx::err::EvtxError),
    /// A chunk of the file is damaged; the rest may still be read.
    #[error("damaged EVTX chunk: {0}")]
    Chunk(#[source] evtx::err::ChunkError),
    /// A record is damaged.
    #[error("damaged EVTX record: {0}")]
    Record(#[source] evtx::err::EvtxError),
    /// A record did not render to a JSON object.
    #[error("EVTX record {record_id} rendered to something other than a JSON object")]
    NotObject {
        /// The record's EVTX record id.
        record_id: u64,
    },
    /// A record rendered but is not a usable Windows event.
    #[error("EVTX record {record_id}: {source}")]
    Event {
        /// The record's EVTX record id.
        record_id: u64,
        /// Why the Windows decoder refused it.
        source: WindowsError,
    },
}

impl EvtxError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            EvtxError::Open { .. } => "evtx_open",
            EvtxError::ChunkRead(_) | EvtxError::Chunk(_) => "evtx_chunk",
            EvtxError::Record(_) => "evtx_record",
            EvtxError::NotObject { .. } => "evtx_not_object",
            EvtxError::Event { source, .. } => source.kind(),
        }
    }
}

/// The events of one EVTX file, in record order. A damaged chunk or record
/// yields an error item and reading goes on with the next one.
pub struct EvtxEvents {
    chunks: IntoIterChunks<File>,
    settings: Arc<ParserSettings>,
    pending: VecDeque<Result<Event, EvtxError>>,
    ctx: Context,
}

impl EvtxEvents {
    /// Opens `path`; events carry `ctx`'s source and site.
    pub fn open(path: impl AsRef<Path>, ctx: Context) -> Result<Self, EvtxError> {
        let path = path.as_ref();
        let parser = EvtxParser::from_path(path).map_err(|source| EvtxError::Open { path: path.to_owned(), source })?;
        let settings = Arc::new(ParserSettings::new().separate_json_attributes(false));
        Ok(EvtxEvents { chunks: parser.into_chunks(), settings, pending: VecDeque::new(), ctx })
    }

    fn read_next_chunk(&mut self) -> bool {
        let Some(chunk) = self.chunks.next() else { return false };
        let mut data = match chunk {
            Ok(data) => data,
            Err(e) => {
                self.pending.push_back(Err(EvtxError::ChunkRead(e)));
                return true;
            }
        };
        let mut parsed = match data.parse(self.settings.clone()) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.pending.push_back(Err(EvtxError::Chunk(e)));
                return true;
            }
        };
        for record in parsed.iter() {
            let item = record
                .and_then(|r| r.into_json_value())
                .map_err(EvtxError::Record)
                .and_then(|rec| to_event(rec.event_record_id, rec.data, &self.ctx));
            self.pending.push_back(item);
        }
        true
    }
}

fn to_event(record_id: u64, data: Value, ctx: &Context) -> Result<Event, EvtxError> {
    let Value::Object(map) = data else { return Err(EvtxError::NotObject { record_id }) };
    let mut event = windows::decode_object(map, ctx).map_err(|source| EvtxError::Event { record_id, source })?;
    windows::mark_record_id(&mut event, record_id);
    Ok(event)
}

impl Iterator for EvtxEvents {
    type Item = Result<Event, EvtxError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if !self.read_next_chunk() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn missing_and_non_evtx_files_are_refused() {
        let err = EvtxEvents::open("/nonexistent/x.evtx", Context::new("hunt")).err().unwrap();
        assert_eq!(err.kind(), "evtx_open");

        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"this is not an EVTX file at all, just text").unwrap();
        let err = EvtxEvents::open(file.path(), Context::new("hunt")).err().unwrap();
        assert_eq!(err.kind(), "evtx_open");
    }

    #[test]
    fn rendered_records_go_through_the_windows_decoder() {
        let data = serde_json::json!({"Event": {"System": {"EventID": 4624, "Channel": "Security",
            "TimeCreated": {"#attributes": {"SystemTime": "2026-01-05T10:00:00Z"}}},
            "EventData": {"TargetUserName": "nurse1"}}});
        let event = to_event(7, data, &Context::new("hunt")).unwrap();
        assert_eq!(event.fields["EventRecordID"], 7);
        assert_eq!(event.fields["TargetUserName"], "nurse1");
        assert!(matches!(to_event(8, Value::Null, &Context::new("hunt")), Err(EvtxError::NotObject { record_id: 8 })));
    }
}
