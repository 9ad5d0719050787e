time-days = { $d } d { $h } u
time-hours = { $h } u { $m } min
time-minutes = { $m } min
time-left = nog { $span }
time-overdue = { $span } te laat
time-in = over { $span }
time-ago = { $span } geleden
