//! The notification settings (`[notify]` in the server configuration): the
//! channels by name, the routes, the on-call roster and the retry rules;
//! checked as a whole when loaded, so a route naming a missing channel is
//! an error at start, not a message lost later.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::email::{Email, EmailConfig, EmailError};
use super::mqtt::{Mqtt, MqttChannelConfig, MqttChannelError};
use super::oncall::{Roster, RosterError};
use super::outbox::{Backoff, Channels, Notifier};
use super::routing::Route;
use super::syslog::{Syslog, SyslogChannelConfig, SyslogChannelError};
use super::template::{HttpTemplate, TemplateConfig, TemplateError};
use super::webhook::{Webhook, WebhookConfig, WebhookError};

/// Every notification setting; nothing is sent with the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// The channels, by the name routes use.
    pub channels: BTreeMap<String, ChannelConfig>,
    /// The routes, in order.
    pub routes: Vec<Route>,
    /// Who is on call.
    pub roster: Roster,
    /// How failed messages are tried again.
    pub retry: Backoff,
}

/// One channel's transport and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChannelConfig {
    /// A signed JSON POST.
    Webhook(WebhookConfig),
    /// A mail over SMTP.
    Email(EmailConfig),
    /// A message published to an MQTT broker.
    Mqtt(MqttChannelConfig),
    /// A CEF record in an RFC 5424 syslog message to another SIEM.
    Syslog(SyslogChannelConfig),
    /// A request written by the operator, for SMS and paging gateways.
    HttpTemplate(TemplateConfig),
}

impl ChannelConfig {
    /// The transport's name (`webhook`), for metrics and views.
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelConfig::Webhook(_) => "webhook",
            ChannelConfig::Email(_) => "email",
            ChannelConfig::Mqtt(_) => "mqtt",
            ChannelConfig::Syslog(_) => "syslog",
            ChannelConfig::HttpTemplate(_) => "http_template",
        }
    }
}

/// Notification settings that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NotifyConfigError {
    /// A route names a channel that is not configured.
    #[error("notify route `{route}` names channel `{channel}`, which is not configured")]
    UnknownChannel {
        /// The route.
        route: String,
        /// The channel it names.
        channel: String,
    },
    /// Two routes share a name.
    #[error("notify route name `{0}` is used twice")]
    DuplicateRoute(String),
    /// A route escalates but has no on-call role to escalate through.
    #[error("notify route `{route}` escalates but names no on-call role")]
    EscalationWithoutRole {
        /// The route.
        route: String,
    },
    /// The on-call roster is unusable.
    #[error(transparent)]
    Roster(#[from] RosterError),
    #[error("notify channel `{channel}`: {source}")]
    /// A webhook channel's settings are unusable.
    Webhook {
        /// The channel.
        channel: String,
        /// What is wrong.
        source: WebhookError,
    },
    #[error("notify channel `{channel}`: {source}")]
    /// An e-mail channel's settings are unusable.
    Email {
        /// The channel.
        channel: String,
        /// What is wrong.
        source: EmailError,
    },
    #[error("notify channel `{channel}`: {source}")]
    /// An MQTT channel's settings are unusable.
    Mqtt {
        /// The channel.
        channel: String,
        /// What is wrong.
        source: MqttChannelError,
    },
    #[error("notify channel `{channel}`: {source}")]
    /// A syslog channel's settings are unusable.
    Syslog {
        /// The channel.
        channel: String,
        /// What is wrong.
        source: SyslogChannelError,
    },
    #[error("notify channel `{channel}`: {source}")]
    /// An HTTP-template channel's settings are unusable.
    Template {
        /// The channel.
        channel: String,
        /// What is wrong.
        source: TemplateError,
    },
}

