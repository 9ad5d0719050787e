//! The real EVTX recordings as `safecare hunt` reads them: every record of
//! every `.evtx` file under a folder, files in path order, decoded by ingest.

use std::path::Path;

use safecare_ingest::Context;
use safecare_ingest::decode::evtx::EvtxEvents;
use safecare_model::Event;

pub fn evtx_events(dir: &Path) -> Vec<Event> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).expect("folder").map(|e| e.expect("entry").path()));
        } else if path.extension().is_some_and(|x| x == "evtx") {
            files.push(path);
        }
    }
    files.sort();
    let mut events = Vec::new();
    for file in files {
        for record in EvtxEvents::open(&file, Context::new("evtx-attack")).expect("EVTX file") {
            events.push(record.unwrap_or_else(|e| panic!("{}: {e}", file.display())));
        }
    }
    events
}
