"""The database: tables, Alembic migrations and the Store, the one door to them."""
