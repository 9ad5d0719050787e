//! A new installation as an operator meets it: the demo's accounts, the
//! README's example event, `init`, commands that refuse a folder without a
//! database, the snippets of `docs/operations.md`, and backup and restore.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use common::{Served, safecare, serve_command, url_in};
use serde_json::{Value, json};

const PASSWORD: &str = "a long operator password";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn with_stdin(command: &mut Command, input: &str) -> Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A command that refuses before reading its input has closed the pipe.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

/// `safecare demo` over `data` with `args`, read up to the last line
/// naming an account: the child, its URL and those lines.
fn demo(data: &Path, args: &[&str], password: Option<&str>) -> (Child, String, Vec<String>) {
    let mut command = safecare();
    command
        .args(["demo", "--no-attack", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(args)
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .env_remove("SAFECARE_DEMO_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(password) = password {
        command.env("SAFECARE_DEMO_PASSWORD", password);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
    let url = lines.by_ref().find_map(|l| url_in(&l)).expect("the demo prints its URL");
    let expected = if args.contains(&"--accounts") { 6 } else { 1 };
    let accounts: Vec<String> = lines.take(expected).collect();
    (child, url, accounts)
}

fn stop(mut child: Child) {
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success());
}

/// A logged-in client and its CSRF token.
async fn login(url: &str, user: &str, password: &str) -> (reqwest::Client, Value) {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let answer = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{user} logs in");
    (client, answer.json().await.unwrap())
}

#[test]
fn demo_accounts_gives_one_login_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let (child, url, lines) = demo(dir.path(), &["--accounts"], None);
    stop_after(child, || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let mut passwords = Vec::new();
        for role in ["admin", "soc_analyst", "security_guard", "crisis_manager", "privacy_officer", "responder"] {
            let line =
                lines.iter().find(|l| l.contains(&format!("user {role},"))).unwrap_or_else(|| panic!("{lines:?}"));
            let password = line.rsplit("password ").next().unwrap().trim().to_owned();
            let (_, me) = rt.block_on(login(&url, role, &password));
            assert_eq!(me["role"], role, "{me}");
            passwords.push(password);
        }
        passwords.dedup();
        assert_eq!(passwords.len(), 6, "each generated password is its own: {passwords:?}");
    });

    // Started again, the accounts stay with their passwords; a new folder
    // with SAFECARE_DEMO_PASSWORD gives them all that one.
    let (child, _, lines) = demo(dir.path(), &["--accounts"], None);
    stop(child);
    assert!(lines.iter().all(|l| l.contains("already set up")), "{lines:?}");
    let other = tempfile::tempdir().unwrap();
    let (child, url, lines) = demo(other.path(), &["--accounts"], Some("shared demo password"));
    stop_after(child, || {
        assert!(lines.iter().all(|l| l.ends_with("password shared demo password")), "{lines:?}");
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (_, me) = rt.block_on(login(&url, "security_guard", "shared demo password"));
        assert_eq!(me["role"], "security_guard");
    });
    // Without --accounts only the admin is made.
    let third = tempfile::tempdir().unwrap();
    let (child, _, lines) = demo(third.path(), &[], Some("shared demo password"));
    stop(child);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("user admin,"), "{lines:?}");
}

/// Runs `check` and stops the demo whether it passed or not.
fn stop_after(child: Child, check: impl FnOnce() + std::panic::UnwindSafe) {
    let outcome = std::panic::catch_unwind(check);
    stop(child);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The JSON block after "An event as sent" in README.md.
fn readme_example() -> Value {
    let readme = include_str!("../../../README.md");
    let after = &readme[readme.find("An event as sent").expect("README shows an event")..];
    let block = &after[after.find("```json").unwrap() + "```json".len()..];
    serde_json::from_str(&block[..block.find("```").unwrap()]).expect("the README example is JSON")
}

#[test]
fn the_readme_example_event_lands_on_a_demo_hospital_asset() {
    let example = readme_example();
    let dir = tempfile::tempdir().unwrap();
    let (child, url, _) = demo(dir.path(), &[], Some(PASSWORD));
    stop_after(child, || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let (client, me) = login(&url, "admin", PASSWORD).await;
            let sent = client
                .post(format!("{url}/api/v1/events"))
                .header("x-csrf-token", me["csrf"].as_str().unwrap())
                .json(&example)
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), 202, "{}", sent.text().await.unwrap());
            let page: Value =
                client.get(format!("{url}/api/v1/events?source=http")).send().await.unwrap().json().await.unwrap();
            let event = &page["events"][0];
            assert_eq!(event["message"], example["message"], "{page}");
            let asset = event["asset"].as_str().expect("the example resolves to an asset");
            let known: Value =
                client.get(format!("{url}/api/v1/assets/{asset}")).send().await.unwrap().json().await.unwrap();
            assert_eq!(known["asset"]["kind"], "door", "{known}");
            let ids = known["asset"]["identifiers"]["device_ids"].as_array().unwrap();
            assert!(ids.contains(&example["fields"]["door"]), "placed by the example's door id: {known}");
            assert_eq!(event["location"]["zone"], "pharmacy", "the location comes from the inventory: {event}");
        });
    });
}

