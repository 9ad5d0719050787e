nav-overview = Vue d'ensemble
nav-incidents = Incidents
nav-plan = Plan des étages
nav-events = Événements
nav-assets = Équipements
nav-rules = Règles
nav-notifications = Notifications
nav-availability = Disponibilité
nav-respond = Intervention
nav-sections = Rubriques

layout-skip = Aller au contenu
layout-logout = Se déconnecter

count-events = { $count ->
    [one] { $count } événement
   *[other] { $count } événements
}
layout-language = Langue
layout-time-zone = Fuseau horaire
