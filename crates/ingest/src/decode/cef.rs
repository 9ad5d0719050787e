//! ArcSight Common Event Format (CEF), bare or as a syslog payload.
//!
//! `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`
//!
//! Header fields escape `|` and `\` with a backslash. Extensions are
//! `key=value` pairs separated by spaces; values may contain spaces and escape
//! `=`, `\`, newlines (`\n`, `\r`). A key is recognised only where an
//! unescaped `=` follows a space-separated word of key characters, so an
//! unescaped `=` inside a value (a common sender bug) stays in the value.

use safecare_model::{Domain, Event, Severity, Timestamp};
use serde_json::{Value, json};

use super::input::{self, InputError, MAX_RECORD_LEN};
use super::{Context, time};

/// Why a text is not a CEF record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CefError {
    /// The input itself is unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// No `CEF:` prefix.
    #[error("record does not start with \"CEF:\"")]
    NotCef,
    /// A CEF version other than 0 or 1.
    #[error("unsupported CEF version {0:?} (expected 0 or 1)")]
    UnsupportedVersion(String),
    /// Fewer than the seven header fields.
    #[error("CEF header is truncated: {found} of 7 header fields")]
    TruncatedHeader {
        /// How many header fields there are.
        found: usize,
    },
    /// A severity CEF does not define.
    #[error("CEF severity {0:?} is neither 0-10 nor Low/Medium/High/Very-High/Unknown")]
    InvalidSeverity(String),
    /// An extension key with characters CEF does not allow.
    #[error("CEF extension key {0:?} contains characters outside [A-Za-z0-9_.-]")]
    InvalidExtensionKey(String),
}

impl CefError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            CefError::Input(e) => e.kind(),
            CefError::NotCef => "not_cef",
            CefError::UnsupportedVersion(_) => "cef_version",
            CefError::TruncatedHeader { .. } => "cef_truncated",
            CefError::InvalidSeverity(_) => "cef_severity",
            CefError::InvalidExtensionKey(_) => "cef_extension_key",
        }
    }
}

/// The names header fields get in `Event::fields` (ArcSight's dictionary names).
const HEADER_NAMES: [&str; 7] =
    ["cefVersion", "deviceVendor", "deviceProduct", "deviceVersion", "deviceEventClassId", "name", "severity"];

/// Decodes one bare CEF record; its time is taken from `rt`/`end`/`start`,
/// else the receipt time.
pub fn decode(input: &[u8], ctx: &Context) -> Result<Event, CefError> {
    let text = input::text(input, MAX_RECORD_LEN)?;
    let cef = payload(text).ok_or(CefError::NotCef)?;
    decode_text(cef, ctx.received, ctx)
}

/// The CEF record inside a text, if it contains one (it may follow a syslog
/// header or a vendor prefix).
pub fn payload(text: &str) -> Option<&str> {
    text.find("CEF:").map(|at| &text[at..])
}

/// Decodes a text starting with `CEF:`; `fallback_time` is used when the
/// extensions carry no time (the syslog header's time, for instance).
pub fn decode_text(text: &str, fallback_time: Timestamp, ctx: &Context) -> Result<Event, CefError> {
    let body = text.strip_prefix("CEF:").ok_or(CefError::NotCef)?;
    let (header, extension) = split_header(body)?;
    let version = header[0].trim();
    if version != "0" && version != "1" {
        return Err(CefError::UnsupportedVersion(version.to_owned()));
    }
    let severity = map_severity(header[6].trim())?;
    let pairs = extensions(extension)?;

    let time = ["rt", "end", "start"]
        .iter()
        .find_map(|key| pairs.iter().find(|(k, _)| k == key).and_then(|(_, v)| parse_time(v, ctx)))
        .unwrap_or(fallback_time);
    let mut event = ctx.event(Domain::Cyber, time, header[5].clone());
    event.severity = severity;
    for (name, value) in HEADER_NAMES.iter().zip(header.iter()) {
        event.fields.insert((*name).to_owned(), json!(value));
    }
    for (key, value) in pairs {
        event.fields.insert(key, Value::String(value));
    }
    event.logsource.product = Some(product_name(&header[2]));
    event.logsource.service = Some("cef".into());
    Ok(event)
}

