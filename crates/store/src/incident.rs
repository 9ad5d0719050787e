//! How the store holds an incident: the response process's whole record, kept
//! as JSON the store does not interpret, and the model's [`Incident`] inside
//! it, which the store indexes and filters on.
//!
//! The record type itself (timeline, tasks, clocks, impact) belongs to the
//! response crate, above the store; keeping it opaque here keeps the store
//! from importing upwards while still storing an incident in one row.

use safecare_model::Incident;
use serde::Deserialize;

use crate::StoreError;

/// One stored incident.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredIncident {
    /// The `incident` member of `record`.
    pub incident: Incident,
    /// A JSON object with an `incident` member; everything else in it is the
    /// caller's.
    pub record: String,
}

#[derive(Deserialize)]
struct Envelope {
    incident: Incident,
}

impl StoredIncident {
    /// Reads the incident out of a record, refusing one without it.
    pub fn from_record(record: String) -> Result<Self, StoreError> {
        let Envelope { incident } = serde_json::from_str(&record)?;
        Ok(StoredIncident { incident, record })
    }

    /// A record that holds the incident and nothing else.
    pub fn bare(incident: Incident) -> Self {
        let record = serde_json::json!({ "incident": incident }).to_string();
        StoredIncident { incident, record }
    }
}

#[cfg(test)]
mod tests {
    use safecare_model::Severity;

    use super::*;

    #[test]
    fn the_incident_is_read_from_the_record_and_the_rest_is_kept() {
        let incident = Incident::new("Door forced", Severity::High);
        let record = serde_json::json!({ "incident": incident, "comments": [{"text": "on it"}] }).to_string();
        let stored = StoredIncident::from_record(record.clone()).unwrap();
        assert_eq!(stored.incident, incident);
        assert_eq!(stored.record, record);
        assert_eq!(StoredIncident::bare(incident.clone()).incident, incident);
    }

    #[test]
    fn a_record_without_an_incident_is_refused() {
        let err = StoredIncident::from_record(r#"{"comments": []}"#.into()).unwrap_err();
        assert!(err.to_string().contains("missing field `incident`"), "{err}");
    }
}
