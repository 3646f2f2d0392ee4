"""The outlet table (dateline/data/article/outlets.yaml): names an outlet from a copyright line, masthead,
site name or URL, and gives the UTC offset of its newsroom at a given local time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Optional
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import _data
from .boilerplate import clean_copyright


@dataclass(frozen=True)
class Outlet:
    name: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    timezone: Optional[str] = None


@lru_cache(maxsize=1)
def table() -> tuple[Outlet, ...]:
    rows = _data.load("outlets.yaml").get("outlets") or []
    return tuple(Outlet(r["name"], tuple(r.get("aliases") or [r["name"]]), tuple(r.get("domains") or []),
                        r.get("timezone")) for r in rows)


@lru_cache(maxsize=1)
def _alias_pattern() -> tuple[re.Pattern, dict]:
    by_alias = {}
    for outlet in table():
        for alias in (outlet.name, *outlet.aliases):
            by_alias.setdefault(alias.lower(), outlet)
    names = sorted(by_alias, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.I)
    return pattern, by_alias


def find_in(text: str) -> Optional[Outlet]:
    """The first known outlet named in `text` (longest name at the earliest place)."""
    pattern, by_alias = _alias_pattern()
    match = pattern.search(text or "")
    return by_alias[match.group(1).lower()] if match else None


def exact(text: str) -> Optional[Outlet]:
    """The outlet whose name is the whole of `text` (a masthead line)."""
    pattern, by_alias = _alias_pattern()
    return by_alias.get((text or "").strip().lower())


def by_url(url: Optional[str]) -> Optional[Outlet]:
    host = (urlparse(url).hostname or "") if url else ""
    host = host.lower()
    for outlet in table():
        if any(host == d or host.endswith("." + d) for d in outlet.domains):
            return outlet
    return None


def name_of(text: Optional[str]) -> Optional[str]:
    """Canonical outlet name for a site name or copyright line; unknown outlets keep a cleaned name."""
    if not text:
        return None
    known = find_in(text)
    if known:
        return known.name
    return clean_copyright(text) or None


def lookup(name: Optional[str]) -> Optional[Outlet]:
    return exact(name) or find_in(name) if name else None


def utc_offset(outlet: Optional[Outlet], local: datetime) -> Optional[str]:
    """'+09:00' for a Seoul outlet at that local time; None when the outlet has no known zone."""
    if outlet is None or not outlet.timezone:
        return None
    try:
        zone = ZoneInfo(outlet.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return format_offset(local.replace(tzinfo=zone).utcoffset())


def format_offset(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
