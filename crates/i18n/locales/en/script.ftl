# Words the dashboard's script (app.js) writes; the server hands them over
# with the page. The script fills in the variables itself.

script-working = Working…
script-done = Done; refreshing…
script-refused = Refused ({ $status })
script-unreachable = SafeCare cannot be reached; try again.
script-incident-changed = This incident changed ({ $action } by { $actor }); reload the page to see it.
script-events-last-hour = Events in the last hour: { $count }
