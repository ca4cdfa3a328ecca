"""History: every stored run in one index, series over commits, changes found in them, a site.

`index` keeps the figures (SQLite or PostgreSQL), `detect` finds the changes, `site` draws them;
`ormbench.commands.history` runs the three in that order.
"""
