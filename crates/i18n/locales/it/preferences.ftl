me-title = Le mie impostazioni
me-now = La tua ora attuale: { $time }
me-site-default = Predefinito del sito ({ $value })
me-save = Salva
