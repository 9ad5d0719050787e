assets-find = Trova
assets-search = Cerca
assets-asset = Risorsa
assets-kind = Tipo
assets-location = Posizione
