//! How Sigma rules see a SafeCare event: the source's own fields, mapped
//! across Windows JSON variants, plus the event core under `safecare.*`.
//!
//! SigmaHQ rules name Windows fields as they appear in `EventData`/`System`
//! (`Image`, `EventID`, `Channel`). Collectors put those in different places:
//! flat at the top (NXLog, the OTRF samples), under `winlog.event_data` /
//! `winlog.*` (Winlogbeat, nested or with dotted keys) or under
//! `Event.EventData` / `Event.System` (EVTX rendered to JSON). The view finds
//! a rule's field in whichever place the event's shape uses, so one rule
//! matches them all.

use std::borrow::Cow;

use rsigma_eval::event::{Event as SigmaEvent, EventValue};
use safecare_model::Event;
use serde_json::Value;

use crate::logsource::{COLLECTOR_ALIASES, FieldMap, field_maps, is_mapped_name, service_of_channel};

/// The event-core fields exposed to rules; see docs/detection.md.
pub mod core_fields {
    /// The event's domain (`cyber` or `physical`).
    pub const DOMAIN: &str = "safecare.domain";
    /// The name of the source that sent it.
    pub const SOURCE: &str = "safecare.source";
    /// The inventory asset it was resolved to.
    pub const ASSET: &str = "safecare.asset";
    /// Its severity.
    pub const SEVERITY: &str = "safecare.severity";
    /// Its message text.
    pub const MESSAGE: &str = "safecare.message";
    /// The (pseudonymised) person it concerns.
    pub const PERSON: &str = "safecare.person";
    /// Its whole location path (`hq/main/2`).
    pub const LOCATION: &str = "safecare.location";
    /// The site of its location.
    pub const SITE: &str = "safecare.location.site";
    /// The building of its location.
    pub const BUILDING: &str = "safecare.location.building";
    /// The floor of its location.
    pub const FLOOR: &str = "safecare.location.floor";
    /// The zone of its location.
    pub const ZONE: &str = "safecare.location.zone";
    /// The room of its location.
    pub const ROOM: &str = "safecare.location.room";
    /// The exercise run an event belongs to, set by the ingest routes.
    pub use safecare_model::EXERCISE_FIELD as EXERCISE;
    /// Set at ingest: the sending peer's address, whether the event's
    /// identifiers matched no asset, the assets of its address and of the
    /// name it gives itself, its hour on the source's clock.
    pub use safecare_model::ingest_fields::{CLAIMED_ASSET, LOCAL_HOUR, PEER, PEER_ASSET, UNKNOWN_DEVICE};
}

/// The fields a pseudonymised person token is taken from, first present
/// wins: physical sources name the badge holder, cyber sources the account.
pub const PERSON_FIELDS: [&str; 7] =
    ["person", "badge_holder", "user", "username", "TargetUserName", "User", "SubjectUserName"];

/// Where a Windows event keeps its `EventData` and `System` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Fields at the top level (NXLog, OTRF samples) or not Windows at all.
    Flat,
    /// `winlog.event_data.X`, `winlog.channel`, … as nested objects.
    Winlogbeat,
    /// Winlogbeat flattened to literal dotted keys (`"winlog.event_data.Image"`).
    WinlogbeatDotted,
    /// `Event.EventData.X` / `Event.System.X`, as EVTX renders to JSON.
    Evtx,
}

/// A read-only Sigma view of one event.
pub struct FieldView<'a> {
    event: &'a Event,
    shape: Shape,
    /// The Sigma names this event's source answers from other fields
    /// (Security 4688's, from [`crate::logsource`]).
    maps: &'static [FieldMap],
    /// Read once here: routing and the alias above both need them.
    channel: Option<&'a str>,
    /// Whether the fields look like a Windows event log record.
    windows: bool,
    event_id: Option<i64>,
}

const WINLOG_EVENT_DATA_PREFIX: &str = "winlog.event_data.";

