//! Decoding the public sample data in `$SAFECARE_SAMPLES_DIR`: every line
//! decodes or is rejected with a reason, and the counts are known.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safecare_ingest::decode::{Context, Decoder};

fn samples() -> Option<PathBuf> {
    match std::env::var_os("SAFECARE_SAMPLES_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            println!("SAFECARE_SAMPLES_DIR is not set: sample-data tests skipped");
            None
        }
    }
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

/// A real EVTX file (`$SAFECARE_TEST_EVTX`, fetched by `.ci/run` from the
/// `evtx` package's source distribution): every record is read straight
/// from the binary chunks and decoded into a Windows event.
#[test]
fn a_real_evtx_file_decodes_every_record() {
    let Some(path) = std::env::var_os("SAFECARE_TEST_EVTX") else {
        println!("SAFECARE_TEST_EVTX is not set: EVTX sample test skipped");
        return;
    };
    let mut by_id: BTreeMap<u64, usize> = BTreeMap::new();
    for record in safecare_ingest::decode::evtx::EvtxEvents::open(&path, Context::new("hunt")).unwrap() {
        let event = record.unwrap();
        assert_eq!(event.logsource.product.as_deref(), Some("windows"));
        assert_eq!(event.fields["Channel"], "Security");
        let id = event.fields["EventID"].as_u64().unwrap();
        if id == 4625 {
            // A failed remote-desktop logon, its EventData flattened beside System's fields.
            assert_eq!(event.fields["TargetUserName"], "Administrator");
            assert_eq!(event.fields["LogonType"], 10);
            assert_eq!(event.fields["IpAddress"], "23.94.153.202");
            assert_eq!(event.time.to_string(), "2016-06-29T15:24:36.686Z");
        }
        *by_id.entry(id).or_default() += 1;
    }
    let expected = [(4611, 1), (4625, 1), (4673, 1), (4776, 1), (5152, 2), (5157, 1)];
    assert_eq!(by_id, BTreeMap::from(expected));
}
