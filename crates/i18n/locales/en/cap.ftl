# CAP messages to first responders: the incident page's section. The
# messages themselves carry one info per language (event names in
# respond's CAP mapping, the proposed instruction from playbooks.ftl).

cap-heading = First responders (CAP)
cap-none-yet = No message to the fire brigade or police yet.
cap-draft-waits = Draft { $identifier } waits for a crisis manager; the next message can be drafted once it is approved or discarded.
cap-drafted-by = Drafted by { $by }, { $time }
cap-approved-by = approved and sent by { $by }, { $time }
cap-discarded-by = discarded by { $by }, never sent
cap-decide-on = Decide on { $identifier }
cap-approve = Approve and send
cap-discard = Discard
cap-pending = Pending: a crisis manager approves it before it leaves.
cap-state-draft = draft
cap-state-approved = approved
cap-state-discarded = discarded
cap-preview = Preview: { $languages }
cap-event = Event
cap-urgency-severity-certainty = Urgency, severity, certainty
cap-instruction = Instruction
cap-none = none
cap-no-area = No area: the place is not geo-referenced.
cap-polygon = Polygon:
cap-circle = Circle:
cap-xml-error = The XML cannot be written: { $reason }
cap-cancelled = The messages were cancelled; nothing more follows.
cap-form-label = Draft a CAP message
cap-form-heading = Draft the next message
cap-type = Type
cap-urgency = Urgency
cap-severity = Severity
cap-certainty = Certainty
cap-instruction-label = Instruction to responders
cap-languages-label = Languages (one message part each, e.g. en, fr, nl)
cap-note-label = Note for responders (optional)
cap-form-help = Nothing leaves before a crisis manager approves the draft; the preview shows exactly what will be sent. A Cancel tells responders all clear.
cap-submit = Draft CAP message
