//! Event files read offline (hunts, benchmarks, rule tests): the files
//! under some paths, each decoded whole, or all of them decoded on several
//! threads into one stream of events in file order.
//!
//! Decoding, EVTX binary XML above all, costs more than matching, so it runs
//! on every core; and a consumer sees one ordered stream across all files
//! (correlation windows span files, as they span a host's rotated logs), not
//! one stream per file. Progress is reported through a callback, so that
//! the caller chooses how to show it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use safecare_model::Event;

use crate::decode::evtx::{EvtxError, EvtxEvents};
use crate::decode::zeek_tsv;
use crate::{Context, Decoder};

/// Why files could not be listed or read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A path cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file named by the caller has none of the known extensions.
    #[error("cannot hunt {0}: not an .evtx, .json, .jsonl, .ndjson or .log file")]
    NotEventFile(PathBuf),
    /// An EVTX file cannot be opened.
    #[error(transparent)]
    Evtx(#[from] EvtxError),
    /// A file named by the caller has records, none of which decodes.
    #[error("no record of {path} could be decoded ({reasons})")]
    NothingDecoded {
        /// The file.
        path: PathBuf,
        /// The reasons, with how many records each.
        reasons: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io { path: path.to_owned(), source }
}

/// Records that did not decode, by reason (the decoder's error kind).
pub type Skipped = BTreeMap<&'static str, u64>;

/// One file's events, and its records that did not decode.
pub struct Decoded {
    /// The events, in the file's order.
    pub events: Vec<Event>,
    /// The records left out, by reason.
    pub skipped: Skipped,
}

/// What a stream read, known once it has ended.
#[derive(Default)]
pub struct Totals {
    /// Events decoded.
    pub events: AtomicU64,
    /// Records left out, by reason.
    pub skipped: Mutex<Skipped>,
    /// The first file that could not be read at all; the stream ends there.
    pub error: Mutex<Option<FileError>>,
}

/// An event file, with its size as listed (it bounds the read-ahead).
#[derive(Debug, Clone)]
pub struct EventFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its size when listed.
    pub size: u64,
    /// Named by the caller (not found in a folder): it must decode.
    pub named: bool,
}

/// Called once per file as the stream moves past it, with that file.
pub type Progress = Box<dyn FnMut(&EventFile) + Send>;

/// The events of `files` in order, as decoded by [`decode_on`]'s workers.
pub struct OrderedEvents {
    results: Receiver<(usize, Result<Decoded, FileError>)>,
    /// Hands file indices to the workers; dropped once all are handed out
    /// or the stream stops, which ends the workers.
    jobs: Option<Sender<usize>>,
    handed_out: usize,
    /// Shared with the workers, which decode them by index.
    files: Arc<Vec<EventFile>>,
    /// The size of the files handed out and not yet read.
    ahead_bytes: u64,
    ahead: ReadAhead,
    next: usize,
    /// Files decoded ahead of their turn, bounded by `ahead`.
    pending: BTreeMap<usize, Result<Decoded, FileError>>,
    current: std::vec::IntoIter<Event>,
    totals: Arc<Totals>,
    progress: Progress,
}

/// How far decoding may run ahead of the file being read. Two files per
/// worker keep big files (a 20 MB EVTX decodes to some hundreds of MB of
/// events) from filling memory; small files may go further, up to a byte
/// budget, because each hand-over between the reader and a worker costs a
/// thread wake-up (3,523 files of 64 KiB: 1.04 s with two files per worker,
/// 0.74 s with sixteen).
#[derive(Debug, Clone, Copy)]
struct ReadAhead {
    min_files: usize,
    max_files: usize,
    max_bytes: u64,
}

impl ReadAhead {
    fn for_threads(threads: usize) -> Self {
        ReadAhead { min_files: threads * 2, max_files: threads * 64, max_bytes: 16 << 20 }
    }

    fn allows(&self, files: usize, bytes: u64) -> bool {
        files < self.min_files || (files < self.max_files && bytes < self.max_bytes)
    }
}

/// Every event file under `paths`, sorted for a stable order; a file named
/// in `paths` must be one.
pub fn files(paths: &[PathBuf]) -> Result<Vec<EventFile>, FileError> {
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, bool)> = paths.iter().map(|p| (p.clone(), true)).collect();
    while let Some((path, named)) = stack.pop() {
        let meta = std::fs::metadata(&path).map_err(io(&path))?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).map_err(io(&path))? {
                stack.push((entry.map_err(io(&path))?.path(), false));
            }
        } else if huntable(&path) {
            out.push(EventFile { path, size: meta.len(), named });
        } else if named {
            return Err(FileError::NotEventFile(path));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn huntable(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("evtx" | "json" | "jsonl" | "ndjson" | "log"))
}

