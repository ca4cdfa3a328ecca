"""`python -m ormbench.worker`: the worker process a parent starts with a `WorkerSpec`."""

from ormbench.worker.process import main

raise SystemExit(main())
