"""The SQLite store on real database files: migrations, idempotence, rejected inputs, atomic batches,
readers during writes."""
import json
import sqlite3
import threading

import pytest

from dateline.errors import InputError, StoreError
from dateline.model import Actor, DateRange, Document, Entity, Event, EventDate, Participant, Span, TimeExpr
from dateline.store import open_store
from dateline.store.sqlite import migrations


def make_doc(doc_id="d1", text="Officials defected in 2014.", n_events=1):
    ents = [Entity("Officials", 0, 9, "NORP", actor=Actor("KP-GOV", "North Korean government", "government", "KP"))]
    times = [TimeExpr("2014", 22, 26, "2014", DateRange("2014-01-01", "2014-12-31", "year"))]
    events = [Event(id=f"{doc_id}-e{i}", type="DEFECT", trigger=Span("defected", 10, 18),
                    sentence=Span(text, 0, len(text)), actor=Participant("Officials", country="KP"))
              for i in range(n_events)]
    return Document(id=doc_id, text=text, title="T", published="2015-10-23T10:49:00+09:00", entities=ents,
                    times=times, events=events, sentences=[Span(text, 0, len(text))], source_path=f"{doc_id}.txt")


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "t.db"))
    yield s
    s.close()


def test_migrations_are_recorded_and_wal_is_on(store):
    assert store.applied_migrations() == [n for n, _, _ in migrations()]
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_applies_nothing_twice(tmp_path):
    path = str(tmp_path / "t.db")
    open_store(path).close()
    s = open_store(path)
    rows = s.query("SELECT COUNT(*) AS n FROM schema_migrations")
    assert rows[0]["n"] == len(migrations())


def test_write_is_idempotent(store):
    assert store.write_documents([make_doc()]) == ["d1"]
    before = store.counts()
    assert store.write_documents([make_doc()]) == []
    assert store.counts() == before
    assert before["events"] == 1 and before["entities"] == 1 and before["times"] == 1


def test_a_document_twice_in_one_batch_is_stored_once(store):
    assert store.write_documents([make_doc("a"), make_doc("b"), make_doc("a")]) == ["a", "b"]
    assert store.counts()["documents"] == 2 and store.counts()["events"] == 2
    assert [r["doc_id"] for r in store.query("SELECT doc_id FROM events ORDER BY rowid")] == ["a", "b"]


def test_reading_round_trips_the_contract(store):
    doc = make_doc()
    store.write_documents([doc])
    assert store.document("d1") == json.loads(json.dumps(doc.to_dict()))
    assert store.document("d") == store.document("d1")  # unique prefix
    assert store.document("nope") is None


def test_failed_batch_leaves_no_partial_document(store):
    good = make_doc("good")
    bad = make_doc("bad", n_events=2)
    bad.events[1].id = bad.events[0].id  # primary-key clash half way through the second document
    with pytest.raises(StoreError):
        store.write_documents([good, bad])
    assert store.counts()["documents"] == 0
    assert store.counts()["events"] == 0


def test_rejected_inputs_are_recorded_once_per_source(store):
    store.record_rejected("a.txt", InputError("empty file", fix="give it text"))
    store.record_rejected("a.txt", InputError("binary data", fix="give it text"))
    rows = store.rejected()
    assert [(r["source"], r["reason"]) for r in rows] == [("a.txt", "binary data")]


def test_readers_see_committed_data_while_a_writer_holds_a_transaction(tmp_path):
    path = str(tmp_path / "t.db")
    writer = open_store(path)
    writer.write_documents([make_doc("first")])
    reader = open_store(path)
    started, release = threading.Event(), threading.Event()

    def hold():
        with writer.transaction() as conn:
            conn.execute("INSERT INTO rejected VALUES ('x', 'r', NULL, 'input', 'now')")
            started.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    started.wait(5)
    assert [d["id"] for d in reader.documents()] == ["first"]  # not blocked, sees the committed state
    assert reader.rejected() == []
    release.set()
    t.join()
    assert len(reader.rejected()) == 1


def test_a_newer_schema_is_refused(tmp_path):
    path = str(tmp_path / "t.db")
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer dateline"):
        open_store(path)


def parties_doc(doc_id="p1"):
    """Events with and without actor ids, countries shared between sides (one key each) and none at all."""
    doc = make_doc(doc_id, n_events=4)
    kp = Participant("Officials", actor_id="KP-GOV", country="KP")
    doc.events[0].actor, doc.events[0].target = kp, Participant("Seoul", actor_id="KR-GOV", country="KR")
    doc.events[1].actor, doc.events[1].target = kp, Participant("envoys", actor_id="KP-GOV", country="KP")
    doc.events[2].actor = Participant("someone")
    doc.events[3].actor = None
    doc.events[3].date = EventDate("in 2014", "2014-01-01", "2014-12-31", "year")
    return doc


