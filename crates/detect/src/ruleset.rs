//! Loading Sigma rules from directories, files or text into a compiled,
//! routed, shareable [`RuleSet`].
//!
//! A bad file or rule is refused with its path and reason; it never stops the
//! others from loading.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use rsigma_eval::correlation::compile_correlation;
use rsigma_eval::{CompiledRule, Engine, EvalError, compile_to_compiled};
use rsigma_ir::{IrRule, LowerOptions, lower_rule};
use rsigma_parser::{CorrelationRule, FilterRule, SigmaCollection, parse_sigma_yaml};

use crate::correlate::Correlation;
use crate::error::{DetectError, Refusal};
use crate::meta::{RuleKind, RuleMeta, THREAT_ATTRIBUTE, severity_of, threat_of};
use crate::prefilter::Prefilter;
use crate::reach::{Reach, names_other_rules};
use crate::route::RouteTable;
use crate::rule_cache::{CacheUse, Key, RuleCache, encode, key_of};

/// A compiled set of rules, routed by logsource. Immutable once built, so one
/// set can be shared (`Arc`) by many [`crate::Detector`]s.
pub struct RuleSet {
    /// Every detection rule, compiled with filters applied: what the
    /// prefiltered path evaluates one by one. Shared with the sets derived
    /// from this one ([`RuleSet::without`]), never copied.
    pub(crate) compiled: Vec<Arc<CompiledRule>>,
    /// The compiled rules grouped by logsource.
    pub(crate) routes: RouteTable,
    pub(crate) prefilter: Prefilter,
    pub(crate) meta: HashMap<String, RuleMeta>,
    /// Detection rules named by some correlation: id and name.
    pub(crate) correlated: Vec<(String, Option<String>)>,
    /// The ids of `correlated`, checked for every match.
    pub(crate) correlated_ids: HashSet<String>,
    pub(crate) correlations: Vec<Correlation>,
    /// Detection rules whose matches only feed correlations (Sigma
    /// `generate: false`, the default) and raise no alert of their own.
    pub(crate) correlation_only: HashSet<String>,
    refused: Vec<Refusal>,
    files: usize,
    /// Which run of [`RuleSetBuilder::build`] compiled these rules.
    compilation: u64,
    /// Files left out because no event of the hunt reaches their logsource.
    unreached: usize,
    cache: CacheUse,
}

/// Numbers each compilation, so that a set derived without compiling can
/// be told from one compiled anew.
static COMPILATIONS: AtomicU64 = AtomicU64::new(0);

/// Collects rule sources before compiling them in one go.
#[derive(Default)]
pub struct RuleSetBuilder {
    sources: Vec<(PathBuf, String)>,
    refused: Vec<Refusal>,
    disabled: HashSet<String>,
    reach: Option<Reach>,
    cache: Option<PathBuf>,
}

/// One detection rule of a file, lowered, or why it could not be.
struct Loaded {
    path: PathBuf,
    title: String,
    id: Option<String>,
    name: Option<String>,
    lowered: Result<IrRule, String>,
}

impl Loaded {
    fn new(
        path: &Path,
        lowered: Result<IrRule, String>,
        title: String,
        id: Option<String>,
        name: Option<String>,
    ) -> Self {
        Loaded { path: path.to_owned(), title, id, name, lowered }
    }

    fn of_ir(path: &Path, ir: IrRule) -> Self {
        let m = &ir.metadata;
        let (title, id, name) = (m.title.clone(), m.id.clone(), m.name.clone());
        Loaded::new(path, Ok(ir), title, id, name)
    }

    fn set_id(&mut self, id: String) {
        if let Ok(ir) = &mut self.lowered {
            ir.metadata.id = Some(id.clone());
        }
        self.id = Some(id);
    }
}

