//! Zeek logs in Zeek's own tab-separated form: the `#separator`,
//! `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#fields` and
//! `#types` lines set how every following record is read, until the next
//! header. Each record becomes the same event as the JSON form of it
//! (`zeek::from_fields`): counts, integers and times as numbers, `T`/`F` as
//! booleans, sets and vectors as arrays, unset fields left out.
//!
//! This is how ICSNPP's Modbus and BACnet analysers (and Zeek by default)
//! write their logs, so a log file is read as a whole, header first, not
//! line by line like the JSON form.

use serde_json::{Map, Value};

use super::zeek::{self, ZeekError};
use super::{Context, DecodeError};

/// How the records after a header are read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    separator: String,
    set_separator: String,
    empty: String,
    unset: String,
    path: Option<String>,
    fields: Vec<String>,
    types: Vec<String>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            separator: "\t".into(),
            set_separator: ",".into(),
            empty: "(empty)".into(),
            unset: "-".into(),
            path: None,
            fields: Vec::new(),
            types: Vec::new(),
        }
    }
}

/// Why a record of a tab-separated log is not read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZeekTsvError {
    /// A record came before any `#fields` line.
    #[error("record before the log's #fields header")]
    NoHeader,
    /// A record with another number of columns than `#fields` names.
    #[error("record has {found} columns, #fields names {expected}")]
    Columns {
        /// Columns in the record.
        found: usize,
        /// Columns the header names.
        expected: usize,
    },
}

impl ZeekTsvError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            ZeekTsvError::NoHeader => "zeek_tsv_no_header",
            ZeekTsvError::Columns { .. } => "zeek_tsv_columns",
        }
    }
}

/// Reads a whole tab-separated log (or several, one after the other): one
/// result per record line, with its 1-based line number. `log` names the
/// log when no `#path` line does.
pub fn read<'a>(
    text: &'a str,
    log: Option<&'a str>,
    ctx: &'a Context,
) -> impl Iterator<Item = (usize, Result<safecare_model::Event, DecodeError>)> + 'a {
    let mut header = Header::default();
    text.lines().enumerate().filter_map(move |(i, line)| {
        if let Some(directive) = line.strip_prefix('#') {
            header.apply(directive);
            return None;
        }
        if line.trim().is_empty() {
            return None;
        }
        Some((i + 1, header.record(line, log, ctx)))
    })
}

impl Header {
    fn apply(&mut self, directive: &str) {
        let (name, value) = match directive.split_once(self.separator.as_str()) {
            Some(pair) => pair,
            // `#separator \x09` is the one directive written with a space.
            None => directive.split_once(' ').unwrap_or((directive, "")),
        };
        let list = |value: &str, sep: &str| value.split(sep).map(str::to_owned).collect();
        match name {
            "separator" => self.separator = unescape_hex(value),
            "set_separator" => self.set_separator = value.to_owned(),
            "empty_field" => self.empty = value.to_owned(),
            "unset_field" => self.unset = value.to_owned(),
            "path" => self.path = Some(value.to_owned()),
            "fields" => self.fields = list(value, &self.separator),
            "types" => self.types = list(value, &self.separator),
            _ => {}
        }
    }

    fn record(&self, line: &str, log: Option<&str>, ctx: &Context) -> Result<safecare_model::Event, DecodeError> {
        if self.fields.is_empty() {
            return Err(ZeekTsvError::NoHeader.into());
        }
        let columns: Vec<&str> = line.split(self.separator.as_str()).collect();
        if columns.len() != self.fields.len() {
            return Err(ZeekTsvError::Columns { found: columns.len(), expected: self.fields.len() }.into());
        }
        let mut fields = Map::new();
        for (i, (name, raw)) in self.fields.iter().zip(columns).enumerate() {
            if raw == self.unset {
                continue;
            }
            let kind = self.types.get(i).map_or("string", String::as_str);
            fields.insert(name.clone(), self.value(kind, raw));
        }
        if let Some(path) = &self.path {
            fields.insert("_path".into(), Value::String(path.clone()));
        }
        let event: Result<_, ZeekError> = zeek::from_fields(fields, log, ctx);
        Ok(event?)
    }

