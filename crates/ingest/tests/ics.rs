//! The ICSNPP Zeek logs of Modbus and BACnet traffic (`ics/` under
//! `SAFECARE_SAMPLES_DIR`, CISA's test baselines) read in Zeek's
//! tab-separated form, with exact counts per log. The baselines mask every
//! time as `XXXXXXXXXX.XXXXXX` (btest does, so that runs compare); the test
//! puts one fixed time in their place, as the capture would have had, and
//! the reader refuses the masked form itself (unit test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod shared_data;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safecare_ingest::decode::Context;
use safecare_ingest::decode::zeek_tsv;
use safecare_model::Domain;
use shared_data::samples_dir;

fn logs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            logs(&path, out);
        } else if path.extension().is_some_and(|x| x == "log") {
            out.push(path);
        }
    }
}

#[test]
fn every_icsnpp_modbus_and_bacnet_log_is_read_with_exact_counts() {
    let Some(dir) = samples_dir("ICSNPP Zeek log tests") else { return };
    let mut files = Vec::new();
    logs(&dir.join("ics"), &mut files);
    files.sort();
    let ctx = Context::new("ics");
    let mut decoded = BTreeMap::<String, usize>::new();
    let mut refused = BTreeMap::<&'static str, usize>::new();
    let mut writes = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap().replace("XXXXXXXXXX.XXXXXX", "1767607200.000000");
        for (_, record) in zeek_tsv::read(&text, None, &ctx) {
            match record {
                Ok(event) => {
                    let log = event.logsource.service.clone().unwrap();
                    let building = log.starts_with("modbus") || log.starts_with("bacnet");
                    assert_eq!(event.domain == Domain::Building, building, "{log}");
                    let func = event.fields.get("func").or(event.fields.get("pdu_service"));
                    if let Some(name) =
                        func.and_then(|v| v.as_str()).filter(|f| f.contains("WRITE") || f.starts_with("write"))
                    {
                        writes.push(format!("{log}:{name}"));
                    }
                    *decoded.entry(log).or_default() += 1;
                }
                Err(e) => *refused.entry(e.kind()).or_default() += 1,
            }
        }
    }
    let expected: BTreeMap<String, usize> = [
        ("bacnet", 3320),
        ("bacnet_device_control", 16),
        ("bacnet_discovery", 453),
        ("bacnet_property", 3236),
        ("conn", 371),
        ("files", 3),
        ("modbus_detailed", 26),
        ("modbus_mask_write_register", 4),
        ("modbus_read_write_multiple_registers", 4),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(decoded, expected);
    // The one baseline written without its header (`modbus.log`, a column
    // subset) cannot be read: its 24 records are refused, not guessed at.
    assert_eq!(refused, BTreeMap::from([("zeek_tsv_no_header", 24)]));
    writes.sort();
    writes.dedup();
    assert!(writes.contains(&"bacnet_property:write-property".to_owned()), "{writes:?}");
    assert!(writes.contains(&"modbus_detailed:WRITE_SINGLE_REGISTER".to_owned()), "{writes:?}");
}