/// What one source file gave: its rules, lowered, and what only a parse
/// gives (correlations, filters, errors).
#[derive(Default)]
struct Parsed {
    rules: Vec<Loaded>,
    correlations: Vec<CorrelationRule>,
    filters: Vec<FilterRule>,
    errors: Vec<String>,
    /// A record for the cache, when the file was parsed anew and is clean.
    fresh: Option<(Key, Vec<u8>)>,
    from_cache: bool,
}

const INLINE: &str = "<inline>";

impl RuleSetBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every `.yml`/`.yaml` file under `dir`, recursively, in name order.
    /// Only an unreadable directory is an error; unreadable files are refusals.
    pub fn add_dir(&mut self, dir: &Path) -> Result<&mut Self, DetectError> {
        let mut files = Vec::new();
        collect_yaml(dir, &mut files, &mut self.refused)
            .map_err(|source| DetectError::ReadDir { path: dir.to_owned(), source })?;
        files.sort();
        // Read on every core: thousands of small files are a tenth of a
        // short hunt's rule loading when read one by one.
        let texts: Vec<_> = files.par_iter().map(std::fs::read_to_string).collect();
        for (file, text) in files.into_iter().zip(texts) {
            self.add_read(file, text);
        }
        Ok(self)
    }

    /// Adds one rule file; an unreadable file becomes a refusal.
    pub fn add_file(&mut self, path: &Path) -> &mut Self {
        self.add_read(path.to_owned(), std::fs::read_to_string(path))
    }

    fn add_read(&mut self, path: PathBuf, text: std::io::Result<String>) -> &mut Self {
        match text {
            Ok(text) => self.sources.push((path, text)),
            Err(e) => self.refused.push(Refusal { path, title: None, reason: format!("cannot read: {e}") }),
        }
        self
    }

    /// Adds rules given as YAML text (one or more documents).
    pub fn add_yaml(&mut self, yaml: &str) -> &mut Self {
        self.sources.push((PathBuf::from(INLINE), yaml.to_owned()));
        self
    }

    /// Leaves out the rule with this id or name.
    pub fn disable(&mut self, id_or_name: &str) -> &mut Self {
        self.disabled.insert(id_or_name.to_owned());
        self
    }

    /// Leaves out the files whose rules no event of `reach` can meet (an
    /// offline hunt over known events). Ignored when any source holds a
    /// correlation or filter, which name other rules.
    pub fn only_reaching(&mut self, reach: Reach) -> &mut Self {
        self.reach = Some(reach);
        self
    }

    /// Keeps the lowered rules in the cache file at `path` and takes them
    /// from it when a file's text is unchanged (see [`crate::rule_cache`]).
    pub fn cache_in(&mut self, path: &Path) -> &mut Self {
        self.cache = Some(path.to_owned());
        self
    }

    /// Parses and compiles everything added so far.
    pub fn build(self) -> RuleSet {
        let RuleSetBuilder { mut sources, mut refused, disabled, reach, cache } = self;
        let files = sources.len();
        let mut unreached = 0;
        if let Some(reach) = reach
            && !sources.par_iter().any(|(_, text)| names_other_rules(text))
        {
            let keep: Vec<bool> = sources.par_iter().map(|(_, text)| reach.may_reach(text)).collect();
            let mut keep = keep.into_iter();
            sources.retain(|_| keep.next().unwrap_or(true));
            unreached = files - sources.len();
        }
        let mut rules: Vec<Loaded> = Vec::new();
        let mut correlations: Vec<(PathBuf, CorrelationRule)> = Vec::new();
        let mut filters: Vec<(PathBuf, FilterRule)> = Vec::new();
        let cache = cache.map(|path| RuleCache::open(&path));
        // Files are parsed on every core; what follows keeps their order.
        let parsed: Vec<_> = sources
            .into_par_iter()
            .map(|(path, text)| {
                let key = cache.as_ref().map(|_| key_of(&text));
                let parsed = match parse_source(&path, &text, cache.as_ref().zip(key.as_ref())) {
                    Ok(parsed) => Ok(parsed),
                    Err(reason) => Err(Refusal { path: path.clone(), title: None, reason }),
                };
                (path, key, parsed)
            })
            .collect();
        let mut keys = Vec::new();
        let mut fresh = Vec::new();
        let mut cache_use = CacheUse::default();
        for (path, key, parsed) in parsed {
            keys.extend(key);
            let parsed = match parsed {
                Ok(parsed) => parsed,
                Err(refusal) => {
                    refused.push(refusal);
                    continue;
                }
            };
            match (key, parsed.from_cache) {
                (Some(_), true) => cache_use.hits += 1,
                (Some(_), false) => cache_use.misses += 1,
                (None, _) => {}
            }
            fresh.extend(parsed.fresh);
            for reason in parsed.errors {
                refused.push(Refusal { path: path.clone(), title: None, reason });
            }
            let is_disabled =
                |id: &Option<String>, name: &Option<String>| id.iter().chain(name).any(|k| disabled.contains(k));
            for (n, mut rule) in parsed.rules.into_iter().enumerate() {
                if is_disabled(&rule.id, &rule.name) {
                    continue;
                }
                if rule.id.is_none() {
                    rule.set_id(format!("{}#{n}", path.display()));
                }
                rules.push(rule);
            }
            for corr in parsed.correlations {
                if !is_disabled(&corr.id, &corr.name) {
                    correlations.push((path.clone(), corr));
                }
            }
            filters.extend(parsed.filters.into_iter().map(|f| (path.clone(), f)));
        }
        if let Some(cache) = cache {
            cache.store(&keys, fresh);
        }

        let mut meta: HashMap<String, RuleMeta> = HashMap::new();
        let rules = dedupe(rules, &mut refused);
        let wanted: HashSet<&str> = correlations.iter().flat_map(|(_, c)| c.rules.iter().map(String::as_str)).collect();
        let correlated: Vec<(String, Option<String>)> = rules
            .iter()
            .filter(|l| l.id.iter().chain(&l.name).any(|k| wanted.contains(k.as_str())))
            .map(|l| (l.id.clone().unwrap_or_default(), l.name.clone()))
            .collect();
        let compiled = compile(rules, &filters, &mut refused, &mut meta);

        let mut set = RuleSet {
            routes: RouteTable::build(&compiled),
            prefilter: Prefilter::new(&compiled),
            compiled,
            meta,
            correlated_ids: correlated.iter().map(|(id, _)| id.clone()).collect(),
            correlated,
            correlations: Vec::new(),
            correlation_only: HashSet::new(),
            refused,
            files,
            compilation: COMPILATIONS.fetch_add(1, Ordering::Relaxed),
            unreached,
            cache: cache_use,
        };
        set.add_correlations(correlations);
        set
    }
}

