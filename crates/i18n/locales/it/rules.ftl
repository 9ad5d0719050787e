rules-rule = Regola
rules-enabled = attiva
rules-disabled = disattivata
rules-disable = Disattiva
rules-enable = Attiva
