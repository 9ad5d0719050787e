//! Which logsource an event belongs to, for routing it to the rules that can
//! apply.
//!
//! The decoder sets `Event::logsource`; for Windows events the service and
//! categories come from the channel and event id through the one table in
//! [`crate::logsource`] when the decoder left them out (Windows decoders do),
//! because one event can satisfy several Sigma categories (Sysmon 13 is
//! both `registry_set` and `registry_event`).

use std::borrow::Cow;
use std::sync::Arc;

use rsigma_eval::CompiledRule;
use rustc_hash::FxHashMap;
use safecare_model::Event;

use crate::logsource::{categories_of, service_of_channel};
use crate::view::FieldView;

/// The logsource of one event: one product and service, possibly several
/// categories.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EventRoute {
    /// The Sigma `product` (`windows`, `linux`, …), when known.
    pub product: Option<String>,
    /// The Sigma `service` (`security`, `sysmon`, …), when known.
    pub service: Option<String>,
    /// Every Sigma `category` the event belongs to.
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

/// At most: the decoder's category, or the table's (Sysmon 12 has three).
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
                let operation = || view.text("OperationType");
                for (slot, c) in parts.categories.iter_mut().zip(categories_of(parts.service.as_deref(), id, operation))
                {
                    *slot = Some(Cow::Borrowed(c));
                }
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
    pub fn build(rules: &[Arc<CompiledRule>]) -> Self {
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
        let add = EventRoute::of(&windows(json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "12"})));
        assert_eq!(add.categories, ["registry_add", "registry_delete", "registry_event"]);
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