/// The rules of one file: from the cache when its text is kept there,
/// otherwise parsed and lowered (as `rsigma_eval::compile_rule` lowers,
/// with the same errors). `Err` refuses the whole file.
fn parse_source(path: &Path, text: &str, cache: Option<(&RuleCache, &Key)>) -> Result<Parsed, String> {
    if let Some(rules) = cache.and_then(|(cache, key)| cache.get(key)) {
        let rules = rules.into_iter().map(|ir| Loaded::of_ir(path, ir)).collect();
        return Ok(Parsed { rules, from_cache: true, ..Parsed::default() });
    }
    let SigmaCollection { rules, correlations, filters, errors } = parse_sigma_yaml(text).map_err(|e| e.to_string())?;
    let options = LowerOptions::default();
    let rules: Vec<Loaded> = rules
        .into_iter()
        .map(|rule| {
            let lowered = lower_rule(&rule, &options).map_err(|e| EvalError::from(e).to_string());
            Loaded::new(path, lowered, rule.title, rule.id, rule.name)
        })
        .collect();
    let clean = errors.is_empty() && correlations.is_empty() && filters.is_empty();
    let fresh = match (cache, clean) {
        (Some((_, key)), true) => {
            let lowered: Option<Vec<IrRule>> = rules.iter().map(|l| l.lowered.as_ref().ok().cloned()).collect();
            lowered.as_deref().and_then(encode).map(|blob| (*key, blob))
        }
        _ => None,
    };
    Ok(Parsed { rules, correlations, filters, errors, fresh, from_cache: false })
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>, refused: &mut Vec<Refusal>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if let Err(e) = collect_yaml(&path, out, refused) {
                refused.push(Refusal { path, title: None, reason: format!("cannot read directory: {e}") });
            }
        } else if path.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Keeps the first rule of each id: a second one would make alerts and
