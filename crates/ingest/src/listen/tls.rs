//! TLS server configuration for syslog over TLS (rustls with ring).

use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use super::ListenError;

/// An acceptor from a PEM certificate chain and private key.
pub fn tls_acceptor(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<TlsAcceptor, ListenError> {
    let certs = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ListenError::Tls(format!("certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(ListenError::Tls("certificate chain: no certificate in PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| ListenError::Tls(format!("private key: {e}")))?;
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ListenError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ListenError::Tls(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_missing_or_broken_pem() {
        assert!(matches!(tls_acceptor(b"", b""), Err(ListenError::Tls(m)) if m.contains("no certificate")));
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let pem = cert.cert.pem();
        assert!(matches!(tls_acceptor(pem.as_bytes(), b"nope"), Err(ListenError::Tls(m)) if m.contains("private key")));
        assert!(tls_acceptor(pem.as_bytes(), cert.signing_key.serialize_pem().as_bytes()).is_ok());
    }
}
