//! Accounts made on the host with the `safecare` command are audited like
//! those made over the API, and their database is for the owner only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{Served, init, safecare, serve_command};

fn run(args: &[&str], stdin: &str) -> String {
    let mut child =
        safecare().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn users_and_tokens_made_on_the_host_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    init(data.as_ref());
    run(
        &["users", "add", "po1", "--role", "privacy_officer", "--password-stdin", "--data", data],
        "officer password 1\n",
    );
    run(&["users", "disable", "po1", "--data", data], "");
    let bearer = run(&["tokens", "add", "ops", "--role", "admin", "--data", data], "").trim().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/safecare.db")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the database made by the CLI is readable by others");
    }

    let served = Served::start(&mut serve_command(data.as_ref()));
    let url = served.url.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let log: Vec<serde_json::Value> = rt.block_on(async {
        let client = reqwest::Client::new();
        let answer = client.get(format!("{url}/api/v1/audit")).bearer_auth(&bearer).send().await.unwrap();
        answer.json().await.unwrap()
    });
    served.stop();
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    for expected in [("cli", "user.create", "po1"), ("cli", "user.update", "po1"), ("cli", "token.create", "ops")] {
        assert!(actions.contains(&expected), "{expected:?} not in {actions:?}");
    }
    assert!(!serde_json::to_string(&log).unwrap().contains("officer password"));
    let verified = safecare().args(["audit", "verify", "--data", data]).output().unwrap();
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
}
