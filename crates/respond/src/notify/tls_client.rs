//! The TLS client side of the channels that reach their receiver over TLS
//! (syslog/CEF, MQTT): which settings go together, reading the PEM files, and
//! the client configuration, one piece of code for both.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls::ClientConfig;

/// A channel's TLS files, as configured.
#[derive(Debug, Clone, Copy)]
pub struct TlsFiles<'a> {
    /// The receiver's certificate authority (PEM).
    pub ca: Option<&'a Path>,
    /// The certificate chain SafeCare presents (PEM).
    pub client_cert: Option<&'a Path>,
    /// The private key of that certificate (PEM).
    pub client_key: Option<&'a Path>,
}

/// Why a channel's TLS settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum TlsSettingsError {
    /// A TLS URL without the CA to check the receiver against.
    #[error("a {scheme} channel needs `ca`")]
    NoCa {
        /// The URL scheme, `tls://` or `mqtts://`.
        scheme: &'static str,
    },
    /// Only one of the client certificate and its key.
    #[error("client_cert and client_key go together")]
    HalfIdentity,
    /// Certificates with a plain URL would send in clear what the operator
    /// meant to protect.
    #[error("ca, client_cert and client_key need a {scheme} url")]
    PlainUrl {
        /// The URL scheme that would use them.
        scheme: &'static str,
    },
    /// A configured file cannot be read.
    #[error("cannot read the {what} {}: {source}", path.display())]
    Read {
        /// Which file (CA file, client certificate, client key).
        what: &'static str,
        /// Where it was looked for.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The files were read but are not usable certificates or keys.
    #[error("the TLS client cannot be set up: {0}")]
    Config(#[source] Box<safecare_ingest::listen::ListenError>),
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsSettingsError> {
    std::fs::read(path).map_err(|source| TlsSettingsError::Read { what, path: path.to_owned(), source })
}

impl TlsFiles<'_> {
    /// The client configuration for a URL of the TLS `scheme` (`secure`):
    /// only the given CA is trusted, as by the MQTT listener, and the client
    /// certificate is presented when one is given. `None` for a plain URL,
    /// which must then name no file.
    pub fn client_config(
        self,
        secure: bool,
        scheme: &'static str,
    ) -> Result<Option<Arc<ClientConfig>>, TlsSettingsError> {
        if !secure {
            if self.ca.is_some() || self.client_cert.is_some() || self.client_key.is_some() {
                return Err(TlsSettingsError::PlainUrl { scheme });
            }
            return Ok(None);
        }
        let ca = read(self.ca.ok_or(TlsSettingsError::NoCa { scheme })?, "CA file")?;
        let identity = match (self.client_cert, self.client_key) {
            (Some(cert), Some(key)) => Some((read(cert, "client certificate")?, read(key, "client key")?)),
            (None, None) => None,
            _ => return Err(TlsSettingsError::HalfIdentity),
        };
        let identity = identity.as_ref().map(|(cert, key)| (cert.as_slice(), key.as_slice()));
        safecare_ingest::listen::tls_client_config(&ca, identity)
            .map(Some)
            .map_err(|e| TlsSettingsError::Config(Box::new(e)))
    }
}
