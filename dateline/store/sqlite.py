"""SQLite store. sqlite3 errors are translated into `StoreError` here, at the one boundary."""
from __future__ import annotations

import json
import json.encoder
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .. import settings
from ..errors import DatelineError, StoreError
from ..model import Document
from . import dialect

TABLES = ("documents", "sentences", "entities", "times", "events", "statistics", "rejected")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# `json.dumps` with these options builds a new encoder on every call, and the encoder's `encode` a new C
# encoder for every object; a store row needs dozens of calls, so both are built once (the C encoder as
# `JSONEncoder.encode` makes it, without the check for circular records, which the records never are).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_C_ENCODE = (json.encoder.c_make_encoder(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",",
                                         False, False, True) if json.encoder.c_make_encoder else None)


def dumps(obj) -> str:
    """Compact JSON (no spaces, non-ASCII kept), as every row of the store and linking's records are written."""
    if _C_ENCODE is None or isinstance(obj, str):
        return _ENCODER.encode(obj)
    return "".join(_C_ENCODE(obj, 0))


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) for each migration file, in order."""
    return dialect.migrations(dialect.SQLITE)


@contextmanager
def _translated(path: str):
    try:
        yield
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        if "readonly" in msg or "read-only" in msg:
            raise StoreError(f"database {path} is read-only", fix="check the file's permissions or pass --db with a writable path") from exc
        if "full" in msg:
            raise StoreError(f"disk full while writing {path}; the write in progress was rolled back",
                             fix="free space and run the same command again (finished articles are kept)") from exc
        if "locked" in msg:
            raise StoreError(f"database {path} is locked by another writer", fix="wait for the other ingest to finish") from exc
        raise StoreError(f"database {path}: {msg}", fix="check that the file is a dateline database") from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable SQLite database ({exc})",
                         fix="pass --db with another file name, or move the damaged file away") from exc


class Store:
    dialect = "sqlite"

    def __init__(self, path: str):
        self.path = str(path)
        with _translated(self.path):
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.migrate()

    # -- schema ---------------------------------------------------------------------------------------
    def applied_migrations(self) -> list[int]:
        self.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        return [r[0] for r in self.conn.execute("SELECT version FROM schema_migrations ORDER BY version")]

    def migrate(self) -> None:
        done = set(self.applied_migrations())
        known = migrations()
        newest = max((n for n, _, _ in known), default=0)
        if done and max(done) > newest:
            raise StoreError(f"database {self.path} was written by a newer dateline (schema {max(done)})",
                             fix="upgrade dateline, or use another --db")
        for number, name, sql in known:
            if number in done:
                continue
            with self.transaction():
                for statement in sql.split(";\n"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, _now()))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with _translated(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # SQLite has already rolled back after "disk full"
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # -- writes ---------------------------------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        with _translated(self.path):
            return self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def write_documents(self, docs: Iterable[Document]) -> list[str]:
        """Store documents with all their rows in one transaction; return the ids newly stored (a
        document already present is left unchanged)."""
        return self.write_rows(document_rows(doc) for doc in docs)

    def write_rows(self, batches: Iterable[dict[str, list[tuple]]], then: Optional[Callable] = None) -> list[str]:
        """Like `write_documents`, for documents already laid out as rows (by the worker processes, or in
        Parquet shards): each item holds one document's rows. `then(conn)`, when given, writes more in the
        same transaction (the ingest's near-duplicate index)."""
        new, ids = [], set()
        with self.transaction() as conn:
            for rows in batches:
                doc_id = rows["documents"][0][0]
                if doc_id in ids or conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone():
                    continue
                ids.add(doc_id)
                new.append(rows)
            insert_rows(conn, new)
            conn.executemany("DELETE FROM rejected WHERE source = ?",  # read at last
                             [(rows["documents"][0][SOURCE],) for rows in new])
            if then is not None:
                then(conn)
        return [rows["documents"][0][0] for rows in new]

    def record_rejected(self, source: str, error: DatelineError, kind: str = "input") -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO rejected(source, reason, fix, kind, at) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT(source) DO UPDATE SET reason=excluded.reason, fix=excluded.fix, kind=excluded.kind, at=excluded.at",
                         (source, error.reason, error.fix, kind, _now()))

    # -- reads ----------------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        with _translated(self.path):
            return [dict(r) for r in self.conn.execute(sql, params)]

    def documents(self, limit: int = 100, offset: int = 0, outlet: Optional[str] = None) -> list[dict]:
        where, params = "", []
        if outlet:
            where, params = "WHERE outlet = ?", [outlet]
        return self.query(
            "SELECT d.id, d.published, d.outlet, d.title, d.source_path, "
            "(SELECT COUNT(*) FROM events e WHERE e.doc_id = d.id) AS events, "
            "(SELECT COUNT(*) FROM entities n WHERE n.doc_id = d.id) AS entities "
            f"FROM documents d {where} ORDER BY d.published IS NULL, d.published, d.id LIMIT ? OFFSET ?",
            tuple(params + [limit, offset]))

    def document(self, doc_id: str) -> Optional[dict]:
        rows = self.query("SELECT reading FROM documents WHERE id = ?", (doc_id,))
        if not rows:
            rows = self.query("SELECT reading FROM documents WHERE id LIKE ? || '%' LIMIT 2", (doc_id,))
            if len(rows) != 1:
                return None
        return json.loads(rows[0]["reading"])

    def entities(self, label: Optional[str] = None, limit: int = 100, resolved_only: bool = False) -> list[dict]:
        clauses, params = [], []
        if label:
            clauses.append("label = ?")
            params.append(label)
        if resolved_only:
            clauses.append("(actor_id IS NOT NULL OR place_id IS NOT NULL OR country IS NOT NULL)")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self.query(
            "SELECT text, label, actor_id, country, place_id, COUNT(*) AS mentions, COUNT(DISTINCT doc_id) AS documents "
            f"FROM entities {where} GROUP BY text, label, actor_id, country, place_id "
            "ORDER BY mentions DESC, text LIMIT ?", tuple(params + [limit]))

    def events(self, type_: Optional[str] = None, limit: int = 100) -> list[dict]:
        where, params = ("WHERE type = ?", [type_]) if type_ else ("", [])
        return self.query(
            "SELECT id, doc_id, type, mode, trigger, actor_country, target_country, date_start, date_end, "
            f"certainty, historical FROM events {where} ORDER BY date_start IS NULL, date_start, id LIMIT ?",
            tuple(params + [limit]))

    def rejected(self) -> list[dict]:
        return self.query("SELECT source, reason, fix, kind, at FROM rejected ORDER BY at, source")

    def counts(self) -> dict:
        return {t: self.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in TABLES}


