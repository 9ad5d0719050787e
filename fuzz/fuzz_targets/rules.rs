//! Sigma rule files (YAML, several documents, correlations included), as
//! `rules test` and the rule loader read them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safecare_detect::RuleSet;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RuleSet::from_yaml(text);
    }
});
