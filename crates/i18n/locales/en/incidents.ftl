# The incident list.

incidents-filter-label = Filter incidents
incidents-status = Status
incidents-any = any
incidents-open = open (not resolved)
incidents-min-severity = Severity at least
incidents-assignee = Assignee
incidents-user-name = user name
incidents-filter = Filter
incidents-caption = { $count ->
    [0] No incident, most recently updated first
    [one] One incident, most recently updated first
   *[other] { $count } incidents, most recently updated first
}
incidents-page-of = page { $page } of { $pages }
incidents-col-incident = Incident
incidents-col-severity = Severity
incidents-col-where = Where
incidents-col-alerts = Alerts
incidents-col-updated = Updated
incidents-exercise = EXERCISE
incidents-unassigned = unassigned
incidents-none = No incident matches.
incidents-pages = Pages
incidents-newer = ← Newer
incidents-older = Older →
