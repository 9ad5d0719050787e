//! The e-mail channel: the notification as a plain-text mail over SMTP,
//! through `lettre`, with STARTTLS (the default), implicit TLS or, for a
//! relay on the same host only, none.
//!
//! Mail goes to the route's people on call (their contacts that are
//! addresses) and to the channel's fixed recipients. A refusal the server
//! calls permanent (5xx) is not tried again; an outage or a 4xx is.

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use super::outbox::{Notifier, SendError};
use super::{Notification, Secret};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host.
    None,
}

/// An e-mail channel (`type = "email"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The SMTP server's host name (also the name its certificate must carry).
    pub host: String,
    /// Its port; 587 for STARTTLS, 465 for TLS, 25 without, when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// How the connection is protected.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The sender (`SafeCare <safecare@hospital.example>`).
    pub from: String,
    /// Recipients of every message besides the people on call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// The SMTP user, when the server asks for a login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Its password; best given in the environment
    /// (`SAFECARE_NOTIFY__CHANNELS__<NAME>__PASSWORD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// PEM file of the certificate authority that signed the server's
    /// certificate (a relay signed by the hospital's own CA); when set, only
    /// it is trusted, otherwise the system's roots are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<std::path::PathBuf>,
    /// Seconds a send may take.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_timeout() -> u32 {
    30
}

/// Why an e-mail channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The sender is not an e-mail address.
    #[error("sender `{0}` is not an e-mail address")]
    From(String),
    /// A recipient is not an e-mail address.
    #[error("recipient `{0}` is not an e-mail address")]
    To(String),
    /// Only half of the credentials were given.
    #[error("a username needs a password (and a password a username)")]
    Credentials,
    /// A CA with no TLS would leave in clear what the operator meant to
    /// protect.
    #[error("`ca` needs starttls or tls")]
    CaWithoutTls,
    /// The CA file cannot be read.
    #[error("cannot read the CA file {}: {source}", path.display())]
    ReadCa {
        /// Where it was looked for.
        path: std::path::PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The CA file holds no PEM certificate.
    #[error("no certificate in the CA file {}", path.display())]
    NoCertificate {
        /// The file.
        path: std::path::PathBuf,
    },
    /// TLS to the server could not be set up with these settings.
    #[error("cannot set up TLS for {host}: {source}")]
    Tls {
        /// The SMTP server.
        host: String,
        /// What the mail library said.
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// A configured e-mail channel.
pub struct Email {
    from: Mailbox,
    to: Vec<Mailbox>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Email {
    /// Sets the channel up (nothing is sent, the server is not contacted).
    pub fn from_config(config: &EmailConfig) -> Result<Self, EmailError> {
        let from = config.from.parse().map_err(|_| EmailError::From(config.from.clone()))?;
        let to = config
            .to
            .iter()
            .map(|to| to.parse().map_err(|_| EmailError::To(to.clone())))
            .collect::<Result<Vec<Mailbox>, _>>()?;
        let ca = match (&config.ca, config.security) {
            (Some(_), SmtpSecurity::None) => {
                return Err(EmailError::CaWithoutTls);
            }
            (Some(path), _) => Some(read_ca(path, &config.host)?),
            (None, _) => None,
        };
        let tls = |host: &str| {
            let error = |source| EmailError::Tls { host: host.to_owned(), source };
            match &ca {
                None => TlsParameters::new(host.to_owned()).map_err(error),
                Some(ca) => TlsParameters::builder(host.to_owned())
                    .certificate_store(CertificateStore::None)
                    .add_root_certificate(ca.clone())
                    .build_rustls()
                    .map_err(error),
            }
        };
        let (tls, port) = match config.security {
            SmtpSecurity::Starttls => (Tls::Required(tls(&config.host)?), 587),
            SmtpSecurity::Tls => (Tls::Wrapper(tls(&config.host)?), 465),
            SmtpSecurity::None => (Tls::None, 25),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port.unwrap_or(port))
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(u64::from(config.timeout_seconds.max(1)))));
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                let password = String::from_utf8_lossy(password.expose()).into_owned();
                builder = builder.credentials(Credentials::new(user.clone(), password));
            }
            (None, None) => {}
            _ => return Err(EmailError::Credentials),
        }
        Ok(Email { from, to, transport: builder.build() })
    }

    /// The mail for a notification: to the people on call with an address,
    /// and the fixed recipients.
    pub fn message(&self, notification: &Notification) -> Result<Message, SendError> {
        let mut builder = Message::builder().from(self.from.clone()).subject(&notification.subject);
        let people = notification.recipients.iter().filter_map(|r| {
            let mailbox = format!("{} <{}>", r.name, r.contact);
            mailbox.parse::<Mailbox>().ok()
        });
        let mut any = false;
        for to in people.chain(self.to.iter().cloned()) {
            builder = builder.to(to);
            any = true;
        }
        if !any {
            return Err(SendError::permanent(
                "no e-mail recipient: nobody on call with an address, no fixed recipient",
            ));
        }
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(super::text::email_text(notification))
            .map_err(|e| SendError::permanent(format!("cannot build the mail: {e}")))
    }
}