/// Splits the seven header fields (unescaped) from the raw extension text.
fn split_header(body: &str) -> Result<([String; 7], &str), CefError> {
    let mut fields: Vec<String> = Vec::with_capacity(7);
    let mut current = String::new();
    let mut chars = body.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, next @ ('|' | '\\'))) => current.push(next),
                Some((_, other)) => {
                    current.push('\\');
                    current.push(other);
                }
                None => current.push('\\'),
            },
            '|' => {
                fields.push(std::mem::take(&mut current));
                if fields.len() == 7 {
                    let header: [String; 7] =
                        fields.try_into().map_err(|v: Vec<String>| CefError::TruncatedHeader { found: v.len() })?;
                    return Ok((header, &body[at + 1..]));
                }
            }
            _ => current.push(c),
        }
    }
    // A record that ends right after the severity has no trailing `|`.
    if fields.len() == 6 && !current.is_empty() {
        fields.push(current);
        let header: [String; 7] =
            fields.try_into().map_err(|v: Vec<String>| CefError::TruncatedHeader { found: v.len() })?;
        return Ok((header, ""));
    }
    Err(CefError::TruncatedHeader { found: fields.len() })
}

fn map_severity(text: &str) -> Result<Severity, CefError> {
    if let Ok(n) = text.parse::<u8>() {
        return match n {
            0 => Ok(Severity::Info),
            1..=3 => Ok(Severity::Low),
            4..=6 => Ok(Severity::Medium),
            7..=8 => Ok(Severity::High),
            9..=10 => Ok(Severity::Critical),
            _ => Err(CefError::InvalidSeverity(text.to_owned())),
        };
    }
    match text.to_ascii_lowercase().as_str() {
        "unknown" => Ok(Severity::Info),
        "low" => Ok(Severity::Low),
        "medium" => Ok(Severity::Medium),
        "high" => Ok(Severity::High),
        "very-high" | "very high" => Ok(Severity::Critical),
        _ => Err(CefError::InvalidSeverity(text.to_owned())),
    }
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'[' | b']')
}

/// Positions of `=` not preceded by an odd number of backslashes.
fn unescaped_equals(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut backslashes = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' => backslashes += 1,
            b'=' if backslashes.is_multiple_of(2) => {
                out.push(i);
                backslashes = 0;
            }
            _ => backslashes = 0,
        }
    }
    out
}

/// Parses the extension into `(key, unescaped value)` pairs, in order.
fn extensions(text: &str) -> Result<Vec<(String, String)>, CefError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let equals = unescaped_equals(text);
    let Some(&first) = equals.first() else {
        return Err(CefError::InvalidExtensionKey(text.to_owned()));
    };
    let first_key = text[..first].trim();
    if first_key.is_empty() || !first_key.bytes().all(is_key_char) {
        return Err(CefError::InvalidExtensionKey(first_key.to_owned()));
    }
    let mut pairs = Vec::new();
    let mut key = first_key;
    let mut value_start = first + 1;
    for &eq in &equals[1..] {
        if eq < value_start {
            continue;
        }
        // The next key is the word right before this `=`; if there is no
        // space in between, or the word is not a key, the `=` is part of the value.
        let Some(space) = text[value_start..eq].rfind(' ').map(|s| s + value_start) else {
            continue;
        };
        let candidate = &text[space + 1..eq];
        if candidate.is_empty() || !candidate.bytes().all(is_key_char) {
            continue;
        }
        pairs.push((key.to_owned(), unescape(text[value_start..space].trim_end())));
        key = candidate;
        value_start = eq + 1;
    }
    pairs.push((key.to_owned(), unescape(text[value_start..].trim_end())));
    Ok(pairs)
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other @ ('=' | '\\' | '|')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// CEF times: epoch milliseconds, or `MMM dd yyyy HH:mm:ss[.SSS]` in the
/// source's zone, or RFC 3339.
fn parse_time(value: &str, ctx: &Context) -> Option<Timestamp> {
    let value = value.trim();
    if let Ok(millis) = value.parse::<i64>() {
        return Timestamp::from_millisecond(millis).ok();
    }
    for format in ["%b %d %Y %H:%M:%S%.f", "%b %d %Y %H:%M:%S"] {
        if let Ok(civil) = jiff::civil::DateTime::strptime(format, value) {
            return time::civil_in(civil, &ctx.timezone);
        }
    }
    time::parse_text(value, &ctx.timezone)
}