#[test]
fn init_creates_the_first_admin_once_and_serve_points_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    // A folder with no database: every command that reads one refuses and
    // creates none.
    let refusing: [&[&str]; 9] = [
        &["users", "list"],
        &["users", "add", "x", "--role", "admin", "--password-stdin"],
        &["users", "disable", "x"],
        &["tokens", "add", "gateway", "--role", "sensor", "--source", "doors"],
        &["notify", "test", "soc"],
        &["audit", "verify"],
        &["purge", "--dry-run"],
        &["assets", "import", concat!(env!("CARGO_MANIFEST_DIR"), "/../../content/sites/demo-hospital")],
        &["backup", "--to", "/nonexistent/backup"],
    ];
    for command in refusing {
        let out = with_stdin(safecare().args(command).args(["--data", data]), &format!("{PASSWORD}\n"));
        assert!(!out.status.success(), "{command:?}");
        assert!(text(&out.stderr).contains("no SafeCare database at"), "{command:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("safecare init"), "{}", text(&out.stderr));
    }
    assert!(!Path::new(data).join("safecare.db").exists());

    let short = with_stdin(safecare().args(["init", "--password-stdin", "--data", data]), "short\n");
    assert!(text(&short.stderr).contains("too short"), "{}", text(&short.stderr));
    let init = with_stdin(
        safecare().args(["init", "--admin", "ops", "--password-stdin", "--data", data]),
        &format!("{PASSWORD}\n"),
    );
    assert!(init.status.success(), "{}", text(&init.stderr));
    assert!(text(&init.stdout).contains("administrator ops created"), "{}", text(&init.stdout));
    let again = with_stdin(safecare().args(["init", "--password-stdin", "--data", data]), &format!("{PASSWORD}\n"));
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already set up (1 users)"), "{}", text(&again.stderr));
    for key in ["pseudonym.key", "vault.key", "audit-anchor.key"] {
        assert!(Path::new(data).join("keys").join(key).exists(), "init creates {key}");
    }
    let verify = safecare().args(["audit", "verify", "--data", data]).output().unwrap();
    assert!(verify.status.success(), "init is audited: {}", text(&verify.stderr));

    let served = Served::start(&mut serve_command(Path::new(data)));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_, me) = rt.block_on(login(&served.url, "ops", PASSWORD));
    assert_eq!(me["role"], "admin");
    served.stop();

    // An installation `serve` started, which nobody can log in to yet (its
    // log says to run init: `serve_answers_and_stops_on_sigterm`), is
    // finished by init.
    let fresh = dir.path().join("fresh");
    Served::start(&mut serve_command(&fresh)).stop();
    let init =
        with_stdin(safecare().args(["init", "--password-stdin", "--data"]).arg(&fresh), &format!("{PASSWORD}\n"));
    assert!(init.status.success(), "{}", text(&init.stderr));
}

/// The TOML blocks of docs/operations.md, each with the heading it is under.
fn doc_snippets() -> Vec<(String, String)> {
    let doc = include_str!("../../../docs/operations.md");
    let mut heading = String::new();
    let mut snippets = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if line.starts_with('#') {
            heading = line.trim_start_matches('#').trim().to_owned();
        } else if line.trim() == "```toml" {
            let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            snippets.push((heading.clone(), body.join("\n")));
        }
    }
    snippets
}

#[test]
fn every_configuration_snippet_of_the_operations_guide_loads() {
    let snippets = doc_snippets();
    assert!(snippets.len() >= 4, "{snippets:?}");
    let dir = tempfile::tempdir().unwrap();
    for (i, (heading, snippet)) in snippets.iter().enumerate() {
        let file = dir.path().join(format!("{i}.toml"));
        std::fs::write(&file, snippet).unwrap();
        let config = safecare_server::Config::load(Some(&file))
            .unwrap_or_else(|e| panic!("the snippet under \"{heading}\" loads: {e}\n{snippet}"));
        if snippet.contains("[[sources]]") {
            assert!(!config.sources.is_empty(), "{heading}");
        }
    }
    let kinds: Vec<String> = snippets
        .iter()
        .filter_map(|(_, s)| safecare_server::Config::load(Some(&write(dir.path(), s))).ok())
        .flat_map(|c| c.sources.into_iter().map(|s| <&str>::from(&s.transport).to_owned()))
        .collect();
    assert!(kinds.iter().any(|k| k.starts_with("syslog")), "a syslog source is shown: {kinds:?}");
    assert!(kinds.iter().any(|k| k == "mqtt"), "an MQTT source is shown: {kinds:?}");
    // The package's own configuration loads too.
    let packaged = concat!(env!("CARGO_MANIFEST_DIR"), "/../../packaging/safecare.toml");
    let config = safecare_server::Config::load(Some(Path::new(packaged))).unwrap();
    assert_eq!(config.data_dir, Path::new("/var/lib/safecare"));
}

