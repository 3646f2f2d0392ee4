"""The `places` stage: place names resolved to gazetteer entries.

Output:
- `entity.place` on each entity of `doc._.entities` that names a place: spaCy's GPE, LOC and FAC, NORP where
  it is a country's demonym ("North Korean" -> KP), and ORG or PERSON entities that are plainly a place the
  model mislabelled ("Texas", a town of the document's state);
- `doc._.toponyms`: every place name with its exact span (a leading "the" and a possessive "'s" left out),
  including those inside an organisation's name ("Gainesville Police Department") and those the model did
  not mark at all; each an `Entity` with its `place`. Names outside every entity are also added to
  `doc._.entities` as GPE/LOC.

How a name is resolved, in two passes over the document:
1. every candidate the gazetteer holds for it is scored by feature class (continents, countries, regions and
   states first, capitals before other cities), population, and how the name matched (its own name, an
   alternate, a county without "County"); names with one clear reading give the document's context;
2. candidates gain from that context: the countries and US states the document names, closeness to its
   unambiguous places, a state written right after the name ("Paris, Tenn."), the news sense of a name
   ("Washington" is the capital). Each distinct name takes one reading per document.
Names the model did not mark as places are kept only when the context vouches for them (a country or state,
a "... County", a town of the document's state or near its other places).

Weights, suffixes and labels: `dateline/data/places/features.yaml`; names: the other files there (users add
their own under `<data_dir>/places/`, see `dateline.gazetteer`).
`resolve(name, context_countries)` is the same resolver for other stages.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

from . import gazetteer
from .entities import add_entities
from .gazetteer import Entry
from .gazetteer import norm as _gazetteer_norm
from .model import Entity, Place
from .nlp import arrays, component, sentences
from .nlp import text as doc_text

FACTORY = "dateline.places.v1"

# The gazetteer's lookup key, memoised here: the passes below key every mention's name again and again.
norm = lru_cache(maxsize=65536)(_gazetteer_norm)
STRONG_KINDS = ("continent", "country", "region", "admin1")


@dataclass
class _Rules:
    labels: frozenset[str]
    scan_labels: frozenset[str]
    admin_suffixes: tuple[str, ...]
    strong_suffixes: frozenset[str]
    prior: dict[str, float]
    context: dict[str, float]
    generic: frozenset[str]
    contextual: dict[str, tuple[str, frozenset[str]]]  # norm(name) -> (country, when_any)
    states: dict[str, str]  # norm(abbreviation) -> US state code
    preferred: dict[str, str]  # norm(name) -> place_id of its usual news sense
    scan: frozenset[str] = frozenset()  # casefolded region and continent names looked for in text


@lru_cache(maxsize=1)
def rules() -> _Rules:
    feats = gazetteer.read_data("features.yaml") or {}
    aliases = gazetteer.read_data("aliases.yaml") or {}
    regions = gazetteer.read_data("regions.yaml") or []
    return _Rules(
        labels=frozenset(feats.get("labels", ["GPE", "LOC", "FAC", "NORP"])),
        scan_labels=frozenset(feats.get("scan_labels", ["ORG", "FAC", "PERSON"])),
        admin_suffixes=tuple(feats.get("admin_suffixes", [])),
        strong_suffixes=frozenset(feats.get("strong_admin_suffixes", [])),
        prior=dict(feats.get("feature_prior", {})), context=dict(feats.get("context", {})),
        generic=frozenset(norm(w) for w in feats.get("generic_words", [])),
        contextual={norm(a["name"]): (a["country"], frozenset(a.get("when_any", [])))
                    for a in aliases.get("contextual", [])},
        states={_abbr_key(a): code for code, abbrs in (aliases.get("us_state_abbreviations") or {}).items() for a in abbrs},
        preferred={norm(k): str(v) for k, v in (aliases.get("preferred") or {}).items()},
        scan=frozenset(n.casefold() for n in [*(n for r in regions for n in r["names"]), *feats.get("continents", [])]),
    )


def _abbr_key(abbreviation: str) -> str:
    # Case counts ("MS" is Mississippi, "Ms." is not); spacing and the final period do not.
    return abbreviation.replace(" ", "").rstrip(".")


# ------------------------------------------------------------------------------------------- candidates

_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@lru_cache(maxsize=65536)  # the passes ask again for every repeated name and every word run inside a name
def candidates(text: str, label: str = "GPE") -> tuple[Entry, ...]:
    """Gazetteer entries a mention may denote. NORP mentions only as demonyms and names of countries."""
    name = _POSSESSIVE.sub("", text.strip())
    if norm(name) in rules().generic:
        return ()
    found = gazetteer.lookup(name)
    if label == "NORP":
        if not found and name.endswith("s"):
            found = gazetteer.lookup(name[:-1])  # "Americans", "Iraqis"
        return tuple(e for e in found if e.kind == "country" or e.kind == "region" and e.how == "demonym")
    if not found:
        found = _without_admin_suffix(name)
    return tuple(e for e in found if e.how != "demonym") or found


@lru_cache(maxsize=65536)  # as `candidates`
def _exact(text: str) -> tuple[Entry, ...]:
    """Entries for a name the model did not mark as a place: its own names only, no demonyms."""
    name = _POSSESSIVE.sub("", text.strip())
    if norm(name) in rules().generic:
        return ()
    found = tuple(e for e in gazetteer.lookup(name)
                  if e.how == "name" or e.how in ("alt", "demonym") and (e.kind in STRONG_KINDS or e.capital)
                  or e.how == "short" and " " in name)
    if not found and name.rsplit(" ", 1)[-1] in rules().strong_suffixes:
        found = _without_admin_suffix(name)  # "Loudon Co."
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
    weak: Counter = field(default_factory=Counter)  # country -> other names that may lie in it
    mentions: int = 0
    pairs: Optional["_Cells"] = None  # where the other names' readings may lie
    exclude: str = ""


def _kind_prior(e: Entry) -> float:
    prior = rules().prior
    if e.kind == "city" and e.capital:
        return prior.get("capital", 0.0)
    if e.kind in ("admin1", "admin2") and e.country == "US":
        return prior.get("us_" + e.kind, prior.get(e.kind, 0.0))
    return prior.get(e.kind, 0.0)


@lru_cache(maxsize=65536)
def _preferred(name: str) -> Optional[str]:
    """The place_id of a name's usual news sense, if it has one (memoised: `score` asks for every candidate)."""
    return rules().preferred.get(norm(name))


