//! The body of `POST /api/v1/events`: its Content-Type (the first line of
//! the input), then the body as NDJSON and as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::body::{parse_json, parse_ndjson};
use safecare_ingest::media::BodyFormat;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(cut) => (&data[..cut], &data[cut + 1..]),
        None => (&[][..], data),
    };
    let _ = BodyFormat::from_content_type(Some(content_type));
    let now = jiff::Timestamp::UNIX_EPOCH;
    let _ = parse_ndjson(body, now, "fuzz", 4096);
    let _ = parse_json(body, now, "fuzz", 4096);
});
