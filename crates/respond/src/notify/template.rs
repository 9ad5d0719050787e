//! The HTTP-template channel, for SMS and paging gateways: a request whose
//! method, URL, headers and body the operator writes, with placeholders
//! (`{{subject}}`, `{{recipient.contact}}`…) filled from the notification.
//!
//! Each value is escaped for where it lands: JSON string escaping in an
//! `application/json` body, form encoding in an
//! `application/x-www-form-urlencoded` one, XML entities in an XML one,
//! percent-encoding in the URL, as is in `text/plain`. A template that
//! names a recipient placeholder is sent once per person on call (a
//! gateway takes one number per request); during one run of the service a
//! retry skips the people the gateway already took, so one refused number
//! does not page the others again.
//!
//! The substitution is written here rather than taken from a template
//! engine: the grammar is only `{{name}}`, the escaping depends on where the
//! value lands (which general engines leave to HTML), and the names must be
//! checked when the configuration is loaded, which needs the parsed
//! template's names, not a render.

use std::borrow::Cow;
use std::collections::BTreeMap;

use async_trait::async_trait;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use strum::VariantNames;

use super::outbox::{Notifier, SendError};
use super::webhook::DELIVERY_HEADER;
use super::{Notification, Recipient, Secret};

/// An HTTP-template channel (`type = "http_template"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    /// `GET`, `POST` (the default), `PUT` or `PATCH`.
    #[serde(default = "default_method")]
    pub method: String,
    /// The gateway's http(s) URL; may hold placeholders (percent-encoded).
    pub url: String,
    /// Headers sent with every request (an API key, an `Authorization`).
    /// Their values are treated as secrets: never shown nor logged; best
    /// given in the environment
    /// (`SAFECARE_NOTIFY__CHANNELS__<NAME>__HEADERS__<HEADER>`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Secret>,
    /// The body's media type, which decides how values are escaped:
    /// `application/json` (the default), `application/x-www-form-urlencoded`,
    /// `application/xml`, `text/xml` or `text/plain`.
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// The body template; none for a `GET`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// Seconds to wait for the gateway's answer.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_method() -> String {
    "POST".to_owned()
}

fn default_content_type() -> String {
    "application/json".to_owned()
}

fn default_timeout() -> u32 {
    10
}

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames)]
pub enum Placeholder {
    /// The one-line subject.
    #[strum(serialize = "subject")]
    Subject,
    /// The incident's id (empty for a test send).
    #[strum(serialize = "incident")]
    Incident,
    /// The incident's title.
    #[strum(serialize = "title")]
    Title,
    /// The incident's severity (`critical`).
    #[strum(serialize = "severity")]
    Severity,
    /// The incident's status (`new`).
    #[strum(serialize = "status")]
    Status,
    /// The incident's threat.
    #[strum(serialize = "threat")]
    Threat,
    /// The incident's building.
    #[strum(serialize = "building")]
    Building,
    /// The incident's zone.
    #[strum(serialize = "zone")]
    Zone,
    /// The route's name.
    #[strum(serialize = "route")]
    Route,
    /// The on-call tier (1 first).
    #[strum(serialize = "tier")]
    Tier,
    /// Why it is sent: `opened`, `escalated` or `test`.
    #[strum(serialize = "reason")]
    Reason,
    /// The notification's key, the same on every retry.
    #[strum(serialize = "key")]
    Key,
    /// `true` for an exercise.
    #[strum(serialize = "exercise")]
    Exercise,
    /// When the message was planned (RFC 3339).
    #[strum(serialize = "created")]
    Created,
    /// The person's name (one request per person on call).
    #[strum(serialize = "recipient.name")]
    RecipientName,
    /// The person's contact: number, pager id (one request per person).
    #[strum(serialize = "recipient.contact")]
    RecipientContact,
}

impl Placeholder {
    fn is_recipient(self) -> bool {
        matches!(self, Placeholder::RecipientName | Placeholder::RecipientContact)
    }
}

/// How a value is written where it lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    Json,
    Form,
    Xml,
    Text,
    Url,
}

/// A parsed template: text and placeholders in order.
#[derive(Debug, Clone, PartialEq)]
struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Value(Placeholder),
}

