responder-title = Primi soccorritori
responder-where = Dove
responder-what = Cosa
responder-doors = Porte
