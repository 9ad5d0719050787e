//! Identifiers of the records SafeCare creates.
//!
//! Events, alerts and incidents get UUIDv7 identifiers: they sort by creation
//! time, which keeps the store's indexes append-mostly. Assets are named by the
//! hospital (`srv-pacs-01`), so their ids are plain strings on [`crate::Asset`].

use std::fmt;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_and_parse_back() {
        let a = EventId::new();
        let b = EventId::new();
        assert!(a < b);
        assert_eq!(a.to_string().parse::<EventId>().unwrap(), a);
        assert!("not-a-uuid".parse::<EventId>().is_err());
    }
}
