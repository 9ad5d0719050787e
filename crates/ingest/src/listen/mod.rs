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
/// once stored (MQTT QoS 1, MLLP): the collector completes it when every
/// event queued before it is durably stored, and drops it uncompleted when
/// storing them failed.
pub type Barrier = oneshot::Sender<()>;

/// What a storing collector receives, in the order listeners queued it.
/// Barriers travel in the events' own queue: on a separate channel a
/// barrier could reach the collector after the batch holding its events
/// had failed, and be completed as if they were stored.
// Events travel by value, as they did on an event-only channel: boxing them
// would cost an allocation per event for the sake of the rare barrier.
#[allow(clippy::large_enum_variant)]
pub enum Queued {
    /// A decoded event.
    Event(Event),
    /// Completed once every event queued before it is stored.
    Barrier(Barrier),
}

/// Where a pipeline's events go.
#[derive(Clone)]
enum Sink {
    /// Events only: delivery is acknowledged once queued (tests, tools).
    Events(mpsc::Sender<Event>),
    /// A collector that stores and completes barriers.
    Storing(mpsc::Sender<Queued>),
}

/// What a listener does with each record it receives: the source's
/// [`Intake`], then the bounded queue.
#[derive(Clone)]
pub struct Pipeline {
    /// Decodes, places and counts each record.
    pub intake: Intake,
    sink: Sink,
}

impl Pipeline {
    /// Decodes with `decoder` in `context` and sends to `events`; a listener
    /// acknowledges once its events are queued.
    pub fn new(decoder: Decoder, context: Context, events: mpsc::Sender<Event>) -> Self {
        Pipeline { intake: Intake::new(decoder, context), sink: Sink::Events(events) }
    }

    /// Takes records in with `intake` and queues them for a collector that
    /// stores them: acknowledgements wait for the store ([`Pipeline::stored`]).
    pub fn storing(intake: Intake, queue: mpsc::Sender<Queued>) -> Self {
        Pipeline { intake, sink: Sink::Storing(queue) }
    }

    /// Queues one event; waits while the queue is full, which slows the
    /// sender (TCP stops reading, MQTT acknowledges later) and is counted in
    /// `safecare_sources_slowed_total`.
    pub async fn send(&self, event: Event) -> Result<(), Closed> {
        match &self.sink {
            Sink::Events(events) => events.send(event).await.map_err(|_| Closed),
            Sink::Storing(queue) => match queue.try_send(Queued::Event(event)) {
                Ok(()) => Ok(()),
                Err(mpsc::error::TrySendError::Closed(_)) => Err(Closed),
                Err(mpsc::error::TrySendError::Full(queued)) => {
                    let source = self.intake.context.source.clone();
                    metrics::counter!("safecare_sources_slowed_total", "source" => source).increment(1);
                    queue.send(queued).await.map_err(|_| Closed)
                }
            },
        }
    }

    /// Whether the receiving end has gone (shutdown).
    pub fn is_closed(&self) -> bool {
        match &self.sink {
            Sink::Events(events) => events.is_closed(),
            Sink::Storing(queue) => queue.is_closed(),
        }
    }

    /// Resolves with `Ok` once every event this pipeline queued so far is
    /// durably stored, with `Err` if storing them failed or the collector
    /// has gone; `None` when nothing stores (nothing to wait for).
    pub async fn stored(&self) -> Option<oneshot::Receiver<()>> {
        let Sink::Storing(queue) = &self.sink else {
            return None;
        };
        let (done, stored) = oneshot::channel();
        // A closed queue drops `done`: the receiver sees an error.
        let _ = queue.send(Queued::Barrier(done)).await;
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
            self.send(event).await?;
        }
        Ok(())
    }
}
