//! The incident page's timeline: every recorded change and every alert of
//! the incident, oldest first, with the comment form. Every alert and
//! incident it names links to its page.

use jiff::Timestamp;
use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_model::Alert;
use safecare_respond::{IncidentRecord, TimelineAction, TimelineEntry};

use super::layout::severity;
use super::links::{self, IdKind};

/// One line of the timeline: a recorded change, or an alert at the time it
/// was raised.
struct Line<'a> {
    at: Timestamp,
    actor: &'a str,
    what: What<'a>,
}

enum What<'a> {
    Change { action: TimelineAction, detail: String },
    Alert(&'a Alert),
}

/// A comment's entry records only its number; the page shows its text.
fn with_comment(record: &IncidentRecord, entry: &TimelineEntry) -> String {
    let number = (entry.action == TimelineAction::Commented)
        .then(|| entry.detail.strip_prefix("comment #")?.parse::<u32>().ok())
        .flatten();
    match number.and_then(|n| record.comments.iter().find(|c| c.number == n)) {
        Some(comment) => format!("#{}: {}", comment.number, comment.text),
        None => entry.detail.clone(),
    }
}

/// What the ids in an entry's recorded detail name.
fn ids_in(action: TimelineAction) -> IdKind {
    match action {
        TimelineAction::MergedFrom
        | TimelineAction::MergedInto
        | TimelineAction::SplitFrom
        | TimelineAction::SplitInto => IdKind::Incident,
        _ => IdKind::Alert,
    }
}

fn detail(what: &What<'_>) -> Markup {
    match what {
        What::Change { action, detail } => links::linked_ids(detail, ids_in(*action)),
        What::Alert(alert) => html! {
            a href=(links::alert_href(alert.id)) { (alert.description) }
            " (" (links::place(&alert.safecare.location)) ")"
        },
    }
}

pub(super) fn timeline(record: &IncidentRecord, alerts: &[Alert], api: &str, write: bool, locale: &Locale) -> Markup {
    let mut lines: Vec<Line> = record
        .timeline
        .iter()
        .map(|e| Line {
            at: e.at,
            actor: &e.actor,
            what: What::Change { action: e.action, detail: with_comment(record, e) },
        })
        .chain(alerts.iter().map(|a| Line { at: a.create_time, actor: "detection", what: What::Alert(a) }))
        .collect();
    // Stable: a change and the alert it records keep their order.
    lines.sort_by_key(|l| l.at);
    html! {
        section.timeline aria-labelledby="timeline-h" {
            h2 id="timeline-h" { (locale.text("evidence-timeline")) }
            @if write {
                form.api.comment data-url={ (api) "/comments" } data-method="POST" {
                    label for="comment" { (locale.text("evidence-timeline-comment")) }
                    textarea id="comment" name="text" rows="2" required {}
                    button type="submit" { (locale.text("evidence-timeline-add-comment")) }
                }
            }
            table {
                caption.visually-hidden { (locale.text("evidence-timeline-caption")) }
                thead { tr {
                    th scope="col" { (locale.text("evidence-time")) }
                    th scope="col" { (locale.text("evidence-timeline-actor")) }
                    th scope="col" { (locale.text("evidence-timeline-action")) }
                    th scope="col" { (locale.text("evidence-timeline-detail")) }
                } }
                tbody {
                    @for line in &lines {
                        tr class=[matches!(line.what, What::Alert(_)).then_some("alert-line")] {
                            td { (locale.time(line.at)) }
                            td { (line.actor) }
                            td {
                                @match &line.what {
                                    What::Alert(a) => { (severity(locale, a.severity())) " " (locale.text("evidence-timeline-alert-raised")) },
                                    What::Change { action, .. } => (action.label(locale)),
                                }
                            }
                            td { (detail(&line.what)) }
                        }
                    }
                }
            }
        }
    }
}
