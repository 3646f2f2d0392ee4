"""Bylines: "By Ahn Yong-hyun", "By X and Y", "X, Staff Reporter", "By X, Reuters", "Reporting by X;
Editing by Y". Cue words, roles and agencies come from dateline/data/article/layouts.yaml."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from . import _data
from .boilerplate import may_match

NAME_WORD = r"(?:[A-Z][\w'’.-]*|[A-Z]\.|(?:de|van|von|der|den|bin|al|el|da|del|la|le|di|du|dos|ibn)\b)"
NAME = re.compile(rf"{NAME_WORD}(?:\s+{NAME_WORD}){{0,4}}")
EMAIL = re.compile(r"[(\[<]?\s*[\w.+-]+@[\w-]+\.[\w.]+\s*[)\]>]?")
PLACE = re.compile(r"\s+in\s+[A-Z][\w .'-]*$")
SEPARATORS = re.compile(r",|;|\s+and\s+|\s*&\s*|\s+with\s+")


@dataclass
class Byline:
    authors: list[str] = field(default_factory=list)
    agency: Optional[str] = None


@lru_cache(maxsize=1)
def _layouts() -> dict:
    data = _data.load("layouts.yaml")
    alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # noqa: E731
    stops = data["byline_stops"]
    ascii_stops = all(isinstance(w, str) and w.isascii() and w for w in stops)
    agencies = {k.lower(): v for k, v in data["agencies"].items()}
    return {
        "prefix": re.compile(rf"^(?:{alt(data['byline_prefixes'])})\b:?\s*", re.I),
        "stop": re.compile(rf"[;,.]?\s*\b(?:{alt(stops)})\b.*$", re.I | re.S),
        # a stop needs one of its words; said of ASCII words only, which compare lower-cased as under re.I
        "stop_needs": tuple(w.lower() for w in stops) if ascii_stops else (),
        "role": re.compile(rf"^(?:{alt(data['author_roles'])})$", re.I),
        "agencies": agencies,
        "agencies_longest_first": sorted(agencies.items(), key=lambda kv: -len(kv[0])),
        "nobody": {w.lower() for w in data.get("not_authors") or []},
    }


def _is_role(part: str) -> bool:
    return bool(_layouts()["role"].match(part))


def _agency(part: str) -> Optional[str]:
    return _layouts()["agencies"].get(part.lower().strip(" ."))


def _name(part: str, shouted: bool = False) -> Optional[str]:
    """The name in `part`; `shouted` accepts an all-capitals name ("By MIN-JI KIM") and title-cases it."""
    part = PLACE.sub("", part)  # "Josh Smith in Seoul"
    part = part.strip(" .;:,'\"")
    if shouted and part.isupper() and len(part) > 3:
        part = " ".join(w.capitalize() if len(w) > 2 or "-" in w else w for w in part.split())
        part = re.sub(r"-(\w)", lambda m: "-" + m.group(1).lower(), part)
    return part if NAME.fullmatch(part) and any(c.islower() for c in part) else None


def _trailing_agency(part: str) -> tuple[str, Optional[str]]:
    """'ELLEN PARK Associated Press' -> ('ELLEN PARK', 'Associated Press')."""
    for key, name in _layouts()["agencies_longest_first"]:
        if part.lower().endswith(" " + key):
            return part[: -len(key)].strip(), name
    return part, None


def parse(segment: str) -> Optional[Byline]:
    """A byline read from one header or footer segment, or None when it is not one."""
    text = EMAIL.sub(" ", segment).strip() if "@" in segment else segment.strip()  # an address holds an @
    signed = text != segment.strip()  # a name with an e-mail address is a signature
    layouts = _layouts()
    prefixed = bool(layouts["prefix"].match(text))
    text = layouts["prefix"].sub("", text)
    if may_match(layouts["stop_needs"], text):
        text = layouts["stop"].sub("", text)
    text = text.strip(" .;,")
    if not text or len(text) > 160:
        return None
    parts = [p.strip() for p in SEPARATORS.split(text) if p.strip()]
    byline, has_role = Byline(), False
    for part in parts:
        if _is_role(part):
            has_role = True
            continue
        if _agency(part):
            byline.agency = byline.agency or _agency(part)
            continue
        part, agency = _trailing_agency(part)
        name = _name(part, shouted=prefixed)
        if not name:
            return None
        byline.authors.append(name)
        byline.agency = byline.agency or agency
    if not byline.authors or not (prefixed or has_role or signed):
        return None
    return byline


def plausible(name: str) -> bool:
    """False for author fields that are sentences or labels ("Art Edwards says"), not names."""
    words = name.split()
    return 0 < len(words) <= 6 and (len(words) == 1 or bool(NAME.fullmatch(name)))


def split_names(value: Optional[str]) -> list[str]:
    """Authors from a metadata string such as 'Ahn Yong-hyun; Kim Min-ji' or 'By A and B'."""
    if not value:
        return []
    text = _layouts()["prefix"].sub("", (EMAIL.sub(" ", value) if "@" in value else value).strip())
    parts = re.split(r";|\|\s*|,(?!\s*(?:Jr|Sr)\b)|\s+and\s+|\s*&\s*", text)
    names = []
    for part in parts:
        part = re.sub(r"\s+", " ", part).strip(" .,;:'\"")
        if part and part.lower() not in _layouts()["nobody"] and not _is_role(part) and not _agency(part) \
                and plausible(part) and part not in names:
            names.append(part)
    return names