# Columns of the per-document tables, in table order: the store and the Parquet shards share them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("id", "url", "source_path", "outlet", "title", "authors", "published", "language", "dateline",
                  "text", "ingested_at", "reading"),
    "sentences": ("doc_id", "idx", "start", "end"),
    "entities": ("doc_id", "idx", "text", "start", "end", "label", "actor_id", "actor", "place_id", "country", "place"),
    "times": ("doc_id", "idx", "text", "start", "end", "value", "range_start", "range_end", "precision"),
    "events": ("id", "doc_id", "type", "mode", "cameo", "trigger", "sentence_start", "sentence_end", "actor_country",
               "target_country", "place_country", "date_start", "date_end", "precision", "certainty", "polarity",
               "modality", "historical", "record", "actor_id", "target_id"),
    "statistics": ("doc_id", "idx", "measure", "record"),
}


SOURCE = COLUMNS["documents"].index("source_path")
_EVENT = {c: i for i, c in enumerate(COLUMNS["events"])}
_KEYED = tuple((prefix, _EVENT[column]) for prefix, column in (
    ("c:", "actor_country"), ("c:", "target_country"), ("c:", "place_country"), ("a:", "actor_id"), ("a:", "target_id")))
INSERT_EVENT_KEYS = "INSERT OR IGNORE INTO event_keys(key, event_id, date_start) VALUES (?, ?, ?)"


def event_keys(events: list[tuple]) -> list[tuple]:
    """The `event_keys` rows of event rows: one per distinct key of an event, 'c:' + the country of its
    actor, target or place, 'a:' + the actor id of its actor or target (what the "any side" filters look
    up). The writer inserts them with the events: a trigger doing it cost more than the event's own row."""
    ident, date = _EVENT["id"], _EVENT["date_start"]
    out = []
    for ev in events:
        keys = dict.fromkeys(f"{prefix}{ev[i]}" for prefix, i in _KEYED if ev[i] is not None)
        out += [(key, ev[ident], ev[date]) for key in keys]
    return out


