"""Story-events: paraphrased reports joined, near misses kept apart, historical re-mentions joined to the old
event, conflicts kept side by side, incremental linking equal to a rebuild. Hand-built events in a real
SQLite store (the corpus in examples/corpora/linker-events.yaml), no model needed."""
from pathlib import Path

import pytest
import yaml

from dateline import link
from dateline.store import open_store

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpora" / "linker-events.yaml"


def corpus():
    return link.corpus_documents(yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["documents"])


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "t.db"))
    yield s
    s.close()


@pytest.fixture
def linked(store):
    docs, gold = corpus()
    store.write_documents(docs)
    link.link_pending(store)
    return store, gold


def event(gold="X", sentence="Something happened.", **fields):
    return {"gold": gold, "sentence": sentence, **fields}


def build(store, spec):
    docs, gold = link.corpus_documents(spec)
    store.write_documents(docs)
    link.link_pending(store)
    return gold


def same(store, a, b):
    return link.story_of(store, a) == link.story_of(store, b)


def test_corpus_bcubed_figures(linked):
    store, gold = linked
    figures = link.score_store(store, gold)
    print("\nlinker alone on examples/corpora/linker-events.yaml:", figures)
    assert figures["n"] == len(gold) == 33
    assert figures["precision"] >= 0.95 and figures["recall"] >= 0.95


def test_heldout_corpus_figures(store):
    """Written after the rules were fixed; its misses are known limits (see the file's header)."""
    spec = yaml.safe_load((CORPUS.parent / "linker-heldout.yaml").read_text(encoding="utf-8"))["documents"]
    gold = build(store, spec)
    figures = link.score_store(store, gold)
    print("\nlinker alone on examples/corpora/linker-heldout.yaml:", figures)
    assert figures["n"] == 14 and figures["precision"] >= 0.85 and figures["recall"] >= 0.7


def test_paraphrased_reports_become_one_story_with_corroboration(linked):
    store, _ = linked
    sid = link.story_of(store, "hp-0528-e1")
    assert all(link.story_of(store, e) == sid for e in ("ew-0528-e1", "dm-0529-e1", "sg-0612-e1"))
    s = link.story(store, sid)
    assert (s["mentions"], s["articles"], s["outlets"]) == (4, 4, 4)
    # 08:30 in Seoul is 23:30 UTC the day before, earlier than the Eastern Wire's 02:15 UTC
    assert s["first_seen"] == "2024-05-28T08:30:00+09:00" and s["last_seen"] == "2024-06-12T09:00:00+09:00"
    assert s["date"]["start"] == "2024-05-27" and s["date"]["precision"] == "day"
    assert s["place"]["name"] == "Sohae Satellite Launching Station"  # the most precise place of the four
    assert s["certainty"] == "asserted"
    assert {e["event_id"] for e in s["evidence"]} == {"hp-0528-e1", "ew-0528-e1", "dm-0529-e1", "sg-0612-e1"}


def test_evidence_is_read_from_the_mentions_in_joining_order(linked):
    """A story-event's stored record stays the same size however many reports join it: its evidence is read
    from story_mentions when the story is, in the order the events were stored."""
    import json

    store, _ = linked
    sid = link.story_of(store, "hp-0528-e1")
    record = json.loads(store.query("SELECT record FROM story_events WHERE id = ?", (sid,))[0]["record"])
    assert "evidence" not in record and "members" not in record
    order = [r["id"] for r in store.query("SELECT e.id FROM events e JOIN story_mentions s ON s.event_id = e.id "
                                          "WHERE s.story_id = ? ORDER BY e.rowid", (sid,))]
    evidence = link.story(store, sid)["evidence"]
    assert [e["event_id"] for e in evidence] == order and len(order) == 4
    assert all(e["sentence"] and e["outlet"] for e in evidence)
    assert [e["event_id"] for e in link.evidence_by_story(store)[sid]] == order
    assert [m.event_id for m in link.members(store, sid)] == order


@pytest.mark.parametrize("a,b,why", [
    ("nl-0531-e1", "nl-0531-e2", "same actor, a day apart, other place"),
    ("hp-0528-e1", "nl-0531-e1", "same actor, three days apart"),
    ("hp-0609-e1", "hp-0609-e2", "same day, another city"),
    ("dm-0715-e1", "dm-0715-e2", "same month, another country"),
    ("nl-0321-e1", "nl-0321-e2", "same day, another actor"),
    ("ew-0402-e1", "ew-0402-e2", "held versus planned"),
    ("dm-0529-e2", "nl-0531-e1", "a launch being prepared is not the launch"),
    ("hp-1101-e1", "dm-2024b-e1", "historical bombing versus a recent one"),
])
def test_near_misses_stay_apart(linked, a, b, why):
    assert not same(linked[0], a, b), why


