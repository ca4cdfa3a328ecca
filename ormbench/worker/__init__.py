"""The worker process: one database's share of a run, started by the parent with a `WorkerSpec`.

`process` sets up Django, the schema and the dataset, then runs pytest with `plugin` over
`timed_cases`; `measure` checks and times each case, `rounds` sets up its timed rounds,
`counting` counts instructions under callgrind. `probes/` fill one figure each; `state/` puts
the database back and proves it.

May import: ormbench (errors, results, protocol, settings, project), ormbench.declare,
ormbench.dataset, ormbench.servers, ormbench.present (the live progress line).
"""
