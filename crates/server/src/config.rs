//! The service's settings: defaults, then a TOML file, then `SAFECARE_*`
//! environment variables (nested keys joined by `__`, e.g.
//! `SAFECARE_STORE__DURABILITY=normal`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use safecare_detect::RulesConfig;
use safecare_i18n::{Defaults, InvalidTimeZone, Language};
use safecare_ingest::SourceConfig;
use safecare_privacy::{PseudonymConfig, ReidPolicy, RetentionPolicy};
use safecare_respond::IncidentsConfig;
use safecare_respond::notify::config::NotifyConfig;
use safecare_store::SqliteConfig;

use crate::auth::{Lockout, RequestLimits};
use crate::tls::TlsConfig;
use serde::{Deserialize, Serialize};

/// All settings, with their defaults in [`Config::default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub listen: SocketAddr,
    /// Folder for the database and other state; created when missing.
    pub data_dir: PathBuf,
    /// Largest accepted request body, in bytes (larger gets 413).
    pub max_body_bytes: usize,
    /// Largest accepted event, in bytes, on every ingest route (an NDJSON
    /// line, a JSON array element, a source's record, a syslog message, an
    /// MQTT payload); larger ones are refused and counted. The listeners'
    /// framing never reads more than 256 KiB whatever this says.
    pub max_event_bytes: usize,
    /// Source name given to events posted over HTTP that name none.
    pub http_source: String,
    /// Messages each bus subscriber may buffer before backpressure.
    pub bus_capacity: usize,
    /// Records a stage (detection, incidents) may fall behind the store's
    /// log before ingest pushes back: HTTP answers 503 with `Retry-After`,
    /// listeners stop reading. Bounds how stale detection may get under a
    /// flood, not memory (the backlog waits on disk).
    pub max_lag: u64,
    /// The embedded SQLite store.
    pub store: SqliteConfig,
    /// Sessions and login protection.
    pub auth: AuthConfig,
    /// Requests per second each caller may make.
    pub limits: RequestLimits,
    /// Time limits for slow clients and connection caps of the listeners.
    pub connections: crate::connections::ConnectionLimits,
    /// Detection rules.
    pub rules: RulesConfig,
    /// HTTPS; plain HTTP when absent.
    pub tls: Option<TlsConfig>,
    /// Pseudonymisation and re-identification.
    pub privacy: PrivacyConfig,
    /// How long each class of data is kept.
    pub retention: RetentionPolicy,
    /// Listeners for syslog and MQTT sources (`[[sources]]`).
    pub sources: Vec<SourceConfig>,
    /// Grouping, playbooks and regulatory clocks.
    pub incidents: IncidentsConfig,
    /// Notification channels, routes, the on-call roster and retries.
    pub notify: NotifyConfig,
    /// CAP 1.2 messages to first responders (`[cap]`).
    pub cap: safecare_respond::cap::CapConfig,
    /// Hospital availability and its EDXL-HAVE pushes (`[availability]`).
    pub availability: safecare_respond::availability::AvailabilityConfig,
    /// The site's language and time zone (`[display]`), for people who
    /// chose none.
    pub display: DisplayConfig,
}

/// The site's display defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayConfig {
    /// The language of the dashboard and messages (`en`, `fr`, `it`, `nl`).
    pub language: Language,
    /// The IANA time zone times are shown in.
    pub time_zone: String,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        DisplayConfig { language: Language::En, time_zone: "UTC".to_owned() }
    }
}

impl DisplayConfig {
    /// The defaults as locales take them; fails on an unknown zone name.
    pub fn defaults(&self) -> Result<Defaults, InvalidTimeZone> {
        Ok(Defaults { language: self.language, zone: safecare_i18n::time_zone(&self.time_zone)? })
    }
}

/// Settings of the privacy layer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Which fields of which sources hold personal identifiers.
    pub pseudonymise: PseudonymConfig,
    /// What a re-identification request must bring.
    pub reidentify: ReidPolicy,
    /// Folder of the three privacy keys; `<data_dir>/keys` when unset.
    /// Keep a backup: without the keys, tokens no longer match and the
    /// vault no longer opens.
    pub keys_dir: Option<PathBuf>,
    /// The signed head of the audit chain; `<data_dir>/audit-anchor.json`
    /// when unset. Best kept where the database's own writer cannot roll it
    /// back (another disk, a write-once share).
    pub audit_anchor: Option<PathBuf>,
}

/// Settings of sessions and logins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// How long a login lasts, in hours.
    pub session_hours: u32,
    /// Mark the session cookie `Secure` (browsers then send it over HTTPS
    /// only); turn on whenever SafeCare is served over TLS.
    pub secure_cookies: bool,
    /// When failed logins lock an account, and for how long.
    pub lockout: Lockout,
    /// Login attempts one client address may make per minute.
    pub logins_per_minute: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { session_hours: 12, secure_cookies: false, lockout: Lockout::default(), logins_per_minute: 20 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            max_body_bytes: 16 * 1024 * 1024,
            max_event_bytes: safecare_ingest::decode::input::MAX_RECORD_LEN,
            http_source: "http".to_owned(),
            bus_capacity: 1024,
            max_lag: 100_000,
            store: SqliteConfig::default(),
            auth: AuthConfig::default(),
            limits: RequestLimits::default(),
            connections: Default::default(),
            rules: RulesConfig::default(),
            tls: None,
            privacy: PrivacyConfig::default(),
            retention: RetentionPolicy::default(),
            sources: Vec::new(),
            incidents: IncidentsConfig::default(),
            notify: NotifyConfig::default(),
            cap: safecare_respond::cap::CapConfig::default(),
            availability: safecare_respond::availability::AvailabilityConfig::default(),
            display: DisplayConfig::default(),
        }
    }
}

