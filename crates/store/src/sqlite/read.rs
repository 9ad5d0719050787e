//! The queries behind the API, each on a read connection.

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use safecare_model::{Alert, Asset, Event, Relation};
use serde::de::DeserializeOwned;

use super::codec::micros;
use crate::query::{MAX_PAGE_BYTES, page_size};
use crate::{AlertQuery, Cursor, EventPage, EventQuery, IncidentQuery, Log, LogPage, StoreError, StoredIncident};

/// Builds a WHERE clause with positional parameters as filters are added.
#[derive(Default)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    pub(crate) params: Vec<Sql>,
}

impl Filter {
    /// Adds a clause whose `?` placeholders take `values` in order.
    pub(crate) fn push(&mut self, clause: &str, values: impl IntoIterator<Item = Sql>) {
        let mut values = values.into_iter();
        let mut numbered = String::with_capacity(clause.len() + 8);
        for (i, part) in clause.split('?').enumerate() {
            if i > 0 {
                if let Some(value) = values.next() {
                    self.params.push(value);
                }
                numbered.push_str(&format!("?{}", self.params.len()));
            }
            numbered.push_str(part);
        }
        self.clauses.push(numbered);
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }
}

pub(crate) fn query_events(conn: &Connection, q: &EventQuery) -> Result<EventPage, StoreError> {
    let limit = page_size(q.limit);
    let f = super::search::event_filter(conn, q)?;
    let sql =
        format!("SELECT seq, time, body FROM events {} ORDER BY time DESC, seq DESC LIMIT {}", f.sql(), limit + 1);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(f.params.iter()))?;
    let mut events = Vec::with_capacity(limit);
    let mut last = None;
    let mut more = false;
    let mut bytes = 0;
    while let Some(row) = rows.next()? {
        if events.len() == limit {
            more = true;
            break;
        }
        let seq: i64 = row.get(0)?;
        let time: i64 = row.get(1)?;
        let body: String = row.get(2)?;
        // A page is bounded in bytes as well as in events, so a few large
        // events cannot make one read hold hundreds of megabytes.
        if !events.is_empty() && bytes + body.len() > MAX_PAGE_BYTES {
            more = true;
            break;
        }
        bytes += body.len();
        events.push(serde_json::from_str::<Event>(&body)?);
        last = Some(Cursor { time, seq });
    }
    Ok(EventPage { events, next: if more { last } else { None } })
}

pub(crate) fn get_by_id<T: DeserializeOwned>(
    conn: &Connection,
    table: &str,
    id: &[u8],
) -> Result<Option<T>, StoreError> {
    let body: Option<String> =
        conn.query_row(&format!("SELECT body FROM {table} WHERE id = ?1"), [id], |r| r.get(0)).optional()?;
    body.map(|b| serde_json::from_str(&b)).transpose().map_err(Into::into)
}

/// The JSON body of the one row `sql` selects with `key`, decoded.
pub(crate) fn get_body<T: DeserializeOwned>(conn: &Connection, sql: &str, key: &str) -> Result<Option<T>, StoreError> {
    let body: Option<String> = conn.query_row(sql, [key], |r| r.get(0)).optional()?;
    body.map(|b| serde_json::from_str(&b)).transpose().map_err(Into::into)
}

