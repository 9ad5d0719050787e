//! MQTT messages of SafeCare's own `safecare/...` topics: the first line of
//! the input is the topic, the rest the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::decode::{Context, Decoder};

fuzz_target!(|data: &[u8]| {
    let (topic, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(cut) => (&data[..cut], &data[cut + 1..]),
        None => (data, &[][..]),
    };
    let topic = format!("safecare/{}", String::from_utf8_lossy(topic));
    let decoder = Decoder::Physical { sensors: Default::default() };
    let _ = decoder.decode_all(payload, Some(&topic), &Context::new("fuzz"));
});
