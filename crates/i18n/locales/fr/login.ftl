# La page de connexion.

login-title = Connexion
login-tagline = Opérations de sécurité de l'hôpital : cyber et physique, une seule vue.
login-user-name = Nom d'utilisateur
login-password = Mot de passe
login-submit = Se connecter
login-invalid = nom d'utilisateur ou mot de passe incorrect
login-locked = trop d'échecs ; réessayez après { $time }
login-throttled = trop de tentatives de connexion depuis cette adresse ; patientez une minute
login-unavailable = SafeCare ne peut pas vous connecter pour l'instant : { $reason }
