notify-subject = { $severity } incident: { $title }
notify-exercise = [OEFENING]
notify-severity-low = laag
notify-severity-medium = middel
notify-severity-high = hoog
notify-severity-critical = kritiek
