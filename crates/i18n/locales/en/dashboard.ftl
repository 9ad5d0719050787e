# The dashboard's shell: navigation, header and shared words.
# Ids are kebab-case and start with the area they belong to.

nav-overview = Overview
nav-incidents = Incidents
nav-plan = Floor plan
nav-events = Events
nav-assets = Assets
nav-rules = Rules
nav-notifications = Notifications
nav-availability = Availability
nav-respond = Respond
nav-sections = Sections

layout-skip = Skip to content
layout-logout = Log out

count-events = { $count ->
    [one] { $count } event
   *[other] { $count } events
}
layout-language = Language
layout-time-zone = Time zone
