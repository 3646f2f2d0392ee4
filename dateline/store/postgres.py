"""PostgreSQL store (`--db postgresql://user:password@host:port/database`), for shared, multi-user
deployments: the same tables, migrations and public methods as the SQLite store.

`Store.conn` accepts the SQLite store's `?` placeholders and gives rows readable by index and by column name,
so modules that run SQL through `store.conn.execute`, `store.query` and `store.transaction()` work unchanged
where their SQL is portable (see `dialect.to_postgres`). psycopg errors become `StoreError` here. Several
writers may share one database: documents are claimed with `ON CONFLICT DO NOTHING`, and migrations run
under an advisory lock, so two processes opening a new database do not both create it.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Optional, Sequence

from ..errors import ConfigError, StoreError
from . import dialect as dl
from .dialect import redact
from .sqlite import COLUMNS, INSERT_EVENT_KEYS, SOURCE, Store as SQLiteStore, _now, event_keys

try:
    import psycopg
    from psycopg import errors as pgerrors
    from psycopg.adapt import Loader
    from psycopg.types.numeric import Int8Dumper
except ImportError as exc:  # an optional install in some deployments
    raise ConfigError("a postgresql:// --db needs the psycopg package", fix="pip install 'psycopg[binary]'") from exc

_MIGRATION_LOCK = 7_304_917  # advisory lock keys: held while migrating, and by each write transaction
_WRITE_LOCK = 7_304_918


class Row(tuple):
    """A row readable as `row[0]`, `row["name"]`, `dict(row)` and by unpacking, like sqlite3.Row."""

    def __new__(cls, values, index: dict[str, int]):
        row = super().__new__(cls, values)
        row._index = index
        return row

    def keys(self) -> list[str]:
        return list(self._index)

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)


def _row_factory(cursor):
    names = [c.name for c in cursor.description or ()]
    index = {n: i for i, n in enumerate(names)}
    return lambda values: Row(values, index)


class _BoolAsInt(Int8Dumper):
    """SQLite stores True as 1; the schema's flags are INTEGER columns."""

    def dump(self, obj):
        return b"1" if obj else b"0"


class _NumericLoader(Loader):
    """SUM and AVG give NUMERIC: read it as int when whole, else float (not Decimal, which JSON refuses)."""

    def load(self, data):
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


@contextmanager
def translated(where: str):
    try:
        yield
    except (pgerrors.DiskFull, pgerrors.OutOfMemory) as exc:
        raise StoreError(f"PostgreSQL at {where} is out of space; the write in progress was rolled back",
                         fix="free space on the server and run the same command again") from exc
    except (pgerrors.InsufficientPrivilege, pgerrors.ReadOnlySqlTransaction) as exc:
        raise StoreError(f"PostgreSQL at {where} refused the write ({exc.sqlstate}: {_first_line(exc)})",
                         fix="connect as a role that may write to this database") from exc
    except (pgerrors.LockNotAvailable, pgerrors.DeadlockDetected, pgerrors.SerializationFailure) as exc:
        raise StoreError(f"PostgreSQL at {where}: a concurrent writer holds the rows ({_first_line(exc)})",
                         fix="run the same command again") from exc
    except psycopg.IntegrityError as exc:
        raise StoreError(f"PostgreSQL at {where} rejected the rows ({_first_line(exc)}); nothing of the batch was kept",
                         fix="check the input for duplicate ids") from exc
    except psycopg.OperationalError as exc:
        raise StoreError(f"cannot reach PostgreSQL at {where} ({_first_line(exc)})",
                         fix="start the server (scripts/postgres.sh starts a local one) or correct the --db URL") from exc
    except psycopg.Error as exc:
        raise StoreError(f"PostgreSQL at {where}: {_first_line(exc)}",
                         fix="check that the database is a dateline database") from exc


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class Connection:
    """psycopg connection speaking the SQLite store's SQL: `?` placeholders, `INSERT OR IGNORE/REPLACE`."""

    def __init__(self, raw: psycopg.Connection, where: str):
        self.raw = raw
        self.where = where
        self._upserts: dict[str, str] = {}

    def execute(self, sql: str, params: Sequence = ()) -> psycopg.Cursor:
        with translated(self.where):
            return self.raw.execute(self._sql(sql), tuple(params) or None)

    def executemany(self, sql: str, seq: Iterable[Sequence]) -> psycopg.Cursor:
        with translated(self.where):
            cur = self.raw.cursor()
            cur.executemany(self._sql(sql), [tuple(p) for p in seq])
            return cur

    def _sql(self, sql: str) -> str:
        t = dl.to_postgres(sql)
        return t.sql + self._upsert(t.replace) if t.replace else t.sql

    def _upsert(self, table: str) -> str:
        """INSERT OR REPLACE as an upsert on the table's primary key, setting every other column."""
        if table not in self._upserts:
            key = [r[0] for r in self.raw.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = $1::regclass AND i.indisprimary", (table,))]
            cols = [r[0] for r in self.raw.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = $1 AND is_generated = 'NEVER' AND identity_generation IS NULL ORDER BY ordinal_position",
                (table,))]
            sets = ", ".join(f"{dl.quote(c)} = EXCLUDED.{dl.quote(c)}" for c in cols if c not in key)
            keys = ", ".join(dl.quote(k) for k in key)
            self._upserts[table] = f" ON CONFLICT ({keys}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING")
        return self._upserts[table]

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


