//! A configured source (`[[sources]]`): its name, transport, decoder and
//! place, the [`Intake`] built from them, and the listener that carries
//! its records.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::decode::{Context, Decoder};
use crate::intake::Intake;
use crate::listen::{
    BacnetConfig, BacnetPoller, DicomConfig, DicomMonitor, ListenError, ModbusConfig, ModbusPoller, MqttConfig,
    MqttSubscriber, Pipeline, Protocol, TcpLimits, TcpSource, UdpSyslog, tls_acceptor,
};

/// How a source reaches SafeCare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[strum(serialize_all = "snake_case")]
pub enum Transport {
    /// Syslog datagrams (RFC 5426).
    SyslogUdp {
        /// The address to bind (`0.0.0.0:514`).
        listen: String,
    },
    /// Syslog over TCP, octet-counted or newline-framed (RFC 6587).
    SyslogTcp {
        /// The address to bind.
        listen: String,
    },
    /// Syslog over TLS (RFC 5425).
    SyslogTls {
        /// The address to bind.
        listen: String,
        /// PEM file of the server certificate (chain).
        cert: PathBuf,
        /// PEM file of its key.
        key: PathBuf,
    },
    /// HL7 v2 over MLLP, each message acknowledged once stored.
    Mllp {
        /// The address to bind (`0.0.0.0:2575`).
        listen: String,
    },
    /// HL7 v2 over MLLP inside TLS.
    MllpTls {
        /// The address to bind.
        listen: String,
        /// PEM file of the server certificate (chain).
        cert: PathBuf,
        /// PEM file of its key.
        key: PathBuf,
    },
    /// A building controller's objects read over BACnet/IP, as building
    /// events (the decoder must be `physical`).
    Bacnet(BacnetConfig),
    /// A DICOM association monitor (an SCP recording who associates and
    /// which DIMSE services they ask for; the decoder must be `dicom`).
    Dicom(DicomConfig),
    /// An MQTT broker's topics (physical sensors, the data exchange layer).
    Mqtt(MqttConfig),
    /// A building controller's registers read over Modbus TCP, as building
    /// events (the decoder must be `physical`).
    Modbus(ModbusConfig),
    /// Records posted to `POST /api/v1/sources/{name}/events` (IDMEFv2
    /// from other detectors, JSON with a field mapping, syslog lines…).
    Http,
}

/// One `[[sources]]` entry: a name, a transport, a parser and where the
/// source is. Read with unknown keys refused (`source_keys.rs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceConfig {
    /// The source name events are recorded under.
    pub name: String,
    /// How it reaches SafeCare.
    #[serde(flatten)]
    pub transport: Transport,
    /// How its records are decoded (`parser = "syslog"`, `"cef"`, `"eve"`,
    /// `"zeek"`, `"windows"`, `"idmef"`, `"hl7"`, `"dicom"`, `"json"`, `"physical"`).
    pub decoder: Decoder,
    /// The site its events belong to.
    #[serde(default)]
    pub site: Option<String>,
    /// Time zone of timestamps written without an offset (IANA name).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// Why a source could not start.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Its listener could not start.
    #[error("source {name}: {source}")]
    Listen {
        /// The source.
        name: String,
        /// Why.
        source: ListenError,
    },
    /// Its time zone is not a known IANA name.
    #[error("source {name}: unknown time zone {zone:?}")]
    TimeZone {
        /// The source.
        name: String,
        /// The zone given.
        zone: String,
    },
    /// A file it names could not be read.
    #[error("source {name}: cannot read {path}: {source}")]
    Read {
        /// The source.
        name: String,
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
}

/// A bound listener, running until its channel closes.
pub type Listening = Pin<Box<dyn Future<Output = Result<(), ListenError>> + Send>>;

