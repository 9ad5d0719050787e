notifications-route = Route
notifications-channel = Kanaal
notifications-roster = Bereikbaarheidsrooster
notifications-nobody = niemand
notifications-last = Laatste berichten
notifications-no-message = Nog geen bericht.