/// Why an HTTP-template channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A placeholder names nothing the channel knows.
    #[error("unknown placeholder `{{{{{name}}}}}` in the {part}; known: {}", Placeholder::VARIANTS.join(", "))]
    UnknownPlaceholder {
        /// The name given.
        name: String,
        /// `url` or `body`.
        part: &'static str,
    },
    /// A `{{` without its `}}`.
    #[error("a `{{{{` without its `}}}}` in the {0}")]
    Unclosed(&'static str),
    /// The method is not one a gateway takes.
    #[error("method `{0}` is not GET, POST, PUT or PATCH")]
    Method(String),
    /// The URL is not http(s), even filled.
    #[error("url `{0}` is not an http(s) URL")]
    Url(String),
    /// The content type is not one the channel knows how to escape for.
    #[error(
        "content_type `{0}` is not application/json, application/x-www-form-urlencoded, application/xml, text/xml or text/plain"
    )]
    ContentType(String),
    /// A header's name or value cannot be sent (its value is not shown).
    #[error("header `{0}` has an invalid name or value")]
    Header(String),
    /// The content type is given twice.
    #[error("give the content type with `content_type`, not in `headers`")]
    ContentTypeHeader,
    /// A GET with a body.
    #[error("a GET request takes no body")]
    GetWithBody,
    /// A JSON body template that is not JSON once filled.
    #[error("the body is not JSON once its placeholders are filled ({0}); put text placeholders inside JSON strings")]
    Json(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

fn parse(text: &str, part: &'static str) -> Result<Template, TemplateError> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(TemplateError::Unclosed(part))?;
        let name = after[..close].trim();
        let placeholder = name
            .parse::<Placeholder>()
            .map_err(|_| TemplateError::UnknownPlaceholder { name: name.to_owned(), part })?;
        parts.push(Part::Value(placeholder));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_owned()));
    }
    Ok(Template(parts))
}

fn escape(value: &str, how: Escape) -> Cow<'_, str> {
    match how {
        Escape::Text => Cow::Borrowed(value),
        Escape::Json => {
            let quoted = serde_json::Value::String(value.to_owned()).to_string();
            Cow::Owned(quoted[1..quoted.len() - 1].to_owned())
        }
        Escape::Form => Cow::Owned(form_urlencoded::byte_serialize(value.as_bytes()).collect()),
        Escape::Url => Cow::Owned(utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()),
        Escape::Xml => {
            let mut out = String::with_capacity(value.len());
            for c in value.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&apos;"),
                    c => out.push(c),
                }
            }
            Cow::Owned(out)
        }
    }
}

/// The value of a placeholder for one notification (and person).
fn value<'a>(placeholder: Placeholder, n: &'a Notification, to: Option<&'a Recipient>) -> Cow<'a, str> {
    let text = |path: &str| Cow::Borrowed(n.incident_text(path).unwrap_or(""));
    match placeholder {
        Placeholder::Subject => Cow::Borrowed(&n.subject),
        Placeholder::Incident => n.incident.map(|id| Cow::Owned(id.to_string())).unwrap_or_default(),
        Placeholder::Title => text("title"),
        Placeholder::Severity => text("severity"),
        Placeholder::Status => text("status"),
        Placeholder::Threat => text("threat"),
        Placeholder::Building => text("location.building"),
        Placeholder::Zone => text("location.zone"),
        Placeholder::Route => Cow::Borrowed(&n.route),
        Placeholder::Tier => Cow::Owned(n.tier.to_string()),
        Placeholder::Reason => Cow::Borrowed(n.reason_name()),
        Placeholder::Key => Cow::Borrowed(&n.key),
        Placeholder::Exercise => Cow::Borrowed(if n.exercise { "true" } else { "false" }),
        Placeholder::Created => Cow::Owned(n.created.to_string()),
        Placeholder::RecipientName => to.map(|r| Cow::Borrowed(r.name.as_str())).unwrap_or_default(),
        Placeholder::RecipientContact => to.map(|r| Cow::Borrowed(r.contact.as_str())).unwrap_or_default(),
    }
}

impl Template {
    fn render(&self, n: &Notification, to: Option<&Recipient>, how: Escape) -> String {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value(placeholder) => out.push_str(&escape(&value(*placeholder, n, to), how)),
            }
        }
        out
    }

    fn names_a_recipient(&self) -> bool {
        self.0.iter().any(|part| matches!(part, Part::Value(p) if p.is_recipient()))
    }
}

/// A configured HTTP-template channel.
pub struct HttpTemplate {
    method: reqwest::Method,
    url: Template,
    headers: HeaderMap,
    content_type: &'static str,
    escape: Escape,
    body: Template,
    per_recipient: bool,
    client: reqwest::Client,
}

