"""Wire datelines at the start of a story: "SEOUL, Oct 23 (Yonhap) --", "Pyongyang, October 9 (KCNA) --",
"WASHINGTON (AP) —". They stay in the text; the reader records them in `Article.dateline`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from . import _data


@dataclass
class Dateline:
    text: str  # "SEOUL, Oct 23 (Yonhap)"
    agency: Optional[str] = None  # canonical wire name when the parentheses name one


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    months = _data.load("layouts.yaml")["months"]
    mon = "|".join(sorted(months, key=len, reverse=True))
    caps = r"[A-Z][A-Z.'’]+(?:[ -][A-Z][A-Z.'’]+){0,3}"
    title = r"[A-Z][a-z.'’]+(?:[ -][A-Z][a-z.'’]+){0,3}"
    region = r"(?:,\s*[A-Z][A-Za-z.'’]+(?:\s[A-Z][A-Za-z.'’]+){0,2})?"
    date = rf"(?P<date>,?\s*(?i:{mon})\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?)?"
    agency = r"(?:\s*\((?P<agency>[^()\n]{2,40})\))?"
    return re.compile(rf"^(?P<dl>(?:(?P<caps>{caps})|{title}){region}{date}{agency})\s*(?:(?:--|—|–)\s*|[-:]\s+)(?=\S)")


def find(paragraph: str) -> Optional[Dateline]:
    match = _pattern().match(paragraph.strip())
    if not match or not (match.group("caps") or match.group("date") or match.group("agency")):
        return None
    agency = None
    if match.group("agency"):
        known = {k.lower(): v for k, v in _data.load("layouts.yaml")["agencies"].items()}
        words = re.split(r"[-/ ]+", match.group("agency"))
        agency = next((known[w.lower()] for w in words if w.lower() in known), None)
        if agency is None and not (match.group("caps") or match.group("date")):
            return None  # "Kim (right) - ..." is not a dateline
    return Dateline(match.group("dl").strip(), agency)
