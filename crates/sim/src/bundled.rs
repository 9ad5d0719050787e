//! What ships inside the binary: the demo hospital's site model and the
//! bundled scenarios, so `safecare sim run demo-attack` needs no files.

use std::path::{Path, PathBuf};

use rust_embed::RustEmbed;
use safecare_impact::Inventory;

use crate::Problems;
use crate::scenario::Scenario;

/// The site scenarios run against by default.
pub const DEMO_SITE: &str = "demo-hospital";

/// The demo hospital, one file per building or system.
#[derive(RustEmbed)]
#[folder = "../../content/sites/demo-hospital"]
#[include = "*.yaml"]
#[include = "*.yml"]
struct DemoSite;

/// The bundled scenarios.
#[derive(RustEmbed)]
#[folder = "../../content/scenarios"]
#[include = "*.yaml"]
struct Scenarios;

/// The demo hospital's inventory, validated.
pub fn demo_site() -> Result<Inventory, safecare_impact::LoadError> {
    let mut names: Vec<_> = DemoSite::iter().collect();
    names.sort();
    let parts = names.into_iter().filter_map(|name| {
        DemoSite::get(&name).map(|f| (PathBuf::from(name.as_ref()), String::from_utf8_lossy(&f.data).into_owned()))
    });
    Inventory::from_parts(parts)
}

/// The site a scenario names: the bundled demo hospital, or a folder or
/// file of the site model.
pub fn site(name: &str) -> Result<Inventory, Problems> {
    let loaded = if name == DEMO_SITE { demo_site() } else { Inventory::load(Path::new(name)) };
    loaded.map_err(|e| Problems::one("site".into(), format!("cannot load the site {name:?}: {e}")))
}

/// The names of the bundled scenarios, sorted.
pub fn bundled_names() -> Vec<String> {
    let mut names: Vec<String> = Scenarios::iter().filter_map(|f| f.strip_suffix(".yaml").map(str::to_owned)).collect();
    names.sort();
    names
}

/// A bundled scenario by name, or a scenario file by path.
pub fn load(name_or_path: &str) -> Result<Scenario, Problems> {
    if let Some(file) = Scenarios::get(&format!("{name_or_path}.yaml")) {
        return Scenario::from_yaml(&String::from_utf8_lossy(&file.data), name_or_path);
    }
    let text = std::fs::read_to_string(name_or_path).map_err(|e| {
        let known = bundled_names().join(", ");
        Problems::one(name_or_path.into(), format!("neither a bundled scenario ({known}) nor a readable file: {e}"))
    })?;
    Scenario::from_yaml(&text, name_or_path)
}
