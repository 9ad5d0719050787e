//! Ports for listeners a test configures by number.

/// A port that is free for TCP and UDP now, outside Linux's ephemeral range
/// (32768–60999). A port the kernel handed out for `bind(0)` can be handed
/// again to some client's outgoing connection between this check and the
/// listener's own bind, which failed CI runs with "address in use"; ports
/// below the range are never given to outgoing connections.
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, RandomState};
    loop {
        let draw = RandomState::new().hash_one(std::time::Instant::now());
        let port = 20_000 + u16::try_from(draw % 12_000).unwrap_or(0);
        let tcp = std::net::TcpListener::bind(("127.0.0.1", port));
        let udp = std::net::UdpSocket::bind(("127.0.0.1", port));
        if tcp.is_ok() && udp.is_ok() {
            return port;
        }
    }
}
