"""The `link` stage: event mentions from many articles that describe one real-world event become one
story-event, with every mention as evidence.

A mention joins the best-scoring compatible story-event, or founds a new one. Compatible means:
- the same type, modality and polarity (a threat and the act threatened are two events);
- actors and targets agree: the same actor id when both have one, else the same country when both have one
  (for symmetric types such as CONSULT, listed in data/link/types.yaml, either side may match either side);
- dates overlap. A mention with no date is placed in a window of `UNDATED_WINDOW_DAYS` before its article's
  publication date; an undated *historical* mention is never placed on the publication date: it may only
  join a story-event dated before that window. Two day-precise dates `DATE_SLACK_DAYS` apart still join when
  the actor and a place both agree (sources often differ by a day), and the difference is kept as a conflict;
- places agree by GeoNames id or name; a country agrees with a place inside it; a province and a city in one
  country may be the same place (the records carry no hierarchy); two different cities keep mentions apart
  (the same day in two places is two events) unless the same named actor (actor id) is on both, in which
  case the difference is kept as a conflict.
Each join needs some evidence beyond the type (a real date overlap or an argument that matches); mentions
from the same article need strong evidence (`SAME_DOC_MIN_SCORE`), since one article usually names distinct
events, and so do undated historical mentions (`UNDATED_HISTORICAL_MIN_SCORE`: an actor id or a place that
matches), since the whole past is open to them. Ties go to the oldest story-event, so the result depends
only on the order of the mentions.

Linking is incremental (`link_pending` links the events not yet linked, in the order they were stored) and
`relink` rebuilds everything from scratch in that same order, giving the same story-events and ids.
"""
from __future__ import annotations

import json
import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from typing import Iterable, Optional
from urllib.parse import urlparse

from .knowledge import yaml_loader
from .store.sqlite import dumps

UNDATED_WINDOW_DAYS = 3
DATE_SLACK_DAYS = 1
SAME_DOC_MIN_SCORE = 3
UNDATED_HISTORICAL_MIN_SCORE = 3
PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "year": 3, "decade": 4, "century": 5}
COARSE_FEATURES = {"country", "region", "continent"}
CERTAINTY_RANK = {"asserted": 0, "attributed": 1, "hedged": 2}
PLACE_ROLES = ("location", "origin", "destination")