/// A notification with text that breaks naive escaping, to check at load
/// that the filled templates are a URL and (for JSON) JSON.
fn sample() -> (Notification, Recipient) {
    let awkward = "a \"quoted\" \\ value & <more>\n= 50% ?x=y#z";
    let n = Notification {
        key: awkward.to_owned(),
        incident: Some(safecare_model::IncidentId::new()),
        route: awkward.to_owned(),
        channel: awkward.to_owned(),
        reason: super::Reason::Opened,
        tier: 1,
        recipients: Vec::new(),
        exercise: false,
        subject: awkward.to_owned(),
        payload: serde_json::json!({ "incident": { "title": awkward, "severity": "critical", "threat": awkward } }),
        created: jiff::Timestamp::UNIX_EPOCH,
    };
    (n, Recipient::new(awkward.to_owned(), awkward.to_owned()))
}

impl HttpTemplate {
    /// Sets the channel up: parses and checks the templates (nothing is sent).
    pub fn from_config(config: &TemplateConfig) -> Result<Self, TemplateError> {
        let method = match config.method.to_ascii_uppercase().as_str() {
            "GET" => reqwest::Method::GET,
            "POST" => reqwest::Method::POST,
            "PUT" => reqwest::Method::PUT,
            "PATCH" => reqwest::Method::PATCH,
            _ => return Err(TemplateError::Method(config.method.clone())),
        };
        let essence = config.content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let (content_type, escape) = match essence.as_str() {
            "application/json" => ("application/json", Escape::Json),
            "application/x-www-form-urlencoded" => ("application/x-www-form-urlencoded", Escape::Form),
            "application/xml" => ("application/xml", Escape::Xml),
            "text/xml" => ("text/xml", Escape::Xml),
            "text/plain" => ("text/plain; charset=utf-8", Escape::Text),
            _ => return Err(TemplateError::ContentType(config.content_type.clone())),
        };
        let url = parse(&config.url, "url")?;
        let body = parse(&config.body, "body")?;
        if method == reqwest::Method::GET && !config.body.is_empty() {
            return Err(TemplateError::GetWithBody);
        }
        let (sample, person) = sample();
        let filled = url.render(&sample, Some(&person), Escape::Url);
        let parsed = reqwest::Url::parse(&filled).map_err(|_| TemplateError::Url(config.url.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(TemplateError::Url(config.url.clone()));
        }
        if escape == Escape::Json && !config.body.is_empty() {
            serde_json::from_str::<serde_json::Value>(&body.render(&sample, Some(&person), escape))
                .map_err(|e| TemplateError::Json(e.to_string()))?;
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| TemplateError::Header(name.clone()))?;
            if header == reqwest::header::CONTENT_TYPE {
                return Err(TemplateError::ContentTypeHeader);
            }
            let mut value = HeaderValue::from_bytes(value.expose()).map_err(|_| TemplateError::Header(name.clone()))?;
            value.set_sensitive(true);
            headers.insert(header, value);
        }
        let client = super::webhook::http_client(config.timeout_seconds).map_err(TemplateError::Client)?;
        let per_recipient = url.names_a_recipient() || body.names_a_recipient();
        Ok(HttpTemplate { method, url, headers, content_type, escape, body, per_recipient, client })
    }

    /// The URL and body for one request (to one person, or to none).
    fn request(&self, n: &Notification, to: Option<&Recipient>) -> (String, Option<String>) {
        let url = self.url.render(n, to, Escape::Url);
        let body = (!self.body.0.is_empty()).then(|| self.body.render(n, to, self.escape));
        (url, body)
    }