class Store(SQLiteStore):
    """The SQLite store's reads (portable SQL) over a PostgreSQL connection; writes, schema and transactions
    of its own."""

    dialect = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self.path = redact(url)
        with translated(self.path):
            raw = psycopg.connect(url, autocommit=True, row_factory=_row_factory,
                                  cursor_factory=psycopg.RawCursor, connect_timeout=10)
        raw.adapters.register_dumper(bool, _BoolAsInt)
        raw.adapters.register_loader("numeric", _NumericLoader)
        self.conn = Connection(raw, self.path)
        self.migrate()

    # -- schema ---------------------------------------------------------------------------------------
    def _ensure_migrations_table(self) -> None:
        self.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")

    def applied_migrations(self) -> list[int]:
        rows = self.conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").fetchone()
        if not rows["present"]:
            return []
        return [r[0] for r in self.conn.execute("SELECT version FROM schema_migrations ORDER BY version")]

    def migrate(self) -> None:
        known = dl.migrations(dl.POSTGRESQL)
        newest = max((n for n, _, _ in known), default=0)
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            self._ensure_migrations_table()
            done = set(self.applied_migrations())
            if done and max(done) > newest:
                raise StoreError(f"database {self.path} was written by a newer dateline (schema {max(done)})",
                                 fix="upgrade dateline, or use another --db")
            for number, name, sql in known:
                if number not in done:
                    with translated(f"{self.path} (migration {name})"):
                        conn.raw.execute(sql)  # whole file at once: function bodies hold semicolons
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, _now()))

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One writer at a time, as SQLite's BEGIN IMMEDIATE: what a transaction reads stays true until it
        commits (the linker reads unlinked events, then links them). Readers never wait. Nested: a savepoint."""
        outer = not self.conn.in_transaction
        with translated(self.path), self.conn.raw.transaction():
            if outer:
                self.conn.raw.execute("SELECT pg_advisory_xact_lock($1)", (_WRITE_LOCK,))
            yield self.conn

    def close(self) -> None:
        self.conn.close()

    # -- writes ---------------------------------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def write_rows(self, batches: Iterable[dict[str, list[tuple]]], then: Optional[Callable] = None) -> list[str]:
        """Documents laid out as rows, in one transaction; return the ids newly stored. A document already
        present, or being stored by a concurrent writer, is left to it. `then(conn)` as on SQLite."""
        stored = []
        with self.transaction() as conn:
            for rows in batches:
                if insert_rows(conn, rows):
                    conn.execute("DELETE FROM rejected WHERE source = ?", (rows["documents"][0][SOURCE],))
                    stored.append(rows["documents"][0][0])
            if then is not None:
                then(conn)
        return stored

    # -- reads ----------------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        return [dict(r) for r in self.conn.execute(sql, params)]

    def document(self, doc_id: str) -> Optional[dict]:
        rows = self.query("SELECT reading FROM documents WHERE id = ?", (doc_id,))
        if not rows:
            rows = self.query("SELECT reading FROM documents WHERE starts_with(id, ?) LIMIT 2", (doc_id,))
            if len(rows) != 1:
                return None
        return json.loads(rows[0]["reading"])


def insert_rows(conn: Connection, rows: dict[str, list[tuple]]) -> bool:
    """Insert one document's rows unless the document is already stored; say whether they were inserted."""
    doc = rows["documents"][0]
    claimed = conn.execute(_insert_sql("documents") + " ON CONFLICT (id) DO NOTHING RETURNING id", doc).fetchone()
    if claimed is None:
        return False
    for table in COLUMNS:
        if table != "documents" and rows.get(table):
            conn.executemany(_insert_sql(table), rows[table])
    if rows.get("events"):
        conn.executemany(INSERT_EVENT_KEYS, event_keys(rows["events"]))
    return True


def _insert_sql(table: str) -> str:
    columns = COLUMNS[table]
    return (f"INSERT INTO {table} ({', '.join(dl.quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")
