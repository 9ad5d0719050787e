//! HTTPS, and mutual TLS for sensors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::config;
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use safecare_model::Role;
use safecare_server::tls::{TlsConfig, self_signed};
use safecare_server::{provision, start};

fn write(dir: &std::path::Path, name: &str, pem: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

fn https_client(server_cert: &str, identity: Option<String>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(server_cert.as_bytes()).unwrap());
    if let Some(identity) = identity {
        builder = builder.identity(reqwest::Identity::from_pem(identity.as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn the_api_is_served_over_https_with_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(&["localhost".into()]).unwrap();
    let mut cfg = config(dir.path());
    cfg.tls = Some(TlsConfig {
        cert: write(dir.path(), "cert.pem", &cert),
        key: write(dir.path(), "key.pem", &key),
        client_ca: None,
    });
    let server = start(cfg).await.unwrap();
    assert!(server.url().starts_with("https://"));
    let url = format!("https://localhost:{}/healthz", server.addr.port());
    let client = https_client(&cert, None);
    let health = client.get(&url).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["strict-transport-security"], "max-age=31536000");
    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::get(format!("http://127.0.0.1:{}/healthz", server.addr.port())).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());

    provision::add_user(server.state.accounts.as_ref(), "nurse", Role::SecurityGuard, "a long password!")
        .await
        .unwrap();
    let login = client
        .post(format!("https://localhost:{}/api/v1/auth/login", server.addr.port()))
        .json(&serde_json::json!({"username": "nurse", "password": "a long password!"}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn with_a_client_ca_only_clients_it_signed_get_in() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(&["localhost".into()]).unwrap();

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let ca = Issuer::new(ca_params, ca_key);
    let mut sensor_params = CertificateParams::new(vec!["door-gateway-1".to_owned()]).unwrap();
    sensor_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let sensor_key = KeyPair::generate().unwrap();
    let sensor_cert = sensor_params.signed_by(&sensor_key, &ca).unwrap();
    let identity = format!("{}{}", sensor_cert.pem(), sensor_key.serialize_pem());

    let mut cfg = config(dir.path());
    cfg.tls = Some(TlsConfig {
        cert: write(dir.path(), "cert.pem", &cert),
        key: write(dir.path(), "key.pem", &key),
        client_ca: Some(write(dir.path(), "ca.pem", &ca_cert.pem())),
    });
    let server = start(cfg).await.unwrap();
    let url = format!("https://localhost:{}/healthz", server.addr.port());
    assert!(https_client(&cert, None).get(&url).send().await.is_err(), "no client certificate, no connection");
    let (stranger_cert, stranger_key) = self_signed(&["intruder".into()]).unwrap();
    assert!(
        https_client(&cert, Some(format!("{stranger_cert}{stranger_key}"))).get(&url).send().await.is_err(),
        "a certificate the CA did not sign is refused"
    );
    let response = https_client(&cert, Some(identity)).get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    server.stop().await.unwrap();
}