pub(crate) fn count_events(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(crate) fn event_rate(conn: &Connection, from: i64, bucket: i64, now: i64) -> Result<Vec<(i64, u64)>, StoreError> {
    let bucket = bucket.max(1);
    let buckets = usize::try_from((now - from) / bucket + 1).unwrap_or(0).min(10_000);
    let mut counts = vec![0u64; buckets];
    let mut stmt = conn.prepare_cached(
        "SELECT (time - ?1) / ?2 AS b, count(*) FROM events WHERE time >= ?1 AND time <= ?3 GROUP BY b",
    )?;
    let mut rows = stmt.query([from, bucket, now])?;
    while let Some(row) = rows.next()? {
        let (b, n): (i64, i64) = (row.get(0)?, row.get(1)?);
        if let Some(slot) = usize::try_from(b).ok().and_then(|b| counts.get_mut(b)) {
            *slot = u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(counts.into_iter().enumerate().map(|(i, n)| (from + i as i64 * bucket, n)).collect())
}

/// Every source ever seen, with the events it delivered since `since` and
/// its latest arrival. Sources are enumerated by skipping through the
/// `(source, received)` index one distinct value at a time, and each count
/// and maximum is a range of that index: the cost follows the number of
/// sources and recent events, not the size of the store (a GROUP BY over a
/// day of a busy hospital read a million rows).
pub(crate) fn source_activity(conn: &Connection, since: i64) -> Result<Vec<(String, u64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE s(source) AS (
             SELECT (SELECT min(source) FROM events)
             UNION ALL
             SELECT (SELECT min(source) FROM events WHERE source > s.source) FROM s WHERE s.source IS NOT NULL
         )
         SELECT source,
                (SELECT count(*) FROM events e WHERE e.source = s.source AND e.received >= ?1),
                (SELECT max(received) FROM events e WHERE e.source = s.source)
         FROM s WHERE source IS NOT NULL ORDER BY source",
    )?;
    let rows = stmt.query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
    rows.map(|r| r.map(|(s, n, last)| (s, u64::try_from(n).unwrap_or(0), last)).map_err(Into::into)).collect()
}

pub(crate) fn open_incidents_by_severity(conn: &Connection) -> Result<Vec<(u8, u64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT severity, count(*) FROM incidents WHERE status NOT IN ('resolved', 'closed') GROUP BY severity",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, u8>(0)?, r.get::<_, i64>(1)?)))?;
    rows.map(|r| r.map(|(s, n)| (s, u64::try_from(n).unwrap_or(0))).map_err(Into::into)).collect()
}

pub(crate) fn list_alerts(conn: &Connection, q: &AlertQuery) -> Result<Vec<Alert>, StoreError> {
    let mut f = Filter::default();
    if let Some(from) = q.from {
        f.push("time >= ?", [Sql::Integer(micros(from))]);
    }
    if let Some(to) = q.to {
        f.push("time < ?", [Sql::Integer(micros(to))]);
    }
    if let Some(min) = q.min_severity {
        f.push("severity >= ?", [Sql::Integer(min.rank().into())]);
    }
    if let Some(rule) = &q.rule {
        f.push("rule = ?", [Sql::Text(rule.clone())]);
    }
    if let Some(asset) = &q.asset {
        f.push("asset = ?", [Sql::Text(asset.clone())]);
    }
    // Alerts of the same moment (a burst, a correlation) newest stored first.
    let sql = format!("SELECT body FROM alerts {} ORDER BY time DESC, seq DESC LIMIT {}", f.sql(), page_size(q.limit));
    bodies(conn, &sql, &f.params)
}

/// The filter of an incident query; the record's `incident` member holds
/// what has no column of its own.
fn incident_filter(q: &IncidentQuery) -> Filter {
    let mut f = Filter::default();
    if let Some(status) = q.status {
        f.push("status = ?", [Sql::Text(status.as_str().into())]);
    }
    if q.open_only {
        f.push("status NOT IN ('resolved', 'closed')", []);
    }
    if let Some(min) = q.min_severity {
        f.push("severity >= ?", [Sql::Integer(min.rank().into())]);
    }
    if let Some(since) = q.updated_since {
        f.push("updated >= ?", [Sql::Integer(micros(since))]);
    }
    if let Some(assignee) = &q.assignee {
        f.push("json_extract(body, '$.incident.assignee') = ?", [Sql::Text(assignee.clone())]);
    }
    if let Some(threat) = &q.threat {
        f.push("json_extract(body, '$.incident.threat') = ?", [Sql::Text(threat.clone())]);
    }
    if let Some(asset) = &q.asset {
        f.push(
            "EXISTS (SELECT 1 FROM json_each(body, '$.incident.assets') WHERE value = ?)",
            [Sql::Text(asset.clone())],
        );
    }
    if let Some(tag) = &q.tag {
        f.push("EXISTS (SELECT 1 FROM json_each(body, '$.incident.tags') WHERE value = ?)", [Sql::Text(tag.clone())]);
    }
    f
}

pub(crate) fn list_incidents(conn: &Connection, q: &IncidentQuery) -> Result<Vec<StoredIncident>, StoreError> {
    let f = incident_filter(q);
    let sql = format!(
        "SELECT body FROM incidents {} ORDER BY updated DESC, id DESC LIMIT {} OFFSET {}",
        f.sql(),
        page_size(q.limit),
        q.offset
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(f.params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(StoredIncident::from_record(row.get(0)?)?);
    }
    Ok(out)
}

pub(crate) fn count_incidents(conn: &Connection, q: &IncidentQuery) -> Result<u64, StoreError> {
    let f = incident_filter(q);
    let sql = format!("SELECT count(*) FROM incidents {}", f.sql());
    let n: i64 = conn.query_row(&sql, params_from_iter(f.params.iter()), |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(crate) fn get_incident(conn: &Connection, id: &[u8]) -> Result<Option<StoredIncident>, StoreError> {
    let body: Option<String> =
        conn.query_row("SELECT body FROM incidents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    body.map(StoredIncident::from_record).transpose()
}

pub(crate) fn list_assets(conn: &Connection) -> Result<Vec<Asset>, StoreError> {
    bodies(conn, "SELECT body FROM assets ORDER BY id", &[])
}

pub(crate) fn list_relations(conn: &Connection) -> Result<Vec<Relation>, StoreError> {
    bodies(conn, "SELECT body FROM relations ORDER BY seq", &[])
}

/// The records of `log` after position `after`, in order. A body that does
/// not decode is logged, counted and passed over, so that one bad row cannot
/// stop a stage for good.
pub(crate) fn log_after<T: DeserializeOwned>(
    conn: &Connection,
    log: Log,
    after: u64,
    limit: usize,
) -> Result<LogPage<T>, StoreError> {
    let table = log.table();
    let mut stmt =
        conn.prepare_cached(&format!("SELECT seq, body FROM {table} WHERE seq > ?1 ORDER BY seq LIMIT ?2"))?;
    let mut rows = stmt.query(rusqlite::params![i64::try_from(after).unwrap_or(i64::MAX), limit as i64])?;
    let mut page = LogPage { records: Vec::with_capacity(limit.min(4096)), last: None };
    while let Some(row) = rows.next()? {
        let seq = u64::try_from(row.get::<_, i64>(0)?).unwrap_or_default();
        let body: String = row.get(1)?;
        page.last = Some(seq);
        match serde_json::from_str(&body) {
            Ok(record) => page.records.push((seq, record)),
            Err(err) => {
                tracing::error!(table, seq, %err, "stored record unreadable; passed over");
                metrics::counter!("safecare_store_unreadable_total", "table" => table).increment(1);
            }
        }
    }
    Ok(page)
}

/// The highest position `log` ever gave (kept by AUTOINCREMENT, so purging
/// the newest rows does not lower it).
pub(crate) fn log_head(conn: &Connection, log: Log) -> Result<u64, StoreError> {
    let head: Option<i64> =
        conn.query_row("SELECT seq FROM sqlite_sequence WHERE name = ?1", [log.table()], |r| r.get(0)).optional()?;
    Ok(head.and_then(|h| u64::try_from(h).ok()).unwrap_or(0))
}

pub(crate) fn get_state(conn: &Connection, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let value: Option<String> =
        conn.query_row("SELECT value FROM state WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    value.map(|v| serde_json::from_str(&v)).transpose().map_err(Into::into)
}

pub(crate) fn bodies<T: DeserializeOwned>(conn: &Connection, sql: &str, params: &[Sql]) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let body: String = row.get(0)?;
        out.push(serde_json::from_str(&body)?);
    }
    Ok(out)
}