def test_undated_mention_joins_within_its_publication_window(linked):
    store, _ = linked
    # "fired from near Sunan", no date, published 2024-05-31: the 05-30 launch from Sunan, not 05-31's
    assert same(store, "cc-0531-e1", "nl-0531-e1")


def test_historical_mentions_join_the_old_event(linked):
    store, _ = linked
    sid = link.story_of(store, "sg-2017-e1")
    assert link.story_of(store, "dm-2024b-e2") == sid  # "the 1987 bombing", year precision, in 2024
    assert link.story_of(store, "hp-1101-e1") == sid  # undated, historical, in 2024
    s = link.story(store, sid)
    assert s["date"]["start"] == "1987-11-29" and s["historical"] is True
    assert s["first_seen"].startswith("2017-11-29")


def test_unmatched_historical_mention_is_not_dated_to_its_publication(linked):
    store, _ = linked
    row = store.query("SELECT date_start, match_start FROM story_events WHERE id = ?",
                      (link.story_of(store, "sg-0801-e1"),))[0]
    assert row == {"date_start": None, "match_start": None}


def test_conflicting_numbers_are_kept_side_by_side(linked):
    store, _ = linked
    s = link.story(store, link.story_of(store, "dm-0715-e1"))
    (conflict,) = s["conflicts"]
    assert conflict["field"] == "quantity:people:people"
    assert {v["value"]: [x["outlet"] for x in v["sources"]] for v in conflict["values"]} == {
        3: ["Daily Meridian"], 4: ["Capital Courier"]}
    assert s["date"]["start"] == "2023-11-20"  # day beats month and year


def test_dates_a_day_apart_join_only_with_actor_and_place_and_show_the_conflict(store):
    kp = {"text": "North Korea", "actor_id": "KP-GOV", "country": "KP"}
    site = {"text": "Sohae", "name": "Sohae", "country": "KP", "feature": "other", "place_id": "9"}
    spec = [
        {"id": "a", "outlet": "A", "published": "2024-05-28T09:00:00+09:00",
         "events": [event("L", type="MOBILIZE", actor=kp, date="2024-05-27", location=site)]},
        {"id": "b", "outlet": "B", "published": "2024-05-28T09:00:00+00:00",
         "events": [event("L", type="MOBILIZE", actor=kp, date="2024-05-26", location=site),
                    event("M", type="MOBILIZE", actor=kp, date="2024-05-26")]},
    ]
    build(store, spec)
    assert same(store, "a-e1", "b-e1")
    assert not same(store, "a-e1", "b-e2")  # no place: a day apart is another day
    s = link.story(store, link.story_of(store, "a-e1"))
    dates = next(c for c in s["conflicts"] if c["field"] == "date")
    assert sorted(v["value"] for v in dates["values"]) == ["2024-05-26", "2024-05-27"]


def test_two_cities_same_day_join_only_for_one_named_actor_with_a_conflict(store):
    person = {"text": "Kim", "actor_id": "KP-KIM", "country": "KP"}
    crowd = {"text": "workers", "country": "KP"}
    city = lambda n, i: {"text": n, "name": n, "country": "KP", "feature": "city", "place_id": i}  # noqa: E731
    spec = [
        {"id": "a", "outlet": "A", "published": "2024-06-02T09:00:00+09:00",
         "events": [event(type="CONSULT", actor=person, date="2024-06-01", location=city("Pyongyang", "1")),
                    event(type="PROTEST", actor=crowd, date="2024-06-01", location=city("Hamhung", "3"))]},
        {"id": "b", "outlet": "B", "published": "2024-06-02T10:00:00+09:00",
         "events": [event(type="CONSULT", actor=person, date="2024-06-01", location=city("Sunan", "2")),
                    event(type="PROTEST", actor=crowd, date="2024-06-01", location=city("Chongjin", "4"))]},
    ]
    build(store, spec)
    assert same(store, "a-e1", "b-e1") and not same(store, "a-e2", "b-e2")
    s = link.story(store, link.story_of(store, "a-e1"))
    assert [c["field"] for c in s["conflicts"]] == ["location"]


