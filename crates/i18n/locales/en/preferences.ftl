# The person's own settings page (/me).

me-title = My settings
me-now = Your time now: { $time }
me-site-default = Site default ({ $value })
me-save = Save
me-no-record = API tokens have no settings of their own: log in as a person to choose a language and a time zone.