/// correlation references ambiguous.
fn dedupe(rules: Vec<Loaded>, refused: &mut Vec<Refusal>) -> Vec<Loaded> {
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut kept = Vec::with_capacity(rules.len());
    for loaded in rules {
        let id = loaded.id.clone().unwrap_or_default();
        if let Some(first) = seen.get(&id) {
            refused.push(Refusal {
                path: loaded.path,
                title: Some(loaded.title),
                reason: format!("duplicate rule id {id} (first loaded from {})", first.display()),
            });
            continue;
        }
        seen.insert(id, loaded.path.clone());
        kept.push(loaded);
    }
    kept
}

/// Compiles the rules on every core, then applies the filter rules, and
/// records each compiled rule's metadata.
fn compile(
    loaded: Vec<Loaded>,
    filters: &[(PathBuf, FilterRule)],
    refused: &mut Vec<Refusal>,
    meta: &mut HashMap<String, RuleMeta>,
) -> Vec<Arc<CompiledRule>> {
    let results: Vec<_> = loaded
        .par_iter()
        .map(|l| match &l.lowered {
            Ok(ir) => compile_to_compiled(ir).map_err(|e| e.to_string()),
            Err(e) => Err(e.clone()),
        })
        .collect();
    let mut compiled = Vec::with_capacity(loaded.len());
    for (l, result) in loaded.into_iter().zip(results) {
        let ir = match (result, l.lowered) {
            (Ok(c), Ok(ir)) => {
                compiled.push(c);
                ir
            }
            (Err(reason), _) | (Ok(_), Err(reason)) => {
                refused.push(Refusal { path: l.path, title: Some(l.title), reason });
                continue;
            }
        };
        let rule = ir.metadata;
        let threat = rule.custom_attributes.get(THREAT_ATTRIBUTE).and_then(|v| v.as_str());
        let id = rule.id.clone().unwrap_or_default();
        meta.insert(
            id.clone(),
            RuleMeta {
                threat: threat_of(threat, &rule.tags),
                id,
                name: rule.name,
                title: rule.title,
                description: rule.description,
                kind: RuleKind::Detection,
                severity: severity_of(rule.level.as_ref()),
                tags: rule.tags,
                path: l.path.display().to_string(),
            },
        );
    }
    if filters.is_empty() {
        return compiled.into_iter().map(Arc::new).collect();
    }
    // Filter rules rewrite the rules they name; only the library's engine
    // applies them.
    let mut engine = Engine::new();
    engine.extend_compiled_rules(compiled);
    for (path, filter) in filters {
        if let Err(e) = engine.apply_filter(filter) {
            refused.push(Refusal { path: path.clone(), title: Some(filter.title.clone()), reason: e.to_string() });
        }
    }
    engine.rules().iter().cloned().map(Arc::new).collect()
}

impl RuleSet {
    /// Loads every rule under the given directories.
    pub fn load_dirs<P: AsRef<Path>>(dirs: &[P]) -> Result<RuleSet, DetectError> {
        let mut builder = RuleSetBuilder::new();
        for dir in dirs {
            builder.add_dir(dir.as_ref())?;
        }
        Ok(builder.build())
    }

