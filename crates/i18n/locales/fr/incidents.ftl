incidents-filter-label = Filtrer les incidents
incidents-status = Statut
incidents-any = tous
incidents-open = ouverts (non résolus)
incidents-min-severity = Gravité au moins
incidents-assignee = Responsable
incidents-user-name = nom d'utilisateur
incidents-filter = Filtrer
incidents-caption = { $count ->
    [0] Aucun incident, les plus récemment mis à jour d'abord
    [one] Un incident, les plus récemment mis à jour d'abord
   *[other] { $count } incidents, les plus récemment mis à jour d'abord
}
incidents-page-of = page { $page } sur { $pages }
incidents-col-incident = Incident
incidents-col-severity = Gravité
incidents-col-where = Lieu
incidents-col-alerts = Alertes
incidents-col-updated = Mis à jour
incidents-exercise = EXERCICE
incidents-unassigned = non attribué
incidents-none = Aucun incident ne correspond.
incidents-pages = Pages
incidents-newer = ← Plus récents
incidents-older = Plus anciens →