/// The events of one file; undecodable records are counted by reason, not
/// fatal, unless the file was named and none of its records decodes.
pub fn decode(file: &EventFile, decoder: &Decoder) -> Result<Decoded, FileError> {
    let decoded = decode_records(&file.path, decoder)?;
    if file.named && decoded.events.is_empty() && !decoded.skipped.is_empty() {
        let reasons: Vec<String> = decoded.skipped.iter().map(|(kind, n)| format!("{kind} ×{n}")).collect();
        return Err(FileError::NothingDecoded { path: file.path.clone(), reasons: reasons.join(", ") });
    }
    Ok(decoded)
}

fn decode_records(path: &Path, decoder: &Decoder) -> Result<Decoded, FileError> {
    let ctx = Context::new(format!("hunt:{}", path.display()));
    let mut out = Decoded { events: Vec::new(), skipped: Skipped::new() };
    if path.extension().and_then(|e| e.to_str()) == Some("evtx") {
        for record in EvtxEvents::open(path, ctx)? {
            match record {
                Ok(event) => out.events.push(event),
                Err(e) => *out.skipped.entry(e.kind()).or_default() += 1,
            }
        }
        return Ok(out);
    }
    if is_zeek_tsv(path).map_err(io(path))? {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let log = match decoder {
            Decoder::Zeek { log } => log.as_deref(),
            _ => None,
        };
        for (_, record) in zeek_tsv::read(&text, log, &ctx) {
            match record {
                Ok(event) => out.events.push(event),
                Err(e) => *out.skipped.entry(e.kind()).or_default() += 1,
            }
        }
        return Ok(out);
    }
    let file = std::fs::File::open(path).map_err(io(path))?;
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(io(path))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match decoder.decode(&line, None, &ctx) {
            Ok(event) => out.events.push(event),
            Err(e) => *out.skipped.entry(e.kind()).or_default() += 1,
        }
    }
    Ok(out)
}

/// A `.log` file that Zeek wrote in its tab-separated form (it starts with
/// the `#separator` header), whatever parser was asked for: its records
/// can only be read with its header.
fn is_zeek_tsv(path: &Path) -> std::io::Result<bool> {
    if path.extension().and_then(|e| e.to_str()) != Some("log") {
        return Ok(false);
    }
    let mut start = [0u8; 10];
    let n = std::io::Read::read(&mut std::fs::File::open(path)?, &mut start)?;
    Ok(start[..n].starts_with(b"#separator"))
}

/// Starts `threads` decoding workers in `scope` and answers the stream of
/// their events in file order; `progress` is told of each file in turn.
pub fn decode_on<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    files: Vec<EventFile>,
    decoder: Decoder,
    threads: usize,
    progress: Progress,
) -> (OrderedEvents, Arc<Totals>) {
    let threads = threads.max(1);
    let (jobs, job_rx) = channel::<usize>();
    let (result_tx, results) = channel();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let files = Arc::new(files);
    for _ in 0..threads {
        let (job_rx, result_tx, files, decoder) = (job_rx.clone(), result_tx.clone(), files.clone(), decoder.clone());
        scope.spawn(move || {
            while let Ok(index) = next_job(&job_rx) {
                if result_tx.send((index, decode(&files[index], &decoder))).is_err() {
                    break;
                }
            }
        });
    }
    let totals = Arc::new(Totals::default());
    let mut stream = OrderedEvents {
        results,
        jobs: Some(jobs),
        handed_out: 0,
        files,
        ahead_bytes: 0,
        ahead: ReadAhead::for_threads(threads),
        next: 0,
        pending: BTreeMap::new(),
        current: Vec::new().into_iter(),
        totals: totals.clone(),
        progress,
    };
    stream.hand_out();
    (stream, totals)
}

fn next_job(rx: &Mutex<Receiver<usize>>) -> Result<usize, std::sync::mpsc::RecvError> {
    rx.lock().unwrap_or_else(|e| e.into_inner()).recv()
}

impl OrderedEvents {
    /// Hands files to the workers as far as [`ReadAhead`] allows.
    fn hand_out(&mut self) {
        while self.ahead.allows(self.handed_out.saturating_sub(self.next), self.ahead_bytes) {
            if self.handed_out == self.files.len() {
                self.jobs = None;
            }
            let Some(jobs) = &self.jobs else { return };
            if jobs.send(self.handed_out).is_err() {
                return;
            }
            self.ahead_bytes += self.files.get(self.handed_out).map_or(0, |f| f.size);
            self.handed_out += 1;
        }
    }

    /// The next file's decoding, waiting for it if a worker still has it.
    fn take_next(&mut self) -> Option<Result<Decoded, FileError>> {
        loop {
            if let Some(result) = self.pending.remove(&self.next) {
                return Some(result);
            }
            let (index, result) = self.results.recv().ok()?;
            self.pending.insert(index, result);
        }
    }

