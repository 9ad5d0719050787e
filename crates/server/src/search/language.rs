//! The search language of the events page and `GET /api/v1/events`, one
//! string: free words, each found as a word or the start of one, and
//! `field:value` conditions, every one of which must hold.
//!
//! `user:alice host:ws-12 EventID:4625 door:pharmacy-1 vssadmin shadow`
//!
//! A value may be quoted (`message:"delete shadows"`), list alternatives
//! (`user:alice,bob`) and end in `*` to match by its start (`host:ws-*`).
//! `domain:`, `severity:` (at least), `source:` and `location:` (the place
//! and everything in it) select on the event's core; `user:`, `host:`,
//! `door:` and `eventid:` each stand for the field names sources commonly
//! use for that (host also matches the event's asset); any other name is
//! the name of one of the event's own fields, in any case.

use safecare_model::{Domain, Severity};

use super::SearchError;

/// A parsed search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The free words.
    pub words: Vec<String>,
    /// The conditions, in the order typed.
    pub conditions: Vec<Condition>,
}

/// One `field:value` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `domain:physical`.
    Domain(Domain),
    /// `severity:high`: at least this severity.
    Severity(Severity),
    /// `source:doors`.
    Source(String),
    /// `location:hq/main/2`.
    Location(String),
    /// A condition on the event's own fields.
    Field(Field),
}

/// A condition on the event's own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name as typed (`EventID`).
    pub key: String,
    /// The field names it stands for, lower case.
    pub names: Vec<String>,
    /// The accepted values.
    pub values: Vec<String>,
    /// Whether the name means a person's account (`user:`), whose values
    /// are pseudonymised as user names whatever the field is called.
    pub account: bool,
}

/// The field names each shorthand stands for (lower case).
const ALIASES: &[(&str, &[&str])] = &[
    (
        "user",
        &[
            "user",
            "username",
            "user_name",
            "user.name",
            "targetusername",
            "subjectusername",
            "samaccountname",
            "accountname",
            "userprincipalname",
            "suser",
            "duser",
            "person",
        ],
    ),
    ("host", &["asset", "host", "hostname", "host.name", "computer", "computername", "workstationname", "device"]),
    ("door", &["door", "door_id", "doorid", "door_name", "reader"]),
    ("eventid", &["eventid", "event_id", "event.code"]),
];

/// Parses a search string.
pub fn parse(text: &str) -> Result<Parsed, SearchError> {
    let mut parsed = Parsed::default();
    for token in tokens(text)? {
        match token.key {
            Some(key) => parsed.conditions.push(condition(&key, &token.value)?),
            None => parsed.words.extend(token.value.split_whitespace().map(str::to_owned)),
        }
    }
    Ok(parsed)
}

fn condition(key: &str, value: &str) -> Result<Condition, SearchError> {
    let lower = key.to_lowercase();
    if value.is_empty() {
        return Err(SearchError::EmptyValue { field: key.to_owned() });
    }
    Ok(match lower.as_str() {
        "domain" => {
            Condition::Domain(value.parse().map_err(|_| SearchError::UnknownDomain { value: value.to_owned() })?)
        }
        "severity" => {
            Condition::Severity(value.parse().map_err(|_| SearchError::UnknownSeverity { value: value.to_owned() })?)
        }
        "source" => Condition::Source(value.to_owned()),
        "location" => Condition::Location(value.to_owned()),
        _ => {
            let names = ALIASES
                .iter()
                .find(|(alias, _)| *alias == lower)
                .map_or_else(|| vec![lower.clone()], |(_, names)| names.iter().map(|n| (*n).to_owned()).collect());
            let values: Vec<String> =
                value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
            if values.is_empty() {
                return Err(SearchError::EmptyValue { field: key.to_owned() });
            }
            Condition::Field(Field { key: key.to_owned(), names, values, account: lower == "user" })
        }
    })
}

/// One whitespace-separated piece: a word (or quoted words), or a
/// condition.
struct Token {
    key: Option<String>,
    value: String,
}