@lru_cache(maxsize=4096)
def _day(s: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(s[:10]) if s else None
    except ValueError:
        return None


@lru_cache(maxsize=4096)  # a document's mentions share its publication time
def _instant(s: Optional[str]) -> Optional[datetime]:
    """A publication time as an aware UTC datetime (naive times are taken as UTC), for ordering."""
    if not s:
        return None
    try:
        t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


@lru_cache(maxsize=4096)  # the same names come back in mention after mention
def _norm(text: Optional[str]) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


# -- mentions -------------------------------------------------------------------------------------------
@dataclass
class Mention:
    """One stored event, with what linking needs from it and from its document."""

    event_id: str
    doc_id: str
    type: str
    mode: Optional[str]
    modality: str
    polarity: str
    certainty: str
    historical: bool
    actor: Optional[dict]
    target: Optional[dict]
    places: dict
    date: Optional[dict]
    quantities: list
    sentence: str
    trigger: str
    published: Optional[str]
    outlet: Optional[str]
    url: Optional[str]
    cameo: Optional[str] = None

    @classmethod
    def from_row(cls, row) -> "Mention":
        """From a row of `_EVENT_SQL` (a dict, or a row read by column name)."""
        rec = json.loads(row["record"])
        outlet = row["outlet"] or (urlparse(row["url"]).netloc if row["url"] else None)
        return cls(event_id=rec["id"], doc_id=row["doc_id"], type=rec["type"], mode=rec.get("mode"),
                   modality=rec.get("modality") or "actual", polarity=rec.get("polarity") or "affirmed",
                   certainty=rec.get("certainty") or "asserted", historical=bool(rec.get("historical")),
                   actor=rec.get("actor"), target=rec.get("target"),
                   places={r: rec.get(r) for r in PLACE_ROLES if rec.get(r)}, date=rec.get("date"),
                   quantities=[q for q in rec.get("quantities") or [] if q.get("value") is not None],
                   sentence=(rec.get("sentence") or {}).get("text", ""),
                   trigger=(rec.get("trigger") or {}).get("text", ""), published=row["published"],
                   outlet=outlet, url=row["url"], cameo=rec.get("cameo"))

    def __post_init__(self):
        # kept: a mention is scored against many stories, and never changes
        start = _day(self.date.get("start")) if self.date else None
        pub = _day(self.published)
        self.dated = bool(start)
        self.before = pub - timedelta(days=UNDATED_WINDOW_DAYS) if pub else None  # for an undated historical one
        if start:  # the dates this mention may refer to: its own date, or a window before publication
            self.range = start, _day(self.date.get("end")) or start
        else:
            self.range = None if self.historical or pub is None else (self.before, pub)
        sides = (self.actor, self.target)  # for a symmetric type either way round
        self.readings = (sides, sides[::-1]) if self.type in symmetric_types() else (sides,)

    @property
    def evidence(self) -> dict:
        return {"doc_id": self.doc_id, "event_id": self.event_id, "sentence": self.sentence, "trigger": self.trigger,
                "outlet": self.outlet, "published": self.published, "url": self.url, "certainty": self.certainty}


# -- compatibility --------------------------------------------------------------------------------------
NO = None  # incompatible


def _party(a: Optional[dict], b: Optional[dict]):
    """Score two participants: NO when they clash, else evidence points (0 when unknown)."""
    if not a or not b:
        return 0
    if a.get("actor_id") and b.get("actor_id"):
        if a["actor_id"] == b["actor_id"]:
            return 3
        if a.get("country") and a.get("country") == b.get("country"):
            return 0
        return NO
    if a.get("country") and b.get("country"):
        return 1 if a["country"] == b["country"] else NO
    return 0


def _same_place(p: dict, q: dict) -> bool:
    if p.get("place_id") and q.get("place_id"):
        return str(p["place_id"]) == str(q["place_id"])
    return bool(_norm(p.get("name") or p.get("text"))) and _norm(p.get("name") or p.get("text")) == _norm(q.get("name") or q.get("text"))


def _place(p: Optional[dict], q: Optional[dict]):
    """(points, clash): points NO when the places cannot be the same; clash True for two distinct fine places
    in the same country (allowed only with a strong actor match). Without a gazetteer hierarchy on the
    records, a province and a city in one country may be the same place (0 points), two provinces not."""
    if not p or not q:
        return 0, False
    if _same_place(p, q):
        return 2, False
    cp, cq = p.get("country"), q.get("country")
    if not cp or not cq or cp != cq:
        return NO, False
    levels = {p.get("feature"), q.get("feature")}
    if "country" in levels:
        return 1, False
    if "admin" in levels and len(levels) == 2:
        return 0, False
    return NO, not levels & {"admin", "region", "continent"}


def _gap(a: tuple[date, date], b: tuple[date, date]) -> int:
    """Days between two ranges (0 when they overlap)."""
    if a[1] < b[0]:
        return (b[0] - a[1]).days
    if b[1] < a[0]:
        return (a[0] - b[1]).days
    return 0


# -- story-events ---------------------------------------------------------------------------------------
class Story:
    """A story-event as linking keeps it: what matching reads (best actor, target and places, date range,
    documents) and the aggregates its record is summarised from (counts of parties, dates and modes, sets of
    outlets, running bests, the values sources disagree on), each brought up to date as a member joins. A
    join so costs the same however many members the story has, and the members are not kept.

    `sources` holds, per conflict field, the reports behind each of its values. A story built here knows them
    all (`complete`); one read from its profile loads those of the fields already in conflict from its record
    when a member joins (`Linker._thaw`), and a field's first disagreement needs the members read."""

    __slots__ = ("id", "seq", "key", "mode", "docs", "dated", "before", "parties", "places", "match", "complete",
                 "aggregated", "frozen", "n", "cameo", "outlets", "historical", "certainty", "seen", "modes",
                 "party_counts", "party_kinds", "date_counts", "date_kinds", "best_date", "spans", "date_values",
                 "date_clash", "place_values", "numbers", "sources")  # thousands are cached

    def __init__(self, id: str, seq: int):
        self.id, self.seq = id, seq
        # what matching reads (the profile's plain fields)
        self.key: Optional[tuple] = None
        self.mode: Optional[str] = None  # the first member's; the record gives the commonest
        self.docs: set = set()
        self.dated = False
        self.before: Optional[date] = None
        self.parties: dict = {"actor": None, "target": None}
        self.places: dict = dict.fromkeys(PLACE_ROLES)
        self.match: Optional[tuple[date, date]] = None
        self.complete = True  # every conflict field's sources known
        self.aggregated = True  # False: a profile written before aggregates (matching only)
        self.frozen: Optional[str] = None  # the aggregates as stored, until a join needs them
        self._start()

    def _start(self) -> None:
        self.n = 0  # members
        self.cameo: Optional[str] = None
        self.outlets: set = set()
        self.historical = False
        self.certainty: Optional[str] = None
        self.seen: Optional[list] = None  # [(instant, published) of the first report, of the last]
        self.modes: dict = {}
        self.party_counts: dict = {"actor": {}, "target": {}}  # party key -> members
        self.party_kinds: dict = {"actor": [], "target": []}  # [tier, key, first party], in order of appearance
        self.date_counts: dict = {}  # (start, end) -> members
        self.date_kinds: list = []  # [precision rank, start, end, first date], in order of appearance
        self.best_date: Optional[dict] = None
        self.spans: list = [None, None]  # dated, undated members' ranges: [latest start, earliest end, first]
        self.date_values: list = []  # (start, end) of the dated members, in order of appearance
        self.date_clash = False  # two of them do not overlap
        self.place_values: dict = {r: [] for r in PLACE_ROLES}  # [key, name] of the fine places
        self.numbers: list = []  # [role, unit, [values]] of the quantities
        self.sources: dict = {}  # conflict field -> per value, its sources

    @classmethod
    def from_profile(cls, id: str, seq: int, profile: str) -> "Story":
        """A stored story-event from its profile (see `pack`), without its members: a story-event of thousands
        of mentions is matched, and joined, without reading them. Its aggregates (the profile's second line)
        are unpacked only if a mention joins (`thaw`): most stories read are only matched."""
        head, _, agg = profile.partition("\n")
        p = json.loads(head)
        story = cls.__new__(cls)
        story.id, story.seq, story.complete = id, seq, False
        story.key, story.mode, story.dated, story.docs = tuple(p["key"]), p["mode"], p["dated"], set(p["docs"])
        story.match = (_day(p["match"][0]), _day(p["match"][1])) if p["match"] else None
        story.before = _day(p["before"])
        story.parties, story.places = p["parties"], p["places"]
        story.frozen = agg or None
        story.aggregated = bool(agg)
        return story

    def thaw(self) -> None:
        """Unpack the aggregates of a story read from its profile."""
        if self.frozen is None:
            return
        a, self.frozen = json.loads(self.frozen), None
        self._start()
        self.n, self.cameo, self.outlets, self.historical = a["n"], a["cameo"], set(a["outlets"]), a["historical"]
        self.certainty, self.modes = a["certainty"], dict(a["modes"])
        self.seen = [(_instant(s), s) for s in a["seen"]] if a["seen"] else None
        for role in ("actor", "target"):
            self.party_counts[role] = {k: n for k, n in a["party_counts"][role]}
            self.party_kinds[role] = a["party_kinds"][role]
        self.date_counts = {(s, e): n for s, e, n in a["date_counts"]}
        self.date_kinds = a["date_kinds"]
        self.best_date = _best(self.date_kinds, self.date_counts, _date_count)
        self.spans = [[_day(s[0]), _day(s[1]), (_day(s[2]), _day(s[3]))] if s else None for s in a["spans"]]
        self.date_values = [tuple(v) for v in a["date_values"]]
        self.date_clash, self.place_values, self.numbers = a["date_clash"], a["place_values"], a["numbers"]

    def pack(self) -> str:
        """The `profile` column: what matching reads of this story; past WHOLE_MEMBERS members, then the
        aggregates a join updates (a smaller story has its members read when one more joins it uncached)."""
        match, before = self.match, self.before
        head = dumps({"key": list(self.key), "mode": self.mode, "dated": self.dated, "docs": sorted(self.docs),
                         "parties": self.parties, "places": self.places,
                         "match": [match[0].isoformat(), match[1].isoformat()] if match else None,
                         "before": before.isoformat() if before else None})
        if self.n <= WHOLE_MEMBERS:
            return head
        spans = [[s[0].isoformat(), s[1].isoformat(), s[2][0].isoformat(), s[2][1].isoformat()] if s else None
                 for s in self.spans]
        agg = {"n": self.n, "cameo": self.cameo, "outlets": sorted(self.outlets), "historical": self.historical,
               "certainty": self.certainty, "modes": list(self.modes.items()),
               "seen": [s[1] for s in self.seen] if self.seen else None,
               "party_counts": {r: list(c.items()) for r, c in self.party_counts.items()},
               "party_kinds": self.party_kinds,
               "date_counts": [[s, e, n] for (s, e), n in self.date_counts.items()], "date_kinds": self.date_kinds,
               "spans": spans, "date_values": self.date_values, "date_clash": self.date_clash,
               "place_values": self.place_values, "numbers": self.numbers}
        # two JSON texts on two lines (compact JSON has no line break): matching parses only the first
        return head + "\n" + dumps(agg)

    def join(self, m: "Mention") -> None:
        if not self.n:
            self.key, self.mode, self.cameo, self.certainty = (m.type, m.modality, m.polarity), m.mode, m.cameo, m.certainty
        elif CERTAINTY_RANK.get(m.certainty, 9) < CERTAINTY_RANK.get(self.certainty, 9):
            self.certainty = m.certainty
        self.n += 1
        self.docs.add(m.doc_id)
        if m.outlet:
            self.outlets.add(m.outlet)
        self.historical = self.historical or m.historical
        if m.mode:
            self.modes[m.mode] = self.modes.get(m.mode, 0) + 1
        t = _instant(m.published)
        if t:
            seen = (t, m.published)
            self.seen = [min(self.seen[0], seen), max(self.seen[1], seen)] if self.seen else [seen, seen]
        if m.before and (self.before is None or m.before < self.before):
            self.before = m.before
        if m.actor:
            self._count_party("actor", m.actor)
        if m.target:
            self._count_party("target", m.target)
        for role, p in m.places.items():  # only the roles it has
            if self.places[role] is None or _place_rank(p) < _place_rank(self.places[role]):
                self.places[role] = p
        if m.dated:
            self.dated = True
            d = m.date
            value = (d["start"], d.get("end"))
            self.date_counts[value] = self.date_counts.get(value, 0) + 1
            kind = PRECISION_RANK.get(d.get("precision"), 9)
            if not any(k[0] == kind and (k[1], k[2]) == value for k in self.date_kinds):
                self.date_kinds.append([kind, value[0], value[1], d])
            self.best_date = _best(self.date_kinds, self.date_counts, _date_count)
        if r := m.range:
            span = self.spans[0 if m.dated else 1]
            if span is None:
                self.spans[0 if m.dated else 1] = [r[0], r[1], r]
            else:
                span[0], span[1] = max(span[0], r[0]), min(span[1], r[1])
        self.match = self._match()
        self._note_conflicts(m)

    def _count_party(self, role: str, p: dict) -> None:
        key = p.get("actor_id") or p.get("country") or _norm(p.get("text"))
        counts, kinds = self.party_counts[role], self.party_kinds[role]
        counts[key] = counts.get(key, 0) + 1
        tier = 0 if p.get("actor_id") else 1 if p.get("country") else 2
        if not any(k[0] == tier and k[1] == key for k in kinds):
            kinds.append([tier, key, p])
        self.parties[role] = _best(kinds, counts, _party_count)

    def _match(self) -> Optional[tuple[date, date]]:
        """Where the dated members' ranges (else the undated ones' windows) overlap; when they do not, the
        best date's range."""
        span = self.spans[0] or self.spans[1]
        if span is None:
            return None
        if span[0] <= span[1]:
            return span[0], span[1]
        best = self.best_date
        return (_day(best["start"]), _day(best["end"])) if best else span[2]

    # -- conflicts: where sources disagree (dates that do not overlap, distinct fine places, numbers)
    def _note_conflicts(self, m: "Mention") -> None:
        source = None
        if m.dated:
            value = (m.date["start"], m.date.get("end"))
            source = _source(m)
            if value not in self.date_values:
                self.date_clash = self.date_clash or any(_gap(_value_range(value), _value_range(v)) > 0
                                                         for v in self.date_values)
                self._add_value("date", self.date_values, value)
            self._add_source("date", self.date_values.index(value), source)
        for role, p in m.places.items():
            if p.get("feature") not in FINE_EXCLUDED:
                key = p.get("place_id") or _norm(p.get("name") or p.get("text"))
                values = self.place_values[role]
                at = next((i for i, v in enumerate(values) if v[0] == key), None)
                if at is None:
                    at = self._add_value(role, values, [key, p.get("name") or p.get("text")])
                self._add_source(role, at, source := source or _source(m))
        for q in m.quantities:
            role, unit = q.get("role"), q.get("unit")
            at = next((i for i, v in enumerate(self.numbers) if v[0] == role and v[1] == unit), None)
            if at is None:
                at = len(self.numbers)
                self.numbers.append([role, unit, []])
            values = self.numbers[at][2]
            if q["value"] not in values:
                self._add_value(f"q{at}", values, q["value"])
            self._add_source(f"q{at}", values.index(q["value"]), source := source or _source(m))

    def _add_value(self, name: str, values: list, value) -> int:
        if not values and name not in self.sources:  # the field's first value: its sources are all here
            self.sources[name] = []
        values.append(value)
        if name in self.sources:
            self.sources[name].append([])
        return len(values) - 1

    def _add_source(self, name: str, at: int, source: dict) -> None:
        if name in self.sources:
            self.sources[name][at].append(source)

    def disputed(self) -> list[tuple[str, str, list]]:
        """(field name, record field, values) of each field in conflict, in the record's order."""
        out = [("date", "date", [f"{s}..{e}" if e and e != s else s for s, e in self.date_values])] if self.date_clash else []
        out += [(r, r, [v[1] for v in self.place_values[r]]) for r in PLACE_ROLES if len(self.place_values[r]) > 1]
        return out + [(f"q{i}", f"quantity:{role or 'other'}:{unit or '-'}", values)
                      for i, (role, unit, values) in enumerate(self.numbers) if len(values) > 1]

    def conflicts(self) -> list[dict]:
        return [{"field": label, "values": [{"value": v, "sources": s} for v, s in zip(values, self.sources[name])]}
                for name, label, values in self.disputed()]

    def unknown(self) -> list[str]:
        """The fields in conflict whose sources are not loaded."""
        return [name for name, _, _ in self.disputed() if name not in self.sources]

    def opens_conflict(self, m: "Mention") -> bool:
        """Whether `m` would put in conflict a field whose earlier sources are not known (they are kept only
        for fields in conflict): its members must then be read."""
        if self.complete:
            return False
        if m.dated and "date" not in self.sources and not self.date_clash:
            value = (m.date["start"], m.date.get("end"))
            if any(_gap(_value_range(value), _value_range(v)) > 0 for v in self.date_values if v != value):
                return True
        for role in PLACE_ROLES:
            p, values = m.places.get(role), self.place_values[role]
            if p and p.get("feature") not in FINE_EXCLUDED and role not in self.sources and len(values) == 1:
                if values[0][0] != (p.get("place_id") or _norm(p.get("name") or p.get("text"))):
                    return True
        for q in m.quantities:
            at = next((i for i, v in enumerate(self.numbers) if v[0] == q.get("role") and v[1] == q.get("unit")), None)
            values = self.numbers[at][2] if at is not None else ()
            if len(values) == 1 and f"q{at}" not in self.sources and q["value"] not in values:
                return True
        return False

    def forget_sources(self) -> None:
        """Drop the sources (they grow with the story); those of fields in conflict are in the record."""
        self.sources, self.complete = {}, False


FINE_EXCLUDED = COARSE_FEATURES | {"admin"}


def _source(m: "Mention") -> dict:
    return {"doc_id": m.doc_id, "event_id": m.event_id, "outlet": m.outlet, "published": m.published}


def _value_range(value: tuple) -> tuple[date, date]:
    return _day(value[0]), _day(value[1] or value[0])


def _party_count(kind: list, counts: dict) -> tuple:
    return kind[0], -counts[kind[1]]


def _date_count(kind: list, counts: dict) -> tuple:
    return kind[0], -counts[(kind[1], kind[2])]


def _best(kinds: list, counts: dict, rank) -> Optional[dict]:
    """The first-seen value of the best kind (lowest tier or precision, then most members, then first seen)."""
    if len(kinds) < 2:
        return kinds[0][-1] if kinds else None
    return min(kinds, key=lambda k: rank(k, counts))[-1]


def score(m: Mention, story: Story) -> Optional[tuple[int, bool]]:
    """(evidence points, conflict) for `m` joining `story`, or None when they cannot be one event."""
    sides = _sides(m, story)
    if sides is None:
        return None
    total, clash_allowed, conflict = sides[0] + sides[1], 3 in sides, False
    for role in PLACE_ROLES:
        ours, best = m.places.get(role), story.places[role]
        if not ours or not best:
            continue
        pts, clash = _place(ours, best)
        if pts is NO:
            if not (clash and clash_allowed and m.dated and _same_day(m, story)):
                return None
            pts, conflict = 0, True
        total += pts
    if m.mode and story.mode:
        total += 1 if m.mode == story.mode else -1
    dated = _date_points(m, story, anchored=total > 0)
    if dated is None:
        return None
    pts, date_conflict = dated
    return total + pts, conflict or date_conflict


def _sides(m: Mention, story: Story) -> Optional[tuple[int, int]]:
    """Points for (actor, target); for a symmetric type the mention's sides may also be read swapped."""
    theirs, best = story.parties, None
    for actor, target in m.readings:
        a, t = _party(actor, theirs["actor"]), _party(target, theirs["target"])
        if a is not NO and t is not NO and (best is None or a + t > best[0] + best[1]):
            best = a, t
    return best


@lru_cache(maxsize=1)
def symmetric_types() -> frozenset:
    """Types whose sides have no direction (data/link/types.yaml, extended under the `data_dir` setting)."""
    import yaml
    from importlib import resources
    from pathlib import Path

    from . import settings

    texts = [(resources.files("dateline") / "data" / "link" / "types.yaml").read_text(encoding="utf-8")]
    extra = Path(settings.get("data_dir") or "") / "link" / "types.yaml"
    if settings.get("data_dir") and extra.is_file():
        texts.append(extra.read_text(encoding="utf-8"))
    loaded = (yaml.load(text, Loader=yaml_loader()) or {} for text in texts)
    return frozenset(t.upper() for data in loaded for t in data.get("symmetric") or [])


def _same_day(m: Mention, story: Story) -> bool:
    r = story.match
    return bool(r and m.range and r[0] == r[1] == m.range[0] == m.range[1])


def _date_points(m: Mention, story: Story, anchored: bool):
    mine, theirs = m.range, story.match
    if mine is None and theirs is None:
        return (0, False) if m.historical or not m.published else None
    if mine is None:  # undated historical mention: only an event before its publication window
        return (0, False) if m.before is None or theirs[1] < m.before else None
    if theirs is None:  # undated historical story
        before = story.before
        return (0, False) if m.historical and (before is None or mine[1] < before) else None
    gap = _gap(mine, theirs)
    story_dated = story.dated
    if gap == 0:
        if m.dated and story_dated:  # the same day is strong evidence, the same year much less
            return (2 if mine == theirs and mine[0] == mine[1] else 1), False
        return 0, False
    precise = mine[0] == mine[1] and theirs[0] == theirs[1] and m.dated and story_dated
    if precise and gap <= DATE_SLACK_DAYS and anchored and _strong(m, story):
        return 0, True
    return None


def _strong(m: Mention, story: Story) -> bool:
    """The actor and a place agree exactly: enough to join two dates a day apart."""
    actor_ok = _party(m.actor, story.parties["actor"]) in (1, 3)
    place_ok = any(m.places.get(r) and story.places[r] and _same_place(m.places[r], story.places[r])
                   for r in PLACE_ROLES)
    return actor_ok and place_ok


# The longest range, in days, of each span class (see migration 0005): a story-event of class c overlapping
# [lo, hi] starts between lo minus that many days and hi. The last class is unbounded.
SPAN_CLASSES = (1, 8, 32, 370, 3700, None)


def span_class(match: Optional[tuple[date, date]]) -> Optional[int]:
    if match is None:
        return None
    days = (match[1] - match[0]).days
    return next(i for i, most in enumerate(SPAN_CLASSES) if most is None or days <= most)


def _candidate_query(m: Mention, lo: date, hi: date) -> tuple[str, tuple]:
    """The story-events `m` might join: same type, modality and polarity, sides that do not clash, and an
    undated or overlapping match range. One short index search per span class (see migration 0005)."""
    sides, side_params = _sides_clause(m)
    key_params = (m.type, m.modality, m.polarity) + side_params
    # a mention with a range that is not historical never joins an undated story (see `_date_points`)
    undated = m.range is None or m.historical
    params, lo_s, hi_s = list(key_params) if undated else [], lo.isoformat(), hi.isoformat()
    for cls, earliest in enumerate(_earliest_starts(lo)):
        params += key_params
        params += (cls, earliest, hi_s, lo_s) if earliest is not None else (cls, hi_s, lo_s)
    return _candidate_sql(sides, undated), tuple(params)


@lru_cache(maxsize=1024)  # a document's mentions share their windows
def _earliest_starts(lo: date) -> tuple:
    """Per span class, the earliest start of a story-event of that class overlapping a range from `lo`."""
    return tuple(None if most is None else _days_before(lo, most).isoformat() for most in SPAN_CLASSES)


@lru_cache(maxsize=64)
def _candidate_sql(sides: str, undated: bool) -> str:
    """The text of `_candidate_query` for one shape of the sides clause (there are a handful)."""
    key = "SELECT id, seq, mentions FROM story_events WHERE type = ? AND modality = ? AND polarity = ? " + sides
    parts = [key + "AND span_class IS NULL AND match_start IS NULL"] if undated else []
    for most in SPAN_CLASSES:
        earliest = "" if most is None else "AND match_start >= ? "
        parts.append(key + f"AND span_class = ? {earliest}AND match_start <= ? AND match_end >= ?")
    return " UNION ALL ".join(parts)  # ordered by seq with the stories changed in the transaction


def _days_before(day: date, days: int) -> date:
    return day - timedelta(days=days) if day > date.min + timedelta(days=days) else date.min


def _party_clause(aid: bool, country: bool, id_col: str, country_col: str) -> str:
    """SQL keeping the stories whose best party in these columns `_party` does not call a clash with a party
    that has (or has not) an actor id and a country (its parameters: `_party_params`), so that stories which
    could never match are neither read nor scored."""
    no_country = f"({country_col} IS NULL OR {country_col} = '' OR {country_col} = ?)"
    if aid:
        other = no_country if country else "1 = 1"
        return f"(CASE WHEN {id_col} IS NOT NULL AND {id_col} != '' THEN ({id_col} = ? OR {country_col} = ?) ELSE {other} END)"
    return no_country if country else "1 = 1"


def _party_params(party: Optional[dict]) -> tuple:
    aid, country = (party.get("actor_id"), party.get("country")) if party else (None, None)
    if aid:
        return (aid, country) + ((country,) if country else ())
    return (country,) if country else ()


def _sides_clause(m: Mention) -> tuple[str, tuple]:
    """`_sides` as SQL: the actor and target must not clash, either way round for a symmetric type."""
    actor, target = m.actor or {}, m.target or {}
    shape = (bool(actor.get("actor_id")), bool(actor.get("country")), bool(target.get("actor_id")),
             bool(target.get("country")), len(m.readings) > 1)
    params = _party_params(actor) + _party_params(target)
    return _sides_sql(*shape), params + (_party_params(target) + _party_params(actor) if shape[-1] else ())


@lru_cache(maxsize=64)
def _sides_sql(actor_id: bool, actor_country: bool, target_id: bool, target_country: bool, symmetric: bool) -> str:
    """The text of `_sides_clause` for one shape of the parties (which of them have an actor id, a country)."""
    def reading(actor, target):
        return (f"({_party_clause(*actor, 'actor_id', 'actor_country')} AND "
                f"{_party_clause(*target, 'target_id', 'target_country')})")

    sql = reading((actor_id, actor_country), (target_id, target_country))
    if symmetric:
        sql = f"({sql} OR {reading((target_id, target_country), (actor_id, actor_country))})"
    return f"AND {sql} "


def choose(m: Mention, candidates: Iterable[Story]) -> Optional[Story]:
    best, best_key, key = None, None, (m.type, m.modality, m.polarity)
    for story in candidates:
        if story.key != key:
            continue
        result = score(m, story)
        if result is None:
            continue
        pts, _ = result
        if pts < _needed(m, story):
            continue
        rank = (-pts, _distance(m, story), story.seq)
        if best_key is None or rank < best_key:
            best, best_key = story, rank
    return best


def _needed(m: Mention, story: Story) -> int:
    if m.doc_id in story.docs:
        return SAME_DOC_MIN_SCORE
    return UNDATED_HISTORICAL_MIN_SCORE if m.range is None else 1


def _distance(m: Mention, story: Story) -> int:
    r, s = m.range, story.match
    return _gap(r, s) if r and s else 0


# -- summaries ------------------------------------------------------------------------------------------
FEATURE_RANK = {"city": 0, "other": 1, "admin": 2, "country": 3, "region": 4, "continent": 5, None: 6}


def _place_rank(p: dict) -> tuple:
    """The best place is the finest, then one with a gazetteer id, then the first given."""
    return FEATURE_RANK.get(p.get("feature"), 6), 0 if p.get("place_id") else 1


def summary(story: Story) -> dict:
    """A story-event's record (the `record` column), from the story's aggregates. Its evidence, one entry per
    member, is not in it: it grows with the story, and is read from story_mentions when the story is (see
    `story`)."""
    places, modes, match, seen = dict(story.places), story.modes, story.match, story.seen
    return {
        "id": story.id, "type": story.key[0], "mode": max(modes, key=modes.get) if modes else None,
        "cameo": story.cameo, "modality": story.key[1], "polarity": story.key[2],
        "actor": story.parties["actor"], "target": story.parties["target"],
        "places": places, "place": next((p for p in places.values() if p), None), "date": story.best_date,
        "match": [match[0].isoformat(), match[1].isoformat()] if match else None,
        "first_seen": seen[0][1] if seen else None, "last_seen": seen[1][1] if seen else None,
        "mentions": story.n, "articles": len(story.docs), "outlets": len(story.outlets),
        "outlet_names": sorted(story.outlets), "certainty": story.certainty, "historical": story.historical,
        "conflicts": story.conflicts(),
    }


def _row(story: Story) -> tuple:
    s = summary(story)
    actor, target, place, d = s["actor"] or {}, s["target"] or {}, s["place"] or {}, s["date"] or {}
    return (story.id, story.seq, s["type"], s["mode"], s["cameo"], s["modality"], s["polarity"],
            actor.get("actor_id"), actor.get("country"), target.get("actor_id"), target.get("country"),
            place.get("name") or place.get("text"), place.get("place_id"), place.get("country"),
            d.get("start"), d.get("end"), d.get("precision"),
            s["match"][0] if s["match"] else None, s["match"][1] if s["match"] else None,
            s["first_seen"], s["last_seen"], s["mentions"], s["articles"], s["outlets"], s["certainty"],
            int(s["historical"]), len(s["conflicts"]), dumps(s),
            span_class(story.match), story.pack())


# -- the linker over the store --------------------------------------------------------------------------
_EVENT_SQL = ("SELECT e.rowid AS seq, e.doc_id, e.record, d.published, d.outlet, d.url FROM events e "
              "JOIN documents d ON d.id = e.doc_id ")


_STORY_FIELDS = ("id", "seq", "type", "mode", "cameo", "modality", "polarity", "actor_id", "actor_country", "target_id",
                 "target_country", "place_name", "place_id", "place_country", "date_start", "date_end", "precision",
                 "match_start", "match_end", "first_seen", "last_seen", "mentions", "articles", "outlets",
                 "certainty", "historical", "conflicts", "record", "span_class", "profile")
# an upsert, not INSERT OR REPLACE: a replace would delete the row and cascade to its mentions
_UPSERT = (f"INSERT INTO story_events ({', '.join(_STORY_FIELDS)}) VALUES ({', '.join('?' * len(_STORY_FIELDS))}) "
           f"ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{f} = excluded.{f}" for f in _STORY_FIELDS[1:]))