/// A logsource product from the device product (`Next-Gen Firewall` → `next-gen_firewall`).
fn product_name(product: &str) -> String {
    product.trim().to_ascii_lowercase().replace(' ', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context::new("cef-test").received_at("2026-01-05T12:00:00Z".parse().unwrap())
    }

    #[test]
    fn header_and_extensions_with_escapes() {
        let line = r"CEF:0|Security|threat\|manager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=Detected a threat. No action needed\=really cs1Label=path cs1=C:\\Program Files\\x rt=1767607200000";
        let event = decode(line.as_bytes(), &ctx()).unwrap();
        assert_eq!(event.fields["deviceProduct"], "threat|manager");
        assert_eq!(event.fields["deviceEventClassId"], "100");
        assert_eq!(event.fields["src"], "10.0.0.1");
        assert_eq!(event.fields["msg"], "Detected a threat. No action needed=really");
        assert_eq!(event.fields["cs1"], r"C:\Program Files\x");
        assert_eq!(event.severity, Severity::Critical);
        assert_eq!(event.message, "worm successfully stopped");
        assert_eq!(event.time, Timestamp::from_millisecond(1_767_607_200_000).unwrap());
        assert_eq!(event.logsource.product.as_deref(), Some("threat|manager"));
    }

    #[test]
    fn values_keep_spaces_newlines_and_stray_equals() {
        let line = r"CEF:1|V|P|1|sig|Name|High|act=blocked request=http://x/?a=b&c=d note=line1\nline2 end";
        let event = decode(line.as_bytes(), &ctx()).unwrap();
        assert_eq!(event.fields["request"], "http://x/?a=b&c=d");
        assert_eq!(event.fields["note"], "line1\nline2 end");
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.time, ctx().received);
    }

    #[test]
    fn textual_rt_is_read_in_source_zone() {
        let line = "CEF:0|V|P|1|sig|Name|3|rt=Jan 05 2026 10:00:00";
        let event = decode(line.as_bytes(), &ctx()).unwrap();
        assert_eq!(event.time, "2026-01-05T10:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.severity, Severity::Low);
    }

    #[test]
    fn header_without_extension() {
        let event = decode(b"CEF:0|V|P|1|sig|Name|5", &ctx()).unwrap();
        assert_eq!(event.severity, Severity::Medium);
        let event = decode(b"CEF:0|V|P|1|sig|Name|5|", &ctx()).unwrap();
        assert_eq!(event.fields["name"], "Name");
    }

    #[test]
    fn malformed_records_give_specific_errors() {
        assert_eq!(decode(b"LEEF:1.0|x", &ctx()), Err(CefError::NotCef));
        assert_eq!(decode(b"CEF:0|V|P|1", &ctx()), Err(CefError::TruncatedHeader { found: 3 }));
        assert_eq!(decode(b"CEF:7|V|P|1|s|n|5|", &ctx()), Err(CefError::UnsupportedVersion("7".into())));
        assert_eq!(decode(b"CEF:0|V|P|1|s|n|11|", &ctx()), Err(CefError::InvalidSeverity("11".into())));
        assert_eq!(decode(b"CEF:0|V|P|1|s|n|urgent|", &ctx()), Err(CefError::InvalidSeverity("urgent".into())));
        assert!(matches!(decode(b"CEF:0|V|P|1|s|n|5|just text", &ctx()), Err(CefError::InvalidExtensionKey(_))));
        assert!(matches!(decode(b"CEF:0|V|P|1|s|n|5|b@d=1", &ctx()), Err(CefError::InvalidExtensionKey(_))));
        assert!(matches!(decode(b"CEF:0|\xFF", &ctx()), Err(CefError::Input(InputError::InvalidUtf8 { .. }))));
    }
}
