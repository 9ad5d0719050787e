//! HL7 v2 messages in their usual pipe-and-hat encoding (ER7), as clinical
//! systems and medical devices exchange them over MLLP.
//!
//! A message is segments (one per line; CR, LF or CRLF) of fields split by
//! the separator that follows `MSH`; `MSH-2` names the component, repetition,
//! escape and sub-component characters. One message becomes one medical
//! event (logsource product `hl7`, category `message`) carrying what
//! detection needs: who sent it to whom (`MSH-3`…`MSH-6`), the message type
//! and trigger, the control id, the devices and observations of `OBX`
//! segments, and the order control of `ORC`. The patient (`PID-3`, `PID-5`)
//! and the clinician (`ORC-12`, `OBR-16`, `PV1-7`) travel only in the fields
//! the privacy step tokenises (`patient_id`, `patient_name`, `staff_id`,
//! `staff_name`); dates of birth, addresses and free-text notes are not kept.
//!
//! Written here rather than with a crate: the encoding is five delimiters and
//! one escape scheme, the crates for it are experimental (`rust-hl7` says so)
//! or AGPL-licensed (`hl7v2`), and the MLLP listener needs the header of a
//! message whose body is broken, to answer it with the right error.
//!
//! Refused (the MLLP listener answers `AE`): no `MSH` first, unusable
//! encoding characters, a segment name that is not three capitals or digits,
//! a time that is not one, and a missing `MSH-9` (type), `MSH-10` (control
//! id), `MSH-11` (processing id) or `MSH-12` (version), without which a
//! message cannot be routed or acknowledged. Fields the standard leaves
//! optional (`MSH-6`, the receiving facility) may be empty. A message that is
//! wrong but readable is kept, its problems listed in `hl7.problems` so rules
//! can see them: a numeric `OBX-5` that is not a number, or a missing `MSH-7`
//! (required by HL7 v2.5, yet left out by real senders of acknowledgements;
//! the receipt time stands in).

use safecare_model::{Domain, Event, Timestamp};
use serde_json::{Map, Value, json};

use super::input::{self, InputError, MAX_RECORD_LEN};
use super::{Context, time};

/// Why a text is not an HL7 v2 message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Hl7Error {
    /// The input itself is unusable.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The first segment is not a message header.
    #[error("an HL7 v2 message starts with an MSH segment")]
    NoHeader,
    /// `MSH-1`/`MSH-2` do not define five distinct delimiters.
    #[error("MSH-1/MSH-2 encoding characters {0:?} are not five distinct delimiters")]
    Encoding(String),
    /// A segment name that is not three capitals or digits.
    #[error("segment {index} is named {name:?}, not three capitals or digits")]
    Segment {
        /// The 1-based segment number.
        index: usize,
        /// Its name as sent.
        name: String,
    },
    /// A header field HL7 v2.5 requires is empty.
    #[error("{0} is required and empty")]
    Missing(&'static str),
    /// `MSH-7` is not an HL7 timestamp.
    #[error("MSH-7 {0:?} is not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])")]
    Time(String),
}

impl Hl7Error {
    /// A stable short name of the failure, for metrics labels and source health.
    pub fn kind(&self) -> &'static str {
        match self {
            Hl7Error::Input(e) => e.kind(),
            Hl7Error::NoHeader => "hl7_no_header",
            Hl7Error::Encoding(_) => "hl7_encoding",
            Hl7Error::Segment { .. } => "hl7_segment",
            Hl7Error::Missing(_) => "hl7_missing_field",
            Hl7Error::Time(_) => "hl7_time",
        }
    }
}

/// The message's delimiters, from `MSH-1` and `MSH-2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// Between fields (`|`).
    pub field: char,
    /// Between components (`^`).
    pub component: char,
    /// Between repetitions (`~`).
    pub repetition: char,
    /// Starts and ends an escape sequence (`\`).
    pub escape: char,
    /// Between sub-components (`&`).
    pub subcomponent: char,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' }
    }
}

