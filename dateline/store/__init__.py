"""The `store` stage: the embedded SQLite database (WAL mode) that keeps every reading.

One `Store` per process; every write goes through `Store.write_documents`, one transaction per batch, so an
interrupted ingest leaves no partial document. Readers may query while an ingest writes (WAL). Schema
changes are numbered SQL files in `migrations/`, recorded in the `schema_migrations` table.
"""
from .sqlite import Store, open_store

__all__ = ["Store", "open_store"]
