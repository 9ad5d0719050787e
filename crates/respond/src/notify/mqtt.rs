//! The MQTT channel: the notification as JSON published to a topic of the
//! hospital's broker (QoS 1, sent once the broker acknowledges it), over
//! `mqtts://` with the broker's CA and optionally a client certificate.
//!
//! One connection per message: messages are few (one per incident, route
//! and tier), and a fresh connection leaves no session state to go stale
//! between them.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS, TlsConfiguration, Transport};
use serde::{Deserialize, Serialize};

use super::outbox::{Notifier, SendError};
use super::tls_client::{TlsFiles, TlsSettingsError};
use super::{Notification, Secret};

/// An MQTT channel (`type = "mqtt"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttChannelConfig {
    /// `mqtt://host[:port]` (1883) or `mqtts://host[:port]` (8883, needs `ca`).
    pub url: String,
    /// The topic messages are published to.
    pub topic: String,
    /// The client id SafeCare connects with.
    #[serde(default = "default_client_id")]
    pub client_id: String,
    /// The broker user, if it asks for a login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Its password (`SAFECARE_NOTIFY__CHANNELS__<NAME>__PASSWORD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// PEM file of the broker's certificate authority (`mqtts://` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
    /// PEM certificate chain and key presented to the broker (mutual TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<PathBuf>,
    /// Seconds to connect and have the message acknowledged.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_client_id() -> String {
    "safecare-notify".to_owned()
}

fn default_timeout() -> u32 {
    10
}

/// Why an MQTT channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MqttChannelError {
    /// The broker URL is unusable.
    #[error("`{0}` is not an mqtt:// or mqtts:// URL with a host")]
    Url(String),
    /// The TLS settings (CA, client certificate) are unusable.
    #[error(transparent)]
    Tls(#[from] TlsSettingsError),
}

/// A configured MQTT channel.
pub struct Mqtt {
    options: MqttOptions,
    topic: String,
    timeout: Duration,
}

impl Mqtt {
    /// Sets the channel up (reads the certificates; the broker is not
    /// contacted).
    pub fn from_config(config: &MqttChannelConfig) -> Result<Self, MqttChannelError> {
        let bad_url = || MqttChannelError::Url(config.url.clone());
        let (tls, rest) = match (config.url.strip_prefix("mqtts://"), config.url.strip_prefix("mqtt://")) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => return Err(bad_url()),
        };
        let hostport = rest.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad_url())?),
            None => (hostport, if tls { 8883 } else { 1883 }),
        };
        if host.is_empty() {
            return Err(bad_url());
        }
        let mut options = MqttOptions::new(config.client_id.clone(), host, port);
        options.set_keep_alive(Duration::from_secs(30));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            options.set_credentials(user.clone(), String::from_utf8_lossy(password.expose()).into_owned());
        }
        let files = TlsFiles {
            ca: config.ca.as_deref(),
            client_cert: config.client_cert.as_deref(),
            client_key: config.client_key.as_deref(),
        };
        if let Some(rustls) = files.client_config(tls, "mqtts://")? {
            options.set_transport(Transport::Tls(TlsConfiguration::Rustls(rustls)));
        }
        let timeout = Duration::from_secs(u64::from(config.timeout_seconds.max(1)));
        Ok(Mqtt { options, topic: config.topic.clone(), timeout })
    }
}

