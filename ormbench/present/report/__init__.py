"""The report page of one run: its PNG charts, its HTML, and building them in place."""
