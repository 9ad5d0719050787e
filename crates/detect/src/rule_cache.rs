//! Lowered rules kept on disk between runs, keyed by each rule file's
//! content, so that a hunt over the same rule folders skips parsing YAML
//! and lowering the rules it has met before.
//!
//! Why: parsing and lowering the SigmaHQ rules a hunt reaches is most of
//! what a short hunt spends on its rules (docs/performance.md). What is
//! kept is `rsigma-ir`'s own versioned encoding of the lowered rules
//! ([`rsigma_ir::encode_rules`]), the form the library compiles from, so a
//! rule loaded from the cache compiles exactly as one parsed anew: the
//! compiled matchers (regexes, automata) are not kept, they are rebuilt.
//!
//! The file is a few framed records rather than one CBOR document so that
//! only the files a run reaches are decoded, on every core. A cache that
//! cannot be read or was written by another build is ignored, never an
//! error: it only ever saves time. Only files that parse cleanly into
//! detection rules are kept; a file with errors, a correlation or a filter
//! is parsed every time.

use std::path::{Path, PathBuf};

use rsigma_ir::IrRule;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

/// The SHA-256 of a rule file's text.
pub(crate) type Key = [u8; 32];

/// Starts every cache file; the line after it names the build that wrote it.
const MAGIC: &[u8] = b"SAFECARE-RULE-CACHE\n";
/// Bumped whenever what a record holds changes.
const FORMAT: u32 = 1;

/// The cache file's records, read once, decoded on demand.
#[derive(Default)]
pub(crate) struct RuleCache {
    path: Option<PathBuf>,
    records: FxHashMap<Key, Vec<u8>>,
}

/// What loading a set of sources took from the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// Files whose rules came from the cache.
    pub hits: usize,
    /// Files parsed and lowered anew.
    pub misses: usize,
}

pub(crate) fn key_of(text: &str) -> Key {
    Sha256::digest(text.as_bytes()).into()
}

/// The line after [`MAGIC`]: a cache written by another version of
/// SafeCare or of the HIR is not read.
fn build_line() -> String {
    let hir = rsigma_ir::HirCacheHeader::current();
    format!("{FORMAT} {} {} {}\n", env!("CARGO_PKG_VERSION"), hir.ir_schema_version, hir.rsigma_version)
}

impl RuleCache {
    /// The cache kept at `path`; empty when there is none or it is unusable.
    pub fn open(path: &Path) -> Self {
        let records = std::fs::read(path).ok().and_then(|bytes| parse(&bytes)).unwrap_or_default();
        RuleCache { path: Some(path.to_owned()), records }
    }

    /// The lowered rules of the file whose text has `key`, if kept.
    pub fn get(&self, key: &Key) -> Option<Vec<IrRule>> {
        self.records.get(key).and_then(|blob| rsigma_ir::decode_rules(blob).ok())
    }

    /// Writes the cache again with the records of `keep` (the keys of this
    /// run's files) and the `fresh` ones, when there is anything fresh.
    /// Best effort: a cache that cannot be written is skipped with a warning.
    pub fn store(self, keep: &[Key], fresh: Vec<(Key, Vec<u8>)>) {
        let Some(path) = self.path else { return };
        if fresh.is_empty() {
            return;
        }
        let mut records = self.records;
        let mut kept: FxHashMap<Key, Vec<u8>> = keep.iter().filter_map(|k| records.remove_entry(k)).collect();
        kept.extend(fresh);
        if let Err(e) = write(&path, &kept) {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the rule cache");
        }
    }
}

/// The rules of one cleanly parsed file, as a record.
pub(crate) fn encode(rules: &[IrRule]) -> Option<Vec<u8>> {
    rsigma_ir::encode_rules(rules).ok()
}

fn parse(bytes: &[u8]) -> Option<FxHashMap<Key, Vec<u8>>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let rest = rest.strip_prefix(build_line().as_bytes())?;
    let mut records = FxHashMap::default();
    let mut at = rest;
    while !at.is_empty() {
        let key: Key = at.get(..32)?.try_into().ok()?;
        let len = u32::from_le_bytes(at.get(32..36)?.try_into().ok()?) as usize;
        let blob = at.get(36..36 + len)?;
        records.insert(key, blob.to_vec());
        at = at.get(36 + len..)?;
    }
    Some(records)
}

/// Written beside the cache and renamed over it, so that a reader never
/// sees half a file.
fn write(path: &Path, records: &FxHashMap<Key, Vec<u8>>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = Vec::with_capacity(records.values().map(|b| b.len() + 36).sum::<usize>() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(build_line().as_bytes());
    for (key, blob) in records {
        let len = u32::try_from(blob.len()).map_err(std::io::Error::other)?;
        out.extend_from_slice(key);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(blob);
    }
    let partial = path.with_extension(format!("partial.{}", std::process::id()));
    std::fs::write(&partial, &out)?;
    std::fs::rename(&partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered(yaml: &str) -> Vec<IrRule> {
        let collection = rsigma_parser::parse_sigma_yaml(yaml).expect("parses");
        collection.rules.iter().map(|r| rsigma_ir::lower_rule(r, &Default::default()).expect("lowers")).collect()
    }

    const RULE: &str = "title: t\nid: 11111111-1111-1111-1111-111111111111\nlogsource: {product: windows}\n\
                        detection:\n  sel: {Image|endswith: '\\x.exe'}\n  condition: sel\n";

    #[test]
    fn a_stored_record_comes_back_for_its_key_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("rules.bin");
        let rules = lowered(RULE);
        let key = key_of(RULE);
        RuleCache::open(&path).store(&[], vec![(key, encode(&rules).expect("encodes"))]);
        let cache = RuleCache::open(&path);
        assert_eq!(cache.get(&key), Some(rules));
        assert_eq!(cache.get(&key_of("title: other")), None);
    }

    #[test]
    fn records_of_files_gone_are_dropped_and_a_damaged_file_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rules.bin");
        let (a, b) = (key_of("a"), key_of("b"));
        let blob = encode(&lowered(RULE)).expect("encodes");
        RuleCache::open(&path).store(&[], vec![(a, blob.clone())]);
        RuleCache::open(&path).store(&[], vec![(b, blob.clone())]);
        let cache = RuleCache::open(&path);
        assert!(cache.get(&a).is_none() && cache.get(&b).is_some());
        RuleCache::open(&path).store(&[b], vec![(a, blob)]);
        assert!(RuleCache::open(&path).get(&b).is_some(), "kept: its file was read this run");

        let mut bytes = std::fs::read(&path).expect("reads");
        bytes.truncate(bytes.len() - 1);
        std::fs::write(&path, &bytes).expect("writes");
        assert!(RuleCache::open(&path).records.is_empty());
        std::fs::write(&path, b"SAFECARE-RULE-CACHE\n0 old build\n").expect("writes");
        assert!(RuleCache::open(&path).records.is_empty());
    }
}
