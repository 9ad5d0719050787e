//! Playbooks (standard operating procedures) as data: per incident type, an
//! ordered list of tasks, each for a role, some needing an approval first.
//!
//! The YAML schema is documented in `docs/incidents.md`; the hospital's
//! playbooks live in `content/playbooks/`, one file per playbook named after
//! its id. Loading validates everything and reports every problem at once, so
//! an author fixes a directory in one pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safecare_model::Threat;
use serde::{Deserialize, Serialize};

/// Who carries out a task or must approve it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// Security operations centre analysts.
    Soc,
    /// On-site security staff.
    SecurityGuard,
    /// Whoever leads the hospital's crisis cell.
    CrisisManager,
    /// IT and biomedical engineering operations.
    It,
    /// The clinician accountable for patient safety in the affected area.
    ClinicalLead,
    /// The data protection officer (GDPR breach assessment).
    PrivacyOfficer,
}

impl Role {
    /// The snake_case name used in playbook YAML, the API and the timeline.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One step of a playbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookTask {
    /// Unique within the playbook (`isolate-segment`).
    pub id: String,
    /// One line, imperative.
    pub title: String,
    /// The role that carries the task out.
    pub role: Role,
    /// How to do it, for the person on duty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instructions: String,
    /// When set, the task cannot be completed before someone in this role
    /// has approved it (e.g. a clinical lead, before isolating a network
    /// segment that carries patient monitoring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_approval: Option<Role>,
    /// Earlier tasks of the same playbook that must be done (or skipped)
    /// first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// The decision-support mitigation this task carries out (an id of
    /// `content/impact/mitigations.yaml`, such as `isolate-host`), so that
    /// the impact of doing it can be estimated before it is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigation: Option<String>,
}

/// One playbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// Lower-case letters, digits, `-` and `_`; also the file name.
    pub id: String,
    /// A short name for the playbook, shown with its tasks.
    pub title: String,
    /// The incident types (threats, as in `Incident::threat`) it applies to.
    pub threats: Vec<String>,
    /// What the playbook is for, in a few sentences.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Its tasks, in the order they run.
    pub tasks: Vec<PlaybookTask>,
}

/// What is wrong with one playbook, or between playbooks of a library.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaybookError {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Io(#[source] Cause<std::io::Error>),
    /// The file is not valid playbook YAML.
    #[error("not a valid playbook: {0}")]
    Parse(#[source] Cause<serde_saphyr::Error>),
    /// The id has characters other than lower-case letters, digits, `-` and `_`.
    #[error("id {0:?} must be non-empty lower-case letters, digits, '-' or '_'")]
    InvalidId(String),
    /// The id differs from the file's name.
    #[error("id {id:?} does not match the file name {file_stem:?}")]
    IdMismatch {
        /// The id in the file.
        id: String,
        /// The file name without its extension.
        file_stem: String,
    },
    /// A required text field is blank.
    #[error("{field} is empty")]
    EmptyField {
        /// The name of the field.
        field: String,
    },
    /// The playbook names no threat it applies to.
    #[error("playbook names no threats it applies to")]
    NoThreats,
    /// The playbook has no tasks.
    #[error("playbook has no tasks")]
    NoTasks,
    /// Two tasks share an id.
    #[error("task id {0:?} is used twice")]
    DuplicateTask(String),
    /// A task waits for a task the playbook does not have.
    #[error("task {task:?} comes after {after:?}, which is not a task of this playbook")]
    UnknownDependency {
        /// The task.
        task: String,
        /// The task it waits for.
        after: String,
    },
    /// A task waits for a task listed after it.
    #[error("task {task:?} comes after {after:?}, which is listed later: list tasks in the order they run")]
    ForwardDependency {
        /// The task.
        task: String,
        /// The task it waits for.
        after: String,
    },
    /// A task needs approval from the role that carries it out.
    #[error("task {0:?} requires approval from its own role; approval must come from someone else")]
    SelfApproval(String),
    /// Two playbooks share an id.
    #[error("playbook id {0:?} is used by two playbooks")]
    DuplicatePlaybook(String),
    /// Two playbooks claim the same threat.
    #[error("threat {threat:?} is claimed by both {first:?} and {second:?}")]
    ThreatClaimedTwice {
        /// The threat.
        threat: String,
        /// The playbook that claimed it first.
        first: String,
        /// The other playbook.
        second: String,
    },
}