impl<'a> FieldView<'a> {
    pub fn new(event: &'a Event) -> Self {
        let scan = scan(&event.fields);
        let mut view = FieldView {
            event,
            shape: scan.shape,
            maps: &[],
            channel: None,
            windows: scan.shape != Shape::Flat || (scan.channel.is_some() && scan.event_id.is_some()),
            event_id: None,
        };
        // In a flat event both are top-level fields, already found by the scan.
        let (channel, event_id) = match scan.shape {
            Shape::Flat => (scan.channel.map(text_of), scan.event_id.map(text_of)),
            _ => (view.lookup("Channel"), view.lookup("EventID")),
        };
        view.channel = channel.and_then(Value::as_str);
        view.event_id = match event_id {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        view.maps = field_maps(view.channel.and_then(service_of_channel), view.event_id);
        view
    }

    /// The event's fields when a rule's field of a plain name (see
    /// [`FieldView::is_plain_name`]) is exactly the top-level field of that
    /// name, as in NXLog and OTRF records.
    pub fn flat_fields(&self) -> Option<&'a serde_json::Map<String, Value>> {
        (self.shape == Shape::Flat).then_some(&self.event.fields)
    }

    /// Whether, in a flat event, `name` can only be the top-level field of
    /// that name: not a path, not a name the logsource table maps, not an
    /// event-core field.
    pub fn is_plain_name(name: &str) -> bool {
        !name.contains('.') && !is_mapped_name(name)
    }

    /// True when the fields look like a Windows event log record.
    pub fn is_windows(&self) -> bool {
        self.windows
    }

