//! How SafeCare's stages hand records to each other: events to detection,
//! alerts to incident handling, incidents to the live dashboard.
//!
//! This crate owns the [`Bus`] interface and the bounded in-process
//! implementation ([`LocalBus`]), the default when SafeCare runs on one
//! machine. A networked implementation (NATS JetStream) fills the same
//! interface. It does not own what subscribers do with the messages.

mod local;
mod message;

use async_trait::async_trait;

pub use local::LocalBus;
pub use message::{Message, Topic};

use std::sync::Arc;
use tokio::sync::mpsc;

/// How a subscriber wants its messages delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Every message; when the subscriber falls behind, publishers wait.
    /// For pipeline stages, which must not miss anything.
    Reliable,
    /// Messages that do not fit the subscriber's buffer are dropped (and
    /// counted). For live views, which must never slow the pipeline.
    Lossy,
}

/// What can go wrong on the bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The bus was shut down; no more messages go through it.
    #[error("the bus is closed")]
    Closed,
    /// The networked transport failed; the text is its own error.
    #[error("bus transport error: {0}")]
    Transport(String),
}

/// A stream of messages of one topic.
pub struct Subscription {
    rx: mpsc::Receiver<Arc<Message>>,
}

impl Subscription {
    /// A subscription fed by `rx`; bus implementations build one per
    /// subscriber.
    pub fn new(rx: mpsc::Receiver<Arc<Message>>) -> Self {
        Subscription { rx }
    }

    /// The next message, or `None` once the bus has closed.
    pub async fn recv(&mut self) -> Option<Arc<Message>> {
        self.rx.recv().await
    }

    /// A message already waiting, without waiting for one (for draining at
    /// shutdown).
    pub fn try_recv(&mut self) -> Option<Arc<Message>> {
        self.rx.try_recv().ok()
    }

    /// `first` and the messages already waiting behind it, up to `max` in
    /// all: a stage that works in batches takes what a burst has queued
    /// without waiting for more.
    pub fn with_queued(&mut self, first: Arc<Message>, max: usize) -> Vec<Arc<Message>> {
        let mut batch = vec![first];
        while batch.len() < max
            && let Some(next) = self.try_recv()
        {
            batch.push(next);
        }
        batch
    }
}

/// The publish/subscribe interface between stages.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Publishes to every subscriber of the message's topic, waiting while a
    /// reliable subscriber's buffer is full.
    async fn publish(&self, message: Message) -> Result<(), BusError>;
    /// Subscribes to one topic from now on.
    async fn subscribe(&self, topic: Topic, delivery: Delivery) -> Result<Subscription, BusError>;
}
