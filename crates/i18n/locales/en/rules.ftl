# The detection rules page.

rules-disabled-count = { $count } disabled
rules-caption = Rules, most hits first
rules-rule = Rule
rules-kind = Kind
rules-level = Level
rules-threat = Threat
rules-tags = Tags
rules-hits = Hits
rules-state = State
rules-enabled = enabled
rules-disabled = disabled
rules-disable-one = Disable { $rule }
rules-enable-one = Enable { $rule }
rules-disable = Disable
rules-enable = Enable
rules-refused = Refused rules
