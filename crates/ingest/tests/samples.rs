//! Decoding the public sample data in `$SAFECARE_SAMPLES_DIR`: every line
//! decodes or is rejected with a reason, and the counts are known.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safecare_ingest::decode::{Context, Decoder};

mod shared_data;
use shared_data::samples_dir;

fn samples() -> Option<PathBuf> {
    samples_dir("sample-data tests")
}

/// (decoded, rejected by kind) over one file.
fn decode_file(decoder: &Decoder, path: &Path) -> (usize, BTreeMap<&'static str, usize>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ctx = Context::new("samples");
    let mut ok = 0;
    let mut rejected = BTreeMap::new();
    for (_, result) in decoder.decode_lines(&bytes, &ctx) {
        match result {
            Ok(event) => {
                assert!(!event.message.is_empty(), "{}: empty message", path.display());
                assert!(event.logsource.product.is_some());
                ok += 1;
            }
            Err(e) => *rejected.entry(e.kind()).or_default() += 1,
        }
    }
    (ok, rejected)
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

#[test]
fn suricata_eve_samples() {
    let Some(root) = samples() else { return };
    let dir = root.join("suricata-eve");
    let mut total = 0;
    for file in files(&dir.join("frankhassanabad"), "jsonl") {
        let (ok, rejected) = decode_file(&Decoder::Eve, &file);
        assert!(rejected.is_empty(), "{}: {rejected:?}", file.display());
        total += ok;
    }
    assert_eq!(total, 548);
    let (ok, rejected) = decode_file(&Decoder::Eve, &dir.join("surevego/eve.json"));
    assert_eq!((ok, rejected.len()), (266, 0), "{rejected:?}");
}

#[test]
fn eve_broken_recovers_every_good_line() {
    let Some(root) = samples() else { return };
    let (ok, rejected) = decode_file(&Decoder::Eve, &root.join("suricata-eve/surevego/eve_broken.json"));
    println!("eve_broken.json: {ok} decoded, rejected {rejected:?}");
    // 273 lines: 262 intact records, 6 lines of garbage or cut JSON and one
    // record whose timestamp has junk appended; blank lines are skipped.
    assert_eq!(ok, 262);
    assert_eq!(rejected.get("invalid_json"), Some(&6));
    assert_eq!(rejected.get("eve_invalid_timestamp"), Some(&1));
    assert_eq!(rejected.len(), 2);
}

#[test]
fn zeek_samples_in_both_naming_styles() {
    let Some(root) = samples() else { return };
    let mut decoded = 0;
    for sub in ["wrccdc2018", "otrf-apt29-day1"] {
        for file in files(&root.join("zeek").join(sub), "json") {
            let (ok, rejected) = decode_file(&Decoder::Zeek { log: None }, &file);
            assert!(rejected.is_empty(), "{}: {rejected:?}", file.display());
            decoded += ok;
        }
    }
    println!("zeek: {decoded} decoded");
    assert_eq!(decoded, 17_834);
}

#[test]
fn windows_event_samples() {
    let Some(root) = samples() else { return };
    let mut decoded = 0;
    for file in files(&root.join("windows-events-json"), "json") {
        let (ok, rejected) = decode_file(&Decoder::Windows, &file);
        assert!(rejected.is_empty(), "{}: {rejected:?}", file.display());
        decoded += ok;
    }
    println!("windows: {decoded} decoded");
    assert_eq!(decoded, 2137);
}

/// A real EVTX file of `evtx-attack/` (an RDP session hijack recorded on a
/// file server's Security log): every record is read straight from the
/// binary chunks and decoded into a Windows event.
const RDP_HIJACK_EVTX: &str = "evtx-attack/EVTX-to-MITRE-Attack/TA0008-Lateral Movement/T1021.001-Remote Desktop Protocol/ID4688-4778 RDP hijack command execution.evtx";

#[test]
fn a_real_evtx_file_decodes_every_record() {
    let Some(dir) = samples() else { return };
    let mut by_id: BTreeMap<u64, usize> = BTreeMap::new();
    for record in
        safecare_ingest::decode::evtx::EvtxEvents::open(dir.join(RDP_HIJACK_EVTX), Context::new("hunt")).unwrap()
    {
        let event = record.unwrap();
        assert_eq!(event.logsource.product.as_deref(), Some("windows"));
        assert_eq!(event.fields["Channel"], "Security");
        assert_eq!(event.fields["Computer"], "fs01.offsec.lan");
        let id = event.fields["EventID"].as_u64().unwrap();
        match event.fields["EventRecordID"].as_u64().unwrap() {
            1829539 => {
                // The hijacked session's console host, its EventData flattened beside System's fields.
                assert_eq!(event.fields["NewProcessName"], r"C:\Windows\System32\conhost.exe");
                assert_eq!(event.fields["ParentProcessName"], r"C:\Windows\System32\tscon.exe");
                assert_eq!(event.fields["CommandLine"], r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1");
                assert_eq!(event.fields["MandatoryLabel"], "S-1-16-16384");
                assert_eq!(event.time.to_string(), "2021-05-14T20:40:16.856641Z");
            }
            1829543 => {
                assert_eq!(id, 4778);
                assert_eq!(event.fields["AccountName"], "admmarsid");
                assert_eq!(event.fields["ClientAddress"], "10.23.23.9");
            }
            _ => {}
        }
        *by_id.entry(id).or_default() += 1;
    }
    assert_eq!(by_id, BTreeMap::from([(4688, 21), (4778, 1)]));
}
