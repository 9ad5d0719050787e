//! The catalogues: one Fluent bundle per language, built once from the
//! `.ftl` files compiled into the binary (a hospital's install must never
//! lack a message file).

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use safecare_model::Language;
use strum::IntoEnumIterator;

/// Every catalogue file: its language, its name and its text.
const FILES: &[(Language, &str, &str)] = &[
    (Language::En, "dashboard", include_str!("../locales/en/dashboard.ftl")),
    (Language::Fr, "dashboard", include_str!("../locales/fr/dashboard.ftl")),
    (Language::It, "dashboard", include_str!("../locales/it/dashboard.ftl")),
    (Language::Nl, "dashboard", include_str!("../locales/nl/dashboard.ftl")),
    (Language::En, "guard", include_str!("../locales/en/guard.ftl")),
    (Language::Fr, "guard", include_str!("../locales/fr/guard.ftl")),
    (Language::En, "impact", include_str!("../locales/en/impact.ftl")),
    (Language::Fr, "impact", include_str!("../locales/fr/impact.ftl")),
    (Language::En, "playbooks", include_str!("../locales/en/playbooks.ftl")),
    (Language::Fr, "playbooks", include_str!("../locales/fr/playbooks.ftl")),
    (Language::En, "preferences", include_str!("../locales/en/preferences.ftl")),
    (Language::Fr, "preferences", include_str!("../locales/fr/preferences.ftl")),
    (Language::It, "preferences", include_str!("../locales/it/preferences.ftl")),
    (Language::Nl, "preferences", include_str!("../locales/nl/preferences.ftl")),
    (Language::En, "script", include_str!("../locales/en/script.ftl")),
    (Language::Fr, "script", include_str!("../locales/fr/script.ftl")),
    (Language::It, "script", include_str!("../locales/it/script.ftl")),
    (Language::Nl, "script", include_str!("../locales/nl/script.ftl")),
    (Language::En, "time", include_str!("../locales/en/time.ftl")),
    (Language::Fr, "time", include_str!("../locales/fr/time.ftl")),
    (Language::It, "time", include_str!("../locales/it/time.ftl")),
    (Language::Nl, "time", include_str!("../locales/nl/time.ftl")),
    (Language::En, "assets", include_str!("../locales/en/assets.ftl")),
    (Language::Fr, "assets", include_str!("../locales/fr/assets.ftl")),
    (Language::It, "assets", include_str!("../locales/it/assets.ftl")),
    (Language::Nl, "assets", include_str!("../locales/nl/assets.ftl")),
    (Language::En, "availability", include_str!("../locales/en/availability.ftl")),
    (Language::Fr, "availability", include_str!("../locales/fr/availability.ftl")),
    (Language::It, "availability", include_str!("../locales/it/availability.ftl")),
    (Language::Nl, "availability", include_str!("../locales/nl/availability.ftl")),
    (Language::En, "notifications", include_str!("../locales/en/notifications.ftl")),
    (Language::Fr, "notifications", include_str!("../locales/fr/notifications.ftl")),
    (Language::It, "notifications", include_str!("../locales/it/notifications.ftl")),
    (Language::Nl, "notifications", include_str!("../locales/nl/notifications.ftl")),
    (Language::En, "rules", include_str!("../locales/en/rules.ftl")),
    (Language::Fr, "rules", include_str!("../locales/fr/rules.ftl")),
    (Language::It, "rules", include_str!("../locales/it/rules.ftl")),
    (Language::Nl, "rules", include_str!("../locales/nl/rules.ftl")),
    (Language::En, "login", include_str!("../locales/en/login.ftl")),
    (Language::Fr, "login", include_str!("../locales/fr/login.ftl")),
    (Language::It, "login", include_str!("../locales/it/login.ftl")),
    (Language::Nl, "login", include_str!("../locales/nl/login.ftl")),
    (Language::En, "notify", include_str!("../locales/en/notify.ftl")),
    (Language::Fr, "notify", include_str!("../locales/fr/notify.ftl")),
    (Language::It, "notify", include_str!("../locales/it/notify.ftl")),
    (Language::Nl, "notify", include_str!("../locales/nl/notify.ftl")),
    (Language::En, "cap", include_str!("../locales/en/cap.ftl")),
    (Language::Fr, "cap", include_str!("../locales/fr/cap.ftl")),
    (Language::It, "cap", include_str!("../locales/it/cap.ftl")),
    (Language::Nl, "cap", include_str!("../locales/nl/cap.ftl")),
    (Language::En, "reports", include_str!("../locales/en/reports.ftl")),
    (Language::Fr, "reports", include_str!("../locales/fr/reports.ftl")),
    (Language::En, "responder", include_str!("../locales/en/responder.ftl")),
    (Language::Fr, "responder", include_str!("../locales/fr/responder.ftl")),
    (Language::It, "responder", include_str!("../locales/it/responder.ftl")),
    (Language::Nl, "responder", include_str!("../locales/nl/responder.ftl")),
    (Language::En, "incident", include_str!("../locales/en/incident.ftl")),
    (Language::Fr, "incident", include_str!("../locales/fr/incident.ftl")),
    (Language::En, "evidence", include_str!("../locales/en/evidence.ftl")),
    (Language::Fr, "evidence", include_str!("../locales/fr/evidence.ftl")),
    (Language::En, "search", include_str!("../locales/en/search.ftl")),
    (Language::Fr, "search", include_str!("../locales/fr/search.ftl")),
    (Language::En, "timeline", include_str!("../locales/en/timeline.ftl")),
    (Language::Fr, "timeline", include_str!("../locales/fr/timeline.ftl")),
    (Language::En, "vocabulary", include_str!("../locales/en/vocabulary.ftl")),
    (Language::Fr, "vocabulary", include_str!("../locales/fr/vocabulary.ftl")),
    (Language::It, "vocabulary", include_str!("../locales/it/vocabulary.ftl")),
    (Language::Nl, "vocabulary", include_str!("../locales/nl/vocabulary.ftl")),
    (Language::En, "incidents", include_str!("../locales/en/incidents.ftl")),
    (Language::Fr, "incidents", include_str!("../locales/fr/incidents.ftl")),
];

