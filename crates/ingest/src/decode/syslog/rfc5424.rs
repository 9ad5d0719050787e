//! A strict, allocation-free reader of well-formed RFC 5424 lines.
//!
//! Most syslog received from managed equipment is well-formed RFC 5424, and
//! the general parser (`syslog_loose`, which first tries RFC 5424 and then
//! RFC 3164 with its many tolerances, and builds `chrono` times) was the bulk
//! of the decoder's time. This reader accepts only the grammar of the RFC
//! (section 6) and borrows every part from the line; anything it does not
//! accept, it declines (`None`), and the decoder hands the line to the
//! general parser, so its strictness never loses a message.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;

/// The parts of one RFC 5424 line, borrowed from it. Header fields written
/// as the NILVALUE `-` are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rfc5424<'a> {
    pub pri: u8,
    pub version: u16,
    pub time: Option<Timestamp>,
    pub hostname: Option<&'a str>,
    pub appname: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    /// Structured data exactly as written (`-` when absent).
    pub structured_data: &'a str,
    /// The MSG part, untrimmed; empty when the line ends after the SD.
    pub msg: &'a str,
}

/// Reads `line` (already trimmed) when it is well-formed RFC 5424.
pub fn parse(line: &str) -> Option<Rfc5424<'_>> {
    let rest = line.strip_prefix('<')?;
    let close = rest.as_bytes().iter().take(4).position(|&b| b == b'>')?;
    let pri = digits_value(&rest.as_bytes()[..close])?;
    let pri = u8::try_from(pri).ok().filter(|&p| p <= 191)?;
    let rest = &rest[close + 1..];
    let (version, rest) = rest.split_once(' ')?;
    if version.is_empty() || version.len() > 3 || version.starts_with('0') {
        return None;
    }
    let version = u16::try_from(digits_value(version.as_bytes())?).ok()?;
    let (timestamp, rest) = rest.split_once(' ')?;
    let time = if timestamp == "-" { None } else { Some(rfc3339(timestamp.as_bytes())?) };
    let (hostname, rest) = header_field(rest, 255)?;
    let (appname, rest) = header_field(rest, 48)?;
    let (procid, rest) = header_field(rest, 128)?;
    let (msgid, rest) = header_field(rest, 32)?;
    let sd_len = structured_data_len(rest.as_bytes())?;
    let (structured_data, after) = rest.split_at(sd_len);
    let msg = match after.strip_prefix(' ') {
        Some(msg) => msg,
        None if after.is_empty() => "",
        None => return None,
    };
    Some(Rfc5424 { pri, version, time, hostname, appname, procid, msgid, structured_data, msg })
}

/// The SD elements, `(SD-ID, [(PARAM-NAME, raw PARAM-VALUE)])`, of a
/// structured-data part that [`parse`] accepted. Values are still escaped;
/// see [`unescape`].
pub fn elements(structured_data: &str) -> impl Iterator<Item = (&str, Params<'_>)> {
    let mut rest = if structured_data == "-" { "" } else { structured_data };
    std::iter::from_fn(move || {
        let body = rest.strip_prefix('[')?;
        let end = element_end(body.as_bytes())?;
        let (element, after) = (&body[..end], &body[end + 1..]);
        rest = after;
        let (id, params) = element.split_once(' ').unwrap_or((element, ""));
        Some((id, Params { rest: params }))
    })
}

/// The parameters of one SD element.
pub struct Params<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Params<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, after) = self.rest.split_once("=\"")?;
        let len = quoted_len(after.as_bytes())?;
        let value = &after[..len];
        self.rest = after[len + 1..].strip_prefix(' ').unwrap_or(&after[len + 1..]);
        Some((name, value))
    }
}

/// A PARAM-VALUE with its escapes (`\"`, `\\`, `\]`) removed; any other
/// backslash is kept, as the RFC says.
pub fn unescape(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains('\\') {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(next @ ('"' | '\\' | ']')) => out.push(next),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One space-terminated header field of printable US-ASCII, at most `max`
/// bytes. A field ending in `:` is declined: the general parser reads such
/// lines as BSD tags, and the fast path must not decide otherwise.
fn header_field(text: &str, max: usize) -> Option<(Option<&str>, &str)> {
    let (field, rest) = text.split_once(' ')?;
    if field.is_empty() || field.len() > max || field.ends_with(':') || !field.bytes().all(|b| (33..=126).contains(&b))
    {
        return None;
    }
    Some((if field == "-" { None } else { Some(field) }, rest))
}

/// The length of the STRUCTURED-DATA part at the start of `bytes`.
fn structured_data_len(bytes: &[u8]) -> Option<usize> {
    if bytes.first() == Some(&b'-') {
        return Some(1);
    }
    let mut at = 0;
    while bytes.get(at) == Some(&b'[') {
        at += 1 + sd_element_len(&bytes[at + 1..])? + 1;
    }
    (at > 0).then_some(at)
}

/// The length of one SD-ELEMENT's inside (after `[`, up to its `]`),
/// checking the RFC's grammar: SD-ID, then ` name="value"` pairs.
fn sd_element_len(bytes: &[u8]) -> Option<usize> {
    let id_len = bytes.iter().position(|&b| !is_sd_name(b))?;
    if id_len == 0 || id_len > 32 {
        return None;
    }
    let mut at = id_len;
    loop {
        match bytes.get(at)? {
            b']' => return Some(at),
            b' ' => at += 1,
            _ => return None,
        }
        let name_len = bytes[at..].iter().position(|&b| !is_sd_name(b))?;
        if name_len == 0 || name_len > 32 || bytes.get(at + name_len..at + name_len + 2)? != b"=\"" {
            return None;
        }
        at += name_len + 2;
        at += quoted_len(&bytes[at..])? + 1;
    }
}

/// The position of the `]` that closes an element whose grammar
/// [`sd_element_len`] already checked (a `]` inside a value is quoted).
fn element_end(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b']' => return Some(at),
            b'"' => at += quoted_len(&bytes[at + 1..])? + 2,
            _ => at += 1,
        }
    }
    None
}

