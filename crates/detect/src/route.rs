//! Which logsource an event belongs to, for routing it to the rules that can
//! apply.
//!
//! The decoder sets `Event::logsource`; for Windows events the service and
//! categories are inferred from the channel and event id when the decoder
//! left them out, because one event can satisfy several Sigma categories
//! (Sysmon 13 is both `registry_set` and `registry_event`).

use std::borrow::Cow;

use rsigma_eval::CompiledRule;
use rustc_hash::FxHashMap;
use safecare_model::Event;

use crate::view::FieldView;

/// The logsource of one event: one product and service, possibly several
/// categories.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventRoute {
    pub product: Option<String>,
    pub service: Option<String>,
    pub categories: Vec<String>,
}

impl EventRoute {
    /// Derives the route of `event`, inferring Windows service and categories
    /// from the channel and event id when the decoder did not set them.
    pub fn of(event: &Event) -> Self {
        let parts = RouteParts::of(event, &FieldView::new(event));
        EventRoute {
            categories: parts.categories().map(str::to_owned).collect(),
            product: parts.product.map(Cow::into_owned),
            service: parts.service.map(Cow::into_owned),
        }
    }
}

/// At most: the decoder's category or two inferred ones, plus `registry_event`.
const MAX_CATEGORIES: usize = 3;

/// [`EventRoute`] without allocation on the hot path: lowercase names
/// borrowed from the event (or static) whenever they already are lowercase.
pub(crate) struct RouteParts<'a> {
    pub product: Option<Cow<'a, str>>,
    pub service: Option<Cow<'a, str>>,
    categories: [Option<Cow<'a, str>>; MAX_CATEGORIES],
}

impl<'a> RouteParts<'a> {
    pub fn of(event: &'a Event, view: &FieldView<'a>) -> Self {
        let ls = &event.logsource;
        let mut parts = RouteParts {
            product: ls.product.as_deref().map(lower),
            service: ls.service.as_deref().map(lower),
            categories: [ls.category.as_deref().map(lower), None, None],
        };
        let windows = match parts.product.as_deref() {
            Some("windows") => true,
            None => view.is_windows(),
            Some(_) => false,
        };
        if windows {
            parts.product = Some(Cow::Borrowed("windows"));
            if parts.service.is_none() {
                parts.service = view.windows_channel().as_deref().and_then(service_of_channel).map(Cow::Borrowed);
            }
            if parts.categories[0].is_none()
                && let Some(id) = view.windows_event_id()
            {
                for (slot, c) in parts.categories.iter_mut().zip(categories_of(parts.service.as_deref(), id)) {
                    *slot = Some(Cow::Borrowed(c));
                }
            }
            if parts.categories().any(|c| c.starts_with("registry_") && c != "registry_event")
                && let Some(slot) = parts.categories.iter_mut().find(|c| c.is_none())
            {
                *slot = Some(Cow::Borrowed("registry_event"));
            }
        }
        parts
    }

    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().flatten().map(|c| c.as_ref())
    }
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(s.to_ascii_lowercase()) } else { Cow::Borrowed(s) }
}

/// Rule logsources interned, so that an event finds the rule groups it
/// satisfies by a few integer lookups instead of building keys.
pub(crate) struct RouteTable {
    /// Lowercase product, service and category names → id (0 means unset).
    names: FxHashMap<String, u16>,
    /// (product, service, category) ids → group.
    groups: FxHashMap<[u16; 3], u32>,
    /// Compiled-rule indices of each group, ascending.
    members: Vec<Vec<u32>>,
}

/// Every (unset or event's) product × service × category combination.
const MAX_GROUPS: usize = 2 * 2 * (1 + MAX_CATEGORIES);

/// The groups an event meets, sorted.
pub(crate) struct Groups {
    ids: [u32; MAX_GROUPS],
    len: usize,
}

impl Groups {
    pub fn as_slice(&self) -> &[u32] {
        &self.ids[..self.len]
    }
}

impl RouteTable {
    pub fn build(rules: &[CompiledRule]) -> Self {
        let mut table = RouteTable { names: FxHashMap::default(), groups: FxHashMap::default(), members: Vec::new() };
        for (i, rule) in rules.iter().enumerate() {
            let ls = &rule.logsource;
            let key = [ls.product.as_deref(), ls.service.as_deref(), ls.category.as_deref()].map(|d| table.intern(d));
            let next = table.members.len() as u32;
            let group = *table.groups.entry(key).or_insert(next);
            if group == next {
                table.members.push(Vec::new());
            }
            if let Some(members) = table.members.get_mut(group as usize) {
                members.push(i as u32);
            }
        }
        table
    }

    fn intern(&mut self, name: Option<&str>) -> u16 {
        let Some(name) = name else { return 0 };
        let next = self.names.len() as u16 + 1;
        *self.names.entry(name.to_ascii_lowercase()).or_insert(next)
    }

    /// Rules compiled at these indices, for one group.
    pub fn members(&self, group: u32) -> &[u32] {
        self.members.get(group as usize).map_or(&[], Vec::as_slice)
    }

    /// The groups whose every set dimension equals the event's (strict mode:
    /// a rule for `category: process_creation` never sees an event without
    /// that category). A name no rule uses matches only unset dimensions.
    pub fn groups_of(&self, parts: &RouteParts<'_>) -> Groups {
        let id = |name: Option<&str>| name.and_then(|n| self.names.get(n).copied());
        let products = [Some(0), id(parts.product.as_deref())];
        let services = [Some(0), id(parts.service.as_deref())];
        let mut categories = [None; 1 + MAX_CATEGORIES];
        categories[0] = Some(0);
        for (slot, c) in categories[1..].iter_mut().zip(parts.categories()) {
            *slot = id(Some(c));
        }
        let mut out = Groups { ids: [0; MAX_GROUPS], len: 0 };
        for p in products.into_iter().flatten() {
            for s in services.into_iter().flatten() {
                for c in categories.into_iter().flatten() {
                    if let Some(&g) = self.groups.get(&[p, s, c])
                        && !out.as_slice().contains(&g)
                        && out.len < MAX_GROUPS
                    {
                        out.ids[out.len] = g;
                        out.len += 1;
                    }
                }
            }
        }
        out.ids[..out.len].sort_unstable();
        out
    }
}

