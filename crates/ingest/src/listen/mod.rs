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
pub use tcp::{TcpLimits, TcpSyslog};
pub use tls::{tls_acceptor, tls_client_config};
pub use udp::UdpSyslog;

use std::net::SocketAddr;
use std::sync::Arc;

use safecare_model::{AssetLookup, Event};
use tokio::sync::mpsc;

use crate::decode::{Context, Decoder};
use crate::health::SourceStats;
use crate::intake::Intake;

/// Why a listener could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The socket failed.
    #[error("listener socket failed: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS setup is unusable.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// The MQTT setup is unusable.
    #[error("MQTT configuration: {0}")]
    Mqtt(String),
}

/// The receiving end of the pipeline has gone away (shutdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("event channel closed")]
pub struct Closed;

/// What a listener does with each record it receives: the source's
/// [`Intake`], then the bounded channel.
#[derive(Clone)]
pub struct Pipeline {
    /// Decodes, places and counts each record.
    pub intake: Intake,
    /// Where decoded events go.
    pub events: mpsc::Sender<Event>,
}

impl Pipeline {
    /// Decodes with `decoder` in `context` and sends to `events`.
    pub fn new(decoder: Decoder, context: Context, events: mpsc::Sender<Event>) -> Self {
        Pipeline { intake: Intake::new(decoder, context), events }
    }

    /// Places events against `assets`.
    pub fn with_assets(mut self, assets: Arc<dyn AssetLookup>) -> Self {
        self.intake = self.intake.with_assets(assets);
        self
    }

    /// The source's counters.
    pub fn stats(&self) -> &SourceStats {
        &self.intake.stats
    }

    /// Takes in and forwards one record; a bad record is counted and
    /// dropped. Only a closed channel is an error.
    pub async fn handle(&self, record: &[u8], topic: Option<&str>, peer: Option<SocketAddr>) -> Result<(), Closed> {
        for event in self.intake.take(record, topic, peer).unwrap_or_default() {
            self.events.send(event).await.map_err(|_| Closed)?;
        }
        Ok(())
    }
}
