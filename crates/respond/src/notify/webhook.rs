//! The webhook channel: the notification as JSON in an HTTP POST, signed so
//! the receiver can tell it came from SafeCare and is not a replay.
//!
//! Signature: `X-SafeCare-Signature: v1=<hex>` where `<hex>` is
//! HMAC-SHA256, keyed with the channel's shared secret, over the bytes
//! `<timestamp>.<body>`; `<timestamp>` is the `X-SafeCare-Timestamp` header
//! (Unix seconds when the try was made). A receiver recomputes it
//! ([`verify`]) and refuses a timestamp further than its replay window
//! (five minutes, [`REPLAY_WINDOW`]) from its own clock; within the window
//! it drops repeats by `X-SafeCare-Delivery` (the notification's key), which
//! is also what makes a retried delivery count once.

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::outbox::{Notifier, SendError};
use super::{Notification, Secret};

/// The header holding the signature.
pub const SIGNATURE_HEADER: &str = "x-safecare-signature";
/// The header holding the signing time (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-safecare-timestamp";
/// The header holding the notification's key, the same on every retry.
pub const DELIVERY_HEADER: &str = "x-safecare-delivery";
/// How far a signature's time may be from the receiver's clock.
pub const REPLAY_WINDOW: SignedDuration = SignedDuration::from_mins(5);

/// A webhook channel (`[notify.channels.NAME]` with `type = "webhook"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST.
    pub url: String,
    /// The shared signing secret. Best kept out of the file and given in
    /// the environment (`SAFECARE_NOTIFY__CHANNELS__<NAME>__SECRET`); never
    /// logged, never shown, serialised as `<redacted>`.
    pub secret: Secret,
    /// Seconds to wait for the receiver's answer.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_timeout() -> u32 {
    10
}

/// Why a webhook channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No signing secret was given.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The URL is not http(s).
    #[error("webhook url `{0}` is not an http(s) URL")]
    Url(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Why a received webhook was refused by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The timestamp header is missing or malformed.
    #[error("the timestamp header is missing or not Unix seconds")]
    Timestamp,
    #[error("signed at {signed}, outside the replay window of the receiver's clock {now}")]
    /// The message was signed too long ago (or ahead): a replay.
    Replay {
        /// When it was signed.
        signed: Timestamp,
        /// The receiver's clock.
        now: Timestamp,
    },
    /// The signature header is missing or malformed.
    #[error("the signature header is missing or not `v1=<hex>`")]
    Format,
    /// The signature is not the body's.
    #[error("the signature does not match the body")]
    Mismatch,
}

