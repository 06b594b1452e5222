"""Django's SQLite backend, with the database file readable by segl's user only."""
