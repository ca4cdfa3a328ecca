"""The shape of the SQL: indexes, pagination, OR against UNION, raw SQL."""
