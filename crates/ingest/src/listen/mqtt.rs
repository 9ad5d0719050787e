//! MQTT subscriber for physical and building sensors (rumqttc), over plain
//! TCP or TLS with an optional client certificate (mutual TLS).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet, Publish, QoS, TlsConfiguration, Transport};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::tls::tls_client_config;
use super::{ListenError, Pipeline};
use crate::decode::input::MAX_RECORD_LEN;

/// Where to subscribe, as written in a source's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttConfig {
    /// `mqtt://host[:port]` (port 1883 by default), or `mqtts://host[:port]`
    /// for TLS (port 8883 by default; `ca` is then required).
    pub url: String,
    /// The MQTT client id SafeCare connects with.
    pub client_id: String,
    /// Topic filters; default: every SafeCare physical topic.
    #[serde(default = "default_filters")]
    pub filters: Vec<String>,
    /// User name for the broker, if it requires one.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for the broker, if it requires one.
    #[serde(default)]
    pub password: Option<String>,
    /// PEM file of the CA that signed the broker's certificate; the only
    /// authority trusted for it.
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// PEM files of the certificate (chain) and key SafeCare presents to a
    /// broker that requires client certificates.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    /// The key for `client_cert`.
    #[serde(default)]
    pub client_key: Option<PathBuf>,
}

impl MqttConfig {
    /// Plain settings: no credentials, no certificates.
    pub fn new(url: impl Into<String>, client_id: impl Into<String>, filters: Vec<String>) -> Self {
        MqttConfig {
            url: url.into(),
            client_id: client_id.into(),
            filters,
            username: None,
            password: None,
            ca: None,
            client_cert: None,
            client_key: None,
        }
    }
}

fn default_filters() -> Vec<String> {
    vec!["safecare/#".into()]
}

fn strip_scheme<'a>(url: &'a str, schemes: &[&str]) -> Option<&'a str> {
    schemes.iter().find_map(|scheme| url.strip_prefix(scheme))
}

fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>, ListenError> {
    std::fs::read(path).map_err(|source| ListenError::Tls {
        what: format!("cannot read the {what} {}", path.display()),
        source: source.into(),
    })
}

/// The rustls client configuration of an `mqtts://` source.
fn transport_security(config: &MqttConfig) -> Result<std::sync::Arc<rustls::ClientConfig>, ListenError> {
    let ca = config.ca.as_deref().ok_or_else(|| {
        ListenError::Mqtt(format!("{:?} needs `ca`, the PEM file of the broker's certificate authority", config.url))
    })?;
    let ca = read_pem(ca, "CA file")?;
    let identity = match (&config.client_cert, &config.client_key) {
        (Some(cert), Some(key)) => Some((read_pem(cert, "client certificate")?, read_pem(key, "client key")?)),
        (None, None) => None,
        _ => return Err(ListenError::Mqtt("client_cert and client_key go together: give both or neither".into())),
    };
    tls_client_config(&ca, identity.as_ref().map(|(cert, key)| (cert.as_slice(), key.as_slice())))
}

/// Wait before polling again after a connection error (the event loop
/// reconnects on the next poll).
const RETRY: Duration = Duration::from_secs(1);

/// Subscribes to a broker's topics and feeds each message to a [`Pipeline`].
pub struct MqttSubscriber {
    options: MqttOptions,
    filters: Vec<String>,
}