# Stories changed in a transaction are held until written. The stories most often joined keep growing with
# a corpus (on the generated one, about one member more per article in those a batch touches), so past this
# many members the rows are written before the batch ends: the same rows as at its end (linking in smaller
# batches gives the same story-events), and memory stays flat. Far above what a batch of 32 articles touches
# at a few thousand articles, so it costs extra writes only on long runs.
DIRTY_MEMBERS = 5_000
# Stories of up to this many members keep the sources of every value they might come to disagree on after
# they are written (most stories are this small); larger ones keep only their aggregates, and a join that
# puts a field in conflict for the first time reads their members.
WHOLE_MEMBERS = 32


_SEQ = attrgetter("seq")


class Linker:
    """Links mentions within one transaction. Story rows are written once, by `flush`, rather than after
    every mention; the stories changed since are matched from memory, exactly as their rows would have
    matched."""

    def __init__(self, store):
        self.store = store
        self.cache = _story_cache(store)
        self.dirty: dict[str, Story] = {}  # in first-change order, so new rows are inserted in creation order
        self.unwritten: dict[tuple, dict[str, Optional[tuple[str, str]]]] = {}  # key -> story id -> match
        self.links: list[tuple] = []
        self.seq: Optional[int] = None
        self.dirty_members = 0  # members of the stories in `dirty`
        # candidate searches already run, until rows are written (mentions often repeat one: the stories
        # changed since are set apart from the rows, as for any search)
        self.searched: dict[tuple, list] = {}

    def next_seq(self) -> int:
        if self.seq is None:  # once per transaction: nobody else writes story-events meanwhile
            self.seq = self.store.query("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM story_events")[0]["n"]
        self.seq += 1
        return self.seq - 1

    def candidates(self, m: Mention) -> list[Story]:
        r = m.range
        if r:
            lo, hi = r[0] - timedelta(days=DATE_SLACK_DAYS), r[1] + timedelta(days=DATE_SLACK_DAYS)
        else:
            lo, hi = date.min, m.before or date.max
        keys = (m.type, m.modality, m.polarity)
        sql, params = _candidate_query(m, lo, hi)
        rows = self.searched.get((sql, params))
        if rows is None:
            rows = self.searched[sql, params] = self.store.conn.execute(sql, params).fetchall()
        found, missing, dirty, cache = [], [], self.dirty, self.cache
        for sid, seq, n in rows:
            if sid in dirty:
                continue
            hit = cache.get(sid)
            if hit is not None and hit.version == (seq, n):
                cache.move_to_end(sid)
                found.append(hit.story)
            else:
                missing.append((sid, (seq, n)))
        if missing:
            found += self._stories(missing)
        lo_s, hi_s = lo.isoformat(), hi.isoformat()
        found += [self.dirty[sid] for sid, match in self.unwritten.get(keys, {}).items()
                  if match is None or (match[0] <= hi_s and match[1] >= lo_s)]  # the query's condition
        return sorted(found, key=_SEQ)

    def _stories(self, rows: list[tuple]) -> list[Story]:
        """The stories of candidate rows ((id, (seq, mentions))) not cached as they are now: their profiles,
        read in one query (or, in a store written before profiles, their members)."""
        marks = ", ".join("?" * len(rows))
        profiles = dict(tuple(r) for r in self.store.conn.execute(
            f"SELECT id, profile FROM story_events WHERE id IN ({marks})", [sid for sid, _ in rows]))
        out = []
        for sid, version in rows:
            profile = profiles[sid]
            story = Story.from_profile(sid, version[0], profile) if profile else self._read(sid, version[0])
            self.cache.put(story, version)
            out.append(story)
        return out

    def _read(self, story_id: str, seq: int) -> Story:
        story = Story(story_id, seq)
        for m in members(self.store, story_id):
            story.join(m)
        return story

    def _thaw(self, story: Story, m: Mention) -> Story:
        """A story read from its profile, ready for `m` to join: the sources of its fields in conflict loaded
        from its record. Its members are read instead when its profile predates aggregates, or when `m` puts
        a field in conflict for the first time (its earlier sources are not kept)."""
        story.thaw()
        if story.aggregated and not story.opens_conflict(m):
            unknown = story.unknown()
            if not unknown:
                return story
            record = self.store.query("SELECT record FROM story_events WHERE id = ?", (story.id,))[0]["record"]
            stored = json.loads(record)["conflicts"]
            disputed = story.disputed()
            if [c["field"] for c in stored] == [label for _, label, _ in disputed]:
                for (name, _, _), c in zip(disputed, stored):
                    story.sources.setdefault(name, [v["sources"] for v in c["values"]])
                return story
        if story.id in self.dirty:  # its members joined in this transaction must be written to be read
            self.flush()
        return self._read(story.id, story.seq)

    def add(self, m: Mention) -> Story:
        story = choose(m, self.candidates(m))
        if story is None:
            story = Story(f"s-{m.event_id}", self.next_seq())
        elif not story.complete:
            story = self._thaw(story, m)
        story.join(m)
        self.dirty_members += 1 if story.id in self.dirty else story.n
        self.dirty.setdefault(story.id, story)
        match = story.match
        key_matches = self.unwritten.setdefault(story.key, {})
        key_matches[story.id] = (match[0].isoformat(), match[1].isoformat()) if match else None
        self.links.append((m.event_id, story.id, m.doc_id))
        if self.dirty_members > DIRTY_MEMBERS:
            self.flush()
        return story

    def flush(self) -> None:
        conn = self.store.conn
        rows = []
        for story in self.dirty.values():
            rows.append(_row(story))
            if story.n > WHOLE_MEMBERS:
                story.forget_sources()
            self.cache.put(story, (story.seq, story.n))
        conn.executemany(_UPSERT, rows)
        conn.executemany("INSERT INTO story_mentions VALUES (?, ?, ?)", self.links)
        self.dirty.clear()
        self.unwritten.clear()
        self.links.clear()
        self.searched.clear()
        self.dirty_members = 0


