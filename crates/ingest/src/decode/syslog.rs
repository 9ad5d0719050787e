//! Syslog, RFC 5424 and RFC 3164, with the deviations real devices send.
//!
//! General parsing is done by `syslog_loose`, which already tolerates missing
//! hostnames, ISO timestamps in BSD messages and similar. On top of it this
//! decoder:
//! - reads BSD timestamps (no year, no zone) in the source's configured zone
//!   and picks the year so that a December line received in January lands
//!   in the previous year;
//! - keeps a line whose header is unreadable after a valid `<PRI>` (Cisco's
//!   `<189>123: *Mar 1 …`) as an event with the receipt time rather than
//!   dropping it;
//! - hands a `CEF:` payload to the CEF decoder, keeping the syslog header;
//! - reads well-formed RFC 5424 lines with its own strict reader
//!   (`rfc5424.rs`), several times faster, and gives the general parser only
//!   the lines that reader declines.

mod rfc5424;

use jiff::civil::DateTime;
use safecare_model::{Domain, Event, MAX_MESSAGE_LEN, Severity, Timestamp};
use serde_json::{Map, Value, json};
use syslog_loose::{Message, Protocol, SyslogFacility, SyslogSeverity, Variant};

use self::rfc5424::Rfc5424;
use super::cef::{self, CefError};
use super::input::{self, InputError};
use super::{Context, time};

/// Why a line is not a syslog message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyslogError {
    /// The input itself is unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// No `<PRI>` at the start.
    #[error("line does not start with a <PRI> priority")]
    MissingPri,
    /// A priority outside 0..=191.
    #[error("priority <{0}> is out of range (0..=191)")]
    InvalidPri(String),
    /// The message is CEF but broken.
    #[error("syslog line carries a broken CEF payload: {0}")]
    Cef(#[from] CefError),
}

impl SyslogError {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            SyslogError::Input(e) => e.kind(),
            SyslogError::MissingPri => "missing_pri",
            SyslogError::InvalidPri(_) => "invalid_pri",
            SyslogError::Cef(e) => e.kind(),
        }
    }
}

/// Decodes one syslog line (without its transport framing).
pub fn decode(input: &[u8], ctx: &Context) -> Result<Event, SyslogError> {
    let text = input::text(input, MAX_MESSAGE_LEN)?;
    let pri = leading_pri(text)?;
    match rfc5424::parse(text.trim()) {
        Some(line) => decode_rfc5424(text, &line, ctx),
        None => decode_general(text, pri, ctx),
    }
}

/// Any syslog form, through `syslog_loose`.
fn decode_general(text: &str, pri: u8, ctx: &Context) -> Result<Event, SyslogError> {
    let received_civil = ctx.timezone.to_datetime(ctx.received);
    let get_year = move |(month, _, _, _, _): (u32, u32, u32, u32, u32)| year_for(month, received_civil);
    // Parsed in UTC so that a zone-less BSD time comes back as its civil
    // value, which is then placed in the source's zone (with DST) below.
    let parsed =
        syslog_loose::parse_message_with_year_exact_tz(text, get_year, Some(chrono::Utc), Variant::Either).ok();
    let Some(msg) = parsed else {
        return Ok(pri_only(text, pri, ctx));
    };
    let time = message_time(text, &msg, ctx).unwrap_or(ctx.received);
    let header = Header {
        pri,
        protocol: match msg.protocol {
            Protocol::RFC3164 => "rfc3164",
            Protocol::RFC5424(_) => "rfc5424",
        },
        hostname: msg.hostname,
        appname: msg.appname,
        procid: msg.procid.as_ref().map(ToString::to_string),
        msgid: msg.msgid,
    };
    let params = msg.structured_data.iter().map(|e| e.params.len()).sum();
    let mut event = message_event(text, &header, time, msg.msg, params, ctx)?;
    for element in &msg.structured_data {
        for (name, value) in &element.params {
            insert_param(&mut event.fields, element.id, name, value);
        }
    }
    Ok(event)
}

