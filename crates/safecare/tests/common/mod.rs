//! What the tests of the `safecare` binary share: running it, and a
//! `safecare serve` started on a free port whose URL is read from the line
//! it prints.
// Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The binary under test, with its caches (hunt's rule cache) in the
/// build's scratch folder rather than the home of whoever runs the tests.
pub fn safecare() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_safecare"));
    command.env("XDG_CACHE_HOME", Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache"));
    command
}

/// `safecare serve` on a free loopback port over the data directory
/// `data`, with a fast store; stderr is dropped unless the caller
/// redirects it.
pub fn serve_command(data: &Path) -> Command {
    let mut command = safecare();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .stderr(Stdio::null());
    command
}

/// The first `http://` URL on a line the binary printed.
pub fn url_in(line: &str) -> Option<String> {
    line.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned)
}

/// A running server and the URL it printed.
pub struct Served {
    child: Child,
    /// Where it answers.
    pub url: String,
}

impl Served {
    /// Starts `command` and waits for the line that names its URL.
    pub fn start(command: &mut Command) -> Served {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = url_in(&line).unwrap_or_else(|| panic!("no URL in {line:?}"));
        Served { child, url }
    }

    /// Stops it with SIGTERM and checks that it stopped cleanly.
    pub fn stop(mut self) {
        assert!(Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap().success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }

    /// Kills it with SIGKILL, as a crash or the OOM killer would.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// The password `init` gives the first administrator.
pub const ADMIN_PASSWORD: &str = "first admin password";

/// Sets a new installation up with `safecare init` (administrator `admin`)
/// in the data folder `data`: the commands that write to a database refuse
/// a folder without one.
pub fn init(data: &Path) {
    use std::io::Write;
    let mut child = safecare()
        .args(["init", "--password-stdin", "--data"])
        .arg(data)
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{ADMIN_PASSWORD}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "safecare init: {}", String::from_utf8_lossy(&out.stderr));
}
