//! The plain library, kept as the reference SafeCare's engine is checked
//! (tests/equivalence.rs) and measured (`safecare bench detect`) against.
//!
//! Shares nothing with the engine's path but [`crate::logsource`], the
//! table under test against SigmaHQ itself: rules are parsed and compiled
//! by `rsigma-parser`/`rsigma-eval` alone (no [`crate::RuleSet`]), events are
//! handed to `rsigma-eval` as its own `JsonEvent` over a copy of their
//! fields with the table's field names added (no `FieldView`), and every
//! rule is matched by `Engine::evaluate_with_logsource`, once per category
//! of the event (strict logsource; no SafeCare prefilter). Events are taken
//! as ingest decodes them: Windows fields at the top level.

use std::path::{Path, PathBuf};

use rsigma_eval::{Engine, JsonEvent};
use rsigma_parser::{LogSource, parse_sigma_yaml};
use safecare_model::Event;
use serde_json::{Map, Value};

use crate::error::DetectError;
use crate::logsource::{COLLECTOR_ALIASES, categories_of, field_maps, service_of_channel};

/// `rsigma-eval`'s engine over rule folders, used plainly.
pub struct PlainLibrary {
    engine: Engine,
    /// Files the parser refused, and rules and filters the library did not compile.
    refused: usize,
}

/// One event as the plain library takes it: its fields (with the table's
/// names added) and one logsource per category it belongs to.
pub struct PlainEvent {
    fields: Value,
    logsources: Vec<LogSource>,
}

impl PlainLibrary {
    /// Every `.yml`/`.yaml` file under `dirs`, each as one collection.
    pub fn load_dirs<P: AsRef<Path>>(dirs: &[P]) -> Result<Self, DetectError> {
        let mut files = Vec::new();
        for dir in dirs {
            walk(dir.as_ref(), &mut files)?;
        }
        files.sort();
        let (mut rules, mut filters, mut refused) = (Vec::new(), Vec::new(), 0);
        for file in files {
            match std::fs::read_to_string(&file).ok().and_then(|text| parse_sigma_yaml(&text).ok()) {
                Some(collection) => {
                    rules.extend(collection.rules);
                    filters.extend(collection.filters);
                }
                None => refused += 1,
            }
        }
        // One batch: the library rebuilds its index after each call.
        let mut engine = Engine::new();
        refused += engine.add_rules(&rules).len();
        refused += filters.iter().filter(|f| engine.apply_filter(f).is_err()).count();
        Ok(PlainLibrary { engine, refused })
    }

    /// Rules given as YAML text (one or more documents), as
    /// [`crate::RuleSet::from_yaml`] takes them.
    pub fn from_yaml(yaml: &str) -> Result<Self, DetectError> {
        let collection = parse_sigma_yaml(yaml).map_err(|e| DetectError::Reference(e.into()))?;
        let mut engine = Engine::new();
        engine.add_collection(&collection).map_err(|e| DetectError::Reference(e.into()))?;
        Ok(PlainLibrary { engine, refused: 0 })
    }

    /// How many rules the library loaded.
    pub fn rules(&self) -> usize {
        self.engine.rule_count()
    }

    /// How many rules it refused.
    pub fn refused(&self) -> usize {
        self.refused
    }

    /// Ids of the rules `event` matches, sorted, each once.
    pub fn matches(&self, event: &PlainEvent) -> Vec<String> {
        let json = JsonEvent::borrow(&event.fields);
        let mut ids: Vec<String> = event
            .logsources
            .iter()
            .flat_map(|ls| self.engine.evaluate_with_logsource(&json, ls))
            .filter_map(|r| r.header.rule_id)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

impl PlainEvent {
    /// Routes `event` by the table and adds the table's field names.
    pub fn of(event: &Event) -> Self {
        let fields = &event.fields;
        let channel = fields.get("Channel").and_then(Value::as_str);
        let event_id = fields.get("EventID").and_then(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let ls = &event.logsource;
        let windows = ls.product.as_deref().map_or(channel.is_some() && event_id.is_some(), |p| p == "windows");
        let mut product = ls.product.clone();
        let mut service = ls.service.clone();
        let mut categories: Vec<Option<String>> = ls.category.iter().map(|c| Some(c.clone())).collect();
        let mut presented = fields.clone();
        if windows {
            product = Some("windows".into());
            service = service.or_else(|| channel.and_then(service_of_channel).map(str::to_owned));
            if categories.is_empty()
                && let Some(id) = event_id
            {
                let operation = || fields.get("OperationType").and_then(Value::as_str);
                categories =
                    categories_of(service.as_deref(), id, operation).iter().map(|c| Some((*c).to_owned())).collect();
            }
            add_names(fields, &mut presented, service.as_deref(), event_id);
        }
        if categories.is_empty() {
            categories.push(None);
        }
        let logsources = categories
            .into_iter()
            .map(|category| LogSource {
                product: product.clone(),
                service: service.clone(),
                category,
                ..Default::default()
            })
            .collect();
        PlainEvent { fields: Value::Object(presented), logsources }
    }
}

/// The table's names, as plain fields of the copy.
fn add_names(fields: &Map<String, Value>, presented: &mut Map<String, Value>, service: Option<&str>, id: Option<i64>) {
    for alias in COLLECTOR_ALIASES {
        if !fields.contains_key(alias.sigma)
            && let Some(value) = fields.get(alias.source)
        {
            presented.insert(alias.sigma.to_owned(), value.clone());
        }
    }
    for map in field_maps(service, id) {
        match fields.get(map.source) {
            Some(Value::String(s)) => {
                presented.insert(map.sigma.to_owned(), Value::String(map.translate(s).to_owned()))
            }
            Some(other) => presented.insert(map.sigma.to_owned(), other.clone()),
            None => presented.remove(map.sigma),
        };
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DetectError> {
    let entries = std::fs::read_dir(dir).map_err(|source| DetectError::ReadDir { path: dir.to_owned(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}