# Stories read from their rows, per store, across transactions: a batch's mentions meet the same recent
# stories again. An entry is used only while the row's mention count is unchanged (a member joining always
# raises it). A story that keeps the sources of its values (see `Story`) counts by its members, one read from
# its profile by its documents (its size grows only with them). Bounded in stories and in members, so memory
# stays flat however many articles pass.
STORY_CACHE_SIZE = 5_000
STORY_CACHE_MEMBERS = 10_000
_CACHES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass
class _Cached:
    version: tuple  # (seq, mentions) of the row the story was read from or written as
    story: Story
    members: int  # its members (or, for a profile, its documents) when cached


class _StoryCache(OrderedDict):
    """Least recently used first; `members` is the sum of the entries' member counts."""

    members = 0

    def put(self, story: Story, version: tuple) -> None:
        old = self.pop(story.id, None)
        self.members -= old.members if old else 0
        size = story.n if story.complete else 1 + len(story.docs)
        self[story.id] = _Cached(version, story, size)
        self.members += size
        while self and (len(self) > STORY_CACHE_SIZE or self.members > STORY_CACHE_MEMBERS):
            self.members -= self.popitem(last=False)[1].members

    def clear(self) -> None:
        super().clear()
        self.members = 0


def _story_cache(store) -> _StoryCache:
    return _CACHES.setdefault(store, _StoryCache())


