//! `safecare notify test ROUTE` against a receiver of the test's own, the
//! channel's secret given in the environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

/// Answers one HTTP request with `status` and returns the request's head and body.
fn receive_one(listener: TcpListener, status: &'static str) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let (mut head, mut length) = (String::new(), 0usize);
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        write!(stream, "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").unwrap();
        head + &String::from_utf8(body).unwrap()
    })
}

fn configured(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let file = dir.join("safecare.toml");
    let toml = format!(
        "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{port}/hook\"\nsecret = \"\"\n\n\
         [[notify.routes]]\nname = \"soc\"\nchannel = \"hook\"\n"
    );
    std::fs::write(&file, toml).unwrap();
    file
}

fn notify_test(file: &std::path::Path, dir: &std::path::Path, route: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_safecare"))
        .args(["notify", "test", route, "--config"])
        .arg(file)
        .arg("--data")
        .arg(dir)
        .env("SAFECARE_NOTIFY__CHANNELS__HOOK__SECRET", "from-the-environment")
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .output()
        .unwrap()
}

#[test]
fn a_test_send_reaches_the_route_and_a_refusal_or_unknown_route_fails() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let file = configured(dir.path(), port);
    common::init(dir.path());

    let received = receive_one(listener.try_clone().unwrap(), "200 OK");
    let out = notify_test(&file, dir.path(), "soc");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("delivered via channel hook"));
    let request = received.join().unwrap();
    assert!(request.starts_with("POST /hook"), "{request}");
    assert!(request.contains("x-safecare-signature: v1="), "{request}");
    assert!(request.contains(r#""reason":"test""#), "{request}");
    assert!(!stderr.contains("from-the-environment"));

    let refused = receive_one(listener, "400 Bad Request");
    let out = notify_test(&file, dir.path(), "soc");
    refused.join().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("webhook answered HTTP 400"), "{out:?}");

    let out = notify_test(&file, dir.path(), "pager");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no notify route named `pager`"), "{out:?}");
}

#[test]
fn a_test_send_goes_out_on_a_syslog_route() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let file = dir.path().join("safecare.toml");
    let toml = format!(
        "[notify.channels.siem]\ntype = \"syslog\"\nurl = \"tcp://127.0.0.1:{port}\"\n\n\
         [[notify.routes]]\nname = \"siem-forward\"\nchannel = \"siem\"\n"
    );
    std::fs::write(&file, toml).unwrap();
    common::init(dir.path());
    let received = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut frame = String::new();
        stream.read_to_string(&mut frame).unwrap();
        frame
    });
    let out = Command::new(env!("CARGO_BIN_EXE_safecare"))
        .args(["notify", "test", "siem-forward", "--config"])
        .arg(&file)
        .arg("--data")
        .arg(dir.path())
        .env("SAFECARE_STORE__DURABILITY", "normal")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("delivered via channel siem"));
    let frame = received.join().unwrap();
    let (count, message) = frame.split_once(' ').unwrap();
    assert_eq!(count.parse::<usize>().unwrap(), message.len());
    assert!(message.contains(" - CEF:0|SafeCare|SafeCare|") && message.contains(" act=test "), "{message}");
}
