//! The event search as SQL: the filter every event query and histogram
//! shares, the full-text expression (every word matched as a word or the
//! start of one), and `field:value` conditions checked on the stored JSON.
//!
//! Every value a user typed reaches SQLite as a bound parameter; only
//! numbers the store computed itself are written into the SQL text.

use rusqlite::Connection;
use rusqlite::params_from_iter;
use rusqlite::types::Value as Sql;

use super::codec::micros;
use super::read::Filter;
use crate::{EventQuery, StoreError};

/// The most buckets one histogram may have.
pub const MAX_BUCKETS: i64 = 10_000;

/// The field name that also means the event's asset column.
const ASSET: &str = "asset";

/// How far the two counts that pick a search's plan go.
const CAP: i64 = 50_000;

/// The filter of an event query, its cursor included.
///
/// How SQLite should use the full-text index depends on how many events it
/// matches against how many the range holds, which its planner cannot
/// know: a word rarer than the range's events (`shadow`: a hundred in a
/// month of a million) is fastest fetched from the index; a common one
/// (`EventID:4625` over a day: 400,000 matches in all, 13,000 in the day)
/// by walking the range's time index newest first, checking each event and
/// stopping at the page's end. Both counts stop at [`CAP`] and take a few
/// milliseconds.
pub(crate) fn event_filter(conn: &Connection, q: &EventQuery) -> Result<Filter, StoreError> {
    let rare = match fts_expression(q) {
        Some(expression) => {
            let mut stmt = conn.prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM events_text WHERE events_text MATCH ?1 LIMIT ?2)",
            )?;
            let matches: i64 = stmt.query_row(rusqlite::params![expression, CAP], |r| r.get(0))?;
            let mut stmt = conn.prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM events WHERE time >= ?1 AND time < ?2 LIMIT ?3)",
            )?;
            let (from, to) = (q.from.map_or(i64::MIN, micros), q.to.map_or(i64::MAX, micros));
            let in_range: i64 = stmt.query_row(rusqlite::params![from, to, CAP], |r| r.get(0))?;
            matches < in_range
        }
        None => true,
    };
    Ok(filter(q, rare))
}

/// The one full-text expression of the words and, with `fields`, of the
/// field conditions whose events the text index can narrow.
fn fts_expression_of(q: &EventQuery, fields: bool) -> Option<String> {
    let mut fts: Vec<String> = q.text.as_deref().map(text_terms).unwrap_or_default();
    for filter in q.fields.iter().filter(|_| fields) {
        if !filter.names.iter().any(|n| n.eq_ignore_ascii_case(ASSET)) {
            fts.extend(values_term(&filter.values));
        }
    }
    (!fts.is_empty()).then(|| fts.join(" AND "))
}

fn fts_expression(q: &EventQuery) -> Option<String> {
    fts_expression_of(q, true)
}

/// The filter, the text index driving the search when `rare`.
fn filter(q: &EventQuery, rare: bool) -> Filter {
    let mut f = Filter::default();
    if let Some(from) = q.from {
        f.push("time >= ?", [Sql::Integer(micros(from))]);
    }
    if let Some(to) = q.to {
        f.push("time < ?", [Sql::Integer(micros(to))]);
    }
    if let Some(domain) = q.domain {
        f.push("domain = ?", [Sql::Text(domain.as_str().into())]);
    }
    if let Some(asset) = &q.asset {
        f.push("asset = ?", [Sql::Text(asset.clone())]);
    }
    if let Some(location) = q.location.as_deref().map(|l| l.trim_matches('/')).filter(|l| !l.is_empty()) {
        // A place and everything under it: the path itself or any path
        // starting with "path/" ('0' is the character after '/').
        f.push(
            "(location = ? OR (location >= ? AND location < ?))",
            [Sql::Text(location.into()), Sql::Text(format!("{location}/")), Sql::Text(format!("{location}0"))],
        );
    }
    if let Some(source) = &q.source {
        f.push("source = ?", [Sql::Text(source.clone())]);
    }
    if let Some(min) = q.min_severity {
        f.push("severity >= ?", [Sql::Integer(min.rank().into())]);
    }
    // Field values are in the full-text index too: the index narrows the
    // candidates, the JSON check then holds each to the exact field.
    for filter in &q.fields {
        let lowered: Vec<String> = filter.names.iter().map(|n| n.to_lowercase()).collect();
        if lowered.iter().any(|n| n == ASSET) {
            // The asset column is not in the text index, so this filter's
            // own text condition must not exclude an event its asset matches.
            push_asset_field(&mut f, &lowered, &filter.values, values_term(&filter.values));
        } else {
            push_field(&mut f, &lowered, &filter.values);
        }
    }
    // Walking the range, the JSON check alone holds field conditions: the
    // index would only add fetching every one of their many matches.
    if let Some(expression) = fts_expression_of(q, rare) {
        // A unary `+` keeps SQLite from driving the search by the matches.
        let clause = if rare { "seq IN" } else { "+seq IN" };
        f.push(&format!("{clause} (SELECT rowid FROM events_text WHERE events_text MATCH ?)"), [Sql::Text(expression)]);
    }
    if let Some(after) = q.after {
        f.push(
            "(time < ? OR (time = ? AND seq < ?))",
            [Sql::Integer(after.time), Sql::Integer(after.time), Sql::Integer(after.seq)],
        );
    }
    f
}

