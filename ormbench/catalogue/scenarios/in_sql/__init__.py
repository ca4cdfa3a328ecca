"""Work done in the database rather than in Python: aggregates, annotations, F() and Q()."""
