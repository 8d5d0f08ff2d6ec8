"""Read queries: take a session, never commit, return plain dicts/rows. Aggregation in SQL."""