/// The fast path for well-formed RFC 5424 lines.
fn decode_rfc5424(text: &str, line: &Rfc5424<'_>, ctx: &Context) -> Result<Event, SyslogError> {
    let header = Header {
        pri: line.pri,
        protocol: "rfc5424",
        hostname: line.hostname,
        appname: line.appname,
        // As `syslog_loose` reads it, so both paths agree: a number is
        // written back as a number (`0042` → `42`).
        procid: line.procid.map(|p| p.parse::<i32>().map_or_else(|_| p.to_owned(), |n| n.to_string())),
        msgid: line.msgid,
    };
    let params = line.structured_data.matches("=\"").count();
    let mut event = message_event(text, &header, line.time.unwrap_or(ctx.received), line.msg, params, ctx)?;
    for (id, params) in rfc5424::elements(line.structured_data) {
        for (name, value) in params {
            insert_param(&mut event.fields, id, name, value);
        }
    }
    Ok(event)
}

/// The most `syslog.*` fields a line gives.
const HEADER_FIELDS: usize = 8;

/// The header parts both parsers yield.
struct Header<'a> {
    pri: u8,
    protocol: &'static str,
    hostname: Option<&'a str>,
    appname: Option<&'a str>,
    procid: Option<String>,
    msgid: Option<&'a str>,
}

/// The event of one parsed line: its message (or its CEF payload), severity,
/// logsource and header fields.
fn message_event(
    text: &str,
    header: &Header<'_>,
    time: Timestamp,
    msg: &str,
    params: usize,
    ctx: &Context,
) -> Result<Event, SyslogError> {
    let (facility, severity) = syslog_loose::decompose_pri(header.pri);
    let body = msg.trim();
    // BSD parsers read `CEF:0|…` as a tag named `CEF`, so look in the line.
    let is_cef = body.starts_with("CEF:") || header.appname == Some("CEF");
    let mut event = match cef::payload(text).filter(|_| is_cef) {
        Some(cef_text) => cef::decode_text(cef_text, time, ctx)?,
        None => {
            let mut event = ctx.event(Domain::Cyber, time, body);
            event.severity = severity_of(severity);
            // Sized once: growing the (ordered, hashed) map was a tenth of
            // the decoder's time.
            event.fields = Map::with_capacity(HEADER_FIELDS + params);
            event
        }
    };
    header_fields(header, facility, severity, &mut event.fields);
    if event.logsource.service.is_none() {
        set_logsource(facility, &mut event);
    }
    Ok(event)
}

/// The numeric priority at the start of the line; required by both RFCs.
fn leading_pri(text: &str) -> Result<u8, SyslogError> {
    let rest = text.strip_prefix('<').ok_or(SyslogError::MissingPri)?;
    let end = rest.find('>').filter(|&end| end > 0 && end <= 3).ok_or(SyslogError::MissingPri)?;
    let digits = &rest[..end];
    match digits.parse::<u8>() {
        Ok(pri) if pri <= 191 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(pri),
        _ => Err(SyslogError::InvalidPri(digits.to_owned())),
    }
}

/// A line with a valid priority but a header no parser recognises.
fn pri_only(text: &str, pri: u8, ctx: &Context) -> Event {
    let body = text.split_once('>').map_or(text, |(_, rest)| rest).trim();
    let (_, severity) = syslog_loose::decompose_pri(pri);
    let mut event = ctx.event(Domain::Cyber, ctx.received, body);
    event.severity = severity_of(severity);
    event.logsource.service = Some("syslog".into());
    event.fields.insert("syslog.pri".into(), json!(pri));
    event.fields.insert("syslog.header".into(), json!("unparsed"));
    event
}

/// BSD timestamps carry no year: the receipt year, unless that would put
/// the message more than a month in the future (year wrap).
fn year_for(month: u32, received: DateTime) -> i32 {
    let year = i32::from(received.year());
    if i64::from(month) > i64::from(received.month()) + 1 { year - 1 } else { year }
}

