//! The one Windows logsource table: which SigmaHQ service a Windows event
//! log channel is, which SigmaHQ categories an event id of that service
//! stands for, and how a source's own field names map to the names SigmaHQ
//! rules use (SigmaHQ's Windows taxonomy).
//!
//! It lives here, not in ingest, because routing to rules is detection's
//! job and ingest may depend only on the model: decoders set product
//! `windows` and keep `Channel`/`EventID` among the fields, and detection
//! derives service, categories and field names from this table, for live
//! events and offline hunts alike. Tests check it against the logsources
//! SigmaHQ's `rules/windows` use (`tests/logsource.rs`).

/// SigmaHQ's service name of every Windows event log channel its rules
/// use, and of the channels SigmaHQ's own pipelines name. Compared without
/// regard to case, as Windows does.
pub const CHANNELS: &[(&str, &str)] = &[
    ("Security", "security"),
    ("System", "system"),
    ("Application", "application"),
    ("Microsoft-Windows-Sysmon/Operational", "sysmon"),
    ("Microsoft-Windows-PowerShell/Operational", "powershell"),
    ("PowerShellCore/Operational", "powershell"),
    ("Windows PowerShell", "powershell-classic"),
    ("Microsoft-Windows-TaskScheduler/Operational", "taskscheduler"),
    ("Microsoft-Windows-WMI-Activity/Operational", "wmi"),
    ("Microsoft-Windows-Windows Defender/Operational", "windefend"),
    ("Microsoft-Windows-Bits-Client/Operational", "bits-client"),
    // SigmaHQ names the first; Windows writes the second.
    ("Microsoft-Windows-DNS Client Events/Operational", "dns-client"),
    ("Microsoft-Windows-DNS-Client/Operational", "dns-client"),
    ("DNS Server", "dns-server"),
    ("Microsoft-Windows-DNS-Server/Audit", "dns-server-audit"),
    ("Microsoft-Windows-DNSServer/Audit", "dns-server-audit"),
    ("Microsoft-Windows-DNS-Server/Analytical", "dns-server-analytic"),
    ("Microsoft-Windows-DriverFrameworks-UserMode/Operational", "driver-framework"),
    ("Microsoft-Windows-NTLM/Operational", "ntlm"),
    ("Microsoft-Windows-DHCP-Server/Operational", "dhcp"),
    ("MSExchange Management", "msexchange-management"),
    ("Microsoft-Windows-AppLocker/MSI and Script", "applocker"),
    ("Microsoft-Windows-AppLocker/EXE and DLL", "applocker"),
    ("Microsoft-Windows-AppLocker/Packaged app-Deployment", "applocker"),
    ("Microsoft-Windows-AppLocker/Packaged app-Execution", "applocker"),
    ("Microsoft-Windows-PrintService/Admin", "printservice-admin"),
    ("Microsoft-Windows-PrintService/Operational", "printservice-operational"),
    ("Microsoft-Windows-CodeIntegrity/Operational", "codeintegrity-operational"),
    ("Microsoft-Windows-SmbClient/Security", "smbclient-security"),
    ("Microsoft-Windows-SmbClient/Connectivity", "smbclient-connectivity"),
    ("Microsoft-Windows-SMBServer/Connectivity", "smbserver-connectivity"),
    ("Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", "firewall-as"),
    ("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", "terminalservices-localsessionmanager"),
    ("Microsoft-ServiceBus-Client", "microsoft-servicebus-client"),
    // SigmaHQ's rules say `ldap`, its pipelines `ldap_debug`; one channel.
    ("Microsoft-Windows-LDAP-Client/Debug", "ldap"),
    ("Microsoft-Windows-Security-Mitigations/Kernel Mode", "security-mitigations"),
    ("Microsoft-Windows-Security-Mitigations/User Mode", "security-mitigations"),
    ("Microsoft-Windows-Diagnosis-Scripted/Operational", "diagnosis-scripted"),
    ("Microsoft-Windows-Shell-Core/Operational", "shell-core"),
    ("OpenSSH/Operational", "openssh"),
    ("Microsoft-Windows-BitLocker/BitLocker Management", "bitlocker"),
    ("Microsoft-Windows-VHDMP/Operational", "vhdmp"),
    ("Microsoft-Windows-AppXDeploymentServer/Operational", "appxdeployment-server"),
    ("Microsoft-Windows-LSA/Operational", "lsa-server"),
    ("Microsoft-Windows-AppxPackaging/Operational", "appxpackaging-om"),
    ("Microsoft-Windows-AppModel-Runtime/Admin", "appmodel-runtime"),
    ("Microsoft-Windows-CAPI2/Operational", "capi2"),
    (
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
        "certificateservicesclient-lifecycle-system",
    ),
    ("Microsoft-IIS-Configuration/Operational", "iis-configuration"),
];

