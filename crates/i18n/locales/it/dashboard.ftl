nav-overview = Panoramica
nav-incidents = Incidenti
nav-plan = Planimetria
nav-events = Eventi
nav-assets = Risorse
nav-rules = Regole
nav-notifications = Notifiche
nav-availability = Disponibilità
nav-respond = Intervento
nav-sections = Sezioni

layout-skip = Vai al contenuto
layout-logout = Esci

count-events = { $count ->
    [one] { $count } evento
   *[other] { $count } eventi
}
