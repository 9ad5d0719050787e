assets-find = Zoeken
assets-search = Zoeken
assets-asset = Middel
assets-kind = Soort
assets-location = Locatie
