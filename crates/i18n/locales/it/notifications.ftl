notifications-route = Percorso
notifications-channel = Canale
notifications-roster = Turni di reperibilità
notifications-nobody = nessuno
notifications-last = Ultimi messaggi
notifications-no-message = Ancora nessun messaggio.
