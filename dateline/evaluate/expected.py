"""Suite `expected`: score dateline's reading of an article against a hand-written expectation file.

The rules are those of `../shared/examples/FORMAT.md` (and agree with `../shared/tools/score_expected.py`):
checks passed per section, event recall and event precision. `--data` is one expectation file or a folder
of `*.expected.json`; each file's `document` path is relative to the folder above `examples/`.

Figures: `accuracy` = checks passed / checks, `recall` / `precision` = event recall / precision (pooled over
files), `n` = checks; per-file results under `details`.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Optional

from ..errors import EvaluationError

ROLES = ("actor", "target", "origin", "destination", "location")


def norm(s) -> str:
    if s is None:
        return ""
    s = unicodedata.normalize("NFKC", str(s)).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", s).strip().lower()


def overlaps(a, b) -> bool:
    a, b = norm(a), norm(b)
    return bool(a and b) and (a in b or b in a)


def names_of(p: Optional[dict]) -> list[str]:
    if not p:
        return []
    names = [p.get("text"), p.get("name")]
    names += [o if isinstance(o, str) else (o or {}).get("name") for o in p.get("orgs") or []]
    return [n for n in names if n]


class Checks:
    """Tally of checks per section; inside `absent()` every check fails (its item was not found)."""

    def __init__(self):
        self.sections: dict[str, list[int]] = {}
        self.failed: list[str] = []
        self.blind = False

    def __call__(self, section: str, ok, what: str) -> bool:
        ok = bool(ok) and not self.blind
        tally = self.sections.setdefault(section, [0, 0])
        tally[0] += ok
        tally[1] += 1
        if not ok:
            self.failed.append(f"{section}: {what}")
        return ok


def check_participant(c: Checks, exp: Optional[dict], got: Optional[dict], label: str) -> None:
    if exp is None:
        return
    got = got or {}
    if "country" in exp:
        c("events", got.get("country") == exp["country"], f"{label}.country {exp['country']} vs {got.get('country')}")
    if "country_any" in exp:
        c("events", got.get("country") in exp["country_any"], f"{label}.country in {exp['country_any']}")
    for key in ("text_any", "orgs_any"):
        if key in exp:
            c("events", any(overlaps(x, y) for x in exp[key] for y in names_of(got)), f"{label}.{key} {exp[key]} vs {names_of(got)}")
    if "text" in exp:
        c("events", any(overlaps(exp["text"], y) for y in names_of(got)), f"{label}.text {exp['text']}")
    if "feature_any" in exp:
        c("events", got.get("feature") in exp["feature_any"], f"{label}.feature {got.get('feature')}")


def check_quantities(c: Checks, wanted: list[dict], got: list[dict]) -> None:
    for q in wanted:
        found = [g for g in got or [] if any(overlaps(x, g.get("text")) for x in q.get("text_any", [g.get("text")]))]
        if not c("events", found, f"quantity {q.get('text_any')}"):
            continue
        g = found[0]
        if "unit" in q:
            c("events", g.get("unit") == q["unit"], f"quantity unit {q['unit']} vs {g.get('unit')}")
        if "unit_any" in q:
            c("events", g.get("unit") in q["unit_any"], f"quantity unit in {q['unit_any']}")
        if "value_min" in q:
            v = g.get("value")
            c("events", isinstance(v, (int, float)) and v >= q["value_min"], f"quantity value {v} < {q['value_min']}")


def check_event(c: Checks, exp: dict, ev: dict) -> None:
    name = exp.get("id", "?")
    if "type_any" in exp:
        c("events", ev.get("type") in exp["type_any"], f"{name} type {ev.get('type')}")
    if "mode_any" in exp:
        c("events", ev.get("mode") in exp["mode_any"], f"{name} mode {ev.get('mode')}")
    for role in ROLES:
        check_participant(c, exp.get(role), ev.get(role), f"{name}.{role}")
    if "location_or_origin" in exp:
        e = exp["location_or_origin"]
        c("events", any(p and p.get("country") == e.get("country") and overlaps(e.get("text"), p.get("text") or p.get("name"))
                        for p in (ev.get("location"), ev.get("origin"))), f"{name} location or origin {e}")
    if "date" in exp:
        want, got = exp["date"], ev.get("date")
        if want is None:
            c("events", got is None, f"{name} date should be unknown, got {got}")
        else:
            c("events", got is not None and all(got.get(k) == want[k] for k in ("start", "end", "precision")), f"{name} date {got}")
    if "quantities" in exp:
        check_quantities(c, exp["quantities"], ev.get("quantities"))
    if "certainty_any" in exp:
        c("events", ev.get("certainty") in exp["certainty_any"], f"{name} certainty {ev.get('certainty')}")
    source = (ev.get("attribution") or {}).get("source") or {}
    if "attribution_text_any" in exp:
        c("events", any(overlaps(x, y) for x in exp["attribution_text_any"] for y in names_of(source)), f"{name} attribution {names_of(source)}")
    if "attribution_place" in exp:
        ap = exp["attribution_place"]
        c("events", overlaps(ap["text"], source.get("text")) or (source.get("place") or {}).get("country") == ap.get("country"),
          f"{name} attribution place")
    if "historical" in exp:
        c("events", ev.get("historical") is exp["historical"], f"{name} historical {ev.get('historical')}")


def in_sentence(evidence: str, ev: dict) -> bool:
    return norm(evidence) in norm((ev.get("sentence") or {}).get("text"))


def score_metadata(c: Checks, m: dict, doc: dict) -> None:
    pub = doc.get("published") or ""
    text = doc.get("text") or ""
    if "title" in m:
        c("metadata", norm(doc.get("title")) == norm(m["title"]), f"title {doc.get('title')!r}")
    if "authors" in m:
        c("metadata", [norm(a) for a in doc.get("authors") or []] == [norm(a) for a in m["authors"]], f"authors {doc.get('authors')}")
    if "published_date" in m:
        c("metadata", pub[:10] == m["published_date"], f"published date {pub!r}")
    if "published_local" in m:
        c("metadata", pub[:16] == m["published_local"], f"published {pub!r}")
    if "published_offset_any" in m:
        offset = pub[16:].lstrip(":0123456789.") or None
        c("metadata", offset in m["published_offset_any"] or (offset == "Z" and "+00:00" in m["published_offset_any"]), f"offset {offset!r}")
    if "outlet_any" in m:
        c("metadata", norm(doc.get("outlet")) in [norm(x) for x in m["outlet_any"]], f"outlet {doc.get('outlet')!r}")
    if "text_starts_with" in m:
        c("metadata", norm(text).startswith(norm(m["text_starts_with"])), "text start")
    if "text_ends_with" in m:
        c("metadata", norm(text).endswith(norm(m["text_ends_with"])), "text end")
    for s in m.get("text_must_not_contain", []):
        c("metadata", text and norm(s) not in norm(text), f"text contains {s!r}")


def score_events(c: Checks, exp: dict, events: list[dict]) -> tuple[int, int, int]:
    """Returns (matched, spurious, optional hits)."""
    used: set[int] = set()
    by_id: dict[str, int] = {}
    matched = 0
    for e in exp.get("events", []):
        types = e.get("type_any") or [e.get("type")]
        cands = [i for i, ev in enumerate(events) if ev.get("type") in types and in_sentence(e["evidence"], ev)]
        free = [i for i in cands if i not in used] or cands
        if free:
            used.add(free[0])
            by_id[e["id"]] = free[0]
            matched += 1
            c("events", True, e["id"])
            check_event(c, e, events[free[0]])
        elif e.get("may_merge_with") in by_id:
            matched += 1
            c("events", True, f"{e['id']} merged")
            check_event(c, {k: v for k, v in e.items() if k in ("id", "quantities")}, events[by_id[e["may_merge_with"]]])
        else:
            c("events", False, f"{e['id']} not found: {e['evidence']!r}")
            c.blind = True
            check_event(c, e, {})
            c.blind = False
    optional = 0
    for o in exp.get("optional_events", []):
        for i, ev in enumerate(events):
            if i in used or not in_sentence(o["evidence"], ev):
                continue
            used.add(i)
            optional += 1
            if "modality" in o:
                c("events", ev.get("modality") == o["modality"], f"optional modality {ev.get('modality')}")
            if "modality_any" in o:
                c("events", ev.get("modality") in o["modality_any"], f"optional modality {ev.get('modality')}")
    return matched, len(events) - len(used), optional


def score_statistics(c: Checks, wanted: list[dict], stats: list[dict]) -> None:
    for s in wanted:
        cands = [g for g in stats if any(x in norm(g.get("measure")) for x in s.get("measure_contains_any", [""]))]
        found = c("statistics", cands, f"statistic {s.get('measure_contains_any')}")
        c.blind = not found
        g = cands[0] if found else {}
        series = {str(p.get("period")): p for p in g.get("series") or []}
        for p in s["series"]:
            q = series.get(p["period"])
            c("statistics", q is not None and q.get("value") == p["value"], f"period {p['period']}")
            if "partial" in p:
                c("statistics", q is not None and bool(q.get("partial")) == p["partial"], f"period {p['period']} partial")
        source = (g.get("attribution") or {}).get("source") or {}
        if "attribution_text_any" in s:
            c("statistics", any(overlaps(x, y) for x in s["attribution_text_any"] for y in names_of(source)), "statistic attribution")
        if "attribution_country" in s:
            c("statistics", source.get("country") == s["attribution_country"], "statistic attribution country")
        c.blind = False


def score_resolution(c: Checks, exp: dict, doc: dict) -> None:
    ents = doc.get("entities") or []
    for p in exp.get("places", []):
        cands = [e for e in ents if norm(e.get("text")).endswith(norm(p["text"])) and e.get("place")]
        ok = c("places", cands, f"place {p['text']} not resolved")
        c.blind = not ok
        place = cands[0]["place"] if ok else {}
        for key in ("country", "feature"):
            if key in p:
                c("places", place.get(key) == p[key], f"place {p['text']} {key} {place.get(key)}")
        c.blind = False
    for a in exp.get("actors", []):
        cands = [e for e in ents if overlaps(a["text"], e.get("text")) and e.get("actor")]
        ok = c("actors", cands, f"actor {a['text']} not resolved")
        c.blind = not ok
        actor = cands[0]["actor"] if ok else {}
        if "country" in a:
            c("actors", actor.get("country") == a["country"], f"actor {a['text']} country {actor.get('country')}")
        kinds = a.get("kind_any") or ([a["kind"]] if "kind" in a else None)
        if kinds:
            c("actors", actor.get("kind") in kinds, f"actor {a['text']} kind {actor.get('kind')}")
        c.blind = False
    times = doc.get("times") or []
    for x in exp.get("time_expressions", []):
        cands = [g for g in times if overlaps(x["text"], g.get("text"))]
        c("times", any(g.get("value") == x["value"] for g in cands), f"time {x['text']!r} = {x['value']}")


def score(exp: dict, doc: dict) -> dict:
    """Score one reading (a dict of the JSON output contract) against one expectation."""
    c = Checks()
    score_metadata(c, exp.get("metadata", {}), doc)
    matched, spurious, optional = score_events(c, exp, doc.get("events") or [])
    score_statistics(c, exp.get("statistics", []), doc.get("statistics") or [])
    score_resolution(c, exp, doc)
    passed = sum(p for p, _ in c.sections.values())
    total = sum(n for _, n in c.sections.values())
    n_exp = len(exp.get("events", []))
    return {
        "checks_passed": passed,
        "checks_total": total,
        "score": round(passed / total, 3) if total else None,
        "sections": {k: f"{p}/{n}" for k, (p, n) in c.sections.items()},
        "event_recall": round(matched / n_exp, 3) if n_exp else None,
        "event_precision": round(matched / (matched + spurious), 3) if matched + spurious else None,
        "spurious_events": spurious,
        "optional_events_reported": optional,
        "matched": matched,
        "expected_events": n_exp,
        "failed": c.failed,
    }


def read_for(expected_file: Path, exp: dict) -> dict:
    """dateline's reading of the document an expectation file names."""
    from ..pipeline import read

    base = expected_file.resolve().parent.parent
    path = base / exp["document"]
    if not path.is_file():
        raise EvaluationError(f"document {path} named by {expected_file} is missing",
                              fix="keep the expectation file beside its examples/ and seed/ folders")
    return read(path).to_dict()


def run(data: Path, limit: Optional[int] = None, **_) -> dict:
    files = sorted(data.glob("*.expected.json")) if data.is_dir() else [data]
    files = files[:limit] if limit else files
    if not files:
        raise EvaluationError(f"no *.expected.json in {data}", fix="pass an expectation file or its folder")
    details, passed, total, matched, spurious, expected = {}, 0, 0, 0, 0, 0
    for f in files:
        exp = json.loads(f.read_text(encoding="utf-8"))
        result = score(exp, read_for(f, exp))
        details[f.name] = result
        passed += result["checks_passed"]
        total += result["checks_total"]
        matched += result["matched"]
        spurious += result["spurious_events"]
        expected += result["expected_events"]
    return {
        "accuracy": round(passed / total, 3) if total else None,
        "recall": round(matched / expected, 3) if expected else None,
        "precision": round(matched / (matched + spurious), 3) if matched + spurious else None,
        "n": total,
        "details": details,
    }
