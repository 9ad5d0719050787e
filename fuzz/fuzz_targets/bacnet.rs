//! BACnet/IP answers on arbitrary bytes: an answer or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::decode::bacnet_ip::parse_answer;

fuzz_target!(|data: &[u8]| {
    let _ = parse_answer(data);
});
