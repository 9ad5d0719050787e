//! How a step's records reach SafeCare's own listeners, as the devices
//! would send them: newline-framed lines on a TCP connection (syslog,
//! RFC 6587), HL7 messages in MLLP frames each waiting for its
//! acknowledgement, and MQTT publications on the broker SafeCare
//! subscribes to. Sources of type `http` go through [`crate::Target`]'s
//! ingest route instead.

use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, MqttOptions, QoS};
use safecare_ingest::{SourceConfig, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts an MLLP frame.
const START: u8 = 0x0b;
/// Ends an MLLP frame, followed by a carriage return.
const END: u8 = 0x1c;
/// The longest acknowledgement read back.
const MAX_ACK: usize = 64 * 1024;
/// How long a listener may take to answer or accept.
const WAIT: Duration = Duration::from_secs(30);

/// Why records could not be handed to a listener.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The connection or the write failed.
    #[error("source {source_name}: cannot send to {addr}: {cause}")]
    Io {
        /// The source.
        source_name: String,
        /// Where.
        addr: String,
        /// Why.
        #[source]
        cause: std::io::Error,
    },
    /// The listener did not answer in time.
    #[error("source {source_name}: {addr} did not answer within {WAIT:?}")]
    Timeout {
        /// The source.
        source_name: String,
        /// Where.
        addr: String,
    },
    /// SafeCare acknowledged an HL7 message with an error or a rejection.
    #[error("source {source_name}: SafeCare answered {code} to an HL7 message: {ack}")]
    Refused {
        /// The source.
        source_name: String,
        /// `AE` or `AR`, or what stood in `MSA-1`.
        code: String,
        /// The whole acknowledgement, segments on one line.
        ack: String,
    },
    /// The MQTT client refused the publication (its queue is closed).
    #[error("source {source_name}: cannot publish on {topic:?}: {cause}")]
    Publish {
        /// The source.
        source_name: String,
        /// The topic.
        topic: String,
        /// The client's error.
        #[source]
        cause: rumqttc::ClientError,
    },
    /// The broker URL is not `mqtt://host[:port]`.
    #[error("source {source_name}: the runner publishes to mqtt://host[:port] brokers, not {url:?}")]
    BrokerUrl {
        /// The source.
        source_name: String,
        /// The URL given.
        url: String,
    },
}

/// Where one source's records go.
#[derive(Debug, Clone)]
pub enum Route {
    /// Lines on a TCP connection to the syslog listener at this address.
    Tcp(String),
    /// HL7 messages to the MLLP listener at this address.
    Mllp(String),
    /// Publications on a broker.
    Mqtt(AsyncClient),
}

impl Route {
    /// The route to `source`'s listener on `host` (its configured port), or
    /// to its broker; `None` for a source of type `http`.
    pub fn to(source: &SourceConfig, host: &str) -> Result<Option<Route>, TransportError> {
        let on_host = |listen: &str| {
            let port = listen.rsplit_once(':').map_or(listen, |(_, port)| port);
            format!("{host}:{port}")
        };
        Ok(Some(match &source.transport {
            Transport::SyslogTcp { listen } => Route::Tcp(on_host(listen)),
            Transport::Mllp { listen } => Route::Mllp(on_host(listen)),
            Transport::Mqtt(mqtt) => Route::Mqtt(publisher(&source.name, &mqtt.url)?),
            _ => return Ok(None),
        }))
    }

