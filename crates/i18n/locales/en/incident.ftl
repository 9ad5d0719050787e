# One incident: its name, its page's controls (closing, skipping, editing,
# merging and splitting, declaring, recording reports) and its report drafts.

## Threats in words, for incident names (incident-threat- + the threat's
## snake_case name with dashes).
incident-threat-ransomware = ransomware
incident-threat-phishing = phishing
incident-threat-forced-entry = forced entry
incident-threat-unauthorized-access = unauthorised access
incident-threat-intrusion = intrusion
incident-threat-credential-access = credential access
incident-threat-lateral-movement = lateral movement
incident-threat-privilege-abuse = privilege abuse
incident-threat-data-exfiltration = data exfiltration
incident-threat-credential-theft = credential theft
incident-threat-insider-threat = insider threat
incident-threat-sabotage = sabotage
incident-threat-tampering = tampering
incident-threat-bms-tampering = BMS tampering
incident-threat-medical-device-tampering = medical device tampering
incident-threat-ddos = denial of service
incident-threat-network-outage = network outage
incident-threat-cold-chain = cold-chain failure
incident-threat-equipment-failure = equipment failure
incident-threat-fire = fire
incident-threat-flood = flood
incident-threat-environmental = environmental excursion

## Names
incident-name = { $what } — { $place }
incident-place-room = room { $room }
incident-place-floor = floor { $floor }
incident-place-more = { $count ->
    [one] and { $count } more place
   *[other] and { $count } more places
}

## Facts
incident-severity = Severity
incident-status = Status
incident-assignee = Assignee
incident-unassigned = unassigned
incident-location = Location
incident-unknown = unknown
incident-threat = Threat
incident-not-classified = not classified
incident-tags = Tags
incident-none = none
incident-opened = Opened
incident-updated = Updated
incident-merged-into = Merged into
incident-assets = Assets
incident-closed-as = Closed as
incident-closure = { $disposition } by { $by }: { $reason }
incident-disposition-false-positive = false positive
incident-disposition-benign = benign
incident-disposition-duplicate = duplicate

## Actions
incident-actions = Actions
incident-change-status = Change status
incident-transition-acknowledge = Acknowledge
incident-transition-start = Start
incident-transition-resolve = Resolve
incident-transition-close = Close
incident-transition-reopen = Reopen
incident-assign = Assign
incident-assign-to = Assign to
incident-nobody = nobody
incident-merged-notice = Merged into another incident, which carries on the work:
incident-read-only = Your role can read this incident but not change it.
incident-export = Export JSON
incident-responder-view = Responder view

incident-close-heading = Close without response work…
incident-close-disposition = Close as
incident-close-reason = Reason
incident-close-reason-hint = why no response is needed
incident-close-duplicate-of = Duplicate of
incident-close-duplicate-hint = only for a duplicate
incident-close-explain = Closing skips every pending playbook task with this reason; a duplicate is merged into the incident it duplicates.
incident-close-submit = Close incident

incident-edit-heading = Edit, merge, split…
incident-edit-title = Title
incident-edit-rename = Rename
incident-edit-severity = Severity
incident-edit-severity-reason = Why
incident-edit-set-severity = Set severity
incident-edit-add-tags = Add tags
incident-edit-tags-hint = comma or space separated
incident-edit-add = Add
incident-edit-remove-tag = Remove tag { $tag }
incident-merge-into = Merge into
incident-merge = Merge
incident-split-alerts = Alerts to split off
incident-split-title = New incident's title
incident-split = Split off

## Checklist
incident-checklist = Playbook checklist
incident-no-playbook = No playbook attached.
incident-tasks-done = { $done } of { $total } done
incident-task = Task
incident-role = Role
incident-state = State
incident-approval = Approval
incident-act = Act
incident-task-role-soc = SOC analyst
incident-task-role-security-guard = security guard
incident-task-role-crisis-manager = crisis manager
incident-task-role-it = IT
incident-task-role-clinical-lead = clinical lead
incident-task-role-privacy-officer = privacy officer
incident-how = How
incident-after = after { $tasks }
incident-task-pending = ☐ pending
incident-task-done = ☑ done
incident-task-skipped = ⊘ skipped
incident-by = by { $by }
incident-approval-not-needed = not needed
incident-approval-needed = needed from { $role }
incident-approval-given = given by { $by } as { $role }
incident-approve = Approve
incident-complete = Complete
incident-skip-open = Skip…
incident-skip-reason = Reason to skip { $task }
incident-skip-hint = why skip it
incident-skip = Skip
incident-skip-rest-open = Skip the { $count } pending tasks…
incident-skip-rest-reason = One note for every pending task of { $playbook }
incident-skip-rest = Skip the rest

## Regulatory clocks
incident-clocks = Regulatory clocks
incident-significant-by = Significant under NIS2: marked by { $by }, aware since { $since }.
incident-breach-by = Personal-data breach under GDPR: marked by { $by }, aware since { $since }.
incident-no-clock = No clock running: the incident is not marked significant or a personal-data breach.
incident-deadline = Deadline
incident-due = Due
incident-remaining = Remaining
incident-clock-nis2-early-warning = NIS2 early warning (Art. 23(4)(a), 24 h)
incident-clock-nis2-notification = NIS2 incident notification (Art. 23(4)(b), 72 h)
incident-clock-nis2-final-report = NIS2 final report (Art. 23(4)(d), one month)
incident-clock-gdpr-art33 = GDPR personal-data breach notification (Art. 33, 72 h)
incident-draft-report = Draft report
incident-submitted = submitted by { $by } at { $at }
incident-submitted-reference = reference: { $reference }
incident-record-submission = Record as submitted…
incident-submission-reference = Reference (portal receipt, e-mail)
incident-submission-hint = e.g. the portal's receipt number
incident-submission-submit = Record submission
incident-declare = Declare
incident-mark-significant = Mark significant (NIS2)…
incident-mark-significant-explain = This starts the legal NIS2 clocks now: the early warning is due within 24 hours, the incident notification within 72 hours, the final report one month after the notification. It cannot be undone.
incident-mark-significant-confirm = Yes, mark significant and start the NIS2 clocks
incident-mark-breach = Mark personal-data breach (GDPR)…
incident-mark-breach-explain = This starts the GDPR Art. 33 clock now: the supervisory authority must be notified within 72 hours. It cannot be undone.
incident-mark-breach-confirm = Yes, mark a personal-data breach and start the GDPR clock
incident-left = { $span } left
incident-overdue = overdue by { $span }

## Report drafts
incident-report-title = Report draft: { $report }
incident-report-back = Back to the incident
incident-report-download-md = Download Markdown
incident-report-download-html = Download HTML
incident-report-note = A draft from what SafeCare knows: complete what it marks [to complete: …] before sending.
