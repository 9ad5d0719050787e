//! The words `app.js` writes into pages, in the reader's language: handed
//! to the script as one JSON object on `<body data-messages>`, so the
//! catalogues stay on the server. A value the script fills in is left as
//! `{name}` for it to replace.

use safecare_i18n::Locale;
use serde_json::{Map, Value};

/// The script's messages for `locale`, as JSON.
pub fn messages(locale: &Locale) -> String {
    let slot = |name: &str| format!("{{{name}}}");
    let entries = [
        ("working", locale.text("script-working")),
        ("done", locale.text("script-done")),
        ("refused", locale.text_with("script-refused", &[("status", slot("status").into())])),
        ("unreachable", locale.text("script-unreachable")),
        (
            "incidentChanged",
            locale.text_with(
                "script-incident-changed",
                &[("action", slot("action").into()), ("actor", slot("actor").into())],
            ),
        ),
        ("overdue", locale.text_with("time-overdue", &[("span", slot("span").into())])),
        ("left", locale.text_with("time-left", &[("span", slot("span").into())])),
        ("days", locale.text_with("time-days", &[("d", slot("d").into()), ("h", slot("h").into())])),
        ("hours", locale.text_with("time-hours", &[("h", slot("h").into()), ("m", slot("m").into())])),
        ("minutes", locale.text_with("time-minutes", &[("m", slot("m").into())])),
        ("eventsLastHour", locale.text_with("script-events-last-hour", &[("count", slot("count").into())])),
    ];
    let map: Map<String, Value> = entries.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use safecare_i18n::{Language, time_zone};

    #[test]
    fn the_scripts_messages_keep_their_slots_in_every_language() {
        let french: Value =
            serde_json::from_str(&messages(&Locale::new(Language::Fr, time_zone("UTC").unwrap()))).unwrap();
        assert_eq!(french["refused"], "Refusé ({status})");
        assert_eq!(french["overdue"], "en retard de {span}");
        let english: Value = serde_json::from_str(&messages(&Locale::default())).unwrap();
        assert_eq!(
            english["incidentChanged"],
            "This incident changed ({action} by {actor}); reload the page to see it."
        );
    }
}
