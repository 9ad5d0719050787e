//! Slow and greedy clients over real loopback sockets: a request head or
//! body trickled a byte at a time, silent syslog senders, and more
//! connections than a listener's cap. The limits are set to a second or
//! two so each case ends quickly; every bound is far below how long the
//! client would otherwise hold on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{config, start_with_admin};
use safecare_ingest::Decoder;
use safecare_server::{ConnectionLimits, SourceConfig, Transport};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a trickling client would go on if nobody stopped it.
const TRICKLE_FOR: Duration = Duration::from_secs(20);

fn limits() -> ConnectionLimits {
    ConnectionLimits {
        header_timeout_secs: 1,
        body_timeout_secs: 1,
        idle_timeout_secs: 2,
        max_http_connections: 4,
        syslog_idle_timeout_secs: 1,
        max_syslog_connections: 2,
    }
}

/// Sends `head` then trickles `tail` a byte every 200 ms; returns how long
/// the server let it go on and what it answered.
async fn trickle<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, head: &[u8], tail: &[u8]) -> (Duration, String) {
    let started = Instant::now();
    stream.write_all(head).await.unwrap();
    let mut answer = Vec::new();
    for byte in tail.iter().cycle() {
        if started.elapsed() > TRICKLE_FOR || stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    (started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
}

/// Whether the server closes `stream` within `within`.
async fn closed_within<S: AsyncRead + Unpin>(stream: &mut S, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

fn metric(text: &str, line_start: &str) -> f64 {
    text.lines().filter(|l| l.starts_with(line_start)).filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum()
}

#[tokio::test]
async fn slow_http_clients_are_cut_off_and_the_connection_cap_holds() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.connections = limits();
    let (server, admin) = start_with_admin(cfg).await;
    let addr = server.addr;

    // A request head trickled a byte at a time.
    let stream = TcpStream::connect(addr).await.unwrap();
    let (held, _) = trickle(stream, b"GET /healthz HTTP/1.1\r\n", b"X-Slow: aaaaaaaa\r\n").await;
    assert!(held < Duration::from_secs(5), "a trickled head held the connection {held:?}");

    // A body trickled after a complete head: 408.
    let token = admin_bearer(&server).await;
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"domain\":\"cyber\",\"message\":\""
    );
    let stream = TcpStream::connect(addr).await.unwrap();
    let (held, answer) = trickle(stream, head.as_bytes(), b"x").await;
    assert!(held < Duration::from_secs(5), "a trickled body held the connection {held:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // A kept-alive connection nobody uses any more.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(closed_within(&mut kept, Duration::from_secs(6)).await, "an idle kept-alive connection was kept");

    // The cap: four silent connections fill it, the fifth is closed at
    // once while the four are still open.
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut fifth, Duration::from_millis(500)).await, "the fifth connection was admitted");
    // The header timeout frees the slots again.
    for stream in &mut silent {
        assert!(closed_within(stream, Duration::from_secs(5)).await, "a silent connection was kept");
    }
    let metrics = admin.get(format!("{}/metrics", server.url())).send().await.unwrap().text().await.unwrap();
    assert!(metric(&metrics, "safecare_connections_refused_total{listener=\"http\"}") >= 1.0, "{metrics}");
    assert!(metric(&metrics, "safecare_http_timeouts_total{phase=\"header\"}") >= 5.0, "{metrics}");
    assert!(metric(&metrics, "safecare_http_timeouts_total{phase=\"body\"}") >= 1.0, "{metrics}");
    server.stop().await.unwrap();
}

async fn admin_bearer(server: &safecare_server::RunningServer) -> String {
    common::token(server, safecare_model::Role::Admin, None).await
}

#[tokio::test]
async fn a_trickled_head_over_https_is_cut_off_too() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = safecare_server::tls::self_signed(&["localhost".into()]).unwrap();
    let write = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    let mut cfg = config(dir.path());
    cfg.connections = limits();
    cfg.tls = Some(safecare_server::tls::TlsConfig {
        cert: write("cert.pem", &cert),
        key: write("key.pem", &key),
        client_ca: None,
    });
    let server = safecare_server::start(cfg).await.unwrap();
    let mut roots = rustls::RootCertStore::empty();
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(cert.as_bytes()).unwrap();
    roots.add(der).unwrap();
    let client =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client));
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let (held, _) = trickle(tls, b"GET /healthz HTTP/1.1\r\n", b"X-Slow: aaaaaaaa\r\n").await;
    assert!(held < Duration::from_secs(5), "a trickled head held the TLS connection {held:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn silent_syslog_senders_are_closed_and_each_listener_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::ports::free_port();
    let mut cfg = config(dir.path());
    cfg.connections = limits();
    cfg.sources.push(SourceConfig {
        name: "quiet".into(),
        transport: Transport::SyslogTcp { listen: format!("127.0.0.1:{port}") },
        decoder: Decoder::Syslog,
        site: None,
        timezone: None,
    });
    let (server, admin) = start_with_admin(cfg).await;
    let addr = ("127.0.0.1", port);

    let mut silent = TcpStream::connect(addr).await.unwrap();
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut third = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut third, Duration::from_millis(500)).await, "over the cap of two");
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await, "a silent sender was kept");
    let (held, _) = trickle(stream, b"<34>1 2026-11-28T10:00:00Z host app - - - ", b"slow").await;
    assert!(held < Duration::from_secs(5), "a trickled message held the connection {held:?}");

    let metrics = admin.get(format!("{}/metrics", server.url())).send().await.unwrap().text().await.unwrap();
    let closed = |reason: &str| {
        metric(&metrics, &format!("safecare_syslog_connections_closed_total{{reason=\"{reason}\",source=\"quiet\"}}"))
            + metric(
                &metrics,
                &format!("safecare_syslog_connections_closed_total{{source=\"quiet\",reason=\"{reason}\"}}"),
            )
    };
    assert_eq!(closed("idle_timeout"), 2.0, "{metrics}");
    assert_eq!(closed("connection_cap"), 1.0, "{metrics}");
    server.stop().await.unwrap();
}
