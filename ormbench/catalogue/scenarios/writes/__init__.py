"""Writing: upserts, transactions and savepoints, migrations of data and schema."""
