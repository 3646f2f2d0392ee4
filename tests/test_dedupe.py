"""Near-duplicate articles: MinHash/LSH finds syndicated and lightly edited copies, not separate reports of
the same event; the index survives a restart through stored signatures; ingest links copies instead of
extracting them again."""
import json
from pathlib import Path

import pytest

from dateline import dedupe, link
from dateline.model import Document
from dateline.store import open_store

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpora" / "reports.jsonl"


def records():
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "t.db"))
    yield s
    s.close()


def test_wire_copy_is_near_and_a_separate_report_is_not():
    recs = records()
    wire, copy, other_report = recs[1]["text"], recs[2]["text"], recs[0]["text"]
    assert dedupe.signature(wire).jaccard(dedupe.signature(copy)) >= dedupe.THRESHOLD
    assert dedupe.signature(wire).jaccard(dedupe.signature(other_report)) < 0.2
    index = dedupe.NearDuplicates()
    assert index.check("wire", wire) is None
    assert index.check("other", other_report) is None
    match = index.check("copy", copy)
    assert match.original_id == "wire" and match.similarity >= dedupe.THRESHOLD


def test_signatures_are_datasketchs():
    """Signatures are stored, so the fast hashing must give datasketch's own `update_batch` values."""
    from datasketch import MinHash

    texts = [r["text"] for r in records()] + ["", "one two", "Ünïcödé straße café 北朝鮮 핵 미사일 İstanbul " * 3]
    for text in texts:
        own = MinHash(num_perm=dedupe.PERMS, seed=dedupe.SEED, scheme=dedupe.SCHEME)
        own.update_batch([s.encode("utf-8") for s in dedupe.shingles(text)])
        assert dedupe._blob(dedupe.signature(text)) == dedupe._blob(own)


def test_lsh_params_are_datasketchs_choice():
    from datasketch import MinHashLSH

    chosen = MinHashLSH(threshold=dedupe.THRESHOLD, num_perm=dedupe.PERMS)
    assert dedupe.LSH_PARAMS[dedupe.THRESHOLD] == (chosen.b, chosen.r)


def test_short_texts_are_never_called_copies():
    index = dedupe.NearDuplicates()
    assert index.check("a", "Missile fired.") is None
    assert index.check("b", "Missile fired.") is None


def test_index_is_rebuilt_from_stored_signatures(store):
    recs = records()
    store.write_documents([Document(id="wire", text=recs[1]["text"], outlet="Eastern Wire", title="T")])
    dedupe.NearDuplicates(store)  # first load signs the stored document
    assert store.query("SELECT doc_id, perms FROM signatures") == [{"doc_id": "wire", "perms": dedupe.PERMS}]
    with store.transaction() as conn:  # prove the next index reads the signature, not the text
        conn.execute("UPDATE documents SET text = 'changed' WHERE id = 'wire'")
    match = dedupe.NearDuplicates(store).check("copy", recs[2]["text"])
    assert match is not None and match.original_id == "wire"


def near_copies() -> list[tuple[str, str]]:
    """Generated articles, some copied with one word changed, a paragraph dropped or a line added (near
    copies of one another too, so ties between originals are broken by rank)."""
    from dateline.bench import generate

    texts = [r["text"] for r in generate(30, seed=3)]
    out = []
    for i, text in enumerate(texts):
        out.append((f"d{i}", text))
        if i % 3 == 0:
            out.append((f"d{i}-word", text.replace(" the ", " a ", 1)))
        if i % 4 == 0:
            out.append((f"d{i}-cut", text.rsplit("\n\n", 1)[0]))
        if i % 5 == 0:
            out.append((f"d{i}-line", "By Bench Wire staff.\n\n" + text))
            out.append((f"d{i}-line2", "By Bench Wire staff.\n\n" + text))
    return out


def test_the_index_in_the_store_finds_what_the_index_in_memory_finds(store):
    """The store-backed index (what an ingest uses) against datasketch's in-memory LSH, on the same inputs:
    the same original and similarity for every check."""
    in_memory, in_store = dedupe.NearDuplicates(), dedupe.NearDuplicates(store)
    found = [(doc_id, in_memory.check(doc_id, text), in_store.check(doc_id, text)) for doc_id, text in near_copies()]
    assert [(d, a) for d, a, _ in found] == [(d, b) for d, _, b in found]
    assert sum(1 for _, a, _ in found if a) >= 10


def _prepared(doc_id: str, text: str):
    from dateline.model import Article
    from dateline.pipeline import Prepared
    from dateline.sources import RawInput

    return Prepared(doc_id, RawInput(f"{doc_id}.txt", "text"), Article(text=text, outlet="Wire"))


INDEX_ROWS = ("SELECT doc_id, hashes FROM signatures ORDER BY rowid",
              "SELECT * FROM signature_bands ORDER BY band, bucket, doc_id",
              "SELECT doc_id, original_id, similarity, source, outlet FROM duplicates ORDER BY rowid")


def _check_all(index, pairs, write_every=0):
    found = []
    for n, (doc_id, text) in enumerate(pairs, start=1):
        match = index.check(doc_id, text)
        if match:
            index.record_prepared(_prepared(doc_id, text), match)
        found.append((doc_id, match))
        if write_every and n % write_every == 0:
            with index.store.transaction() as conn:
                index.write_pending(conn)
            index.written()
    return found


