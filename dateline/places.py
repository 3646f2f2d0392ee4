"""The `places` stage: place names in `doc._.entities` resolved to gazetteer entries (`entity.place`).

Which entities: spaCy's GPE, LOC and FAC, and NORP where it is a country's demonym ("North Korean" -> KP).
The stage also adds place names the model missed (world regions such as "the Caribbean", continents) and
widens a name to its administrative suffix ("North Phyongan" + "Province").

How a name is resolved, in two passes over the document:
1. every candidate the gazetteer holds for the name is scored by its feature class (continents, countries,
   regions and states first, capitals before other cities), its population and how the name matched
   (its own name, an alternate name, a name without its "County" suffix);
2. the scores are raised for candidates in the countries and US states that the document's other place
   names resolve to, for cities near the document's other places, and for a state written right after the
   name ("Paris, Tenn."). Each distinct name is resolved once per document (one sense per discourse).

Weights, suffixes and labels live in `dateline/data/places/features.yaml`; names in the other files there.
`resolve(name, context_countries)` is the same resolver for other stages.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

from spacy.language import Language

from . import gazetteer
from .entities import add_entities
from .gazetteer import DATA, Entry, norm
from .model import Entity, Place


@dataclass
class _Rules:
    labels: frozenset[str]
    admin_suffixes: tuple[str, ...]
    prior: dict[str, float]
    context: dict[str, float]
    contextual: dict[str, tuple[str, frozenset[str]]]  # norm(name) -> (country, when_any)
    states: dict[str, str]  # norm(abbreviation or state name) -> state code
    scan: frozenset[str] = frozenset()  # casefolded region and continent names the stage looks for


@lru_cache(maxsize=1)
def rules() -> _Rules:
    feats = gazetteer._read_yaml(DATA / "features.yaml") or {}
    aliases = gazetteer._read_yaml(DATA / "aliases.yaml") or {}
    regions = gazetteer._read_yaml(DATA / "regions.yaml") or []
    contextual = {norm(a["name"]): (a["country"], frozenset(a.get("when_any", []))) for a in aliases.get("contextual", [])}
    states = {norm(abbr): code for code, abbrs in (aliases.get("us_state_abbreviations") or {}).items() for abbr in abbrs}
    return _Rules(labels=frozenset(feats.get("labels", ["GPE", "LOC", "FAC", "NORP"])),
                  admin_suffixes=tuple(feats.get("admin_suffixes", [])),
                  prior=dict(feats.get("feature_prior", {})), context=dict(feats.get("context", {})),
                  contextual=contextual, states=states,
                  scan=frozenset(n.casefold() for n in [*(n for r in regions for n in r["names"]),
                                                         *feats.get("continents", [])]))


# ------------------------------------------------------------------------------------------- candidates

_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def candidates(text: str, label: str = "GPE") -> tuple[Entry, ...]:
    """Gazetteer entries a mention may denote. NORP mentions only as demonyms of countries."""
    name = _POSSESSIVE.sub("", text.strip())
    found = gazetteer.lookup(name)
    if label == "NORP":
        if not found and name.endswith("s"):
            found = gazetteer.lookup(name[:-1])  # "Americans", "Iraqis"
        return tuple(e for e in found if e.kind == "country" or e.how == "demonym" and e.kind == "region")
    found = tuple(e for e in found if e.how != "demonym")
    if not found:
        found = _without_admin_suffix(name)
    return found


def _without_admin_suffix(name: str) -> tuple[Entry, ...]:
    for word in rules().admin_suffixes:
        if name.endswith(" " + word):
            return tuple(e for e in gazetteer.lookup(name[: -len(word) - 1]) if e.kind in ("admin1", "admin2"))
    return ()


# ---------------------------------------------------------------------------------------------- scoring

@dataclass
class _Context:
    countries: Counter = field(default_factory=Counter)
    states: Counter = field(default_factory=Counter)
    points: list[tuple[float, float]] = field(default_factory=list)


def _kind_prior(e: Entry) -> float:
    prior = rules().prior
    if e.kind == "city" and e.capital:
        return prior.get("capital", 0.0)
    return prior.get(e.kind, 0.0)


def score(e: Entry, ctx: Optional[_Context] = None, explicit_state: Optional[str] = None) -> float:
    s = _kind_prior(e) + math.log10(e.population + 1) - {"name": 0.0, "alt": 1.5, "short": 2.5}.get(e.how, 0.0)
    if ctx is None:
        return s
    w = rules().context
    if e.country and ctx.countries.get(e.country):
        s += w.get("same_country", 0.0) * min(1.0, ctx.countries[e.country] / 2)
    if e.kind in ("city", "admin2") and e.admin1 and ctx.states.get(e.admin1):
        s += w.get("same_admin1", 0.0) * min(1.0, ctx.states[e.admin1] / 2)
    if explicit_state and e.admin1 == explicit_state:
        s += w.get("explicit_admin1", 0.0)
    if e.kind in ("city", "admin2") and e.lat is not None and _near(e, ctx.points, w.get("near_km", 0.0)):
        s += w.get("near_bonus", 0.0)
    return s


def _near(e: Entry, points: list[tuple[float, float]], km: float) -> bool:
    return any(distance_km(e.lat, e.lon, lat, lon) <= km for lat, lon in points)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def best(found: Iterable[Entry], ctx: Optional[_Context] = None, explicit_state: Optional[str] = None) -> Optional[Entry]:
    found = _prefer_cities(tuple(found))
    return max(found, key=lambda e: score(e, ctx, explicit_state), default=None)


def _prefer_cities(found: tuple[Entry, ...]) -> tuple[Entry, ...]:
    # A province or county named as its main city ("Beijing", "Paris") is read as the city: news that
    # means the unit says "Province" or "County", and such names are looked up with their suffix.
    cities = {(e.country, e.admin1) for e in found if e.kind == "city"}
    return tuple(e for e in found
                 if not (e.kind in ("admin1", "admin2") and e.how == "name" and e.country != "US"
                         and (e.country, e.admin1) in cities)
                 and not (e.kind == "admin2" and e.how == "name" and (e.country, e.admin1) in cities)) or found


def to_place(text: str, e: Optional[Entry]) -> Place:
    if e is None:
        return Place(text=text)
    place_id = e.place_id if e.place_id.isdigit() or e.place_id.startswith("region:") else None
    return Place(text=text, place_id=place_id, name=e.name, country=e.country, feature=e.feature, lat=e.lat, lon=e.lon)


def resolve(name: str, context_countries: Iterable[str] = ()) -> Optional[Place]:
    """The place a name most likely denotes, given the countries its text is about; None when unknown."""
    ctx = _Context(countries=Counter({c: 2 for c in context_countries}))
    found = candidates(name)
    if not found:
        return _contextual(name, ctx)
    return to_place(name, best(found, ctx))


def _contextual(name: str, ctx: _Context) -> Optional[Place]:
    hit = rules().contextual.get(norm(name))
    if hit and hit[1] & set(ctx.countries):
        return to_place(name, gazetteer.get().country(hit[0]))
    return None


# ------------------------------------------------------------------------------------ the document pass

_STATE_AFTER = re.compile(r"\s*,\s*([A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)")


def _explicit_state(text: str, end: int) -> Optional[str]:
    """The US state written right after a place name: "Alexandria, La." -> "LA"."""
    m = _STATE_AFTER.match(text, end)
    if not m:
        return None
    words = m.group(1)
    code = rules().states.get(norm(words))
    if code:
        return code
    for e in gazetteer.lookup(words):
        if e.kind == "admin1" and e.country == "US" and e.how == "name":
            return e.admin1
    return None


def resolve_entities(text: str, mentions: list[Entity]) -> None:
    """Set `place` on each mention that is a place, resolved with the document as context."""
    found = {id(m): candidates(m.text, m.label) for m in mentions}
    states = {id(m): _explicit_state(text, m.end) for m in mentions}
    first = {norm(m.text): best(found[id(m)], None, states[id(m)]) for m in mentions}
    for m in mentions:
        ctx = _context(first, exclude=norm(m.text))
        pick = best(found[id(m)], ctx, states[id(m)])
        place = _contextual(m.text, ctx) if m.label != "NORP" else None
        if place is None and pick is not None:
            place = to_place(m.text, pick)
        if place is None and m.label in ("GPE", "LOC"):
            place = Place(text=m.text)  # a place name the gazetteer does not hold
        m.place = place


def _context(first: dict[str, Optional[Entry]], exclude: str) -> _Context:
    ctx = _Context()
    for key, e in first.items():
        if e is None or key == exclude:
            continue
        if e.country:
            ctx.countries[e.country] += 1
        if e.kind == "admin1" and e.country == "US":
            ctx.states[e.admin1] += 2
        elif e.admin1:
            ctx.states[e.admin1] += 1
        if e.kind in ("city", "admin2", "admin1") and e.lat is not None:
            ctx.points.append((e.lat, e.lon))
    return ctx


# ---------------------------------------------------------------------------------- missed place names

def missed_places(doc) -> list[Entity]:
    """Region and continent names the model did not mark, and admin suffixes it left off."""
    have = [(e.start, e.end) for e in doc._.entities or []]
    new = []
    for start, end, label in _region_spans(doc):
        if not any(s < end and start < e for s, e in have):
            new.append(Entity(text=doc.text[start:end], start=start, end=end, label=label))
    return new


def _region_spans(doc) -> Iterable[tuple[int, int, str]]:
    scan = rules().scan
    for i, tok in enumerate(doc):
        if not tok.text[:1].isupper():
            continue
        the = i > 0 and doc[i - 1].lower_ == "the"
        for n in (4, 3, 2, 1):
            span = doc[i:i + n]
            if len(span) < n or (span.end < len(doc) and doc[span.end].lower_ == "of"):
                continue  # "the Gulf of Mexico" is not "the Gulf"
            name = span.text.casefold()
            if name in scan or (the and "the " + name in scan):
                yield span.start_char, span.end_char, "LOC"
                break


def widened(doc, ent: Entity) -> Optional[Entity]:
    """The entity with the admin-unit word after it ("North Phyongan" + "Province"), if it is there."""
    m = re.match(r"\s+([A-Z][a-z]+)", doc.text[ent.end:ent.end + 20])
    if m and m.group(1) in rules().admin_suffixes:
        end = ent.end + m.end()
        return Entity(text=doc.text[ent.start:end], start=ent.start, end=end, label=ent.label)
    return None


FACTORY = "dateline.places.v1"


def _component(name: str):
    """Register under the versioned name; spaCy 3.8.18 refuses "." in names, so "_" there (nlp.py maps it)."""
    try:
        return Language.component(name)
    except ValueError:
        return Language.component(name.replace(".", "_"))


@_component(FACTORY)
def places_component(doc):
    if doc._.entities is None:
        doc._.entities = []
    labels = rules().labels
    wide = [w for e in doc._.entities if e.label in ("GPE", "LOC") for w in [widened(doc, e)] if w]
    if wide:
        add_entities(doc, wide, replace_overlaps=True)
    add_entities(doc, missed_places(doc), replace_overlaps=False)
    mentions = [e for e in doc._.entities if e.label in labels and e.place is None]
    resolve_entities(doc.text, mentions)
    return doc