    fn stop(&mut self) {
        self.jobs = None;
        self.next = self.files.len();
    }
}

impl Iterator for OrderedEvents {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.current.next() {
                return Some(event);
            }
            if self.next == self.files.len() {
                return None;
            }
            let Some(result) = self.take_next() else {
                self.stop();
                return None;
            };
            if let Some(file) = self.files.get(self.next) {
                (self.progress)(file);
            }
            self.ahead_bytes = self.ahead_bytes.saturating_sub(self.files.get(self.next).map_or(0, |f| f.size));
            self.next += 1;
            self.hand_out();
            match result {
                Ok(decoded) => {
                    self.totals.events.fetch_add(decoded.events.len() as u64, Ordering::Relaxed);
                    let mut skipped = self.totals.skipped.lock().unwrap_or_else(|p| p.into_inner());
                    for (kind, n) in decoded.skipped {
                        *skipped.entry(kind).or_default() += n;
                    }
                    self.current = decoded.events.into_iter();
                }
                Err(e) => {
                    *self.totals.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    self.stop();
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: usize) -> String {
        format!(
            r#"{{"EventID": {id}, "Channel": "Security", "Computer": "ws-1", "TimeCreated": "2026-11-28T02:00:00Z"}}"#
        )
    }

    /// `n` files of `per_file` events numbered in order across the files.
    fn folder(n: usize, per_file: usize) -> (tempfile::TempDir, Vec<EventFile>) {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for f in 0..n {
            let path = dir.path().join(format!("{f:03}.jsonl"));
            let text: Vec<String> = (0..per_file).map(|i| line(f * per_file + i)).collect();
            std::fs::write(&path, text.join("\n") + "\nnot json\n").unwrap();
            paths.push(path);
        }
        let files = super::files(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(files.iter().map(|f| &f.path).collect::<Vec<_>>(), paths.iter().collect::<Vec<_>>());
        (dir, files)
    }

    fn ids(files: Vec<EventFile>, threads: usize) -> (Vec<u64>, Arc<Totals>) {
        std::thread::scope(|scope| {
            let (stream, totals) = decode_on(scope, files, Decoder::Windows, threads, Box::new(|_| {}));
            (stream.map(|e| e.fields["EventID"].as_u64().unwrap()).collect(), totals)
        })
    }

    #[test]
    fn read_ahead_is_two_files_per_worker_and_more_for_small_files() {
        let ahead = ReadAhead::for_threads(2);
        // Big files: four in flight, however large.
        assert!(ahead.allows(3, 10 << 30));
        assert!(!ahead.allows(4, 20 << 20));
        // Small files: up to the byte budget, and never more than 128.
        assert!(ahead.allows(100, 6 << 20));
        assert!(!ahead.allows(100, 16 << 20));
        assert!(!ahead.allows(128, 1 << 10));
    }

    #[test]
    fn a_named_file_must_be_an_event_file_and_decode() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello\n").unwrap();
        assert!(matches!(files(&[text]), Err(FileError::NotEventFile(_))));
        let bad = dir.path().join("bad.jsonl");
        std::fs::write(&bad, "not json\n").unwrap();
        let listed = files(&[bad]).unwrap();
        let error = decode(&listed[0], &Decoder::Windows).err().expect("refused");
        assert!(error.to_string().contains("invalid_json ×1"), "{error}");
        let found = files(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(found.len(), 1, "a folder's other files are passed over");
        assert!(decode(&found[0], &Decoder::Windows).unwrap().events.is_empty());
    }

    #[test]
    fn many_files_on_many_threads_come_out_in_file_order() {
        let (_dir, files) = folder(40, 25);
        for threads in [1, 2, 5] {
            let (ids, totals) = ids(files.clone(), threads);
            assert_eq!(ids, (0..1000).collect::<Vec<u64>>(), "{threads} threads");
            assert_eq!(totals.events.load(Ordering::Relaxed), 1000);
            assert_eq!(*totals.skipped.lock().unwrap(), Skipped::from([("invalid_json", 40)]), "one bad line per file");
        }
    }

    #[test]
    fn an_unreadable_file_ends_the_stream_with_its_error() {
        let (dir, mut files) = folder(6, 2);
        files.insert(3, EventFile { path: dir.path().join("gone.jsonl"), size: 0, named: false });
        let (ids, totals) = ids(files, 2);
        assert_eq!(ids, (0..6).collect::<Vec<u64>>(), "the files before it are read");
        let error = totals.error.lock().unwrap().take().expect("the error is kept");
        assert!(error.to_string().contains("gone.jsonl"), "{error}");
    }
}