    /// Sends one emission's records: each line or message (strings) or
    /// payload (JSON records, published on `topic`).
    pub async fn send(
        &self,
        source: &str,
        topic: Option<&str>,
        records: &[serde_json::Value],
    ) -> Result<(), TransportError> {
        let texts = records.iter().map(|r| match r {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        match self {
            Route::Tcp(addr) => {
                let body: String = texts.map(|line| line + "\n").collect();
                let io = |cause| TransportError::Io { source_name: source.to_owned(), addr: addr.clone(), cause };
                let mut stream = connect(source, addr).await?;
                stream.write_all(body.as_bytes()).await.map_err(io)?;
                stream.shutdown().await.map_err(io)
            }
            Route::Mllp(addr) => {
                let mut stream = connect(source, addr).await?;
                for message in texts {
                    exchange(&mut stream, source, addr, &message).await?;
                }
                Ok(())
            }
            Route::Mqtt(client) => {
                let topic = topic.unwrap_or_default();
                for payload in texts {
                    client.publish(topic, QoS::AtLeastOnce, false, payload.into_bytes()).await.map_err(|cause| {
                        TransportError::Publish { source_name: source.to_owned(), topic: topic.to_owned(), cause }
                    })?;
                }
                Ok(())
            }
        }
    }
}

async fn connect(source: &str, addr: &str) -> Result<TcpStream, TransportError> {
    match tokio::time::timeout(WAIT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(cause)) => Err(TransportError::Io { source_name: source.to_owned(), addr: addr.to_owned(), cause }),
        Err(_) => Err(TransportError::Timeout { source_name: source.to_owned(), addr: addr.to_owned() }),
    }
}

/// Sends one framed message and reads its acknowledgement: SafeCare answers
/// `AA` once the message's event is stored, which is what the runner wants
/// to know before it moves on.
async fn exchange(stream: &mut TcpStream, source: &str, addr: &str, message: &str) -> Result<(), TransportError> {
    let io = |cause| TransportError::Io { source_name: source.to_owned(), addr: addr.to_owned(), cause };
    let mut frame = Vec::with_capacity(message.len() + 3);
    frame.push(START);
    frame.extend_from_slice(message.as_bytes());
    frame.extend_from_slice(&[END, b'\r']);
    stream.write_all(&frame).await.map_err(io)?;
    let mut ack = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        while !ack.contains(&END) && ack.len() < MAX_ACK {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the listener closed the connection without acknowledging",
                ));
            }
            ack.extend_from_slice(&buf[..n]);
        }
        Ok(())
    };
    match tokio::time::timeout(WAIT, read).await {
        Ok(Ok(())) => {}
        Ok(Err(cause)) => return Err(io(cause)),
        Err(_) => return Err(TransportError::Timeout { source_name: source.to_owned(), addr: addr.to_owned() }),
    }
    let text = String::from_utf8_lossy(&ack).trim_matches(|c| c == START as char || c == END as char).to_owned();
    let code = text
        .split(['\r', '\n'])
        .find_map(|segment| segment.strip_prefix("MSA|"))
        .map(|msa| msa.split('|').next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    if code == "AA" || code == "CA" {
        Ok(())
    } else {
        Err(TransportError::Refused {
            source_name: source.to_owned(),
            code,
            ack: text.replace('\r', " ").trim().to_owned(),
        })
    }
}

/// A client publishing to the broker at `url`, its event loop driven in the
/// background until the client is dropped.
fn publisher(source: &str, url: &str) -> Result<AsyncClient, TransportError> {
    let bad = || TransportError::BrokerUrl { source_name: source.to_owned(), url: url.to_owned() };
    let rest = url.strip_prefix("mqtt://").or_else(|| url.strip_prefix("tcp://")).ok_or_else(bad)?;
    let hostport = rest.trim_end_matches('/');
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
        None => (hostport, 1883),
    };
    if host.is_empty() {
        return Err(bad());
    }
    let id = format!("safecare-sim-{}-{}", std::process::id(), jiff::Timestamp::now().as_nanosecond());
    let mut options = MqttOptions::new(id, host, port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut eventloop) = AsyncClient::new(options, 256);
    let source = source.to_owned();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(_) => {}
                Err(ConnectionError::RequestsDone) => return,
                Err(e) => {
                    tracing::warn!(source, "MQTT publisher: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(client)
}
