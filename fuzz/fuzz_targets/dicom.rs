//! The `dicom` activity-record decoder on arbitrary bytes: an event or an
//! error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::decode::{Context, Decoder};

fuzz_target!(|data: &[u8]| {
    let _ = Decoder::Dicom.decode_all(data, None, &Context::new("fuzz"));
});
