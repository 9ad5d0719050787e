//! How model records map onto rows: times as microseconds since the epoch,
//! ids as 16-byte blobs, the whole record as JSON next to its indexed
//! columns.

use jiff::Timestamp;
use rusqlite::{Connection, params};
use safecare_model::{Alert, Asset, Event, Relation};
use serde_json::Value;

use crate::{Checkpoint, StoreError, StoredIncident};

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// The longest free-text document indexed per event; past it the tail of
/// huge field dumps would only bloat the index.
const MAX_TEXT: usize = 8 * 1024;

/// The words an event is findable by: its message and its field values.
fn searchable_text(event: &Event) -> String {
    let mut text = String::with_capacity(event.message.len() + 64);
    text.push_str(&event.message);
    for value in event.fields.values() {
        push_values(value, &mut text);
        if text.len() >= MAX_TEXT {
            break;
        }
    }
    if text.len() > MAX_TEXT {
        let cut = (0..=MAX_TEXT).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(cut);
    }
    text
}

fn push_values(value: &Value, text: &mut String) {
    match value {
        Value::String(s) => {
            text.push(' ');
            text.push_str(s);
        }
        Value::Number(n) => {
            text.push(' ');
            text.push_str(&n.to_string());
        }
        Value::Array(items) => items.iter().for_each(|v| push_values(v, text)),
        Value::Object(map) => map.values().for_each(|v| push_values(v, text)),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Inserts events that are not stored yet; returns how many were new.
pub(crate) fn insert_events(conn: &Connection, events: &[Event]) -> Result<usize, StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO events
            (id, time, received, source, domain, product, category, service, location, asset, severity, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut index = conn.prepare_cached("INSERT INTO events_text (rowid, text) VALUES (?1, ?2)")?;
    let mut new = 0;
    for event in events {
        let body = serde_json::to_string(event)?;
        let changed = insert.execute(params![
            event.id.0.as_bytes(),
            micros(event.time),
            micros(event.received),
            event.source,
            event.domain.as_str(),
            event.logsource.product,
            event.logsource.category,
            event.logsource.service,
            event.location.path(),
            event.asset.as_deref(),
            event.severity.rank(),
            body,
        ])?;
        if changed == 1 {
            index.execute(params![conn.last_insert_rowid(), searchable_text(event)])?;
            new += 1;
        }
    }
    Ok(new)
}

/// Inserts an alert or updates the stored one in place: an update keeps the
/// alert's position in the alert log, so stages that already read it do not
/// see it again as new.
pub(crate) fn upsert_alert(conn: &Connection, alert: &Alert) -> Result<usize, StoreError> {
    write_alert(
        conn,
        alert,
        "INSERT INTO alerts (id, time, severity, rule, asset, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET time = excluded.time, severity = excluded.severity,
            rule = excluded.rule, asset = excluded.asset, body = excluded.body",
    )
}

/// Inserts an alert unless one with its id is stored (then leaves that one
/// as it is); returns 1 when it was new. A replayed detection thus raises
/// no second copy.
pub(crate) fn insert_alert(conn: &Connection, alert: &Alert) -> Result<usize, StoreError> {
    write_alert(
        conn,
        alert,
        "INSERT INTO alerts (id, time, severity, rule, asset, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO NOTHING",
    )
}

fn write_alert(conn: &Connection, alert: &Alert, sql: &str) -> Result<usize, StoreError> {
    let time = alert.start_time.unwrap_or(alert.create_time);
    Ok(conn.prepare_cached(sql)?.execute(params![
        alert.id.0.as_bytes(),
        micros(time),
        alert.severity().rank(),
        alert.safecare.rule,
        alert.safecare.asset.as_deref(),
        serde_json::to_string(alert)?,
    ])?)
}

pub(crate) fn upsert_incident(conn: &Connection, stored: &StoredIncident) -> Result<usize, StoreError> {
    let incident = &stored.incident;
    Ok(conn
        .prepare_cached(
            "INSERT OR REPLACE INTO incidents (id, status, severity, updated, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            incident.id.0.as_bytes(),
            incident.status.as_str(),
            incident.severity.rank(),
            micros(incident.updated),
            stored.record,
        ])?)
}

pub(crate) fn replace_inventory(
    conn: &Connection,
    assets: &[Asset],
    relations: &[Relation],
) -> Result<usize, StoreError> {
    conn.execute("DELETE FROM assets", [])?;
    conn.execute("DELETE FROM relations", [])?;
    let mut put_asset = conn.prepare_cached("INSERT OR REPLACE INTO assets (id, body) VALUES (?1, ?2)")?;
    for asset in assets {
        put_asset.execute(params![asset.id.as_str(), serde_json::to_string(asset)?])?;
    }
    let mut put_relation = conn.prepare_cached("INSERT INTO relations (body) VALUES (?1)")?;
    for relation in relations {
        put_relation.execute(params![serde_json::to_string(relation)?])?;
    }
    Ok(assets.len() + relations.len())
}

pub(crate) fn put_state(conn: &Connection, key: &str, value: &Value) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached("INSERT OR REPLACE INTO state (key, value, updated) VALUES (?1, ?2, ?3)")?
        .execute(params![key, serde_json::to_string(value)?, micros(Timestamp::now())])?)
}

pub(crate) fn put_checkpoint(conn: &Connection, checkpoint: &Checkpoint) -> Result<usize, StoreError> {
    put_state(conn, &Checkpoint::key(&checkpoint.stage), &Value::from(checkpoint.position))
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Domain;
    use serde_json::json;

    #[test]
    fn searchable_text_has_message_and_nested_values_and_is_bounded() {
        let mut event = Event::new("t", Domain::Cyber, Timestamp::now(), "login failed");
        event.fields.insert("user".into(), json!("tok_ab12"));
        event.fields.insert("nested".into(), json!({"port": 445, "tags": ["smb", true]}));
        let text = searchable_text(&event);
        for word in ["login", "tok_ab12", "445", "smb"] {
            assert!(text.contains(word), "{text}");
        }
        event.fields.insert("dump".into(), json!("é".repeat(MAX_TEXT)));
        assert!(searchable_text(&event).len() <= MAX_TEXT);
    }
}
