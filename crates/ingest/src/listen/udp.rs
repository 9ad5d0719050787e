//! Syslog over UDP (RFC 5426): one message per datagram.

use tokio::net::UdpSocket;

use super::{ListenError, Pipeline};

/// Largest UDP payload; anything a datagram can carry is read whole.
const MAX_DATAGRAM: usize = 65_535;

/// A syslog listener over UDP.
pub struct UdpSyslog {
    socket: UdpSocket,
}

impl UdpSyslog {
    /// Binds `addr`.
    pub async fn bind(addr: &str) -> Result<Self, ListenError> {
        let socket =
            UdpSocket::bind(addr).await.map_err(|source| ListenError::Bind { addr: addr.to_owned(), source })?;
        Ok(UdpSyslog { socket })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<std::net::SocketAddr, ListenError> {
        Ok(self.socket.local_addr()?)
    }

    /// Receives until the event channel closes.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            match self.socket.recv_from(&mut buf).await {
                Ok((n, peer)) => {
                    if pipe.handle(&buf[..n], None, Some(peer)).await.is_err() {
                        return Ok(());
                    }
                }
                // ICMP errors from earlier sends and similar are reported per
                // call on some platforms; they do not end the socket.
                Err(e) => pipe.stats().record_error("io", e.to_string()),
            }
        }
    }
}