/// (service, event id) → SigmaHQ categories. Sysmon's ids follow SigmaHQ's
/// Sysmon taxonomy (12 is both `registry_add` and `registry_delete`, the
/// rules tell them apart by `EventType`; 12–14 are also `registry_event`),
/// Security 4688 is `process_creation` with [`SECURITY_4688`]'s names, and
/// PowerShell's script, module and classic-engine events have their own.
pub const CATEGORIES: &[(&str, i64, &[&str])] = &[
    ("sysmon", 1, &["process_creation"]),
    ("sysmon", 2, &["file_change"]),
    ("sysmon", 3, &["network_connection"]),
    ("sysmon", 4, &["sysmon_status"]),
    ("sysmon", 5, &["process_termination"]),
    ("sysmon", 6, &["driver_load"]),
    ("sysmon", 7, &["image_load"]),
    ("sysmon", 8, &["create_remote_thread"]),
    ("sysmon", 9, &["raw_access_thread"]),
    ("sysmon", 10, &["process_access"]),
    ("sysmon", 11, &["file_event"]),
    ("sysmon", 12, &["registry_add", "registry_delete", "registry_event"]),
    ("sysmon", 13, &["registry_set", "registry_event"]),
    ("sysmon", 14, &["registry_rename", "registry_event"]),
    ("sysmon", 15, &["create_stream_hash"]),
    ("sysmon", 16, &["sysmon_status"]),
    ("sysmon", 17, &["pipe_created"]),
    ("sysmon", 18, &["pipe_created"]),
    ("sysmon", 19, &["wmi_event"]),
    ("sysmon", 20, &["wmi_event"]),
    ("sysmon", 21, &["wmi_event"]),
    ("sysmon", 22, &["dns_query"]),
    ("sysmon", 23, &["file_delete"]),
    ("sysmon", 24, &["clipboard_capture"]),
    ("sysmon", 25, &["process_tampering"]),
    ("sysmon", 26, &["file_delete", "file_delete_detected"]),
    ("sysmon", 27, &["file_block_executable"]),
    ("sysmon", 28, &["file_block_shredding"]),
    ("sysmon", 29, &["file_executable_detected"]),
    ("sysmon", 255, &["sysmon_error"]),
    ("security", 4688, &["process_creation"]),
    ("powershell", 4103, &["ps_module"]),
    ("powershell", 4104, &["ps_script"]),
    ("powershell-classic", 400, &["ps_classic_start"]),
    ("powershell-classic", 600, &["ps_classic_provider_start"]),
    ("powershell-classic", 800, &["ps_classic_script"]),
];

/// Security 4657 ("a registry value was modified") under SigmaHQ's registry
/// categories, told apart by its `OperationType` as SigmaHQ's own Windows
/// audit pipeline (pySigma-pipeline-windows, `windows_audit_pipeline`) does
/// when it sends `registry_add`, `registry_set` and `registry_event` rules
/// to Security 4657. EVTX records hold the operation as a message reference
/// (`%%1904`), rendered logs as its text; a deleted value (`%%1906`) is
/// none of these categories there, so none here.
///
/// Security 5156 (the Windows Filtering Platform permitted a connection) is
/// deliberately in no category: SigmaHQ's taxonomy gives
/// `network_connection` to Sysmon 3 alone, no SigmaHQ pipeline maps it to
/// 5156, and SigmaHQ's rules for 5156 are `service: security` rules over its
/// own field names (`Application`, `DestPort`, …), which the channel routes.
pub const SECURITY_4657: &[(&str, &[&str])] = &[
    ("%%1904", &["registry_add", "registry_event"]),
    ("New registry value created", &["registry_add", "registry_event"]),
    ("%%1905", &["registry_set", "registry_event"]),
    ("Existing registry value modified", &["registry_set", "registry_event"]),
];