impl Delimiters {
    /// Writes `text` so that none of the delimiters in it is read as one.
    pub fn escape(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            let code = match c {
                c if c == self.escape => 'E',
                c if c == self.field => 'F',
                c if c == self.component => 'S',
                c if c == self.repetition => 'R',
                c if c == self.subcomponent => 'T',
                '\r' | '\n' => {
                    out.push(' ');
                    continue;
                }
                c => {
                    out.push(c);
                    continue;
                }
            };
            out.extend([self.escape, code, self.escape]);
        }
        out
    }

    /// Reads the escape sequences of one value back into text; sequences
    /// for formatting and character sets are dropped.
    pub fn unescape(&self, value: &str) -> String {
        if !value.contains(self.escape) {
            return value.to_owned();
        }
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(start) = rest.find(self.escape) {
            out.push_str(&rest[..start]);
            let after = &rest[start + self.escape.len_utf8()..];
            let Some(end) = after.find(self.escape) else {
                out.push_str(&rest[start..]);
                return out;
            };
            match &after[..end] {
                "F" => out.push(self.field),
                "S" => out.push(self.component),
                "R" => out.push(self.repetition),
                "T" => out.push(self.subcomponent),
                "E" => out.push(self.escape),
                ".br" => out.push(' '),
                _ => {}
            }
            rest = &after[end + self.escape.len_utf8()..];
        }
        out.push_str(rest);
        out
    }
}

/// One segment: its name and its raw fields.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment<'a> {
    name: &'a str,
    /// Field `n` of the segment is `fields[n - 1]`, counted as the standard
    /// does (for `MSH`, `MSH-1` is the field separator itself).
    fields: Vec<&'a str>,
}

/// A message split into segments and fields, values still escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    delimiters: Delimiters,
    segments: Vec<Segment<'a>>,
}

/// What `MSH` says about a message: enough to route, log and acknowledge it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// `MSH-3`, the sending application (its first component).
    pub sending_application: String,
    /// `MSH-4`, the sending facility.
    pub sending_facility: String,
    /// `MSH-5`, the receiving application.
    pub receiving_application: String,
    /// `MSH-6`, the receiving facility.
    pub receiving_facility: String,
    /// `MSH-9.1`, the message type (`ORU`).
    pub message_type: String,
    /// `MSH-9.2`, the trigger event (`R01`).
    pub trigger: String,
    /// `MSH-10`, the control id an acknowledgement refers to.
    pub control_id: String,
    /// `MSH-11`, the processing id (`P`, `D`, `T`).
    pub processing_id: String,
    /// `MSH-12`, the version (`2.5.1`).
    pub version: String,
}

impl<'a> Message<'a> {
    /// Splits `text` into segments and fields, checking the header's
    /// encoding characters and every segment name; the header's required
    /// fields are checked by [`Message::header`].
    pub fn parse(text: &'a str) -> Result<Message<'a>, Hl7Error> {
        let mut lines = text.split(['\r', '\n']).filter(|l| !l.trim().is_empty());
        let first = lines.next().ok_or(Hl7Error::NoHeader)?;
        let after = first.strip_prefix("MSH").ok_or(Hl7Error::NoHeader)?;
        let delimiters = delimiters(after)?;
        let mut segments = vec![split(first, delimiters.field, true)];
        for (i, line) in lines.enumerate() {
            let segment = split(line, delimiters.field, false);
            if segment.name.len() != 3 || !segment.name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
                return Err(Hl7Error::Segment { index: i + 2, name: segment.name.chars().take(16).collect() });
            }
            segments.push(segment);
        }
        Ok(Message { delimiters, segments })
    }

    /// The message's delimiters.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// The header's fields, with an error for the first required one that
    /// is empty.
    pub fn header(&self) -> Result<Header, Hl7Error> {
        let msh = &self.segments[0];
        for (n, name) in [(9, "MSH-9"), (10, "MSH-10"), (11, "MSH-11"), (12, "MSH-12")] {
            if self.component(msh, n, 1).is_empty() {
                return Err(Hl7Error::Missing(name));
            }
        }
        Ok(self.header_fields())
    }

    /// The header's fields as they are, empty where the message has none
    /// (what an acknowledgement of a broken message can still use).
    pub fn header_fields(&self) -> Header {
        let msh = &self.segments[0];
        Header {
            sending_application: self.component(msh, 3, 1),
            sending_facility: self.component(msh, 4, 1),
            receiving_application: self.component(msh, 5, 1),
            receiving_facility: self.component(msh, 6, 1),
            message_type: self.component(msh, 9, 1),
            trigger: self.component(msh, 9, 2),
            control_id: self.component(msh, 10, 1),
            processing_id: self.component(msh, 11, 1),
            version: self.component(msh, 12, 1),
        }
    }

