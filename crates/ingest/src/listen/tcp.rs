//! Syslog over TCP (RFC 6587) and, with an acceptor, over TLS (RFC 5425).
//! One task per connection; a slow pipeline stops reading that connection.

use std::net::SocketAddr;

use safecare_model::MAX_MESSAGE_LEN;
use tokio::io::{AsyncRead, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::framing::FrameReader;
use super::{ListenError, Pipeline};

pub struct TcpSyslog {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
}

impl TcpSyslog {
    pub async fn bind(addr: &str) -> Result<Self, ListenError> {
        let listener =
            TcpListener::bind(addr).await.map_err(|source| ListenError::Bind { addr: addr.to_owned(), source })?;
        Ok(TcpSyslog { listener, tls: None })
    }

    /// Serves TLS instead of plain TCP.
    pub fn with_tls(mut self, acceptor: TlsAcceptor) -> Self {
        self.tls = Some(acceptor);
        self
    }

    pub fn local_addr(&self) -> Result<SocketAddr, ListenError> {
        Ok(self.listener.local_addr()?)
    }

    /// Accepts connections until the event channel closes.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        loop {
            if pipe.events.is_closed() {
                return Ok(());
            }
            let (stream, peer) = match self.listener.accept().await {
                Ok(conn) => conn,
                // Out of file descriptors and similar: count and keep accepting.
                Err(e) => {
                    pipe.stats().record_error("accept", e.to_string());
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            pipe.stats().record_connection();
            let pipe = pipe.clone();
            let tls = self.tls.clone();
            tokio::spawn(async move {
                match tls {
                    None => serve(stream, peer, pipe).await,
                    Some(acceptor) => match acceptor.accept(stream).await {
                        Ok(tls_stream) => serve(tls_stream, peer, pipe).await,
                        Err(e) => pipe.stats().record_error("tls_handshake", e.to_string()),
                    },
                }
            });
        }
    }
}

async fn serve<S: AsyncRead + Unpin>(stream: S, peer: SocketAddr, pipe: Pipeline) {
    let mut frames = FrameReader::new(BufReader::new(stream), MAX_MESSAGE_LEN);
    loop {
        match frames.next_frame().await {
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
