"""The record dateline writes: plain dataclasses that serialise to the JSON output contract.

Field names follow the contract in DESIGN.md and are fixed; `to_dict()` on each record gives exactly the
contract's shape (every field present, `None` or `[]` where nothing is known). Stages create these records
and keep them on the spaCy `Doc` (see `dateline.nlp`), so they must stay picklable and cheap.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Optional

_FIELDS: dict[type, tuple[str, ...]] = {}


def asdict(obj) -> dict:
    """`dataclasses.asdict` for these records, several times faster: every article's record is laid out
    once or twice, and the records' leaves are plain values that need no deep copy."""
    names = _FIELDS.get(type(obj))
    if names is None:
        names = _FIELDS[type(obj)] = tuple(f.name for f in fields(obj))
    return {name: _value(getattr(obj, name)) for name in names}


def _value(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float)):
        return v
    if isinstance(v, list):
        return [_value(x) for x in v]
    if is_dataclass(v):
        return asdict(v)
    if isinstance(v, dict):
        return {_value(k): _value(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return tuple(_value(x) for x in v)
    return copy.deepcopy(v)


def _values(items: list) -> list:
    """A list field as `asdict` lays it out: a new list, its plain strings and numbers as they are."""
    return [x if x is None or type(x) in _LEAVES else _value(x) for x in items]


_LEAVES = {str, int, float, bool}


@dataclass
class Actor:
    actor_id: str
    name: str
    kind: str
    country: Optional[str] = None
    role: Optional[str] = None
    aliases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"actor_id": self.actor_id, "name": self.name, "kind": self.kind, "country": self.country,
                "role": self.role, "aliases": _values(self.aliases)}


@dataclass
class Place:
    text: str
    place_id: Optional[str] = None
    name: Optional[str] = None
    country: Optional[str] = None
    feature: Optional[str] = None  # city | admin | country | region | continent | other
    lat: Optional[float] = None
    lon: Optional[float] = None

    def to_dict(self) -> dict:
        return {"text": self.text, "place_id": self.place_id, "name": self.name, "country": self.country,
                "feature": self.feature, "lat": self.lat, "lon": self.lon}


@dataclass
class Entity:
    text: str
    start: int
    end: int
    label: str
    actor: Optional[Actor] = None
    place: Optional[Place] = None

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "actor": self.actor.to_dict() if self.actor is not None else None,
            "place": self.place.to_dict() if self.place is not None else None,
        }


@dataclass
class DateRange:
    start: str  # YYYY-MM-DD
    end: str  # YYYY-MM-DD
    precision: str  # day | week | month | year | decade | century

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "precision": self.precision}


@dataclass
class TimeExpr:
    text: str
    start: int
    end: int
    value: str  # TIMEX3-style: "2015-10-22", "2014", "2015-10", "198X"
    range: Optional[DateRange] = None
    type: str = "DATE"  # TIMEX3 type: DATE | TIME | DURATION | SET

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "range": self.range.to_dict() if self.range else None,
            "type": self.type,
        }


@dataclass
class Quantity:
    text: str
    start: int
    end: int
    value: Optional[float] = None
    unit: Optional[str] = None  # ISO 4217 code for money, or a noun ("people", "missile")
    role: Optional[str] = None  # money | killed | injured | missing | people | weapons | objects | ...
    lower_bound: bool = False  # "millions of dollars": value is a floor, not a count

    def to_dict(self) -> dict:
        return {"text": self.text, "value": self.value, "unit": self.unit, "role": self.role,
                "start": self.start, "end": self.end, "lower_bound": self.lower_bound}


@dataclass
class Span:
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass
class Participant:
    text: str
    actor_id: Optional[str] = None
    name: Optional[str] = None
    kind: Optional[str] = None
    country: Optional[str] = None
    role: Optional[str] = None
    orgs: list[str] = field(default_factory=list)
    place: Optional[Place] = None
    start: Optional[int] = None
    end: Optional[int] = None

    def to_dict(self) -> dict:
        return {"text": self.text, "actor_id": self.actor_id, "name": self.name, "kind": self.kind,
                "country": self.country, "role": self.role, "orgs": _values(self.orgs),
                "place": self.place.to_dict() if self.place is not None else None,
                "start": self.start, "end": self.end}


@dataclass
class EventPlace:
    """A place argument of an event: the contract's place record plus where its words are."""

    text: str
    place_id: Optional[str] = None
    name: Optional[str] = None
    country: Optional[str] = None
    feature: Optional[str] = None
    lat: Optional[float] = None
    lon: Optional[float] = None
    start: Optional[int] = None
    end: Optional[int] = None

    def to_dict(self) -> dict:
        return {"text": self.text, "place_id": self.place_id, "name": self.name, "country": self.country,
                "feature": self.feature, "lat": self.lat, "lon": self.lon, "start": self.start, "end": self.end}


