//! The incident page's CAP section: the messages to first responders with
//! their preview (areas and XML), a crisis manager's approve and discard
//! buttons on a draft, and the form that drafts the next message with the
//! mapping's defaults filled in. Everything goes through the CAP API; the
//! page decides nothing the API would not.

use maud::{Markup, html};
use safecare_respond::cap::{Area, CapDraftError, CapMessage, CapSeverity, CapState, Certainty, MsgType, Urgency};
use safecare_respond::cap_draft::{DraftSettings, announced_threats};
use strum::VariantArray;

use super::layout::time;

/// What the section shows, and what the caller may do.
pub struct CapSection<'a> {
    /// The incident's messages, oldest first.
    pub messages: &'a [CapMessage],
    /// The defaults of the next message, or why there is none.
    pub defaults: Result<DraftSettings, CapDraftError>,
    /// `/api/v1/incidents/{id}`.
    pub api: &'a str,
    /// The caller holds `cap:draft`.
    pub may_draft: bool,
    /// The caller holds `cap:approve`.
    pub may_approve: bool,
}

/// The message types the next message may be, given those sent.
pub fn next_types(messages: &[CapMessage]) -> Vec<MsgType> {
    let sent: Vec<&CapMessage> = messages.iter().filter(|m| m.state == CapState::Approved).collect();
    if sent.iter().any(|m| m.alert.msg_type == MsgType::Cancel) {
        Vec::new()
    } else if sent.is_empty() {
        vec![MsgType::Alert]
    } else {
        vec![MsgType::Update, MsgType::Cancel]
    }
}

/// The section, or nothing for an incident that has no message and calls
/// for no outside help.
pub fn section(view: &CapSection<'_>) -> Markup {
    if view.messages.is_empty() && view.defaults.is_err() {
        return html! {};
    }
    let pending = view.messages.iter().find(|m| m.state == CapState::Draft);
    html! {
        section.cap id="cap" aria-labelledby="cap-h" {
            h2 id="cap-h" { "First responders (CAP)" }
            @if view.messages.is_empty() {
                p.calm { "No message to the fire brigade or police yet." }
            }
            @for message in view.messages {
                (message_view(message, view))
            }
            @if view.may_draft {
                @match (&view.defaults, pending) {
                    (_, Some(draft)) => p.calm { "Draft " (draft.alert.identifier) " waits for a crisis manager; the next message can be drafted once it is approved or discarded." },
                    (Err(why), None) => p.calm { (why.to_string()) },
                    (Ok(defaults), None) => (form(view, defaults)),
                }
            }
        }
    }
}

fn message_view(message: &CapMessage, view: &CapSection<'_>) -> Markup {
    let identifier = &message.alert.identifier;
    let url = format!("{}/cap/{identifier}", view.api);
    let draft = message.state == CapState::Draft;
    html! {
        article.cap-message data-cap=(identifier) data-state=(message.state.as_str()) {
            h3 {
                (message.alert.msg_type.as_str()) " " (identifier) " "
                span class={ "cap-state cap-" (message.state.as_str()) } { (message.state.as_str()) }
            }
            p {
                "Drafted by " (message.drafted_by) ", " (time(message.drafted_at))
                @if let (Some(by), Some(at)) = (&message.approved_by, message.approved_at) { "; approved and sent by " (by) ", " (time(at)) }
                @if let Some(by) = &message.discarded_by { "; discarded by " (by) ", never sent" }
                "."
            }
            @if draft {
                @if view.may_approve {
                    div.buttons role="group" aria-label={ "Decide on " (identifier) } {
                        button type="button" data-action="api" data-url={ (url) "/approve" } { "Approve and send" }
                        button type="button" data-action="api" data-url={ (url) "/discard" } { "Discard" }
                    }
                } @else {
                    p.awaiting { "Pending: a crisis manager approves it before it leaves." }
                    @if view.may_draft {
                        div.buttons { button type="button" data-action="api" data-url={ (url) "/discard" } { "Discard" } }
                    }
                }
            }
            @if message.state != CapState::Discarded {
                (preview(message, draft))
            }
        }
    }
}

