"""Read-side queries on a hand-built store: filters, keyset pages, full-text search, evidence highlights,
and hostile values in every filter (refused or matched as plain values, never run as SQL)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dateline import link, queries
from dateline.errors import InputError
from dateline.model import (Actor, Attribution, Document, Entity, Event, EventDate, EventPlace, Participant, Place,
                            Quantity, Span, TimeExpr, DateRange)
from dateline.store import open_store

HOSTILE_ID = "c0c0c0c0c0c0c0c0"
INJECTIONS = ["' OR '1'='1", "KP' --", "1; DROP TABLE events; --", "\" OR 1=1 --", "%", "_", "') UNION SELECT sql FROM sqlite_master --",
              "KP\x00", "🙂", "a" * 150]


def _event(doc_id, n, text, type_, trigger, *, actor=None, target=None, location=None, date=None, certainty="asserted",
           historical=False, quantities=(), cue=None, hedge=None):
    start = text.index(trigger)
    return Event(id=f"{doc_id}-e{n}", type=type_, trigger=Span(trigger, start, start + len(trigger)),
                 sentence=Span(text, 0, len(text)), actor=actor, target=target, location=location,
                 date=EventDate(date[0], date[1], date[1], "day") if date else None, certainty=certainty,
                 historical=historical, quantities=list(quantities),
                 attribution=Attribution(cue=cue) if cue else None, hedge=hedge)


def _party(text, body, actor_id, country, name=None):
    start = body.index(text)
    return Participant(text, actor_id=actor_id, name=name or text, kind="country", country=country, start=start,
                       end=start + len(text))


def documents() -> list[Document]:
    """Five articles: a hedged missile launch, an attack with a resolved place, a hostile page, a historical
    bombing with an undated meeting, and a long one with 30 meetings for paging."""
    a = "a1a1a1a1a1a1a1a1"
    ta = "North Korea fired two missiles into the East Sea on Monday, officials reportedly said."
    ea = _event(a, 1, ta, "MOBILIZE", "fired", actor=_party("North Korea", ta, "KP", "KP"),
                location=EventPlace("East Sea", start=ta.index("East Sea"), end=ta.index("East Sea") + 8),
                date=("Monday", "2024-03-11"), certainty="hedged",
                quantities=[Quantity("two missiles", ta.index("two"), ta.index("two") + 12, 2, "missile", "weapons")],
                cue=Span("said", ta.index("said"), ta.index("said") + 4),
                hedge=Span("reportedly", ta.index("reportedly"), ta.index("reportedly") + 10))
    times_a = [TimeExpr("Monday", ta.index("Monday"), ta.index("Monday") + 6, "2024-03-11",
                        DateRange("2024-03-11", "2024-03-11", "day"))]
    b = "b2b2b2b2b2b2b2b2"
    tb = "North Korean troops attacked South Korean soldiers in Seoul on 2 May 2023."
    eb = _event(b, 1, tb, "ASSAULT", "attacked", actor=_party("North Korean troops", tb, "KP-MIL", "KP"),
                target=_party("South Korean soldiers", tb, "KR-MIL", "KR"),
                location=EventPlace("Seoul", "1835848", "Seoul", "KR", "city", 37.566, 126.978, tb.index("Seoul"),
                                    tb.index("Seoul") + 5), date=("2 May 2023", "2023-05-02"))
    ents_b = [Entity("Seoul", tb.index("Seoul"), tb.index("Seoul") + 5, "GPE",
                     place=Place("Seoul", "1835848", "Seoul", "KR", "city", 37.566, 126.978)),
              Entity("North Korean", 0, 12, "NORP", actor=Actor("KP", "North Korea", "country", "KP"))]
    tc = 'A defector fled <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2"> to the South.'
    ec = _event(HOSTILE_ID, 1, tc, "DEFECT", "fled", actor=_party("A defector", tc, "KP-GOV", "KP", "<b>defector</b>"),
                date=("", "2022-01-10"))
    d = "d4d4d4d4d4d4d4d4"
    td = "The 1987 bombing of the airliner was recalled as officials met."
    ed = [_event(d, 1, td, "ASSAULT", "bombing", actor=_party("officials", td, "KP", "KP"), date=("1987", "1987-11-29"),
                 historical=True),
          _event(d, 2, td, "CONSULT", "met")]
    e = "e5e5e5e5e5e5e5e5"
    te = "Envoys met again. " * 30
    ee = [Event(id=f"{e}-e{i}", type="CONSULT", trigger=Span("met", 7 + 18 * i, 10 + 18 * i),
                sentence=Span("Envoys met again.", 18 * i, 18 * i + 17),
                actor=Participant("Envoys", actor_id="US", name="United States", country="US"),
                date=EventDate(None, f"2020-{1 + i % 12:02d}-{1 + i % 5:02d}", f"2020-{1 + i % 12:02d}-{1 + i % 5:02d}", "day")
                if i % 7 else None)
          for i in range(30)]
    return [
        Document(id=a, text=ta, title="Missile launch", outlet="Wire A", published="2024-03-11T10:00:00+09:00",
                 events=[ea], times=times_a, source_path="a.txt"),
        Document(id=b, text=tb, title="Attack in Seoul", outlet="Wire B", published="2023-05-03T08:00:00+09:00",
                 events=[eb], entities=ents_b, source_path="b.txt"),
        Document(id=HOSTILE_ID, text=tc, title="<script>window.__pwned=3</script>Defection", outlet="<i>Evil</i>",
                 url="javascript:window.__pwned=4", published="2022-01-11T00:00:00+00:00", events=[ec],
                 authors=["<img src=x onerror=window.__pwned=5>"], source_path="c.html"),
        Document(id=d, text=td, title="Remembering 1987", outlet="Wire A", published="2021-11-29T00:00:00+00:00",
                 events=ed, source_path="d.txt"),
        Document(id=e, text=te, title="Envoys", outlet="Wire C", published="2020-12-31T00:00:00+00:00", events=ee,
                 source_path="e.txt"),
    ]


def build_store(path: str):
    store = open_store(path)
    ids = store.write_documents(documents())
    link.on_stored(store, ids)
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = build_store(str(tmp_path_factory.mktemp("q") / "q.db"))
    yield s
    s.close()


def all_pages(fn, store, limit=4, **kw) -> list[dict]:
    out, cursor = [], None
    for _ in range(100):
        page = fn(store, limit=limit, cursor=cursor, **kw)
        out += page["items"]
        cursor = page["next"]
        if not cursor:
            return out
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("sort", ["date", "-date", "type", "-type", "certainty"])
def test_keyset_pages_visit_every_event_once_in_order(store, sort):
    rows = all_pages(queries.events, store, sort=sort)
    assert len(rows) == 35 and len({r["id"] for r in rows}) == 35
    column = {"date": "date_start", "type": "type", "certainty": "certainty"}[sort.lstrip("-")]
    keys = [(r[column], r["id"]) for r in rows]
    nulls = [k for k in keys if k[0] is None]
    values = [k for k in keys if k[0] is not None]
    assert values == sorted(values, reverse=sort.startswith("-"))
    # SQLite orders NULL first ascending and last descending; the pages keep that.
    assert keys == (values + nulls if sort.startswith("-") else nulls + values)


def test_filters_select_the_expected_events(store):
    total = lambda **kw: queries.events(store, total=True, **kw)["total"]  # noqa: E731
    assert total() == 35
    assert total(type="assault") == 2
    assert total(type="ASSAULT,DEFECT") == 3
    assert total(country="KR") == 1  # target and place of the attack
    assert total(country="KP") == 4
    assert total(actor="KR-MIL") == 1 and total(actor="KP-MIL") == 1
    assert total(country="KP", type="ASSAULT") == 2
    assert total(country="KP", actor="KP") == 2
    assert total(historical=True) == 1 and total(historical="false") == 34
    assert total(certainty="hedged") == 1
    assert total(since="2023", until="2024-03") == 2
    assert total(until="1999") == 1
    assert total(doc_id="e5e5e5e5e5e5e5e5") == 30
    first = queries.events(store, actor="KR-MIL")["items"][0]
    assert (first["target"], first["place"], first["story_id"]) == ("South Korean soldiers", "Seoul", "s-b2b2b2b2b2b2b2b2-e1")


def test_any_side_filter_pages_keep_order(store):
    rows = all_pages(queries.events, store, limit=1, country="KP")
    assert [r["date_start"] for r in rows] == ["2024-03-11", "2023-05-02", "2022-01-10", "1987-11-29"]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("name", ["type", "country", "actor", "actor_country", "target_country", "place_country",
                                  "certainty", "modality", "polarity", "mode"])
def test_injection_in_event_filters_matches_nothing(store, name, value):
    before = store.counts()
    assert queries.events(store, total=True, **{name: value})["total"] == 0
    assert store.counts() == before


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_checked_filters_is_refused(store, value):
    for call in (lambda: queries.events(store, since=value), lambda: queries.events(store, doc_id=value),
                 lambda: queries.events(store, historical=value), lambda: queries.events(store, sort=value),
                 lambda: queries.document(store, value), lambda: queries.events(store, cursor=value)):
        with pytest.raises(InputError):
            call()


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_text_searches_is_plain_text(store, value):
    before = store.counts()
    assert queries.actors(store, q=value)["items"] == []
    assert queries.places(store, q=value)["items"] == []
    assert queries.documents(store, outlet=value)["items"] == []
    try:
        assert queries.search(store, value)["total"] == 0
    except InputError:
        pass  # a value with no words at all
    assert store.counts() == before


def test_fts_words_are_quoted_so_syntax_is_inert(store):
    assert queries.fts_query('missiles NEAR("x") OR *') == '"missiles" "NEAR" "x" "OR"'
    with pytest.raises(InputError):
        queries.fts_query('" * ( )')
    hit = queries.search(store, "MISSILES east")["items"]
    assert [h["id"] for h in hit] == ["a1a1a1a1a1a1a1a1"]
    assert "\x02missiles\x03" in hit[0]["snippet"]


def test_search_index_follows_deletes(tmp_path):
    s = build_store(str(tmp_path / "s.db"))
    assert queries.search(s, "Seoul")["total"] == 1
    with s.transaction() as conn:
        conn.execute("DELETE FROM documents WHERE id = ?", ("b2b2b2b2b2b2b2b2",))
    assert queries.search(s, "Seoul")["total"] == 0
    assert queries.events(s, country="KR", total=True)["total"] == 0  # event_keys follow the cascade
    s.close()


def test_document_ids_refuse_paths_and_accept_prefixes(store):
    for bad in ("../../etc/passwd", "..%2F..%2Fetc", "/etc/passwd", "a1a1a1a1a1a1a1a1/../x", "A1' OR 1=1", ""):
        with pytest.raises(InputError):
            queries.document_id(bad)
    assert queries.document(store, "a1a1a1a1")["id"] == "a1a1a1a1a1a1a1a1"
    assert queries.document(store, "ffffffffffffffff") is None


def test_highlights_cover_every_kind_of_evidence(store):
    doc = queries.document(store, "a1a1a1a1a1a1a1a1")
    found = {h["kind"]: doc["text"][h["start"]:h["end"]] for h in doc["highlights"]}
    assert found == {"trigger": "fired", "actor": "North Korea", "place": "East Sea", "date": "Monday",
                     "amount": "two missiles", "cue": "said", "hedge": "reportedly"}
    assert doc["stories"]["a1a1a1a1a1a1a1a1-e1"]["story_id"] == "s-a1a1a1a1a1a1a1a1-e1"


def test_timeline_bars_match_the_event_list(store):
    tl = queries.timeline(store, period="year")
    assert tl["undated"] == 6
    for s in tl["series"]:
        for count, (since, until) in zip(s["counts"], tl["ranges"]):
            if count:
                assert queries.events(store, type=s["key"], since=since, until=until, total=True)["total"] == count
    assert sum(s["total"] for s in tl["series"]) == 29


def test_map_network_and_facets(store):
    m = queries.map_data(store)
    assert m["points"] == [{"name": "Seoul", "place_id": "1835848", "country": "KR", "lat": 37.566, "lon": 126.978, "events": 1}]
    kr = next(c for c in m["countries"] if c["code"] == "KR")
    assert (kr["numeric"], kr["events"]) == ("410", 1)
    net = queries.network(store)
    assert net["edges"] == [{"source": "KP-MIL", "target": "KR-MIL", "weight": 1, "types": ["ASSAULT"]}]
    assert {f["value"]: f["n"] for f in queries.facets(store)["type"]}["CONSULT"] == 31


def test_bad_values_say_the_fix():
    with pytest.raises(InputError, match="YYYY"):
        queries.day_of("2024/03/01")
    with pytest.raises(InputError, match="30"):
        queries.day_of("2024-04-31")
    assert queries.day_of("2024-02", end=True) == "2024-02-29"
    with pytest.raises(InputError, match="1 to 500"):
        queries.limit_of(501)
    with pytest.raises(InputError, match="sort by one of"):
        queries.sort_of("rowid; DROP", queries.EVENT_SORTS, "-date")


FILTER_VALUES = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["CONSULT", "ASSAULT", "MOBILIZE,DEFECT", "AGREE"]),
    "country": st.sampled_from(["KP", "KR", "US"]), "actor": st.sampled_from(["KP", "US", "KR-MIL"]),
    "historical": st.booleans(), "since": st.sampled_from(["1990", "2020-06", "2023-05-02"]),
    "until": st.sampled_from(["2020-03", "2024"]), "certainty": st.sampled_from(["asserted", "hedged"])})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=FILTER_VALUES, sort=st.sampled_from(["date", "-date", "type", "-certainty"]), limit=st.integers(1, 7))
def test_pages_of_any_filter_add_up_to_the_whole_list(store, filters, sort, limit):
    whole = queries.events(store, sort=sort, limit=500, total=True, **filters)
    paged = all_pages(queries.events, store, limit=limit, sort=sort, **filters)
    assert [r["id"] for r in paged] == [r["id"] for r in whole["items"]]
    assert len(paged) == whole["total"]


@pytest.fixture
def pg_store():
    """The same hand-built store in a fresh database on the PostgreSQL test server (skips where the store
    tests skip: see tests/test_store_postgres.py)."""
    import uuid

    pg = pytest.importorskip("test_store_postgres")
    server = pg._server_url()
    name = f"dateline_test_{uuid.uuid4().hex[:12]}"
    with pg.psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    s = open_store(f"{server.rsplit('/', 1)[0]}/{name}")
    try:
        link.on_stored(s, s.write_documents(documents()))
        yield s
    finally:
        s.close()
        with pg.psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_queries_answer_alike_on_postgresql(pg_store, store):
    for fn, kw in [(queries.events, {"type": "CONSULT", "limit": 7}), (queries.events, {"country": "KP"}),
                   (queries.events, {"actor": "KR-MIL"}), (queries.events, {"sort": "type", "limit": 50}),
                   (queries.story_events, {}), (queries.actors, {}), (queries.places, {}),
                   (queries.documents, {"q": "missiles"}), (queries.timeline, {"period": "year"}),
                   (queries.network, {}), (queries.facets, {})]:
        assert fn(pg_store, **kw) == fn(store, **kw), fn.__name__
    pages = all_pages(queries.events, pg_store, limit=4, sort="-date")
    assert [r["id"] for r in pages] == [r["id"] for r in all_pages(queries.events, store, limit=4, sort="-date")]
    assert queries.map_data(pg_store)["points"] == queries.map_data(store)["points"]
    hit = queries.search(pg_store, "MISSILES east")["items"]
    assert [h["id"] for h in hit] == ["a1a1a1a1a1a1a1a1"] and "\x02missiles\x03" in hit[0]["snippet"].lower()
    assert queries.search(pg_store, 'missiles NEAR("x") OR *')["total"] in (0, 1)  # no syntax error
    assert queries.document(pg_store, "a1a1a1a1a1a1a1a1")["highlights"] == queries.document(store, "a1a1a1a1a1a1a1a1")["highlights"]