/// One value given to a message's variable.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    /// Text, inserted as is.
    Str(Cow<'a, str>),
    /// A number; Fluent's plural rules select on it.
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Str(Cow::Borrowed(value))
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Arg::Str(Cow::Owned(value))
    }
}

impl From<usize> for Arg<'_> {
    fn from(value: usize) -> Self {
        // Counts shown to people stay far below 2^53.
        Arg::Num(value as f64)
    }
}

impl From<u32> for Arg<'_> {
    fn from(value: u32) -> Self {
        Arg::Num(f64::from(value))
    }
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        // Counts and hours shown to people stay far below 2^53.
        Arg::Num(value as f64)
    }
}

impl From<f64> for Arg<'_> {
    fn from(value: f64) -> Self {
        Arg::Num(value)
    }
}

/// What is wrong with a catalogue file, found by [`Catalog::problems`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    /// The language of the file.
    pub language: Language,
    /// The file's name.
    pub file: &'static str,
    /// What is wrong.
    pub problem: String,
}

/// The messages of every language.
pub struct Catalog {
    bundles: Vec<(Language, FluentBundle<FluentResource>)>,
    problems: Vec<CatalogProblem>,
}

/// The catalogue compiled into this binary.
pub static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::compiled);

impl Catalog {
    fn compiled() -> Self {
        let mut problems = Vec::new();
        let bundles = Language::iter()
            .map(|language| {
                let id: unic_langid::LanguageIdentifier =
                    language.tag().parse().unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // Fluent wraps every inserted value in Unicode isolation
                // marks by default; in HTML, e-mail and CAP text they are
                // invisible noise that breaks copy, search and tests.
                bundle.set_use_isolating(false);
                for (_, file, text) in FILES.iter().filter(|(l, ..)| *l == language) {
                    let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(partial, errors)| {
                        problems.extend(errors.into_iter().map(|e| CatalogProblem {
                            language,
                            file,
                            problem: format!("syntax: {e:?}"),
                        }));
                        partial
                    });
                    if let Err(errors) = bundle.add_resource(resource) {
                        problems.extend(errors.into_iter().map(|e| CatalogProblem {
                            language,
                            file,
                            problem: format!("{e:?}"),
                        }));
                    }
                }
                (language, bundle)
            })
            .collect();
        Catalog { bundles, problems }
    }

    /// Syntax errors and duplicate ids in the compiled files.
    pub fn problems(&self) -> &[CatalogProblem] {
        &self.problems
    }

    /// Whether `language`'s own catalogue has the message `id`.
    pub fn has(&self, language: Language, id: &str) -> bool {
        self.bundle(language).is_some_and(|b| b.has_message(id))
    }

    /// The message `id` in `language`, with `args` filled in; in English
    /// when that catalogue lacks it, and the id itself when English does
    /// too (logged, so a missing message is seen, never a blank).
    pub fn text(&self, language: Language, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let found = [language, Language::En]
            .into_iter()
            .find_map(|l| self.bundle(l).and_then(|b| b.get_message(id).and_then(|m| m.value()).map(|p| (b, p))));
        let Some((bundle, pattern)) = found else {
            tracing::warn!(message_id = id, "no such message in any catalogue");
            return id.to_owned();
        };
        let fluent_args = (!args.is_empty()).then(|| {
            let mut fa = FluentArgs::new();
            for (name, value) in args {
                match value {
                    Arg::Str(s) => fa.set(*name, FluentValue::from(s.clone().into_owned())),
                    Arg::Num(n) => fa.set(*name, FluentValue::from(*n)),
                }
            }
            fa
        });
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, fluent_args.as_ref(), &mut errors).into_owned();
        if !errors.is_empty() {
            tracing::warn!(message_id = id, ?errors, "a message was formatted with errors");
        }
        text
    }

    /// The ids of every message in `language`'s own files.
    pub fn ids(&self, language: Language) -> Vec<String> {
        let mut ids: Vec<String> = FILES
            .iter()
            .filter(|(l, ..)| *l == language)
            .filter_map(|(_, _, text)| fluent_syntax::parser::parse(*text).ok())
            .flat_map(|resource| {
                resource.body.into_iter().filter_map(|entry| match entry {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
            })
            .collect();
        ids.sort();
        ids
    }

    /// The variables each message of `language` uses, by message id.
    pub fn variables(&self, language: Language) -> Vec<(String, Vec<String>)> {
        FILES
            .iter()
            .filter(|(l, ..)| *l == language)
            .filter_map(|(_, _, text)| fluent_syntax::parser::parse(*text).ok())
            .flat_map(|resource| {
                resource.body.into_iter().filter_map(|entry| match entry {
                    fluent_syntax::ast::Entry::Message(m) => {
                        let mut names = Vec::new();
                        if let Some(value) = &m.value {
                            variables_in(value, &mut names);
                        }
                        names.sort();
                        names.dedup();
                        Some((m.id.name.to_owned(), names))
                    }
                    _ => None,
                })
            })
            .collect()
    }

    fn bundle(&self, language: Language) -> Option<&FluentBundle<FluentResource>> {
        self.bundles.iter().find(|(l, _)| *l == language).map(|(_, b)| b)
    }
}

fn variables_in(pattern: &fluent_syntax::ast::Pattern<&str>, names: &mut Vec<String>) {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    fn inline(expression: &InlineExpression<&str>, names: &mut Vec<String>) {
        if let InlineExpression::VariableReference { id } = expression {
            names.push(id.name.to_owned());
        }
    }
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            match expression {
                Expression::Inline(e) => inline(e, names),
                Expression::Select { selector, variants } => {
                    inline(selector, names);
                    for variant in variants {
                        variables_in(&variant.value, names);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_catalogue_file_parses_without_duplicates() {
        assert_eq!(CATALOG.problems(), &[] as &[CatalogProblem]);
    }

    #[test]
    fn french_is_complete_and_no_catalogue_has_a_message_english_lacks() {
        let english = CATALOG.ids(Language::En);
        let french = CATALOG.ids(Language::Fr);
        let missing: Vec<_> = english.iter().filter(|id| !french.contains(id)).collect();
        assert!(missing.is_empty(), "French lacks {missing:?}");
        for language in [Language::Fr, Language::It, Language::Nl] {
            let extra: Vec<_> = CATALOG.ids(language).into_iter().filter(|id| !english.contains(id)).collect();
            assert!(extra.is_empty(), "{language} has messages English lacks: {extra:?}");
        }
    }

    #[test]
    fn a_translation_uses_the_same_variables_as_english() {
        let english = CATALOG.variables(Language::En);
        for language in [Language::Fr, Language::It, Language::Nl] {
            for (id, variables) in CATALOG.variables(language) {
                let (_, expected) = english.iter().find(|(e, _)| *e == id).unwrap();
                assert_eq!(&variables, expected, "{language} {id}");
            }
        }
    }

    #[test]
    fn a_message_missing_from_a_language_falls_back_to_english_then_to_its_id() {
        assert!(!CATALOG.has(Language::It, "layout-time-zone"));
        assert_eq!(CATALOG.text(Language::It, "layout-time-zone", &[]), "Time zone");
        assert_eq!(CATALOG.text(Language::Fr, "nav-plan", &[]), "Plan des étages");
        assert_eq!(CATALOG.text(Language::Fr, "no-such-message", &[]), "no-such-message");
    }

    #[test]
    fn zero_services_do_not_read_as_one_in_french() {
        // French's plural rules put 0 in the "one" category: a count that
        // may be zero needs its own [0] variant.
        let args = |count: usize| {
            [
                ("threat", Arg::from("fire")),
                ("assets", Arg::from("FD-1")),
                ("time", Arg::from("now")),
                ("count", Arg::from(count)),
            ]
        };
        assert!(CATALOG.text(Language::Fr, "impact-assessed", &args(0)).ends_with("Aucun service touché."));
        assert!(CATALOG.text(Language::Fr, "impact-assessed", &args(1)).ends_with("Un service touché."));
        assert!(CATALOG.text(Language::En, "impact-assessed", &args(0)).ends_with("No service impacted."));
    }

    #[test]
    fn variables_and_plurals_are_filled_in_without_isolation_marks() {
        let one = CATALOG.text(Language::En, "count-events", &[("count", Arg::from(1usize))]);
        let many = CATALOG.text(Language::En, "count-events", &[("count", Arg::from(3usize))]);
        assert_eq!((one.as_str(), many.as_str()), ("1 event", "3 events"));
        assert_eq!(CATALOG.text(Language::Fr, "count-events", &[("count", Arg::from(3usize))]), "3 événements");
        assert!(!many.contains('\u{2068}'));
    }
}
