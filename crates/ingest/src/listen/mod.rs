//! Network listeners: one file per transport. Each decodes what it
//! receives, resolves it on the asset map and pushes it into a bounded
//! channel; when the channel is full the listener waits (TCP and TLS stop
//! reading, so pressure reaches the sender). Bad input is counted in the
//! source's [`SourceStats`] and never stops a listener.

mod framing;
mod mqtt;
mod tcp;
mod tls;
mod udp;

pub use framing::{FrameError, FrameReader};
pub use mqtt::{MqttConfig, MqttSubscriber};
pub use tcp::TcpSyslog;
pub use tls::{tls_acceptor, tls_client_config};
pub use udp::UdpSyslog;

use std::net::SocketAddr;
use std::sync::Arc;

use safecare_model::{Event, Timestamp};
use tokio::sync::mpsc;

use crate::decode::input::MAX_RECORD_LEN;
use crate::decode::{Context, DecodeError, Decoder};
use crate::health::SourceStats;
use crate::resolve::{AssetLookup, Resolver};

/// Why a listener could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("listener socket failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS configuration: {0}")]
    Tls(String),
    #[error("MQTT configuration: {0}")]
    Mqtt(String),
}

/// The receiving end of the pipeline has gone away (shutdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("event channel closed")]
pub struct Closed;

/// What a listener does with each record it receives.
#[derive(Clone)]
pub struct Pipeline {
    pub decoder: Arc<Decoder>,
    /// Source name, site and zone; the receipt time is set per record.
    pub context: Context,
    pub events: mpsc::Sender<Event>,
    pub stats: SourceStats,
    pub assets: Option<Arc<dyn AssetLookup>>,
    /// The largest record decoded; larger ones are counted and dropped.
    pub max_record: usize,
}

impl Pipeline {
    pub fn new(decoder: Decoder, context: Context, events: mpsc::Sender<Event>) -> Self {
        let stats = SourceStats::new(context.source.clone());
        Pipeline { decoder: Arc::new(decoder), context, events, stats, assets: None, max_record: MAX_RECORD_LEN }
    }

    /// Lowers the largest record decoded (the framing's own cap stays).
    pub fn with_max_record(mut self, max: usize) -> Self {
        self.max_record = max;
        self
    }

    pub fn with_assets(mut self, assets: Arc<dyn AssetLookup>) -> Self {
        self.assets = Some(assets);
        self
    }

    /// Decodes, resolves and forwards one record; a bad record is counted
    /// and dropped. Only a closed channel is an error.
    pub async fn handle(&self, record: &[u8], topic: Option<&str>, peer: Option<SocketAddr>) -> Result<(), Closed> {
        let ctx = self.context.clone().received_at(Timestamp::now());
        let decoded = if record.len() > self.max_record {
            Err(DecodeError::TooLarge { len: record.len(), max: self.max_record })
        } else {
            self.decoder.decode_all(record, topic, &ctx)
        };
        match decoded {
            Ok(events) => {
                for mut event in events {
                    if let Some(peer) = peer {
                        event.fields.entry("safecare.peer").or_insert_with(|| peer.ip().to_string().into());
                    }
                    if let Some(assets) = &self.assets {
                        Resolver::resolve(&mut event, assets.as_ref());
                    }
                    self.stats.record_event(event.received);
                    self.events.send(event).await.map_err(|_| Closed)?;
                }
                Ok(())
            }
            Err(e) => {
                self.stats.record_error(e.kind(), e.to_string());
                Ok(())
            }
        }
    }
}
