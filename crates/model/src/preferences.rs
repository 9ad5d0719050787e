//! How a person wants the dashboard and their messages written: language
//! and time zone. The records only; the message catalogues and formatting
//! belong to `safecare-i18n`.

use serde::{Deserialize, Serialize};

/// A language SafeCare's texts are written in. English is complete and the
/// fallback for any message a catalogue lacks.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    strum::VariantNames,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Language {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
    /// Italian.
    It,
    /// Dutch.
    Nl,
}

impl Language {
    /// The BCP 47 tag (`en`, `fr`, …), as HTML's `lang` attribute takes it.
    pub fn tag(self) -> &'static str {
        self.into()
    }

    /// The language's own name for itself, for choosers.
    pub fn endonym(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Fr => "Français",
            Language::It => "Italiano",
            Language::Nl => "Nederlands",
        }
    }
}

/// One person's display choices. Absent fields take the site's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// The language of the dashboard and of their notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// An IANA time zone name (`Europe/Paris`) that times are shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn languages_read_their_tags_in_any_case() {
        assert_eq!("FR".parse::<Language>().unwrap(), Language::Fr);
        assert_eq!(Language::Nl.tag(), "nl");
        assert_eq!(serde_json::to_string(&Language::It).unwrap(), "\"it\"");
    }

    #[test]
    fn empty_preferences_are_written_as_an_empty_object() {
        assert_eq!(serde_json::to_string(&Preferences::default()).unwrap(), "{}");
    }
}
