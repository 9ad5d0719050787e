//! How long a client may take and how many may hold a connection at once,
//! on the HTTP(S) listener and on each syslog TCP/TLS listener: slow
//! clients (headers or a body trickled a byte at a time, silent
//! connections) must not pin connections, tasks and memory for minutes.
//!
//! - the first request's head must arrive within `header_timeout_secs` of
//!   the connection (and every later head within that of its first byte:
//!   hyper's header read timeout), on HTTP and HTTPS alike;
//! - a connection where nothing is read or written for `idle_timeout_secs`
//!   is closed (a kept-alive connection nobody uses);
//! - the request body must arrive whole within `body_timeout_secs` of the
//!   request head ([`body_deadline`], answered 408);
//! - each listener holds at most its cap of connections; past it new ones
//!   are closed at once ([`CappedAcceptor`]);
//! - a syslog TCP/TLS connection that sends no complete message for
//!   `syslog_idle_timeout_secs` is closed (in `safecare-ingest`).
//!
//! Each is counted: `safecare_http_timeouts_total{phase}`,
//! `safecare_connections_refused_total{listener}`,
//! `safecare_http_connections_open`, and for syslog
//! `safecare_syslog_connections_closed_total{source,reason}`.

use std::future::{Future, Ready};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// Time limits and connection caps of the listeners (`[connections]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's head (line and headers).
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's whole body, once its head
    /// has arrived.
    pub body_timeout_secs: u64,
    /// Seconds an HTTP(S) connection may stay without a byte read or
    /// written (a kept-alive connection nobody uses).
    pub idle_timeout_secs: u64,
    /// Connections the HTTP(S) listener holds at once.
    pub max_http_connections: usize,
    /// Seconds a syslog TCP/TLS connection may go without a complete message
    /// (and the most a TLS handshake may take).
    pub syslog_idle_timeout_secs: u64,
    /// Connections each syslog TCP/TLS listener holds at once.
    pub max_syslog_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_http_connections: 1024,
            syslog_idle_timeout_secs: 120,
            max_syslog_connections: 1024,
        }
    }
}

impl ConnectionLimits {
    /// `header_timeout_secs` as a duration, at least one second.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs.max(1))
    }

    /// `body_timeout_secs` as a duration, at least one second.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs.max(1))
    }

    /// `idle_timeout_secs` as a duration, at least one second.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs.max(1))
    }

    /// `syslog_idle_timeout_secs` as a duration, at least one second.
    pub fn syslog_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.syslog_idle_timeout_secs.max(1))
    }
}

/// Admits a connection only while the listener is under its cap; the
/// admitted stream carries its permit and gives it back when closed.
#[derive(Clone)]
pub struct CappedAcceptor {
    slots: Arc<Semaphore>,
    header_timeout: Duration,
    idle: Duration,
}

impl CappedAcceptor {
    pub fn new(limits: &ConnectionLimits) -> Self {
        CappedAcceptor {
            slots: Arc::new(Semaphore::new(limits.max_http_connections.max(1))),
            header_timeout: limits.header_timeout(),
            idle: limits.idle_timeout(),
        }
    }
}

impl<I, S> axum_server::accept::Accept<I, S> for CappedAcceptor {
    type Stream = CappedStream<I>;
    type Service = S;
    type Future = Ready<io::Result<(Self::Stream, S)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            metrics::counter!("safecare_connections_refused_total", "listener" => "http").increment(1);
            return std::future::ready(Err(io::Error::other("connection cap reached")));
        };
        metrics::gauge!("safecare_http_connections_open").increment(1.0);
        let stream = CappedStream {
            inner: stream,
            _permit: permit,
            opened: Instant::now(),
            header_timeout: self.header_timeout,
            answered: false,
            idle: self.idle,
            quiet_until: Box::pin(tokio::time::sleep(self.idle)),
        };
        std::future::ready(Ok((stream, service)))
    }
}

/// An admitted connection.
pub struct CappedStream<S> {
    inner: S,
    _permit: OwnedSemaphorePermit,
    opened: Instant,
    header_timeout: Duration,
    /// Whether anything was ever written back.
    answered: bool,
    idle: Duration,
    /// When the connection counts as idle if nothing moves before.
    quiet_until: Pin<Box<tokio::time::Sleep>>,
}

impl<S> CappedStream<S> {
    fn moved(&mut self) {
        let next = tokio::time::Instant::now() + self.idle;
        self.quiet_until.as_mut().reset(next);
    }
}

impl<S> Drop for CappedStream<S> {
    fn drop(&mut self) {
        metrics::gauge!("safecare_http_connections_open").decrement(1.0);
        // Closed without a byte of answer after the head's time was up: the
        // header timeout closed it (hyper reports it to nobody).
        if !self.answered && self.opened.elapsed() >= self.header_timeout {
            metrics::counter!("safecare_http_timeouts_total", "phase" => "header").increment(1);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for CappedStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(outcome) => {
                self.moved();
                Poll::Ready(outcome)
            }
            Poll::Pending => match self.quiet_until.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    metrics::counter!("safecare_http_timeouts_total", "phase" => "idle").increment(1);
                    Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "connection idle")))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CappedStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.answered = true;
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if written.is_ready() {
            self.moved();
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.answered = true;
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if written.is_ready() {
            self.moved();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("request body not received in time")]
struct BodyTimedOut;

/// Gives the request body `body_timeout` from now to arrive whole; past it
/// the body ends in an error, and whatever the handler made of that is
/// replaced by 408 and the connection closed.
pub async fn body_deadline(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    let deadline = tokio::time::Instant::now() + timeout;
    let expired = Arc::new(AtomicBool::new(false));
    let flag = expired.clone();
    let (parts, body) = request.into_parts();
    let chunks = futures::stream::unfold(Some(body.into_data_stream()), move |stream| {
        let flag = flag.clone();
        async move {
            let mut stream = stream?;
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(stream))),
                Ok(None) => None,
                Err(_) => {
                    flag.store(true, Ordering::Relaxed);
                    Some((Err(axum::Error::new(BodyTimedOut)), None))
                }
            }
        }
    });
    let response = next.run(Request::from_parts(parts, Body::from_stream(chunks))).await;
    if !expired.load(Ordering::Relaxed) {
        return response;
    }
    metrics::counter!("safecare_http_timeouts_total", "phase" => "body").increment(1);
    let message = format!("request body not received within {} s", timeout.as_secs());
    let mut response = ApiError::new(StatusCode::REQUEST_TIMEOUT, message).into_response();
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
