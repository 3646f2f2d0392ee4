"""The `analysis` stage: counts over time and change detection, over story-events (default) or mentions.

Counting rules, so a figure can be checked by hand:
- a story-event is counted once, in the period holding the start of its best-resolved date; a mention
  (`mentions=True`) in the period holding the start of its own date;
- an item without a date is counted at its first report (publication date), unless it is historical, in
  which case it is left out (counted under `excluded.undated`);
- an item whose date is coarser than the period (a year-precise date in a monthly count) is left out of
  that count (`excluded.coarse`), instead of being piled onto the first day of its range.

Change detection: the count of the latest period is compared with the mean of the `window` periods before
it under a Poisson model; the p-value is P(X >= latest | Poisson(baseline mean)), one-sided. A baseline of
zero is floored at half an event over the window, so a first event is notable but not infinitely so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from .link import PRECISION_RANK, _day

PERIODS = ("day", "week", "month", "year")
PERIOD_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}
DIMENSIONS = ("all", "type", "mode", "actor_country", "target_country", "place_country", "certainty", "actor")
FILTERS = ("type", "mode", "actor_country", "target_country", "place_country", "certainty", "country", "actor")
WINDOW = 8
ALPHA = 0.05


@dataclass
class Item:
    """One countable thing: a story-event or a mention, with the fields trends group and filter by."""

    id: str
    day: Optional[date]
    precision: str
    fields: dict


def items(store, *, mentions: bool = False) -> tuple[list[Item], int]:
    """Countable items and the number left out for lack of a date."""
    if mentions:
        rows = store.query(
            "SELECT e.id, e.type, e.mode, e.actor_country, e.target_country, e.place_country, e.certainty, "
            "e.historical, e.date_start, e.precision, d.published AS seen, json_extract(e.record, '$.actor.actor_id') AS actor "
            "FROM events e JOIN documents d ON d.id = e.doc_id ORDER BY e.rowid")
    else:
        rows = store.query(
            "SELECT id, type, mode, actor_country, target_country, place_country, certainty, historical, "
            "date_start, precision, first_seen AS seen, actor_id AS actor FROM story_events ORDER BY seq")
    out, undated = [], 0
    for r in rows:
        day, precision = _day(r["date_start"]), r["precision"] or "day"
        if day is None:
            if r["historical"] or not _day(r["seen"]):
                undated += 1
                continue
            day, precision = _day(r["seen"]), "day"
        fields = {k: r[k] for k in ("type", "mode", "actor_country", "target_country", "place_country", "certainty", "actor")}
        out.append(Item(r["id"], day, precision, fields))
    return out, undated


def matches(item: Item, where: dict) -> bool:
    """Whether an item passes every filter (case-insensitive; a list means any of its values)."""
    for key, want in (where or {}).items():
        if want is None:
            continue
        wanted = {str(w).upper() for w in (want if isinstance(want, list) else [want])}
        keys = ("actor_country", "target_country", "place_country") if key == "country" else (key,)
        have = {str(item.fields.get(k)).upper() for k in keys if item.fields.get(k) is not None}
        if not (have & wanted):
            return False
    return True


# -- periods ----------------------------------------------------------------------------------------------
def period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_period(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.replace(year=start.year + 1)


def label(start: date, period: str) -> str:
    if period == "week":
        y, w, _ = start.isocalendar()
        return f"{y}-W{w:02d}"
    return {"day": start.isoformat(), "month": start.isoformat()[:7], "year": str(start.year)}[period]


def span(first: date, last: date, period: str) -> list[date]:
    out, cur = [], period_start(first, period)
    while cur <= last:
        out.append(cur)
        cur = next_period(cur, period)
    return out


# -- the test ---------------------------------------------------------------------------------------------
def poisson_sf(x: int, lam: float) -> float:
    """P(X >= x) for X ~ Poisson(lam), summed over the upper tail (exact to double precision)."""
    if x <= 0:
        return 1.0
    total, k = 0.0, x
    term = math.exp(-lam + x * math.log(lam) - math.lgamma(x + 1))
    while term > 0 and (term > total * 1e-17 or k < lam):
        total += term
        k += 1
        term *= lam / k
    return min(1.0, total)


def change(counts: list[int], window: int = WINDOW, alpha: float = ALPHA) -> Optional[dict]:
    """The latest count against the mean of up to `window` counts before it; None without a baseline."""
    if len(counts) < 3:
        return None
    latest, base = counts[-1], counts[-1 - window:-1] if len(counts) > window else counts[:-1]
    mean = sum(base) / len(base)
    lam = max(mean, 0.5 / len(base))
    p = poisson_sf(latest, lam)
    return {"latest": latest, "baseline_mean": round(mean, 3), "baseline_periods": len(base),
            "ratio": round(latest / lam, 3), "p_value": p, "rising": latest > mean and p < alpha,
            "test": f"Poisson upper tail: P(X >= {latest} | mean of the previous {len(base)} periods)"}


# -- trends -----------------------------------------------------------------------------------------------
def trends(store, *, period: str = "month", by: str = "type", mentions: bool = False, where: Optional[dict] = None,
           since: Optional[str] = None, until: Optional[str] = None, window: int = WINDOW, alpha: float = ALPHA,
           top: Optional[int] = None) -> dict:
    """Counts per period and per value of `by`, with a change test on each series."""
    if period not in PERIODS:
        from .errors import InputError

        raise InputError(f"unknown period {period!r}", fix=f"use one of {', '.join(PERIODS)}")
    if by not in DIMENSIONS:
        from .errors import InputError

        raise InputError(f"cannot count by {by!r}", fix=f"use one of {', '.join(DIMENSIONS)}")
    found, undated = items(store, mentions=mentions)
    lo, hi = _day(since), _day(until)
    chosen, coarse = [], 0
    for it in found:
        if not matches(it, where or {}) or (lo and it.day < lo) or (hi and it.day > hi):
            continue
        if PRECISION_RANK.get(it.precision, 9) > PERIOD_RANK[period]:
            coarse += 1
            continue
        chosen.append(it)
    return _table(chosen, period, by, lo, hi, window, alpha, top,
                  {"unit": "mentions" if mentions else "story-events", "excluded": {"undated": undated, "coarse": coarse}})


def _table(chosen: list[Item], period, by, lo, hi, window, alpha, top, meta) -> dict:
    if not chosen and not (lo and hi):
        return {"period": period, "by": by, **meta, "periods": [], "series": []}
    starts = span(lo or min(i.day for i in chosen), hi or max(i.day for i in chosen), period)
    index = {s: n for n, s in enumerate(starts)}
    series: dict[str, list[int]] = {}
    ids: dict[str, list[list[str]]] = {}
    for it in chosen:
        key = "all" if by == "all" else (it.fields.get(by) or "unknown")
        n = index[period_start(it.day, period)]
        series.setdefault(key, [0] * len(starts))[n] += 1
        ids.setdefault(key, [[] for _ in starts])[n].append(it.id)
    keys = sorted(series, key=lambda k: (-sum(series[k]), k))[:top]
    return {"period": period, "by": by, **meta, "periods": [label(s, period) for s in starts],
            "period_starts": [s.isoformat() for s in starts],
            "series": [{"key": k, "counts": series[k], "total": sum(series[k]), "latest_ids": ids[k][-1],
                        "change": change(series[k], window, alpha)} for k in keys]}


def rows(result: dict) -> list[dict]:
    """The trend as long rows (period, key, count) for CSV and tables."""
    return [{"period": p, result["by"]: s["key"], "count": c}
            for s in result["series"] for p, c in zip(result["periods"], s["counts"])]


def changes(result: dict) -> list[dict]:
    return [{result["by"]: s["key"], "total": s["total"], **(s["change"] or {})} for s in result["series"]]


def chart(result: dict, width: int = 40, last: int = 24) -> str:
    """A small text bar chart of the total per period (the last `last` periods)."""
    if not result["series"]:
        return ""
    totals = [sum(col) for col in zip(*(s["counts"] for s in result["series"]))][-last:]
    labels = result["periods"][-last:]
    peak = max(totals) or 1
    pad = max(len(x) for x in labels)
    return "\n".join(f"{lab:>{pad}} {'█' * round(width * t / peak)}{'▏' if t and not round(width * t / peak) else ''} {t}"
                     for lab, t in zip(labels, totals))


def latest_day(store, mentions: bool = False) -> Optional[date]:
    found, _ = items(store, mentions=mentions)
    return max((i.day for i in found), default=None)


def series_for(store, where: dict, period: str, until: date, window: int, mentions: bool) -> tuple[list[str], list[int], list[str]]:
    """(period labels, counts, ids in the latest period) for one filter, ending with the period holding
    `until` and starting `window` periods before it: the shape an alert rule tests."""
    start = period_start(until, period)
    for _ in range(window):
        start = period_start(start - timedelta(days=1), period)
    res = trends(store, period=period, by="all", mentions=mentions, where=where, since=start.isoformat(),
                 until=until.isoformat(), window=window)
    if not res["series"]:
        return res["periods"], [0] * len(res["periods"]), []
    s = res["series"][0]
    return res["periods"], s["counts"], s["latest_ids"]
