//! Decode+normalise throughput per format, one core: `cargo bench -p safecare-ingest`.
//! Each benchmark reports records/s and bytes/s (criterion's
//! `Throughput::ElementsAndBytes`: one record of the given length per
//! iteration).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use safecare_ingest::decode::{Context, Decoder, physical};

const SYSLOG_5424: &str = r#"<165>1 2026-01-05T10:14:15.003+01:00 pacs-01.hq.local evntslog 8710 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event log entry"#;
const SYSLOG_3164: &str =
    "<38>Jan  5 10:14:15 ws-icu-03 sshd[4242]: Failed password for invalid user admin from 10.0.0.7 port 52144 ssh2";
const CEF: &str = r"CEF:0|Acme|NIDS|2.1|100|Port scan detected|7|src=10.0.0.5 dst=10.1.0.9 spt=51234 dpt=445 proto=TCP act=blocked msg=Scan of 50 ports\=bad rt=1767607200000";
const EVE: &str = r#"{"timestamp":"2026-01-05T10:00:00.123456+0100","flow_id":1803446342143208,"in_iface":"eth0","event_type":"alert","src_ip":"10.0.0.5","src_port":4444,"dest_ip":"10.1.0.9","dest_port":445,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2024218,"rev":3,"signature":"ET EXPLOIT Possible ETERNALBLUE MS17-010","category":"Attempted Administrator Privilege Gain","severity":1},"flow":{"pkts_toserver":4,"pkts_toclient":3,"bytes_toserver":400,"bytes_toclient":300,"start":"2026-01-05T10:00:00.000000+0100"}}"#;
const ZEEK: &str = r#"{"_path":"conn","ts":1767607200.123456,"uid":"CYmWSL3iXSKUncv8Zg","id.orig_h":"10.0.1.6","id.orig_p":54243,"id.resp_h":"10.0.0.4","id.resp_p":53,"proto":"udp","service":"dns","duration":0.0015,"orig_bytes":39,"resp_bytes":55,"conn_state":"SF","history":"Dd","orig_pkts":1,"resp_pkts":1}"#;
const WINDOWS: &str = r#"{"EventID":4688,"Channel":"Security","Hostname":"WS5","TimeCreated":"2026-01-05T10:00:00.5Z","SourceName":"Microsoft-Windows-Security-Auditing","NewProcessName":"C:\\Windows\\System32\\reg.exe","CommandLine":"reg query HKLM\\Software","ParentProcessName":"C:\\Windows\\System32\\cmd.exe","SubjectUserName":"wardog","SubjectDomainName":"WS5","Level":"0","Keywords":"0x8020000000000000","Message":"A new process has been created.\r\n\r\nCreator Subject:"}"#;
const ACCESS: &str = r#"{"time":"2026-01-05T02:14:00+01:00","action":"forced","door":"D-PH-01","reader":"R-PH-01","location":{"building":"main","floor":"0","zone":"pharmacy"}}"#;

fn per_record(line: &str) -> Throughput {
    Throughput::ElementsAndBytes { elements: 1, bytes: line.len() as u64 }
}

fn bench(c: &mut Criterion) {
    let ctx = Context::new("bench");
    let mut group = c.benchmark_group("decode");
    let cases: [(&str, Decoder, &str); 6] = [
        ("syslog_rfc5424", Decoder::Syslog, SYSLOG_5424),
        ("syslog_rfc3164", Decoder::Syslog, SYSLOG_3164),
        ("cef", Decoder::Cef, CEF),
        ("suricata_eve", Decoder::Eve, EVE),
        ("zeek_conn", Decoder::Zeek { log: None }, ZEEK),
        ("windows_json", Decoder::Windows, WINDOWS),
    ];
    for (name, decoder, line) in cases {
        group.throughput(per_record(line));
        group.bench_function(name, |b| b.iter(|| decoder.decode(black_box(line.as_bytes()), None, &ctx)));
    }
    group.throughput(per_record(ACCESS));
    group.bench_function("physical_access", |b| {
        b.iter(|| physical::decode("safecare/hq/physical/access_control/ctrl-7", black_box(ACCESS.as_bytes()), &ctx))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
