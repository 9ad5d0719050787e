severity-info = info
severity-low = laag
severity-medium = middel
severity-high = hoog
severity-critical = kritiek

status-new = nieuw
status-acknowledged = in behandeling genomen
status-in-progress = bezig
status-resolved = opgelost
status-closed = gesloten