/// SigmaHQ categories of Windows rules that no event log channel carries,
/// and why; the coverage test accepts these and nothing else unmapped.
pub const NOT_IN_EVENT_LOGS: &[(&str, &str)] = &[
    ("file_access", "Microsoft-Windows-Kernel-File ETW provider, not an event log channel"),
    ("file_rename", "Microsoft-Windows-Kernel-File ETW provider, not an event log channel"),
];

/// A Sigma field answered by another field of the source, its values
/// optionally translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMap {
    /// The name SigmaHQ rules use.
    pub sigma: &'static str,
    /// The source's own field.
    pub source: &'static str,
    /// Source value → the value rules compare (case-insensitive); a value
    /// not listed is passed as it is.
    pub values: &'static [(&'static str, &'static str)],
}

impl FieldMap {
    const fn name(sigma: &'static str, source: &'static str) -> Self {
        FieldMap { sigma, source, values: &[] }
    }

    /// The value rules see for the source's `value`.
    pub fn translate<'v>(&self, value: &'v str) -> &'v str {
        self.values.iter().find(|(from, _)| from.eq_ignore_ascii_case(value)).map_or(value, |(_, to)| to)
    }
}

/// Mandatory integrity levels, as Security 4688 writes them (SIDs), under
/// the names Sysmon writes and SigmaHQ rules compare.
const INTEGRITY_LEVELS: &[(&str, &str)] = &[
    ("S-1-16-0", "Untrusted"),
    ("S-1-16-4096", "Low"),
    ("S-1-16-8192", "Medium"),
    ("S-1-16-8448", "Medium"),
    ("S-1-16-12288", "High"),
    ("S-1-16-16384", "System"),
    ("S-1-16-20480", "System"),
];

/// Security 4688 under SigmaHQ's `process_creation` names: the new process
/// is `NewProcess*`, its creator (the parent) is `Process*`/`ParentProcessName`.
pub const SECURITY_4688: &[FieldMap] = &[
    FieldMap::name("Image", "NewProcessName"),
    FieldMap::name("ParentImage", "ParentProcessName"),
    FieldMap::name("ProcessId", "NewProcessId"),
    FieldMap::name("ParentProcessId", "ProcessId"),
    FieldMap::name("User", "SubjectUserName"),
    FieldMap::name("LogonId", "SubjectLogonId"),
    FieldMap { sigma: "IntegrityLevel", source: "MandatoryLabel", values: INTEGRITY_LEVELS },
];

/// Security 4657 under the names SigmaHQ's registry rules use, as SigmaHQ's
/// Windows audit pipeline maps them (`Details` is the new value); the
/// acting process is `ProcessName` in 4657 (the pipeline's blanket
/// `NewProcessName` is 4688's name, absent here). The pipeline gives no
/// `TargetObject`, so neither does this table.
pub const SECURITY_4657_FIELDS: &[FieldMap] = &[
    FieldMap::name("Details", "NewValue"),
    FieldMap::name("Image", "ProcessName"),
    FieldMap::name("LogonId", "SubjectLogonId"),
];

/// Names NXLog (and the OTRF data sets it wrote) gives to `System` fields;
/// used only when the event lacks the Sigma name itself.
pub const COLLECTOR_ALIASES: &[FieldMap] =
    &[FieldMap::name("Provider_Name", "SourceName"), FieldMap::name("Computer", "Hostname")];

/// SigmaHQ's service for a Windows channel.
pub fn service_of_channel(channel: &str) -> Option<&'static str> {
    CHANNELS.iter().find(|(c, _)| c.eq_ignore_ascii_case(channel)).map(|(_, s)| *s)
}