/// The length of a PARAM-VALUE up to its closing unescaped `"`.
fn quoted_len(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => return Some(at),
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    None
}

/// SD-NAME: printable US-ASCII except `=`, space, `]` and `"`.
fn is_sd_name(b: u8) -> bool {
    (33..=126).contains(&b) && !matches!(b, b'=' | b']' | b'"')
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, the RFC's profile of RFC 3339.
fn rfc3339(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = i16::try_from(digits_value(&b[0..4])?).ok()?;
    let month = i8::try_from(digits_value(&b[5..7])?).ok()?;
    let day = i8::try_from(digits_value(&b[8..10])?).ok()?;
    let hour = i8::try_from(digits_value(&b[11..13])?).ok()?;
    let minute = i8::try_from(digits_value(&b[14..16])?).ok()?;
    let second = i8::try_from(digits_value(&b[17..19])?).ok()?;
    let mut at = 19;
    let mut nanos = 0i32;
    if b[at] == b'.' {
        let frac = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        // The RFC allows six digits; nanosecond precision is what we keep.
        if frac == 0 || frac > 9 {
            return None;
        }
        let value = i32::try_from(digits_value(&b[at + 1..at + 1 + frac])?).ok()?;
        nanos = value * 10i32.pow(u32::try_from(9 - frac).ok()?);
        at += 1 + frac;
    }
    let offset_seconds = match &b[at..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = i32::try_from(digits_value(&[*h1, *h2])?).ok()?;
            let minutes = i32::try_from(digits_value(&[*m1, *m2])?).ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let civil = DateTime::new(year, month, day, hour, minute, second, nanos).ok()?;
    Offset::from_seconds(offset_seconds).ok()?.to_timestamp(civil).ok()
}

/// The value of a run of ASCII digits (at most 9, so it cannot overflow).
fn digits_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_part_of_a_well_formed_line() {
        let line = r#"<165>1 2026-01-05T10:14:15.003+01:00 pacs-01.hq.local evntslog 8710 ID47 [a@1 x="1" y="q\"]"][b] msg here"#;
        let m = parse(line).unwrap();
        assert_eq!(m.pri, 165);
        assert_eq!(m.version, 1);
        assert_eq!(m.time, Some("2026-01-05T09:14:15.003Z".parse().unwrap()));
        assert_eq!(m.hostname, Some("pacs-01.hq.local"));
        assert_eq!(m.appname, Some("evntslog"));
        assert_eq!(m.procid, Some("8710"));
        assert_eq!(m.msgid, Some("ID47"));
        assert_eq!(m.msg, "msg here");
        let sd: Vec<(&str, Vec<(&str, &str)>)> = elements(m.structured_data).map(|(id, p)| (id, p.collect())).collect();
        assert_eq!(sd, vec![("a@1", vec![("x", "1"), ("y", r#"q\"]"#)]), ("b", vec![])]);
        assert_eq!(unescape(r#"q\"]\\ \n"#), r#"q"]\ \n"#);
    }

    #[test]
    fn nil_values_and_missing_message() {
        let m = parse("<34>1 - - - - - -").unwrap();
        assert_eq!((m.time, m.hostname, m.appname, m.procid, m.msgid), (None, None, None, None, None));
        assert_eq!((m.structured_data, m.msg), ("-", ""));
        assert_eq!(elements(m.structured_data).count(), 0);
    }

    #[test]
    fn times_in_every_allowed_form() {
        let t = |s: &str| rfc3339(s.as_bytes());
        assert_eq!(t("2003-10-11T22:14:15.003Z"), Some("2003-10-11T22:14:15.003Z".parse().unwrap()));
        assert_eq!(t("2003-08-24T05:14:15.000003-07:00"), Some("2003-08-24T12:14:15.000003Z".parse().unwrap()));
        assert_eq!(t("2003-08-24T05:14:15Z"), Some("2003-08-24T05:14:15Z".parse().unwrap()));
        for bad in [
            "2003-08-24T05:14:15",
            "2003-08-24 05:14:15Z",
            "2003-02-30T05:14:15Z",
            "2003-08-24T05:14:15.Z",
            "2003-08-24T05:14:15+0700",
            "2003-08-24T25:14:15Z",
            "2003-08-24T05:14:15.0000000001Z",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    #[test]
    fn declines_what_is_not_strict_rfc_5424() {
        for line in [
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
            "<34>01 2003-10-11T22:14:15Z host app - - - m",
            "<192>1 2003-10-11T22:14:15Z host app - - - m",
            "<34>1 2003-10-11T22:14:15Z host: app - - - m",
            "<34>1 2003-10-11T22:14:15Z host app - - [x a=1] m",
            "<34>1 2003-10-11T22:14:15Z host app - - [x a=\"1] m",
            "<34>1 2003-10-11T22:14:15Z host app - - [x a=\"1\"]m",
            "<34>1 2003-10-11T22:14:15Z host app - -",
            "<34>1 2003-10-11T22:14:15Z host app - - x",
        ] {
            assert_eq!(parse(line), None, "{line}");
        }
    }
}
