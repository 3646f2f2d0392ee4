"""End to end on the real model and a real database: ingest, duplicates, bad input, the contract."""
import json

import pytest

import dateline
from dateline.store import open_store

ARTICLE = """Seoul Says Two Envoys Fled Posts in Europe

By Jane Park

March 3, 2016 09:15

Two North Korean diplomats posted in Europe defected to South Korea last month, the Ministry of Unification said Thursday.

One of them reportedly took $2 million with him.
"""

OTHER = """Sanctions Widened on Shipping Firms

By Tom Reed

April 9, 2017 17:40

The United Nations Security Council imposed new sanctions on three shipping companies on Monday.
"""

CONTRACT = {
    "document": ["id", "url", "source_path", "outlet", "title", "authors", "published", "language", "dateline",
                 "text", "entities", "times", "events", "statistics"],
    "entity": ["text", "start", "end", "label", "actor", "place"],
    "time": ["text", "start", "end", "value", "range"],
    "event": ["id", "type", "mode", "trigger", "sentence", "actor", "target", "origin", "destination", "location",
              "date", "quantities", "attribution", "certainty", "polarity", "modality", "historical"],
}


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(ARTICLE)
    (folder / "sub" / "b.txt").write_text(OTHER)
    (folder / "copy.txt").write_text(ARTICLE)  # the same article again
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "feed.jsonl").write_text(json.dumps({"text": "Japan protested a missile launch on Friday.", "title": "Protest",
                                                   "published": "2017-04-10", "outlet": "Wire"}) + "\n{broken\n")
    return folder


def test_ingest_stores_good_articles_and_records_bad_ones(corpus, tmp_path, nlp):
    db = str(tmp_path / "t.db")
    summary = dateline.ingest([str(corpus)], db=db)
    assert summary.read == 7
    assert summary.stored == 3
    assert summary.duplicates == 1
    rejected = {r[0].split("/")[-1]: r[1] for r in summary.rejected}
    assert set(rejected) == {"empty.txt", "binary.txt", "feed.jsonl:2"}
    store = open_store(db)
    assert store.counts()["documents"] == 3
    assert {r["source"].split("/")[-1] for r in store.rejected()} == set(rejected)
    assert all(r["reason"] and r["fix"] for r in store.rejected())


def test_an_ingest_collects_garbage_less_often_and_leaves_the_setting_as_it_was(corpus, tmp_path, nlp, monkeypatch):
    import gc

    from dateline import pipeline

    seen = []
    monkeypatch.setattr(pipeline, "_flush", lambda *a: seen.append(gc.get_threshold()[0]))
    before = gc.get_threshold()
    dateline.ingest([str(corpus)], db=str(tmp_path / "t.db"))
    assert seen and set(seen) == {pipeline.GC_YOUNG}
    assert gc.get_threshold() == before
    gc.set_threshold(0)  # turned off by the caller: left off
    try:
        seen.clear()
        dateline.ingest([str(corpus)], db=str(tmp_path / "u.db"))
        assert set(seen) == {0}
    finally:
        gc.set_threshold(*before)


def test_reingesting_changes_nothing(corpus, tmp_path, nlp):
    db = str(tmp_path / "t.db")
    dateline.ingest([str(corpus)], db=db)
    store = open_store(db)
    before = store.counts()
    snapshot = store.query("SELECT id, reading FROM documents ORDER BY id")
    again = dateline.ingest([str(corpus)], db=db)
    assert again.stored == 0 and again.duplicates == 4
    assert store.counts() == before
    assert store.query("SELECT id, reading FROM documents ORDER BY id") == snapshot


def test_read_gives_every_contract_field(tmp_path, nlp):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    d = dateline.read(path).to_dict()
    assert list(d)[: len(CONTRACT["document"])] == CONTRACT["document"]
    assert d["title"] == "Seoul Says Two Envoys Fled Posts in Europe"
    assert d["authors"] == ["Jane Park"]
    assert d["published"].startswith("2016-03-03T09:15")
    assert d["text"].startswith("Two North Korean diplomats")
    for e in d["entities"]:
        assert set(CONTRACT["entity"]) <= set(e)
        assert d["text"][e["start"]:e["end"]] == e["text"]
    for t in d["times"]:
        assert set(CONTRACT["time"]) <= set(t)
        assert d["text"][t["start"]:t["end"]] == t["text"]
    for ev in d["events"]:
        assert set(CONTRACT["event"]) <= set(ev)
        assert ev["id"].startswith(d["id"])
        assert d["text"][ev["trigger"]["start"]:ev["trigger"]["end"]] == ev["trigger"]["text"]


def test_same_text_gets_the_same_id_whatever_the_source(tmp_path, nlp):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    assert dateline.read(path).id == dateline.read(str(path)).id


def test_a_stage_that_raises_rejects_one_article_and_the_batch_goes_on(corpus, tmp_path, nlp):
    import dateline.pipeline as pipeline

    # a failure inside a spaCy component is isolated by the error handler; here we fail one component
    from spacy.language import Language

    @Language.component("test_fail_on_sanctions")
    def fail(doc):
        if "sanctions" in doc.text.lower():
            raise ValueError("cannot read sanctions")
        return doc

    pipe_nlp = pipeline._nlp(None)
    pipe_nlp.add_pipe("test_fail_on_sanctions", last=True)
    try:
        summary = dateline.ingest([str(corpus / "a.txt"), str(corpus / "sub" / "b.txt")], db=str(tmp_path / "t.db"))
    finally:
        pipe_nlp.remove_pipe("test_fail_on_sanctions")
    assert summary.stored == 1
    assert len(summary.rejected) == 1 and "cannot read sanctions" in summary.rejected[0][1]