impl SourceConfig {
    /// The source's [`Intake`] (without assets to place events on).
    pub fn intake(&self) -> Result<Intake, SourceError> {
        let mut ctx = Context::new(self.name.clone());
        if let Some(site) = &self.site {
            ctx = ctx.with_site(site.clone());
        }
        if let Some(zone) = &self.timezone {
            let tz = TimeZone::get(zone)
                .map_err(|_| SourceError::TimeZone { name: self.name.clone(), zone: zone.clone() })?;
            ctx = ctx.with_timezone(tz);
        }
        Ok(Intake::new(self.decoder.clone(), ctx))
    }

    /// Binds the source's listener, feeding `pipe`; `None` for a source of
    /// transport `http`, which has no listener of its own. `tcp` bounds the
    /// connections of a syslog TCP/TLS listener.
    pub async fn listen(&self, pipe: Pipeline, tcp: TcpLimits) -> Result<Option<Listening>, SourceError> {
        let name = &self.name;
        let listen_err = |source| SourceError::Listen { name: name.clone(), source };
        Ok(Some(match &self.transport {
            Transport::SyslogUdp { listen } => Box::pin(UdpSyslog::bind(listen).await.map_err(listen_err)?.run(pipe)),
            Transport::SyslogTcp { listen } => {
                Box::pin(TcpSource::bind(listen).await.map_err(listen_err)?.with_limits(tcp).run(pipe))
            }
            Transport::Mllp { listen } => Box::pin(
                TcpSource::bind(listen).await.map_err(listen_err)?.speaking(Protocol::Mllp).with_limits(tcp).run(pipe),
            ),
            Transport::SyslogTls { listen, cert, key } | Transport::MllpTls { listen, cert, key } => {
                let read = |path: &PathBuf| {
                    std::fs::read(path).map_err(|e| SourceError::Read {
                        name: name.clone(),
                        path: path.clone(),
                        source: e,
                    })
                };
                let acceptor = tls_acceptor(&read(cert)?, &read(key)?).map_err(listen_err)?;
                let protocol =
                    if matches!(self.transport, Transport::MllpTls { .. }) { Protocol::Mllp } else { Protocol::Syslog };
                let listener = TcpSource::bind(listen).await.map_err(listen_err)?.speaking(protocol);
                Box::pin(listener.with_tls(acceptor).with_limits(tcp).run(pipe))
            }
            Transport::Mqtt(mqtt) => Box::pin(MqttSubscriber::new(mqtt).map_err(listen_err)?.run(pipe)),
            Transport::Modbus(modbus) => {
                if !matches!(self.decoder, Decoder::Physical { .. }) {
                    return Err(listen_err(ListenError::Modbus(
                        "a modbus source publishes building events: its decoder must be {parser = \"physical\"}".into(),
                    )));
                }
                Box::pin(ModbusPoller::new(modbus).map_err(listen_err)?.run(pipe))
            }
            Transport::Bacnet(bacnet) => {
                if !matches!(self.decoder, Decoder::Physical { .. }) {
                    return Err(listen_err(ListenError::Bacnet(
                        "a bacnet source publishes building events: its decoder must be {parser = \"physical\"}".into(),
                    )));
                }
                Box::pin(BacnetPoller::new(bacnet).map_err(listen_err)?.run(pipe))
            }
            Transport::Dicom(dicom) => {
                if !matches!(self.decoder, Decoder::Dicom) {
                    return Err(listen_err(ListenError::Dicom(
                        "a dicom source records DICOM activity: its decoder must be {parser = \"dicom\"}".into(),
                    )));
                }
                Box::pin(DicomMonitor::bind(dicom).await.map_err(listen_err)?.run(pipe))
            }
            Transport::Http => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transport_is_named_as_its_configuration_types_it() {
        for text in [
            r#"{"type": "syslog_udp", "listen": "127.0.0.1:514"}"#,
            r#"{"type": "syslog_tcp", "listen": "127.0.0.1:601"}"#,
            r#"{"type": "mllp", "listen": "127.0.0.1:2575"}"#,
            r#"{"type": "http"}"#,
        ] {
            let transport: Transport = serde_json::from_str(text).unwrap();
            let written = serde_json::to_value(&transport).unwrap();
            assert_eq!(written["type"], <&str>::from(&transport), "{text}");
        }
    }
}