fn preview(message: &CapMessage, open: bool) -> Markup {
    let areas: Vec<&Area> = message.alert.infos.first().map(|i| i.areas.iter().collect()).unwrap_or_default();
    let languages: Vec<&str> = message.alert.infos.iter().filter_map(|i| i.language.as_deref()).collect();
    let xml = message.alert.to_xml();
    html! {
        details.cap-preview open[open] {
            summary { "Preview: " (languages.join(", ")) }
            @if let Some(info) = message.alert.infos.first() {
                dl.facts {
                    dt { "Event" } dd { (info.event) }
                    dt { "Urgency, severity, certainty" } dd { (info.urgency.as_str()) ", " (info.severity.as_str()) ", " (info.certainty.as_str()) }
                    dt { "Instruction" } dd { (info.instruction.as_deref().unwrap_or("none")) }
                }
            }
            @if areas.is_empty() { p.calm { "No area: the place is not geo-referenced." } }
            @for area in areas {
                div.cap-area {
                    strong { (area.area_desc) }
                    @for polygon in &area.polygons {
                        div { "Polygon: " code.cap-polygon { (safecare_respond::cap::polygon_text(polygon)) } }
                    }
                    @for circle in &area.circles {
                        div { "Circle: " code { (safecare_respond::cap::circle_text(circle)) } }
                    }
                }
            }
            @match xml {
                Ok(xml) => pre.cap-xml tabindex="0" { (xml) },
                Err(err) => p.error { "The XML cannot be written: " (err.to_string()) },
            }
        }
    }
}

fn form(view: &CapSection<'_>, defaults: &DraftSettings) -> Markup {
    let types = next_types(view.messages);
    if types.is_empty() {
        return html! { p.calm { "The messages were cancelled; nothing more follows." } };
    }
    let choice = |name: &str, label: &str, values: &[&str], chosen: &str| {
        html! {
            label { (label) " "
                select name=(name) {
                    @for v in values { option value=(v) selected[*v == chosen] { (v.replace('_', " ")) } }
                }
            }
        }
    };
    let urgencies: Vec<&str> = Urgency::VARIANTS.iter().map(|v| v.as_str()).collect();
    let severities: Vec<&str> = CapSeverity::VARIANTS.iter().map(|v| v.as_str()).collect();
    let certainties: Vec<&str> = Certainty::VARIANTS.iter().map(|v| v.as_str()).collect();
    let threats: Vec<&str> = announced_threats().collect();
    let kinds: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    html! {
        form.api.cap-form id="cap-form" data-url={ (view.api) "/cap" } data-method="POST" aria-label="Draft a CAP message" {
            h3 { "Draft the next message" }
            div.cap-choices {
                (choice("msg_type", "Type", &kinds, kinds[0]))
                (choice("threat", "Event", &threats, &defaults.threat))
                (choice("urgency", "Urgency", &urgencies, defaults.urgency.as_str()))
                (choice("severity", "Severity", &severities, defaults.severity.as_str()))
                (choice("certainty", "Certainty", &certainties, defaults.certainty.as_str()))
            }
            label.cap-wide { "Instruction to responders"
                textarea name="instruction" rows="3" maxlength="2000" { (defaults.instruction.as_deref().unwrap_or("")) }
            }
            label.cap-wide { "Languages (one message part each, e.g. en, fr, nl)"
                input name="languages" data-list value=(defaults.languages.join(", ")) required;
            }
            label.cap-wide { "Note for responders (optional)"
                input name="note" data-empty-null maxlength="500";
            }
            p.calm { "Nothing leaves before a crisis manager approves the draft; the preview shows exactly what will be sent. A Cancel tells responders all clear." }
            button type="submit" { "Draft CAP message" }
        }
    }
}