def test_two_processes_store_exactly_what_one_process_stores(corpus, tmp_path, nlp):
    one, two = str(tmp_path / "one.db"), str(tmp_path / "two.db")
    s1 = dateline.ingest([str(corpus)], db=one, processes=1, batch_size=1)
    s2 = dateline.ingest([str(corpus)], db=two, processes=2, batch_size=1)
    assert (s1.stored, s1.duplicates, len(s1.rejected)) == (s2.stored, s2.duplicates, len(s2.rejected))
    q = "SELECT id, reading FROM documents ORDER BY id"
    assert open_store(one).query(q) == open_store(two).query(q)


def test_an_article_that_runs_too_long_is_failed_and_the_batch_goes_on(corpus, tmp_path, nlp, monkeypatch):
    import time

    import dateline.times as times

    real = times.resolve

    def slow_on_sanctions(text, anchor):
        if "sanctions" in text.lower():
            time.sleep(5)
        return real(text, anchor)

    monkeypatch.setattr(times, "resolve", slow_on_sanctions)
    monkeypatch.setenv("DATELINE_ARTICLE_TIMEOUT", "0.5")
    summary = dateline.ingest([str(corpus / "a.txt"), str(corpus / "sub" / "b.txt")], db=str(tmp_path / "t.db"))
    assert summary.stored == 1
    assert len(summary.rejected) == 1
    assert "longer than 0.5 s (in stage times)" in summary.rejected[0][1]


def test_a_dateline_stage_that_raises_fails_one_article(corpus, tmp_path, nlp, monkeypatch):
    import dateline.times as times

    real = times.resolve

    def broken_on_sanctions(text, anchor):
        if "sanctions" in text.lower():
            raise KeyError("bad rule")
        return real(text, anchor)

    monkeypatch.setattr(times, "resolve", broken_on_sanctions)
    db = str(tmp_path / "t.db")
    summary = dateline.ingest([str(corpus / "a.txt"), str(corpus / "sub" / "b.txt")], db=db)
    assert summary.stored == 1
    assert "stage times failed: KeyError" in summary.rejected[0][1]
    assert open_store(db).rejected()[0]["kind"] == "stage"


def test_disk_full_is_a_clear_error_and_keeps_what_was_stored(corpus, tmp_path, nlp):
    from dateline.errors import StoreError

    db = str(tmp_path / "t.db")
    dateline.ingest([str(corpus / "a.txt")], db=db)
    store = open_store(db)
    before = store.query("SELECT id, reading FROM documents")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow: a full disk
    # longer than a page, so that it cannot fit in the room left on the pages already there
    big = corpus / "sub" / "big.txt"
    big.write_text(OTHER + "\n\n" + " ".join(f"Officials in district {i} said the port stayed open on day {i}."
                                              for i in range(80)), encoding="utf-8")
    with pytest.raises(StoreError, match="disk full"):
        dateline.ingest([str(big)], store=store)
    store.close()
    from pathlib import Path

    from dateline.crashtest import check_database

    again = open_store(db)
    kept = again.query("SELECT id, reading FROM documents")
    assert [row for row in kept if row["id"] == before[0]["id"]] == before  # what was stored is unchanged
    assert check_database(Path(db)) == []  # integrity ok, and any document stored is whole


def test_read_only_database_is_a_clear_error(corpus, tmp_path, nlp):
    from dateline.errors import StoreError

    db = str(tmp_path / "t.db")
    dateline.ingest([str(corpus / "a.txt")], db=db)
    store = open_store(db)
    store.conn.execute("PRAGMA query_only = ON")  # as a read-only file would behave (tests run as root)
    with pytest.raises(StoreError, match="read-only"):
        dateline.ingest([str(corpus / "sub" / "b.txt")], store=store)
    assert store.counts()["documents"] == 1


def test_a_line_break_always_ends_a_sentence(nlp):
    from dateline import nlp as stage

    doc = nlp(stage.make_doc(nlp, "The agency issued the following report:\nThe launch failed on Monday.", None))
    assert [s.text.strip() for s in doc.sents] == ["The agency issued the following report:", "The launch failed on Monday."]


def test_an_article_over_the_entity_limit_is_failed_with_the_reason(corpus, tmp_path, nlp, monkeypatch):
    monkeypatch.setenv("DATELINE_MAX_ENTITIES", "2")
    summary = dateline.ingest([str(corpus / "a.txt")], db=str(tmp_path / "t.db"))
    assert summary.stored == 0
    assert "entities, over the limit of 2" in summary.rejected[0][1] and "max_entities" in summary.rejected[0][1]


def test_loading_the_pipeline_reads_the_stages_data_before_any_article(nlp):
    """Worker processes fork after the load, so the data files must be read by then, not on a first article."""
    from dateline import actors, attribution, nlp as nlp_stage, places, quantities, times

    caches = (times.grammar, quantities.lexicon, attribution.cues, actors.load_lexicon, places._single_member_regions)
    for cache in caches + (attribution._set,):  # _set holds what it read from cues()
        cache.cache_clear()
    nlp_stage.load.__wrapped__()  # a fresh load, past load's own cache
    assert [c.cache_info().currsize >= 1 for c in caches] == [True] * len(caches)