/// The JSON condition "some field named `names` holds one of `values`".
fn field_exists(names: &[String], values: &[String]) -> (String, Vec<Sql>) {
    let names_sql = vec!["?"; names.len().max(1)].join(", ");
    let values_sql = vec!["value LIKE ? ESCAPE '\\'"; values.len().max(1)].join(" OR ");
    // A name matches a field's own name at any depth, or its whole path
    // (`user.name` for `{"user": {"name": …}}`).
    let sql = format!(
        "EXISTS (SELECT 1 FROM json_tree(events.body, '$.fields') WHERE type NOT IN ('object', 'array') \
         AND (lower(key) IN ({names_sql}) OR lower(fullkey) IN ({names_sql})) AND ({values_sql}))"
    );
    let mut params: Vec<Sql> = names.iter().map(|n| Sql::Text(n.clone())).collect();
    params.extend(names.iter().map(|n| Sql::Text(format!("$.fields.{n}"))));
    if names.is_empty() {
        params.extend([Sql::Null, Sql::Null]);
    }
    params.extend(like_patterns(values));
    (sql, params)
}

fn push_field(f: &mut Filter, names: &[String], values: &[String]) {
    let (sql, params) = field_exists(names, values);
    f.push(&sql, params);
}

fn push_asset_field(f: &mut Filter, names: &[String], values: &[String], prefilter: Option<String>) {
    let (exists, mut params) = field_exists(names, values);
    let asset_sql = vec!["asset LIKE ? ESCAPE '\\'"; values.len().max(1)].join(" OR ");
    let mut all: Vec<Sql> = like_patterns(values);
    let sql = match prefilter {
        Some(term) => {
            all.push(Sql::Text(term));
            format!("({asset_sql} OR (seq IN (SELECT rowid FROM events_text WHERE events_text MATCH ?) AND {exists}))")
        }
        None => format!("({asset_sql} OR {exists})"),
    };
    all.append(&mut params);
    f.push(&sql, all);
}

/// `LIKE` patterns for the values: literal except a final `*`.
fn like_patterns(values: &[String]) -> Vec<Sql> {
    if values.is_empty() {
        return vec![Sql::Null];
    }
    values
        .iter()
        .map(|v| {
            let (body, prefix) = match v.strip_suffix('*') {
                Some(body) => (body, true),
                None => (v.as_str(), false),
            };
            let mut pattern = String::with_capacity(body.len() + 1);
            for c in body.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            if prefix {
                pattern.push('%');
            }
            Sql::Text(pattern)
        })
        .collect()
}

/// One FTS5 string: the text quoted so that operators a user typed are
/// taken literally; `None` when it holds no word the index could find.
fn quoted(text: &str, prefix: bool) -> Option<String> {
    // Control characters end a word: a NUL inside a quoted FTS5 string is
    // an SQL error, not a search.
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    clean.chars().any(char::is_alphanumeric).then(|| {
        let quoted = format!("\"{}\"", clean.replace('"', "\"\""));
        if prefix { quoted + "*" } else { quoted }
    })
}

/// The free-text words as FTS5 terms, each a word or the start of one.
pub(crate) fn text_terms(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c.is_control()).filter_map(|w| quoted(w, true)).collect()
}