def score(e: Entry, ctx: Optional[_Context] = None, explicit_state: Optional[str] = None, name: str = "") -> float:
    return _with_context(_base_score(e, explicit_state, name), e, ctx, rules().context)


def _base_score(e: Entry, explicit_state: Optional[str], name: str) -> float:
    """`score` without a context: the part that stays the same for a mention whatever the document says."""
    w = rules().context
    s = _kind_prior(e) + math.log10(e.population + 1) - {"name": 0.0, "alt": 1.5, "short": 2.5}.get(e.how, 0.0)
    if name and _preferred(name) == e.place_id:
        s += w.get("preferred", 0.0)
    if explicit_state and e.admin1 == explicit_state:
        s += w.get("explicit_admin1", 0.0)
    return s


def _with_context(s: float, e: Entry, ctx: Optional[_Context], w: dict) -> float:
    """A base score `s` with what the context adds, added in `score`'s order (the sums stay bit-identical)."""
    if ctx is None:
        return s
    if e.country and ctx.countries.get(e.country):
        s += w.get("same_country", 0.0) * min(1.0, ctx.countries[e.country])
    if e.country and ctx.mentions:
        s += w.get("weak_country", 0.0) * ctx.weak.get(e.country, 0) / ctx.mentions
    if e.kind in ("city", "admin2", "admin1") and e.admin1 and ctx.states.get(e.admin1):
        s += w.get("same_admin1", 0.0) * min(1.0, ctx.states[e.admin1] / 2)
    if e.kind in ("city", "admin2") and e.lat is not None and ctx.points:
        s += _nearness(e, ctx.points, w)
    if e.kind in ("city", "admin2") and e.lat is not None and ctx.pairs is not None \
            and ctx.pairs.near(e.lat, e.lon, w.get("pair_km", 0.0), ctx.exclude):
        s += w.get("pair_bonus", 0.0)
    return s


