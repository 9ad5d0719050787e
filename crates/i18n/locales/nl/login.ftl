login-title = Inloggen
login-tagline = Beveiliging van het ziekenhuis: cyber en fysiek, één beeld.
login-user-name = Gebruikersnaam
login-password = Wachtwoord
login-submit = Inloggen
login-invalid = ongeldige gebruikersnaam of wachtwoord