impl NotifyConfig {
    /// Checks that routes name configured channels and unique names, and
    /// the roster.
    pub fn validate(&self) -> Result<(), NotifyConfigError> {
        let mut names = BTreeSet::new();
        for route in &self.routes {
            if !names.insert(route.name.as_str()) {
                return Err(NotifyConfigError::DuplicateRoute(route.name.clone()));
            }
            if !self.channels.contains_key(&route.channel) {
                return Err(NotifyConfigError::UnknownChannel {
                    route: route.name.clone(),
                    channel: route.channel.clone(),
                });
            }
            if route.escalate_after_minutes.is_some() && route.role.is_none() {
                return Err(NotifyConfigError::EscalationWithoutRole { route: route.name.clone() });
            }
        }
        self.roster.validate()?;
        Ok(())
    }

    /// Sets up every channel's transport, after [`NotifyConfig::validate`].
    pub fn channels(&self) -> Result<Channels, NotifyConfigError> {
        self.validate()?;
        let mut channels = Channels::new();
        for (name, config) in &self.channels {
            let notifier: Arc<dyn Notifier> = match config {
                ChannelConfig::Webhook(webhook) => Arc::new(
                    Webhook::from_config(webhook)
                        .map_err(|source| NotifyConfigError::Webhook { channel: name.clone(), source })?,
                ),
                ChannelConfig::Email(email) => Arc::new(
                    Email::from_config(email)
                        .map_err(|source| NotifyConfigError::Email { channel: name.clone(), source })?,
                ),
                ChannelConfig::Mqtt(mqtt) => Arc::new(
                    Mqtt::from_config(mqtt)
                        .map_err(|source| NotifyConfigError::Mqtt { channel: name.clone(), source })?,
                ),
                ChannelConfig::Syslog(syslog) => Arc::new(
                    Syslog::from_config(syslog)
                        .map_err(|source| NotifyConfigError::Syslog { channel: name.clone(), source })?,
                ),
                ChannelConfig::HttpTemplate(template) => Arc::new(
                    HttpTemplate::from_config(template)
                        .map_err(|source| NotifyConfigError::Template { channel: name.clone(), source })?,
                ),
            };
            channels.insert(name.clone(), notifier);
        }
        Ok(channels)
    }

    /// The route with this name.
    pub fn route(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: serde_json::Value) -> NotifyConfig {
        serde_json::from_value(toml).unwrap()
    }

    #[test]
    fn routes_must_name_configured_channels_once_and_escalate_to_a_role() {
        let channels = serde_json::json!({ "hook": { "type": "webhook", "url": "http://x", "secret": "k" } });
        let ok = config(serde_json::json!({ "channels": channels, "routes": [{ "name": "a", "channel": "hook" }] }));
        ok.validate().unwrap();
        assert_eq!(ok.channels["hook"].kind(), "webhook");

        let missing =
            config(serde_json::json!({ "channels": channels, "routes": [{ "name": "a", "channel": "sms" }] }));
        assert_eq!(
            missing.validate().unwrap_err().to_string(),
            "notify route `a` names channel `sms`, which is not configured"
        );
        let twice = config(serde_json::json!({ "channels": channels,
            "routes": [{ "name": "a", "channel": "hook" }, { "name": "a", "channel": "hook" }] }));
        assert!(matches!(twice.validate(), Err(NotifyConfigError::DuplicateRoute(n)) if n == "a"));
        let roleless = config(serde_json::json!({ "channels": channels,
            "routes": [{ "name": "a", "channel": "hook", "escalate_after_minutes": 5 }] }));
        assert!(matches!(roleless.validate(), Err(NotifyConfigError::EscalationWithoutRole { .. })));
    }

    #[test]
    fn a_channel_that_cannot_be_set_up_is_named() {
        let cfg = config(serde_json::json!({
            "channels": { "hook": { "type": "webhook", "url": "http://x", "secret": "" } }
        }));
        let err = cfg.channels().err().unwrap().to_string();
        assert_eq!(err, "notify channel `hook`: the webhook secret is empty");
    }
}
