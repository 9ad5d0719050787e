//! Event search as the events page and `GET /api/v1/events` share it: the
//! search language ([`language`]), the times of the range ([`when`]), and
//! turning both into the store's [`EventQuery`], with the values of
//! personal fields pseudonymised as ingest pseudonymised them.

pub mod language;
pub mod when;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use safecare_privacy::{FieldKind, PseudonymConfig, Pseudonymiser};
use safecare_store::{EventQuery, FieldFilter};
use serde::{Deserialize, Serialize};

use language::Condition;
use when::End;

/// The accepted forms of a time, as error messages list them.
pub const TIME_FORMS: &str = "2026-12-05, 2026-12-05 14:00, 2026-12-05T14:00:00Z, today, yesterday, -15m, -24h, -7d";

/// Why a search cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A time of the range is none of the accepted forms.
    #[error("invalid {field} {value:?}: write a time as one of {TIME_FORMS}")]
    BadTime {
        /// `from` or `to`.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// The range ends before it starts.
    #[error("the range ends ({to}) before it starts ({from})")]
    EmptyRange {
        /// The start.
        from: Timestamp,
        /// The end.
        to: Timestamp,
    },
    /// A condition without a value (`user:`).
    #[error("the condition {field}: has no value")]
    EmptyValue {
        /// The field name.
        field: String,
    },
    /// `domain:` with no such domain.
    #[error("unknown domain {value:?} (cyber, physical, building or medical)")]
    UnknownDomain {
        /// What was given.
        value: String,
    },
    /// `severity:` with no such severity.
    #[error("unknown severity {value:?} (info, low, medium, high or critical)")]
    UnknownSeverity {
        /// What was given.
        value: String,
    },
    /// A quote was opened and never closed.
    #[error("a quote (\") is not closed")]
    UnclosedQuote,
    /// A saved search's query string does not decode.
    #[error("the query string does not decode: {reason}")]
    BadQueryString {
        /// What the decoder said.
        reason: String,
    },
}

/// What a search was asked with, as text (the page's form or the API's
/// query string).
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    /// The search string.
    pub q: Option<&'a str>,
    /// The range's start.
    pub from: Option<&'a str>,
    /// The range's end.
    pub to: Option<&'a str>,
}

/// A search ready for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// The store's query (its page size and cursor left for the caller).
    pub query: EventQuery,
    /// The personal values the search looks for, as the tokens searched
    /// (`user:usr_1f…`), for the audit chain; never the clear values.
    pub pseudonymised: Vec<String>,
}

/// What a saved search keeps of the events page's query string: the
/// search and its range (relative times stay relative).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The search string.
    #[serde(default)]
    pub q: String,
    /// The range's start as typed.
    #[serde(default)]
    pub from: String,
    /// The range's end as typed.
    #[serde(default)]
    pub to: String,
}

impl Saved {
    /// Reads the search out of a query string, other parameters ignored.
    pub fn from_query_string(query: &str) -> Result<Saved, SearchError> {
        serde_urlencoded::from_str(query.trim_start_matches('?'))
            .map_err(|e| SearchError::BadQueryString { reason: e.to_string() })
    }

    /// The query string that replays it, empty parts left out.
    pub fn query_string(&self) -> String {
        let parts = [("q", &self.q), ("from", &self.from), ("to", &self.to)];
        let kept: Vec<(&str, &str)> =
            parts.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (*k, v.as_str())).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }

    /// Its parts as search inputs.
    pub fn inputs(&self) -> Inputs<'_> {
        Inputs { q: Some(&self.q), from: Some(&self.from), to: Some(&self.to) }
    }
}

/// How personal field values are turned into the tokens ingest stored.
pub struct Personal<'a> {
    /// The fields that hold personal identifiers.
    pub config: &'a PseudonymConfig,
    /// The keyed pseudonymiser ingest uses.
    pub pseudonymiser: &'a Pseudonymiser,
}

