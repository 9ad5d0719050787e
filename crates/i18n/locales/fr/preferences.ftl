# La page des réglages personnels (/me).

me-title = Mes réglages
me-now = Votre heure actuelle : { $time }
me-site-default = Valeur du site ({ $value })
me-save = Enregistrer
me-no-record = Les jetons d'API n'ont pas de réglages propres : connectez-vous en tant que personne pour choisir une langue et un fuseau horaire.
