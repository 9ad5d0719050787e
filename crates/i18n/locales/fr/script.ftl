# Textes écrits par le script du tableau de bord (app.js).

script-working = En cours…
script-done = Fait ; actualisation…
script-refused = Refusé ({ $status })
script-unreachable = SafeCare est injoignable ; réessayez.
script-incident-changed = Cet incident a changé ({ $action } par { $actor }) ; rechargez la page pour le voir.
script-events-last-hour = Événements de la dernière heure : { $count }
