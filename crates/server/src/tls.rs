//! TLS for the HTTP API (rustls with the ring provider): server
//! certificates from PEM files, optional client-certificate checking for
//! sensors, and self-signed certificates for a first start.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};

/// Where the certificates are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain of the server.
    pub cert: PathBuf,
    /// PEM private key of the server.
    pub key: PathBuf,
    /// PEM certificates of the authority that signs client certificates;
    /// when set, every client must present one it signed (mutual TLS, as
    /// for sensors on untrusted networks).
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
}

/// A TLS setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or parsed.
    #[error("cannot read {what} from {path}: {source}")]
    Read {
        /// What it should hold (certificate, key).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it failed: the file system, or the PEM parser.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// A file holds nothing of what it should.
    #[error("{path} holds no {what}")]
    Empty {
        /// What it should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// rustls refused the certificates or keys.
    #[error("invalid TLS setup: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client CA for mutual TLS is unusable.
    #[error("invalid client CA: {0}")]
    ClientCa(#[source] rustls::server::VerifierBuilderError),
    /// A self-signed certificate could not be generated.
    #[error("cannot generate a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

fn certs(path: &Path, what: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read = |source| TlsError::Read { what, path: path.to_owned(), source };
    let certs = CertificateDer::pem_file_iter(path).map_err(read)?.collect::<Result<Vec<_>, _>>().map_err(read)?;
    if certs.is_empty() {
        return Err(TlsError::Empty { what, path: path.to_owned() });
    }
    Ok(certs)
}

/// The rustls configuration for the settings.
pub fn server_config(config: &TlsConfig) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certs(&config.cert, "certificates")?;
    let key = PrivateKeyDer::from_pem_file(&config.key).map_err(|source| TlsError::Read {
        what: "a private key",
        path: config.key.clone(),
        source,
    })?;
    let builder = ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let builder = match &config.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in certs(ca, "CA certificates")? {
                roots.add(cert)?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(TlsError::ClientCa)?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut server = builder.with_single_cert(chain, key)?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(server))
}

/// A self-signed certificate and its key, as PEM, valid for `hosts`.
pub fn self_signed(hosts: &[String]) -> Result<(String, String), TlsError> {
    let mut params = rcgen::CertificateParams::new(hosts.to_vec())?;
    // rcgen's default validity (1975 to 4096) never expires, so a leaked key
    // stays good forever. Valid from yesterday (clock skew) for
    // `SELF_SIGNED_DAYS`; `safecare certs init --force` renews it.
    let day = |date: jiff::civil::Date| {
        rcgen::date_time_ymd(i32::from(date.year()), date.month().unsigned_abs(), date.day().unsigned_abs())
    };
    let today = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
    let span = |days: i64| jiff::Span::new().days(days);
    params.not_before = day(today.saturating_sub(span(1)));
    params.not_after = day(today.saturating_add(span(SELF_SIGNED_DAYS)));
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// How long a certificate of `safecare certs init` is valid, in days (the
/// longest browsers accept for a server certificate).
pub const SELF_SIGNED_DAYS: i64 = 397;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificates_are_valid_from_yesterday_for_397_days() {
        use base64::Engine;
        let (cert, _) = self_signed(&["localhost".into()]).unwrap();
        let body: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
        let today = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
        // X.509 validity times before 2050 are UTCTime: tag 0x17, length 13,
        // YYMMDDhhmmssZ.
        let utc_time = |date: jiff::civil::Date| {
            let mut bytes = vec![0x17, 13];
            bytes.extend(date.strftime("%y%m%d000000Z").to_string().into_bytes());
            bytes
        };
        let contains = |needle: &[u8]| der.windows(needle.len()).any(|w| w == needle);
        let from = today.saturating_sub(jiff::Span::new().days(1));
        let to = today.saturating_add(jiff::Span::new().days(SELF_SIGNED_DAYS));
        assert!(contains(&utc_time(from)), "not valid from yesterday");
        assert!(contains(&utc_time(to)), "not valid until {to}");
        assert!(!contains(b"40960101"), "still valid until 4096");
    }

    #[test]
    fn generated_certificates_load_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = self_signed(&["localhost".into()]).unwrap();
        let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert_path, &cert).unwrap();
        std::fs::write(&key_path, &key).unwrap();
        let good = TlsConfig { cert: cert_path.clone(), key: key_path.clone(), client_ca: None };
        assert!(server_config(&good).is_ok());
        let mutual = TlsConfig { client_ca: Some(cert_path.clone()), ..good.clone() };
        assert!(server_config(&mutual).is_ok());

        let missing = TlsConfig { cert: dir.path().join("nope.pem"), ..good.clone() };
        let err = server_config(&missing).unwrap_err();
        assert!(err.to_string().contains("nope.pem"), "{err}");
        let cause = std::error::Error::source(&err).and_then(|c| c.downcast_ref::<rustls_pki_types::pem::Error>());
        assert!(matches!(cause, Some(rustls_pki_types::pem::Error::Io(_))), "the I/O error is kept: {err:?}");
        std::fs::write(dir.path().join("empty.pem"), "").unwrap();
        let empty = TlsConfig { cert: dir.path().join("empty.pem"), ..good.clone() };
        assert!(matches!(server_config(&empty), Err(TlsError::Empty { .. })));
        let swapped = TlsConfig { cert: key_path, key: cert_path, client_ca: None };
        assert!(server_config(&swapped).is_err());
    }
}
