"""The history site: its page (`site`: what changed lately, a chart per scenario and database,
windows of older commits as PNGs) and the interactive chart of each series' newest commits
(`chart`)."""