def test_mentions_in_one_article_need_strong_evidence(store):
    kp = {"text": "officials", "country": "KP"}
    spec = [{"id": "a", "outlet": "A", "published": "2015-10-23T10:00:00+09:00",
             "events": [event(type="DEFECT", actor=kp, date="2014"), event(type="DEFECT", actor=kp, date="2014")]}]
    build(store, spec)
    assert not same(store, "a-e1", "a-e2")


def test_incremental_linking_equals_a_rebuild(tmp_path):
    docs, _ = corpus()
    store = open_store(str(tmp_path / "inc.db"))
    for start in range(0, len(docs), 4):  # ingest in batches, linking after each
        store.write_documents(docs[start:start + 4])
        link.on_stored(store, [d.id for d in docs[start:start + 4]])
    incremental = link.snapshot(store)
    rows_before = store.query("SELECT * FROM story_events ORDER BY id")
    assert link.link_pending(store) == 0  # nothing left to link; linking again changes nothing
    assert link.relink(store) == 33
    assert link.snapshot(store) == incremental
    assert store.query("SELECT * FROM story_events ORDER BY id") == rows_before
    one_go = open_store(str(tmp_path / "one.db"))
    one_go.write_documents(docs)
    link.link_pending(one_go)
    assert link.snapshot(one_go) == incremental
    store.close()
    one_go.close()


def test_two_stores_linking_in_turn_equal_a_rebuild(tmp_path):
    """Each store keeps parsed stories between batches; a story another connection has grown since must be
    read again, not taken from that cache."""
    docs, _ = corpus()
    path = str(tmp_path / "shared.db")
    first, second = open_store(path), open_store(path)
    for n, doc in enumerate(docs):  # one document at a time, alternating, so stories grow under both
        store = (first, second)[n % 2]
        store.write_documents([doc])
        link.on_stored(store, [doc.id])
    taken_in_turn = link.snapshot(first)
    rows = first.query("SELECT * FROM story_events ORDER BY id")
    link.relink(first)
    assert link.snapshot(first) == taken_in_turn
    assert first.query("SELECT * FROM story_events ORDER BY id") == rows
    first.close()
    second.close()


def test_a_small_story_cache_links_as_a_large_one(tmp_path, monkeypatch):
    """The cache of parsed stories is bounded in stories and in members, and the stories changed in a batch
    are written once they hold DIRTY_MEMBERS (so memory stays flat on a long ingest); neither changes a link,
    and the cache's bound holds."""
    docs, _ = corpus()

    def link_in_batches(path):
        store = open_store(path)
        for start in range(0, len(docs), 2):
            store.write_documents(docs[start:start + 2])
            link.on_stored(store, [d.id for d in docs[start:start + 2]])
        return store

    large = link_in_batches(str(tmp_path / "large.db"))
    monkeypatch.setattr(link, "STORY_CACHE_MEMBERS", 3)
    monkeypatch.setattr(link, "DIRTY_MEMBERS", 2)  # and stories written every few mentions within a batch
    small = link_in_batches(str(tmp_path / "small.db"))
    cache = link._story_cache(small)
    assert cache.members <= 3 and cache.members == sum(c.members for c in cache.values())
    assert link.snapshot(small) == link.snapshot(large)
    assert small.query("SELECT * FROM story_events ORDER BY id") == large.query("SELECT * FROM story_events ORDER BY id")
    large.close()
    small.close()


def test_deleting_a_document_drops_its_mentions(linked):
    store, _ = linked
    with store.transaction() as conn:
        conn.execute("DELETE FROM documents WHERE id = 'sg-0612'")
    assert link.story_of(store, "sg-0612-e1") is None


def test_stories_filters(linked):
    store, _ = linked
    rows = link.stories(store, type_="defect", country="it")
    assert [r["id"] for r in rows] == [link.story_of(store, "dm-0715-e1")]
    assert all(r["articles"] >= 3 for r in link.stories(store, min_articles=3))
    assert {r["type"] for r in link.stories(store, since="2024-06-01", until="2024-06-30")} == {"PROTEST"}


def test_bcubed_on_a_known_clustering():
    gold = {"a": 1, "b": 1, "c": 2, "d": 2}
    assert link.bcubed({"a": "x", "b": "x", "c": "y", "d": "y"}, gold)["f1"] == 1.0
    merged = link.bcubed({k: "x" for k in gold}, gold)
    assert merged["precision"] == 0.5 and merged["recall"] == 1.0
    split = link.bcubed({k: k for k in gold}, gold)
    assert split["precision"] == 1.0 and split["recall"] == 0.5


