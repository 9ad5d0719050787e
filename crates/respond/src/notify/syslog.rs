//! The syslog/CEF channel: each notification forwarded to another SIEM as
//! one RFC 5424 syslog message whose MSG is an ArcSight CEF:0 record, over
//! TCP or TLS with RFC 6587 octet-counting framing (`LEN SP MESSAGE`).
//!
//! The CEF record: vendor `SafeCare`, product `SafeCare`, this version;
//! signature id the incident's threat (the route's name when it has none,
//! as for a test send); name the subject; severity 0, 3, 5, 8 or 10 for
//! info to critical (the middle of ArcSight's bands, so a CEF reader gets
//! the same level back). Header fields escape `\` and `|` and have their
//! line breaks turned into spaces; extension values escape `\` and `=` and
//! write line breaks as `\n` / `\r`. The people on call are not sent: a
//! SIEM gets the incident, not the roster.
//!
//! One connection per message, like the MQTT channel. Syslog has no
//! receipt: a message counts as delivered once written and the connection
//! closed without the receiver refusing it (a reset, or a TLS alert such as
//! a client certificate it does not take) within [`LINGER`].

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use safecare_model::Severity;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

use super::Notification;
use super::outbox::{Notifier, SendError};
use super::tls_client::{TlsFiles, TlsSettingsError};

/// How long, after its message, the channel waits to hear a refusal.
pub const LINGER: Duration = Duration::from_secs(2);

/// A syslog/CEF channel (`type = "syslog"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogChannelConfig {
    /// `tcp://host[:port]` (601) or `tls://host[:port]` (6514, needs `ca`).
    pub url: String,
    /// PEM file of the receiver's certificate authority (`tls://` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
    /// PEM certificate chain presented to the receiver (mutual TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<PathBuf>,
    /// The syslog facility.
    #[serde(default)]
    pub facility: Facility,
    /// The HOSTNAME of the syslog header; this host's name when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Seconds to connect and write the message.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_timeout() -> u32 {
    10
}

/// The syslog facilities of RFC 5424, by their usual names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facility {
    /// Kernel messages (0).
    Kern,
    /// User-level messages (1).
    User,
    /// Mail system (2).
    Mail,
    /// System daemons (3).
    Daemon,
    /// Security/authorisation (4).
    Auth,
    /// Syslogd's own messages (5).
    Syslog,
    /// Line printer (6).
    Lpr,
    /// Network news (7).
    News,
    /// UUCP (8).
    Uucp,
    /// Clock daemon (9).
    Cron,
    /// Security/authorisation, private (10).
    Authpriv,
    /// FTP daemon (11).
    Ftp,
    /// NTP (12).
    Ntp,
    /// Log audit (13).
    Audit,
    /// Log alert (14).
    Alert,
    /// Clock daemon (15).
    Clock,
    /// Local use 0 (16), the default.
    #[default]
    Local0,
    /// Local use 1 (17).
    Local1,
    /// Local use 2 (18).
    Local2,
    /// Local use 3 (19).
    Local3,
    /// Local use 4 (20).
    Local4,
    /// Local use 5 (21).
    Local5,
    /// Local use 6 (22).
    Local6,
    /// Local use 7 (23).
    Local7,
}

/// Why a syslog channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SyslogChannelError {
    /// The receiver's URL is unusable.
    #[error("`{0}` is not a tcp:// or tls:// URL with a host and port")]
    Url(String),
    /// The header's host name is not printable ASCII of at most 255 bytes.
    #[error("syslog hostname `{0}` must be 1 to 255 printable ASCII characters without spaces")]
    Hostname(String),
    /// The TLS settings (CA, client certificate) are unusable.
    #[error(transparent)]
    Tls(#[from] TlsSettingsError),
}

/// A configured syslog/CEF channel.
pub struct Syslog {
    host: String,
    port: u16,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    facility: Facility,
    hostname: String,
    timeout: Duration,
}