@dataclass
class Attribution:
    source: Optional[Participant] = None
    cue: Optional[Span] = None

    def to_dict(self) -> dict:
        return {"source": self.source.to_dict() if self.source else None,
                "cue": self.cue.to_dict() if self.cue else None}


@dataclass
class EventDate:
    text: Optional[str]
    start: str
    end: str
    precision: str

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "precision": self.precision}


@dataclass
class Event:
    id: str
    type: str
    trigger: Span
    sentence: Span
    mode: Optional[str] = None
    actor: Optional[Participant] = None
    target: Optional[Participant] = None
    origin: Optional[EventPlace] = None
    destination: Optional[EventPlace] = None
    location: Optional[EventPlace] = None
    date: Optional[EventDate] = None
    quantities: list[Quantity] = field(default_factory=list)
    attribution: Optional[Attribution] = None
    certainty: str = "asserted"  # asserted | attributed | hedged
    polarity: str = "affirmed"  # affirmed | negated
    modality: str = "actual"  # actual | planned | threatened | habitual | hypothetical
    historical: bool = False
    cameo: Optional[str] = None  # CAMEO root code of the type, for joins with GDELT-style data
    context: list[str] = field(default_factory=list)
    hedge: Optional[Span] = None  # the words that make it hedged, when certainty is hedged

    def to_dict(self) -> dict:
        def opt(x):
            return x.to_dict() if x is not None else None

        return {
            "id": self.id,
            "type": self.type,
            "mode": self.mode,
            "trigger": self.trigger.to_dict(),
            "sentence": self.sentence.to_dict(),
            "actor": opt(self.actor),
            "target": opt(self.target),
            "origin": opt(self.origin),
            "destination": opt(self.destination),
            "location": opt(self.location),
            "date": opt(self.date),
            "quantities": [q.to_dict() for q in self.quantities],
            "attribution": opt(self.attribution),
            "certainty": self.certainty,
            "polarity": self.polarity,
            "modality": self.modality,
            "historical": self.historical,
            "cameo": self.cameo,
            "context": list(self.context),
            "hedge": opt(self.hedge),
        }


@dataclass
class SeriesPoint:
    period: str
    value: float
    partial: bool = False

    def to_dict(self) -> dict:
        return {"period": self.period, "value": self.value, "partial": self.partial}


@dataclass
class Statistic:
    measure: str
    sentence: Span
    series: list[SeriesPoint] = field(default_factory=list)
    unit: Optional[str] = None
    attribution: Optional[Attribution] = None

    def to_dict(self) -> dict:
        return {
            "measure": self.measure,
            "unit": self.unit,
            "series": [p.to_dict() for p in self.series],
            "attribution": self.attribution.to_dict() if self.attribution else None,
            "sentence": self.sentence.to_dict(),
        }


@dataclass
class Article:
    """What the `article` stage reads from one input: body text and metadata, before any NLP."""

    text: str
    title: Optional[str] = None
    authors: list[str] = field(default_factory=list)
    published: Optional[str] = None  # ISO 8601, with offset when known
    outlet: Optional[str] = None
    language: Optional[str] = None
    dateline: Optional[str] = None
    url: Optional[str] = None
    fetched: Optional[str] = None  # when a crawler fetched the page (WARC-Date), not when it was published


@dataclass
class Document:
    id: str
    text: str
    url: Optional[str] = None
    source_path: Optional[str] = None
    outlet: Optional[str] = None
    title: Optional[str] = None
    authors: list[str] = field(default_factory=list)
    published: Optional[str] = None
    language: Optional[str] = None
    dateline: Optional[str] = None
    entities: list[Entity] = field(default_factory=list)
    times: list[TimeExpr] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    statistics: list[Statistic] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    fetched: Optional[str] = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "url": self.url,
            "source_path": self.source_path,
            "outlet": self.outlet,
            "title": self.title,
            "authors": list(self.authors),
            "published": self.published,
            "language": self.language,
            "dateline": self.dateline,
            "text": self.text,
            "entities": [e.to_dict() for e in self.entities],
            "times": [t.to_dict() for t in self.times],
            "events": [e.to_dict() for e in self.events],
            "statistics": [s.to_dict() for s in self.statistics],
            "quantities": [q.to_dict() for q in self.quantities],
            "fetched": self.fetched,
        }
