//! The incident page's CAP section: the messages to first responders with
//! their preview (areas and XML), a crisis manager's approve and discard
//! buttons on a draft, and the form that drafts the next message with the
//! mapping's defaults filled in. Everything goes through the CAP API; the
//! page decides nothing the API would not.

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_respond::cap::{Area, CapDraftError, CapMessage, CapSeverity, CapState, Certainty, MsgType, Urgency};
use safecare_respond::cap_draft::{DraftSettings, announced_threats};
use strum::VariantArray;

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
    /// The reader's language and zone.
    pub locale: &'a Locale,
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
    let locale = view.locale;
    html! {
        section.cap id="cap" aria-labelledby="cap-h" {
            h2 id="cap-h" { (locale.text("cap-heading")) }
            @if view.messages.is_empty() {
                p.calm { (locale.text("cap-none-yet")) }
            }
            @for message in view.messages {
                (message_view(message, view))
            }
            @if view.may_draft {
                @match (&view.defaults, pending) {
                    (_, Some(draft)) => p.calm { (locale.text_with("cap-draft-waits", &[("identifier", draft.alert.identifier.as_str().into())])) },
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
    let locale = view.locale;
    html! {
        article.cap-message data-cap=(identifier) data-state=(message.state.as_str()) {
            h3 {
                (message.alert.msg_type.as_str()) " " (identifier) " "
                span class={ "cap-state cap-" (message.state.as_str()) } { (state_word(locale, message.state)) }
            }
            p {
                (locale.text_with("cap-drafted-by", &[("by", message.drafted_by.as_str().into()), ("time", locale.time(message.drafted_at).into())]))
                @if let (Some(by), Some(at)) = (&message.approved_by, message.approved_at) { "; " (locale.text_with("cap-approved-by", &[("by", by.as_str().into()), ("time", locale.time(at).into())])) }
                @if let Some(by) = &message.discarded_by { "; " (locale.text_with("cap-discarded-by", &[("by", by.as_str().into())])) }
                "."
            }
            @if draft {
                @if view.may_approve {
                    div.buttons role="group" aria-label=(locale.text_with("cap-decide-on", &[("identifier", identifier.as_str().into())])) {
                        button type="button" data-action="api" data-url={ (url) "/approve" } { (locale.text("cap-approve")) }
                        button type="button" data-action="api" data-url={ (url) "/discard" } { (locale.text("cap-discard")) }
                    }
                } @else {
                    p.awaiting { (locale.text("cap-pending")) }
                    @if view.may_draft {
                        div.buttons { button type="button" data-action="api" data-url={ (url) "/discard" } { (locale.text("cap-discard")) } }
                    }
                }
            }
            @if message.state != CapState::Discarded {
                (preview(locale, message, draft))
            }
        }
    }
}

/// A message's state as the reader's language names it.
fn state_word(locale: &Locale, state: CapState) -> String {
    match state {
        CapState::Draft => locale.text("cap-state-draft"),
        CapState::Approved => locale.text("cap-state-approved"),
        CapState::Discarded => locale.text("cap-state-discarded"),
    }
}

fn preview(locale: &Locale, message: &CapMessage, open: bool) -> Markup {
    let areas: Vec<&Area> = message.alert.infos.first().map(|i| i.areas.iter().collect()).unwrap_or_default();
    let languages: Vec<&str> = message.alert.infos.iter().filter_map(|i| i.language.as_deref()).collect();
    let xml = message.alert.to_xml();
    html! {
        details.cap-preview open[open] {
            summary { (locale.text_with("cap-preview", &[("languages", languages.join(", ").into())])) }
            // The info in the reader's language when the message has one.
            @if let Some(info) = message.alert.infos.iter().find(|i| i.language.as_deref().is_some_and(|l| l.split('-').next() == Some(locale.language().tag()))).or(message.alert.infos.first()) {
                dl.facts {
                    dt { (locale.text("cap-event")) } dd { (info.event) }
                    dt { (locale.text("cap-urgency-severity-certainty")) } dd { (info.urgency.as_str()) ", " (info.severity.as_str()) ", " (info.certainty.as_str()) }
                    dt { (locale.text("cap-instruction")) } dd { (info.instruction.clone().unwrap_or_else(|| locale.text("cap-none"))) }
                }
            }
            @if areas.is_empty() { p.calm { (locale.text("cap-no-area")) } }
            @for area in areas {
                div.cap-area {
                    strong { (area.area_desc) }
                    @for polygon in &area.polygons {
                        div { (locale.text("cap-polygon")) " " code.cap-polygon { (safecare_respond::cap::polygon_text(polygon)) } }
                    }
                    @for circle in &area.circles {
                        div { (locale.text("cap-circle")) " " code { (safecare_respond::cap::circle_text(circle)) } }
                    }
                }
            }
            @match xml {
                Ok(xml) => pre.cap-xml tabindex="0" { (xml) },
                Err(err) => p.error { (locale.text_with("cap-xml-error", &[("reason", err.to_string().into())])) },
            }
        }
    }
}

fn form(view: &CapSection<'_>, defaults: &DraftSettings) -> Markup {
    let locale = view.locale;
    let types = next_types(view.messages);
    if types.is_empty() {
        return html! { p.calm { (locale.text("cap-cancelled")) } };
    }
    let choice = |name: &str, label: String, values: &[&str], chosen: &str| {
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
        form.api.cap-form id="cap-form" data-url={ (view.api) "/cap" } data-method="POST" aria-label=(locale.text("cap-form-label")) {
            h3 { (locale.text("cap-form-heading")) }
            div.cap-choices {
                (choice("msg_type", locale.text("cap-type"), &kinds, kinds[0]))
                (choice("threat", locale.text("cap-event"), &threats, &defaults.threat))
                (choice("urgency", locale.text("cap-urgency"), &urgencies, defaults.urgency.as_str()))
                (choice("severity", locale.text("cap-severity"), &severities, defaults.severity.as_str()))
                (choice("certainty", locale.text("cap-certainty"), &certainties, defaults.certainty.as_str()))
            }
            label.cap-wide { (locale.text("cap-instruction-label"))
                textarea name="instruction" rows="3" maxlength="2000" { (defaults.instruction.as_deref().unwrap_or("")) }
            }
            label.cap-wide { (locale.text("cap-languages-label"))
                input name="languages" data-list value=(defaults.languages.join(", ")) required;
            }
            label.cap-wide { (locale.text("cap-note-label"))
                input name="note" data-empty-null maxlength="500";
            }
            p.calm { (locale.text("cap-form-help")) }
            button type="submit" { (locale.text("cap-submit")) }
        }
    }
}