    async fn send_one(&self, n: &Notification, to: Option<&Recipient>, delivery: String) -> Result<(), SendError> {
        let (url, body) = self.request(n, to);
        let mut request = self
            .client
            .request(self.method.clone(), url)
            .headers(self.headers.clone())
            .header(DELIVERY_HEADER, delivery);
        if let Some(body) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, self.content_type).body(body);
        }
        // The URL may carry a token or a number: report the kind of failure only.
        let response = request
            .send()
            .await
            .map_err(|e| SendError::transient(format!("gateway not reached: {}", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("gateway answered HTTP {}", status.as_u16());
        // Outages and rate limits pass; a refusal of the request would come again.
        let retry = status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429;
        Err(if retry { SendError::transient(message) } else { SendError::permanent(message) })
    }
}

#[async_trait]
impl Notifier for HttpTemplate {
    async fn send(&self, n: &Notification) -> Result<(), SendError> {
        if !self.per_recipient {
            return self.send_one(n, None, n.key.clone()).await;
        }
        if n.recipients.is_empty() {
            return Err(SendError::permanent(format!(
                "the template names a recipient but nobody is on call for route {}",
                n.route
            )));
        }
        let mut failures = Vec::new();
        let mut reached = Vec::new();
        for (index, person) in n.recipients.iter().enumerate() {
            if person.reached {
                continue;
            }
            // One delivery id per person, the same on every retry.
            match self.send_one(n, Some(person), format!("{}:{}", n.key, index + 1)).await {
                Ok(()) => reached.push(index),
                Err(err) => failures.push((person.name.as_str(), err)),
            }
        }
        // Tried again while any failure may pass; given up when every one
        // was a refusal.
        let permanent = failures.iter().all(|(_, err)| err.permanent);
        if failures.is_empty() {
            return Ok(());
        }
        let message = failures.iter().map(|(name, err)| format!("{name}: {}", err.message)).collect::<Vec<_>>();
        let message = message.join("; ");
        let err = if permanent { SendError::permanent(message) } else { SendError::transient(message) };
        Err(err.reaching(reached))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use jiff::{SignedDuration, Timestamp};
    use safecare_model::{Incident, Severity};

    use super::*;
    use crate::notify::config::NotifyConfig;
    use crate::notify::outbox::tests::Memory;
    use crate::notify::outbox::{Backoff, Channels, Outbox, deliver_due};
    use crate::notify::{DeliveryStatus, Reason};

    /// Quotes, a backslash, markup, an ampersand, a line break, and what
    /// a URL or a form reads as separators.
    const HOSTILE: &str = "Door \"B1\" <forced> & left\\open\n50% = bad?x=1#frag";

    fn at(seconds: i64) -> Timestamp {
        "2026-12-04T10:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(seconds)
    }

    fn notification() -> Notification {
        let mut incident = Incident::new(HOSTILE, Severity::Critical);
        incident.threat = Some("forced_entry".into());
        Notification {
            key: format!("{}:pager:1", incident.id),
            incident: Some(incident.id),
            route: "pager".into(),
            channel: "sms".into(),
            reason: Reason::Opened,
            tier: 1,
            recipients: vec![
                Recipient::new("Ann Duty", "+33 600 000 001"),
                Recipient::new("Bob Night", "+33 600 000 002"),
            ],
            exercise: false,
            subject: HOSTILE.into(),
            payload: serde_json::json!({ "incident": incident, "exercise": false, "alert": null }),
            created: at(0),
        }
    }

    fn config(settings: serde_json::Value) -> TemplateConfig {
        serde_json::from_value(settings).unwrap()
    }

    fn channel(settings: serde_json::Value) -> HttpTemplate {
        HttpTemplate::from_config(&config(settings)).unwrap()
    }

    #[test]
    fn values_are_escaped_for_a_json_form_or_xml_body_and_the_url() {
        let n = notification();
        let ann = &n.recipients[0];
        let json = channel(serde_json::json!({
            "url": "http://gw.example/send?to={{recipient.contact}}&text={{ title }}",
            "body": r#"{"to": "{{recipient.contact}}", "text": "{{subject}}", "tier": {{tier}}, "sev": "{{severity}}"}"#
        }));
        let (url, body) = json.request(&n, Some(ann));
        let body: serde_json::Value = serde_json::from_str(&body.unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({ "to": "+33 600 000 001", "text": HOSTILE, "tier": 1, "sev": "critical" }));
        let url = reqwest::Url::parse(&url).unwrap();
        let query: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        assert_eq!(query, [("to".into(), "+33 600 000 001".into()), ("text".into(), HOSTILE.to_owned())]);
        assert_eq!(url.fragment(), None);

        let form = channel(serde_json::json!({
            "url": "https://gw.example/sms", "content_type": "application/x-www-form-urlencoded",
            "body": "to={{recipient.contact}}&name={{recipient.name}}&text={{subject}}"
        }));
        let body = form.request(&n, Some(ann)).1.unwrap();
        let fields: Vec<(String, String)> =
            form_urlencoded::parse(body.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        assert_eq!(
            fields,
            [
                ("to".into(), "+33 600 000 001".into()),
                ("name".into(), "Ann Duty".into()),
                ("text".into(), HOSTILE.to_owned())
            ]
        );

        let xml = channel(serde_json::json!({
            "url": "https://gw.example/sms", "content_type": "text/xml; charset=utf-8",
            "body": "<sms to=\"{{recipient.contact}}\">{{subject}}</sms>"
        }));
        assert_eq!(
            xml.request(&n, Some(ann)).1.unwrap(),
            "<sms to=\"+33 600 000 001\">Door &quot;B1&quot; &lt;forced&gt; &amp; left\\open\n50% = bad?x=1#frag</sms>"
        );
        let plain = channel(serde_json::json!({
            "url": "https://gw.example/page", "content_type": "text/plain", "body": "{{reason}} {{route}}: {{title}}"
        }));
        assert_eq!(plain.request(&n, None).1.unwrap(), format!("opened pager: {HOSTILE}"));
    }

    fn refused(settings: serde_json::Value) -> String {
        let notify: NotifyConfig = serde_json::from_value(serde_json::json!({
            "channels": { "sms": settings }
        }))
        .unwrap();
        notify.channels().err().unwrap().to_string()
    }

    #[test]
    fn unknown_placeholders_and_unusable_settings_are_refused_at_load() {
        let typo = refused(serde_json::json!({
            "type": "http_template", "url": "https://gw.example/sms", "body": r#"{"to": "{{recipent.contact}}"}"#
        }));
        assert!(
            typo.starts_with("notify channel `sms`: unknown placeholder `{{recipent.contact}}` in the body; known: subject, incident,"),
            "{typo}"
        );
        let cases = [
            (serde_json::json!({ "url": "https://gw.example/{{who}}" }), "unknown placeholder `{{who}}` in the url"),
            (
                serde_json::json!({ "url": "https://gw.example/", "body": "{\"a\": \"{{subject\"}" }),
                "a `{{` without its `}}` in the body",
            ),
            (serde_json::json!({ "url": "ftp://gw.example/" }), "is not an http(s) URL"),
            (serde_json::json!({ "url": "{{subject}}" }), "is not an http(s) URL"),
            (serde_json::json!({ "url": "https://gw/", "method": "DELETE" }), "method `DELETE`"),
            (serde_json::json!({ "url": "https://gw/", "method": "get", "body": "x" }), "a GET request takes no body"),
            (
                serde_json::json!({ "url": "https://gw/", "content_type": "application/yaml" }),
                "content_type `application/yaml`",
            ),
            (
                serde_json::json!({ "url": "https://gw/", "body": "{\"text\": {{subject}}}" }),
                "not JSON once its placeholders are filled",
            ),
            (
                serde_json::json!({ "url": "https://gw/", "headers": { "Content-Type": "text/plain" } }),
                "not in `headers`",
            ),
            (serde_json::json!({ "url": "https://gw/", "headers": { "X-Key": "bad\nvalue" } }), "header `X-Key`"),
        ];
        for (mut settings, expected) in cases {
            settings["type"] = "http_template".into();
            let err = refused(settings.clone());
            assert!(err.contains(expected), "{settings}: {err}");
        }
        let with_key = config(serde_json::json!({
            "url": "https://gw.example/", "headers": { "Authorization": "Bearer hunter2" }
        }));
        assert!(!format!("{with_key:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&with_key).unwrap().contains("hunter2"));
        HttpTemplate::from_config(&with_key).unwrap();
    }

    /// A gateway of the test's own: answers with the queued statuses, then
    /// 200, and keeps every request.
    #[derive(Default)]
    struct Gateway {
        answers: VecDeque<StatusCode>,
        requests: Vec<(Method, Uri, HeaderMap, String)>,
    }

    async fn gateway(answers: &[StatusCode]) -> (SocketAddr, Arc<Mutex<Gateway>>) {
        let state = Arc::new(Mutex::new(Gateway { answers: answers.iter().copied().collect(), ..Default::default() }));
        let seen = state.clone();
        let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                let mut gateway = seen.lock().unwrap();
                gateway.requests.push((method, uri, headers, String::from_utf8(body.to_vec()).unwrap()));
                gateway.answers.pop_front().unwrap_or(StatusCode::OK)
            }
        };
        let app = axum::Router::new().fallback(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (addr, state)
    }

    #[tokio::test]
    async fn a_gateway_gets_one_request_per_person_and_a_retry_through_the_outbox_skips_who_it_reached() {
        // Ann's request is taken, Bob's fails once.
        let (addr, gateway) = gateway(&[StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE]).await;
        // Built again for the second try, as a restart would: who was
        // reached is kept with the message in the outbox, not in the channel.
        let channels = || {
            let sms = channel(serde_json::json!({
                "url": format!("http://{addr}/v1/sms?to={{{{recipient.contact}}}}"),
                "content_type": "application/x-www-form-urlencoded",
                "headers": { "Authorization": "Bearer gateway-key" },
                "body": "text={{subject}}&ref={{key}}"
            }));
            BTreeMap::from([("sms".to_owned(), Arc::new(sms) as Arc<dyn Notifier>)]) as Channels
        };
        let outbox = Memory::default();
        let backoff = Backoff { first_seconds: 5, max_seconds: 60, max_attempts: 5 };
        let n = notification();
        outbox.enqueue(vec![n.clone()]).await.unwrap();

        let first = deliver_due(&outbox, &channels(), &backoff, at(0), 10).await.unwrap();
        assert_eq!(first[0].status, DeliveryStatus::Pending);
        assert_eq!(first[0].last_error.as_deref(), Some("Bob Night: gateway answered HTTP 503"));
        let reached: Vec<bool> = first[0].notification.recipients.iter().map(|r| r.reached).collect();
        assert_eq!(reached, [true, false], "Ann's page is kept with the message");
        let second = deliver_due(&outbox, &channels(), &backoff, at(5), 10).await.unwrap();
        assert_eq!((second[0].status, second[0].attempts), (DeliveryStatus::Delivered, 2));
        assert!(deliver_due(&outbox, &channels(), &backoff, at(600), 10).await.unwrap().is_empty());

        let gateway = gateway.lock().unwrap();
        let seen: Vec<(String, String, String)> = gateway
            .requests
            .iter()
            .map(|(method, uri, headers, body)| {
                assert_eq!(headers["authorization"], "Bearer gateway-key");
                assert_eq!(headers["content-type"], "application/x-www-form-urlencoded");
                let text: BTreeMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                assert_eq!(text["text"], HOSTILE);
                assert_eq!(text["ref"], n.key);
                let to = form_urlencoded::parse(uri.query().unwrap().as_bytes()).into_owned().next().unwrap().1;
                (method.to_string(), to, headers[DELIVERY_HEADER].to_str().unwrap().to_owned())
            })
            .collect();
        let (ann, bob) = (format!("{}:1", n.key), format!("{}:2", n.key));
        assert_eq!(
            seen,
            [
                ("POST".into(), "+33 600 000 001".into(), ann),
                ("POST".into(), "+33 600 000 002".into(), bob.clone()),
                ("POST".into(), "+33 600 000 002".into(), bob),
            ],
            "Ann is paged once, Bob again after his failure"
        );
    }

    #[tokio::test]
    async fn without_a_recipient_placeholder_one_request_goes_and_a_refusal_is_final() {
        let (addr, gateway) = gateway(&[StatusCode::OK, StatusCode::BAD_REQUEST]).await;
        let pager = channel(serde_json::json!({
            "method": "put", "url": format!("http://{addr}/page/{{{{route}}}}"),
            "body": r#"{"incident": "{{incident}}", "message": "{{subject}}"}"#
        }));
        let n = notification();
        pager.send(&n).await.unwrap();
        let refused = pager.send(&n).await.unwrap_err();
        assert!(refused.permanent && refused.message == "gateway answered HTTP 400", "{refused:?}");
        {
            let gateway = gateway.lock().unwrap();
            assert_eq!(gateway.requests.len(), 2, "one request per message, whoever is on call");
            let (method, uri, headers, body) = &gateway.requests[0];
            assert_eq!((method.as_str(), uri.path()), ("PUT", "/page/pager"));
            assert_eq!(headers[DELIVERY_HEADER], n.key.as_str());
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(body["incident"], n.incident.unwrap().to_string());
            assert_eq!(body["message"], HOSTILE);
        }

        let mut nobody = n.clone();
        nobody.recipients.clear();
        let sms = channel(
            serde_json::json!({ "url": format!("http://{addr}/sms"), "body": r#"{"to": "{{recipient.contact}}"}"# }),
        );
        let err = sms.send(&nobody).await.unwrap_err();
        assert!(err.permanent && err.message.contains("nobody is on call"), "{err:?}");
    }
}
