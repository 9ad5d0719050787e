//! The incident page's forms that change the incident itself: closing it
//! as a false positive, benign or a duplicate in one step; its title,
//! severity and tags; merging it into another incident and splitting
//! alerts off into a new one. Each is a call of the JSON API (`app.js`).

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_model::{Alert, Severity};
use safecare_respond::{Disposition, IncidentRecord};
use strum::IntoEnumIterator;

use super::incident::word;

/// What the forms need to know besides the reader.
pub(super) struct Editing<'a> {
    /// The incident.
    pub record: &'a IncidentRecord,
    /// Its alerts, to choose the ones to split off.
    pub alerts: &'a [Alert],
    /// `/api/v1/incidents/{id}`.
    pub api: &'a str,
    /// Other open incidents (id, title), to merge into or name as original.
    pub others: &'a [(String, String)],
}

pub(super) fn edit_forms(editing: &Editing<'_>, locale: &Locale) -> Markup {
    html! {
        section.incident-edit aria-label=(locale.text("incident-edit-heading")) {
            (close_form(editing, locale))
            (edit_form(editing, locale))
        }
    }
}

fn others_select(name: &str, id: &str, others: &[(String, String)], locale: &Locale) -> Markup {
    html! {
        select id=(id) name=(name) {
            option value="" { (locale.text("incident-none")) }
            @for (other, title) in others { option value=(other) { (title) " (" (other) ")" } }
        }
    }
}

fn close_form(editing: &Editing<'_>, locale: &Locale) -> Markup {
    html! {
        details.close-incident {
            summary { (locale.text("incident-close-heading")) }
            p.calm { (locale.text("incident-close-explain")) }
            form.api data-url={ (editing.api) "/close" } data-method="POST" {
                label for="close-disposition" { (locale.text("incident-close-disposition")) }
                select id="close-disposition" name="disposition" {
                    @for d in Disposition::iter() {
                        option value=(d.as_str()) { (word(locale, "incident-disposition-", d.as_str())) }
                    }
                }
                label for="close-reason" { (locale.text("incident-close-reason")) }
                input id="close-reason" name="reason" required placeholder=(locale.text("incident-close-reason-hint"));
                label for="close-original" { (locale.text("incident-close-duplicate-of")) }
                (others_select("duplicate_of", "close-original", editing.others, locale))
                small.calm { " " (locale.text("incident-close-duplicate-hint")) }
                button type="submit" { (locale.text("incident-close-submit")) }
            }
        }
    }
}

fn edit_form(editing: &Editing<'_>, locale: &Locale) -> Markup {
    let incident = &editing.record.incident;
    let api = editing.api;
    html! {
        details.edit-incident {
            summary { (locale.text("incident-edit-heading")) }
            form.api data-url=(api) data-method="PATCH" {
                label for="edit-title" { (locale.text("incident-edit-title")) }
                input id="edit-title" name="title" required value=(incident.title);
                button type="submit" { (locale.text("incident-edit-rename")) }
            }
            form.api data-url=(api) data-method="PATCH" {
                label for="edit-severity" { (locale.text("incident-edit-severity")) }
                select id="edit-severity" name="severity" {
                    @for s in Severity::ALL {
                        option value=(s.as_str()) selected[s == incident.severity] { (s.as_str()) }
                    }
                }
                label for="edit-severity-reason" { (locale.text("incident-edit-severity-reason")) }
                input id="edit-severity-reason" name="severity_reason";
                button type="submit" { (locale.text("incident-edit-set-severity")) }
            }
            form.api data-url=(api) data-method="PATCH" {
                label for="edit-tags" { (locale.text("incident-edit-add-tags")) }
                input id="edit-tags" name="add_tags" data-list required placeholder=(locale.text("incident-edit-tags-hint"));
                button type="submit" { (locale.text("incident-edit-add")) }
            }
            @if !incident.tags.is_empty() {
                ul.tags.removable {
                    @for tag in &incident.tags {
                        li {
                            (tag) " "
                            button type="button" data-action="api" data-method="PATCH" data-url=(api)
                                data-body=(serde_json::json!({ "remove_tags": [tag] }).to_string())
                                aria-label=(locale.text_with("incident-edit-remove-tag", &[("tag", tag.as_str().into())])) { "×" }
                        }
                    }
                }
            }
            @if !editing.others.is_empty() {
                form.api data-url={ (api) "/merge" } data-method="POST" {
                    label for="merge-into" { (locale.text("incident-merge-into")) }
                    (others_select("into", "merge-into", editing.others, locale))
                    button type="submit" { (locale.text("incident-merge")) }
                }
            }
            @if editing.alerts.len() > 1 {
                form.api.split data-url={ (api) "/split" } data-method="POST" {
                    fieldset {
                        legend { (locale.text("incident-split-alerts")) }
                        @for alert in editing.alerts {
                            label.split-alert {
                                input type="checkbox" name="alerts" value=(alert.id) data-checked-list;
                                " " (alert.description) " "
                                small { (locale.time(alert.create_time)) }
                            }
                        }
                    }
                    label for="split-title" { (locale.text("incident-split-title")) }
                    input id="split-title" name="title" required;
                    button type="submit" { (locale.text("incident-split")) }
                }
            }
        }
    }
}
