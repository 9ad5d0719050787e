//! A server started on an altered audit chain says so at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{CapturedLog, client_with, config, token};
use safecare_model::Role;
use safecare_server::start;

#[tokio::test]
async fn a_tampered_audit_chain_is_reported_when_the_server_starts() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await.unwrap();
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let exported = admin.get(format!("{}/api/v1/assets/export", server.url())).send().await.unwrap();
    assert_eq!(exported.status(), 200);
    let metrics = admin.get(format!("{}/metrics", server.url())).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("safecare_audit_chain_intact 1"), "{metrics}");
    server.stop().await.unwrap();

    let conn = rusqlite::Connection::open(dir.path().join("safecare.db")).unwrap();
    let changed = conn.execute("UPDATE audit SET body = replace(body, 'assets', 'nothing')", []).unwrap();
    assert!(changed >= 1);
    drop(conn);

    let log = CapturedLog::default();
    let server = {
        let _guard = tracing::subscriber::set_default(log.subscriber(tracing::Level::INFO));
        start(config(dir.path())).await.unwrap()
    };
    let written = log.text();
    assert!(written.contains("ERROR") && written.contains("audit chain does not verify"), "{written}");
    let admin = client_with(&token(&server, Role::Admin, None).await);
    let metrics = admin.get(format!("{}/metrics", server.url())).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("safecare_audit_chain_intact 0"), "{metrics}");
    server.stop().await.unwrap();
}
