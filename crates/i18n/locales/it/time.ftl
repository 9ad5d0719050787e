time-days = { $d } g { $h } h
time-hours = { $h } h { $m } min
time-minutes = { $m } min
time-left = mancano { $span }
time-overdue = in ritardo di { $span }
time-in = tra { $span }
time-ago = { $span } fa
