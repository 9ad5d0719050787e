cap-heading = Primi soccorritori (CAP)
cap-approve = Approva e invia
cap-discard = Scarta
cap-event = Evento