/// SigmaHQ's service name for a Windows event log channel.
fn service_of_channel(channel: &str) -> Option<&'static str> {
    let mut buf = [0u8; 96];
    let low = buf.get_mut(..channel.len())?;
    low.copy_from_slice(channel.as_bytes());
    low.make_ascii_lowercase();
    let service = match std::str::from_utf8(low).unwrap_or_default() {
        "security" => "security",
        "system" => "system",
        "application" => "application",
        "microsoft-windows-sysmon/operational" => "sysmon",
        "microsoft-windows-powershell/operational" => "powershell",
        "windows powershell" => "powershell-classic",
        "microsoft-windows-windows defender/operational" => "windefend",
        "microsoft-windows-taskscheduler/operational" => "taskscheduler",
        "microsoft-windows-wmi-activity/operational" => "wmi",
        "microsoft-windows-bits-client/operational" => "bits-client",
        "microsoft-windows-dns-client/operational" => "dns-client",
        "microsoft-windows-windows firewall with advanced security/firewall" => "firewall-as",
        "microsoft-windows-codeintegrity/operational" => "codeintegrity-operational",
        "microsoft-windows-ntlm/operational" => "ntlm",
        "microsoft-windows-smbclient/security" => "smbclient-security",
        "microsoft-windows-terminalservices-localsessionmanager/operational" => "terminalservices-localsessionmanager",
        "microsoft-windows-applocker/exe and dll" | "microsoft-windows-applocker/msi and script" => "applocker",
        _ => return None,
    };
    Some(service)
}

/// The Sigma categories that a Windows event id stands for, by channel
/// service: Sysmon ids map one to one, and Security 4688 / PowerShell 4104
/// are the non-Sysmon sources SigmaHQ rules are written for.
fn categories_of(service: Option<&str>, event_id: i64) -> &'static [&'static str] {
    match (service, event_id) {
        (Some("sysmon"), 1) => &["process_creation"],
        (Some("sysmon"), 2) => &["file_change"],
        (Some("sysmon"), 3) => &["network_connection"],
        (Some("sysmon"), 5) => &["process_termination"],
        (Some("sysmon"), 6) => &["driver_load"],
        (Some("sysmon"), 7) => &["image_load"],
        (Some("sysmon"), 8) => &["create_remote_thread"],
        (Some("sysmon"), 9) => &["raw_access_thread"],
        (Some("sysmon"), 10) => &["process_access"],
        (Some("sysmon"), 11) => &["file_event"],
        (Some("sysmon"), 12) => &["registry_add", "registry_delete"],
        (Some("sysmon"), 13) => &["registry_set"],
        (Some("sysmon"), 14) => &["registry_rename"],
        (Some("sysmon"), 15) => &["create_stream_hash"],
        (Some("sysmon"), 17 | 18) => &["pipe_created"],
        (Some("sysmon"), 19..=21) => &["wmi_event"],
        (Some("sysmon"), 22) => &["dns_query"],
        (Some("sysmon"), 23 | 26) => &["file_delete"],
        (Some("sysmon"), 25) => &["process_tampering"],
        (Some("sysmon"), 29) => &["file_executable_detected"],
        (Some("security"), 4688) => &["process_creation"],
        (Some("powershell"), 4104) => &["ps_script"],
        (Some("powershell"), 4103) => &["ps_module"],
        (Some("powershell-classic"), 400) => &["ps_classic_start"],
        (Some("powershell-classic"), 600) => &["ps_classic_provider_start"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safecare_model::{Domain, Timestamp};
    use serde_json::json;

    fn windows(fields: serde_json::Value) -> Event {
        let mut event = Event::new("t", Domain::Cyber, Timestamp::UNIX_EPOCH, "");
        event.fields = fields.as_object().cloned().unwrap_or_default();
        event
    }

    #[test]
    fn sysmon_registry_set_is_also_registry_event() {
        let route = EventRoute::of(&windows(json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 13})));
        assert_eq!(route.product.as_deref(), Some("windows"));
        assert_eq!(route.service.as_deref(), Some("sysmon"));
        assert_eq!(route.categories, ["registry_set", "registry_event"]);
    }

    #[test]
    fn nested_evtx_and_winlogbeat_shapes_route_alike() {
        let evtx =
            windows(json!({"Event": {"System": {"Channel": "Security", "EventID": {"#text": 4688}}, "EventData": {}}}));
        let beat = windows(json!({"winlog": {"channel": "Security", "event_id": "4688", "event_data": {}}}));
        for event in [evtx, beat] {
            let route = EventRoute::of(&event);
            assert_eq!(route.service.as_deref(), Some("security"), "{event:?}");
            assert_eq!(route.categories, ["process_creation"]);
        }
    }

    #[test]
    fn decoder_logsource_wins_and_non_windows_is_untouched() {
        let mut event = windows(json!({"action": "forced"}));
        event.logsource.product = Some("SafeCare".into());
        event.logsource.category = Some("access_control".into());
        let route = EventRoute::of(&event);
        assert_eq!(route.product.as_deref(), Some("safecare"));
        assert_eq!(route.categories, ["access_control"]);
        assert_eq!(route.service, None);
    }
}
