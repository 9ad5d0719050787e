//! EVTX files: arbitrary bytes as a file, read to the end. Damaged chunks
//! and records are errors; reading goes on and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::decode::Context;
use safecare_ingest::decode::evtx::EvtxEvents;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else { return };
    if file.write_all(data).is_err() {
        return;
    }
    if let Ok(events) = EvtxEvents::open(file.path(), Context::new("fuzz")) {
        for _ in events {}
    }
});
