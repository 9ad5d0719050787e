# Words of the model's vocabularies as the dashboard shows them.

severity-info = info
severity-low = low
severity-medium = medium
severity-high = high
severity-critical = critical

status-new = new
status-acknowledged = acknowledged
status-in-progress = in progress
status-resolved = resolved
status-closed = closed
