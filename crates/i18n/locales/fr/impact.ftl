# Impact d'un incident sur les services cliniques : l'échelle, le graphe,
# les tableaux des services et des mesures.

impact-level-none = nul
impact-level-low = faible
impact-level-moderate = modéré
impact-level-severe = grave
impact-level-critical = critique

impact-heading = Impact sur les services cliniques
impact-not-assessed = Non évalué : l'incident n'a pas encore de type de menace ou ne concerne aucun équipement connu.
impact-assessed = { $threat } sur { $assets }, évalué le { $time }. { $count ->
    [0] Aucun service touché.
    [one] Un service touché.
   *[other] { $count } services touchés.
}
impact-drawn-worst = Les { $count } plus touchés sont dessinés ; tous sont listés plus bas.
impact-graph-region = Graphe d'impact
impact-graph-label = { $count ->
    [one] Un service touché
   *[other] { $count } services touchés
} et les équipements sur leurs chemins ; le plus touché : { $worst }
impact-worst-path = Trait épais : le pire chemin, de l'équipement attaqué { $from } jusqu'à { $service } :
impact-graph-boxes = Les cadres arrondis et gras sont des services cliniques ; chaque cadre donne son niveau et son score.
impact-graph-service = service
impact-graph-on-worst-path = sur le pire chemin
impact-score = score
impact-no-service = Aucun service clinique n'est touché.

impact-scale-summary = Ce que signifient les niveaux
impact-scale-meaning = Un score est la part de la capacité d'un service que l'incident devrait lui retirer (ou, pour la confidentialité et la sécurité, son degré d'exposition) : 1, c'est tout le service d'un coup ; 0,5, la moitié. Il diminue le long du chemin selon la part transmise par chaque dépendance et les protections de chaque équipement.
impact-scale-critical = 0,75 et plus : le service est perdu ou presque.
impact-scale-severe = de 0,50 à 0,75 : l'essentiel du service est perdu.
impact-scale-moderate = de 0,25 à 0,50 : une part sensible du service est perdue.
impact-scale-low = de 0,05 à 0,25 : le service fonctionne, ralenti ou exposé à la marge. En dessous de 0,05, l'impact est nul et n'est pas suivi.

impact-tables-heading = Services touchés et mesures
impact-services-caption = Services touchés, du plus au moins touché, une ligne par service
impact-col-service = Service
impact-col-level = Niveau (score)
impact-col-types = Types d'impact
impact-col-in-about = Dans environ
impact-minutes = { $minutes } min

impact-mitigations-caption = Mesures, de la plus forte réduction de l'impact sur les services à la plus faible
impact-mitigations-none-reduce = Aucune mesure ne réduit l'impact évalué.
impact-mitigations-show-all = Tout afficher : { $count ->
    [one] une autre mesure
   *[other] { $count } autres mesures
} sans réduction mesurée
impact-mitigations-no-reduction-why = Celles-ci ne réduisent rien de ce que le modèle mesure : le dommage qu'elles visent est déjà fait (un équipement déjà manipulé), ou elles arrêtent la suite plutôt que ce qui est évalué. Leurs alertes de sécurité restent valables.
impact-mitigations-idle-caption = Mesures sans réduction mesurée
impact-col-mitigation = Mesure
impact-col-reduction = Réduction
impact-col-safety = Sécurité des patients
impact-safety-risk = risque
impact-safety-none = aucun risque trouvé
impact-targets = sur { $assets }
impact-targets-more = sur { $assets } et { $count } autres

impact-responder-caption = Services cliniques touchés
