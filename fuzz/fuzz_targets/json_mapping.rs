//! Any JSON read through a field mapping (`parser = "json"`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::decode::{Context, Decoder};
use std::sync::LazyLock;

static DECODER: LazyLock<Option<Decoder>> = LazyLock::new(|| {
    serde_json::from_str(
        r#"{"parser":"json","domain":"physical","time":"ts","severity":"level","message":"msg","host":"device.name"}"#,
    )
    .ok()
});

fuzz_target!(|data: &[u8]| {
    if let Some(decoder) = DECODER.as_ref() {
        let _ = decoder.decode_all(data, None, &Context::new("fuzz"));
    }
});
