//! Removing an exercise run: its events (marked with the run's id in
//! `safecare.exercise`), the alerts they raised and the incidents the run
//! opened, with the notifications and CAP messages about them, in one
//! transaction (the writer's). Real records never carry the mark, so none is touched.

use rusqlite::{Connection, params};
use safecare_model::Alert;
use serde_json::Value;

use crate::StoreError;
use crate::exercise::ExerciseRemoved;

/// Deletes what run `run` made and counts it.
pub(crate) fn delete_run(conn: &Connection, run: &str) -> Result<ExerciseRemoved, StoreError> {
    let marked_event = "json_extract(body, '$.fields.\"safecare.exercise\"') = ?1";
    // The free-text index is keyed by the events' rowids.
    conn.execute(
        &format!("DELETE FROM events_text WHERE rowid IN (SELECT seq FROM events WHERE {marked_event})"),
        [run],
    )?;
    let events = conn.execute(&format!("DELETE FROM events WHERE {marked_event}"), [run])?;

    // An alert's mark sits in its IDMEFv2 attachment; the run's id in the
    // text narrows the rows decoded.
    let mut alert_ids = Vec::new();
    {
        let mut rows = conn.prepare("SELECT id, body FROM alerts WHERE instr(body, ?1) > 0")?;
        let found = rows.query_map([run], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?)))?;
        for row in found {
            let (id, body) = row?;
            let alert: Alert = serde_json::from_str(&body)?;
            if alert.safecare.exercise.as_deref() == Some(run) {
                alert_ids.push(id);
            }
        }
    }
    for id in &alert_ids {
        conn.execute("DELETE FROM alerts WHERE id = ?1", [id])?;
    }

    let mut incident_ids = Vec::new();
    {
        let mut rows = conn.prepare("SELECT id, body FROM incidents WHERE instr(body, ?1) > 0")?;
        let found = rows.query_map([run], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?)))?;
        for row in found {
            let (id, body) = row?;
            let record: Value = serde_json::from_str(&body)?;
            if record.get("exercise_run").and_then(Value::as_str) == Some(run) {
                incident_ids.push(id);
            }
        }
    }
    let mut messages = 0;
    for id in &incident_ids {
        messages += conn.execute("DELETE FROM notifications WHERE incident = ?1", [id])?;
        messages += conn.execute("DELETE FROM cap_messages WHERE incident = ?1", [id])?;
        conn.execute("DELETE FROM incidents WHERE id = ?1", params![id])?;
    }
    Ok(ExerciseRemoved {
        events: events as u64,
        alerts: alert_ids.len() as u64,
        incidents: incident_ids.len() as u64,
        messages: messages as u64,
    })
}