/// True for a valid RFC 5424 HOSTNAME (PRINTUSASCII, 1 to 255).
fn printable(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name.bytes().all(|b| b.is_ascii_graphic())
}

impl Syslog {
    /// Sets the channel up (reads the certificates; the receiver is not
    /// contacted).
    pub fn from_config(config: &SyslogChannelConfig) -> Result<Self, SyslogChannelError> {
        let bad_url = || SyslogChannelError::Url(config.url.clone());
        let (tls, rest) = match (config.url.strip_prefix("tls://"), config.url.strip_prefix("tcp://")) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => return Err(bad_url()),
        };
        let hostport = rest.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':').filter(|(host, _)| !host.ends_with(':')) {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad_url())?),
            None => (hostport, if tls { 6514 } else { 601 }),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || port == 0 {
            return Err(bad_url());
        }
        let files = TlsFiles {
            ca: config.ca.as_deref(),
            client_cert: config.client_cert.as_deref(),
            client_key: config.client_key.as_deref(),
        };
        let tls = match files.client_config(tls, "tls://")? {
            Some(rustls) => {
                let name = ServerName::try_from(host.to_owned()).map_err(|_| bad_url())?;
                Some((TlsConnector::from(rustls), name))
            }
            None => None,
        };
        let hostname = match &config.hostname {
            Some(name) if printable(name) => name.clone(),
            Some(name) => return Err(SyslogChannelError::Hostname(name.clone())),
            None => hostname::get()
                .ok()
                .and_then(|name| name.into_string().ok())
                .filter(|name| printable(name))
                .unwrap_or_else(|| "-".to_owned()),
        };
        Ok(Syslog {
            host: host.to_owned(),
            port,
            tls,
            facility: config.facility,
            hostname,
            timeout: Duration::from_secs(u64::from(config.timeout_seconds.max(1))),
        })
    }
}

/// The CEF severity of an incident severity; 0 for none (a test send).
pub fn cef_severity(severity: Option<Severity>) -> u8 {
    match severity {
        None | Some(Severity::Info) => 0,
        Some(Severity::Low) => 3,
        Some(Severity::Medium) => 5,
        Some(Severity::High) => 8,
        Some(Severity::Critical) => 10,
    }
}

/// The syslog severity (RFC 5424's 0-7) of an incident severity.
fn syslog_severity(severity: Option<Severity>) -> u8 {
    match severity {
        Some(Severity::Critical) => 2,
        Some(Severity::High) => 3,
        Some(Severity::Medium) => 4,
        Some(Severity::Low) => 5,
        None | Some(Severity::Info) => 6,
    }
}

