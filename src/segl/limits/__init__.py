"""Rate limits' counts when the shared cache is away: rows in the database (decision 38)."""
