"""The only layer that formats numbers: terminal tables, PNG charts, the static HTML report."""
