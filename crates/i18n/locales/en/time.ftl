# Spans of time, as a reader says them ("3 h 12 min left", "in 40 min").

time-days = { $d } d { $h } h
time-hours = { $h } h { $m } min
time-minutes = { $m } min
time-left = { $span } left
time-overdue = overdue by { $span }
time-in = in { $span }
time-ago = { $span } ago