fn write(dir: &Path, snippet: &str) -> std::path::PathBuf {
    let file = dir.join("snippet.toml");
    std::fs::write(&file, snippet).unwrap();
    file
}

/// The incidents a server at `url` lists, by id, with what an operator
/// would compare.
async fn incidents(url: &str) -> Vec<(String, String, String, String)> {
    let (client, _) = login(url, "admin", PASSWORD).await;
    let page: Value = client.get(format!("{url}/api/v1/incidents")).send().await.unwrap().json().await.unwrap();
    let mut out: Vec<_> = page["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].to_string(), i["title"].to_string(), i["status"].to_string(), i["severity"].to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn a_backup_taken_while_running_restores_the_same_incidents_and_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The demo's attack makes incidents and audit entries.
    let mut child = safecare()
        .args(["demo", "--listen", "127.0.0.1:0", "--speed", "30", "--data"])
        .arg(&data)
        .env("SAFECARE_DEMO_PASSWORD", PASSWORD)
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
    let mut url = None;
    for line in lines {
        url = url.or_else(|| url_in(&line));
        if line.contains("attack played") {
            break;
        }
    }
    let url = url.unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let online = dir.path().join("online");
    let backup = safecare().args(["backup", "--data"]).arg(&data).arg("--to").arg(&online).output().unwrap();
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    assert!(text(&backup.stdout).contains("verifies"), "{}", text(&backup.stdout));
    assert!(!rt.block_on(incidents(&url)).is_empty(), "the attack opened incidents");
    // An audited change after the online copy: that copy's chain now ends
    // before the newer anchor.
    let add = with_stdin(
        safecare()
            .args(["users", "add", "night-shift", "--role", "soc_analyst", "--password-stdin", "--data"])
            .arg(&data),
        &format!("{PASSWORD}\n"),
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    stop(child);

    let offline = dir.path().join("offline");
    let backup = safecare().args(["backup", "--data"]).arg(&data).arg("--to").arg(&offline).output().unwrap();
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&offline), 0o700);
        assert_eq!(mode(&offline.join("keys/vault.key")), 0o600);
        assert_eq!(mode(&offline.join("safecare.db")), 0o600);
    }
    let again = safecare().args(["backup", "--data"]).arg(&data).arg("--to").arg(&offline).output().unwrap();
    assert!(text(&again.stderr).contains("exists already"), "{}", text(&again.stderr));

    // Restored into an empty folder, it serves what the original serves and
    // its audit chain verifies; a restore over a database is refused.
    let restored = dir.path().join("restored");
    let restore = safecare().args(["restore", "--data"]).arg(&restored).arg("--from").arg(&offline).output().unwrap();
    assert!(restore.status.success(), "{}", text(&restore.stderr));
    let over = safecare().args(["restore", "--data"]).arg(&restored).arg("--from").arg(&offline).output().unwrap();
    assert!(text(&over.stderr).contains("a database exists"), "{}", text(&over.stderr));
    let verify = safecare().args(["audit", "verify", "--data"]).arg(&restored).output().unwrap();
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    let original = Served::start(&mut serve_command(&data));
    let copy = Served::start(&mut serve_command(&restored));
    let (before, after) = rt.block_on(async { (incidents(&original.url).await, incidents(&copy.url).await) });
    original.stop();
    copy.stop();
    assert!(!before.is_empty());
    assert_eq!(before, after);

    // A backup whose chain was tampered with is not restored.
    let tampered = dir.path().join("tampered");
    std::fs::create_dir_all(tampered.join("keys")).unwrap();
    for key in ["pseudonym.key", "vault.key", "audit-anchor.key"] {
        std::fs::copy(offline.join("keys").join(key), tampered.join("keys").join(key)).unwrap();
    }
    std::fs::copy(online.join("safecare.db"), tampered.join("safecare.db")).unwrap();
    std::fs::copy(offline.join("audit-anchor.json"), tampered.join("audit-anchor.json")).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let refused = safecare().args(["restore", "--data"]).arg(&elsewhere).arg("--from").arg(&tampered).output().unwrap();
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("does not verify"), "{}", text(&refused.stderr));
    assert!(!elsewhere.join("safecare.db").exists());
}
