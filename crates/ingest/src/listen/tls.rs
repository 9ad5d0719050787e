//! TLS configurations from PEM files (rustls with ring): the server side
//! of syslog over TLS and the client side of MQTT over TLS.

use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use super::ListenError;

fn tls_error(what: &str) -> impl FnOnce(rustls::Error) -> ListenError + '_ {
    move |source| ListenError::Tls { what: what.to_owned(), source: source.into() }
}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, ListenError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| ListenError::Tls { what: what.to_owned(), source: source.into() })?;
    if certs.is_empty() {
        return Err(ListenError::Tls { what: what.to_owned(), source: "no certificate in PEM".into() });
    }
    Ok(certs)
}

fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, ListenError> {
    PrivateKeyDer::from_pem_slice(pem)
        .map_err(|source| ListenError::Tls { what: "private key".to_owned(), source: source.into() })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// An acceptor from a PEM certificate chain and private key.
pub fn tls_acceptor(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<TlsAcceptor, ListenError> {
    let certs = certificates(cert_chain_pem, "certificate chain")?;
    let key = private_key(key_pem)?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error("protocol versions"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(tls_error("certificate and key"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A client configuration that trusts only the CA certificates in `ca_pem`
/// (a hospital broker is signed by the hospital's own CA, not a public one)
/// and, given a PEM certificate chain and key, presents them to the server.
pub fn tls_client_config(ca_pem: &[u8], identity: Option<(&[u8], &[u8])>) -> Result<Arc<ClientConfig>, ListenError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(ca_pem, "CA")? {
        roots.add(cert).map_err(tls_error("CA"))?;
    }
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error("protocol versions"))?
        .with_root_certificates(roots);
    let config = match identity {
        None => builder.with_no_client_auth(),
        Some((chain_pem, key_pem)) => builder
            .with_client_auth_cert(certificates(chain_pem, "client certificate")?, private_key(key_pem)?)
            .map_err(tls_error("client certificate"))?,
    };
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part a TLS error names, and that it keeps its cause.
    fn tls_part<T>(result: Result<T, ListenError>) -> String {
        match result {
            Err(ListenError::Tls { what, source }) => {
                assert!(!source.to_string().is_empty());
                what
            }
            Err(other) => panic!("not a TLS error: {other}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn refuses_missing_or_broken_pem() {
        let empty = tls_acceptor(b"", b"").err().unwrap();
        assert!(empty.to_string().contains("no certificate"), "{empty}");
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let pem = cert.cert.pem();
        assert_eq!(tls_part(tls_acceptor(pem.as_bytes(), b"nope")), "private key");
        assert!(tls_acceptor(pem.as_bytes(), cert.signing_key.serialize_pem().as_bytes()).is_ok());
    }

    #[test]
    fn client_configs_name_what_is_wrong() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let (pem, key) = (cert.cert.pem(), cert.signing_key.serialize_pem());
        assert_eq!(tls_part(tls_client_config(b"", None)), "CA");
        let no_chain = tls_client_config(pem.as_bytes(), Some((b"", key.as_bytes())));
        assert_eq!(tls_part(no_chain), "client certificate");
        let no_key = tls_client_config(pem.as_bytes(), Some((pem.as_bytes(), b"nope")));
        assert_eq!(tls_part(no_key), "private key");
        let config = tls_client_config(pem.as_bytes(), Some((pem.as_bytes(), key.as_bytes()))).unwrap();
        assert!(config.client_auth_cert_resolver.has_certs());
        assert!(!tls_client_config(pem.as_bytes(), None).unwrap().client_auth_cert_resolver.has_certs());
    }
}