/// A CEF header field: `\` and `|` escaped; line breaks, which no header
/// may hold, and other control characters become spaces.
fn header_field(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A CEF extension value: `\` and `=` escaped, line breaks written `\n`
/// and `\r`, other control characters turned into spaces.
fn extension_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The CEF record of a notification.
pub fn cef(notification: &Notification) -> String {
    let n = notification;
    let severity = n.severity();
    let threat = n.incident_text("threat").filter(|t| !t.is_empty());
    let signature = threat.unwrap_or(&n.route);
    let mut extension: Vec<(&str, String)> = vec![
        ("rt", n.created.as_millisecond().to_string()),
        ("externalId", n.key.clone()),
        ("act", n.reason_name().to_owned()),
    ];
    if let Some(threat) = threat {
        extension.push(("cat", threat.to_owned()));
    }
    if let Some(id) = n.incident {
        extension.extend([("cs1Label", "incident".to_owned()), ("cs1", id.to_string())]);
    }
    extension.extend([
        ("cs2Label", "route".to_owned()),
        ("cs2", n.route.clone()),
        ("cn1Label", "tier".to_owned()),
        ("cn1", n.tier.to_string()),
    ]);
    let custom = [
        ("cs3Label", "cs3", "status", "status"),
        ("cs4Label", "cs4", "building", "location.building"),
        ("cs5Label", "cs5", "zone", "location.zone"),
    ];
    for (label_key, key, label, path) in custom {
        if let Some(value) = n.incident_text(path) {
            extension.extend([(label_key, label.to_owned()), (key, value.to_owned())]);
        }
    }
    extension.extend([("cs6Label", "exercise".to_owned()), ("cs6", n.exercise.to_string())]);
    if let Some(title) = n.incident_text("title") {
        extension.push(("msg", title.to_owned()));
    }
    let extension: Vec<String> =
        extension.into_iter().map(|(key, value)| format!("{key}={}", extension_value(&value))).collect();
    format!(
        "CEF:0|SafeCare|SafeCare|{}|{}|{}|{}|{}",
        header_field(env!("CARGO_PKG_VERSION")),
        header_field(signature),
        header_field(&n.subject),
        cef_severity(severity),
        extension.join(" ")
    )
}

/// The RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME safecare PROCID MSGID - CEF:…`,
/// MSGID being the reason (`opened`, `escalated`, `test`).
pub fn message(notification: &Notification, facility: Facility, hostname: &str, now: Timestamp) -> String {
    let pri = u16::from(facility as u8) * 8 + u16::from(syslog_severity(notification.severity()));
    format!(
        "<{pri}>1 {} {hostname} safecare {} {} - {}",
        now.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"),
        std::process::id(),
        notification.reason_name(),
        cef(notification)
    )
}

/// RFC 6587 octet counting: the message's length in bytes, a space, the
/// message.
pub fn frame(message: &str) -> Vec<u8> {
    let mut out = format!("{} ", message.len()).into_bytes();
    out.extend_from_slice(message.as_bytes());
    out
}

/// Writes the frame, ends the connection, and listens for a refusal.
async fn deliver<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, frame: &[u8]) -> std::io::Result<()> {
    stream.write_all(frame).await?;
    stream.shutdown().await?;
    let mut rest = [0u8; 512];
    let closed = async {
        loop {
            match stream.read(&mut rest).await {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                // A receiver that closes without TLS's close_notify has read
                // the message all the same.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    };
    // Still open after the wait: the receiver kept the message and the
    // connection; nothing more will be heard.
    tokio::time::timeout(LINGER, closed).await.unwrap_or(Ok(()))
}

#[async_trait]
impl Notifier for Syslog {
    async fn send(&self, notification: &Notification) -> Result<(), SendError> {
        let frame = frame(&message(notification, self.facility, &self.hostname, Timestamp::now()));
        let tried = async {
            let tcp = TcpStream::connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| SendError::transient(format!("syslog receiver not reached: {e}")))?;
            let written = match &self.tls {
                None => deliver(tcp, &frame).await,
                Some((connector, name)) => {
                    let tls = connector
                        .connect(name.clone(), tcp)
                        .await
                        .map_err(|e| SendError::transient(format!("syslog TLS handshake failed: {e}")))?;
                    deliver(tls, &frame).await
                }
            };
            written.map_err(|e| SendError::transient(format!("syslog receiver refused the message: {e}")))
        };
        tokio::time::timeout(self.timeout + LINGER, tried)
            .await
            .unwrap_or_else(|_| Err(SendError::transient("syslog receiver did not take the message in time")))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use rcgen::ExtendedKeyUsagePurpose;
    use safecare_model::Incident;
    use tokio::net::TcpListener;

    use super::*;
    use crate::notify::test_tls::{Authority, write};
    use crate::notify::{Reason, Recipient};

    /// A subject that tries every trick on a CEF reader: pipes, equals
    /// signs, backslashes, and a line break followed by a forged record.
    const HOSTILE: &str = "Door | forced = open \\ now\nCEF:0|Fake|Header|1|x|y|10|evil=1";
    const TITLE: &str = "Ransomware on PACS | ward = 3 \\ B\r\nsecond line";

    fn notification() -> Notification {
        let mut incident = Incident::new(TITLE, Severity::Critical);
        incident.threat = Some("ransomware".into());
        incident.location.building = Some("B1".into());
        incident.location.zone = Some("ICU".into());
        Notification {
            key: format!("{}:siem:1", incident.id),
            incident: Some(incident.id),
            route: "siem".into(),
            channel: "soc-siem".into(),
            reason: Reason::Opened,
            tier: 1,
            recipients: vec![Recipient::new("Ann Duty", "ann@hospital.example")],
            exercise: false,
            subject: HOSTILE.into(),
            payload: serde_json::json!({ "incident": incident, "exercise": false, "alert": null }),
            created: Timestamp::now(),
        }
    }

    fn config(url: &str) -> SyslogChannelConfig {
        serde_json::from_value(serde_json::json!({ "url": url, "hostname": "safecare-1" })).unwrap()
    }

    /// The test's own reading of a frame, written from RFC 6587 / 5424 and
    /// the CEF rules rather than with SafeCare's decoder: the octet count,
    /// the header's space-separated fields, CEF's unescaped pipes, and the
    /// extension's pairs (a word with an unescaped `=` starts a pair).
    struct Read {
        header: Vec<String>,
        cef: Vec<String>,
        extension: Vec<(String, String)>,
    }

    fn unescaped_eq(word: &str) -> Option<usize> {
        let mut escaped = false;
        for (at, c) in word.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '=' if !escaped => return Some(at),
                _ => escaped = false,
            }
        }
        None
    }

    fn unescape(value: &str) -> String {
        let mut out = String::new();
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next().unwrap() {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    other => out.push(other),
                },
                (c, false) => out.push(c),
            }
        }
        out
    }

    fn read_frame(bytes: &[u8]) -> Read {
        let text = std::str::from_utf8(bytes).unwrap();
        let (count, message) = text.split_once(' ').unwrap();
        assert_eq!(count.parse::<usize>().unwrap(), message.len(), "exactly one frame, counted in bytes: {text}");
        assert!(!message.contains('\n') && !message.contains('\r'), "{message}");
        let header: Vec<String> = message.splitn(8, ' ').map(str::to_owned).collect();
        let record = header[7].strip_prefix("CEF:").unwrap();
        let (mut cef, mut field, mut chars) = (Vec::new(), String::new(), record.chars());
        while cef.len() < 7 {
            match chars.next().unwrap() {
                '\\' => field.push(chars.next().unwrap()),
                '|' => cef.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        let mut extension: Vec<(String, String)> = Vec::new();
        for word in chars.as_str().split(' ') {
            match unescaped_eq(word) {
                Some(at) => extension.push((word[..at].to_owned(), word[at + 1..].to_owned())),
                None => {
                    let last = extension.last_mut().unwrap();
                    last.1 = format!("{} {word}", last.1);
                }
            }
        }
        let extension = extension.into_iter().map(|(k, v)| (k, unescape(&v))).collect();
        Read { header, cef, extension }
    }

    impl Read {
        fn ext(&self, key: &str) -> Option<&str> {
            self.extension.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
        }
    }

    fn check(bytes: &[u8], sent: &Notification) {
        let read = read_frame(bytes);
        // <local0 * 8 + crit>1
        assert_eq!(read.header[0], "<130>1");
        assert!(read.header[1].ends_with('Z') && read.header[1].parse::<Timestamp>().is_ok(), "{}", read.header[1]);
        assert_eq!(read.header[1].split('.').nth(1).map(str::len), Some(7), "six fraction digits and Z");
        assert_eq!(read.header[2..7], ["safecare-1", "safecare", &std::process::id().to_string(), "opened", "-"]);
        assert_eq!(read.cef[..5], ["0", "SafeCare", "SafeCare", env!("CARGO_PKG_VERSION"), "ransomware"]);
        assert_eq!(read.cef[5], HOSTILE.replace('\n', " "), "the subject whole, its line break a space");
        assert_eq!(read.cef[6], "10");
        let incident = sent.incident.unwrap().to_string();
        let expected = [
            ("rt", sent.created.as_millisecond().to_string()),
            ("externalId", sent.key.clone()),
            ("act", "opened".into()),
            ("cat", "ransomware".into()),
            ("cs1Label", "incident".into()),
            ("cs1", incident),
            ("cs2Label", "route".into()),
            ("cs2", "siem".into()),
            ("cn1Label", "tier".into()),
            ("cn1", "1".into()),
            ("cs3Label", "status".into()),
            ("cs3", "new".into()),
            ("cs4Label", "building".into()),
            ("cs4", "B1".into()),
            ("cs5Label", "zone".into()),
            ("cs5", "ICU".into()),
            ("cs6Label", "exercise".into()),
            ("cs6", "false".into()),
            ("msg", TITLE.into()),
        ];
        let got: Vec<(&str, &str)> = read.extension.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let expected: Vec<(&str, &str)> = expected.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(got, expected);
        assert!(read.ext("evil").is_none() && !bytes.windows(8).any(|w| w == b"ann@hosp"));

        // SafeCare's own reader agrees.
        let message = std::str::from_utf8(bytes).unwrap().split_once(' ').unwrap().1;
        let ctx = safecare_ingest::Context::new("siem");
        let event = safecare_ingest::decode::syslog::decode(message.as_bytes(), &ctx).unwrap();
        assert_eq!(event.severity, Severity::Critical);
        assert_eq!(event.fields["name"], HOSTILE.replace('\n', " "));
        assert_eq!(event.fields["deviceEventClassId"], "ransomware");
        assert_eq!(event.fields["msg"], TITLE);
        assert_eq!(event.fields["cs2"], "siem");
    }

    #[test]
    fn the_record_survives_hostile_text_by_hand_and_by_the_cef_decoder() {
        let sent = notification();
        let message = message(&sent, Facility::Local0, "safecare-1", Timestamp::now());
        check(&frame(&message), &sent);
    }

    #[test]
    fn severities_map_onto_cef_bands_and_a_test_send_names_its_route() {
        let levels = [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];
        assert_eq!(levels.map(|s| cef_severity(Some(s))), [0, 3, 5, 8, 10]);
        let mut test = notification();
        test.incident = None;
        test.reason = Reason::Test;
        test.payload = serde_json::json!({ "test": true });
        let read = read_frame(&frame(&message(&test, Facility::Audit, "h", Timestamp::now())));
        assert_eq!(read.header[0], "<110>1", "audit (13) * 8 + info (6)");
        assert_eq!((read.cef[4].as_str(), read.cef[6].as_str()), ("siem", "0"));
        assert_eq!(read.ext("act"), Some("test"));
        assert!(read.ext("cs1").is_none() && read.ext("msg").is_none());
    }

    /// Accepts connections, keeps everything each one sent until it closed,
    /// with whether the client presented a certificate.
    type Received = Arc<Mutex<Vec<(Vec<u8>, bool)>>>;

    async fn receiver(tls: Option<tokio_rustls::TlsAcceptor>) -> (u16, Received) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received: Received = Arc::default();
        let kept = received.clone();
        tokio::spawn(async move {
            loop {
                let (mut tcp, _) = listener.accept().await.unwrap();
                let mut bytes = Vec::new();
                match &tls {
                    None => {
                        tcp.read_to_end(&mut bytes).await.unwrap();
                        kept.lock().unwrap().push((bytes, false));
                    }
                    Some(acceptor) => {
                        // A refused handshake is the client's failure: nothing kept.
                        let Ok(mut stream) = acceptor.accept(tcp).await else { continue };
                        if stream.read_to_end(&mut bytes).await.is_ok() {
                            let presented = stream.get_ref().1.peer_certificates().is_some_and(|c| !c.is_empty());
                            kept.lock().unwrap().push((bytes, presented));
                        }
                        let _ = stream.shutdown().await;
                    }
                }
            }
        });
        (port, received)
    }

    #[tokio::test]
    async fn a_tcp_receiver_gets_one_octet_counted_frame() {
        let (port, received) = receiver(None).await;
        let sent = notification();
        Syslog::from_config(&config(&format!("tcp://127.0.0.1:{port}"))).unwrap().send(&sent).await.unwrap();
        {
            let received = received.lock().unwrap();
            assert_eq!(received.len(), 1);
            check(&received[0].0, &sent);
        }

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let down = Syslog::from_config(&config(&format!("tcp://127.0.0.1:{closed}"))).unwrap().send(&sent).await;
        assert!(!down.unwrap_err().permanent);
    }

    #[tokio::test]
    async fn a_tls_receiver_requiring_a_client_certificate_gets_the_frame_and_refuses_a_client_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("Hospital test CA");
        let (cert, key) = ca.leaf("safecare", ExtendedKeyUsagePurpose::ClientAuth);
        let (port, received) = receiver(Some(ca.acceptor(true))).await;
        let url = format!("tls://127.0.0.1:{port}");
        let mut mutual = config(&url);
        mutual.ca = Some(write(dir.path(), "ca.pem", &ca.pem));
        mutual.client_cert = Some(write(dir.path(), "safecare.pem", &cert));
        mutual.client_key = Some(write(dir.path(), "safecare.key", &key));
        let sent = notification();
        Syslog::from_config(&mutual).unwrap().send(&sent).await.unwrap();
        {
            let received = received.lock().unwrap();
            assert_eq!(received.len(), 1);
            assert!(received[0].1, "the client presented its certificate");
            check(&received[0].0, &sent);
        }

        let mut anonymous = mutual.clone();
        (anonymous.client_cert, anonymous.client_key) = (None, None);
        let refused = Syslog::from_config(&anonymous).unwrap().send(&sent).await.unwrap_err();
        assert!(!refused.permanent && refused.message.contains("refused"), "{refused:?}");

        let stranger = Authority::new("Another CA");
        let mut untrusted = mutual.clone();
        untrusted.ca = Some(write(dir.path(), "other.pem", &stranger.pem));
        let err = Syslog::from_config(&untrusted).unwrap().send(&sent).await.unwrap_err();
        assert!(err.message.contains("handshake"), "{err:?}");
        assert_eq!(received.lock().unwrap().len(), 1, "nothing more was taken");
    }

    #[test]
    fn urls_hostnames_and_certificates_are_checked() {
        assert!(Syslog::from_config(&config("tcp://siem.hospital.example")).is_ok());
        assert!(Syslog::from_config(&config("tcp://[::1]:601")).is_ok());
        for bad in ["udp://siem:514", "tcp://:601", "tcp://siem:0", "tcp://siem:http"] {
            assert!(matches!(Syslog::from_config(&config(bad)), Err(SyslogChannelError::Url(_))), "{bad}");
        }
        let err = Syslog::from_config(&config("tls://siem")).err().unwrap().to_string();
        assert!(err.contains("needs `ca`"), "{err}");
        let mut plain_with_ca = config("tcp://siem");
        plain_with_ca.ca = Some("/etc/ca.pem".into());
        assert!(Syslog::from_config(&plain_with_ca).err().unwrap().to_string().contains("need a tls:// url"));
        let mut spaced = config("tcp://siem");
        spaced.hostname = Some("two words".into());
        assert!(matches!(Syslog::from_config(&spaced), Err(SyslogChannelError::Hostname(_))));
        let unknown = serde_json::from_value::<SyslogChannelConfig>(
            serde_json::json!({ "url": "tcp://siem", "facility": "local9" }),
        );
        assert!(unknown.unwrap_err().to_string().contains("local9"));
    }
}
