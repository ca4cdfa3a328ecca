"""The patterns Django's database access optimization guide names first: related objects,
columns, counting, bulk writes."""
