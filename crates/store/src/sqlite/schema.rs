//! Opening a database file: refusing foreign, corrupt or newer ones, and
//! migrating older ones forward.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::Durability;
use crate::StoreError;

/// Marks a SQLite file as SafeCare's ("SCDB"), so that pointing SafeCare at
/// some other database is refused instead of scribbled on.
const APPLICATION_ID: i32 = 0x5343_4442;

/// Each entry upgrades the schema by one version; index + 1 is the version it
/// leads to. Entries are never edited once released, only appended.
const MIGRATIONS: &[&str] = &[
    // 1: events with their core indexed, free text, alerts, incidents,
    // inventory and engine state.
    "
    CREATE TABLE events (
        seq       INTEGER PRIMARY KEY,
        id        BLOB NOT NULL UNIQUE,
        time      INTEGER NOT NULL,
        received  INTEGER NOT NULL,
        source    TEXT NOT NULL,
        domain    TEXT NOT NULL,
        product   TEXT,
        category  TEXT,
        service   TEXT,
        location  TEXT NOT NULL,
        asset     TEXT,
        severity  INTEGER NOT NULL,
        body      TEXT NOT NULL
    );
    CREATE INDEX events_time ON events(time);
    CREATE INDEX events_domain_time ON events(domain, time);
    CREATE INDEX events_asset_time ON events(asset, time) WHERE asset IS NOT NULL;
    CREATE INDEX events_location_time ON events(location, time);
    CREATE VIRTUAL TABLE events_text USING fts5(text, content='', contentless_delete=1);

    CREATE TABLE alerts (
        id        BLOB PRIMARY KEY,
        time      INTEGER NOT NULL,
        severity  INTEGER NOT NULL,
        rule      TEXT,
        asset     TEXT,
        body      TEXT NOT NULL
    );
    CREATE INDEX alerts_time ON alerts(time);

    CREATE TABLE incidents (
        id        BLOB PRIMARY KEY,
        status    TEXT NOT NULL,
        severity  INTEGER NOT NULL,
        updated   INTEGER NOT NULL,
        body      TEXT NOT NULL
    );
    CREATE INDEX incidents_updated ON incidents(updated);

    CREATE TABLE assets (
        id    TEXT PRIMARY KEY,
        body  TEXT NOT NULL
    );
    CREATE TABLE relations (
        seq   INTEGER PRIMARY KEY,
        body  TEXT NOT NULL
    );
    CREATE TABLE state (
        key      TEXT PRIMARY KEY,
        value    TEXT NOT NULL,
        updated  INTEGER NOT NULL
    );
    ",
    // 2: accounts.
    "
    CREATE TABLE users (
        name  TEXT PRIMARY KEY,
        body  TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash  TEXT PRIMARY KEY,
        user        TEXT NOT NULL,
        expires     INTEGER NOT NULL,
        body        TEXT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user);
    CREATE TABLE api_tokens (
        id    TEXT PRIMARY KEY,
        body  TEXT NOT NULL
    );
    ",
    // 3: the re-identification vault, the audit chain, and indexes that
    // retention purges by.
    "
    CREATE TABLE vault (
        token    TEXT PRIMARY KEY,
        created  INTEGER NOT NULL,
        body     TEXT NOT NULL
    );
    CREATE INDEX vault_created ON vault(created);
    CREATE TABLE audit (
        seq   INTEGER PRIMARY KEY,
        body  TEXT NOT NULL
    );
    ",
    // 4: an incident's body becomes its whole response record (timeline,
    // tasks, clocks, impact) with the incident as its `incident` member.
    "
    UPDATE incidents SET body = json_object('incident', json(body))
    WHERE json_type(body, '$.incident') IS NULL;
    CREATE INDEX incidents_status ON incidents(status, updated);
    ",
    // 5: source health by arrival, without scanning the events.
    "
    CREATE INDEX events_source_received ON events(source, received);
    ",
    // 6: events and alerts become ordered logs the stages read by position:
    // AUTOINCREMENT so that a position is never handed out twice, even after
    // retention has purged the newest rows (a stage's cursor past them would
    // otherwise skip the rows that reuse them). Existing rows keep their
    // events' positions; alerts get theirs in time order.
    "
    CREATE TABLE events_log (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        id        BLOB NOT NULL UNIQUE,
        time      INTEGER NOT NULL,
        received  INTEGER NOT NULL,
        source    TEXT NOT NULL,
        domain    TEXT NOT NULL,
        product   TEXT,
        category  TEXT,
        service   TEXT,
        location  TEXT NOT NULL,
        asset     TEXT,
        severity  INTEGER NOT NULL,
        body      TEXT NOT NULL
    );
    INSERT INTO events_log SELECT seq, id, time, received, source, domain, product, category, service,
        location, asset, severity, body FROM events;
    DROP TABLE events;
    ALTER TABLE events_log RENAME TO events;
    CREATE INDEX events_time ON events(time);
    CREATE INDEX events_domain_time ON events(domain, time);
    CREATE INDEX events_asset_time ON events(asset, time) WHERE asset IS NOT NULL;
    CREATE INDEX events_location_time ON events(location, time);
    CREATE INDEX events_source_received ON events(source, received);

    CREATE TABLE alerts_log (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        id        BLOB NOT NULL UNIQUE,
        time      INTEGER NOT NULL,
        severity  INTEGER NOT NULL,
        rule      TEXT,
        asset     TEXT,
        body      TEXT NOT NULL
    );
    INSERT INTO alerts_log (id, time, severity, rule, asset, body)
        SELECT id, time, severity, rule, asset, body FROM alerts ORDER BY time, id;
    DROP TABLE alerts;
    ALTER TABLE alerts_log RENAME TO alerts;
    CREATE INDEX alerts_time ON alerts(time);
    ",
    // 7: the notification outbox: one row per message, unique by its key
    // (incident, route, tier) so planning it again adds nothing; pending
    // rows are found by when they are due.
    "
    CREATE TABLE notifications (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        key       TEXT NOT NULL UNIQUE,
        incident  BLOB,
        status    TEXT NOT NULL,
        next_try  INTEGER NOT NULL,
        created   INTEGER NOT NULL,
        body      TEXT NOT NULL
    );
    CREATE INDEX notifications_due ON notifications(next_try) WHERE status = 'pending';
    CREATE INDEX notifications_incident ON notifications(incident, seq) WHERE incident IS NOT NULL;
    ",
    // 8: CAP messages to first responders, drafts and approved ones, unique
    // by their CAP identifier; read per incident and newest first (the feed).
    "
    CREATE TABLE cap_messages (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        identifier  TEXT NOT NULL UNIQUE,
        incident    BLOB NOT NULL,
        state       TEXT NOT NULL,
        created     INTEGER NOT NULL,
        body        TEXT NOT NULL
    );
    CREATE INDEX cap_messages_incident ON cap_messages(incident, seq);
    CREATE INDEX cap_messages_state ON cap_messages(state, seq);
    ",
    // 9: the hospital availability history: each change of a service's
    // status and each crisis-manager override, read newest first and as
    // the last entry of each kind per service.
    "
    CREATE TABLE availability_history (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        service  TEXT NOT NULL,
        kind     TEXT NOT NULL,
        at       INTEGER NOT NULL,
        body     TEXT NOT NULL
    );
    CREATE INDEX availability_history_service ON availability_history(service, kind, seq);
    ",
    // 10: saved searches, a person's named event searches (the events
    // page's query string), listed by name.
    "
    CREATE TABLE saved_searches (
        user   TEXT NOT NULL,
        name   TEXT NOT NULL,
        query  TEXT NOT NULL,
        saved  INTEGER NOT NULL,
        PRIMARY KEY (user, name)
    );
    ",
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if missing) and checks the database, migrating it to
/// [`SCHEMA_VERSION`]. Used once, for the writer connection.
pub(crate) fn open_writer(path: &Path, durability: Durability, check: bool) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // The first real read tells a non-database file apart.
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| classify(path, e))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| classify(path, e))?;
    let fresh = version == 0 && app_id == 0 && table_count(&conn, path)? == 0;
    if !fresh && app_id != APPLICATION_ID {
        return Err(StoreError::NotOurs { path: path.to_owned(), found: app_id });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { path: path.to_owned(), found: version, supported: SCHEMA_VERSION });
    }
    if check && !fresh {
        quick_check(&conn, path)?;
    }
    conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| classify(path, e))?;
    conn.pragma_update(None, "synchronous", durability.pragma())?;
    if fresh {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    migrate(&conn, version)?;
    Ok(conn)
}

