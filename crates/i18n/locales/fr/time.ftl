# Durées, telles qu'on les dit (« reste 3 h 12 min », « dans 40 min »).

time-days = { $d } j { $h } h
time-hours = { $h } h { $m } min
time-minutes = { $m } min
time-left = reste { $span }
time-overdue = en retard de { $span }
time-in = dans { $span }
time-ago = il y a { $span }
