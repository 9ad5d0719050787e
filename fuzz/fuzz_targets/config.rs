//! The service configuration file (TOML, `[[sources]]` included), read the
//! way `safecare serve --config FILE` reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_server::Config;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::Builder::new().suffix(".toml").tempfile() else { return };
    if file.write_all(data).is_err() {
        return;
    }
    let _ = Config::load(Some(file.path()));
});
