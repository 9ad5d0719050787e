//! The incident page's playbook checklist: each playbook's tasks with their
//! state and approval, the buttons to approve, complete or skip one, and
//! one form to skip the rest of a playbook with one note.

use std::collections::HashMap;

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_respond::{IncidentRecord, TaskState, TaskStatus};

use super::incident::word;

pub(super) fn checklist(
    record: &IncidentRecord,
    api: &str,
    write: bool,
    titles: &HashMap<&str, String>,
    locale: &Locale,
) -> Markup {
    html! {
        section.checklist aria-labelledby="tasks-h" {
            h2 id="tasks-h" { (locale.text("incident-checklist")) }
            @if record.tasks.is_empty() {
                p.calm { (locale.text("incident-no-playbook")) }
            }
            @for playbook in &record.playbooks {
                @let tasks: Vec<&TaskState> = record.tasks.iter().filter(|t| &t.playbook == playbook).collect();
                @let done = tasks.iter().filter(|t| !t.is_pending()).count();
                @let title = titles.get(playbook.as_str()).map_or(playbook.as_str(), String::as_str);
                table.tasks data-playbook=(playbook) {
                    caption {
                        strong { (title) } " — "
                        (locale.text_with("incident-tasks-done", &[("done", done.into()), ("total", tasks.len().into())]))
                    }
                    thead {
                        tr {
                            th scope="col" { (locale.text("incident-task")) }
                            th scope="col" { (locale.text("incident-role")) }
                            th scope="col" { (locale.text("incident-state")) }
                            th scope="col" { (locale.text("incident-approval")) }
                            @if write { th scope="col" { (locale.text("incident-act")) } }
                        }
                    }
                    tbody {
                        @for task in &tasks { (task_row(task, api, write, locale)) }
                    }
                }
                @if write && done < tasks.len() {
                    (skip_rest(api, playbook, title, tasks.len() - done, locale))
                }
            }
        }
    }
}

/// One note for every pending task of a playbook: what a real incident
/// handled without some of its steps needs, instead of one skip per task.
fn skip_rest(api: &str, playbook: &str, title: &str, pending: usize, locale: &Locale) -> Markup {
    let extra = serde_json::json!({ "playbook": playbook }).to_string();
    html! {
        details.skip-rest data-skip-rest=(playbook) {
            summary { (locale.text_with("incident-skip-rest-open", &[("count", pending.into())])) }
            form.api data-url={ (api) "/tasks/skip" } data-method="POST" data-extra=(extra) {
                label {
                    (locale.text_with("incident-skip-rest-reason", &[("playbook", title.into())]))
                    " " input name="note" required placeholder=(locale.text("incident-skip-hint"));
                }
                button type="submit" { (locale.text("incident-skip-rest")) }
            }
        }
    }
}

fn task_row(task: &TaskState, api: &str, write: bool, locale: &Locale) -> Markup {
    let url = format!("{api}/tasks/{}/{}", task.playbook, task.task.id);
    let body = |action: &str| serde_json::json!({ "action": action }).to_string();
    let approval_pending = task.task.requires_approval.is_some() && task.approval.is_none();
    let role = |name: &str| word(locale, "incident-task-role-", name);
    html! {
        tr data-task=(task.key()) class={ "task-" (state_name(&task.status)) } {
            td {
                (task.title(locale))
                @if !task.task.instructions.is_empty() { details { summary { (locale.text("incident-how")) } p { (task.task.instructions) } } }
                @if !task.task.after.is_empty() { small.after { (locale.text_with("incident-after", &[("tasks", task.task.after.join(", ").into())])) } }
            }
            td { (role(task.task.role.as_str())) }
            td {
                @match &task.status {
                    TaskStatus::Pending => span.state { (locale.text("incident-task-pending")) },
                    TaskStatus::Done(s) => {
                        span.state { (locale.text("incident-task-done")) } br;
                        small { (locale.text_with("incident-by", &[("by", s.by.as_str().into())])) ", " (locale.time(s.at)) @if !s.note.is_empty() { ": " (s.note) } }
                    },
                    TaskStatus::Skipped(s) => {
                        span.state { (locale.text("incident-task-skipped")) } br;
                        small { (locale.text_with("incident-by", &[("by", s.by.as_str().into())])) ": " (s.note) }
                    },
                }
            }
            td {
                @match (&task.task.requires_approval, &task.approval) {
                    (None, _) => span.calm { (locale.text("incident-approval-not-needed")) },
                    (Some(r), None) => span.awaiting { (locale.text_with("incident-approval-needed", &[("role", role(r.as_str()).into())])) },
                    (Some(r), Some(s)) => {
                        span { (locale.text_with("incident-approval-given", &[("by", s.by.as_str().into()), ("role", role(r.as_str()).into())])) } br;
                        small { (locale.time(s.at)) @if !s.note.is_empty() { ": " (s.note) } }
                    },
                }
            }
            @if write {
                td.task-actions {
                    @if task.is_pending() {
                        @if approval_pending {
                            button type="button" data-action="api" data-url=(url) data-body=(body("approve")) { (locale.text("incident-approve")) }
                        }
                        button type="button" data-action="api" data-url=(url) data-body=(body("complete")) { (locale.text("incident-complete")) }
                        details.skip-task {
                            summary { (locale.text("incident-skip-open")) }
                            form.api data-url=(url) data-method="POST" data-extra=(body("skip")) {
                                label {
                                    span.visually-hidden { (locale.text_with("incident-skip-reason", &[("task", task.title(locale).into())])) }
                                    input name="note" placeholder=(locale.text("incident-skip-hint")) required;
                                }
                                button type="submit" { (locale.text("incident-skip")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn state_name(status: &TaskStatus) -> &'static str {
    match status {
        TaskStatus::Pending => "pending",
        TaskStatus::Done(_) => "done",
        TaskStatus::Skipped(_) => "skipped",
    }
}
