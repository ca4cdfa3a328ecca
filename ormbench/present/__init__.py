"""The only layer that formats numbers: terminal tables, PNG charts, the static HTML report.

May import: ormbench (errors, results, store), ormbench.analysis, ormbench.servers (names and
colours of the databases), ormbench.dataset (the scales).
"""
