//! Where the public sample data is: `SAFECARE_SAMPLES_DIR`, which CI sets to
//! `../shared/data`. Tests over it are skipped, saying so, when it is unset.

use std::path::PathBuf;

/// The samples folder, or `None` after printing which `checks` are skipped.
pub fn samples_dir(checks: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SAFECARE_SAMPLES_DIR").map(PathBuf::from);
    if dir.is_none() {
        println!("SAFECARE_SAMPLES_DIR unset: {checks} skipped");
    }
    dir
}
