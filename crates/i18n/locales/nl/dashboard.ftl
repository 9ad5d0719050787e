nav-overview = Overzicht
nav-incidents = Incidenten
nav-plan = Plattegrond
nav-events = Gebeurtenissen
nav-assets = Middelen
nav-rules = Regels
nav-notifications = Meldingen
nav-availability = Beschikbaarheid
nav-respond = Interventie
nav-sections = Onderdelen

layout-skip = Naar de inhoud
layout-logout = Afmelden

count-events = { $count ->
    [one] { $count } gebeurtenis
   *[other] { $count } gebeurtenissen
}
