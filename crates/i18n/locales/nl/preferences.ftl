me-title = Mijn instellingen
me-now = Uw huidige tijd: { $time }
me-site-default = Standaard van de site ({ $value })
me-save = Opslaan
