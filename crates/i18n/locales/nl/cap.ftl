cap-heading = Hulpdiensten (CAP)
cap-approve = Goedkeuren en verzenden
cap-discard = Verwerpen
cap-event = Gebeurtenis
