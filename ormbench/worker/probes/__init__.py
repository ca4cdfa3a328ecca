"""Probes of one checked call, each filling its own figures: the exact co-metrics (statements,
rows, server work, plans), round trips on the wire, the whole-database effect, and the strict
comparison of what two variants returned.

May import: ormbench (errors, results), ormbench.servers.
"""
