//! A channel's settings as people may see them in the dashboard: where it
//! sends and how, never a secret. Signing keys and passwords are only said
//! to be set; a private key's path is not shown either (knowing where the
//! key lies helps nobody reading the settings); credentials and query
//! strings are cut out of URLs, since gateways often carry tokens there.

use serde::Serialize;

use super::config::ChannelConfig;
use super::email::SmtpSecurity;

/// What the dashboard shows of one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownChannel {
    /// The transport's name (`webhook`).
    pub kind: &'static str,
    /// Where messages go, secrets cut out.
    pub target: String,
    /// Further settings, as label and value, secrets only said to be set.
    pub details: Vec<(&'static str, String)>,
}

/// The URL without its user, password, query and fragment; `(not a URL)`
/// when it does not parse (nothing of it is shown then, as it may hold
/// anything).
fn bare_url(raw: &str) -> String {
    let Ok(url) = reqwest::Url::parse(raw) else { return "(not a URL)".to_owned() };
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}

fn set_or_not(set: bool) -> String {
    (if set { "set (not shown)" } else { "none" }).to_owned()
}

/// What `channel` shows.
pub fn shown(channel: &ChannelConfig) -> ShownChannel {
    let kind = channel.kind();
    match channel {
        ChannelConfig::Webhook(hook) => ShownChannel {
            kind,
            target: bare_url(&hook.url),
            details: vec![
                ("signature", format!("HMAC-SHA256, secret {}", set_or_not(!hook.secret.is_empty()))),
                ("timeout", format!("{} s", hook.timeout_seconds)),
            ],
        },
        ChannelConfig::Email(mail) => {
            let (security, port) = match mail.security {
                SmtpSecurity::Starttls => ("STARTTLS", 587),
                SmtpSecurity::Tls => ("TLS", 465),
                SmtpSecurity::None => ("none", 25),
            };
            ShownChannel {
                kind,
                target: format!("{}:{}", mail.host, mail.port.unwrap_or(port)),
                details: vec![
                    ("security", security.to_owned()),
                    ("from", mail.from.clone()),
                    ("also to", if mail.to.is_empty() { "nobody".to_owned() } else { mail.to.join(", ") }),
                    ("login", mail.username.clone().unwrap_or_else(|| "none".to_owned())),
                    ("password", set_or_not(mail.password.is_some())),
                    ("timeout", format!("{} s", mail.timeout_seconds)),
                ],
            }
        }
        ChannelConfig::Mqtt(mqtt) => {
            let path = |p: &Option<std::path::PathBuf>| {
                p.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string())
            };
            ShownChannel {
                kind,
                target: format!("{} topic {}", bare_url(&mqtt.url), mqtt.topic),
                details: vec![
                    ("client id", mqtt.client_id.clone()),
                    ("login", mqtt.username.clone().unwrap_or_else(|| "none".to_owned())),
                    ("password", set_or_not(mqtt.password.is_some())),
                    ("CA", path(&mqtt.ca)),
                    ("client certificate", path(&mqtt.client_cert)),
                    ("client key", set_or_not(mqtt.client_key.is_some())),
                    ("timeout", format!("{} s", mqtt.timeout_seconds)),
                ],
            }
        }
        ChannelConfig::Syslog(forward) => {
            let path = |p: &Option<std::path::PathBuf>| {
                p.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string())
            };
            let facility = serde_json::to_value(forward.facility)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            ShownChannel {
                kind,
                target: bare_url(&forward.url),
                details: vec![
                    ("facility", facility),
                    ("hostname", forward.hostname.clone().unwrap_or_else(|| "this machine's".to_owned())),
                    ("CA", path(&forward.ca)),
                    ("client certificate", path(&forward.client_cert)),
                    ("client key", set_or_not(forward.client_key.is_some())),
                    ("timeout", format!("{} s", forward.timeout_seconds)),
                ],
            }
        }
        ChannelConfig::HttpTemplate(template) => {
            // Header values and the body template may hold a gateway's
            // credentials: only the header names are shown.
            let headers: Vec<&str> = template.headers.keys().map(String::as_str).collect();
            ShownChannel {
                kind,
                target: format!("{} {}", template.method, bare_url(&template.url)),
                details: vec![
                    ("content type", template.content_type.clone()),
                    (
                        "headers",
                        if headers.is_empty() {
                            "none".to_owned()
                        } else {
                            format!("{} (values not shown)", headers.join(", "))
                        },
                    ),
                    ("body template", set_or_not(!template.body.is_empty())),
                    ("timeout", format!("{} s", template.timeout_seconds)),
                ],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(json: serde_json::Value) -> ChannelConfig {
        serde_json::from_value(json).unwrap()
    }

    fn text(shown: &ShownChannel) -> String {
        format!("{} {:?}", shown.target, shown.details)
    }

    #[test]
    fn secrets_are_only_said_to_be_set() {
        let hook = shown(&channel(serde_json::json!({
            "type": "webhook", "url": "https://bob:pw-in-url@hooks.example:8443/soc/in?token=tok-in-query#frag",
            "secret": "hmac-key-1"
        })));
        assert_eq!(hook.kind, "webhook");
        assert_eq!(hook.target, "https://hooks.example:8443/soc/in?…");
        let mail = shown(&channel(serde_json::json!({
            "type": "email", "host": "smtp.hospital.example", "from": "safecare@hospital.example",
            "to": ["soc@hospital.example"], "username": "safecare", "password": "smtp-password-1"
        })));
        assert_eq!(mail.target, "smtp.hospital.example:587");
        let mqtt = shown(&channel(serde_json::json!({
            "type": "mqtt", "url": "mqtts://broker.hospital.example", "topic": "safecare/incidents",
            "password": "mqtt-password-1", "ca": "/etc/safecare/ca.pem", "client_cert": "/etc/safecare/client.pem",
            "client_key": "/etc/safecare/private/client-key.pem"
        })));
        assert_eq!(mqtt.target, "mqtts://broker.hospital.example topic safecare/incidents");
        let all = [text(&hook), text(&mail), text(&mqtt)].join("\n");
        for secret in ["pw-in-url", "bob", "tok-in-query", "frag", "hmac-key-1", "smtp-password-1", "mqtt-password-1"] {
            assert!(!all.contains(secret), "{secret} shown in {all}");
        }
        assert!(!all.contains("client-key.pem"), "{all}");
        assert!(all.contains("/etc/safecare/ca.pem") && all.contains("set (not shown)"), "{all}");
        assert_eq!(
            shown(&channel(serde_json::json!({"type": "webhook", "url": "::", "secret": "k"}))).target,
            "(not a URL)"
        );
        let siem = shown(&channel(serde_json::json!({
            "type": "syslog", "url": "tls://siem.hospital.example:6514", "client_key": "/etc/safecare/private/siem-key.pem"
        })));
        assert_eq!(siem.target, "tls://siem.hospital.example:6514");
        let sms = shown(&channel(serde_json::json!({
            "type": "http_template", "url": "https://sms.example/send?key=tok-sms-url", "content_type": "application/json",
            "headers": {"Authorization": "Bearer tok-sms-header"}, "body": "{\"to\": \"{{recipient.contact}}\", \"pw\": \"tok-sms-body\"}"
        })));
        assert_eq!(sms.target, "POST https://sms.example/send?…");
        let both = [text(&siem), text(&sms)].join("\n");
        for secret in ["siem-key.pem", "tok-sms-url", "tok-sms-header", "tok-sms-body"] {
            assert!(!both.contains(secret), "{secret} shown in {both}");
        }
        assert!(both.contains("Authorization (values not shown)"), "{both}");
    }
}
