rules-rule = Regel
rules-enabled = actief
rules-disabled = uitgeschakeld
rules-disable = Uitschakelen
rules-enable = Inschakelen
