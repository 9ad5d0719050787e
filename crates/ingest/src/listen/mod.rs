//! Network listeners: one file per transport. Each decodes what it
//! receives, resolves it on the asset map and pushes it into a bounded
//! channel; when the channel is full the listener waits (TCP and TLS stop
//! reading, so pressure reaches the sender). Bad input is counted in the
//! source's [`SourceStats`] and never stops a listener.

mod bacnet;
mod building;
mod dicom;
mod framing;
mod mllp;
mod modbus;
mod mqtt;
mod tcp;
mod tls;
mod udp;

pub use bacnet::{BacnetConfig, BacnetObject, BacnetPoint, BacnetPoller};
pub use building::PointKind;
pub use dicom::{DicomConfig, DicomMonitor, WorkingHours};
pub use framing::{FrameError, FrameReader};
pub use mllp::{AckCode, Refusal, acknowledgement};
pub use modbus::{ModbusConfig, ModbusPoint, ModbusPoller, RegisterTable};
pub use mqtt::{MqttConfig, MqttSubscriber};
pub use tcp::{Protocol, TcpLimits, TcpSource};
pub use tls::{tls_acceptor, tls_client_config};
pub use udp::UdpSyslog;

use std::net::SocketAddr;
use std::sync::Arc;

use safecare_model::{AssetLookup, Event};
use tokio::sync::{mpsc, oneshot};

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
    #[error("TLS configuration: {what}: {source}")]
    Tls {
        /// Which part: the certificate chain, the private key, the CA…
        what: String,
        /// What is wrong with it (the PEM parser's, rustls' or the file
        /// system's error, kept for the error chain).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The DICOM monitor's configuration is unusable.
    #[error("DICOM configuration: {0}")]
    Dicom(String),
    /// The BACnet poller's configuration is unusable.
    #[error("BACnet configuration: {0}")]
    Bacnet(String),
    /// The Modbus poller's configuration is unusable.
    #[error("Modbus configuration: {0}")]
    Modbus(String),
    /// The MQTT setup is unusable.
    #[error("MQTT configuration: {0}")]
    Mqtt(String),
    /// The broker took the connection but not a subscription.
    #[error("MQTT subscription to {filter:?} failed: {source}")]
    Subscribe {
        /// The topic filter.
        filter: String,
        /// The MQTT client's error.
        source: rumqttc::ClientError,
    },
}

/// The receiving end of the pipeline has gone away (shutdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("event channel closed")]
pub struct Closed;

/// Sent by a listener after records whose delivery it acknowledges only
/// once stored (MQTT QoS 1): the collector completes it when every event
/// sent on the event channel before it is durably stored, and drops it
/// uncompleted when storing them failed.
pub type Barrier = oneshot::Sender<()>;

/// What a listener does with each record it receives: the source's
/// [`Intake`], then the bounded channel.
#[derive(Clone)]
pub struct Pipeline {
    /// Decodes, places and counts each record.
    pub intake: Intake,
    /// Where decoded events go.
    pub events: mpsc::Sender<Event>,
    /// Where [`Barrier`]s go; without it (no collector that stores, as in
    /// tests) a listener acknowledges once its events are queued.
    pub barriers: Option<mpsc::UnboundedSender<Barrier>>,
}

impl Pipeline {
    /// Decodes with `decoder` in `context` and sends to `events`.
    pub fn new(decoder: Decoder, context: Context, events: mpsc::Sender<Event>) -> Self {
        Pipeline { intake: Intake::new(decoder, context), events, barriers: None }
    }

    /// Acknowledgements wait for the store: see [`Pipeline::stored`].
    pub fn with_barriers(mut self, barriers: mpsc::UnboundedSender<Barrier>) -> Self {
        self.barriers = Some(barriers);
        self
    }

    /// Resolves with `Ok` once every event this pipeline sent so far is
    /// durably stored, with `Err` if storing them failed or the collector
    /// has gone; `None` without barriers (nothing to wait for).
    pub fn stored(&self) -> Option<oneshot::Receiver<()>> {
        let barriers = self.barriers.as_ref()?;
        let (done, stored) = oneshot::channel();
        // A closed barrier channel drops `done`: the receiver sees an error.
        let _ = barriers.send(done);
        Some(stored)
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
