//! Stream listeners: syslog over TCP (RFC 6587) and HL7 v2 over MLLP, each
//! over TLS with an acceptor (RFC 5425 for syslog). One task per
//! connection; a slow pipeline stops reading that connection.
//! A listener holds at most `max_connections` at once, and a connection
//! that sends no complete message for `idle` (or takes longer than that
//! over its TLS handshake) is closed: a silent or trickling sender must not
//! hold a task and a socket forever.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use safecare_model::MAX_MESSAGE_LEN;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use super::framing::FrameReader;
use super::{ListenError, Pipeline};

/// A TCP or TLS listener speaking syslog or MLLP.
pub struct TcpSource {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    protocol: Protocol,
    idle: Duration,
    slots: Arc<Semaphore>,
}

/// What a stream listener reads from its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Syslog messages, octet-counted or newline-framed (RFC 6587).
    Syslog,
    /// HL7 v2 messages framed by MLLP, each acknowledged.
    Mllp,
}

/// How long a connection may stay silent, and how many a listener holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpLimits {
    /// How long a connection may send no complete message.
    pub idle: Duration,
    /// How many connections it holds at once.
    pub max_connections: usize,
}

impl Default for TcpLimits {
    fn default() -> Self {
        TcpLimits { idle: Duration::from_secs(120), max_connections: 1024 }
    }
}

impl TcpSource {
    /// Binds `addr` for syslog, with the default limits.
    pub async fn bind(addr: &str) -> Result<Self, ListenError> {
        let listener =
            TcpListener::bind(addr).await.map_err(|source| ListenError::Bind { addr: addr.to_owned(), source })?;
        Ok(TcpSource {
            listener,
            tls: None,
            protocol: Protocol::Syslog,
            idle: Duration::ZERO,
            slots: Arc::new(Semaphore::new(0)),
        }
        .with_limits(TcpLimits::default()))
    }

    /// Closes connections silent for `limits.idle` and holds at most
    /// `limits.max_connections` at once.
    pub fn with_limits(mut self, limits: TcpLimits) -> Self {
        self.idle = limits.idle;
        self.slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
        self
    }

    /// Reads `protocol` from its connections instead of syslog.
    pub fn speaking(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Serves TLS instead of plain TCP.
    pub fn with_tls(mut self, acceptor: TlsAcceptor) -> Self {
        self.tls = Some(acceptor);
        self
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, ListenError> {
        Ok(self.listener.local_addr()?)
    }

    /// Accepts connections until the event channel closes.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        let refusal = "the listener's connection cap is reached";
        while let Some((stream, peer, permit)) = admit(&self.listener, &self.slots, &pipe, refusal).await {
            let pipe = pipe.clone();
            let tls = self.tls.clone();
            let (idle, protocol) = (self.idle, self.protocol);
            tokio::spawn(async move {
                let _permit = permit;
                match tls {
                    None => serve(protocol, stream, peer, pipe, idle).await,
                    Some(acceptor) => match tokio::time::timeout(idle, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream)) => serve(protocol, tls_stream, peer, pipe, idle).await,
                        Ok(Err(e)) => pipe.stats().record_error("tls_handshake", e.to_string()),
                        Err(_) => closed(&pipe, "idle_timeout", format!("{peer}: TLS handshake not done in {idle:?}")),
                    },
                }
            });
        }
        Ok(())
    }
}

/// The next connection within a listener's cap, with its slot; accept
/// errors (out of file descriptors and similar) and connections past the
/// cap (refused with `refusal`) are counted and accepting goes on. `None`
/// once the event channel is closed.
pub(super) async fn admit(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    pipe: &Pipeline,
    refusal: &str,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    while !pipe.is_closed() {
        let (stream, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                pipe.stats().record_error("accept", e.to_string());
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            closed(pipe, "connection_cap", format!("refused {peer}: {refusal}"));
            continue;
        };
        pipe.stats().record_connection();
        return Some((stream, peer, permit));
    }
    None
}

/// Counts a connection closed (or refused) by a limit, in the source's
/// health and in the metrics.
pub(super) fn closed(pipe: &Pipeline, reason: &'static str, detail: String) {
    metrics::counter!("safecare_syslog_connections_closed_total", "source" => pipe.intake.context.source.clone(), "reason" => reason)
        .increment(1);
    pipe.stats().record_error(reason, detail);
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    protocol: Protocol,
    stream: S,
    peer: SocketAddr,
    pipe: Pipeline,
    idle: Duration,
) {
    match protocol {
        Protocol::Syslog => serve_syslog(stream, peer, pipe, idle).await,
        Protocol::Mllp => super::mllp::serve(stream, peer, pipe, idle).await,
    }
}

async fn serve_syslog<S: AsyncRead + Unpin>(stream: S, peer: SocketAddr, pipe: Pipeline, idle: Duration) {
    let mut frames = FrameReader::new(BufReader::new(stream), MAX_MESSAGE_LEN);
    loop {
        // A whole message must arrive within `idle`, so a byte-a-minute
        // trickle is closed as surely as silence.
        let Ok(next) = tokio::time::timeout(idle, frames.next_frame()).await else {
            closed(&pipe, "idle_timeout", format!("{peer}: no complete message in {idle:?}"));
            return;
        };
        match next {
            Ok(Some(frame)) => {
                if pipe.handle(&frame, None, Some(peer)).await.is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                pipe.stats().record_error(e.kind(), e.to_string());
                if !e.is_recoverable() {
                    return;
                }
            }
        }
    }
}
