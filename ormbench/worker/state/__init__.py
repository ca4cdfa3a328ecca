"""The database as found: restoring committed writes after each round, a quiet server before
timing, and the digests that prove a scenario left every row and the schema as it found them.

May import: ormbench (errors), ormbench.dataset, ormbench.servers (the dialect),
ormbench.worker.probes.
"""