    pub fn windows_channel(&self) -> Option<Cow<'a, str>> {
        self.channel.map(Cow::Borrowed)
    }

    pub fn windows_event_id(&self) -> Option<i64> {
        self.event_id
    }

    /// A source field's text by its Sigma name, wherever this event's
    /// shape keeps it (`OperationType`, which routing reads).
    pub fn text(&self, name: &str) -> Option<&'a str> {
        self.lookup(name).and_then(Value::as_str)
    }

    /// The pseudonymised person token of the event, if any.
    pub fn person(&self) -> Option<&'a str> {
        PERSON_FIELDS.iter().find_map(|f| self.lookup(f).and_then(Value::as_str)).filter(|s| !s.is_empty())
    }

    fn raw(&self, name: &str) -> Option<&'a Value> {
        // Only a dotted name can be a path: saves a second lookup of a
        // plain name the event does not have.
        match self.event.fields.get(name) {
            None if name.contains('.') => self.event.field(name),
            found => found,
        }
    }

    /// A source field by its Sigma name, wherever this event's shape keeps it.
    fn lookup(&self, name: &str) -> Option<&'a Value> {
        let found = match self.shape {
            Shape::Flat => None,
            Shape::Winlogbeat => self.winlogbeat(name),
            Shape::WinlogbeatDotted => self.winlogbeat_dotted(name),
            Shape::Evtx => self.evtx(name),
        };
        match found.or_else(|| self.raw(name)) {
            None => self.alias(name),
            Some(value) => Some(text_of(value)),
        }
    }

    /// What a rule's field of a plain name sees of the top-level `value` in
    /// a flat event (see [`FieldView::flat_fields`]): the same as
    /// [`SigmaEvent::get_field`] of its name, without looking it up again.
    pub fn flat_value(value: &'a Value) -> EventValue<'a> {
        EventValue::from(text_of(value))
    }

    /// Calls `visit` with every string inside `value`, as
    /// [`SigmaEvent::visit_string_values`] does for each top-level value.
    pub fn visit_strings_of(value: &Value, visit: &mut dyn FnMut(&str)) {
        visit_strings(value, visit, MAX_DEPTH);
    }

    /// Other names a field goes by when the event lacks it: NXLog writes
    /// `SourceName`/`Hostname` for `Provider_Name`/`Computer`.
    fn alias(&self, name: &str) -> Option<&'a Value> {
        let alias = COLLECTOR_ALIASES.iter().find(|m| m.sigma == name)?;
        self.lookup_no_alias(alias.source)
    }

    /// A field the event's source answers under another name, which wins
    /// over a field of the Sigma name (Security 4688's `ProcessId` is the
    /// parent's, `ParentProcessId` to rules).
    fn mapped(&self, name: &str) -> Option<Option<EventValue<'a>>> {
        let map = self.maps.iter().find(|m| m.sigma == name)?;
        Some(self.lookup_no_alias(map.source).map(|v| match text_of(v) {
            Value::String(s) => EventValue::Str(Cow::Borrowed(map.translate(s))),
            other => EventValue::from(other),
        }))
    }

    fn lookup_no_alias(&self, name: &str) -> Option<&'a Value> {
        let found = match self.shape {
            Shape::Flat => None,
            Shape::Winlogbeat => self.winlogbeat(name),
            Shape::WinlogbeatDotted => self.winlogbeat_dotted(name),
            Shape::Evtx => self.evtx(name),
        };
        found.or_else(|| self.raw(name))
    }

    fn winlogbeat(&self, name: &str) -> Option<&'a Value> {
        let winlog = self.event.fields.get("winlog")?.as_object()?;
        if let Some(v) = winlog.get("event_data").and_then(Value::as_object).and_then(|d| d.get(name)) {
            return Some(v);
        }
        let system = winlogbeat_system_name(name)?;
        winlog.get(system)
    }

    fn winlogbeat_dotted(&self, name: &str) -> Option<&'a Value> {
        let fields = &self.event.fields;
        let key = format!("{WINLOG_EVENT_DATA_PREFIX}{name}");
        if let Some(v) = fields.get(&key) {
            return Some(v);
        }
        let system = winlogbeat_system_name(name)?;
        fields.get(&format!("winlog.{system}"))
    }

    fn evtx(&self, name: &str) -> Option<&'a Value> {
        let root = self.event.fields.get("Event")?.as_object()?;
        if let Some(v) = root.get("EventData").and_then(Value::as_object).and_then(|d| d.get(name)) {
            return Some(v);
        }
        let system = root.get("System")?.as_object()?;
        if name == "Provider_Name" {
            let provider = system.get("Provider")?.as_object()?;
            return provider
                .get("#attributes")
                .and_then(Value::as_object)
                .and_then(|a| a.get("Name"))
                .or_else(|| provider.get("Name"));
        }
        system.get(name)
    }

    fn core(&self, name: &str) -> Option<EventValue<'a>> {
        use core_fields::*;
        let event = self.event;
        let loc = &event.location;
        let text = |s: &'a str| Some(EventValue::Str(Cow::Borrowed(s)));
        match name {
            DOMAIN => text(event.domain.as_str()),
            SOURCE => text(&event.source),
            ASSET => event.asset.as_deref().and_then(text),
            SEVERITY => text(event.severity.as_str()),
            MESSAGE => text(&event.message),
            PERSON => self.person().and_then(text),
            LOCATION if !loc.is_empty() => Some(EventValue::Str(Cow::Owned(loc.path()))),
            SITE => loc.site.as_deref().and_then(text),
            BUILDING => loc.building.as_deref().and_then(text),
            FLOOR => loc.floor.as_deref().and_then(text),
            ZONE => loc.zone.as_deref().and_then(text),
            ROOM => loc.room.as_deref().and_then(text),
            PEER | UNKNOWN_DEVICE | PEER_ASSET | CLAIMED_ASSET | LOCAL_HOUR | EXERCISE => {
                event.fields.get(name).map(EventValue::from)
            }
            _ => None,
        }
    }
}

/// EVTX renders attributed elements as {"#text": v, "#attributes": {…}}.
fn text_of(value: &Value) -> &Value {
    match value {
        Value::Object(o) => o.get("#text").unwrap_or(value),
        other => other,
    }
}

/// What one pass over an event's top-level keys tells: its shape, and the
/// top-level `Channel` and `EventID` (a flat event's routing fields), so
/// that the keys, most of them not yet in the cache, are read once.
struct Scan<'a> {
    shape: Shape,
    channel: Option<&'a Value>,
    event_id: Option<&'a Value>,
}