def link_pending(store) -> int:
    """Link every stored event not yet in a story-event, in the order the events were stored. Returns the
    number of mentions linked."""
    with store.transaction():  # read inside it: a concurrent ingest may be linking the same events
        rows = store.conn.execute(_EVENT_SQL + "LEFT JOIN story_mentions s ON s.event_id = e.id "
                                  "WHERE s.event_id IS NULL AND e.rowid > ? ORDER BY e.rowid",
                                  (_LINKED_UPTO.get(store, 0),)).fetchall()  # rows by name, not made dicts
        linker = Linker(store)
        try:
            for row in rows:
                linker.add(Mention.from_row(row))
            linker.flush()
        except BaseException:  # rolled back: cached stories may hold members that were never written
            _forget(store)
            raise
    if rows:
        _LINKED_UPTO[store] = rows[-1]["seq"]
    return len(rows)


# Per store, the last event this process linked. Each run links every unlinked event in one writer's
# transaction, and documents are never deleted, so later unlinked events all come after it: the next
# run reads only those instead of checking every stored event (which grew with the store).
_LINKED_UPTO: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _forget(store) -> None:
    _story_cache(store).clear()
    _LINKED_UPTO.pop(store, None)


def relink(store) -> int:
    """Drop every story-event and link all stored events again from scratch."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM story_mentions")
        conn.execute("DELETE FROM story_events")
    _forget(store)
    return link_pending(store)


def on_stored(store, doc_ids: list[str]) -> int:
    """The ingest hook: link the events of newly stored documents (and any left unlinked before)."""
    return link_pending(store) if doc_ids else 0


# -- reading story-events -------------------------------------------------------------------------------
STORY_COLUMNS = ("id", "type", "mode", "date_start", "date_end", "precision", "actor_country", "target_country",
                 "place_name", "place_country", "first_seen", "last_seen", "mentions", "articles", "outlets",
                 "certainty", "historical", "conflicts")


def stories(store, *, type_: Optional[str] = None, country: Optional[str] = None, since: Optional[str] = None,
            until: Optional[str] = None, min_articles: int = 1, limit: Optional[int] = 100) -> list[dict]:
    """Story-events as flat rows, filtered; ordered by date (undated last), then id."""
    clauses, params = ["articles >= ?"], [min_articles]
    if type_:
        clauses.append("type = ?")
        params.append(type_.upper())
    if country:
        clauses.append("(actor_country = ? OR target_country = ? OR place_country = ?)")
        params += [country.upper()] * 3
    if since:
        clauses.append("COALESCE(date_end, substr(first_seen, 1, 10)) >= ?")
        params.append(since)
    if until:
        clauses.append("COALESCE(date_start, substr(first_seen, 1, 10)) <= ?")
        params.append(until)
    sql = (f"SELECT {', '.join(STORY_COLUMNS)} FROM story_events WHERE {' AND '.join(clauses)} "
           "ORDER BY date_start IS NULL, date_start, seq" + (" LIMIT ?" if limit else ""))
    return store.query(sql, tuple(params + ([limit] if limit else [])))


def story(store, story_id: str) -> Optional[dict]:
    """One story-event's full summary (evidence, conflicts), by id or unique prefix."""
    rows = store.query("SELECT id, record FROM story_events WHERE id = ?", (story_id,))
    if not rows:
        rows = store.query("SELECT id, record FROM story_events WHERE id LIKE ? || '%' LIMIT 2", (story_id,))
        if len(rows) != 1:
            return None
    rec = json.loads(rows[0]["record"])
    rec.pop("members", None)  # stores written before evidence moved out of the record held these two
    rec["evidence"] = [m.evidence for m in members(store, rows[0]["id"])]
    return rec


