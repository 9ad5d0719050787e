//! Which logsource an event belongs to, for routing it to the rules that can
//! apply.
//!
//! The decoder sets `Event::logsource`; for Windows events the service and
//! categories are inferred from the channel and event id when the decoder
//! left them out, because one event can satisfy several Sigma categories
//! (Sysmon 13 is both `registry_set` and `registry_event`).

use safecare_model::Event;

use crate::view::FieldView;

/// A rule's or an event's logsource, lower-cased so that lookups need no
/// case folding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct RouteKey {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

impl RouteKey {
    pub fn new(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> Self {
        let low = |s: Option<&str>| s.map(str::to_ascii_lowercase);
        RouteKey { product: low(product), category: low(category), service: low(service) }
    }
}

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
        let ls = &event.logsource;
        let low = |s: &Option<String>| s.as_deref().map(str::to_ascii_lowercase);
        let mut route = EventRoute {
            product: low(&ls.product),
            service: low(&ls.service),
            categories: low(&ls.category).into_iter().collect(),
        };
        let view = FieldView::new(event);
        let windows = match route.product.as_deref() {
            Some("windows") => true,
            None => view.is_windows(),
            Some(_) => false,
        };
        if windows {
            route.product = Some("windows".to_owned());
            let channel = view.windows_channel();
            if route.service.is_none() {
                route.service = channel.as_deref().and_then(service_of_channel).map(str::to_owned);
            }
            let event_id = view.windows_event_id();
            if route.categories.is_empty()
                && let Some(id) = event_id
            {
                route.categories =
                    categories_of(route.service.as_deref(), id).iter().map(|c| (*c).to_owned()).collect();
            }
            if route.categories.iter().any(|c| c.starts_with("registry_") && c != "registry_event") {
                route.categories.push("registry_event".to_owned());
            }
        }
        route
    }

    /// Every rule logsource this event satisfies in strict mode: each rule
    /// dimension is either unset or equal to the event's.
    pub(crate) fn keys(&self) -> Vec<RouteKey> {
        let with_none = |v: &Option<String>| {
            let mut all = vec![None];
            all.extend(v.clone().map(Some));
            all
        };
        let products = with_none(&self.product);
        let services = with_none(&self.service);
        let mut categories: Vec<Option<String>> = vec![None];
        categories.extend(self.categories.iter().cloned().map(Some));
        let mut keys = Vec::with_capacity(products.len() * services.len() * categories.len());
        for product in &products {
            for service in &services {
                for category in &categories {
                    keys.push(RouteKey {
                        product: product.clone(),
                        category: category.clone(),
                        service: service.clone(),
                    });
                }
            }
        }
        keys
    }
}

/// SigmaHQ's service name for a Windows event log channel.
fn service_of_channel(channel: &str) -> Option<&'static str> {
    let service = match channel.to_ascii_lowercase().as_str() {
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
        assert_eq!(route.keys().len(), 4, "{:?}", route.keys());
    }
}