fn tokens(text: &str) -> Result<Vec<Token>, SearchError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || c.is_control()).is_some() {}
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut raw = String::new();
        let mut quoted = false;
        let mut key = None;
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    quoted = true;
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '"' {
                            closed = true;
                            break;
                        }
                        raw.push(c);
                    }
                    if !closed {
                        return Err(SearchError::UnclosedQuote);
                    }
                }
                ':' if key.is_none() && !quoted && is_field_name(&raw) => key = Some(std::mem::take(&mut raw)),
                c if c.is_whitespace() || c.is_control() => break,
                c => raw.push(c),
            }
        }
        out.push(Token { key, value: raw });
    }
}

/// A field name starts with a letter and holds letters, digits, `_`, `.`
/// and `-` only (so `12:30` and `C:\Windows` stay words).
fn is_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(parsed: &Parsed, i: usize) -> &Field {
        match &parsed.conditions[i] {
            Condition::Field(f) => f,
            other => panic!("not a field condition: {other:?}"),
        }
    }

    #[test]
    fn words_and_several_field_conditions() {
        let p = parse("vssadmin user:alice host:ws-12 EventID:4625 door:pharmacy-1 shadow").unwrap();
        assert_eq!(p.words, ["vssadmin", "shadow"]);
        assert_eq!(p.conditions.len(), 4);
        assert!(field(&p, 0).account);
        assert!(field(&p, 0).names.contains(&"targetusername".to_owned()));
        assert_eq!(field(&p, 0).values, ["alice"]);
        assert!(field(&p, 1).names.contains(&"asset".to_owned()), "host also means the asset");
        assert_eq!(field(&p, 2).key, "EventID");
        assert!(field(&p, 2).names.contains(&"eventid".to_owned()));
        assert!(!field(&p, 2).account);
        assert_eq!(field(&p, 3).values, ["pharmacy-1"]);
    }

    #[test]
    fn unknown_names_are_the_events_own_fields_in_lower_case() {
        let p = parse("CommandLine:*shadow* Image:vssadmin.exe").unwrap();
        assert_eq!(field(&p, 0).names, ["commandline"]);
        assert_eq!(field(&p, 0).values, ["*shadow*"]);
        assert_eq!(field(&p, 1).values, ["vssadmin.exe"]);
    }

    #[test]
    fn quotes_alternatives_and_prefixes() {
        let p = parse(r#"message:"delete shadows" user:alice,bob host:ws-* "two words""#).unwrap();
        assert_eq!(field(&p, 0).values, ["delete shadows"]);
        assert_eq!(field(&p, 1).values, ["alice", "bob"]);
        assert_eq!(field(&p, 2).values, ["ws-*"]);
        assert_eq!(p.words, ["two", "words"]);
    }

    #[test]
    fn core_conditions_are_typed() {
        let p = parse("domain:Physical severity:high source:doors location:hq/main").unwrap();
        assert_eq!(
            p.conditions,
            [
                Condition::Domain(Domain::Physical),
                Condition::Severity(Severity::High),
                Condition::Source("doors".into()),
                Condition::Location("hq/main".into()),
            ]
        );
    }

    #[test]
    fn colons_that_are_not_conditions_stay_words() {
        let p = parse(r"12:30 C:\Windows :x").unwrap();
        assert!(p.conditions.is_empty());
        assert_eq!(p.words, ["12:30", r"C:\Windows", ":x"]);
    }

    #[test]
    fn mistakes_are_named() {
        assert!(matches!(parse("user:"), Err(SearchError::EmptyValue { field }) if field == "user"));
        assert!(matches!(parse("user:,"), Err(SearchError::EmptyValue { .. })));
        assert!(matches!(parse("domain:space"), Err(SearchError::UnknownDomain { value }) if value == "space"));
        assert!(matches!(parse("severity:loud"), Err(SearchError::UnknownSeverity { .. })));
        assert!(matches!(parse("message:\"open"), Err(SearchError::UnclosedQuote)));
        assert_eq!(parse("  \t ").unwrap(), Parsed::default());
    }
}
