responder-title = Hulpdiensten
responder-where = Waar
responder-what = Wat
responder-doors = Deuren
