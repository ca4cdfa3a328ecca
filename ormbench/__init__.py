"""django-ormbench: the harness that measures and checks Django ORM patterns.

The top-level modules are what every stage shares: `errors`, `settings`, `protocol` (the
parent/worker protocol), `results` (the run format's one owner) and `store` (runs on disk).
They import only each other; `cli` and `commands/` are the entry layer above every stage.
"""
