login-title = Accesso
login-tagline = Operazioni di sicurezza dell'ospedale: cyber e fisica, un unico quadro.
login-user-name = Nome utente
login-password = Password
login-submit = Accedi
login-invalid = nome utente o password non validi
