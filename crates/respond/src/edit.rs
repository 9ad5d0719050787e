//! Edits to an incident's fields other than its status: assignee, severity,
//! title, tags, comments and the impact summary. Each one is logged with its
//! actor; a no-op edit is refused rather than cluttering the timeline.

use jiff::Timestamp;
use safecare_model::{IncidentId, IncidentStatus, Severity};

use crate::record::{Comment, IncidentRecord, TimelineAction};

/// Longest comment accepted, in bytes.
const MAX_COMMENT_LEN: usize = 16 * 1024;
/// Longest tag or title accepted, in bytes.
const MAX_TAG_LEN: usize = 128;
const MAX_TITLE_LEN: usize = 512;

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The incident was merged into another and changes only there.
    #[error("the incident was merged into {into} and takes no more changes")]
    MergedInto {
        /// The incident it was merged into.
        into: IncidentId,
    },
    /// The incident is closed.
    #[error("the incident is closed: reopen it before changing it")]
    IncidentClosed,
    /// The assignee given is blank.
    #[error("assignee name is empty")]
    EmptyAssignee,
    /// The incident is already assigned to this person.
    #[error("the incident is already assigned to {0}")]
    AlreadyAssignedTo(String),
    /// Unassigning an incident that has no assignee.
    #[error("the incident has no assignee to remove")]
    NotAssigned,
    /// The incident already has this severity.
    #[error("the incident's severity is already {0}")]
    SameSeverity(Severity),
    /// The title given is blank.
    #[error("title is empty")]
    EmptyTitle,
    /// The title is longer than allowed.
    #[error("title is {len} bytes, over the limit of {max}")]
    TitleTooLong {
        /// Its length, in bytes.
        len: usize,
        /// The limit, in bytes.
        max: usize,
    },
    /// The tag given is blank.
    #[error("tag is empty")]
    EmptyTag,
    /// The tag is too long or contains whitespace.
    #[error("tag {tag:?} is over {max} bytes or contains whitespace")]
    InvalidTag {
        /// The tag, as normalised.
        tag: String,
        /// The limit, in bytes.
        max: usize,
    },
    /// An `attack.t…` tag that is not a well-formed ATT&CK technique id.
    #[error("tag {0:?} looks like an ATT&CK technique but is malformed: expected attack.tNNNN or attack.tNNNN.NNN")]
    MalformedAttackTag(String),
    /// The incident already carries this tag.
    #[error("the incident already has tag {0:?}")]
    DuplicateTag(String),
    /// The incident does not carry this tag.
    #[error("the incident has no tag {0:?}")]
    UnknownTag(String),
    /// The comment given is blank.
    #[error("comment is empty")]
    EmptyComment,
    /// The comment is longer than allowed.
    #[error("comment is {len} bytes, over the limit of {max}")]
    CommentTooLong {
        /// Its length, in bytes.
        len: usize,
        /// The limit, in bytes.
        max: usize,
    },
    /// The exercise mark is already as asked.
    #[error("the incident is already {}marked as an exercise", if *.0 { "" } else { "not " })]
    SameExercise(bool),
}

/// Marks the incident as an exercise (drill) or takes the mark off; an
/// exercise is notified on exercise routes only.
pub fn set_exercise(record: &mut IncidentRecord, exercise: bool, actor: &str, at: Timestamp) -> Result<(), EditError> {
    check_editable(record)?;
    if record.exercise == exercise {
        return Err(EditError::SameExercise(exercise));
    }
    record.exercise = exercise;
    let (action, detail) = if exercise {
        (TimelineAction::MarkedExercise, "marked as an exercise")
    } else {
        (TimelineAction::UnmarkedExercise, "exercise mark removed: a real incident")
    };
    record.log(at, actor, action, detail);
    Ok(())
}

pub(crate) fn check_editable(record: &IncidentRecord) -> Result<(), EditError> {
    if let Some(into) = record.merged_into {
        return Err(EditError::MergedInto { into });
    }
    if record.incident.status == IncidentStatus::Closed {
        return Err(EditError::IncidentClosed);
    }
    Ok(())
}

/// Sets (`Some`) or removes (`None`) the assignee.
pub fn assign(
    record: &mut IncidentRecord,
    assignee: Option<&str>,
    actor: &str,
    at: Timestamp,
) -> Result<(), EditError> {
    check_editable(record)?;
    match assignee.map(str::trim) {
        Some("") => Err(EditError::EmptyAssignee),
        Some(name) => {
            if record.incident.assignee.as_deref() == Some(name) {
                return Err(EditError::AlreadyAssignedTo(name.to_owned()));
            }
            let detail = match record.incident.assignee.replace(name.to_owned()) {
                Some(previous) => format!("{previous} → {name}"),
                None => format!("→ {name}"),
            };
            record.log(at, actor, TimelineAction::Assigned, detail);
            Ok(())
        }
        None => {
            let previous = record.incident.assignee.take().ok_or(EditError::NotAssigned)?;
            record.log(at, actor, TimelineAction::Unassigned, format!("{previous} removed"));
            Ok(())
        }
    }
}