impl MqttSubscriber {
    /// Checks the configuration and, for TLS, reads the PEM files.
    pub fn new(config: &MqttConfig) -> Result<Self, ListenError> {
        let (rest, tls, default_port) = if let Some(rest) = strip_scheme(&config.url, &["mqtt://", "tcp://"]) {
            (rest, false, 1883)
        } else if let Some(rest) = strip_scheme(&config.url, &["mqtts://", "ssl://"]) {
            (rest, true, 8883)
        } else {
            return Err(ListenError::Mqtt(format!("url {:?} must start with mqtt:// or mqtts://", config.url)));
        };
        let hostport = rest.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => {
                (h, p.parse::<u16>().map_err(|_| ListenError::Mqtt(format!("bad port in {:?}", config.url)))?)
            }
            None => (hostport, default_port),
        };
        if host.is_empty() {
            return Err(ListenError::Mqtt(format!("no host in {:?}", config.url)));
        }
        let mut options = MqttOptions::new(config.client_id.clone(), host, port);
        options.set_keep_alive(Duration::from_secs(30));
        // QoS 1 messages are acknowledged only once their events are stored
        // (see `run`), and the session persists across reconnects so that
        // the broker redelivers what was not acknowledged (kill, store
        // failure) and keeps what arrives while SafeCare is down.
        options.set_manual_acks(true);
        options.set_clean_session(false);
        options.set_max_packet_size(MAX_RECORD_LEN + 1024, 64 * 1024);
        if let (Some(user), Some(pass)) = (&config.username, &config.password) {
            options.set_credentials(user.clone(), pass.clone());
        }
        if tls {
            options.set_transport(Transport::Tls(TlsConfiguration::Rustls(transport_security(config)?)));
        } else if config.ca.is_some() || config.client_cert.is_some() || config.client_key.is_some() {
            // Certificates with a plain URL would silently send in clear
            // what the operator meant to protect.
            return Err(ListenError::Mqtt(format!(
                "ca, client_cert and client_key need an mqtts:// url, not {:?}",
                config.url
            )));
        }
        Ok(MqttSubscriber { options, filters: config.filters.clone() })
    }

    /// Receives until the event channel closes; broker outages are counted
    /// and retried. A QoS 1 message is acknowledged once the events it
    /// produced are durably stored (when the pipeline has barriers; a
    /// message that does not decode is acknowledged too, it never will);
    /// when storing fails it is not, and the broker redelivers it on the
    /// next connection.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        let (client, eventloop) = AsyncClient::new(self.options, 64);
        // Acknowledgements wait in order beside the receive loop, which
        // goes on meanwhile; the broker's in-flight window bounds them.
        let (pending, waiting) = mpsc::unbounded_channel::<(Publish, Option<oneshot::Receiver<()>>)>();
        let redeliver = AtomicBool::new(false);
        tokio::select! {
            outcome = Self::receive(&self.filters, &client, eventloop, &pipe, pending, &redeliver) => outcome,
            () = Self::acknowledge(&client, &pipe, waiting, &redeliver) => Ok(()),
        }
    }

    async fn acknowledge(
        client: &AsyncClient,
        pipe: &Pipeline,
        mut waiting: mpsc::UnboundedReceiver<(Publish, Option<oneshot::Receiver<()>>)>,
        redeliver: &AtomicBool,
    ) {
        while let Some((publish, stored)) = waiting.recv().await {
            let stored = match stored {
                Some(stored) => stored.await.is_ok(),
                None => true,
            };
            if !stored {
                pipe.stats()
                    .record_error("mqtt_not_stored", format!("message on {:?} not acknowledged", publish.topic));
                // The broker resends unacknowledged messages only on a new
                // connection (and stops sending once its in-flight window
                // is full of them).
                redeliver.store(true, Ordering::Relaxed);
            } else if client.ack(&publish).await.is_err() {
                return;
            }
        }
        // The receive loop has ended: let it return its outcome.
        std::future::pending::<()>().await
    }

    async fn receive(
        filters: &[String],
        client: &AsyncClient,
        mut eventloop: rumqttc::EventLoop,
        pipe: &Pipeline,
        pending: mpsc::UnboundedSender<(Publish, Option<oneshot::Receiver<()>>)>,
        redeliver: &AtomicBool,
    ) -> Result<(), ListenError> {
        loop {
            let polled = eventloop.poll().await;
            if redeliver.swap(false, Ordering::Relaxed) {
                // Reconnect on the next poll, so that the broker sends again
                // what could not be stored.
                eventloop.clean();
            }
            match polled {
                Ok(MqttEvent::Incoming(Packet::ConnAck(_))) => {
                    pipe.stats().record_connection();
                    // Subscriptions do not survive a clean-session reconnect.
                    for filter in filters {
                        if let Err(source) = client.subscribe(filter.clone(), QoS::AtLeastOnce).await {
                            return Err(ListenError::Subscribe { filter: filter.clone(), source });
                        }
                    }
                }
                Ok(MqttEvent::Incoming(Packet::Publish(publish))) => {
                    if pipe.handle(&publish.payload, Some(&publish.topic), None).await.is_err() {
                        return Ok(());
                    }
                    if publish.qos != QoS::AtMostOnce {
                        let _ = pending.send((publish, pipe.stored().await));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    pipe.stats().record_error("mqtt_connection", e.to_string());
                    if pipe.is_closed() {
                        return Ok(());
                    }
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> MqttConfig {
        MqttConfig::new(url, "t", default_filters())
    }

    #[test]
    fn urls_are_checked() {
        assert!(MqttSubscriber::new(&config("mqtt://127.0.0.1:1883")).is_ok());
        assert!(MqttSubscriber::new(&config("mqtt://broker.local")).is_ok());
        assert!(matches!(MqttSubscriber::new(&config("http://x")), Err(ListenError::Mqtt(_))));
        assert!(matches!(MqttSubscriber::new(&config("mqtt://x:port")), Err(ListenError::Mqtt(_))));
        assert!(matches!(MqttSubscriber::new(&config("mqtt://:1883")), Err(ListenError::Mqtt(_))));
    }

    #[test]
    fn tls_settings_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["broker.local".into()]).unwrap();
        let ca = dir.path().join("ca.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&ca, cert.cert.pem()).unwrap();
        std::fs::write(&key, cert.signing_key.serialize_pem()).unwrap();

        let no_ca = MqttSubscriber::new(&config("mqtts://broker.local"));
        assert!(matches!(no_ca, Err(ListenError::Mqtt(m)) if m.contains("needs `ca`")));
        let plain_with_ca = MqttConfig { ca: Some(ca.clone()), ..config("mqtt://broker.local") };
        assert!(matches!(MqttSubscriber::new(&plain_with_ca), Err(ListenError::Mqtt(m)) if m.contains("mqtts://")));
        let half_identity = MqttConfig { ca: Some(ca.clone()), client_cert: Some(ca.clone()), ..config("mqtts://b") };
        assert!(matches!(MqttSubscriber::new(&half_identity), Err(ListenError::Mqtt(m)) if m.contains("together")));
        let missing = MqttConfig { ca: Some(dir.path().join("nope.pem")), ..config("mqtts://b") };
        let missing = MqttSubscriber::new(&missing).err().unwrap();
        assert!(matches!(&missing, ListenError::Tls { what, .. } if what.contains("nope.pem")), "{missing}");
        let cause = std::error::Error::source(&missing).unwrap();
        assert!(cause.downcast_ref::<std::io::Error>().is_some(), "the I/O error is kept: {cause}");

        let mutual = MqttConfig {
            ca: Some(ca.clone()),
            client_cert: Some(ca),
            client_key: Some(key),
            ..config("mqtts://broker.local")
        };
        let subscriber = MqttSubscriber::new(&mutual).unwrap();
        assert_eq!(subscriber.options.broker_address(), ("broker.local".to_owned(), 8883));
        assert!(matches!(subscriber.options.transport(), Transport::Tls(TlsConfiguration::Rustls(_))));
    }
}