#[async_trait]
impl Notifier for Mqtt {
    async fn send(&self, notification: &Notification) -> Result<(), SendError> {
        let body = super::webhook::body(notification)?;
        let (client, mut events) = AsyncClient::new(self.options.clone(), 4);
        client
            .publish(&self.topic, QoS::AtLeastOnce, false, body)
            .await
            .map_err(|e| SendError::transient(format!("mqtt publish not queued: {e}")))?;
        let acknowledged = async {
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::PubAck(_))) => return Ok(()),
                    Ok(_) => {}
                    Err(e) => return Err(SendError::transient(format!("mqtt broker not reached: {e}"))),
                }
            }
        };
        let outcome = tokio::time::timeout(self.timeout, acknowledged)
            .await
            .unwrap_or_else(|_| Err(SendError::transient("mqtt broker did not acknowledge in time")));
        // A polite goodbye; the message is already acknowledged or failed.
        let _ = client.try_disconnect();
        let _ = tokio::time::timeout(Duration::from_millis(200), events.poll()).await;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use safecare_model::{Incident, Severity};

    use super::*;
    use crate::IncidentRecord;
    use crate::notify::oncall::Roster;
    use crate::notify::plan::{Facts, plan};
    use crate::notify::routing::Route;

    fn config(url: &str, topic: &str) -> MqttChannelConfig {
        serde_json::from_value(serde_json::json!({ "url": url, "topic": topic })).unwrap()
    }

    #[test]
    fn urls_and_certificates_are_checked() {
        assert!(Mqtt::from_config(&config("mqtt://broker.local", "t")).is_ok());
        assert!(matches!(Mqtt::from_config(&config("http://broker", "t")), Err(MqttChannelError::Url(_))));
        assert!(matches!(Mqtt::from_config(&config("mqtt://:1883", "t")), Err(MqttChannelError::Url(_))));
        let err = Mqtt::from_config(&config("mqtts://broker", "t")).err().unwrap().to_string();
        assert!(err.contains("needs `ca`"), "{err}");
        let mut plain_with_ca = config("mqtt://broker", "t");
        plain_with_ca.ca = Some("/etc/ca.pem".into());
        assert!(Mqtt::from_config(&plain_with_ca).err().unwrap().to_string().contains("need a mqtts:// url"));
        let mut missing = config("mqtts://broker", "t");
        missing.ca = Some("/nonexistent/ca.pem".into());
        assert!(Mqtt::from_config(&missing).err().unwrap().to_string().contains("cannot read the CA file"));
    }

    /// Against the real broker (`SAFECARE_TEST_MQTT_URL`): a subscriber gets
    /// the message planned for a new incident.
    #[tokio::test]
    async fn a_subscriber_on_the_broker_receives_the_incident_change() {
        let Ok(url) = std::env::var("SAFECARE_TEST_MQTT_URL") else {
            println!("MQTT test not run: SAFECARE_TEST_MQTT_URL is not set");
            return;
        };
        let topic = format!("safecare-test/notify/{}", safecare_model::IncidentId::new());
        let hostport = url.trim_start_matches("mqtt://").trim_end_matches('/');
        let (host, port) = hostport.rsplit_once(':').map(|(h, p)| (h, p.parse().unwrap())).unwrap_or((hostport, 1883));
        let mut options = MqttOptions::new(format!("sub-{}", safecare_model::IncidentId::new()), host, port);
        options.set_keep_alive(Duration::from_secs(30));
        let (subscriber, mut events) = AsyncClient::new(options, 10);
        subscriber.subscribe(&topic, QoS::AtLeastOnce).await.unwrap();
        loop {
            if let Event::Incoming(Packet::SubAck(_)) = events.poll().await.unwrap() {
                break;
            }
        }

        let route: Route = serde_json::from_value(serde_json::json!({ "name": "soc-bus", "channel": "bus" })).unwrap();
        let record =
            IncidentRecord::new(Incident::new("Door forced at pharmacy", Severity::High), "safecare", Timestamp::now());
        let planned = plan(
            &[route],
            &Roster::default(),
            &record,
            Facts { domains: &[], alert: None, language: safecare_i18n::Language::En },
            Timestamp::now(),
        );
        let mut channel = config(&url, &topic);
        channel.client_id = format!("pub-{}", record.id());
        Mqtt::from_config(&channel).unwrap().send(&planned[0]).await.unwrap();

        let received = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Event::Incoming(Packet::Publish(publish)) = events.poll().await.unwrap() {
                    return publish;
                }
            }
        })
        .await
        .expect("no message on the topic");
        let body: serde_json::Value = serde_json::from_slice(&received.payload).unwrap();
        assert_eq!(body["key"], planned[0].key);
        assert_eq!(body["reason"], "opened");
        assert_eq!(body["payload"]["incident"]["title"], "Door forced at pharmacy");
        assert_eq!(body["payload"]["incident"]["id"], record.id().to_string());
    }
}