/// Changes the severity; the reason, when given, goes into the timeline.
pub fn set_severity(
    record: &mut IncidentRecord,
    severity: Severity,
    reason: Option<&str>,
    actor: &str,
    at: Timestamp,
) -> Result<(), EditError> {
    check_editable(record)?;
    let previous = record.incident.severity;
    if previous == severity {
        return Err(EditError::SameSeverity(severity));
    }
    record.incident.severity = severity;
    let mut detail = format!("{previous} → {severity}");
    if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        detail.push_str(": ");
        detail.push_str(reason);
    }
    record.log(at, actor, TimelineAction::SeverityChanged, detail);
    Ok(())
}

/// Renames the incident; a title a person chose sticks (joining alerts no
/// longer rename it).
pub fn set_title(record: &mut IncidentRecord, title: &str, actor: &str, at: Timestamp) -> Result<(), EditError> {
    check_editable(record)?;
    let title = title.trim();
    if title.is_empty() {
        return Err(EditError::EmptyTitle);
    }
    if title.len() > MAX_TITLE_LEN {
        return Err(EditError::TitleTooLong { len: title.len(), max: MAX_TITLE_LEN });
    }
    let previous = std::mem::replace(&mut record.incident.title, title.to_owned());
    record.title_by_person = true;
    record.log(at, actor, TimelineAction::TitleChanged, format!("\"{previous}\" → \"{title}\""));
    Ok(())
}

/// Normalises and validates a tag: lower case, no whitespace, and ATT&CK
/// technique tags (`attack.t1486`, `attack.t0831`, `attack.t1566.001`) well
/// formed, so that exports to STIX can rely on them.
pub(crate) fn normalise_tag(tag: &str) -> Result<String, EditError> {
    let tag = tag.trim().to_ascii_lowercase();
    if tag.is_empty() {
        return Err(EditError::EmptyTag);
    }
    if tag.len() > MAX_TAG_LEN || tag.chars().any(char::is_whitespace) {
        return Err(EditError::InvalidTag { tag, max: MAX_TAG_LEN });
    }
    if let Some(technique) = tag.strip_prefix("attack.t")
        && technique.starts_with(|c: char| c.is_ascii_digit())
        && !is_technique_number(technique)
    {
        return Err(EditError::MalformedAttackTag(tag));
    }
    Ok(tag)
}

/// `NNNN` or `NNNN.NNN`.
fn is_technique_number(s: &str) -> bool {
    let all_digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        None => all_digits(s, 4),
        Some((main, sub)) => all_digits(main, 4) && all_digits(sub, 3),
    }
}

/// Adds a tag (lower-cased; ATT&CK technique tags checked), so incidents can be filtered and exported by it.
pub fn add_tag(record: &mut IncidentRecord, tag: &str, actor: &str, at: Timestamp) -> Result<(), EditError> {
    check_editable(record)?;
    let tag = normalise_tag(tag)?;
    if record.incident.tags.contains(&tag) {
        return Err(EditError::DuplicateTag(tag));
    }
    record.incident.tags.push(tag.clone());
    record.log(at, actor, TimelineAction::TagAdded, tag);
    Ok(())
}

/// Removes a tag the incident carries.
pub fn remove_tag(record: &mut IncidentRecord, tag: &str, actor: &str, at: Timestamp) -> Result<(), EditError> {
    check_editable(record)?;
    let tag = tag.trim().to_ascii_lowercase();
    let index =
        record.incident.tags.iter().position(|t| *t == tag).ok_or_else(|| EditError::UnknownTag(tag.clone()))?;
    record.incident.tags.remove(index);
    record.log(at, actor, TimelineAction::TagRemoved, tag);
    Ok(())
}

/// Adds a comment and returns its number. Comments are accepted on closed
/// incidents too (post-incident review), but not on merged ones.
pub fn add_comment(record: &mut IncidentRecord, text: &str, actor: &str, at: Timestamp) -> Result<u32, EditError> {
    if let Some(into) = record.merged_into {
        return Err(EditError::MergedInto { into });
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(EditError::EmptyComment);
    }
    if text.len() > MAX_COMMENT_LEN {
        return Err(EditError::CommentTooLong { len: text.len(), max: MAX_COMMENT_LEN });
    }
    let number = record.comments.last().map_or(1, |c| c.number + 1);
    record.comments.push(Comment { number, at, author: actor.to_owned(), text: text.to_owned() });
    record.log(at, actor, TimelineAction::Commented, format!("comment #{number}"));
    Ok(number)
}

#[cfg(test)]
mod tests {
    use safecare_model::Incident;

    use super::*;

    #[test]
    fn the_exercise_mark_is_set_logged_and_removed_once() {
        let at: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let mut record = IncidentRecord::new(Incident::new("Drill", Severity::High), "alice", at);
        set_exercise(&mut record, true, "alice", at).unwrap();
        assert!(record.exercise);
        assert_eq!(record.timeline.last().map(|e| e.action), Some(TimelineAction::MarkedExercise));
        assert_eq!(set_exercise(&mut record, true, "alice", at), Err(EditError::SameExercise(true)));
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["exercise"], true);
        set_exercise(&mut record, false, "bob", at).unwrap();
        assert!(!record.exercise);
        assert!(serde_json::to_value(&record).unwrap().get("exercise").is_none());
    }
}