_MEMBER_SQL = _EVENT_SQL + "JOIN story_mentions s ON s.event_id = e.id "


def members(store, story_id: str) -> list[Mention]:
    """A story-event's mentions, in the order they joined it (the order the events were stored)."""
    rows = store.query(_MEMBER_SQL + "WHERE s.story_id = ? ORDER BY e.rowid", (story_id,))
    return [Mention.from_row(r) for r in rows]


def evidence_by_story(store) -> dict[str, list[dict]]:
    """Every story-event's evidence (see `story`), in one pass over its mentions: for exports."""
    out: dict[str, list[dict]] = {}
    for r in store.query(_MEMBER_SQL.replace("SELECT ", "SELECT s.story_id, ", 1) + "ORDER BY e.rowid"):
        out.setdefault(r["story_id"], []).append(Mention.from_row(r).evidence)
    return out


def story_of(store, event_id: str) -> Optional[str]:
    rows = store.query("SELECT story_id FROM story_mentions WHERE event_id = ?", (event_id,))
    return rows[0]["story_id"] if rows else None


def snapshot(store) -> list[tuple]:
    """Every story-event with its mention ids: a comparable picture of the clustering (tests, relink)."""
    rows = store.query("SELECT story_id, event_id FROM story_mentions ORDER BY story_id, event_id")
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(r["story_id"], []).append(r["event_id"])
    return sorted((k, tuple(v)) for k, v in groups.items())