# -- statistics merged across articles --------------------------------------------------------------------
def _stat_doc(doc_id, published, measure, series, source):
    from dateline.model import Attribution, Document, Participant, SeriesPoint, Span, Statistic

    text = f"{measure} per {source}."
    st = Statistic(measure=measure, sentence=Span(text, 0, len(text)), unit="people",
                   series=[SeriesPoint(p, v, partial) for p, v, partial in series],
                   attribution=Attribution(source=Participant(source, name=source)))
    return Document(id=doc_id, text=text, published=published, outlet=f"Outlet {doc_id}", statistics=[st])


def test_statistics_merge_with_sources_and_disagreements(store):
    store.write_documents([
        _stat_doc("s1", "2015-10-23T10:00:00+09:00", "defections of senior officials",
                  [("2013", 8, False), ("2014", 18, False), ("2015", 20, True)], "the NIS"),
        _stat_doc("s2", "2015-11-02T10:00:00+09:00", "senior official defections",
                  [("2014", 17, False), ("2015", 22, True)], "a lawmaker"),
    ])
    rows = link.statistics_table(store)
    assert {r["measure"] for r in rows} == {link.measure_key("defections of senior officials")}
    by = {(r["period"], r["doc_id"]): r for r in rows}
    assert by[("2014", "s1")]["disagrees"] and by[("2014", "s2")]["disagrees"]
    assert by[("2014", "s2")]["source"] == "a lawmaker" and by[("2014", "s2")]["reported"].startswith("2015-11-02")
    assert not by[("2013", "s1")]["disagrees"]
    assert not by[("2015", "s1")]["disagrees"]  # partial counts rising between reports are not a disagreement
    assert link.statistics_table(store, measure="officials defections senior") == rows


def test_cli_stories_and_relink(linked, tmp_path):
    import json

    from typer.testing import CliRunner

    from dateline.cli import app

    store, _ = linked
    db, runner = store.path, CliRunner()
    listed = json.loads(runner.invoke(app, ["stories", "--db", db, "--format", "json", "--type", "PROTEST"]).stdout)
    assert len(listed) == 2 and {r["place_name"] for r in listed} == {"Seoul", "Busan"}
    sid = link.story_of(store, "hp-0609-e1")
    shown = runner.invoke(app, ["stories", sid, "--db", db])
    assert shown.exit_code == 0 and "Eastern Wire" in shown.stdout and "conflicts" in shown.stdout
    before = link.snapshot(store)
    relinked = runner.invoke(app, ["relink", "--db", db])
    assert relinked.exit_code == 0 and "33 event mentions into 16 story-events" in relinked.stdout
    assert link.snapshot(store) == before
    assert runner.invoke(app, ["stories", "nope", "--db", db]).exit_code != 0


def test_symmetric_types_match_with_sides_swapped(store):
    kim = {"text": "Kim", "actor_id": "KP-KIM", "country": "KP"}
    minister = {"text": "the minister", "actor_id": "RU-MOD", "country": "RU"}
    spec = [
        {"id": "a", "outlet": "A", "published": "2024-11-21T09:00:00+09:00",
         "events": [event(type="CONSULT", actor=kim, target=minister, date="2024-11-20"),
                    event(type="ACCUSE", actor=kim, target=minister, date="2024-11-20")]},
        {"id": "b", "outlet": "B", "published": "2024-11-21T10:00:00+09:00",
         "events": [event(type="CONSULT", actor=minister, target=kim, date="2024-11-20"),
                    event(type="ACCUSE", actor=minister, target=kim, date="2024-11-20")]},
    ]
    build(store, spec)
    assert "CONSULT" in link.symmetric_types()
    assert same(store, "a-e1", "b-e1")  # a meeting has no direction
    assert not same(store, "a-e2", "b-e2")  # an accusation has one


