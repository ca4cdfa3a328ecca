"""Declaring scenarios: the API a scenario module uses, and finding the modules.

`scenario` (Scenario, Variant, Observed, discovery), `queries` (query counts that depend on the
backend), `threads` (several clients at once), `catalogue` (the selection as the parent sees it).
Nothing here touches a database at import time.

May import: ormbench (errors, settings, project, results), ormbench.dataset.
"""
