# Notifications to the people on call (e-mail, SMS and pager texts). The
# webhook's and MQTT's JSON and the syslog CEF stay machine formats.

notify-subject = { $severity } incident: { $title }
notify-exercise = [EXERCISE]
notify-not-acknowledged = (not acknowledged, tier { $tier })
notify-already = (already { $status })
notify-test-subject = SafeCare test notification on route { $route } (sent by { $actor })
notify-severity-info = info
notify-severity-low = low
notify-severity-medium = medium
notify-severity-high = high
notify-severity-critical = critical
notify-status-new = new
notify-status-acknowledged = acknowledged
notify-status-in-progress = in progress
notify-status-resolved = resolved
notify-status-closed = closed
notify-mail-incident = Incident: { $value }
notify-mail-severity = Severity: { $value }
notify-mail-status = Status: { $value }
notify-mail-threat = Threat: { $value }
notify-mail-route = Route: { $route } (tier { $tier })
notify-mail-key = Message key: { $value }
