"""The parent process: plans a run, starts servers and worker processes, merges their answers.

`run` (one process per database, or a schedule of them), `revisions` (two git revisions in
worktrees, alternating), `djangos` (a Django under test in a venv of its own), `backfill`
(a range of commits for the history), `callgrind` and `counted` (the counting processes of
`--measure instructions`), `perf` (the suite's own performance).

May import: ormbench (errors, results, protocol, settings, store, project), ormbench.declare,
ormbench.dataset, ormbench.servers, ormbench.analysis, ormbench.present.
"""