def document_rows(doc: Document) -> dict[str, list[tuple]]:
    """Every row one document puts in the per-document tables, keyed by table. The record is laid out once
    and its parts reused for the per-row records (each `to_dict` rebuilds its nested dataclasses); the
    events' and statistics' JSON, written for their rows, is reused in the document's."""
    record = doc.to_dict()
    ents, evs, stats = record["entities"], record["events"], record["statistics"]
    ev_json = [dumps(e) for e in evs]
    stat_json = [dumps(s) for s in stats]
    reading = _dumps_with(record, {"events": "[" + ",".join(ev_json) + "]",
                                   "statistics": "[" + ",".join(stat_json) + "]"})
    return {
        "documents": [(doc.id, doc.url, doc.source_path, doc.outlet, doc.title, dumps(doc.authors), doc.published,
                       doc.language, doc.dateline, doc.text, _now(), reading)],
        "sentences": [(doc.id, i, s.start, s.end) for i, s in enumerate(doc.sentences)],
        "entities": [(doc.id, i, e.text, e.start, e.end, e.label,
                      e.actor.actor_id if e.actor else None, dumps(ents[i]["actor"]) if e.actor else None,
                      e.place.place_id if e.place else None,
                      (e.place.country if e.place else None) or (e.actor.country if e.actor else None),
                      dumps(ents[i]["place"]) if e.place else None)
                     for i, e in enumerate(doc.entities)],
        "times": [(doc.id, i, t.text, t.start, t.end, t.value, t.range.start if t.range else None,
                   t.range.end if t.range else None, t.range.precision if t.range else None)
                  for i, t in enumerate(doc.times)],
        "events": [_event_row(doc.id, ev, ev_json[i]) for i, ev in enumerate(doc.events)],
        "statistics": [(doc.id, i, s.measure, stat_json[i]) for i, s in enumerate(doc.statistics)],
    }


def _dumps_with(record: dict, encoded: dict[str, str]) -> str:
    """`dumps(record)`, the values of `encoded`'s keys given already in JSON. A JSON object is its members
    joined, so the runs of other members are encoded together and spliced in order."""
    parts, plain = [], {}
    for key, value in record.items():
        if key in encoded:
            if plain:
                parts.append(dumps(plain)[1:-1])
                plain = {}
            parts.append(dumps(key) + ":" + encoded[key])
        else:
            plain[key] = value
    if plain:
        parts.append(dumps(plain)[1:-1])
    return "{" + ",".join(parts) + "}"


_INSERT = {table: f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
           for table, columns in COLUMNS.items()}


def insert_rows(conn: sqlite3.Connection, docs: list[dict[str, list[tuple]]]) -> None:
    """The rows of several documents, a table at a time: each table gets its rows in the order one document
    at a time would give them, with one statement run over them all (a table's index pages stay at hand)."""
    for table in COLUMNS:
        rows = [row for doc in docs for row in doc.get(table, ())]
        if rows:
            conn.executemany(_INSERT[table], rows)
    keys = event_keys([row for doc in docs for row in doc.get("events", ())])
    if keys:
        conn.executemany(INSERT_EVENT_KEYS, keys)


def _event_row(doc_id: str, ev, record: str) -> tuple:
    place = ev.location or ev.destination or ev.origin
    return (ev.id, doc_id, ev.type, ev.mode, ev.cameo, ev.trigger.text, ev.sentence.start, ev.sentence.end,
            ev.actor.country if ev.actor else None, ev.target.country if ev.target else None,
            place.country if place else None,
            ev.date.start if ev.date else None, ev.date.end if ev.date else None,
            ev.date.precision if ev.date else None, ev.certainty, ev.polarity, ev.modality,
            int(bool(ev.historical)), record, ev.actor.actor_id if ev.actor else None,
            ev.target.actor_id if ev.target else None)


def open_store(path: Optional[str] = None) -> Store:
    """The store at `path` (or the `db` setting): a SQLite file, or a PostgreSQL server for a
    `postgresql://` URL."""
    target = str(settings.get("db", path))
    if target.startswith(("postgresql://", "postgres://")):
        from .postgres import Store as PostgresStore

        return PostgresStore(target)
    return Store(target)