    /// Rules from YAML text; convenient for tests and `rules test`.
    pub fn from_yaml(yaml: &str) -> RuleSet {
        let mut builder = RuleSetBuilder::new();
        builder.add_yaml(yaml);
        builder.build()
    }

    /// Compiles each correlation and checks the rules it names, keeping
    /// only those that will work.
    fn add_correlations(&mut self, correlations: Vec<(PathBuf, CorrelationRule)>) {
        let mut names: HashMap<String, String> = HashMap::new();
        for m in self.meta.values() {
            names.insert(m.id.clone(), m.id.clone());
            if let Some(name) = &m.name {
                names.insert(name.clone(), m.id.clone());
            }
        }
        for (_, c) in &correlations {
            for key in c.id.iter().chain(&c.name) {
                names.insert(key.clone(), key.clone());
            }
        }
        // A rule feeding several correlations raises its own alerts as soon
        // as one of them asks for it (`generate: true`).
        let mut generated: HashSet<String> = HashSet::new();
        for (path, corr) in correlations {
            let refuse = |reason: String| Refusal { path: path.clone(), title: Some(corr.title.clone()), reason };
            if let Some(missing) = corr.rules.iter().find(|r| !names.contains_key(*r)) {
                self.refused.push(refuse(format!("references unknown rule {missing:?}")));
                continue;
            }
            let compiled = match compile_correlation(&corr) {
                Ok(compiled) => compiled,
                Err(e) => {
                    self.refused.push(refuse(e.to_string()));
                    continue;
                }
            };
            for r in &corr.rules {
                if let Some(id) = names.get(r) {
                    let target = if corr.generate { &mut generated } else { &mut self.correlation_only };
                    target.insert(id.clone());
                }
            }
            let id = corr.id.clone().or_else(|| corr.name.clone()).unwrap_or_else(|| corr.title.clone());
            let threat = corr.custom_attributes.get(THREAT_ATTRIBUTE).and_then(|v| v.as_str());
            self.meta.insert(
                id.clone(),
                RuleMeta {
                    threat: threat_of(threat, &corr.tags),
                    id: id.clone(),
                    name: corr.name.clone(),
                    title: corr.title.clone(),
                    description: corr.description.clone(),
                    kind: RuleKind::Correlation,
                    severity: severity_of(corr.level.as_ref()),
                    tags: corr.tags.clone(),
                    path: path.display().to_string(),
                },
            );
            self.correlations.push(Correlation { key: id, rule: compiled });
        }
        self.correlation_only.retain(|id| !generated.contains(id));
    }
}