# What the trigger of migration 0003 wrote for each event, from its record.
KEYS_FROM_RECORDS = ("SELECT k AS key, id AS event_id, date_start FROM (SELECT 'c:' || actor_country AS k, id, date_start FROM events "
                     "UNION SELECT 'c:' || target_country, id, date_start FROM events UNION SELECT 'c:' || place_country, id, date_start FROM events "
                     "UNION SELECT 'a:' || json_extract(record, '$.actor.actor_id'), id, date_start FROM events "
                     "UNION SELECT 'a:' || json_extract(record, '$.target.actor_id'), id, date_start FROM events) WHERE k IS NOT NULL "
                     "ORDER BY key, event_id")
ALL_KEYS = "SELECT key, event_id, date_start FROM event_keys ORDER BY key, event_id"


def test_the_writer_writes_the_keys_the_trigger_wrote(store):
    store.write_documents([parties_doc()])
    keys = store.query(ALL_KEYS)
    assert keys == store.query(KEYS_FROM_RECORDS)
    assert {k["key"] for k in keys} == {"c:KP", "c:KR", "a:KP-GOV", "a:KR-GOV"}
    assert store.query("SELECT actor_id, target_id FROM events ORDER BY id") == [
        {"actor_id": "KP-GOV", "target_id": "KR-GOV"}, {"actor_id": "KP-GOV", "target_id": "KP-GOV"},
        {"actor_id": None, "target_id": None}, {"actor_id": None, "target_id": None}]
    with store.transaction() as conn:  # an update still keeps them by trigger, from the columns
        conn.execute("UPDATE events SET target_country = 'US', target_id = 'US-GOV' WHERE id = 'p1-e2'")
    assert store.query(ALL_KEYS) == store.query(KEYS_FROM_RECORDS.replace("json_extract(record, '$.target.actor_id')", "target_id"))
    assert {"key": "a:US-GOV", "event_id": "p1-e2", "date_start": None} in store.query(ALL_KEYS)


def test_a_store_of_the_old_schema_migrates_with_its_keys_unchanged(tmp_path, monkeypatch):
    from dateline.store import sqlite as store_sqlite
    from dateline.store.sqlite import COLUMNS, document_rows

    path = str(tmp_path / "old.db")
    old_rows = document_rows(parties_doc())
    old_rows["events"] = [ev[:-2] for ev in old_rows["events"]]  # the actor id columns are new in 0007
    with monkeypatch.context() as m:
        m.setattr(store_sqlite, "migrations", lambda: [mig for mig in migrations() if mig[0] < 7])
        old = open_store(path)
    with old.transaction() as conn:  # as the writer of that schema did: the rows alone, keys by trigger
        for table, rows in old_rows.items():
            columns = COLUMNS[table][:-2] if table == "events" else COLUMNS[table]
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    keys = old.query(ALL_KEYS)
    old.close()
    assert len(keys) == 6
    migrated = open_store(path)
    assert migrated.applied_migrations() == [n for n, _, _ in migrations()]
    assert migrated.query(ALL_KEYS) == keys
    fresh = open_store(str(tmp_path / "new.db"))
    fresh.write_documents([parties_doc()])
    assert fresh.query(ALL_KEYS) == keys
    assert migrated.query("SELECT * FROM events ORDER BY id") == fresh.query("SELECT * FROM events ORDER BY id")
    migrated.close()
    fresh.close()


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        open_store(str(path))


@pytest.mark.parametrize("name", ["Actor", "Place", "DateRange", "Span", "Participant", "EventPlace", "EventDate",
                                  "SeriesPoint"])
def test_hand_written_to_dict_lays_out_every_field_as_asdict_does(name):
    """These records spell out their `to_dict` for speed: a field added to the class and not to it would drop
    out of the output contract."""
    import dataclasses

    from dateline import model

    cls = getattr(model, name)
    values = {}
    for n, f in enumerate(dataclasses.fields(cls)):
        values[f.name] = ["x", f"y{n}"] if "list" in str(f.type) else f"v{n}"
    obj = cls(**values)
    if hasattr(obj, "place"):
        obj.place = model.Place(text="Seoul", country="KR")
    assert obj.to_dict() == model.asdict(obj)