/// The SigmaHQ categories of event `event_id` of `service`; `operation`
/// answers the event's `OperationType`, asked only of Security 4657.
pub fn categories_of<'o>(
    service: Option<&str>,
    event_id: i64,
    operation: impl FnOnce() -> Option<&'o str>,
) -> &'static [&'static str] {
    let Some(service) = service else { return &[] };
    if (service, event_id) == ("security", 4657) {
        let operation = operation().map(str::trim);
        return operation
            .and_then(|op| SECURITY_4657.iter().find(|(o, _)| o.eq_ignore_ascii_case(op)))
            .map_or(&[], |(_, c)| c);
    }
    CATEGORIES.iter().find(|(s, id, _)| *s == service && *id == event_id).map_or(&[], |(_, _, c)| c)
}

/// The field names to present for event `event_id` of `service`.
pub fn field_maps(service: Option<&str>, event_id: Option<i64>) -> &'static [FieldMap] {
    match (service, event_id) {
        (Some("security"), Some(4688)) => SECURITY_4688,
        (Some("security"), Some(4657)) => SECURITY_4657_FIELDS,
        _ => &[],
    }
}

/// Whether any mapping in this table answers the Sigma field `name` from
/// another field (such names are looked up, never read off the top level).
pub fn is_mapped_name(name: &str) -> bool {
    SECURITY_4688.iter().chain(SECURITY_4657_FIELDS).chain(COLLECTOR_ALIASES).any(|m| m.sigma == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_found_whatever_their_case() {
        assert_eq!(service_of_channel("microsoft-windows-sysmon/operational"), Some("sysmon"));
        assert_eq!(service_of_channel("OpenSSH/Operational"), Some("openssh"));
        assert_eq!(service_of_channel("Nope"), None);
    }

    #[test]
    fn sysmon_registry_ids_have_every_registry_category() {
        let none = || None;
        assert_eq!(categories_of(Some("sysmon"), 12, none), ["registry_add", "registry_delete", "registry_event"]);
        assert_eq!(categories_of(Some("sysmon"), 13, none), ["registry_set", "registry_event"]);
        assert_eq!(categories_of(Some("sysmon"), 14, none), ["registry_rename", "registry_event"]);
        assert!(categories_of(Some("security"), 13, none).is_empty());
        assert!(categories_of(None, 1, none).is_empty());
    }

    #[test]
    fn security_4657_is_registry_set_or_add_by_its_operation() {
        assert_eq!(categories_of(Some("security"), 4657, || Some("%%1905")), ["registry_set", "registry_event"]);
        assert_eq!(categories_of(Some("security"), 4657, || Some("%%1904")), ["registry_add", "registry_event"]);
        let rendered = categories_of(Some("security"), 4657, || Some("existing registry value modified"));
        assert_eq!(rendered, ["registry_set", "registry_event"]);
        assert!(categories_of(Some("security"), 4657, || Some("%%1906")).is_empty(), "a deleted value");
        assert!(categories_of(Some("security"), 4657, || None).is_empty());
        assert!(categories_of(Some("security"), 5156, || Some("%%1905")).is_empty());
        let details = field_maps(Some("security"), Some(4657)).iter().find(|m| m.sigma == "Details").unwrap();
        assert_eq!(details.source, "NewValue");
    }

    #[test]
    fn integrity_sids_translate_and_other_values_pass() {
        let label = SECURITY_4688.iter().find(|m| m.sigma == "IntegrityLevel").unwrap();
        assert_eq!(label.translate("S-1-16-12288"), "High");
        assert_eq!(label.translate("s-1-16-16384"), "System");
        assert_eq!(label.translate("weird"), "weird");
    }

    #[test]
    fn every_table_row_is_unique() {
        for (i, (c, _)) in CHANNELS.iter().enumerate() {
            assert!(!CHANNELS[i + 1..].iter().any(|(o, _)| o.eq_ignore_ascii_case(c)), "{c}");
        }
        for (i, (s, id, _)) in CATEGORIES.iter().enumerate() {
            assert!(!CATEGORIES[i + 1..].iter().any(|(o, oid, _)| o == s && oid == id), "{s} {id}");
        }
    }
}