/// Builds the store query for `inputs`: times in `zone`, relative ones
/// from `now`.
pub fn build(
    inputs: &Inputs<'_>,
    zone: &TimeZone,
    now: Timestamp,
    personal: &Personal<'_>,
) -> Result<Search, SearchError> {
    let time = |field: &'static str, value: Option<&str>, end| {
        value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| when::parse(v, end, zone, now).ok_or_else(|| SearchError::BadTime { field, value: v.to_owned() }))
            .transpose()
    };
    let from = time("from", inputs.from, End::Start)?;
    let to = time("to", inputs.to, End::End)?;
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(SearchError::EmptyRange { from, to });
    }
    let parsed = language::parse(inputs.q.unwrap_or(""))?;
    let mut query = EventQuery { from, to, ..EventQuery::default() };
    let mut pseudonymised = Vec::new();
    for condition in parsed.conditions {
        match condition {
            Condition::Domain(d) => query.domain = Some(d),
            Condition::Severity(s) => query.min_severity = Some(query.min_severity.map_or(s, |m| m.max(s))),
            Condition::Source(s) => query.source = Some(s),
            Condition::Location(l) => query.location = Some(l),
            Condition::Field(field) => {
                let mut values = field.values.clone();
                for kind in personal.kinds(&field) {
                    for value in field.values.iter().filter(|v| !v.ends_with('*')) {
                        if let Some(token) = personal.pseudonymiser.pseudonymise_value(kind, value)
                            && !values.contains(&token)
                        {
                            pseudonymised.push(format!("{}:{token}", field.key));
                            values.push(token);
                        }
                    }
                }
                query.fields.push(FieldFilter { names: field.names, values });
            }
        }
    }
    query.text = (!parsed.words.is_empty()).then(|| parsed.words.join(" "));
    Ok(Search { query, pseudonymised })
}

impl Personal<'_> {
    /// The kinds of personal identifier the condition's fields hold, by
    /// the pseudonymisation rules of every source (a rule's field matches
    /// by its whole path or its last name).
    fn kinds(&self, field: &language::Field) -> Vec<FieldKind> {
        let mut kinds = Vec::new();
        if field.account {
            kinds.push(FieldKind::User);
        }
        let rules = self.config.rules_for("").into_iter().chain(self.config.sources.values().flatten().cloned());
        for rule in rules {
            let path = rule.field.to_lowercase();
            let last = path.rsplit('.').next().unwrap_or(&path).to_owned();
            if (field.names.contains(&path) || field.names.contains(&last)) && !kinds.contains(&rule.kind) {
                kinds.push(rule.kind);
            }
        }
        kinds
    }
}