class _Cells:
    """Readings of the document's names bucketed by one-degree cell: "Paris" and "Henry County" both have
    a reading in Tennessee, 30 km apart, and so support each other."""

    def __init__(self, mentions: list["Mention"], per_name: int = 12):
        self.mentions, self.per_name = mentions, per_name
        self._cells: Optional[dict[tuple[int, int], list[tuple[str, float, float]]]] = None

    @property
    def cells(self) -> dict[tuple[int, int], list[tuple[str, float, float]]]:
        # Bucketed on the first question: a document whose names have one reading each never asks.
        if self._cells is None:
            self._cells = self._bucket(self.mentions, self.per_name)
        return self._cells

    @staticmethod
    def _bucket(mentions: list["Mention"], per_name: int) -> dict[tuple[int, int], list[tuple[str, float, float]]]:
        cells: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
        seen = set()
        for m in mentions:
            key = norm(m.text)
            if key in seen:
                continue
            seen.add(key)
            for _, e in _plain(m)[:per_name]:
                if e.kind in ("city", "admin2") and e.lat is not None:
                    cells.setdefault((int(e.lat // 1), int(e.lon // 1)), []).append((key, e.lat, e.lon))
        return cells

    def near(self, lat: float, lon: float, km: float, exclude: str) -> bool:
        cy, cx, cells = int(lat // 1), int(lon // 1), self.cells
        # A reading further in latitude alone than km (with a kilometre to spare) is out of reach: no distance.
        reach = math.degrees((km + 1.0) / 6371.0)
        return any(abs(la - lat) <= reach and not _same_name(key, exclude) and distance_km(lat, lon, la, lo) <= km
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1) for key, la, lo in cells.get((cy + dy, cx + dx), ()))


def _nearness(e: Entry, points: list[tuple[float, float]], w: dict) -> float:
    # A point further away in latitude alone than the widest reach (with a kilometre to spare) is out of
    # reach whatever its longitude: it cannot change the answer, so its distance is not computed. The bonus
    # is the nearest point's: a close point settles it, so the rest are not measured.
    close_km, near_km = w.get("close_km", 0.0), w.get("near_km", 0.0)
    reach = math.degrees((max(close_km, near_km) + 1.0) / 6371.0)
    near = False
    for lat, lon in points:
        if abs(lat - e.lat) <= reach:
            d = distance_km(e.lat, e.lon, lat, lon)
            if d <= close_km:
                return w.get("close_bonus", 0.0)
            near = near or d <= near_km
    return w.get("near_bonus", 0.0) if near else 0.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def ranked(found: Iterable[Entry], ctx: Optional[_Context] = None, explicit_state: Optional[str] = None,
           name: str = "") -> list[tuple[float, Entry]]:
    found = _prefer_cities(tuple(found))
    return sorted(((score(e, ctx, explicit_state, name), e) for e in found), key=lambda p: -p[0])


def best(found: Iterable[Entry], ctx: Optional[_Context] = None, explicit_state: Optional[str] = None,
         name: str = "") -> Optional[Entry]:
    top = ranked(found, ctx, explicit_state, name)
    return top[0][1] if top else None


def _prefer_cities(found: tuple[Entry, ...]) -> tuple[Entry, ...]:
    # A province or county named as its main city ("Beijing", "Paris") is read as the city: news that
    # means the unit says "Province" or "County", and such names are looked up with their suffix.
    cities = {(e.country, e.admin1) for e in found if e.kind == "city"}
    capitals = {e.country for e in found if e.kind == "city" and e.capital}  # "Moscow", "Kiev": not the oblast
    return tuple(e for e in found
                 if not (e.kind in ("admin1", "admin2") and e.how == "name" and e.country != "US"
                         and ((e.country, e.admin1) in cities or e.country in capitals))
                 and not (e.kind == "admin2" and e.how == "name" and (e.country, e.admin1) in cities)) or found


def to_place(text: str, e: Optional[Entry]) -> Place:
    if e is None:
        return Place(text=text)
    place_id = e.place_id if e.place_id.isdigit() or e.place_id.startswith("region:") else None
    return Place(text=text, place_id=place_id, name=e.name, country=e.country, feature=e.feature, lat=e.lat, lon=e.lon)


def resolve(name: str, context_countries: Iterable[str] = ()) -> Optional[Place]:
    """The place a name most likely denotes, given the countries its text is about; None when unknown."""
    ctx = _Context(countries=Counter({c: 2 for c in context_countries}))
    return _contextual(name, ctx) or (to_place(name, best(candidates(name), ctx, name=name))
                                      if candidates(name) else None)


def _contextual(name: str, ctx: _Context) -> Optional[Place]:
    hit = rules().contextual.get(norm(name))
    if hit and hit[1] & set(ctx.countries):
        return to_place(name, gazetteer.get().country(hit[0]))
    return None


# ---------------------------------------------------------------------------------------- the mentions

@dataclass
class Mention:
    start: int
    end: int
    text: str
    label: str
    trusted: bool  # marked as a place by the model (or a listed region); others need the context's support
    entity: Optional[Entity] = None  # the entity whose place this is, when the name is the whole entity
    found: tuple[Entry, ...] = ()
    state: Optional[str] = None  # US state written right after the name
    pick: Optional[Entry] = None
    plain: Optional[tuple] = field(default=None, repr=False, compare=False)  # see `_plain`


# Patterns compiled once: `re.match(pattern, ...)` looks the pattern up in re's cache on every call.
_THE = re.compile(r"(?i)the\s+")
_AFTER_COMMA = re.compile(r"[,-]\s*$")
_WORD_AFTER = re.compile(r"\s+([A-Z][a-z]+)")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A place name's own span: without a leading "the" and a trailing possessive."""
    span = text[start:end]
    m = _THE.match(span)
    if m and end - start > m.end():
        start += m.end()
    m = _POSSESSIVE.search(text[start:end])
    if m and m.start() > 0:
        end = start + m.start()
    return start, end


_STATE_AFTER = re.compile(r"\s*,\s*([A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)")


def _explicit_state(text: str, end: int) -> Optional[str]:
    """The US state written right after a place name: "Alexandria, La." -> "LA"."""
    m = _STATE_AFTER.match(text, end)
    if not m:
        return None
    words = m.group(1)
    code = rules().states.get(_abbr_key(words))
    if code:
        return code
    found = [e for e in gazetteer.lookup(words) if e.kind == "admin1" and e.country == "US" and e.how == "name"]
    return found[0].admin1 if found else None


_DOTTED = re.compile(r"[A-Z]\.\s?[A-Z][a-z]?\.?$")  # "S.C.", "N.Y.", "W.Va.", "W. Va."


def _state_abbreviation(text: str, start: int, end: int) -> Optional[tuple[int, str]]:
    """An abbreviated state ("Charleston, W.Va.", "the S.C. Highway Patrol"): its end, with a final period,
    and its code. Short forms that are also words ("Pa.", "Miss.") count only after a comma."""
    if not rules().states.get(_abbr_key(text[start:end])):
        return None  # no state's key, with the final period either (the key drops it): most words asked about
    after_comma = _AFTER_COMMA.search(text[max(0, start - 3):start])
    if not after_comma and not _DOTTED.match(text[start:end + 1].rstrip()):
        return None
    if end < len(text) and text[end] == "." and not text[start:end].endswith("."):
        code = rules().states.get(_abbr_key(text[start:end + 1]))
        if code and "." in text[start:end]:
            return end + 1, code
    code = rules().states.get(_abbr_key(text[start:end]))
    return (end, code) if code and (text[start:end].endswith(".") or len(text[start:end]) > 2) else None


def _entity_mentions(doc, text: str) -> list[Mention]:
    labels, scan_labels = rules().labels, rules().scan_labels
    out = []
    for ent in doc._.entities or []:
        if ent.label in labels:
            start, end = _trim(text, ent.start, ent.end)
            out.append(Mention(start, end, text[start:end], ent.label, True, ent))
            if ent.label != "NORP" and not candidates(text[start:end]):
                # "Cottonport Fire Station", "South Philadelphia": the place inside the name
                out.extend(_inner_mentions(doc, ent, text))
        elif ent.label in scan_labels:
            start, end = _trim(text, ent.start, ent.end)
            out.append(Mention(start, end, text[start:end], "GPE", False, ent))
            if ent.label != "PERSON":
                out.extend(_inner_mentions(doc, ent, text))
    return out


def _inner_mentions(doc, ent: Entity, text: str, trusted: bool = False) -> list[Mention]:
    """Place names inside an organisation's or facility's name: "Gainesville Police Department"."""
    span = doc.char_span(ent.start, ent.end, alignment_mode="expand")
    if span is None or len(span) < 2:
        return []
    return [Mention(s, e, text[s:e], _inner_label(text[s:e]), trusted) for s, e in _capitalised_runs(span, text)
            if (s, e) != (ent.start, ent.end) and not (ent.label not in ("GPE", "LOC") and _head_noun(span, s, e))]


def _head_noun(span, start: int, end: int) -> bool:
    """ "Webb Center", "Lincoln High": a name's last word names what it is, not where, unless after "of"."""
    if end != span.end_char:
        return False
    first = next(t for t in span if t.idx >= start)
    return first.i == span.start or span.doc[first.i - 1].lower_ not in ("of", "in", "at", "for", "de")


def _inner_label(name: str) -> str:
    # A country's adjective inside a name ("American Farm Bureau") is read as its demonym.
    return "NORP" if any(e.how == "demonym" for e in gazetteer.lookup(name)) else "GPE"


def _capitalised_runs(tokens, text: str) -> Iterable[tuple[int, int]]:
    """Longest capitalised word sequences (up to four words) with a gazetteer entry, left to right."""
    toks = [t for t in tokens]
    if toks and toks[0].lower_ == "the":
        toks = toks[1:]  # "The DPRK": the name is "DPRK"
    # each token's text, offset and case read once: the n-grams below read them up to four times each
    words = [t.text for t in toks]
    caps = [w[:1].isupper() for w in words]
    inner = [c or w in (".", "-") for c, w in zip(caps, words)]
    starts = [t.idx for t in toks]
    i = 0
    while i < len(toks):
        hit = None
        for n in (4, 3, 2, 1):
            if i + n <= len(toks) and caps[i] and caps[i + n - 1] and all(inner[i:i + n]):
                part = toks[i:i + n]
                s, e = starts[i], starts[i + n - 1] + len(words[i + n - 1])
                if not (_namelike(part) or _dateline(text, s, e)):
                    continue
                if (_exact(text[s:e]) or _state_abbreviation(text, s, e)) and not _HOLIDAY.match(text, e) \
                        and not _city_of(part, text):
                    hit = (s, e, n)
                    break
        if hit:
            yield hit[0], hit[1]
            i += hit[2]
        else:
            i += 1


def _city_of(part, text: str) -> bool:
    """ "Dublin City Council": the town is "Dublin"; "Kansas City" and "Jersey City" are towns by that name."""
    if len(part) < 2 or part[-1].text != "City":
        return False
    name = text[part[0].idx:part[-2].idx + len(part[-2].text)]
    whole = text[part[0].idx:part[-1].idx + len(part[-1].text)]
    return bool(_exact(name)) and not any(e.kind == "city" and e.how == "name" for e in _exact(whole))


_HOLIDAY = re.compile(r"(?:'s|’s)?\s+Day\b")  # "St. Patrick's Day", "Columbus Day"


def _namelike(tokens) -> bool:
    """Not a capitalised common word: "To", "Over" and "Leader" are no town here."""
    if len(tokens) > 1:
        return True
    t = tokens[0]
    if t.pos_ == "ADJ":
        return any(e.how == "demonym" for e in gazetteer.lookup(t.text))  # "American" in "American Red Cross"
    return not t.is_stop and (t.pos_ == "PROPN" or not t.pos_) and len(t.text) > 2


def _free_mentions(doc, taken: list[tuple[int, int]], text: str) -> list[Mention]:
    """Capitalised names outside every entity (regions, states the model missed, "..., S.C.")."""
    covered = bytearray(len(text) + 1)
    for s, e in taken:
        covered[s:e] = b"\x01" * (e - s)
    starts = _sentence_starts(doc)
    # Runs of capitalised tokens outside the entities, found from the offsets and the text; Token objects
    # are made only for the tokens of a run.
    offsets, lengths = arrays(doc, ("IDX", "LENGTH"))
    capital = [i for i, (idx, length) in enumerate(zip(offsets, lengths))
               if text[idx].isupper() and not (covered[idx] or covered[idx + length - 1])]
    runs, current = [], []
    for i in capital:  # maximal runs of consecutive indices
        if current and i != current[-1] + 1:
            runs.append(current)
            current = []
        current.append(i)
    if current:
        runs.append(current)
    runs = [[doc[i] for i in run] for run in runs]
    out = []
    for run in runs:
        if len(run) == 1 and run[0].i in starts and run[0].pos_ not in ("PROPN", "") \
                and not _dateline(text, run[0].idx, run[0].idx + len(run[0].text)):
            continue  # a capitalised first word of a sentence
        for s, e in _capitalised_runs(run, text):
            out.append(Mention(s, e, text[s:e], "GPE", _listed_region(text, s, e) or _dateline(text, s, e)))
    return out


_DATELINE_AFTER = re.compile(r"(?:,\s*[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)?\s*(?:\(|—|–|--|-\s|:\s)")


def _dateline(text: str, start: int, end: int) -> bool:
    """ "BEIRUT (AP) --", "COLUMBUS, Ohio —": a capitalised place name that opens a story or paragraph."""
    name = text[start:end]
    if not name.isupper() or len(name) < 3:
        return False
    before = text[max(0, start - 2):start]
    return (start == 0 or "\n" in before or before.endswith(". ")) and bool(_DATELINE_AFTER.match(text, end))


def _sentence_starts(doc) -> set[int]:
    return {s.start for s in sentences(doc)}


_UNIT_LIST = re.compile(r"((?:[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?:,\s*|\s+and\s+|,\s+and\s+))+[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)"
                        r"\s+(counties|parishes)\b")
_UNIT_NAME = re.compile(r"[A-Z][a-z]+(?:\s[A-Z][a-z]+)?")


def _unit_list_mentions(text: str) -> list[Mention]:
    """ "Kanawha and Monongalia counties": each name is a county."""
    out = []
    if "counties" not in text and "parishes" not in text:
        return out  # the pattern ends in one of these words: most texts are ruled out without running it
    suffix = {"counties": "County", "parishes": "Parish"}
    for m in _UNIT_LIST.finditer(text):
        for n in _UNIT_NAME.finditer(m.group(1)):
            start, end = m.start(1) + n.start(), m.start(1) + n.end()
            found = tuple(e for e in gazetteer.lookup(f"{n.group()} {suffix[m.group(2)]}") if e.kind == "admin2")
            if found:
                out.append(Mention(start, end, n.group(), "GPE", True, found=found))
    return out


def _listed_region(text: str, start: int, end: int) -> bool:
    name = text[start:end].casefold()
    the = text[max(0, start - 4):start].casefold() == "the "
    return name in rules().scan or (the and "the " + name in rules().scan)


# ------------------------------------------------------------------------------------ the document pass

def resolve_mentions(text: str, mentions: list[Mention]) -> None:
    for m in mentions:
        _gather(text, m)
    firm = _firm_readings(mentions)
    _pick_all(mentions, firm)
    trusted = [m.trusted for m in mentions]
    _vouch_all(mentions, firm)
    # Second round: names vouched for, and readings the first round made clear, sharpen the context.
    again = _firm_readings([m for m in mentions if m.trusted], firm)
    if trusted == [m.trusted for m in mentions] and _same_readings(again, firm):
        # The same names trusted and the same clear readings: the second round would pick and vouch for
        # exactly what the first did (the picks are made afresh from those alone).
        return
    _pick_all(mentions, again)
    _vouch_all(mentions, again)


def _same_readings(a: dict[str, Entry], b: dict[str, Entry]) -> bool:
    return list(a) == list(b) and all(a[key] is b[key] for key in a)


def _gather(text: str, m: Mention) -> None:
    abbr = _state_abbreviation(text, m.start, m.end)
    if abbr:
        m.end, code = abbr
        m.text = text[m.start:m.end]
        state = gazetteer.get().state(code)
        m.found = (state,) if state else ()
    elif not m.found:
        m.found = candidates(m.text, m.label) if m.trusted else _exact(m.text)
    m.state = _explicit_state(text, m.end)


def _plain(m: Mention) -> list[tuple[float, Entry]]:
    """`ranked` without context for a mention, computed once while its candidates stay the same."""
    return _scored(m)[1]


def _scored(m: Mention) -> tuple:
    """(base scores in `ranked`'s candidate order, `ranked` without context) of a mention, kept while its
    candidates, state and text stay the same: `_in_context` adds each context to the same base scores."""
    if m.plain is None or m.plain[0] is not m.found or m.plain[1] != m.state or m.plain[2] != m.text:
        bases = [(_base_score(e, m.state, m.text), e) for e in _prefer_cities(tuple(m.found))]
        m.plain = (m.found, m.state, m.text, (bases, sorted(bases, key=lambda p: -p[0])))
    return m.plain[3]


def _in_context(m: Mention, ctx: _Context) -> list[tuple[float, Entry]]:
    """`ranked(m.found, ctx, m.state, m.text)`, from the mention's base scores."""
    w = rules().context
    return sorted([(_with_context(s, e, ctx, w), e) for s, e in _scored(m)[0]], key=lambda p: -p[0])


class _Contexts(dict):
    """`_context(firm, name, weak)` by excluded name, each built once: the whole document's context less what
    the excluded names add. The counts are whole numbers and the points are only compared by distance, so
    the result reads the same as `_context`'s, without a pass over every name for every name."""

    def __init__(self, firm: dict[str, Entry], weak: Optional[dict[str, frozenset[str]]] = None):
        super().__init__()
        self.firm, self.weak = firm, weak or {}
        self.whole: Optional[_Context] = None  # built on the first question: many passes ask none

    def _build(self) -> None:
        firm = self.firm
        self.whole = _Context()
        for countries in self.weak.values():
            self.whole.mentions += 1
            self.whole.weak.update(countries)
        for e in firm.values():
            _add_reading(self.whole, e, 1)
        self.points = [(key, (e.lat, e.lon)) for key, e in firm.items() if e.kind in ("city", "admin2")
                       and e.lat is not None]
        self.whole.points = [point for _, point in self.points]
        self.firm_names, self.weak_names = _NameIndex(firm), _NameIndex(self.weak)

    def __missing__(self, exclude: str) -> _Context:
        # Contexts are only read, so one that excludes nothing shares the whole document's counts.
        if self.whole is None:
            self._build()
        whole = self.whole
        ctx = self[exclude] = _Context(countries=whole.countries, states=whole.states, weak=whole.weak,
                                       mentions=whole.mentions, points=whole.points)
        gone = self.firm_names.same(exclude)
        if gone:
            ctx.countries, ctx.states = whole.countries.copy(), whole.states.copy()
            for key in gone:
                _add_reading(ctx, self.firm[key], -1)
            _drop_empty(ctx.countries)
            _drop_empty(ctx.states)
            ctx.points = [point for key, point in self.points if key not in gone]
        weak_gone = self.weak_names.same(exclude)
        if weak_gone:
            ctx.weak = whole.weak.copy()
            for key in weak_gone:
                ctx.mentions -= 1
                ctx.weak.subtract(self.weak[key])
            _drop_empty(ctx.weak)
        return ctx


class _NameIndex:
    """The names of a mapping that `_same_name` pairs with a given name, found without comparing them all."""

    def __init__(self, names):
        self.names = set(names)
        self.longer: dict[str, list[str]] = {}  # "dublin" -> ["dublin city"]
        for name in self.names:
            i = name.find(" ")
            while i >= 0:
                self.longer.setdefault(name[:i], []).append(name)
                i = name.find(" ", i + 1)

    def same(self, other: str) -> set[str]:
        found = set(self.longer.get(other, ()))
        if other in self.names:
            found.add(other)
        i = other.find(" ")
        while i >= 0:
            if other[:i] in self.names:
                found.add(other[:i])  # "dublin" for "dublin city"
            i = other.find(" ", i + 1)
        return found


def _add_reading(ctx: _Context, e: Entry, n: int) -> None:
    """What a firm reading adds to a context (as in `_context`), n times."""
    for country in ([e.country] if e.country else _region_members(e)):
        ctx.countries[country] += n
    if e.kind == "admin1" and e.country == "US":
        ctx.states[e.admin1] += 2 * n
    elif e.admin1:
        ctx.states[e.admin1] += n


def _drop_empty(counts: Counter) -> None:
    for key in [k for k, v in counts.items() if v <= 0]:
        del counts[key]


def _pick_all(mentions: list[Mention], firm: dict[str, Entry]) -> None:
    weak = _weak_votes(mentions)
    cells = _Cells([m for m in mentions if m.trusted or _admin_named(m)])
    contexts = _Contexts(firm, weak)
    picks: dict[tuple, tuple] = {}  # a name repeated with the same candidates reads the same
    contextual_names = rules().contextual
    for m in mentions:
        key = norm(m.text)
        done = picks.get((m.text, m.state))
        if done is not None and done[0] == m.found:
            m.pick = done[1]
        elif not m.found:
            m.pick = None  # nothing to rank: the context is not needed
        elif len(_scored(m)[0]) == 1:
            m.pick = _scored(m)[0][0][1]  # one reading: it wins in any context
            picks[(m.text, m.state)] = (m.found, m.pick)
        else:
            ctx = contexts[key]
            ctx.pairs, ctx.exclude = cells, key
            top = _in_context(m, ctx)
            m.pick = top[0][1] if top else None
            picks[(m.text, m.state)] = (m.found, m.pick)
        contextual = _contextual(m.text, contexts[key]) if m.label != "NORP" and key in contextual_names else None
        if contextual is not None:
            m.pick = gazetteer.get().country(contextual.country)


def _vouch_all(mentions: list[Mention], firm: dict[str, Entry]) -> None:
    persons = _person_words(mentions)
    trusted_names = {norm(m.text) for m in mentions if m.trusted and m.pick is not None}
    contexts = _Contexts(firm)
    for m in mentions:
        if not m.trusted:
            m.trusted = m.pick is not None and _vouched(m, contexts, trusted_names, persons)
        elif m.pick is not None and m.pick.kind not in STRONG_KINDS and norm(m.text) in persons:
            m.pick = None  # "Ripley" where the article names Sheriff John Ripley
        elif m.pick is not None and _doubtful(m, contexts):
            m.pick = None  # "Petrova": a village abroad that nothing else in the article points to


def _firm_readings(mentions: list[Mention], before: Optional[dict[str, Entry]] = None) -> dict[str, Entry]:
    """Names whose reading is clear: one candidate, or a wide lead over the next (in the context of the
    readings that were clear `before`, when given)."""
    margin = rules().context.get("firm_margin", 3.0)
    weak = _weak_votes(mentions) if before is not None else None
    contexts = _Contexts(before, weak) if before is not None else None
    firm = {}
    done: dict[tuple, Optional[Entry]] = {}  # a name repeated with the same candidates reads the same
    for m in mentions:
        if not m.trusted and not any(e.kind in STRONG_KINDS and e.how in ("name", "alt") for e in m.found) \
                and not _admin_named(m):
            continue
        if not m.found:
            continue  # no reading, firm or not
        seen = (m.text, m.state, id(m.found))
        if seen not in done:
            top = _in_context(m, contexts[norm(m.text)]) if contexts is not None and len(_plain(m)) > 1 else _plain(m)
            done[seen] = top[0][1] if top and (len(top) == 1 or top[0][0] - top[1][0] >= margin) else None
        if done[seen] is not None:
            firm[norm(m.text)] = done[seen]  # again: another spelling of the name may have come between
    return firm


def _weak_votes(mentions: list[Mention]) -> dict[str, frozenset[str]]:
    """For each name, the countries it may lie in (by its likelier readings)."""
    votes = {}
    for m in mentions:
        if m.trusted or _admin_named(m):
            top = _plain(m)[:5]
            if top:
                votes[norm(m.text)] = frozenset(e.country for _, e in top if e.country)
    return votes


def _context(firm: dict[str, Entry], exclude: str, weak: Optional[dict[str, frozenset[str]]] = None) -> _Context:
    ctx = _Context()
    for key, countries in (weak or {}).items():
        if not _same_name(key, exclude):
            ctx.mentions += 1
            ctx.weak.update(countries)
    for key, e in firm.items():
        if _same_name(key, exclude):
            continue
        for country in ([e.country] if e.country else _region_members(e)):
            ctx.countries[country] += 1
        if e.kind == "admin1" and e.country == "US":
            ctx.states[e.admin1] += 2
        elif e.admin1:
            ctx.states[e.admin1] += 1
        if e.kind in ("city", "admin2") and e.lat is not None:
            ctx.points.append((e.lat, e.lon))
    return ctx


def _same_name(key: str, other: str) -> bool:
    """ "Dublin City" is no evidence for "Dublin": a name does not vouch for itself in longer words."""
    return key == other or key.startswith(other + " ") or other.startswith(key + " ")


def _admin_named(m: Mention) -> bool:
    """ "Edgar County": a unit named with its suffix is as clear as a name the model marked."""
    return _admin_suffixed(m.text) and any(e.kind in ("admin1", "admin2") and e.how == "name" for e in m.found)


@lru_cache(maxsize=65536)
def _admin_suffixed(name: str) -> bool:
    # memoised: the passes ask it of every mention several times
    return any(name.endswith(" " + w) for w in rules().admin_suffixes)


@lru_cache(maxsize=1)
def _warm_gazetteer() -> None:
    gazetteer.get().warm()  # on the load's warm-up article, as `_single_member_regions`


@lru_cache(maxsize=None)
def _single_member_regions() -> dict[str, str]:
    regions = gazetteer.read_data("regions.yaml") or []
    return {f"region:{r['id']}": r["members"][0] for r in regions if len(r.get("members") or []) == 1}


def _region_members(e: Entry) -> list[str]:
    """A region inside one country ("the Midwest") speaks for that country."""
    member = _single_member_regions().get(e.place_id)
    return [member] if member else []


def _person_words(mentions: list[Mention]) -> set[str]:
    # Words of full personal names only: a lone "Gainesville" read as a person is the town.
    return {w for m in mentions if m.entity is not None and m.entity.label == "PERSON"
            and len(m.entity.text.split()) > 1 for w in norm(m.entity.text).split()}


def _doubtful(m: Mention, contexts: _Contexts) -> bool:
    e = m.pick
    if e.kind != "city" or e.population >= rules().context.get("doubt_population", 0) or m.state:
        return False
    ctx = contexts[norm(m.text)]
    return bool(ctx.countries) and e.country not in ctx.countries


def _vouched(m: Mention, contexts: _Contexts, trusted_names: set[str], persons: set[str]) -> bool:
    """A name the model did not mark as a place is kept when the document vouches for that reading."""
    e, key = m.pick, norm(m.text)
    if key in persons and not (m.entity is not None and m.entity.label == "PERSON" and key in trusted_names):
        return False
    if e.kind in STRONG_KINDS and e.how in ("name", "alt", "demonym"):
        # a province abroad ("Maritime", Togo) only in a story about its country
        return e.kind != "admin1" or e.country == "US" or e.country in contexts[key].countries
    if e.kind in ("admin1", "admin2") and _admin_named(m):
        return True
    if key in trusted_names:
        return True
    ctx = contexts[key]
    size = max(c.population for c in m.found if c.kind == "city") if e.kind == "city" and e.how == "name" else 0
    threshold = rules().context.get("vouch_population" if m.entity is not None else "vouch_population_inside", math.inf)
    if size >= threshold and (not ctx.countries or e.country in ctx.countries):
        return True  # a town of some size, named by a whole entity ("Gainesville" read as a person) or in one
    w = rules().context
    near = e.lat is not None and ctx.points and _nearness(e, ctx.points, w) >= w.get("close_bonus", 0.0)
    return bool((m.state and m.state == e.admin1) or near or (e.admin1 and ctx.states.get(e.admin1, 0) >= 2))


# ---------------------------------------------------------------------------------------- the component

def widened(text: str, ent: Entity) -> Optional[Entity]:
    """The entity with the admin-unit word after it ("North Phyongan" + "Province"), if it is there."""
    m = _WORD_AFTER.match(text[ent.end:ent.end + 20])
    if m and m.group(1) in rules().admin_suffixes:
        end = ent.end + m.end()
        return Entity(text=text[ent.start:end], start=ent.start, end=end, label=ent.label)
    return None


def _register() -> None:
    from spacy.tokens import Doc

    if not Doc.has_extension("toponyms"):
        Doc.set_extension("toponyms", default=None)


@component(FACTORY)
def places_component(doc):
    _register()
    _single_member_regions()  # read here, not on a first context: the load's warm-up article may ask for none
    _warm_gazetteer()
    text = doc_text(doc)  # a Doc rebuilds its text on every access
    if doc._.entities is None:
        doc._.entities = []
    wide = [w for e in doc._.entities if e.label in ("GPE", "LOC") for w in [widened(text, e)] if w]
    if wide:
        add_entities(doc, wide, replace_overlaps=True)
    mentions = _entity_mentions(doc, text)
    mentions += _free_mentions(doc, [(e.start, e.end) for e in doc._.entities], text)
    units = _unit_list_mentions(text)
    mentions = [m for m in mentions if m.entity is not None or not any(
        u.start < m.end and m.start < u.end for u in units)]
    mentions += [u for u in units if not any(m.start < u.end and u.start < m.end for m in mentions)]
    resolve_mentions(text, mentions)
    toponyms, added = [], []
    for m in mentions:
        if not m.trusted and not (m.entity is not None and m.entity.label in rules().labels):
            continue
        if m.pick is None:
            continue  # a name the gazetteer does not hold: mostly not a place at all ("Saakashvili")
        place = to_place(m.text, m.pick)
        if m.entity is not None and m.entity.place is None:
            m.entity.place = place
        ent = Entity(text=m.text, start=m.start, end=m.end, label=m.entity.label if m.entity else "GPE", place=place)
        toponyms.append(ent)
        if m.entity is None and not _inside_entity(doc, m):
            added.append(Entity(text=m.text, start=m.start, end=m.end, label=_label(m.pick), place=place))
    add_entities(doc, added, replace_overlaps=False)
    doc._.toponyms = sorted({(e.start, e.end): e for e in reversed(toponyms)}.values(), key=lambda e: (e.start, e.end))
    return doc


def _inside_entity(doc, m: Mention) -> bool:
    return any(e.start < m.end and m.start < e.end for e in doc._.entities or [])


def _label(e: Optional[Entry]) -> str:
    return "LOC" if e is not None and e.kind in ("continent", "region", "other") else "GPE"
