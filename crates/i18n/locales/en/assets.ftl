# The asset inventory pages.

assets-find = Find
assets-find-hint = name, kind or place
assets-search = Search
assets-shown = { $shown } of { $count } assets
assets-asset = Asset
assets-kind = Kind
assets-location = Location
assets-id = Id
assets-protection = Protection against { $threat }
assets-graph-label = { $asset } and the assets it relates to
assets-graph-caption = What relates to it (left), the asset (middle) and what it relates to (right); each arrow's relation is named below and shown on hover.
assets-relates-to = It relates to
assets-related-to-it = Related to it
assets-events = Events of this asset
