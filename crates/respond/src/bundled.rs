//! Where the running playbooks come from: the hospital's playbooks built
//! into the binary, or a configured folder that replaces them.

use std::path::{Path, PathBuf};

use crate::playbook::{LoadError, PlaybookLibrary};
use rust_embed::RustEmbed;

/// `content/playbooks`, compiled in so that incidents get their tasks
/// wherever SafeCare runs.
#[derive(RustEmbed)]
#[folder = "../../content/playbooks"]
#[include = "*.yaml"]
#[include = "*.yml"]
struct Bundled;

/// Playbooks that could not be loaded, each problem with its file.
#[derive(Debug, thiserror::Error)]
#[error("cannot load playbooks: {}", .0.iter().map(|e| format!("{}: {}", e.path.display(), e.error)).collect::<Vec<_>>().join("; "))]
pub struct PlaybooksError(pub Vec<LoadError>);

/// The playbooks of `dir`, or the bundled ones without one.
pub fn load_playbooks(dir: Option<&Path>) -> Result<PlaybookLibrary, PlaybooksError> {
    match dir {
        Some(dir) => PlaybookLibrary::load_dir(dir).map_err(PlaybooksError),
        None => {
            let mut names: Vec<_> = Bundled::iter().collect();
            names.sort();
            let files = names
                .into_iter()
                .filter_map(|name| {
                    let file = Bundled::get(&name)?;
                    Some((PathBuf::from(name.as_ref()), String::from_utf8_lossy(&file.data).into_owned()))
                })
                .collect();
            PlaybookLibrary::from_files(Path::new("content/playbooks"), files).map_err(PlaybooksError)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_playbooks_load_whole() {
        let library = load_playbooks(None).unwrap();
        assert!(library.playbooks().len() >= 10, "{}", library.playbooks().len());
        for threat in ["ransomware", "phishing", "forced_entry", "fire", "ddos"] {
            assert!(library.for_threat(threat).is_some(), "no playbook for {threat}");
        }
    }

    #[test]
    fn a_folder_with_a_broken_playbook_is_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.yaml"), "id: broken\ntitle: x\n").unwrap();
        let err = load_playbooks(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("broken.yaml"), "{err}");
    }
}
