# Notifications aux personnes d'astreinte (courriel, SMS, bip).

notify-subject = incident de gravité { $severity } : { $title }
notify-exercise = [EXERCICE]
notify-not-acknowledged = (non acquitté, niveau { $tier })
notify-already = (déjà { $status })
notify-test-subject = Notification de test SafeCare sur la route { $route } (envoyée par { $actor })
notify-severity-info = info
notify-severity-low = faible
notify-severity-medium = moyenne
notify-severity-high = haute
notify-severity-critical = critique
notify-status-new = nouveau
notify-status-acknowledged = pris en compte
notify-status-in-progress = en cours
notify-status-resolved = résolu
notify-status-closed = clos
notify-mail-incident = Incident : { $value }
notify-mail-severity = Gravité : { $value }
notify-mail-status = État : { $value }
notify-mail-threat = Menace : { $value }
notify-mail-route = Route : { $route } (niveau { $tier })
notify-mail-key = Clé du message : { $value }