fn mac(secret: &Secret, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; new_from_slice cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose()).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header's value for `body` signed at `at`.
pub fn sign(secret: &Secret, at: Timestamp, body: &[u8]) -> String {
    let digest = mac(secret, at.as_second(), body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// Checks a received webhook: the timestamp within [`REPLAY_WINDOW`] of
/// `now`, and the signature over it and the body (compared in constant
/// time).
pub fn verify(
    secret: &Secret,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: Timestamp,
) -> Result<(), VerifyError> {
    let seconds: i64 = timestamp.trim().parse().map_err(|_| VerifyError::Timestamp)?;
    let signed = Timestamp::from_second(seconds).map_err(|_| VerifyError::Timestamp)?;
    if now.duration_since(signed).abs() > REPLAY_WINDOW {
        return Err(VerifyError::Replay { signed, now });
    }
    let hex = signature.trim().strip_prefix("v1=").ok_or(VerifyError::Format)?;
    let bytes = decode_hex(hex).ok_or(VerifyError::Format)?;
    mac(secret, seconds, body).verify_slice(&bytes).map_err(|_| VerifyError::Mismatch)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// A configured webhook channel.
pub struct Webhook {
    url: String,
    secret: Secret,
    client: reqwest::Client,
}

impl Webhook {
    /// Sets the channel up.
    pub fn from_config(config: &WebhookConfig) -> Result<Self, WebhookError> {
        Webhook::new(&config.url, config.secret.clone(), config.timeout_seconds)
    }

    /// Sets the channel up with the secret given.
    pub fn new(url: &str, secret: Secret, timeout_seconds: u32) -> Result<Self, WebhookError> {
        if secret.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(WebhookError::Url(url.to_owned()));
        }
        let client = http_client(timeout_seconds).map_err(WebhookError::Client)?;
        Ok(Webhook { url: url.to_owned(), secret, client })
    }
}

/// The HTTP client of the channels that post (webhook, HTTP template): each
/// request given at least a second to be answered.
pub(crate) fn http_client(timeout_seconds: u32) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder().timeout(std::time::Duration::from_secs(u64::from(timeout_seconds.max(1)))).build()
}

/// The body posted: the notification without its delivery state.
pub fn body(notification: &Notification) -> Result<Vec<u8>, SendError> {
    serde_json::to_vec(notification).map_err(|e| SendError::permanent(format!("cannot encode the notification: {e}")))
}

#[async_trait]
impl Notifier for Webhook {
    async fn send(&self, notification: &Notification) -> Result<(), SendError> {
        let body = body(notification)?;
        let now = Timestamp::now();
        let response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, now.as_second().to_string())
            .header(SIGNATURE_HEADER, sign(&self.secret, now, &body))
            .header(DELIVERY_HEADER, &notification.key)
            .body(body)
            .send()
            .await
            // The URL may carry a token: report the kind of failure only.
            .map_err(|e| SendError::transient(format!("webhook not reached: {}", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("webhook answered HTTP {}", status.as_u16());
        // The receiver's outages and rate limits pass; a refusal of the
        // request itself would be refused again.
        let retry = status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429;
        Err(if retry { SendError::transient(message) } else { SendError::permanent(message) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_764_842_400 + seconds).unwrap()
    }

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let secret = Secret::new("s3cret");
        let body = br#"{"key":"k"}"#;
        let signature = sign(&secret, at(0), body);
        let ts = at(0).as_second().to_string();
        assert_eq!(verify(&secret, &ts, &signature, body, at(299)), Ok(()));
        assert_eq!(verify(&secret, &ts, &signature, br#"{"key":"K"}"#, at(0)), Err(VerifyError::Mismatch));
        assert_eq!(verify(&Secret::new("other"), &ts, &signature, body, at(0)), Err(VerifyError::Mismatch));
        // The timestamp is signed: moving it breaks the signature.
        let moved = at(10).as_second().to_string();
        assert_eq!(verify(&secret, &moved, &signature, body, at(10)), Err(VerifyError::Mismatch));
        assert!(matches!(verify(&secret, &ts, &signature, body, at(301)), Err(VerifyError::Replay { .. })));
        assert_eq!(verify(&secret, "soon", &signature, body, at(0)), Err(VerifyError::Timestamp));
        assert_eq!(verify(&secret, &ts, "sha1=00", body, at(0)), Err(VerifyError::Format));
        assert_eq!(verify(&secret, &ts, "v1=zz", body, at(0)), Err(VerifyError::Format));
    }

    #[test]
    fn the_signature_is_the_documented_hmac() {
        // Computed independently: printf '1764842400.{}' | openssl dgst -sha256 -hmac key
        let expected = "v1=aa95c1603ebdd25b3161896f8a5ed9b7140ab8755c5a0194b7db1626f51bddff";
        let got = sign(&Secret::new("key"), at(0), b"{}");
        assert_eq!(got, expected);
    }

    #[test]
    fn secrets_are_not_printed_and_bad_settings_are_refused() {
        let config: WebhookConfig =
            serde_json::from_value(serde_json::json!({ "url": "http://x", "secret": "hunter2" })).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&config).unwrap().contains("hunter2"));
        assert_eq!(config.secret, Secret::new("hunter2"));
        assert!(matches!(Webhook::new("ftp://x", Secret::new("k"), 5), Err(WebhookError::Url(_))));
        assert!(matches!(Webhook::new("http://x", Secret::new(""), 5), Err(WebhookError::EmptySecret)));
    }
}
