//! Links between the dashboard's pages: every alert, event, incident, asset,
//! rule and place shown anywhere is one click from its own page. Pages call
//! these instead of writing paths, so an id never appears as bare text.

use maud::{Markup, html};
use safecare_model::{AlertId, Event, EventId, IncidentId, Location};

/// The page of one alert.
pub fn alert_href(id: AlertId) -> String {
    format!("/alerts/{id}")
}

/// The page of one event.
pub fn event_href(id: EventId) -> String {
    format!("/events/{id}")
}

/// The page of one incident.
pub fn incident_href(id: IncidentId) -> String {
    format!("/incidents/{id}")
}

/// The page of one inventory asset.
pub fn asset_href(id: &str) -> String {
    format!("/assets/{}", encode(id))
}

/// A rule's row on the rules page (its anchor is `rule-{id}`).
pub fn rule_href(id: &str) -> String {
    format!("/rules#{}", rule_anchor(id))
}

/// The anchor of a rule's row on the rules page.
pub fn rule_anchor(id: &str) -> String {
    format!("rule-{}", encode(id))
}

/// The floor plan showing a place, when it names a building and a floor.
pub fn plan_href(location: &Location) -> Option<String> {
    let building = location.building.as_deref()?;
    let floor = location.floor.as_deref()?;
    Some(format!("/plan?building={}&floor={}", encode(building), encode(floor)))
}

/// An event by its message (its shortened id when it has none), linked to
/// its page.
pub fn event_link(event: &Event) -> Markup {
    let text = if event.message.trim().is_empty() { short(&event.id) } else { event.message.clone() };
    to(&event_href(event.id), &text, &event.id)
}

/// An id shortened for reading (the first eight characters); the link
/// carries the whole id.
pub fn short(id: &impl std::fmt::Display) -> String {
    let full = id.to_string();
    full.get(..8).map_or(full.clone(), |head| format!("{head}…"))
}

/// A link with `text`, the full id in its tooltip.
pub fn to(href: &str, text: &str, id: &impl std::fmt::Display) -> Markup {
    html! { a href=(href) title=(id.to_string()) { (text) } }
}

/// A place, linked to its floor plan when the plan can show it.
pub fn place(location: &Location) -> Markup {
    let path = location.path();
    html! {
        @match plan_href(location) {
            Some(href) => a href=(href) { (path) },
            None => (path),
        }
    }
}

/// Which page the ids in a piece of text lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// Alert ids.
    Alert,
    /// Incident ids.
    Incident,
}

/// `text` with every UUID in it turned into a link to its page, shown
/// shortened, so recorded details such as "alert 3f…: …" or "merged into
/// 9a…" lead to what they name.
pub fn linked_ids(text: &str, kind: IdKind) -> Markup {
    let mut parts: Vec<(&str, Option<AlertId>)> = Vec::new();
    let mut rest = text;
    while let Some((at, id)) = next_uuid(rest) {
        parts.push((&rest[..at], None));
        parts.push((&rest[at..at + UUID_LEN], Some(id)));
        rest = &rest[at + UUID_LEN..];
    }
    parts.push((rest, None));
    html! {
        @for (part, id) in parts {
            @match id {
                Some(id) => {
                    @let href = match kind {
                        IdKind::Alert => alert_href(id),
                        IdKind::Incident => incident_href(IncidentId(id.0)),
                    };
                    (to(&href, &short(&id), &id))
                }
                None => (part),
            }
        }
    }
}

const UUID_LEN: usize = 36;

/// The first hyphenated UUID in `text` and where it starts (read as an
/// alert id; the caller knows what it names).
fn next_uuid(text: &str) -> Option<(usize, AlertId)> {
    text.char_indices().filter(|(_, c)| c.is_ascii_hexdigit()).find_map(|(at, _)| {
        let candidate = text.get(at..at + UUID_LEN)?;
        let starts_word = !text[..at].ends_with(|c: char| c.is_ascii_alphanumeric());
        let ends_word = !text[at + UUID_LEN..].starts_with(|c: char| c.is_ascii_alphanumeric());
        let hyphenated = candidate.as_bytes()[8] == b'-';
        (starts_word && ends_word && hyphenated).then(|| candidate.parse::<AlertId>().ok()).flatten().map(|id| (at, id))
    })
}

/// Percent-encodes a path segment or query value (everything but
/// unreserved characters).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_text_become_links() {
        let id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
        let html = linked_ids(&format!("alert {id}: door forced"), IdKind::Alert).into_string();
        assert_eq!(html, format!("alert <a href=\"/alerts/{id}\" title=\"{id}\">3f2504e0…</a>: door forced"));
        let html = linked_ids(&format!("{id} \"Ransomware\""), IdKind::Incident).into_string();
        assert!(html.starts_with(&format!("<a href=\"/incidents/{id}\"")), "{html}");
        assert_eq!(linked_ids("no id here", IdKind::Alert).into_string(), "no id here");
        assert_eq!(linked_ids(&format!("x{id}"), IdKind::Alert).into_string(), format!("x{id}"));
    }

    #[test]
    fn places_link_to_their_floor_plan() {
        let mut location = Location { site: Some("hq".into()), building: Some("main".into()), ..Default::default() };
        assert_eq!(plan_href(&location), None);
        assert_eq!(place(&location).into_string(), "hq/main");
        location.floor = Some("2 east".into());
        assert_eq!(plan_href(&location).as_deref(), Some("/plan?building=main&floor=2%20east"));
        assert_eq!(rule_href("win/psexec"), "/rules#rule-win%2Fpsexec");
    }
}