/// Opens a read-only connection to a database the writer has already
/// checked.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn table_count(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).map_err(|e| classify(path, e))
}

fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let verdict: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0)).map_err(|e| classify(path, e))?;
    if verdict == "ok" { Ok(()) } else { Err(StoreError::Corrupt { path: path.to_owned(), detail: verdict }) }
}

fn migrate(conn: &Connection, from: i64) -> Result<(), StoreError> {
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(from).unwrap_or(0)) {
        let to = index as i64 + 1;
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", to)?;
        tx.commit()?;
        tracing::info!(version = to, "database schema migrated");
    }
    Ok(())
}

/// Turns SQLite's "not a database" and "malformed" codes into the clear
/// corrupt-file error.
fn classify(path: &Path, err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match err.sqlite_error_code() {
        Some(NotADatabase | DatabaseCorrupt) => StoreError::Corrupt { path: path.to_owned(), detail: err.to_string() },
        _ => StoreError::Sqlite(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_six_keeps_event_positions_and_logs_alerts_in_time_order() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        let event = |seq: i64, id: u8| {
            conn.execute(
                "INSERT INTO events (seq, id, time, received, source, domain, location, severity, body)
                 VALUES (?1, ?2, 0, 0, 's', 'cyber', '', 0, '{}')",
                rusqlite::params![seq, vec![id; 16]],
            )
            .unwrap();
        };
        event(3, 1);
        event(8, 2);
        let alert = |id: u8, time: i64| {
            conn.execute(
                "INSERT INTO alerts (id, time, severity, body) VALUES (?1, ?2, 0, '{}')",
                rusqlite::params![vec![id; 16], time],
            )
            .unwrap();
        };
        alert(9, 200);
        alert(7, 100);
        migrate(&conn, 5).unwrap();
        let seqs: Vec<i64> = conn
            .prepare("SELECT seq FROM events ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(seqs, [3, 8]);
        let alerts: Vec<(i64, Vec<u8>)> = conn
            .prepare("SELECT seq, id FROM alerts ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(alerts, [(1, vec![7; 16]), (2, vec![9; 16])]);
        // Positions go on from the highest carried over, even with it deleted.
        conn.execute("DELETE FROM events WHERE seq = 8", []).unwrap();
        event_without_seq(&conn);
        let last: i64 = conn.query_row("SELECT max(seq) FROM events", [], |r| r.get(0)).unwrap();
        assert_eq!(last, 9);
    }

    #[test]
    fn version_seven_adds_the_outbox_and_keeps_what_was_there() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn, 0).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        // A version 6 database with an incident: migrated, the incident kept.
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute(
            "INSERT INTO incidents (id, status, severity, updated, body) VALUES (?1, 'new', 3, 0, '{}')",
            [vec![1u8; 16]],
        )
        .unwrap();
        migrate(&conn, 6).unwrap();
        let incidents: i64 = conn.query_row("SELECT count(*) FROM incidents", [], |r| r.get(0)).unwrap();
        assert_eq!(incidents, 1);
        let insert = "INSERT OR IGNORE INTO notifications (key, incident, status, next_try, created, body)
                      VALUES ('i:r:1', ?1, 'pending', 0, 0, '{}')";
        assert_eq!(conn.execute(insert, [vec![1u8; 16]]).unwrap(), 1);
        assert_eq!(conn.execute(insert, [vec![1u8; 16]]).unwrap(), 0, "a key is stored once");
    }

    #[test]
    fn version_eight_adds_cap_messages_and_keeps_the_outbox() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..7] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute(
            "INSERT INTO notifications (key, incident, status, next_try, created, body)
             VALUES ('i:r:1', NULL, 'pending', 0, 0, '{}')",
            [],
        )
        .unwrap();
        migrate(&conn, 7).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let kept: i64 = conn.query_row("SELECT count(*) FROM notifications", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
        let insert = "INSERT INTO cap_messages (identifier, incident, state, created, body)
                      VALUES ('safecare-1-1', ?1, 'draft', 0, '{}')";
        conn.execute(insert, [vec![1u8; 16]]).unwrap();
        assert!(conn.execute(insert, [vec![1u8; 16]]).is_err(), "an identifier is stored once");
    }

    #[test]
    fn version_nine_adds_the_availability_history_and_keeps_cap_messages() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..8] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute(
            "INSERT INTO cap_messages (identifier, incident, state, created, body) VALUES ('c-1', ?1, 'draft', 0, '{}')",
            [vec![1u8; 16]],
        )
        .unwrap();
        migrate(&conn, 8).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let kept: i64 = conn.query_row("SELECT count(*) FROM cap_messages", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
        conn.execute(
            "INSERT INTO availability_history (service, kind, at, body) VALUES ('svc-icu', 'override', 0, '{}')",
            [],
        )
        .unwrap();
        assert!(
            conn.execute("INSERT INTO availability_history (service, kind, at) VALUES ('s', 'status', 0)", []).is_err()
        );
    }

    #[test]
    fn version_ten_adds_saved_searches_one_per_user_and_name() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..9] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute("INSERT INTO availability_history (service, kind, at, body) VALUES ('s', 'status', 0, '{}')", [])
            .unwrap();
        migrate(&conn, 9).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 10);
        assert_eq!(SCHEMA_VERSION, 10);
        let kept: i64 = conn.query_row("SELECT count(*) FROM availability_history", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
        let insert = "INSERT INTO saved_searches (user, name, query, saved) VALUES (?1, 'logons', 'q=4625', 0)";
        conn.execute(insert, ["alice"]).unwrap();
        conn.execute(insert, ["bob"]).unwrap();
        assert!(conn.execute(insert, ["alice"]).is_err(), "a name is used once per user");
    }

    fn event_without_seq(conn: &Connection) {
        conn.execute(
            "INSERT INTO events (id, time, received, source, domain, location, severity, body)
             VALUES (?1, 0, 0, 's', 'cyber', '', 0, '{}')",
            [vec![5u8; 16]],
        )
        .unwrap();
    }
}
