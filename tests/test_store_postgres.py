"""The store on a real PostgreSQL server: the behaviours of test_store.py (migrations recorded, idempotent
writes, round-trips, atomic batches, rejected inputs, concurrent readers, newer schema refused), what a
shared server adds (concurrent writers and migrators), the SQL translation other modules rely on, and an
end-to-end ingest through the CLI compared with the SQLite store.

The server is the one `make postgres` (scripts/postgres.sh) starts on 127.0.0.1, or DATELINE_TEST_POSTGRES
(a URL whose role may CREATE DATABASE). Each test gets a database of its own, dropped afterwards. The tests
skip only when the script recorded that PostgreSQL could not be installed (.pg/unavailable says why).
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from dateline.errors import InputError, StoreError
from dateline.store import dialect, open_store
from dateline.store.sqlite import migrations as sqlite_migrations

from test_store import ALL_KEYS, make_doc, parties_doc

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'psycopg[binary]')")

REPO = Path(__file__).resolve().parents[1]
STATE = REPO / ".pg"


def _connects(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=5).close()
        return True
    except psycopg.Error:
        return False


def _server_url() -> str:
    if os.environ.get("DATELINE_TEST_POSTGRES"):
        return os.environ["DATELINE_TEST_POSTGRES"]
    url = (STATE / "url").read_text().strip() if (STATE / "url").is_file() else ""
    if not url or not _connects(url):  # not started yet, or stopped since: the script is idempotent
        subprocess.run(["bash", str(REPO / "scripts" / "postgres.sh")], capture_output=True, timeout=600)
        url = (STATE / "url").read_text().strip() if (STATE / "url").is_file() else ""
    if (STATE / "unavailable").is_file():
        pytest.skip(f"PostgreSQL is unavailable: {(STATE / 'unavailable').read_text().strip()}")
    if not url or not _connects(url):
        pytest.fail("the PostgreSQL server did not start: see scripts/postgres.sh and .pg/cluster/server.log")
    return url


@pytest.fixture(scope="session")
def pg_server() -> str:
    return _server_url()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the test server."""
    name = f"dateline_test_{uuid.uuid4().hex[:12]}"
    base = pg_server.rsplit("/", 1)[0]
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def store(pg_url):
    s = open_store(pg_url)
    yield s
    s.close()


