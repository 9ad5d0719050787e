severity-info = info
severity-low = faible
severity-medium = moyenne
severity-high = élevée
severity-critical = critique

status-new = nouveau
status-acknowledged = pris en compte
status-in-progress = en cours
status-resolved = résolu
status-closed = clos
