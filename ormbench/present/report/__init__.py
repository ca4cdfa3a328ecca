"""The report page of one run: its interactive charts and their exports, its HTML, and
building them in place."""
