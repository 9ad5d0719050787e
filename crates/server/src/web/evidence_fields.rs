//! A record's raw fields as the evidence pages show them: flattened to
//! dotted names, pseudonyms shown as tokens, with the re-identification
//! request (`POST /api/v1/reidentify`) for those allowed to make it.

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_privacy::bare_token;
use serde_json::{Map, Value};

/// The fields as (dotted name, value as text), in the source's order;
/// nested objects and lists are walked down to their leaves.
pub fn flatten(fields: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in fields {
        leaves(name.clone(), value, &mut out);
    }
    out
}

fn leaves(name: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(key, v)| leaves(format!("{name}.{key}"), v, out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| leaves(format!("{name}[{i}]"), v, out)),
        Value::String(text) => out.push((name, text.clone())),
        Value::Null => out.push((name, String::new())),
        other => out.push((name, other.to_string())),
    }
}

/// What the re-identification form offers: whether the reader may ask, and
/// the incident a request would serve (filled in when known).
pub struct Reveal<'a> {
    /// The reader holds the re-identify permission.
    pub allowed: bool,
    /// The incident the page belongs to, if any.
    pub incident: Option<String>,
    /// The reader's language.
    pub locale: &'a Locale,
}

/// The fields as a table; a value holding a pseudonym is marked as a token,
/// with the request to re-identify it when allowed.
pub fn table(fields: &[(String, String)], reveal: &Reveal<'_>) -> Markup {
    let locale = reveal.locale;
    html! {
        table.fields {
            caption { (locale.text("evidence-fields-caption")) }
            thead { tr { th scope="col" { (locale.text("evidence-field")) } th scope="col" { (locale.text("evidence-value")) } } }
            tbody {
                @for (name, value) in fields {
                    tr {
                        th scope="row" { code { (name) } }
                        td { (value_cell(value, reveal)) }
                    }
                }
            }
        }
    }
}

/// A value, with its pseudonym (if any) marked and offered for
/// re-identification.
pub fn value_cell(value: &str, reveal: &Reveal<'_>) -> Markup {
    let locale = reveal.locale;
    // Addresses are their own tokens and look like any address: only the
    // prefixed tokens of people are offered here.
    let token = bare_token(value).filter(|t| t.contains('_'));
    html! {
        @match token {
            None => (value),
            Some(token) => {
                code.token title=(locale.text("evidence-token-hint")) { (value) }
                @if reveal.allowed {
                    details.reidentify {
                        summary { (locale.text("evidence-reidentify")) }
                        form.reveal data-url="/api/v1/reidentify" {
                            input type="hidden" name="token" value=(token);
                            label { (locale.text("evidence-reidentify-reason")) " " input name="reason" required; }
                            label { (locale.text("evidence-reidentify-incident")) " "
                                input name="incident" value=[reveal.incident.as_deref()] data-empty-null;
                            }
                            label { (locale.text("evidence-reidentify-approver")) " " input name="approver" data-empty-null; }
                            label { (locale.text("evidence-reidentify-approver-password")) " "
                                input name="approver_password" type="password" data-empty-null;
                            }
                            button type="submit" { (locale.text("evidence-reidentify-send")) }
                            output.revealed aria-live="polite" {}
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_fields_flatten_to_dotted_names() {
        let fields = json!({"user": {"name": "usr_x"}, "ports": [80, 443], "door": "D-12", "gone": null});
        let flat = flatten(fields.as_object().unwrap());
        let mut names: Vec<&str> = flat.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["door", "gone", "ports[0]", "ports[1]", "user.name"]);
        assert!(flat.contains(&("ports[1]".to_owned(), "443".to_owned())));
        assert!(flat.contains(&("gone".to_owned(), String::new())));
    }
}
