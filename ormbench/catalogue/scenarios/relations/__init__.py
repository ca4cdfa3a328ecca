"""Deeper relations: chains, nested prefetches, many-to-many writes, on_delete rules."""