/// The underlying error of a [`PlaybookError`], kept as its source and
/// shared, so that playbook errors stay cheap to clone; two are equal when
/// they read the same (the errors it holds have no equality of their own).
#[derive(Debug)]
pub struct Cause<E>(pub Arc<E>);

impl<E> Cause<E> {
    fn new(error: E) -> Self {
        Cause(Arc::new(error))
    }
}

impl<E> Clone for Cause<E> {
    fn clone(&self) -> Self {
        Cause(self.0.clone())
    }
}

impl<E: std::fmt::Display> std::fmt::Display for Cause<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: std::error::Error> std::error::Error for Cause<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl<E: std::fmt::Display> PartialEq for Cause<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl<E: std::fmt::Display> Eq for Cause<E> {}

/// A playbook error with the file it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {error}", path.display())]
pub struct LoadError {
    /// The playbook file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub error: PlaybookError,
}

/// A validated set of playbooks, at most one per threat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaybookLibrary {
    playbooks: Vec<Playbook>,
    by_threat: BTreeMap<String, usize>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Playbook {
    /// Parses and validates one playbook from YAML.
    pub fn from_yaml(yaml: &str) -> Result<Playbook, Vec<PlaybookError>> {
        let playbook: Playbook = serde_saphyr::from_str(yaml).map_err(|e| vec![PlaybookError::Parse(Cause::new(e))])?;
        let errors = playbook.validate();
        if errors.is_empty() { Ok(playbook) } else { Err(errors) }
    }

    /// Every problem of this playbook on its own.
    pub fn validate(&self) -> Vec<PlaybookError> {
        let mut errors = Vec::new();
        let empty = |field: String| PlaybookError::EmptyField { field };
        if !valid_id(&self.id) {
            errors.push(PlaybookError::InvalidId(self.id.clone()));
        }
        if self.title.trim().is_empty() {
            errors.push(empty("title".into()));
        }
        if self.threats.is_empty() {
            errors.push(PlaybookError::NoThreats);
        }
        for threat in &self.threats {
            if !valid_id(threat) {
                errors.push(PlaybookError::InvalidId(threat.clone()));
            }
        }
        if self.tasks.is_empty() {
            errors.push(PlaybookError::NoTasks);
        }
        let mut seen: Vec<&str> = Vec::with_capacity(self.tasks.len());
        for task in &self.tasks {
            if !valid_id(&task.id) {
                errors.push(PlaybookError::InvalidId(task.id.clone()));
            }
            if task.title.trim().is_empty() {
                errors.push(empty(format!("title of task {:?}", task.id)));
            }
            if seen.contains(&task.id.as_str()) {
                errors.push(PlaybookError::DuplicateTask(task.id.clone()));
            }
            if let Some(mitigation) = &task.mitigation
                && !valid_id(mitigation)
            {
                errors.push(PlaybookError::InvalidId(mitigation.clone()));
            }
            if task.requires_approval == Some(task.role) {
                errors.push(PlaybookError::SelfApproval(task.id.clone()));
            }
            for after in &task.after {
                if seen.contains(&after.as_str()) {
                    continue;
                }
                let error = if self.tasks.iter().any(|t| t.id == *after) {
                    PlaybookError::ForwardDependency { task: task.id.clone(), after: after.clone() }
                } else {
                    PlaybookError::UnknownDependency { task: task.id.clone(), after: after.clone() }
                };
                errors.push(error);
            }
            seen.push(&task.id);
        }
        errors
    }

    /// The task with this id, if the playbook has one.
    pub fn task(&self, id: &str) -> Option<&PlaybookTask> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The mitigation ids its tasks carry out, in task order, each once:
    /// the candidates to rank by what-if for an incident of this type.
    pub fn mitigations(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for id in self.tasks.iter().filter_map(|t| t.mitigation.as_deref()) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

impl PlaybookLibrary {
    /// Builds a library from validated playbooks, refusing duplicate ids
    /// and threats claimed by two playbooks (which one would run?).
    pub fn new(playbooks: Vec<Playbook>) -> Result<Self, Vec<PlaybookError>> {
        let mut errors = Vec::new();
        let mut by_threat: BTreeMap<String, usize> = BTreeMap::new();
        for (index, playbook) in playbooks.iter().enumerate() {
            if playbooks[..index].iter().any(|p| p.id == playbook.id) {
                errors.push(PlaybookError::DuplicatePlaybook(playbook.id.clone()));
                continue;
            }
            for threat in &playbook.threats {
                if let Some(&first) = by_threat.get(threat) {
                    errors.push(PlaybookError::ThreatClaimedTwice {
                        threat: threat.clone(),
                        first: playbooks[first].id.clone(),
                        second: playbook.id.clone(),
                    });
                } else {
                    by_threat.insert(threat.clone(), index);
                }
            }
        }
        if errors.is_empty() { Ok(PlaybookLibrary { playbooks, by_threat }) } else { Err(errors) }
    }

    /// Loads every `*.yaml` / `*.yml` file of a directory (sorted by name),
    /// reporting every error of every file.
    pub fn load_dir(dir: &Path) -> Result<Self, Vec<LoadError>> {
        let io_error = |path: &Path, e: std::io::Error| LoadError {
            path: path.to_owned(),
            error: PlaybookError::Io(Cause::new(e)),
        };
        let entries = std::fs::read_dir(dir).map_err(|e| vec![io_error(dir, e)])?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| vec![io_error(dir, e)])?.path();
            if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                paths.push(path);
            }
        }
        paths.sort();

        let mut errors = Vec::new();
        let mut files = Vec::new();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push((path, text)),
                Err(e) => errors.push(io_error(&path, e)),
            }
        }
        match PlaybookLibrary::from_files(dir, files) {
            Ok(library) if errors.is_empty() => Ok(library),
            Ok(_) => Err(errors),
            Err(found) => {
                errors.extend(found);
                Err(errors)
            }
        }
    }

    /// Builds a library from playbook files already read (a directory's, or
    /// the ones compiled into a binary), each named by its path; `origin`
    /// names the whole set in errors that concern two files.
    pub fn from_files(origin: &Path, files: Vec<(PathBuf, String)>) -> Result<Self, Vec<LoadError>> {
        let mut errors = Vec::new();
        let mut playbooks = Vec::new();
        for (path, text) in files {
            match Playbook::from_yaml(&text) {
                Ok(playbook) => {
                    let file_stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
                    if playbook.id != file_stem {
                        let error = PlaybookError::IdMismatch { id: playbook.id.clone(), file_stem };
                        errors.push(LoadError { path, error });
                        continue;
                    }
                    playbooks.push(playbook);
                }
                Err(found) => errors.extend(found.into_iter().map(|error| LoadError { path: path.clone(), error })),
            }
        }
        match PlaybookLibrary::new(playbooks) {
            Ok(library) if errors.is_empty() => Ok(library),
            Ok(_) => Err(errors),
            Err(found) => {
                errors.extend(found.into_iter().map(|error| LoadError { path: origin.to_owned(), error }));
                Err(errors)
            }
        }
    }

    /// Every playbook, in the order they were loaded (by file name).
    pub fn playbooks(&self) -> &[Playbook] {
        &self.playbooks
    }

    /// The playbook with this id.
    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.playbooks.iter().find(|p| p.id == id)
    }

    /// The playbook for an incident type: the one that lists it, else the
    /// one that lists its usual spelling ([`Threat`]).
    pub fn for_threat(&self, threat: &str) -> Option<&Playbook> {
        let usual = || Threat::named(threat).and_then(|t| self.by_threat.get(<&str>::from(t)));
        self.by_threat.get(threat).or_else(usual).map(|&i| &self.playbooks[i])
    }
}
