//! Identifiers of the records SafeCare creates.
//!
//! Events, alerts and incidents get UUIDv7 identifiers: they sort by creation
//! time, which keeps the store's indexes append-mostly. Assets are named by the
//! hospital (`srv-pacs-01`): their ids are [`AssetId`], a string of the
//! hospital's choosing that the type system keeps apart from other strings.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An identifier string that is not a UUID.
#[derive(Debug, thiserror::Error)]
#[error("invalid identifier {value:?}: expected a UUID")]
pub struct ParseIdError {
    value: String,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| ParseIdError { value: s.to_owned() })
            }
        }
    };
}

uuid_id!(
    /// Identifies one [`crate::Event`].
    EventId
);
uuid_id!(
    /// Identifies one [`crate::Alert`] (its IDMEFv2 `ID`).
    AlertId
);
uuid_id!(
    /// Identifies one [`crate::Incident`].
    IncidentId
);

impl AlertId {
    /// An id that follows from what raised the alert rather than from when
    /// it was raised: the time part (first 48 bits) of the triggering
    /// event's id, so alert ids still sort by time, then the first bytes of
    /// `digest`, a hash of the rule and events. Detecting the same events
    /// again (a stage replaying after a crash) gives the same id, and the
    /// store keeps one alert. A UUIDv8, the version for such custom layouts.
    pub fn derived(trigger: EventId, digest: &[u8]) -> Self {
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&trigger.0.as_bytes()[..6]);
        for (slot, byte) in bytes[6..].iter_mut().zip(digest) {
            *slot = *byte;
        }
        AlertId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_alert_ids_repeat_for_the_same_input_and_keep_the_trigger_time() {
        let trigger = EventId::new();
        let a = AlertId::derived(trigger, &[7; 32]);
        assert_eq!(a, AlertId::derived(trigger, &[7; 32]));
        assert_ne!(a, AlertId::derived(trigger, &[8; 32]));
        assert_eq!(a.0.as_bytes()[..6], trigger.0.as_bytes()[..6]);
        assert_eq!(a.0.get_version_num(), 8);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = AlertId::derived(EventId::new(), &[0; 32]);
        assert!(later > a, "ordered by the trigger's time");
    }

    #[test]
    fn ids_are_time_ordered_and_parse_back() {
        let a = EventId::new();
        let b = EventId::new();
        assert!(a < b);
        assert_eq!(a.to_string().parse::<EventId>().unwrap(), a);
        assert!("not-a-uuid".parse::<EventId>().is_err());
    }
}

/// Identifies one [`crate::Asset`]: chosen by the hospital, stable
/// (`srv-pacs-01`, `svc-icu`). It reads as a `str` (through `Deref`, and
/// `Borrow` so maps keyed by it answer a `&str`), and is written as a plain
/// JSON string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(String);

impl AssetId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id's text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for AssetId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for AssetId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for AssetId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for AssetId {
    fn from(id: String) -> Self {
        AssetId(id)
    }
}

impl From<&str> for AssetId {
    fn from(id: &str) -> Self {
        AssetId(id.to_owned())
    }
}

impl From<&String> for AssetId {
    fn from(id: &String) -> Self {
        AssetId(id.clone())
    }
}

impl From<AssetId> for String {
    fn from(id: AssetId) -> Self {
        id.0
    }
}

impl PartialEq<str> for AssetId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for AssetId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for AssetId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<AssetId> for str {
    fn eq(&self, other: &AssetId) -> bool {
        self == other.0
    }
}

impl PartialEq<AssetId> for &str {
    fn eq(&self, other: &AssetId) -> bool {
        *self == other.0
    }
}
