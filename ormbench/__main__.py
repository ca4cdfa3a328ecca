from ormbench.cli import main

raise SystemExit(main())
