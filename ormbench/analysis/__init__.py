"""Analysis: what the stored runs say, without printing anything.

`stats` (every statistic: processes as samples, Holm, resolution, growth fits), `compare` (run A
against run B on time), `compare_counts` (on instructions), `exact` (on the figures noise cannot
touch), `plans` (what a stored plan shows), `spread` (the run-to-run spread of medians), and
`history/` (the index of every stored run, and the changes found along the commits).

May import: ormbench (errors, results, store), ormbench.servers (the history store's server).
"""