# -- clustering quality ---------------------------------------------------------------------------------
def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> dict:
    """B-cubed precision, recall and F1 of a clustering (item -> cluster) against gold (item -> cluster),
    over the items both name."""
    items = [i for i in gold if i in predicted]
    if not items:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "n": 0}
    by_pred, by_gold = {}, {}
    for i in items:
        by_pred.setdefault(predicted[i], set()).add(i)
        by_gold.setdefault(gold[i], set()).add(i)
    p = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]]) for i in items) / len(items)
    r = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in items) / len(items)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "n": len(items)}


# -- hand-written event corpora (examples/corpora/*.yaml) -----------------------------------------------
def _event_date(value) -> Optional[dict]:
    """"2024-05-27" (day), "2024-05" (month), "2024" (year), "198X" (decade) -> an EventDate's fields."""
    import calendar

    if not value:
        return None
    v = str(value)
    if len(v) == 10:
        return {"text": v, "start": v, "end": v, "precision": "day"}
    if len(v) == 7:
        y, m = int(v[:4]), int(v[5:])
        return {"text": v, "start": f"{v}-01", "end": f"{v}-{calendar.monthrange(y, m)[1]:02d}", "precision": "month"}
    if v.endswith("X"):
        return {"text": v, "start": f"{v[:3]}0-01-01", "end": f"{v[:3]}9-12-31", "precision": "decade"}
    return {"text": v, "start": f"{v}-01-01", "end": f"{v}-12-31", "precision": "year"}


