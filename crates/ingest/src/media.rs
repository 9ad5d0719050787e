//! The one reading of an HTTP body's `Content-Type` for every ingest route,
//! and the one way a line-oriented body is cut into records: both ingest
//! routes accept the same media types and number lines the same way.

/// How a body is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// One JSON document: one record, or an array of records.
    Json,
    /// One record per line (NDJSON, JSON Lines, plain text).
    Lines,
}

/// Media types read as [`BodyFormat::Lines`].
const LINES: [&str; 5] =
    ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "text/plain"];

/// A `Content-Type` no ingest route reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// No Content-Type header.
    #[error("missing Content-Type")]
    Missing,
    /// A Content-Type header that is not UTF-8 text.
    #[error("unreadable Content-Type")]
    Unreadable,
    /// A media type no decoder reads.
    #[error("unsupported Content-Type {0:?}")]
    Unsupported(String),
}

impl BodyFormat {
    /// The format of a `Content-Type` header value (its bytes, as sent);
    /// parameters such as `charset` are ignored, case is not significant.
    pub fn from_content_type(value: Option<&[u8]>) -> Result<Self, MediaError> {
        let value = value.ok_or(MediaError::Missing)?;
        let value = std::str::from_utf8(value).map_err(|_| MediaError::Unreadable)?;
        let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Ok(BodyFormat::Json),
            lines if LINES.contains(&lines) => Ok(BodyFormat::Lines),
            _ => Err(MediaError::Unsupported(essence)),
        }
    }

    /// What a sender may use, for error messages.
    pub const ACCEPTED: &str = "application/json (one record or an array), or one record per line as \
        application/x-ndjson, application/ndjson, application/jsonl, application/x-jsonlines or text/plain";
}

/// The non-blank lines of a body with their 1-based line numbers, a
/// trailing `\r` removed.
pub fn lines(body: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    body.split(|&b| b == b'\n')
        .enumerate()
        .map(|(index, raw)| (index + 1, raw.strip_suffix(b"\r").unwrap_or(raw)))
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_read_by_their_essence() {
        let format = |v: &str| BodyFormat::from_content_type(Some(v.as_bytes()));
        assert_eq!(format("application/json; charset=utf-8"), Ok(BodyFormat::Json));
        assert_eq!(format("Application/X-NDJSON"), Ok(BodyFormat::Lines));
        assert_eq!(format("text/plain"), Ok(BodyFormat::Lines));
        assert_eq!(format("text/csv"), Err(MediaError::Unsupported("text/csv".into())));
        assert_eq!(BodyFormat::from_content_type(None), Err(MediaError::Missing));
        assert_eq!(BodyFormat::from_content_type(Some(b"\xff")), Err(MediaError::Unreadable));
    }

    #[test]
    fn lines_keep_their_numbers_past_blank_ones() {
        let got: Vec<(usize, &[u8])> = lines(b"a\r\n\n  \nb\n").collect();
        assert_eq!(got, [(1, &b"a"[..]), (4, &b"b"[..])]);
    }
}
