"""Alerts: rules a user writes in YAML, evaluated against the store's trends.

A rules file (see `dateline/data/alerts.example.yaml`):

    rules:
      - name: North Korean defections above the 8-week baseline
        where: {type: DEFECT, actor_country: KP}   # any filter of `dateline trends`
        period: week                                # day | week | month | year
        baseline: 8                                 # trailing periods the latest one is compared with
        test: poisson                               # poisson (rise above baseline) | threshold
        alpha: 0.05                                 # poisson: fire when p < alpha
        min_count: 2                                # never fire on fewer items than this
        count: story-events                         # or mentions
      - name: Any weapons test
        where: {type: MOBILIZE, mode: weapons-test}
        period: day
        test: threshold
        threshold: 1                                # threshold: fire when latest count >= threshold

The latest period is the one holding `as_of` (default: the newest dated item in the store, so an archive
is evaluated at its own end, not at today's date). A fired alert carries its evidence: the story-events (or
mentions) of the latest period with their sentences and sources.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional

from . import analysis
from .errors import ConfigError

TESTS = ("poisson", "threshold")


@dataclass
class Rule:
    name: str
    where: dict = field(default_factory=dict)
    period: str = "week"
    baseline: int = analysis.WINDOW
    test: str = "poisson"
    alpha: float = analysis.ALPHA
    min_count: int = 1
    threshold: Optional[int] = None
    count: str = "story-events"

    @property
    def mentions(self) -> bool:
        return self.count == "mentions"


def load_rules(path) -> list[Rule]:
    """Read and check a rules file; errors name the rule and the fix."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"rules file {p} not found", fix="pass --rules with an existing YAML file") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"rules file {p} is not valid YAML: {exc}", fix="correct the YAML") from exc
    raw = (data or {}).get("rules") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"rules file {p} has no `rules:` list", fix="see dateline/data/alerts.example.yaml")
    return [_rule(r, n) for n, r in enumerate(raw, start=1)]


def _rule(raw: dict, n: int) -> Rule:
    known = set(Rule.__dataclass_fields__)
    if not isinstance(raw, dict) or "name" not in raw:
        raise ConfigError(f"rule {n} has no name", fix="give each rule a `name:`")
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"rule {raw['name']!r}: unknown field(s) {', '.join(sorted(unknown))}",
                          fix=f"use only {', '.join(sorted(known))}")
    rule = Rule(**raw)
    problems = []
    if rule.test not in TESTS:
        problems.append(f"test must be one of {', '.join(TESTS)}")
    if rule.period not in analysis.PERIODS:
        problems.append(f"period must be one of {', '.join(analysis.PERIODS)}")
    if rule.test == "threshold" and rule.threshold is None:
        problems.append("a threshold rule needs `threshold:`")
    if rule.count not in ("story-events", "mentions"):
        problems.append("count must be story-events or mentions")
    bad = set(rule.where or {}) - set(analysis.FILTERS)
    if bad:
        problems.append(f"unknown filter(s) {', '.join(sorted(bad))} (use {', '.join(analysis.FILTERS)})")
    if problems:
        raise ConfigError(f"rule {rule.name!r}: " + "; ".join(problems), fix="correct the rules file")
    return rule


def evaluate(store, rules: list[Rule], as_of: Optional[str] = None) -> list[dict]:
    """One result per rule: whether it fired, the figures behind it and, when it fired, the evidence."""
    results = []
    for rule in rules:
        until = analysis._day(as_of) if as_of else analysis.latest_day(store, rule.mentions)
        if until is None:
            results.append({"rule": rule.name, "fired": False, "reason": "the store holds no dated items"})
            continue
        results.append(_evaluate(store, rule, until))
    return results


def _evaluate(store, rule: Rule, until: date) -> dict:
    labels, counts, latest_ids = analysis.series_for(store, rule.where, rule.period, until, rule.baseline, rule.mentions)
    latest = counts[-1] if counts else 0
    base = counts[:-1]
    mean = sum(base) / len(base) if base else 0.0
    out = {"rule": rule.name, "period": labels[-1] if labels else None, "count": latest,
           "baseline_mean": round(mean, 3), "baseline_periods": len(base), "test": rule.test, "p_value": None}
    if rule.test == "threshold":
        fired = latest >= rule.threshold and latest >= rule.min_count
        out["reason"] = f"{latest} in {out['period']} {'>=' if fired else '<'} threshold {rule.threshold}"
    else:
        lam = max(mean, 0.5 / max(len(base), 1))
        p = analysis.poisson_sf(latest, lam)
        fired = latest >= rule.min_count and latest > mean and p < rule.alpha
        out["p_value"] = p
        out["reason"] = (f"{latest} in {out['period']} against a mean of {mean:.2f} over the previous {len(base)} "
                         f"{rule.period}s: Poisson P(X >= {latest}) = {p:.3g} "
                         f"{'<' if p < rule.alpha else '>='} alpha {rule.alpha}")
    out["fired"] = fired
    out["series"] = dict(zip(labels, counts))
    out["evidence"] = evidence(store, latest_ids, rule.mentions) if fired else []
    return out


def evidence(store, ids: list[str], mentions: bool) -> list[dict]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    if mentions:
        rows = store.query(f"SELECT e.id, e.doc_id, e.record, d.outlet, d.published, d.url FROM events e "
                           f"JOIN documents d ON d.id = e.doc_id WHERE e.id IN ({marks}) ORDER BY e.rowid", tuple(ids))
        return [{"event_id": r["id"], "doc_id": r["doc_id"], "outlet": r["outlet"], "published": r["published"],
                 "url": r["url"], "sentence": json.loads(r["record"])["sentence"]["text"]} for r in rows]
    from .link import members

    rows = store.query(f"SELECT id, record FROM story_events WHERE id IN ({marks}) ORDER BY seq", tuple(ids))
    out = []
    for r in rows:
        rec = json.loads(r["record"])
        out.append({"story_id": r["id"], "date": (rec.get("date") or {}).get("start"), "articles": rec["articles"],
                    "outlets": rec["outlet_names"],
                    "sentences": [{"sentence": m.sentence, "outlet": m.outlet, "url": m.url}
                                  for m in members(store, r["id"])]})
    return out
