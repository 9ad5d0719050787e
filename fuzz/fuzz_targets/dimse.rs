//! DIMSE command sets on arbitrary bytes: a command or an error, never a
//! panic; the response to any command read is itself a readable command.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::decode::dimse::{CommandSet, response};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = CommandSet::parse(data) {
        let answer = CommandSet::parse(&response(&request, 0xA700)).expect("a response reads back");
        assert_eq!(answer.field, request.field | 0x8000);
    }
});