impl RuleSet {
    /// The same set less the rules (detections or correlations) whose id or
    /// name is in `disabled`, derived without parsing or compiling anything:
    /// switching rules through the API must not cost the seconds a
    /// compilation of thousands of rules takes. The kept compiled rules are
    /// shared with this set (by `Arc`, not copied) and only the routing and
    /// prefilter indexes are rebuilt over them. A correlation left without a rule it needs is refused, as
    /// loading without that rule would refuse it.
    pub fn without(&self, disabled: &HashSet<String>) -> RuleSet {
        let off = |m: &RuleMeta| disabled.contains(&m.id) || m.name.as_ref().is_some_and(|n| disabled.contains(n));
        let meta: HashMap<String, RuleMeta> =
            self.meta.iter().filter(|(_, m)| !off(m)).map(|(id, m)| (id.clone(), m.clone())).collect();
        let compiled: Vec<Arc<CompiledRule>> = self
            .compiled
            .iter()
            .filter(|rule| rule.id.as_ref().is_some_and(|id| meta.contains_key(id)))
            .map(Arc::clone)
            .collect();
        let mut names: HashMap<&str, &str> = HashMap::new();
        for m in meta.values() {
            names.insert(&m.id, &m.id);
            if let Some(name) = &m.name {
                names.insert(name, &m.id);
            }
        }
        let mut refused = self.refused.clone();
        let mut correlations = Vec::new();
        let mut broken: Vec<String> = Vec::new();
        let (mut generated, mut correlation_only) = (HashSet::new(), HashSet::new());
        for correlation in self.correlations.iter().filter(|c| meta.contains_key(&c.key)) {
            let rule = &correlation.rule;
            if let Some(missing) = rule.rule_refs.iter().find(|r| !names.contains_key(r.as_str())) {
                let path = meta.get(&correlation.key).map(|m| PathBuf::from(&m.path)).unwrap_or_default();
                let reason = format!("references unknown rule {missing:?}");
                refused.push(Refusal { path, title: Some(rule.title.clone()), reason });
                broken.push(correlation.key.clone());
                continue;
            }
            for id in rule.rule_refs.iter().filter_map(|r| names.get(r.as_str())) {
                let target = if rule.generate { &mut generated } else { &mut correlation_only };
                target.insert((*id).to_owned());
            }
            correlations.push(Correlation { key: correlation.key.clone(), rule: rule.clone() });
        }
        correlation_only.retain(|id| !generated.contains(id));
        // As loading does: the rules named by every correlation still in,
        // including one just refused for a rule it lacks.
        let wanted: HashSet<&str> = self
            .correlations
            .iter()
            .filter(|c| meta.contains_key(&c.key))
            .flat_map(|c| c.rule.rule_refs.iter().map(String::as_str))
            .collect();
        let correlated: Vec<(String, Option<String>)> = self
            .correlated
            .iter()
            .filter(|(id, name)| {
                meta.contains_key(id) && std::iter::once(id).chain(name).any(|k| wanted.contains(k.as_str()))
            })
            .cloned()
            .collect();
        let mut meta = meta;
        for key in &broken {
            meta.remove(key);
        }
        RuleSet {
            routes: RouteTable::build(&compiled),
            prefilter: Prefilter::new(&compiled),
            compiled,
            meta,
            correlated_ids: correlated.iter().map(|(id, _)| id.clone()).collect(),
            correlated,
            correlations,
            correlation_only,
            refused,
            files: self.files,
            compilation: self.compilation,
            unreached: self.unreached,
            cache: self.cache,
        }
    }

    /// Which compilation the set's rules come from: a set derived with
    /// [`RuleSet::without`] shares it with the set it came from, a set
    /// loaded again gets a new one.
    pub fn compilation(&self) -> u64 {
        self.compilation
    }
}

impl RuleSet {
    /// Every rule that failed to load, with its file and reason.
    pub fn refused(&self) -> &[Refusal] {
        &self.refused
    }

    /// How many rules (detections and correlations) are loaded.
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    /// Whether no rule is loaded.
    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// How many rule sources (files or texts) were read.
    pub fn files(&self) -> usize {
        self.files
    }

    /// The loaded rules, in no particular order.
    pub fn rules(&self) -> impl Iterator<Item = &RuleMeta> {
        self.meta.values()
    }

    /// A loaded rule by id or name.
    pub fn rule(&self, id_or_name: &str) -> Option<&RuleMeta> {
        self.meta.get(id_or_name).or_else(|| self.meta.values().find(|m| m.name.as_deref() == Some(id_or_name)))
    }

    /// How many rule files were left out because no event reaches them
    /// (see [`RuleSetBuilder::only_reaching`]).
    pub fn unreached(&self) -> usize {
        self.unreached
    }

    /// How many files came from the rule cache and how many were parsed
    /// (both 0 when the set was built without one).
    pub fn cache_use(&self) -> CacheUse {
        self.cache
    }

    /// `N rules loaded, M refused`, the closing line of `rules check`; a
    /// hunt's set adds the files no event reaches.
    pub fn summary(&self) -> String {
        let left_out = match self.unreached {
            0 => String::new(),
            n => format!(", {n} files left out (no event reaches their logsource)"),
        };
        format!("{} rules loaded, {} refused{left_out}", self.len(), self.refused.len())
    }
}
