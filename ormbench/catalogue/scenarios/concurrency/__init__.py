"""Several clients at once: races, locks, connections, async requests and a replica."""