def corpus_documents(spec: list[dict]) -> tuple[list, dict[str, str]]:
    """Documents with hand-written events from a corpus spec, and the gold story of each event id. Used to
    measure the linker alone, without the extraction stages."""
    from .model import Document, Event, EventDate, EventPlace, Participant, Quantity, Span

    docs, gold = [], {}
    for d in spec:
        text, events = "", []
        for n, e in enumerate(d.get("events") or [], start=1):
            start = len(text)
            text += e["sentence"] + " "
            t0 = e["sentence"].find(e.get("trigger", "")) if e.get("trigger") else 0
            trig = e.get("trigger") or e["sentence"].split()[0]
            date_ = _event_date(e.get("date"))
            places = {r: EventPlace(**e[r]) for r in PLACE_ROLES if e.get(r)}
            ev = Event(id=f"{d['id']}-e{n}", type=e["type"], mode=e.get("mode"),
                       trigger=Span(trig, start + max(t0, 0), start + max(t0, 0) + len(trig)),
                       sentence=Span(e["sentence"], start, start + len(e["sentence"])),
                       actor=Participant(**e["actor"]) if e.get("actor") else None,
                       target=Participant(**e["target"]) if e.get("target") else None,
                       date=EventDate(**date_) if date_ else None,
                       quantities=[Quantity(q.get("text", ""), 0, 0, q.get("value"), q.get("unit"), q.get("role"))
                                   for q in e.get("quantities") or []],
                       certainty=e.get("certainty", "asserted"), polarity=e.get("polarity", "affirmed"),
                       modality=e.get("modality", "actual"), historical=bool(e.get("historical")),
                       cameo=e.get("cameo"), **places)
            events.append(ev)
            gold[ev.id] = e["gold"]
        docs.append(Document(id=d["id"], text=text.strip() or d.get("title", d["id"]), url=d.get("url"),
                             outlet=d.get("outlet"), title=d.get("title"), published=d.get("published"),
                             source_path=f"corpus:{d['id']}", events=events))
    return docs, gold


def score_store(store, gold: dict[str, str]) -> dict:
    """B-cubed precision/recall/F1 of the stored story-events against gold (event id -> gold story)."""
    predicted = {r["event_id"]: r["story_id"] for r in store.query("SELECT event_id, story_id FROM story_mentions")}
    return bcubed(predicted, gold)


# -- reported statistics across articles ----------------------------------------------------------------
_STOP = {"the", "of", "a", "an", "in", "to", "by", "for", "who", "that", "have", "has", "had", "were", "was", "is",
         "are", "number", "total", "from", "and", "this", "year", "so", "far"}


def measure_key(measure: str) -> str:
    """A measure's name reduced so that paraphrases meet: lower case, no stop words, crude singulars,
    sorted ("defections of senior officials" and "senior official defections" give one key)."""
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
             for w in re.findall(r"[a-z0-9]+", measure.lower()) if w not in _STOP]
    return " ".join(sorted(set(words)))


def statistics_table(store, measure: Optional[str] = None) -> list[dict]:
    """Every reported value of every series, merged across articles: one row per (measure, period, report)
    with its source and report date. `disagrees` flags a period whose final (not partial) values differ
    between reports, or whose partial values differ on the same report day."""
    rows = store.query("SELECT s.doc_id, s.record, d.published, d.outlet, d.url FROM statistics s "
                       "JOIN documents d ON d.id = s.doc_id ORDER BY d.published, s.doc_id, s.idx")
    out = []
    for r in rows:
        rec = json.loads(r["record"])
        key = measure_key(rec.get("measure") or "")
        if measure and key != measure_key(measure):
            continue
        source = ((rec.get("attribution") or {}).get("source") or {})
        for p in rec.get("series") or []:
            out.append({"measure": key, "measure_text": rec.get("measure"), "unit": rec.get("unit"),
                        "period": str(p.get("period")), "value": p.get("value"), "partial": bool(p.get("partial")),
                        "source": source.get("name") or source.get("text"), "doc_id": r["doc_id"],
                        "outlet": r["outlet"], "reported": r["published"], "url": r["url"],
                        "sentence": (rec.get("sentence") or {}).get("text")})
    _flag_disagreements(out)
    return sorted(out, key=lambda x: (x["measure"], x["unit"] or "", x["period"], x["reported"] or "", x["doc_id"]))


def _flag_disagreements(points: list[dict]) -> None:
    groups: dict[tuple, list[dict]] = {}
    for p in points:
        groups.setdefault((p["measure"], p["unit"], p["period"]), []).append(p)
    for group in groups.values():
        final = {p["value"] for p in group if not p["partial"]}
        same_day: dict[str, set] = {}
        for p in group:
            if p["partial"]:
                same_day.setdefault((p["reported"] or "")[:10], set()).add(p["value"])
        bad_partial = {d for d, vals in same_day.items() if len(vals) > 1}
        for p in group:
            p["disagrees"] = (len(final) > 1 and not p["partial"]) or (p["partial"] and (p["reported"] or "")[:10] in bad_partial)
            p["values_reported"] = len({(q["value"], q["partial"]) for q in group})


def gold_from_jsonl(store, path) -> tuple[dict[str, str], int]:
    """Gold stories for stored events of an article corpus in JSON Lines (examples/corpora/reports.jsonl):
    each record lists `gold: [{evidence, triggers, story}]`; an event whose sentence holds the evidence
    snippet and whose trigger is one of `triggers` gets that story. Returns (event id -> gold story, number of evidence snippets no stored event covers)."""
    from pathlib import Path

    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    gold, covered = {}, set()
    for row in store.query("SELECT e.id, e.record, d.source_path FROM events e JOIN documents d ON d.id = e.doc_id"):
        source = row["source_path"] or ""
        if not source.startswith(str(path)) or not source.rsplit(":", 1)[-1].isdigit():
            continue
        n = int(source.rsplit(":", 1)[-1])
        sentence = json.loads(row["record"])["sentence"]["text"]
        trigger = json.loads(row["record"])["trigger"]["text"].lower()
        for k, g in enumerate(records[n - 1].get("gold") or []):
            if g["evidence"] in sentence and trigger in {t.lower() for t in g["triggers"]}:
                gold[row["id"]] = g["story"]
                covered.add((n, k))
    total = sum(len(r.get("gold") or []) for r in records)
    return gold, total - len(covered)

