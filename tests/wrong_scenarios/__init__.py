"""Deliberately wrong scenarios: test fixtures that the harness must catch. Never shipped."""