/// A configuration that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The named configuration file does not exist.
    #[error("configuration file {0} does not exist")]
    Missing(PathBuf),
    /// The file or environment holds a value that does not fit.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    /// `[display] time_zone` names no known zone.
    #[error("invalid configuration: display.time_zone: {0}")]
    TimeZone(#[from] InvalidTimeZone),
}

impl Config {
    /// Loads defaults, then `file` when given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Missing(file.to_owned()));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("SAFECARE_").split("__").filter(|key| !is_test_variable(key.as_str())));
        let config: Config = figment.extract().map_err(|e| ConfigError::Invalid(Box::new(e)))?;
        config.display.defaults()?;
        Ok(config)
    }

    /// The database file inside the data folder.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("safecare.db")
    }

    /// The folder of the privacy keys.
    pub fn keys_dir(&self) -> PathBuf {
        self.privacy.keys_dir.clone().unwrap_or_else(|| self.data_dir.join("keys"))
    }

    /// The file of the audit chain's signed head.
    pub fn audit_anchor_path(&self) -> PathBuf {
        self.privacy.audit_anchor.clone().unwrap_or_else(|| self.data_dir.join("audit-anchor.json"))
    }
}

/// `SAFECARE_TEST_*` and `SAFECARE_SAMPLES_DIR` configure the test suite and
/// `SAFECARE_DEMO_PASSWORD` the demo, not the service; they must not be
/// taken for unknown settings.
fn is_test_variable(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("test_") || key == "samples_dir" || key == "demo_password"
}

#[cfg(test)]
// figment's Jail closures must return its own large error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "safecare.toml",
                "listen = \"0.0.0.0:9000\"\nmax_body_bytes = 1024\n[store]\nreaders = 2\n",
            )?;
            jail.set_env("SAFECARE_MAX_BODY_BYTES", "2048");
            jail.set_env("SAFECARE_STORE__DURABILITY", "normal");
            jail.set_env("SAFECARE_TEST_POSTGRES_URL", "postgres://ignored");
            let config = Config::load(Some(Path::new("safecare.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 9000);
            assert_eq!(config.max_body_bytes, 2048);
            assert_eq!(config.store.readers, 2);
            assert_eq!(config.store.durability, safecare_store::Durability::Normal);
            assert_eq!(config.http_source, "http");
            assert_eq!(config.limits, crate::auth::RequestLimits::default());
            Ok(())
        });
    }

    #[test]
    fn unknown_and_mistyped_settings_are_named() {
        Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "lisen = \"0.0.0.0:9000\"\n")?;
            let err = Config::load(Some(Path::new("bad.toml"))).unwrap_err().to_string();
            assert!(err.contains("lisen"), "{err}");
            jail.create_file("bad2.toml", "max_body_bytes = \"lots\"\n")?;
            let err = Config::load(Some(Path::new("bad2.toml"))).unwrap_err().to_string();
            assert!(err.contains("max_body_bytes"), "{err}");
            jail.create_file("bad3.toml", "[limits]\nburst = 0\n")?;
            let err = Config::load(Some(Path::new("bad3.toml"))).unwrap_err().to_string();
            assert!(err.contains("burst"), "{err}");
            let err = Config::load(Some(Path::new("nope.toml"))).unwrap_err();
            assert!(matches!(err, ConfigError::Missing(_)));
            Ok(())
        });
    }

    fn load(toml: &str) -> Result<Config, String> {
        let mut outcome = Err(String::new());
        Jail::expect_with(|jail| {
            jail.create_file("s.toml", toml)?;
            outcome = Config::load(Some(Path::new("s.toml"))).map_err(|e| e.to_string());
            Ok(())
        });
        outcome
    }

    #[test]
    fn unknown_keys_in_a_source_or_its_decoder_are_named() {
        let good = "[[sources]]\nname = \"fw\"\ntype = \"syslog_tcp\"\nlisten = \"127.0.0.1:6514\"\ndecoder = { parser = \"syslog\" }\n";
        let config = load(good).unwrap();
        assert_eq!(config.sources[0].name, "fw");
        let misspelt = good.replace("listen =", "lisen =");
        assert!(load(&misspelt).unwrap_err().contains("lisen"));
        let extra = format!("{good}site = \"hq\"\ncolour = \"red\"\n");
        assert!(load(&extra).unwrap_err().contains("colour"));
        let in_decoder = good.replace("parser = \"syslog\"", "parser = \"syslog\", strict = true");
        assert!(load(&in_decoder).unwrap_err().contains("strict"));
        let in_mapping = good.replace("parser = \"syslog\"", "parser = \"json\", domain = \"cyber\", tme = \"ts\"");
        assert!(load(&in_mapping).unwrap_err().contains("tme"));
        let mqtt = "[[sources]]\nname = \"doors\"\ntype = \"mqtt\"\nurl = \"mqtt://b\"\nclient_id = \"c\"\nclient_crt = \"x.pem\"\ndecoder = { parser = \"physical\" }\n";
        assert!(load(mqtt).unwrap_err().contains("client_crt"));
    }
}