def big_story(n=40):
    """One story-event of `n` reports, past WHOLE_MEMBERS, whose sources come to disagree only late: a number at
    report 36 (its earlier sources are not kept by then), a date at 37, another number at 39 (the field already
    in conflict, its sources in the record)."""
    kp = {"text": "North Korea", "actor_id": "KP-GOV", "country": "KP"}
    site = {"text": "Sohae", "name": "Sohae", "country": "KP", "feature": "other", "place_id": "9"}
    docs = []
    for i in range(n):
        people = 4 if i == 35 else 5 if i == 38 else 3
        quantities = [{"text": str(people), "value": people, "unit": "people", "role": "people"},
                      {"text": "2", "value": 2, "unit": "missile", "role": "launched"}]
        docs.append({"id": f"d{i:02d}", "outlet": f"Outlet {i % 7}", "published": f"2024-05-28T{i % 24:02d}:00:00+09:00",
                     "events": [event("L", type="MOBILIZE", actor=kp, location=site, quantities=quantities,
                                      date="2024-05-26" if i == 36 else "2024-05-27",
                                      certainty="hedged" if i % 5 else "attributed")]})
    return docs


def link_in_batches(path, spec, size):
    docs, _ = link.corpus_documents(spec)
    store = open_store(path)
    for start in range(0, len(docs), size):
        store.write_documents(docs[start:start + size])
        link.on_stored(store, [d.id for d in docs[start:start + size]])
    return store


def test_a_large_story_joined_across_batches_equals_one_linked_at_once(tmp_path, monkeypatch):
    """A story past WHOLE_MEMBERS is matched and joined from its profile's aggregates, without its members
    (read only when a join puts a field in conflict for the first time): its row and record equal those of the
    same story linked in one transaction, which keeps every source in memory."""
    spec = big_story()
    reads = []
    monkeypatch.setattr(link, "members", lambda store, sid, read=link.members: reads.append(sid) or read(store, sid))
    batched = link_in_batches(str(tmp_path / "batched.db"), spec, 2)
    assert len(reads) == 2  # reports 36 and 37 put a field in conflict; 39 finds its sources in the record
    at_once = link_in_batches(str(tmp_path / "at_once.db"), spec, len(spec))
    (sid, events), = link.snapshot(batched)
    assert len(events) == 40
    s = link.story(batched, sid)
    assert [c["field"] for c in s["conflicts"]] == ["date", "quantity:people:people"]
    assert [(v["value"], len(v["sources"])) for v in s["conflicts"][1]["values"]] == [(3, 38), (4, 1), (5, 1)]
    assert s == link.story(at_once, sid)
    assert batched.query("SELECT * FROM story_events") == at_once.query("SELECT * FROM story_events")
    batched.close()
    at_once.close()


@pytest.mark.parametrize("profile", ["substr(profile, 1, instr(profile, char(10)) - 1)", "NULL"])
def test_stories_stored_before_aggregates_link_the_same(tmp_path, profile):
    """Profiles written before they carried aggregates (or no profile at all): a join reads the members."""
    spec = big_story()
    docs, _ = link.corpus_documents(spec)
    old = open_store(str(tmp_path / "old.db"))
    old.write_documents(docs[:34])
    link.link_pending(old)
    with old.transaction() as conn:
        conn.execute(f"UPDATE story_events SET profile = {profile}")
    old.close()
    old = open_store(str(tmp_path / "old.db"))  # nothing cached
    for doc in docs[34:]:
        old.write_documents([doc])
        link.on_stored(old, [doc.id])
    new = link_in_batches(str(tmp_path / "new.db"), spec, 4)
    (sid, _), = link.snapshot(new)
    assert link.snapshot(old) == link.snapshot(new)
    assert link.story(old, sid) == link.story(new, sid)
    assert old.query("SELECT * FROM story_events") == new.query("SELECT * FROM story_events")
    old.close()
    new.close()


def test_incremental_linking_with_sources_dropped_from_every_story(tmp_path, monkeypatch):
    """With WHOLE_MEMBERS at 0 every written story keeps only its aggregates: the corpus links as a rebuild."""
    monkeypatch.setattr(link, "WHOLE_MEMBERS", 0)
    docs, _ = corpus()
    store = open_store(str(tmp_path / "inc.db"))
    for start in range(0, len(docs), 3):
        store.write_documents(docs[start:start + 3])
        link.on_stored(store, [d.id for d in docs[start:start + 3]])
    rows = store.query("SELECT * FROM story_events ORDER BY id")
    stories = [link.story(store, r["id"]) for r in rows]
    snap = link.snapshot(store)
    link.relink(store)
    assert link.snapshot(store) == snap
    assert store.query("SELECT * FROM story_events ORDER BY id") == rows
    assert [link.story(store, r["id"]) for r in rows] == stories
    store.close()
