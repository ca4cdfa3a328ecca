"""QuerySet traps: evaluations that look free and are not."""