/// The values of one field filter as one FTS5 term (any of them), or
/// `None` when some value holds no indexable word (then the index cannot
/// narrow the search without losing events).
fn values_term(values: &[String]) -> Option<String> {
    let terms: Option<Vec<String>> = values
        .iter()
        .map(|v| match v.strip_suffix('*') {
            Some(body) => quoted(body, true),
            None => quoted(v, false),
        })
        .collect();
    terms.filter(|t| !t.is_empty()).map(|t| format!("({})", t.join(" OR ")))
}

/// Events matching the query per bucket of `bucket` microseconds from
/// `from` to `to`, oldest first, empty buckets included.
pub(crate) fn histogram(
    conn: &Connection,
    q: &EventQuery,
    from: i64,
    to: i64,
    bucket: i64,
) -> Result<Vec<u64>, StoreError> {
    if bucket <= 0 || to <= from {
        return Err(StoreError::InvalidQuery("a histogram needs a range that ends after it starts".into()));
    }
    let buckets = (to - from).saturating_add(bucket - 1) / bucket;
    if buckets > MAX_BUCKETS {
        return Err(StoreError::InvalidQuery(format!("{buckets} buckets asked for, at most {MAX_BUCKETS}")));
    }
    if fts_expression(q).is_none() && q.fields.is_empty() {
        return counts_per_bucket(conn, q, from, to, bucket, buckets);
    }
    let f = event_filter(conn, &EventQuery { after: None, ..q.clone() })?;
    // Both numbers are the store's own integers, not user text.
    let sql = format!("SELECT (time - {from}) / {bucket} AS b, count(*) FROM events {} GROUP BY b", f.sql());
    let mut counts = vec![0u64; usize::try_from(buckets).unwrap_or(0)];
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(f.params.iter()))?;
    while let Some(row) = rows.next()? {
        let (b, n): (i64, i64) = (row.get(0)?, row.get(1)?);
        if let Some(slot) = usize::try_from(b).ok().and_then(|b| counts.get_mut(b)) {
            *slot = u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(counts)
}

/// The histogram of a search on indexed columns only, one count per
/// bucket: each is a range of an index, where one GROUP BY over the whole
/// range sorts every row (a month of a million events: 0.7 s).
fn counts_per_bucket(
    conn: &Connection,
    q: &EventQuery,
    from: i64,
    to: i64,
    bucket: i64,
    buckets: i64,
) -> Result<Vec<u64>, StoreError> {
    let mut f = event_filter(conn, &EventQuery { from: None, to: None, after: None, ..q.clone() })?;
    f.push("time >= ?", [Sql::Integer(from)]);
    f.push("time < ?", [Sql::Integer(to)]);
    let mut stmt = conn.prepare(&format!("SELECT count(*) FROM events {}", f.sql()))?;
    let n = f.params.len();
    let mut counts = Vec::with_capacity(usize::try_from(buckets).unwrap_or(0));
    for i in 0..buckets {
        let start = from + i * bucket;
        f.params[n - 2] = Sql::Integer(start);
        f.params[n - 1] = Sql::Integer(start.saturating_add(bucket).min(to));
        let count: i64 = stmt.query_row(params_from_iter(f.params.iter()), |r| r.get(0))?;
        counts.push(u64::try_from(count).unwrap_or(0));
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_prefixes_and_operators_are_literal() {
        assert_eq!(text_terms("door  forced"), ["\"door\"*", "\"forced\"*"]);
        assert_eq!(text_terms("a\"b OR"), ["\"a\"\"b\"*", "\"OR\"*"]);
        assert!(text_terms("   ").is_empty());
        assert!(text_terms("- \"").is_empty(), "no word the index could find");
    }

    #[test]
    fn field_values_become_one_alternative_term() {
        let values = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(values_term(&values(&["alice", "usr_1f"])).as_deref(), Some("(\"alice\" OR \"usr_1f\")"));
        assert_eq!(values_term(&values(&["ws-1*"])).as_deref(), Some("(\"ws-1\"*)"));
        assert_eq!(values_term(&values(&["alice", "-"])), None);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        let got = like_patterns(&["50%_off\\".into(), "ws-*".into()]);
        assert_eq!(got, [Sql::Text("50\\%\\_off\\\\".into()), Sql::Text("ws-%".into())]);
    }
}
