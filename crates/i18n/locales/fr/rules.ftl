# La page des règles de détection.

rules-disabled-count = { $count ->
    [one] { $count } désactivée
   *[other] { $count } désactivées
}
rules-caption = Règles, les plus déclenchées d'abord
rules-rule = Règle
rules-kind = Type
rules-level = Niveau
rules-threat = Menace
rules-tags = Étiquettes
rules-hits = Déclenchements
rules-state = État
rules-enabled = active
rules-disabled = désactivée
rules-disable-one = Désactiver { $rule }
rules-enable-one = Activer { $rule }
rules-disable = Désactiver
rules-enable = Activer
rules-refused = Règles refusées