fn message_time(text: &str, msg: &Message<&str>, ctx: &Context) -> Option<Timestamp> {
    let dt = msg.timestamp?;
    if matches!(msg.protocol, Protocol::RFC3164) && !has_iso_timestamp(text) {
        let naive = dt.naive_utc();
        let civil = DateTime::new(
            i16::try_from(chrono::Datelike::year(&naive)).ok()?,
            i8::try_from(chrono::Datelike::month(&naive)).ok()?,
            i8::try_from(chrono::Datelike::day(&naive)).ok()?,
            i8::try_from(chrono::Timelike::hour(&naive)).ok()?,
            i8::try_from(chrono::Timelike::minute(&naive)).ok()?,
            i8::try_from(chrono::Timelike::second(&naive)).ok()?,
            0,
        )
        .ok()?;
        return time::civil_in(civil, &ctx.timezone);
    }
    Timestamp::new(dt.timestamp(), i32::try_from(dt.timestamp_subsec_nanos()).ok()?).ok()
}

/// True when the BSD header uses an RFC 3339 time (which has its own
/// offset) rather than `Mmm dd hh:mm:ss`.
fn has_iso_timestamp(text: &str) -> bool {
    text.split_once('>').is_some_and(|(_, rest)| rest.trim_start().starts_with(|c: char| c.is_ascii_digit()))
}

fn severity_of(severity: Option<SyslogSeverity>) -> Severity {
    match severity {
        Some(SyslogSeverity::SEV_EMERG | SyslogSeverity::SEV_ALERT) => Severity::Critical,
        Some(SyslogSeverity::SEV_CRIT) => Severity::High,
        Some(SyslogSeverity::SEV_ERR) => Severity::Medium,
        Some(SyslogSeverity::SEV_WARNING) => Severity::Low,
        _ => Severity::Info,
    }
}

/// Header parts under `syslog.*`.
fn header_fields(
    header: &Header<'_>,
    facility: Option<SyslogFacility>,
    severity: Option<SyslogSeverity>,
    fields: &mut Map<String, Value>,
) {
    fields.insert("syslog.pri".to_owned(), Value::from(header.pri));
    if let Some(f) = facility {
        fields.insert("syslog.facility".to_owned(), Value::from(f.as_str()));
    }
    if let Some(s) = severity {
        fields.insert("syslog.severity".to_owned(), Value::from(s.as_str()));
    }
    fields.insert("syslog.protocol".to_owned(), Value::from(header.protocol));
    let appname = header.appname.filter(|a| *a != "CEF");
    let parts = [("syslog.hostname", header.hostname), ("syslog.appname", appname), ("syslog.msgid", header.msgid)];
    for (name, value) in parts {
        if let Some(v) = value.filter(|v| !v.is_empty() && *v != "-") {
            fields.insert(name.to_owned(), Value::from(v));
        }
    }
    if let Some(procid) = &header.procid {
        fields.insert("syslog.procid".to_owned(), Value::from(procid.as_str()));
    }
}

/// One structured-data parameter as `<SD-ID>.<param>` (RFC 5424 SD-IDs are
/// unique per message, so the names do not collide), its escapes removed.
fn insert_param(fields: &mut Map<String, Value>, id: &str, name: &str, raw: &str) {
    let mut key = String::with_capacity(id.len() + 1 + name.len());
    key.push_str(id);
    key.push('.');
    key.push_str(name);
    fields.insert(key, Value::String(rfc5424::unescape(raw).into_owned()));
}

