//! The one ingest step every source shares, whatever carries its records
//! (a listener, or `POST /api/v1/sources/{name}/events`): decode with the
//! source's decoder and context, place each event on the asset map, count
//! it in the source's health.

use std::net::SocketAddr;
use std::sync::Arc;

use safecare_model::{AssetLookup, Event, Timestamp, ingest_fields};

use crate::decode::input::MAX_RECORD_LEN;
use crate::decode::{Context, DecodeError, Decoder};
use crate::health::SourceStats;
use crate::resolve::Resolver;

/// A configured source's decoding, placing and counting.
#[derive(Clone)]
pub struct Intake {
    /// How records are decoded.
    pub decoder: Arc<Decoder>,
    /// Source name, site and zone; the receipt time is set per record.
    pub context: Context,
    /// The source's counters.
    pub stats: SourceStats,
    /// What events are placed against; none leaves them unplaced.
    pub assets: Option<Arc<dyn AssetLookup>>,
    /// The largest record decoded; larger ones are counted and refused.
    pub max_record: usize,
}

impl Intake {
    /// Decodes with `decoder` in `context`, placing nothing, with the default record limit.
    pub fn new(decoder: Decoder, context: Context) -> Self {
        let stats = SourceStats::new(context.source.clone());
        Intake { decoder: Arc::new(decoder), context, stats, assets: None, max_record: MAX_RECORD_LEN }
    }

    /// Lowers the largest record decoded (a listener's framing keeps its own cap).
    pub fn with_max_record(mut self, max: usize) -> Self {
        self.max_record = max;
        self
    }

    /// Places events against `assets`.
    pub fn with_assets(mut self, assets: Arc<dyn AssetLookup>) -> Self {
        self.assets = Some(assets);
        self
    }

    /// The events of one record, each placed and counted; a record that
    /// does not decode is counted and its error returned. `peer` is the
    /// sending address, kept on the event (a device that logs for itself is
    /// its own asset).
    pub fn take(
        &self,
        record: &[u8],
        topic: Option<&str>,
        peer: Option<SocketAddr>,
    ) -> Result<Vec<Event>, DecodeError> {
        let ctx = self.context.clone().received_at(Timestamp::now());
        let decoded = if record.len() > self.max_record {
            Err(DecodeError::TooLarge { len: record.len(), max: self.max_record })
        } else {
            self.decoder.decode_all(record, topic, &ctx)
        };
        let mut events = decoded.inspect_err(|e| {
            self.stats.record_error(e.kind(), e.to_string());
            metrics::counter!("safecare_ingest_rejected_total", "source" => self.context.source.clone(), "kind" => e.kind())
                .increment(1);
        })?;
        for event in &mut events {
            // On the source's clock, so that rules can tell night from day:
            // Sigma has no time-of-day condition of its own.
            let hour = ctx.timezone.to_datetime(event.time).hour();
            event.fields.entry(ingest_fields::LOCAL_HOUR).or_insert_with(|| hour.into());
            if let Some(peer) = peer {
                event.fields.entry(ingest_fields::PEER).or_insert_with(|| peer.ip().to_string().into());
            }
            if let Some(assets) = &self.assets {
                Resolver::resolve(event, assets.as_ref());
            }
            self.stats.record_event(event.received);
        }
        Ok(events)
    }
}
