//! A server on an ephemeral port with its own data directory, and an HTTP
//! client that carries an admin token.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use safecare_model::Role;
use safecare_server::{Config, RunningServer, provision, start};

pub fn config(dir: &Path) -> Config {
    Config { listen: SocketAddr::from(([127, 0, 0, 1], 0)), data_dir: dir.to_owned(), ..Config::default() }
}

/// A client whose every request carries `bearer`.
pub fn client_with(bearer: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {bearer}")).unwrap());
    reqwest::Client::builder().default_headers(headers).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A token of `role` on the running server.
pub async fn token(server: &RunningServer, role: Role, source: Option<&str>) -> String {
    provision::issue_token(server.state.accounts.as_ref(), &format!("test-{role}"), role, source, "test").await.unwrap()
}

/// Starts a server and returns it with an admin client.
pub async fn start_with_admin(config: Config) -> (RunningServer, reqwest::Client) {
    let server = start(config).await.unwrap();
    let client = client_with(&token(&server, Role::Admin, None).await);
    (server, client)
}

/// Loads the demo hospital's inventory (`content/sites/demo-hospital`)
/// straight into the server's store.
pub async fn load_demo_hospital(server: &RunningServer) {
    let site = safecare_impact::Inventory::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../content/sites/demo-hospital"
    )))
    .unwrap();
    let (assets, relations) = site.into_parts();
    server.state.store.replace_inventory(assets, relations).await.unwrap();
}

/// Posts NDJSON (one event per line) and checks it was accepted.
pub async fn post_ndjson(client: &reqwest::Client, base: &str, body: String) {
    let sent = client
        .post(format!("{base}/api/v1/events"))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202, "{}", sent.text().await.unwrap_or_default());
}
