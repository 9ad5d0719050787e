# Les pages de l'inventaire des équipements.

assets-find = Chercher
assets-find-hint = nom, type ou lieu
assets-search = Rechercher
assets-shown = { $shown } sur { $count } équipements
assets-asset = Équipement
assets-kind = Type
assets-location = Emplacement
assets-id = Identifiant
assets-protection = Protection contre { $threat }
assets-graph-label = { $asset } et les équipements auxquels il est lié
assets-graph-caption = Ce qui dépend de lui (à gauche), l'équipement (au milieu) et ce dont il dépend (à droite) ; la relation de chaque flèche est nommée ci-dessous et s'affiche au survol.
assets-relates-to = Il est lié à
assets-related-to-it = Liés à lui
assets-events = Événements de cet équipement