/// The CA certificate of `path`, which must hold at least one.
fn read_ca(path: &std::path::Path, host: &str) -> Result<Certificate, EmailError> {
    let pem = std::fs::read(path).map_err(|source| EmailError::ReadCa { path: path.to_owned(), source })?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(EmailError::NoCertificate { path: path.to_owned() });
    }
    Certificate::from_pem(&pem).map_err(|source| EmailError::Tls { host: host.to_owned(), source })
}

#[async_trait]
impl Notifier for Email {
    async fn send(&self, notification: &Notification) -> Result<(), SendError> {
        let message = self.message(notification)?;
        self.transport.send(message).await.map(drop).map_err(|e| {
            let text = format!("mail not sent: {e}");
            if e.is_permanent() { SendError::permanent(text) } else { SendError::transient(text) }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use jiff::Timestamp;
    use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use tokio_rustls::TlsAcceptor;

    use super::*;
    use crate::notify::test_tls::{Authority, write};
    use crate::notify::{Reason, Recipient};

    /// What the sink kept of each mail: its envelope recipients, its data,
    /// and whether it came over TLS.
    type Mails = Arc<Mutex<Vec<(Vec<String>, String, bool)>>>;

    /// A small SMTP server of the test's own: accepts every mail, or refuses
    /// every recipient with `refuse` (e.g. `550 no such user`), and keeps
    /// each mail. Given an acceptor, it offers STARTTLS and, when asked,
    /// goes on over TLS with it.
    async fn sink(refuse: Option<&'static str>, tls: Option<TlsAcceptor>) -> (u16, Mails) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Mails::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let mut session = BufReader::new(stream);
                session.get_mut().write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let upgrade = converse(&mut session, refuse, (tls.is_some(), false), &kept).await;
                if let (true, Some(acceptor)) = (upgrade, &tls) {
                    // A client that does not trust the certificate ends here.
                    let Ok(secured) = acceptor.accept(session.into_inner()).await else { continue };
                    converse(&mut BufReader::new(secured), refuse, (false, true), &kept).await;
                }
            }
        });
        (port, mails)
    }