fn scan(fields: &serde_json::Map<String, Value>) -> Scan<'_> {
    let (mut evtx, mut winlogbeat, mut dotted) = (false, false, false);
    let (mut channel, mut event_id) = (None, None);
    for (key, value) in fields {
        match key.as_bytes().first() {
            Some(b'C') if key == "Channel" => channel = Some(value),
            Some(b'E') if key == "EventID" => event_id = Some(value),
            Some(b'E') if key == "Event" => {
                evtx = value.as_object().is_some_and(|e| e.contains_key("System"));
            }
            Some(b'w') if key == "winlog" => winlogbeat = value.is_object(),
            Some(b'w') if key == "winlog.channel" || key.starts_with(WINLOG_EVENT_DATA_PREFIX) => dotted = true,
            _ => {}
        }
    }
    let shape = if evtx {
        Shape::Evtx
    } else if winlogbeat {
        Shape::Winlogbeat
    } else if dotted {
        Shape::WinlogbeatDotted
    } else {
        Shape::Flat
    };
    Scan { shape, channel, event_id }
}

/// Winlogbeat's name for an event's `System` field.
fn winlogbeat_system_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "EventID" => "event_id",
        "Channel" => "channel",
        "Computer" => "computer_name",
        "Provider_Name" => "provider_name",
        "EventRecordID" => "record_id",
        _ => return None,
    })
}

fn visit_strings(value: &Value, visit: &mut dyn FnMut(&str), depth: usize) {
    if depth == 0 {
        return;
    }
    match value {
        Value::String(s) => visit(s),
        Value::Array(items) => items.iter().for_each(|v| visit_strings(v, visit, depth - 1)),
        Value::Object(map) => map.values().for_each(|v| visit_strings(v, visit, depth - 1)),
        _ => {}
    }
}

/// Deep enough for any real log record, shallow enough that hostile nesting
/// cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