    /// One column as its Zeek type says.
    fn value(&self, kind: &str, raw: &str) -> Value {
        if let Some(inner) = kind.strip_prefix("vector[").or_else(|| kind.strip_prefix("set[")) {
            let inner = inner.trim_end_matches(']');
            if raw == self.empty {
                return Value::Array(Vec::new());
            }
            return Value::Array(raw.split(self.set_separator.as_str()).map(|item| self.value(inner, item)).collect());
        }
        if raw == self.empty {
            return Value::String(String::new());
        }
        let number = match kind {
            "count" | "int" | "port" => raw.parse::<i64>().ok().map(Value::from),
            "double" | "time" | "interval" => raw.parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::from),
            "bool" => match raw {
                "T" => Some(Value::Bool(true)),
                "F" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => None,
        };
        number.unwrap_or_else(|| Value::String(raw.to_owned()))
    }
}

/// `\x09` → a tab: how Zeek writes its separator in the header.
fn unescape_hex(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("\\x") {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 2..at + 4).and_then(|h| u8::from_str_radix(h, 16).ok());
        match code {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push_str("\\x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::Domain;
    use serde_json::json;

    const LOG: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tmodbus_detailed\n\
        #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tunit\tfunc\taddress\trequest_values\tmatched\tnote\n\
        #types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tcount\tvector[count]\tbool\tstring\n\
        1767607200.5\tC1\t10.0.0.9\t47785\t10.0.0.50\t502\t4\tWRITE_SINGLE_REGISTER\t10\t28,0\tT\t-\n\
        1767607201.0\tC1\t10.0.0.9\t47785\t10.0.0.50\t502\t4\tREAD_COILS\t1\t(empty)\tF\t(empty)\n\
        1767607202.0\tC1\t10.0.0.9\n";

    #[test]
    fn records_are_typed_by_the_header_and_unset_fields_left_out() {
        let ctx = Context::new("ics");
        let results: Vec<_> = read(LOG, None, &ctx).collect();
        assert_eq!(results.len(), 3);
        let (line, first) = &results[0];
        let first = first.as_ref().unwrap();
        assert_eq!(*line, 8);
        assert_eq!(first.domain, Domain::Building);
        assert_eq!(first.logsource.service.as_deref(), Some("modbus_detailed"));
        assert_eq!(first.time.to_string(), "2026-01-05T10:00:00.5Z");
        assert_eq!(first.fields["id.resp_p"], json!(502));
        assert_eq!(first.fields["request_values"], json!([28, 0]));
        assert_eq!(first.fields["matched"], json!(true));
        assert!(!first.fields.contains_key("note"));
        let second = results[1].1.as_ref().unwrap();
        assert_eq!(second.fields["request_values"], json!([]));
        assert_eq!(second.fields["note"], json!(""));
        assert_eq!(results[2].1.as_ref().unwrap_err().kind(), "zeek_tsv_columns");
    }

    #[test]
    fn a_record_needs_a_header_and_a_time() {
        let ctx = Context::new("ics");
        let results: Vec<_> = read("1767607200\tC1\n", None, &ctx).collect();
        assert_eq!(results[0].1.as_ref().unwrap_err().kind(), "zeek_tsv_no_header");
        let masked = "#separator \\x09\n#path\tbacnet\n#fields\tts\tuid\n#types\ttime\tstring\nXXXXXXXXXX.XXXXXX\tC1\n";
        let results: Vec<_> = read(masked, None, &ctx).collect();
        assert_eq!(results[0].1.as_ref().unwrap_err().kind(), "zeek_invalid_ts");
        assert_eq!(unescape_hex("\\x09|\\xzz"), "\t|\\xzz");
    }
}