    /// The segments named `name`, in order.
    fn segments(&self, name: &str) -> impl Iterator<Item = &Segment<'a>> {
        self.segments.iter().filter(move |s| s.name == name)
    }

    /// Field `n` of `segment`, first repetition, unescaped.
    fn field(&self, segment: &Segment<'_>, n: usize) -> String {
        let raw = segment.fields.get(n.wrapping_sub(1)).copied().unwrap_or_default();
        let first = raw.split(self.delimiters.repetition).next().unwrap_or_default();
        self.delimiters.unescape(first)
    }

    /// Component `c` of field `n` (first repetition, first sub-component), unescaped.
    fn component(&self, segment: &Segment<'_>, n: usize, c: usize) -> String {
        let raw = segment.fields.get(n.wrapping_sub(1)).copied().unwrap_or_default();
        let first = raw.split(self.delimiters.repetition).next().unwrap_or_default();
        let component = first.split(self.delimiters.component).nth(c.wrapping_sub(1)).unwrap_or_default();
        let sub = component.split(self.delimiters.subcomponent).next().unwrap_or_default();
        self.delimiters.unescape(sub).trim().to_owned()
    }

    /// A person named by an XPN/XCN field: its components from `first` on
    /// (family, given, middle), joined by spaces.
    fn person(&self, segment: &Segment<'_>, n: usize, first: usize) -> String {
        (first..first + 3)
            .map(|c| self.component(segment, n, c))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn delimiters(after_msh: &str) -> Result<Delimiters, Hl7Error> {
    let mut chars = after_msh.chars();
    let field = chars.next().ok_or_else(|| Hl7Error::Encoding(String::new()))?;
    let encoding: String = chars.take_while(|&c| c != field).collect();
    let bad = || Hl7Error::Encoding(format!("{field}{encoding}"));
    let mut list = encoding.chars();
    let (Some(component), Some(repetition), Some(escape), Some(subcomponent)) =
        (list.next(), list.next(), list.next(), list.next())
    else {
        return Err(bad());
    };
    let all = [field, component, repetition, escape, subcomponent];
    if all.iter().any(|c| c.is_alphanumeric() || c.is_whitespace())
        || all.iter().enumerate().any(|(i, c)| all[..i].contains(c))
    {
        return Err(bad());
    }
    Ok(Delimiters { field, component, repetition, escape, subcomponent })
}

fn split(line: &str, field: char, header: bool) -> Segment<'_> {
    let mut parts = line.split(field);
    let name = parts.next().unwrap_or_default();
    let mut fields: Vec<&str> = Vec::new();
    if header {
        // MSH-1 is the separator itself; the split has consumed it.
        fields.push("");
    }
    fields.extend(parts);
    Segment { name, fields }
}

/// The message with its segments on CR-separated lines. HL7 ends segments
/// with CR (a line feed after it is tolerated); a message with no CR at all
/// has been through a file or a tool that turned them into line feeds, and
/// may also have wrapped a long value: there a line that does not start
/// like a segment (`ABC|`) continues the one before it.
pub fn segment_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    let field = text.get(3..).and_then(|rest| rest.chars().next()).unwrap_or('|');
    let starts_segment = |line: &str| {
        let mut chars = line.chars();
        chars.by_ref().take(3).filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit()).count() == 3
            && chars.next() == Some(field)
    };
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push(if starts_segment(line) { '\r' } else { ' ' });
        }
        out.push_str(line);
    }
    std::borrow::Cow::Owned(out)
}