/// Facility `auth`/`authpriv` is what SigmaHQ's `service: auth` rules read;
/// everything else is generic syslog.
fn set_logsource(facility: Option<SyslogFacility>, event: &mut Event) {
    let service = match facility {
        Some(SyslogFacility::LOG_AUTH | SyslogFacility::LOG_AUTHPRIV) => "auth",
        _ => "syslog",
    };
    event.logsource.service = Some(service.into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;
    use proptest::prelude::*;

    fn ctx() -> Context {
        Context::new("syslog-test").received_at("2026-01-05T12:00:00Z".parse().unwrap())
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let line = br#"<165>1 2026-01-05T10:14:15.003+01:00 pacs-01.hq.local evntslog 8710 ID47 [exampleSDID@32473 iut="3" eventSource="Application"][origin ip="10.1.2.3"] An application event"#;
        let event = decode(line, &ctx()).unwrap();
        assert_eq!(event.time, "2026-01-05T09:14:15.003Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.message, "An application event");
        assert_eq!(event.severity, Severity::Info);
        assert_eq!(event.fields["syslog.hostname"], "pacs-01.hq.local");
        assert_eq!(event.fields["syslog.appname"], "evntslog");
        assert_eq!(event.fields["syslog.procid"], "8710");
        assert_eq!(event.fields["syslog.msgid"], "ID47");
        assert_eq!(event.fields["exampleSDID@32473.eventSource"], "Application");
        assert_eq!(event.fields["origin.ip"], "10.1.2.3");
        assert_eq!(event.fields["syslog.protocol"], "rfc5424");
        assert_eq!(event.logsource.service.as_deref(), Some("syslog"));
    }

    #[test]
    fn bsd_time_is_read_in_source_zone_and_year_wraps() {
        let paris = ctx().with_timezone(TimeZone::get("Europe/Paris").unwrap());
        let event = decode(b"<38>Dec 31 23:59:58 host sshd[42]: Failed password for root", &paris).unwrap();
        assert_eq!(event.time, "2025-12-31T22:59:58Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.fields["syslog.facility"], "auth");
        assert_eq!(event.fields["syslog.appname"], "sshd");
        assert_eq!(event.logsource.service.as_deref(), Some("auth"));
        assert_eq!(event.severity, Severity::Info);
    }

    #[test]
    fn bsd_line_with_iso_time_keeps_its_offset() {
        let event = decode(b"<11>2026-01-05T08:00:00+02:00 fw01 kernel: link down", &ctx()).unwrap();
        assert_eq!(event.time, "2026-01-05T06:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(event.severity, Severity::Medium);
    }

    #[test]
    fn unparseable_header_after_valid_pri_is_kept() {
        let event = decode(b"<189>: %%% weird vendor header", &ctx()).unwrap();
        assert_eq!(event.time, ctx().received);
        assert!(event.message.contains("weird vendor header"));
    }

    #[test]
    fn cef_inside_syslog_keeps_both_headers() {
        let line = b"<134>Jan  5 11:00:00 ids01 CEF:0|Acme|NIDS|2.1|100|Port scan|7|src=10.0.0.5 dst=10.0.0.9";
        let event = decode(line, &ctx()).unwrap();
        assert_eq!(event.fields["syslog.hostname"], "ids01");
        assert_eq!(event.fields["src"], "10.0.0.5");
        assert_eq!(event.severity, Severity::High);
        assert_eq!(event.message, "Port scan");
    }

    #[test]
    fn bad_lines_give_specific_errors() {
        assert_eq!(decode(b"no priority here", &ctx()), Err(SyslogError::MissingPri));
        assert_eq!(decode(b"<999>1 - - - - - x", &ctx()), Err(SyslogError::InvalidPri("999".into())));
        assert_eq!(decode(b"<1a>x", &ctx()), Err(SyslogError::InvalidPri("1a".into())));
        assert_eq!(decode(b"<", &ctx()), Err(SyslogError::MissingPri));
        assert_eq!(decode(b"", &ctx()), Err(SyslogError::Input(InputError::Empty)));
        assert!(matches!(
            decode(b"<13>Jan  5 11:00:00 h a: \xC3\x28", &ctx()),
            Err(SyslogError::Input(InputError::InvalidUtf8 { .. }))
        ));
        let huge = format!("<13>{}", "x".repeat(MAX_MESSAGE_LEN));
        assert!(matches!(decode(huge.as_bytes(), &ctx()), Err(SyslogError::Input(InputError::TooLarge { .. }))));
        let broken_cef = b"<134>Jan  5 11:00:00 ids01 CEF:0|Acme|NIDS";
        assert!(matches!(decode(broken_cef, &ctx()), Err(SyslogError::Cef(_))));
    }

    #[test]
    fn structured_data_escapes_are_removed_on_both_paths() {
        let fast = decode(br#"<13>1 - h a - - [x@1 v="say \"hi\" \] \\ \n"] m"#, &ctx()).unwrap();
        assert_eq!(fast.fields["x@1.v"], r#"say "hi" ] \ \n"#);
        // No space between the SD and the message: only the general parser
        // accepts that.
        let general = decode(br#"<13>1 - h a - - [x@1 v="say \"hi\""]m"#, &ctx()).unwrap();
        assert_eq!(general.fields["x@1.v"], r#"say "hi""#);
        assert_eq!(general.message, "m");
    }

    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![Just("-".to_owned()), "[a-zA-Z0-9._-]{1,12}", "[0-9]{1,6}", "[a-z0-9]{1,4}:[a-z0-9]{1,4}"]
    }

    fn time_text() -> impl Strategy<Value = String> {
        let fraction = prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"];
        let offset = prop_oneof![Just("Z".to_owned()), "[+-](0[0-9]|1[0-4]):(00|30|45)"];
        let civil = (1970u16..2100, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60);
        prop_oneof![
            1 => Just("-".to_owned()),
            6 => (civil, fraction, offset).prop_map(|((y, mo, d, h, mi, s), f, o)| {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}{o}")
            }),
        ]
    }

    fn structured_data() -> impl Strategy<Value = String> {
        let value = proptest::collection::vec(
            prop_oneof![
                Just(r#"\""#),
                Just(r"\]"),
                Just(r"\\"),
                Just(r"\n"),
                Just(" "),
                Just("="),
                Just("é"),
                Just("[a]")
            ],
            0..4,
        )
        .prop_map(|parts| parts.concat());
        let param = ("[a-zA-Z]{1,8}", "[a-z0-9.]{0,6}", value).prop_map(|(n, v, e)| format!(" {n}=\"{v}{e}\""));
        let element = ("[a-zA-Z][a-zA-Z0-9@.]{0,12}", proptest::collection::vec(param, 0..3))
            .prop_map(|(id, params)| format!("[{id}{}]", params.concat()));
        prop_oneof![1 => Just("-".to_owned()), 3 => proptest::collection::vec(element, 1..3).prop_map(|e| e.concat())]
    }

    fn well_formed_line() -> impl Strategy<Value = String> {
        (
            0u8..=191,
            time_text(),
            (header_value(), header_value(), header_value(), header_value()),
            structured_data(),
            prop_oneof![Just(String::new()), " +[ -~]{0,30}"],
        )
            .prop_map(|(pri, time, (host, app, proc_id, msg_id), sd, msg)| {
                format!("<{pri}>1 {time} {host} {app} {proc_id} {msg_id} {sd}{msg}")
            })
    }

    proptest::proptest! {
        /// The fast reader and the general parser make the same event of
        /// every well-formed RFC 5424 line.
        #[test]
        fn fast_path_agrees_with_the_general_parser(line in well_formed_line()) {
            let ctx = ctx();
            prop_assert!(rfc5424::parse(line.trim()).is_some(), "declined {}", line);
            let general = decode_general(&line, leading_pri(&line).unwrap(), &ctx);
            let mut fast = decode(line.as_bytes(), &ctx);
            if let (Ok(fast), Ok(general)) = (&mut fast, &general) {
                fast.id = general.id;
            }
            prop_assert_eq!(fast, general, "{}", line);
        }
    }
}