    /// One SMTP conversation, until QUIT or the end (false) or until the
    /// client asks for the STARTTLS offered (true); `secure` when it runs
    /// over TLS.
    async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
        session: &mut BufReader<S>,
        refuse: Option<&'static str>,
        (offer_tls, secure): (bool, bool),
        kept: &Mails,
    ) -> bool {
        let (mut rcpt, mut data, mut in_data) = (Vec::new(), String::new(), false);
        let mut line = String::new();
        loop {
            line.clear();
            if session.read_line(&mut line).await.unwrap_or(0) == 0 {
                return false;
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if in_data {
                if line == "." {
                    in_data = false;
                    kept.lock().unwrap().push((std::mem::take(&mut rcpt), std::mem::take(&mut data), secure));
                    session.get_mut().write_all(b"250 queued\r\n").await.unwrap();
                } else {
                    data.push_str(line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" if offer_tls => b"250-sink\r\n250 STARTTLS\r\n",
                "EHLO" | "HELO" => b"250 sink\r\n",
                "STAR" if offer_tls => {
                    session.get_mut().write_all(b"220 go ahead\r\n").await.unwrap();
                    return true;
                }
                "RCPT" => match refuse {
                    Some(code) => {
                        session.get_mut().write_all(format!("{code}\r\n").as_bytes()).await.unwrap();
                        continue;
                    }
                    None => {
                        rcpt.push(line[8..].to_owned());
                        b"250 ok\r\n"
                    }
                },
                "DATA" => {
                    in_data = true;
                    b"354 go on\r\n"
                }
                "QUIT" => {
                    session.get_mut().write_all(b"221 bye\r\n").await.unwrap();
                    return false;
                }
                _ => b"250 ok\r\n",
            };
            session.get_mut().write_all(reply).await.unwrap();
        }
    }

    fn config(port: u16) -> EmailConfig {
        serde_json::from_value(serde_json::json!({
            "host": "127.0.0.1", "port": port, "security": "none",
            "from": "SafeCare <safecare@hospital.example>", "to": ["soc@hospital.example"]
        }))
        .unwrap()
    }

    fn notification() -> Notification {
        Notification {
            key: "i:soc-mail:1".into(),
            incident: None,
            route: "soc-mail".into(),
            channel: "mail".into(),
            reason: Reason::Opened,
            tier: 1,
            recipients: vec![
                Recipient::new("Ann Duty", "ann@hospital.example"),
                Recipient::new("Pager", "+33600000000"),
            ],
            exercise: false,
            subject: "critical incident: Ransomware on PACS".into(),
            payload: serde_json::json!({ "incident": { "id": "0195", "severity": "critical", "threat": "ransomware" } }),
            created: Timestamp::now(),
        }
    }

    #[tokio::test]
    async fn the_sink_receives_the_mail_for_the_people_on_call_and_the_fixed_recipients() {
        let (port, mails) = sink(None, None).await;
        let email = Email::from_config(&config(port)).unwrap();
        email.send(&notification()).await.unwrap();
        let mails = mails.lock().unwrap();
        assert_eq!(mails.len(), 1);
        let (rcpt, data, _) = &mails[0];
        assert_eq!(rcpt, &["<ann@hospital.example>", "<soc@hospital.example>"], "the pager number is no address");
        assert!(data.contains("Subject: critical incident: Ransomware on PACS"), "{data}");
        assert!(data.contains("From: SafeCare <safecare@hospital.example>"), "{data}");
        assert!(data.contains("Threat: ransomware") && data.contains("Message key: i:soc-mail:1"), "{data}");
    }

    #[tokio::test]
    async fn a_permanent_refusal_is_not_retried_and_a_dead_server_is() {
        let (port, _) = sink(Some("550 no such user"), None).await;
        let refused = Email::from_config(&config(port)).unwrap().send(&notification()).await.unwrap_err();
        assert!(refused.permanent && refused.message.contains("no such user"), "{refused:?}");

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let down = Email::from_config(&config(closed)).unwrap().send(&notification()).await.unwrap_err();
        assert!(!down.permanent, "{down:?}");
    }

    #[tokio::test]
    async fn starttls_upgrades_to_a_server_of_the_configured_ca_and_nothing_goes_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("Hospital test CA");
        let (port, mails) = sink(None, Some(ca.acceptor(false))).await;
        let mut starttls = config(port);
        starttls.security = SmtpSecurity::Starttls;
        starttls.ca = Some(write(dir.path(), "ca.pem", &ca.pem));
        Email::from_config(&starttls).unwrap().send(&notification()).await.unwrap();
        {
            let mails = mails.lock().unwrap();
            assert_eq!(mails.len(), 1);
            let (rcpt, data, secure) = &mails[0];
            assert!(*secure, "the mail came after the TLS upgrade");
            assert_eq!(rcpt.len(), 2);
            assert!(data.contains("Subject: critical incident: Ransomware on PACS"), "{data}");
        }

        // A server certificate from another CA: the upgrade fails, no mail.
        let mut stranger = starttls.clone();
        stranger.ca = Some(write(dir.path(), "other.pem", &Authority::new("Another CA").pem));
        let err = Email::from_config(&stranger).unwrap().send(&notification()).await.unwrap_err();
        assert!(!err.permanent, "{err:?}");
        // A server that offers no STARTTLS: no fallback to plain text.
        let (plain_port, plain_mails) = sink(None, None).await;
        let mut downgraded = starttls.clone();
        downgraded.port = Some(plain_port);
        assert!(Email::from_config(&downgraded).unwrap().send(&notification()).await.is_err());
        assert_eq!((mails.lock().unwrap().len(), plain_mails.lock().unwrap().len()), (1, 0));

        let mut no_tls = starttls.clone();
        no_tls.security = SmtpSecurity::None;
        assert!(matches!(Email::from_config(&no_tls), Err(EmailError::CaWithoutTls)));
        let mut not_pem = starttls;
        not_pem.ca = Some(write(dir.path(), "empty.pem", "not a certificate"));
        let err = Email::from_config(&not_pem).err().unwrap().to_string();
        assert!(err.contains("no certificate in the CA file"), "{err}");
    }

    #[test]
    fn bad_settings_are_named_and_the_password_is_never_shown() {
        let mut bad = config(25);
        bad.from = "not an address".into();
        assert!(matches!(Email::from_config(&bad), Err(EmailError::From(_))));
        let mut half = config(25);
        half.username = Some("safecare".into());
        assert!(matches!(Email::from_config(&half), Err(EmailError::Credentials)));
        let with_password: EmailConfig = serde_json::from_value(serde_json::json!({
            "host": "smtp.hospital.example", "from": "s@h.example", "username": "s", "password": "hunter2"
        }))
        .unwrap();
        assert_eq!(with_password.security, SmtpSecurity::Starttls);
        assert!(!format!("{with_password:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&with_password).unwrap().contains("hunter2"));
        Email::from_config(&with_password).unwrap();

        let mut nobody = notification();
        nobody.recipients.clear();
        let mut no_fixed = config(25);
        no_fixed.to.clear();
        let err = Email::from_config(&no_fixed).unwrap().message(&nobody).unwrap_err();
        assert!(err.permanent, "{err:?}");
    }
}