impl SigmaEvent for FieldView<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        if path.starts_with("safecare.") {
            return self.core(path);
        }
        if let Some(mapped) = self.mapped(path) {
            return mapped;
        }
        self.lookup(path).map(EventValue::from)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut found = false;
        self.visit_string_values(&mut |s| found = found || pred(s));
        found
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        for value in self.event.fields.values() {
            visit_strings(value, &mut |s| out.push(Cow::Owned(s.to_owned())), MAX_DEPTH);
        }
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        for value in self.event.fields.values() {
            visit_strings(value, visit, MAX_DEPTH);
        }
    }

    /// The event's own fields; `rsigma-eval` only asks for this when a
    /// result is to carry the event, which SafeCare never requests.
    fn to_json(&self) -> Value {
        Value::Object(self.event.fields.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::{Domain, Timestamp};
    use serde_json::json;

    fn event(fields: Value) -> Event {
        let mut event = Event::new("t", Domain::Cyber, Timestamp::UNIX_EPOCH, "");
        event.fields = fields.as_object().cloned().unwrap_or_default();
        event
    }

    fn get(view: &FieldView<'_>, name: &str) -> Option<String> {
        view.get_field(name).and_then(|v| v.as_str().map(|s| s.into_owned()))
    }

    #[test]
    fn the_same_field_is_found_in_every_windows_shape() {
        let shapes = [
            json!({"Channel": "Security", "EventID": 4625, "TargetUserName": "tok-1"}),
            json!({"winlog": {"channel": "Security", "event_id": 4625, "event_data": {"TargetUserName": "tok-1"}}}),
            json!({"winlog.channel": "Security", "winlog.event_id": 4625, "winlog.event_data.TargetUserName": "tok-1"}),
            json!({"Event": {"System": {"Channel": "Security", "EventID": {"#text": 4625}}, "EventData": {"TargetUserName": "tok-1"}}}),
        ];
        for fields in shapes {
            let e = event(fields);
            let view = FieldView::new(&e);
            assert_eq!(get(&view, "TargetUserName").as_deref(), Some("tok-1"), "{e:?}");
            assert_eq!(get(&view, "EventID").as_deref(), Some("4625"), "{e:?}");
            assert_eq!(get(&view, "Channel").as_deref(), Some("Security"), "{e:?}");
            assert_eq!(get(&view, core_fields::PERSON).as_deref(), Some("tok-1"), "{e:?}");
        }
    }

    #[test]
    fn security_4688_answers_to_sysmon_image_names() {
        let e = event(
            json!({"Channel": "Security", "EventID": 4688, "NewProcessName": "C:\\x.exe", "ParentProcessName": "C:\\p.exe"}),
        );
        let view = FieldView::new(&e);
        assert_eq!(get(&view, "Image").as_deref(), Some("C:\\x.exe"));
        assert_eq!(get(&view, "ParentImage").as_deref(), Some("C:\\p.exe"));
        let other = event(json!({"Channel": "Security", "EventID": 4689, "NewProcessName": "C:\\x.exe"}));
        assert_eq!(get(&FieldView::new(&other), "Image"), None, "aliases only apply to 4688");
    }

    #[test]
    fn names_answered_other_than_by_their_own_field_are_not_plain() {
        let e = event(json!({"Channel": "Security", "EventID": 4688, "SourceName": "s", "Hostname": "h",
            "NewProcessName": "n", "ParentProcessName": "p", "NewProcessId": "1", "a": {"b": "nested"}}));
        let view = FieldView::new(&e);
        assert!(view.flat_fields().is_some());
        for name in ["Provider_Name", "Computer", "Image", "ParentImage", "ProcessId", "a.b", core_fields::DOMAIN] {
            assert!(get(&view, name).is_some() && e.fields.get(name).is_none(), "{name}");
            assert!(!FieldView::is_plain_name(name), "{name}");
        }
        assert!(FieldView::is_plain_name("CommandLine"));
    }

    #[test]
    fn nxlog_names_answer_to_system_field_names() {
        let e = event(
            json!({"Channel": "Security", "EventID": "1102", "SourceName": "Microsoft-Windows-Eventlog", "Hostname": "ws5"}),
        );
        let view = FieldView::new(&e);
        assert_eq!(get(&view, "Provider_Name").as_deref(), Some("Microsoft-Windows-Eventlog"));
        assert_eq!(get(&view, "Computer").as_deref(), Some("ws5"));
    }

    #[test]
    fn core_fields_are_exposed_under_safecare_names() {
        let mut e = event(json!({"badge_holder": "tok-9"}));
        e.asset = Some("ws-icu-03".into());
        e.location.site = Some("hq".into());
        e.location.room = Some("1.01".into());
        let view = FieldView::new(&e);
        assert_eq!(get(&view, core_fields::ASSET).as_deref(), Some("ws-icu-03"));
        assert_eq!(get(&view, core_fields::ROOM).as_deref(), Some("1.01"));
        assert_eq!(get(&view, core_fields::DOMAIN).as_deref(), Some("cyber"));
        assert_eq!(get(&view, core_fields::PERSON).as_deref(), Some("tok-9"));
        assert_eq!(get(&view, core_fields::LOCATION).as_deref(), Some("hq"));
        assert_eq!(get(&view, core_fields::ZONE), None);
        assert_eq!(get(&view, "safecare.unknown"), None);
        e.fields.insert(core_fields::UNKNOWN_DEVICE.into(), json!(true));
        e.fields.insert(core_fields::PEER.into(), json!("10.9.9.9"));
        let view = FieldView::new(&e);
        assert_eq!(get(&view, core_fields::PEER).as_deref(), Some("10.9.9.9"));
        assert!(view.get_field(core_fields::UNKNOWN_DEVICE).is_some(), "the resolver's flag reaches rules");
    }

    #[test]
    fn keywords_see_nested_strings_and_hostile_depth_is_bounded() {
        let mut deep = json!("needle-deep");
        for _ in 0..200 {
            deep = json!({"x": deep});
        }
        let e = event(json!({"a": {"b": ["x", "needle"]}, "deep": deep}));
        let view = FieldView::new(&e);
        assert!(view.any_string_value(&|s| s == "needle"));
        assert!(!view.any_string_value(&|s| s == "needle-deep"));
    }
}