# -- the behaviours of the SQLite store ----------------------------------------------------------------
def test_migrations_are_recorded_under_the_sqlite_names(store):
    rows = store.query("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [(n, name) for n, name, _ in sqlite_migrations()]
    assert store.dialect == "postgresql"
    tables = {r["t"] for r in store.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'")}
    assert {"documents", "events", "story_events", "signatures", "event_keys"} <= tables


def _sqlite_schema(path) -> tuple[dict, set]:
    s = open_store(str(path))
    names = [r["name"] for r in s.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                        "AND name NOT LIKE 'documents_fts%'")]
    tables = {t: [r["name"] for r in s.query(f"PRAGMA table_info({t})")] for t in names}
    indexes = {r["name"] for r in s.query("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    s.close()
    return tables, indexes


def test_the_schema_is_the_sqlite_schema(store, tmp_path):
    """Every table, column and index of the SQLite store, in the same order; PostgreSQL adds only `rowid`
    (SQLite's implicit insertion order) and its full-text index is an index rather than a virtual table."""
    tables, indexes = _sqlite_schema(tmp_path / "same.db")
    rows = store.query("SELECT table_name AS t, column_name AS c FROM information_schema.columns "
                       "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")
    pg_tables: dict[str, list] = {}
    for r in rows:
        if r["c"] != "rowid":
            pg_tables.setdefault(r["t"], []).append(r["c"])
    assert pg_tables == tables
    pg_indexes = {r["i"] for r in store.query("SELECT indexname AS i FROM pg_indexes WHERE schemaname = current_schema() "
                                              "AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_rowid\\_key'")}
    assert pg_indexes == indexes | {"documents_fts"}


def test_reopening_applies_nothing_twice(pg_url):
    open_store(pg_url).close()
    s = open_store(pg_url)
    assert s.query("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"] == len(sqlite_migrations())
    s.close()


def test_write_is_idempotent(store):
    assert store.write_documents([make_doc()]) == ["d1"]
    before = store.counts()
    assert store.write_documents([make_doc()]) == []
    assert store.counts() == before
    assert before["events"] == 1 and before["entities"] == 1 and before["times"] == 1 and before["sentences"] == 1


def test_reading_round_trips_the_contract(store):
    doc = make_doc()
    store.write_documents([doc])
    assert store.document("d1") == json.loads(json.dumps(doc.to_dict()))
    assert store.document("d") == store.document("d1")  # unique prefix
    assert store.document("nope") is None
    assert store.document("%") is None  # a prefix is not a pattern
    assert [d["id"] for d in store.documents()] == ["d1"]
    assert store.events()[0]["actor_country"] == "KP" and store.events()[0]["historical"] == 0
    assert store.entities()[0]["actor_id"] == "KP-GOV"


def test_child_rows_keep_their_offsets(store):
    store.write_documents([make_doc()])
    row = store.query("SELECT start, end FROM times WHERE doc_id = ?", ("d1",))[0]  # `end` is reserved in PostgreSQL
    assert (row["start"], row["end"]) == (22, 26)


def test_failed_batch_leaves_no_partial_document(store):
    good = make_doc("good")
    bad = make_doc("bad", n_events=2)
    bad.events[1].id = bad.events[0].id  # primary-key clash half way through the second document
    with pytest.raises(StoreError, match="nothing of the batch was kept"):
        store.write_documents([good, bad])
    assert store.counts()["documents"] == 0
    assert store.counts()["events"] == 0
    assert store.write_documents([good]) == ["good"]  # the connection is usable after the rollback


def test_shard_rows_merge_idempotently(store):
    from dateline.store.sqlite import document_rows

    rows = [document_rows(make_doc("a")), document_rows(make_doc("b"))]
    assert store.write_rows(rows) == ["a", "b"]
    assert store.write_rows(rows) == []
    assert store.counts()["events"] == 2 and store.document("a")["id"] == "a"


def test_rejected_inputs_are_recorded_once_per_source(store):
    store.record_rejected("a.txt", InputError("empty file", fix="give it text"))
    store.record_rejected("a.txt", InputError("binary data", fix="give it text"))
    assert [(r["source"], r["reason"]) for r in store.rejected()] == [("a.txt", "binary data")]
    doc = make_doc()
    doc.source_path = "a.txt"
    store.write_documents([doc])  # a source read later is no longer rejected
    assert store.rejected() == []


def test_readers_see_committed_data_while_a_writer_holds_a_transaction(pg_url):
    writer = open_store(pg_url)
    writer.write_documents([make_doc("first")])
    reader = open_store(pg_url)
    started, release = threading.Event(), threading.Event()

    def hold():
        with writer.transaction() as conn:
            conn.execute("INSERT INTO rejected VALUES ('x', 'r', NULL, 'input', 'now')")
            started.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    assert started.wait(5)
    assert [d["id"] for d in reader.documents()] == ["first"]  # not blocked, sees the committed state
    assert reader.rejected() == []
    release.set()
    t.join()
    assert len(reader.rejected()) == 1
    writer.close()
    reader.close()


def test_a_newer_schema_is_refused(pg_url):
    open_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    with pytest.raises(StoreError, match="newer dateline"):
        open_store(pg_url)


def test_an_unreachable_server_gets_a_clear_error_without_the_password():
    with pytest.raises(StoreError) as err:
        open_store("postgresql://someone:s3cret@127.0.0.1:9/nowhere")
    assert "cannot reach PostgreSQL" in str(err.value) and "s3cret" not in str(err.value)
    assert "scripts/postgres.sh" in err.value.fix


# -- what a shared server adds ------------------------------------------------------------------------
def test_two_writers_of_the_same_document_store_it_once(pg_url):
    a, b = open_store(pg_url), open_store(pg_url)
    got: dict[str, list] = {}
    with a.transaction():
        assert a.write_documents([make_doc("same")]) == ["same"]  # nested: a savepoint in a's transaction
        t = threading.Thread(target=lambda: got.setdefault("b", b.write_documents([make_doc("same"), make_doc("other")])))
        t.start()
        t.join(0.5)
        assert t.is_alive()  # b waits for a's row rather than failing on it
    t.join(10)
    assert got["b"] == ["other"]
    assert a.counts()["documents"] == 2 and a.counts()["events"] == 2
    a.close()
    b.close()


def test_concurrent_ingests_link_each_event_once(pg_url):
    from dateline import link

    stores = [open_store(pg_url) for _ in range(2)]
    for i, s in enumerate(stores):
        s.write_documents([make_doc(f"doc{i}", n_events=3)])
    barrier, errors = threading.Barrier(2), []

    def run(s):
        barrier.wait()
        try:
            link.on_stored(s, ["new"])  # both see the other's events as unlinked
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert stores[0].query("SELECT COUNT(*) AS n FROM story_mentions")[0]["n"] == 6
    for s in stores:
        s.close()


def test_concurrent_openers_migrate_once(pg_url):
    errors, stores = [], []

    def open_one():
        try:
            stores.append(open_store(pg_url))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(stores) == 4
    assert stores[0].query("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"] == len(sqlite_migrations())
    for s in stores:
        s.close()


def test_event_keys_follow_the_events(store):
    store.write_documents([make_doc()])
    assert [r["key"] for r in store.query("SELECT key FROM event_keys")] == ["c:KP"]
    store.conn.execute("UPDATE events SET target_country = 'US'")
    assert sorted(r["key"] for r in store.query("SELECT key FROM event_keys")) == ["c:KP", "c:US"]
    store.conn.execute("DELETE FROM documents")  # cascades to events, and the trigger to their keys
    assert store.query("SELECT key FROM event_keys") == []


def test_event_keys_are_those_of_the_sqlite_store(store, tmp_path):
    doc = parties_doc()
    store.write_documents([doc])
    lite = open_store(str(tmp_path / "lite.db"))
    lite.write_documents([doc])
    for sql in (ALL_KEYS, "SELECT id, actor_id, target_id FROM events ORDER BY id"):
        assert store.query(sql) == lite.query(sql), sql
    store.conn.execute("UPDATE events SET target_id = 'US-GOV' WHERE id = 'p1-e2'")
    assert {"key": "a:US-GOV", "event_id": "p1-e2", "date_start": None} in store.query(ALL_KEYS)
    lite.close()


def test_a_store_of_the_old_schema_migrates_with_its_keys_unchanged(pg_url, monkeypatch):
    from dateline.store.sqlite import COLUMNS, document_rows

    real = dialect.migrations
    with monkeypatch.context() as m:
        m.setattr(dialect, "migrations", lambda d=dialect.SQLITE: [mig for mig in real(d) if mig[0] < 7])
        old = open_store(pg_url)
    with old.transaction() as conn:  # as the writer of that schema did: the rows alone, keys by trigger
        for table, rows in document_rows(parties_doc()).items():
            columns = COLUMNS[table][:-2] if table == "events" else COLUMNS[table]
            conn.executemany(f"INSERT INTO {table} ({', '.join(map(dialect.quote, columns))}) "
                             f"VALUES ({', '.join('?' * len(columns))})", [row[:len(columns)] for row in rows])
    keys = old.query(ALL_KEYS)
    old.close()
    assert len(keys) == 6
    migrated = open_store(pg_url)
    assert migrated.applied_migrations() == [n for n, _, _ in sqlite_migrations()]
    assert migrated.query(ALL_KEYS) == keys
    assert [r["actor_id"] for r in migrated.query("SELECT actor_id FROM events ORDER BY id")] == ["KP-GOV", "KP-GOV", None, None]
    migrated.close()


# -- the SQLite-flavoured SQL other modules send ------------------------------------------------------
def test_other_modules_sql_runs_unchanged(store):
    store.write_documents([make_doc()])
    conn = store.conn
    conn.executemany("INSERT OR IGNORE INTO signatures VALUES (?, ?, ?, ?)", [("d1", 128, 1, b"\x01\x02")] * 2)
    rows = store.query("SELECT doc_id, hashes FROM (SELECT rowid AS r, doc_id, hashes FROM signatures "
                       "WHERE perms = ? AND seed = ? ORDER BY rowid DESC LIMIT ?) ORDER BY r", (128, 1, 10))
    assert rows == [{"doc_id": "d1", "hashes": b"\x01\x02"}]
    for similarity in (0.9, 0.95):
        conn.execute("INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     ("copy", "d1", similarity, None, None, None, None, None, "now"))
    assert store.query("SELECT similarity FROM duplicates") == [{"similarity": 0.95}]
    assert store.query("SELECT text FROM entities WHERE text LIKE ? ESCAPE '\\'", ("officials",))  # ASCII case, as SQLite
    assert store.query("SELECT '?' AS q, ? AS p", ("x",)) == [{"q": "?", "p": "x"}]
    row = store.query("SELECT SUM(historical) AS s, json_extract(record, '$.actor.country') AS c FROM events GROUP BY c")[0]
    assert row == {"s": 0, "c": "KP"} and type(row["s"]) is int
    row = store.query("SELECT SUM(date_start IS NULL) AS undated, SUM(date_start IS NOT NULL) AS dated, "
                      "group_concat(DISTINCT type) AS types, group_concat(id, ';') AS ids FROM events WHERE 1")[0]
    assert row == {"undated": 1, "dated": 0, "types": "DEFECT", "ids": "d1-e0"}
    conn.execute("UPDATE events SET historical = ?", (True,))
    assert store.events()[0]["historical"] == 1
    with store.transaction() as c:
        first = c.execute("SELECT rowid, id FROM events").fetchone()
    assert first[1] == first["id"] == "d1-e0" and list(first.keys()) == ["rowid", "id"]


# -- the translation itself (no server) ---------------------------------------------------------------
@pytest.mark.parametrize("sqlite, postgres", [
    ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"),
    ("SELECT 'it''s ?' FROM t WHERE b = ?", "SELECT 'it''s ?' FROM t WHERE b = $1"),
    ('SELECT "?" FROM t -- a ? here\nWHERE b = ?', 'SELECT "?" FROM t -- a ? here\nWHERE b = $1'),
    ("SELECT start, end FROM times", 'SELECT start, "end" FROM times'),
    ("SELECT CASE WHEN a THEN 1 ELSE 0 END AS x, t.end FROM t", 'SELECT CASE WHEN a THEN 1 ELSE 0 END AS x, t."end" FROM t'),
    ("SELECT id FROM d WHERE id LIKE ? || '%'", "SELECT id FROM d WHERE id ILIKE $1 || '%'"),
    ("SELECT n FROM (SELECT 1 AS n) WHERE n > ?", "SELECT n FROM (SELECT 1 AS n) AS _q1 WHERE n > $1"),
    ("SELECT n FROM (SELECT 1 AS n) sub", "SELECT n FROM (SELECT 1 AS n) sub"),
    ("SELECT a FROM t WHERE a IN (SELECT b FROM u)", "SELECT a FROM t WHERE a IN (SELECT b FROM u)"),
    ("INSERT OR IGNORE INTO t VALUES (?, ?)", "INSERT  INTO t VALUES ($1, $2) ON CONFLICT DO NOTHING"),
    ("SELECT COUNT(*) FROM t WHERE 1 ORDER BY a", "SELECT COUNT(*) FROM t WHERE TRUE ORDER BY a"),
    ("SELECT a FROM t WHERE a = 1 LIMIT 1", "SELECT a FROM t WHERE a = 1 LIMIT 1"),
])
def test_to_postgres(sqlite, postgres):
    assert dialect.to_postgres(sqlite).sql == postgres


def test_insert_or_replace_names_its_table():
    t = dialect.to_postgres("INSERT OR REPLACE INTO duplicates VALUES (?, ?)")
    assert t.replace == "duplicates" and t.sql == "INSERT  INTO duplicates VALUES ($1, $2)"


def test_each_migration_has_a_postgresql_form():
    pg = dialect.migrations(dialect.POSTGRESQL)
    assert [(n, name) for n, name, _ in pg] == [(n, name) for n, name, _ in sqlite_migrations()]
    for _, name, sql in pg:
        code = "".join(t for t in dialect.tokens(sql) if not t.startswith("--")).lower()
        assert "fts5" not in code and " blob" not in code and "without rowid" not in code, name
    assert all(not name.endswith(".postgresql.sql") for _, name, _ in sqlite_migrations())


def test_a_variant_gains_the_sqlite_indexes_it_lacks():
    sqlite = "CREATE VIRTUAL TABLE f USING fts5(a);\n-- why\nCREATE INDEX a_x ON a(x);\nCREATE INDEX a_y ON a(y, end)"
    assert dialect.with_indexes("CREATE INDEX a_x ON a(x, z);", sqlite) == 'CREATE INDEX a_x ON a(x, z);\nCREATE INDEX a_y ON a(y, "end");\n'
    assert dialect.with_indexes("CREATE INDEX A_X ON a(x);\nCREATE INDEX a_y ON a(y);", sqlite).count("CREATE INDEX") == 2


def test_plain_ddl_is_translated_and_sqlite_only_ddl_refused():
    ddl = dialect.postgres_ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB, r REAL, end INTEGER, note TEXT DEFAULT 'end REAL');")
    assert ddl == ("CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, b BYTEA, r DOUBLE PRECISION, "
                   "\"end\" INTEGER, note TEXT DEFAULT 'end REAL');")
    with pytest.raises(StoreError, match="0009_x.postgresql.sql"):
        dialect.postgres_ddl("CREATE VIRTUAL TABLE f USING fts5(a);", "0009_x.sql")


# -- end to end: the CLI on the example articles --------------------------------------------------------
@pytest.mark.slow
def test_cli_ingest_and_documents_match_the_sqlite_store(pg_url, tmp_path, nlp):
    from typer.testing import CliRunner

    from dateline.cli import app

    runner = CliRunner()
    articles = str(REPO / "examples" / "articles")
    sqlite_db = str(tmp_path / "same.db")
    for db in (pg_url, sqlite_db):
        result = runner.invoke(app, ["ingest", articles, "--db", db, "--json"])
        assert result.exit_code == 0, result.output
    listed = {db: json.loads(runner.invoke(app, ["documents", "--db", db, "--format", "json", "--limit", "1000"]).stdout)
              for db in (pg_url, sqlite_db)}
    assert len(listed[pg_url]) >= 20 and listed[pg_url] == listed[sqlite_db]
    pg, lite = open_store(pg_url), open_store(sqlite_db)
    assert pg.counts() == lite.counts() and pg.events(limit=10_000) == lite.events(limit=10_000)
    links = "SELECT story_id, event_id FROM story_mentions ORDER BY story_id, event_id"
    assert pg.query(links) == lite.query(links) and pg.query(links)
    from dateline import export, link

    # story-events read back whole, their evidence gathered from the mentions, the same on both stores
    ids = [r["id"] for r in lite.query("SELECT id FROM story_events ORDER BY seq")]
    assert [link.story(pg, i) for i in ids] == [link.story(lite, i) for i in ids]
    assert any(len(link.story(pg, i)["evidence"]) > 1 for i in ids)
    assert export.story_rows(pg) == export.story_rows(lite)
    again = runner.invoke(app, ["ingest", articles, "--db", pg_url, "--json"])
    assert json.loads(again.stdout)["stored"] == 0
    table = runner.invoke(app, ["documents", "--db", pg_url])
    assert table.exit_code == 0 and listed[pg_url][0]["id"][:8] in table.stdout
    pg.close()
    lite.close()


def test_the_near_duplicate_index_in_postgresql_finds_what_it_finds_in_memory(store):
    """dedupe's LSH index lives in the store (signatures, signature_bands): on PostgreSQL it gives the same
    original and similarity for every check as datasketch's in-memory index, and a restart loads it."""
    from dateline import dedupe
    from dateline.bench import generate

    texts = [r["text"] for r in generate(12, seed=3)]
    inputs = [(f"g{i}", t) for i, t in enumerate(texts)] + [(f"c{i}", t.replace(" the ", " a ", 1)) for i, t in enumerate(texts)]
    in_memory, in_store = dedupe.NearDuplicates(), dedupe.NearDuplicates(store)
    found = [(d, in_memory.check(d, t), in_store.check(d, t)) for d, t in inputs]
    assert [(d, a) for d, a, _ in found] == [(d, b) for d, _, b in found] and any(a for _, a, _ in found)
    store.write_documents([make_doc()])  # g0, c0, ... were never stored: the next load forgets them
    with store.transaction() as conn:
        conn.execute("DELETE FROM signature_bands")  # as before migration 0006: rebuilt at load
    again = dedupe.NearDuplicates(store)
    assert store.query("SELECT doc_id FROM signatures") == [{"doc_id": make_doc().id}]
    assert again.check("g0", texts[0]) is None and again.check("c0", inputs[12][1]).original_id == "g0"


def test_literals_and_parameters_survive_any_text(store):
    """Whatever the text, a value passed as a parameter and the same text written as a SQL literal come
    back unchanged: placeholders are found outside literals only, and `%` or `$1` in either mean nothing."""
    from hypothesis import given, settings, strategies as st

    text = st.text(alphabet=st.sampled_from(list("?'%$1\\\"-/* abé;")), max_size=12)

    @settings(max_examples=60, deadline=None)
    @given(text, text)
    def check(param, literal):
        sql_literal = "'" + literal.replace("'", "''") + "'"
        row = store.conn.execute(f"SELECT ? AS p, {sql_literal} AS l, ? AS q", (param, "x")).fetchone()
        assert (row["p"], row["l"], row["q"]) == (param, literal, "x")

    check()
