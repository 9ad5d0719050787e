severity-info = info
severity-low = bassa
severity-medium = media
severity-high = alta
severity-critical = critica

status-new = nuovo
status-acknowledged = preso in carico
status-in-progress = in corso
status-resolved = risolto
status-closed = chiuso
