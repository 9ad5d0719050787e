//! MQTT subscriber for physical and building sensors (rumqttc).

use std::time::Duration;

use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet, QoS};
use serde::{Deserialize, Serialize};

use super::{ListenError, Pipeline};
use crate::decode::input::MAX_RECORD_LEN;

/// Where to subscribe, as written in a source's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MqttConfig {
    /// `mqtt://host[:port]` (port 1883 by default).
    pub url: String,
    pub client_id: String,
    /// Topic filters; default: every SafeCare physical topic.
    #[serde(default = "default_filters")]
    pub filters: Vec<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

fn default_filters() -> Vec<String> {
    vec!["safecare/#".into()]
}

/// Wait before polling again after a connection error (the event loop
/// reconnects on the next poll).
const RETRY: Duration = Duration::from_secs(1);

pub struct MqttSubscriber {
    options: MqttOptions,
    filters: Vec<String>,
}

impl MqttSubscriber {
    pub fn new(config: &MqttConfig) -> Result<Self, ListenError> {
        let rest = config
            .url
            .strip_prefix("mqtt://")
            .or_else(|| config.url.strip_prefix("tcp://"))
            .ok_or_else(|| ListenError::Mqtt(format!("url {:?} must start with mqtt://", config.url)))?;
        let hostport = rest.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => {
                (h, p.parse::<u16>().map_err(|_| ListenError::Mqtt(format!("bad port in {:?}", config.url)))?)
            }
            None => (hostport, 1883),
        };
        if host.is_empty() {
            return Err(ListenError::Mqtt(format!("no host in {:?}", config.url)));
        }
        let mut options = MqttOptions::new(config.client_id.clone(), host, port);
        options.set_keep_alive(Duration::from_secs(30));
        options.set_max_packet_size(MAX_RECORD_LEN + 1024, 64 * 1024);
        if let (Some(user), Some(pass)) = (&config.username, &config.password) {
            options.set_credentials(user.clone(), pass.clone());
        }
        Ok(MqttSubscriber { options, filters: config.filters.clone() })
    }

    /// Receives until the event channel closes; broker outages are counted
    /// and retried.
    pub async fn run(self, pipe: Pipeline) -> Result<(), ListenError> {
        let (client, mut eventloop) = AsyncClient::new(self.options, 64);
        loop {
            match eventloop.poll().await {
                Ok(MqttEvent::Incoming(Packet::ConnAck(_))) => {
                    pipe.stats.record_connection();
                    // Subscriptions do not survive a clean-session reconnect.
                    for filter in &self.filters {
                        if let Err(e) = client.subscribe(filter.clone(), QoS::AtLeastOnce).await {
                            return Err(ListenError::Mqtt(format!("subscribe {filter:?}: {e}")));
                        }
                    }
                }
                Ok(MqttEvent::Incoming(Packet::Publish(publish))) => {
                    if pipe.handle(&publish.payload, Some(&publish.topic), None).await.is_err() {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    pipe.stats.record_error("mqtt_connection", e.to_string());
                    if pipe.events.is_closed() {
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
        MqttConfig {
            url: url.into(),
            client_id: "t".into(),
            filters: default_filters(),
            username: None,
            password: None,
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(MqttSubscriber::new(&config("mqtt://127.0.0.1:1883")).is_ok());
        assert!(MqttSubscriber::new(&config("mqtt://broker.local")).is_ok());
        assert!(matches!(MqttSubscriber::new(&config("http://x")), Err(ListenError::Mqtt(_))));
        assert!(matches!(MqttSubscriber::new(&config("mqtt://x:port")), Err(ListenError::Mqtt(_))));
        assert!(matches!(MqttSubscriber::new(&config("mqtt://:1883")), Err(ListenError::Mqtt(_))));
    }
}