/// An HL7 `TS`/`DTM` value: `YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]`, read in
/// the source's zone when it has no offset.
pub fn parse_time(text: &str, ctx: &Context) -> Option<Timestamp> {
    let (digits, offset) = match text.find(['+', '-']) {
        Some(at) => (&text[..at], Some(&text[at..])),
        None => (text, None),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.len() < 8 || whole.len() > 14 || whole.len() % 2 != 0 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{whole:0<14}");
    let iso = format!(
        "{}-{}-{}T{}:{}:{}{}",
        &padded[0..4],
        &padded[4..6],
        &padded[6..8],
        &padded[8..10],
        &padded[10..12],
        &padded[12..14],
        if fraction.is_empty() { String::new() } else { format!(".{fraction}") }
    );
    match offset {
        Some(zone) if zone.len() == 5 && zone[1..].bytes().all(|b| b.is_ascii_digit()) => {
            time::parse_text(&format!("{iso}{}:{}", &zone[..3], &zone[3..]), &ctx.timezone)
        }
        Some(_) => None,
        None => time::parse_text(&iso, &ctx.timezone),
    }
}

/// Decodes an HL7 v2 message, or a batch of them (between `FHS`/`BHS` and
/// `BTS`/`FTS`), into one medical event per message. A batch with a message
/// that cannot be read is refused whole, naming the message.
pub fn decode_all(input: &[u8], ctx: &Context) -> Result<Vec<Event>, Hl7Error> {
    let text = input::text(input, MAX_RECORD_LEN)?;
    let text = segment_lines(text);
    let mut messages: Vec<String> = Vec::new();
    for line in text.split('\r').map(|l| l.trim_start_matches('\n')) {
        match line.get(..3) {
            Some("FHS" | "BHS" | "BTS" | "FTS") => {}
            Some("MSH") => messages.push(line.to_owned()),
            _ => match messages.last_mut() {
                Some(message) => {
                    message.push('\r');
                    message.push_str(line);
                }
                None if line.trim().is_empty() => {}
                None => return Err(Hl7Error::NoHeader),
            },
        }
    }
    if messages.is_empty() {
        return Err(Hl7Error::NoHeader);
    }
    messages.iter().map(|m| decode_message(m, ctx)).collect()
}

/// Decodes one message (segments on CR-separated lines).
fn decode_message(text: &str, ctx: &Context) -> Result<Event, Hl7Error> {
    let message = Message::parse(text)?;
    let header = message.header()?;
    let msh = &message.segments[0];
    let sent = message.component(msh, 7, 1);
    let mut problems = Vec::new();
    let time = if sent.is_empty() {
        problems.push("MSH-7 (the message time) is empty".to_owned());
        ctx.received
    } else {
        parse_time(&sent, ctx).ok_or_else(|| Hl7Error::Time(sent.clone()))?
    };
    let mut fields = Map::new();
    let mut put = |name: &str, value: String| {
        if !value.is_empty() {
            fields.insert(name.to_owned(), Value::String(value));
        }
    };
    put("hl7.sending_application", header.sending_application.clone());
    put("hl7.sending_facility", header.sending_facility.clone());
    put("hl7.receiving_application", header.receiving_application.clone());
    put("hl7.receiving_facility", header.receiving_facility.clone());
    put("hl7.message_type", header.message_type.clone());
    put("hl7.trigger", header.trigger.clone());
    put("hl7.structure", message.component(msh, 9, 3));
    put("hl7.control_id", header.control_id.clone());
    put("hl7.processing_id", header.processing_id.clone());
    put("hl7.version", header.version.clone());
    if let Some(pid) = message.segments("PID").next() {
        put("patient_id", message.component(pid, 3, 1));
        put("patient_name", message.person(pid, 5, 1));
    }
    let clinician = [("ORC", 12), ("OBR", 16), ("PV1", 7)].into_iter().find_map(|(name, n)| {
        message
            .segments(name)
            .map(|s| (message.component(s, n, 1), message.person(s, n, 2)))
            .find(|(id, name)| !id.is_empty() || !name.is_empty())
    });
    if let Some((id, name)) = clinician {
        put("staff_id", id);
        put("staff_name", name);
    }
    if let Some(orc) = message.segments("ORC").next() {
        put("hl7.order_control", message.field(orc, 1));
    }
    if let Some(pv1) = message.segments("PV1").next() {
        put("hl7.patient_class", message.field(pv1, 2));
        put("hl7.point_of_care", message.component(pv1, 3, 1));
    }
    let observations: Vec<Value> =
        message.segments("OBX").map(|obx| observation(&message, obx, &mut problems)).collect();
    if let Some(device) = observations.iter().find_map(|o| o.get("device").and_then(Value::as_str)) {
        put("hl7.device", device.to_owned());
    }
    let segment_names: Vec<Value> = message.segments.iter().map(|s| json!(s.name)).collect();
    fields.insert("hl7.segments".into(), Value::Array(segment_names));
    for (code, value) in observations.iter().filter_map(numeric_reading) {
        fields.entry(format!("hl7.obx.{code}")).or_insert(value);
    }
    if !observations.is_empty() {
        fields.insert("hl7.observation_count".into(), json!(observations.len()));
        fields.insert("hl7.observations".into(), Value::Array(observations));
    }
    if !problems.is_empty() {
        fields.insert("hl7.problems".into(), json!(problems));
    }

    let summary = format!(
        "HL7 {}^{} from {}@{} to {}@{}",
        header.message_type,
        header.trigger,
        header.sending_application,
        header.sending_facility,
        header.receiving_application,
        header.receiving_facility
    );
    let mut event = ctx.event(Domain::Medical, time, summary);
    event.logsource.product = Some("hl7".into());
    event.logsource.category = Some("message".into());
    event.fields = fields;
    Ok(event)
}

/// A numeric observation as `(code, value)`, so that a rule can bound one
/// reading by its code (`hl7.obx.8867-4|gt: 300`): Sigma cannot reach into
/// the list of observations. Codes that are not a short identifier are left
/// out rather than turned into odd field names.
fn numeric_reading(observation: &Value) -> Option<(&str, Value)> {
    let code = observation.get("code")?.as_str()?;
    let plain = code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    let value = observation.get("value").filter(|v| v.is_number())?;
    (plain && !code.is_empty()).then(|| (code, value.clone()))
}

/// One `OBX` as detection reads it; a numeric value that is not a number is
/// kept as sent and named in `problems`.
fn observation(message: &Message<'_>, obx: &Segment<'_>, problems: &mut Vec<String>) -> Value {
    let value_type = message.field(obx, 2);
    let value = message.component(obx, 5, 1);
    let set_id = message.field(obx, 1);
    let mut out = Map::new();
    for (key, text) in [
        ("set_id", set_id.clone()),
        ("value_type", value_type.clone()),
        ("code", message.component(obx, 3, 1)),
        ("name", message.component(obx, 3, 2)),
        ("units", message.component(obx, 6, 1)),
        ("range", message.field(obx, 7)),
        ("abnormal", message.field(obx, 8)),
        ("status", message.field(obx, 11)),
        ("device", message.component(obx, 18, 1)),
    ] {
        if !text.is_empty() {
            out.insert(key.into(), Value::String(text));
        }
    }
    if value_type == "NM" && !value.is_empty() {
        match value.parse::<f64>() {
            Ok(number) if number.is_finite() => {
                out.insert("value".into(), json!(number));
            }
            _ => {
                problems.push(format!("OBX {set_id}: OBX-5 {value:?} is not numeric (OBX-2 NM)"));
                out.insert("value".into(), Value::String(value));
            }
        }
    } else if !value.is_empty() {
        out.insert("value".into(), Value::String(value));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORU: &str = "MSH|^~\\&|MONITOR|ICU|HIS|HQ|20261205101500+0100||ORU^R01^ORU_R01|MSG0001|P|2.5.1\r\
        PID|1||P12345^^^HQ^MR||Doe^Jane^Q||19700101|F\r\
        OBR|1|ORD1||HR^Heart rate|||20261205101400|||||||||D42^House^Greg\r\
        OBX|1|NM|8867-4^Heart rate^LN||72|/min|60-100|N|||F|||||||PUMP-07\r\
        OBX|2|NM|8310-5^Body temperature^LN||hot|Cel\r\
        NTE|1||free text about Jane Doe\r";

    fn ctx() -> Context {
        Context::new("hl7-test")
    }

    fn decode(input: &[u8], ctx: &Context) -> Result<Event, Hl7Error> {
        decode_all(input, ctx).map(|mut events| events.remove(0))
    }

    #[test]
    fn a_batch_gives_one_event_per_message() {
        let batch = "FHS|^~\\&|LAB\nBHS|^~\\&|LAB\nMSH|^~\\&|LAB|HQ|||20260101||ORU^R01|1|P|2.5\nOBX|1|NM|x||1\n\
                     MSH|^~\\&|LAB|HQ|||20260101||ORU^R01|2|P|2.5\nBTS|2\nFTS|1\n";
        let events = decode_all(batch.as_bytes(), &ctx()).unwrap();
        let ids: Vec<_> = events.iter().map(|e| e.fields["hl7.control_id"].clone()).collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(events[0].fields["hl7.observation_count"], 1);
        assert_eq!(decode_all(b"FHS|^~\\&|LAB\nFTS|0\n", &ctx()).unwrap_err(), Hl7Error::NoHeader);
    }

    #[test]
    fn an_observation_result_keeps_routing_devices_and_observations() {
        let event = decode(ORU.as_bytes(), &ctx()).unwrap();
        assert_eq!(event.domain, Domain::Medical);
        assert_eq!(event.time.to_string(), "2026-12-05T09:15:00Z");
        assert_eq!(event.logsource.product.as_deref(), Some("hl7"));
        let f = &event.fields;
        assert_eq!(f["hl7.sending_application"], "MONITOR");
        assert_eq!(f["hl7.receiving_facility"], "HQ");
        assert_eq!(f["hl7.message_type"], "ORU");
        assert_eq!(f["hl7.trigger"], "R01");
        assert_eq!(f["hl7.control_id"], "MSG0001");
        assert_eq!(f["hl7.device"], "PUMP-07");
        assert_eq!(f["patient_id"], "P12345");
        assert_eq!(f["patient_name"], "Doe Jane Q");
        assert_eq!(f["staff_id"], "D42");
        assert_eq!(f["staff_name"], "House Greg");
        assert_eq!(f["hl7.observations"][0]["value"], 72.0);
        assert_eq!(f["hl7.observations"][0]["range"], "60-100");
        assert_eq!(f["hl7.obx.8867-4"], 72.0, "the reading under its code");
        assert_eq!(f["hl7.problems"][0], "OBX 2: OBX-5 \"hot\" is not numeric (OBX-2 NM)");
        // Neither the date of birth nor the free-text note is kept anywhere.
        let all = serde_json::to_string(&event).unwrap();
        assert!(!all.contains("19700101") && !all.contains("free text"), "{all}");
        assert!(!event.message.contains("Doe"), "{}", event.message);
    }

    #[test]
    fn required_header_fields_and_encoding_are_checked() {
        let with = |msh: &str| decode(format!("{msh}\rPID|1\r").as_bytes(), &ctx()).map(|_| ()).unwrap_err();
        assert_eq!(with("MSH|").kind(), "hl7_encoding");
        assert_eq!(with("MSH||A|B|C|D|20260101||ORU^R01|1|P|2.5").kind(), "hl7_encoding");
        assert_eq!(with("MSH|^~\\&|A|B|C|D|20260101||ORU^R01||P|2.5"), Hl7Error::Missing("MSH-10"));
        assert_eq!(with("MSH|^~\\&|A|B|C|D|20260101|||1|P|2.5"), Hl7Error::Missing("MSH-9"));
        assert_eq!(with("MSH|^~\\&|A|B|C|D|yesterday||ORU^R01|1|P|2.5").kind(), "hl7_time");
        assert_eq!(with("PID|1").kind(), "hl7_no_header");
        let bad_segment = decode(b"MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5\rpid|1\r", &ctx()).unwrap_err();
        assert_eq!(bad_segment, Hl7Error::Segment { index: 2, name: "pid".into() });
        assert!(decode(b"MSH|^~\\&|A|B|C||20260101||ADT^A01|1|P|2.5\r", &ctx()).is_ok(), "MSH-6 is optional");
        let untimed = decode(b"MSH|^~\\&|A|B|C|D|||ACK|1|P|2.5\r", &ctx()).unwrap();
        assert_eq!(untimed.fields["hl7.problems"][0], "MSH-7 (the message time) is empty");
    }

    #[test]
    fn line_feeds_separate_segments_only_where_no_carriage_return_does() {
        assert_eq!(segment_lines("MSH|a\nOBR|1|Newborn\npanel X\nOBX|1"), "MSH|a\rOBR|1|Newborn panel X\rOBX|1");
        assert_eq!(segment_lines("MSH|a\r\nPID|x\ny"), "MSH|a\r\nPID|x\ny");
    }

    #[test]
    fn escapes_round_trip_through_the_message_delimiters() {
        let d = Delimiters::default();
        let hostile = "a|b^c~d\\e&f\rg";
        let escaped = d.escape(hostile);
        assert!(!escaped.contains(['|', '^', '~', '&', '\r']), "{escaped}");
        assert_eq!(d.unescape(&escaped), "a|b^c~d\\e&f g");
        assert_eq!(d.unescape("x\\.br\\y\\H\\z"), "x yz");
        assert_eq!(d.unescape("unterminated \\F"), "unterminated \\F");
    }

    #[test]
    fn times_take_every_precision_and_the_offset() {
        let c = ctx();
        assert_eq!(parse_time("20230926", &c).unwrap().to_string(), "2023-09-26T00:00:00Z");
        assert_eq!(parse_time("202309260758", &c).unwrap().to_string(), "2023-09-26T07:58:00Z");
        assert_eq!(parse_time("20230101010000-0000", &c).unwrap().to_string(), "2023-01-01T01:00:00Z");
        assert_eq!(parse_time("20230101010000.25+0200", &c).unwrap().to_string(), "2022-12-31T23:00:00.25Z");
        for bad in ["2023", "2023092607581", "20230926T0758", "20230926+01"] {
            assert!(parse_time(bad, &c).is_none(), "{bad}");
        }
    }
}
