//! MQTT sensor messages through a mapping table with limits: the first line
//! of the input is the topic, the rest the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_ingest::decode::Context;
use safecare_ingest::decode::sensor_map::SensorMap;
use std::sync::LazyLock;

static MAP: LazyLock<Option<SensorMap>> = LazyLock::new(|| {
    serde_json::from_str(
        r##"{"rules":[{"topic":"bms/+/temp","time_field":"ts","measurements":{"t":"temperature","h":"humidity"},
            "limits":{"temperature":{"min":18,"max":24},"humidity":{"max":60}}},
           {"topic":"#","measurements":{"v":"pressure"}}]}"##,
    )
    .ok()
});

fuzz_target!(|data: &[u8]| {
    let Some(map) = MAP.as_ref() else { return };
    let (topic, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(cut) => (&data[..cut], &data[cut + 1..]),
        None => (data, &[][..]),
    };
    let _ = map.decode(&String::from_utf8_lossy(topic), payload, &Context::new("fuzz"));
});