/// The bucket of a histogram over `span`: a minute up to two hours, an
/// hour up to three days, a day up to 400 days, then as many days as keep
/// it within 400 bars.
pub fn bucket_for(span: SignedDuration) -> SignedDuration {
    const DAY: i64 = 86_400;
    let secs = span.as_secs().max(1);
    if secs <= 2 * 3600 {
        SignedDuration::from_mins(1)
    } else if secs <= 3 * DAY {
        SignedDuration::from_hours(1)
    } else if secs <= 400 * DAY {
        SignedDuration::from_hours(24)
    } else {
        SignedDuration::from_secs((secs / (400 * DAY) + 1) * DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::{Domain, Severity};
    use safecare_privacy::SecretKey;

    fn personal_test<T>(f: impl FnOnce(&Personal<'_>) -> T) -> T {
        let config = PseudonymConfig::default();
        let key = SecretKey::from_bytes([7; 32]);
        let pseudonymiser = Pseudonymiser::new(&key, &config);
        f(&Personal { config: &config, pseudonymiser: &pseudonymiser })
    }

    fn now() -> Timestamp {
        "2026-12-05T13:30:00Z".parse().unwrap()
    }

    #[test]
    fn a_user_condition_also_searches_the_users_token() {
        personal_test(|personal| {
            let inputs = Inputs { q: Some("user:alice EventID:4625 failed"), ..Inputs::default() };
            let search = build(&inputs, &TimeZone::UTC, now(), personal).unwrap();
            let token = personal.pseudonymiser.pseudonymise_value(FieldKind::User, "alice").unwrap();
            assert!(token.starts_with("usr_"), "{token}");
            assert_eq!(search.query.fields[0].values, ["alice".to_owned(), token.clone()]);
            assert_eq!(search.query.fields[1].values, ["4625"], "an event id is nobody's");
            assert_eq!(search.pseudonymised, [format!("user:{token}")]);
            assert_eq!(search.query.text.as_deref(), Some("failed"));
        });
    }

    #[test]
    fn a_configured_personal_field_is_pseudonymised_by_its_kind() {
        personal_test(|personal| {
            let inputs =
                Inputs { q: Some("TargetUserName:bob recipient:bob@hosp.example host:ws-*"), ..Inputs::default() };
            let search = build(&inputs, &TimeZone::UTC, now(), personal).unwrap();
            assert_eq!(search.query.fields[0].values.len(), 2);
            assert!(search.query.fields[1].values[1].contains("eml_"), "{:?}", search.query.fields[1]);
            assert_eq!(search.query.fields[2].values, ["ws-*"], "a prefix has no token");
        });
    }

    #[test]
    fn times_and_core_conditions_fill_the_query() {
        personal_test(|personal| {
            let inputs = Inputs {
                q: Some("domain:cyber severity:medium severity:low source:dc1 location:hq/main"),
                from: Some("-24h"),
                to: Some(" "),
            };
            let q = build(&inputs, &TimeZone::UTC, now(), personal).unwrap().query;
            assert_eq!(q.from, Some(now() - SignedDuration::from_hours(24)));
            assert_eq!(q.to, None);
            assert_eq!(q.domain, Some(Domain::Cyber));
            assert_eq!(q.min_severity, Some(Severity::Medium), "the stricter minimum");
            assert_eq!(q.source.as_deref(), Some("dc1"));
            assert_eq!(q.location.as_deref(), Some("hq/main"));
        });
    }

    #[test]
    fn bad_times_and_empty_ranges_are_named() {
        personal_test(|personal| {
            let bad = Inputs { from: Some("2026-12-32"), ..Inputs::default() };
            assert_eq!(
                build(&bad, &TimeZone::UTC, now(), personal),
                Err(SearchError::BadTime { field: "from", value: "2026-12-32".into() })
            );
            let err =
                build(&Inputs { to: Some("soon"), ..Inputs::default() }, &TimeZone::UTC, now(), personal).unwrap_err();
            assert!(err.to_string().contains("invalid to \"soon\""), "{err}");
            assert!(err.to_string().contains("-24h"), "the accepted forms are listed: {err}");
            let backwards = Inputs { from: Some("today"), to: Some("yesterday"), ..Inputs::default() };
            assert!(matches!(build(&backwards, &TimeZone::UTC, now(), personal), Err(SearchError::EmptyRange { .. })));
        });
    }

    #[test]
    fn a_saved_search_keeps_the_search_and_its_range() {
        let saved = Saved::from_query_string("?q=user%3Aalice+shadow&from=-24h&to=&after=1.2&preset=x").unwrap();
        assert_eq!(saved, Saved { q: "user:alice shadow".into(), from: "-24h".into(), to: String::new() });
        assert_eq!(saved.query_string(), "q=user%3Aalice+shadow&from=-24h");
        assert_eq!(Saved::from_query_string(&saved.query_string()).unwrap(), saved);
    }

    #[test]
    fn buckets_follow_the_range() {
        assert_eq!(bucket_for(SignedDuration::from_mins(15)), SignedDuration::from_mins(1));
        assert_eq!(bucket_for(SignedDuration::from_hours(24)), SignedDuration::from_hours(1));
        assert_eq!(bucket_for(SignedDuration::from_hours(24 * 30)), SignedDuration::from_hours(24));
        let long = bucket_for(SignedDuration::from_hours(24 * 4000));
        assert!(SignedDuration::from_hours(24 * 4000).as_secs() / long.as_secs() <= 400);
    }
}