def test_a_deferred_index_finds_and_writes_what_one_writing_at_once_does(tmp_path):
    """The ingest's index holds its rows until the next batch is stored: checks find the held signatures
    (copies within one batch), and the rows written are the same, in the same order."""
    pairs = near_copies()
    at_once, deferred = open_store(str(tmp_path / "a.db")), open_store(str(tmp_path / "b.db"))
    expected = _check_all(dedupe.NearDuplicates(at_once), pairs)
    index = dedupe.NearDuplicates(deferred, deferred=True)
    found = _check_all(index, pairs[:7])
    assert deferred.query("SELECT COUNT(*) AS n FROM signatures")[0]["n"] == 0  # nothing written yet
    assert index.pending()
    found += _check_all(index, pairs[7:], write_every=5)
    deferred.write_rows([], then=index.write_pending)
    index.written()
    assert found == expected and sum(1 for _, m in found if m) >= 10
    for sql in INDEX_ROWS:
        assert deferred.query(sql) == at_once.query(sql), sql
    assert not index.pending()


def test_a_deferred_index_writes_at_once_past_its_bound(store, monkeypatch):
    monkeypatch.setattr(dedupe, "MAX_PENDING", 3)
    index = dedupe.NearDuplicates(store, deferred=True)
    _check_all(index, near_copies()[:6])  # d0, four copies of it, d1
    assert [r["doc_id"] for r in store.query("SELECT doc_id FROM signatures")] == ["d0"]  # written with 3 links
    assert sorted(r["copy_id"] for r in dedupe.duplicates(store)) == ["d0-cut", "d0-line", "d0-word"]
    assert list(index.index.held) == ["d1"] and [row[0] for row in index.links] == ["d0-line2"]


def test_a_restart_finds_copies_of_what_the_last_run_stored(store):
    """Documents checked by one run and stored are found by the next; one it checked and never stored
    (interrupted, or failed in the NLP stages) is no original for the next run, nor a copy of itself."""
    texts = dict(near_copies())
    first = dedupe.NearDuplicates(store)
    assert first.check("d0", texts["d0"]) is None and first.check("d1", texts["d1"]) is None
    store.write_documents([Document(id="d0", text=texts["d0"])])  # d1 never is
    second = dedupe.NearDuplicates(store)
    assert second.check("d0-word", texts["d0-word"]).original_id == "d0"
    assert second.check("d1", texts["d1"]) is None  # not a copy of its own old signature
    assert second.check("d1-x", texts["d1"] + " More.").original_id == "d1"  # indexed in this run again


def test_signatures_from_before_the_bands_table_get_their_buckets_at_load(store):
    texts = dict(near_copies())
    store.write_documents([Document(id="d0", text=texts["d0"])])
    dedupe.NearDuplicates(store)  # signs the stored document
    with store.transaction() as conn:  # as a store written before migration 0006
        conn.execute("DELETE FROM signature_bands")
    match = dedupe.NearDuplicates(store).check("d0-word", texts["d0-word"])
    assert match is not None and match.original_id == "d0"
    assert store.query("SELECT COUNT(*) AS n FROM signature_bands")[0]["n"] == len(dedupe._bands(dedupe.THRESHOLD))


def test_documents_stored_without_a_signature_are_signed_at_load_in_pages(store):
    texts = [t for _, t in near_copies()[:5]]
    store.write_documents([Document(id=f"u{i}", text=t) for i, t in enumerate(texts)])
    pages = list(dedupe._StoreIndex(store, dedupe.THRESHOLD).unsigned(page=2))
    assert [[doc_id for doc_id, _ in p] for p in pages] == [["u0", "u1"], ["u2", "u3"], ["u4"]]
    dedupe.NearDuplicates(store)
    assert [r["doc_id"] for r in store.query("SELECT doc_id FROM signatures ORDER BY rowid")] == [f"u{i}" for i in range(5)]


def test_link_is_recorded_and_listed(store):
    store.write_documents([Document(id="wire", text="x", outlet="Eastern Wire", title="Missile launched")])
    dedupe.record(store, "copy", dedupe.Match("wire", 0.93), source="f.jsonl:3", outlet="Capital Courier",
                  published="2025-03-10T14:00:00+09:00")
    (row,) = dedupe.duplicates(store)
    assert (row["copy_id"], row["original_id"], row["similarity"]) == ("copy", "wire", 0.93)
    assert row["original_title"] == "Missile launched" and row["copy_outlet"] == "Capital Courier"
    assert dedupe.duplicates(store, original="nope") == []


@pytest.mark.slow
def test_ingest_links_the_copy_and_stories_join_reports(tmp_path):
    """End to end on the real model: the syndicated copy is skipped and linked; story-events form on ingest."""
    from dateline.pipeline import ingest

    db = str(tmp_path / "e2e.db")
    summary = ingest([str(CORPUS)], db=db)
    assert (summary.read, summary.stored, summary.duplicates, summary.near_duplicates) == (9, 8, 1, 1)
    store = open_store(db)
    (dup,) = dedupe.duplicates(store)
    assert dup["copy_outlet"] == "Capital Courier" and dup["original_outlet"] == "Eastern Wire"
    assert store.query("SELECT COUNT(*) AS n FROM story_mentions")[0]["n"] == store.counts()["events"]
    again = ingest([str(CORPUS)], db=db)  # a second run: nothing new is stored, the copy is linked once
    assert (again.stored, again.duplicates, again.near_duplicates) == (0, 9, 1)
    assert len(dedupe.duplicates(store)) == 1
    gold, missed = link.gold_from_jsonl(store, str(CORPUS))
    figures = link.score_store(store, gold)
    print("\nend to end on examples/corpora/reports.jsonl:", figures, "gold evidence not extracted:", missed)
    assert figures["precision"] >= 0.9 and figures["recall"] >= 0.5
    store.close()
