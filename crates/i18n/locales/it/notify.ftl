notify-subject = incidente { $severity }: { $title }
notify-exercise = [ESERCITAZIONE]
notify-severity-low = basso
notify-severity-medium = medio
notify-severity-high = alto
notify-severity-critical = critico
