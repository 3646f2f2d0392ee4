"""Date-time lines in the layouts news sites use: "October 23, 2015 10:49", "2015-10-23 10:49",
"Posted : 2015-10-23 17:05", "Updated Oct 23, 2015 5:05 pm", "23 Oct 2015", "Published: ... KST".
Month names, cue words and time-zone abbreviations come from dateline/data/article/layouts.yaml."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Optional

from . import _data


@dataclass
class Stamp:
    year: int
    month: int
    day: int
    hour: Optional[int] = None
    minute: Optional[int] = None
    second: int = 0
    offset: Optional[str] = None  # "+09:00" when the text states it

    def local(self) -> datetime:
        return datetime(self.year, self.month, self.day, self.hour or 0, self.minute or 0, self.second)

    def iso(self, offset: Optional[str] = None) -> str:
        """ISO 8601: the date alone when no time is known, else date-time with the offset when known."""
        if self.hour is None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        text = self.local().isoformat()
        offset = self.offset or offset
        return text + offset if offset else text


YEAR = r"(?:19|20)\d{2}"  # every date layout below has one: a text without one holds no date
MEMO_CHARS = 2000  # texts up to this long have their date remembered (a header line is tried several ways)


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> dict:
    data = _data.load("layouts.yaml")
    mon = rf"(?P<mon>{_alt(data['months'])})\b\.?"
    day = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    year = rf"(?P<year>{YEAR})"
    dates = [
        rf"{mon}\s*{day},?\s+{year}",
        rf"{day}\s+(?:of\s+)?{mon},?\s+{year}",
        rf"{year}\s*[-./년]\s*(?P<mnum>\d{{1,2}})\s*[-./월]\s*{day}(?:\s*일|\.)?",
        rf"(?P<mnum>\d{{1,2}})/{day}/{year}",
        rf"{day}\.(?P<mnum>\d{{1,2}})\.{year}",
    ]
    prefixes = {kind: re.compile(rf"^(?:{_alt(words)})\b\s*[:：]?\s*", re.I)
                for kind, words in data["date_prefixes"].items()}
    all_prefixes = [w for words in data["date_prefixes"].values() for w in words]
    noise = list(data["weekdays"]) + list(data["date_fillers"]) + all_prefixes + ["t"]
    return {
        "year": re.compile(YEAR),
        "dates": [re.compile(rf"(?<![\d\w]){p}(?!\d)", re.I) for p in dates],
        "time": re.compile(r"(?<![\d:])(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:\.\d+)?)?"
                           r"\s*(?P<ampm>[ap]\.?\s?m\.?)?(?:\s*(?P<z>Z)\b|\s*(?:GMT|UTC)?\s*(?P<off>[+-]\d{1,2}(?::?\d{2})?))?"
                           r"(?![\d])", re.I),
        "tz": re.compile(rf"\b(?P<tz>{_alt(data['timezones'])})\b(?:\s*(?P<off>[+-]\d{{1,2}}(?::?\d{{2}})?))?"),
        "zones": dict(data["timezones"]),
        "months": {k.lower(): v for k, v in data["months"].items()},
        "prefixes": prefixes,
        "noise": re.compile(rf"\b(?:{_alt(noise)})\b", re.I),
    }


def _offset(raw: str) -> Optional[str]:
    sign, digits = raw[0], raw[1:].replace(":", "")
    hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "00")
    if not hours or int(hours) > 14 or int(minutes) >= 60:
        return None
    return f"{sign}{int(hours):02d}:{minutes}"


def _date(text: str) -> Optional[tuple[Stamp, tuple[int, int]]]:
    found = _remembered_date(text) if len(text) <= MEMO_CHARS else _scan_date(text)
    if not found:
        return None
    (year, month, day), span = found
    return Stamp(year, month, day), span  # a new Stamp each time: `_time` fills in the one it is given


@lru_cache(maxsize=256)
def _remembered_date(text: str) -> Optional[tuple[tuple[int, int, int], tuple[int, int]]]:
    return _scan_date(text)


def _scan_date(text: str) -> Optional[tuple[tuple[int, int, int], tuple[int, int]]]:
    pats = _patterns()
    if not pats["year"].search(text):
        return None
    for pattern in pats["dates"]:
        for m in pattern.finditer(text):
            g = m.groupdict()
            month = pats["months"][g["mon"].lower()] if g.get("mon") else int(g["mnum"])
            day, year = int(g["day"]), int(g["year"])
            if month > 12 and day <= 12:  # 23/10/2015 written day first
                month, day = day, month
            try:
                datetime(year, month, day)
            except ValueError:
                continue
            return (year, month, day), m.span()
    return None


def _time(text: str, stamp: Stamp) -> list[tuple[int, int]]:
    """Fills the stamp's time and offset from `text`; returns the spans used."""
    pats, spans = _patterns(), []
    for m in pats["time"].finditer(text):
        g = m.groupdict()
        if g["minute"] is None and not g["ampm"]:
            continue
        hour = int(g["hour"])
        if g["ampm"]:
            hour = hour % 12 + (12 if g["ampm"].lower().startswith("p") else 0)
        if hour > 23:
            continue
        stamp.hour, stamp.minute, stamp.second = hour, int(g["minute"] or 0), int(g["second"] or 0)
        if g["z"]:
            stamp.offset = "+00:00"
        elif g["off"]:
            stamp.offset = _offset(g["off"])
        spans.append(m.span())
        break
    tz = pats["tz"].search(text)
    if tz:
        stamp.offset = stamp.offset or (_offset(tz.group("off")) if tz.group("off") else pats["zones"][tz.group("tz")])
        spans.append(tz.span())
    return spans


def find(text: str) -> Optional[Stamp]:
    """The first date (with its time and zone when given) in `text`."""
    found = _parse(text)
    return found[0] if found else None


def _parse(text: str) -> Optional[tuple[Stamp, list[tuple[int, int]]]]:
    found = _date(text)
    if not found:
        return None
    stamp, span = found
    rest = text[:span[0]] + " " * (span[1] - span[0]) + text[span[1]:]
    return stamp, [span, *_time(rest, stamp)]


def split_before_date(segment: str) -> Optional[tuple[str, str]]:
    """'Written by Kim Min-ji on October 23, 2015' -> ('Written by Kim Min-ji', 'October 23, 2015')."""
    found = _date(segment)
    if not found or found[1][0] == 0:
        return None
    start = found[1][0]
    weekday = re.search(r"(?:\b\w+,?\s*)$", segment[:start])
    if weekday and weekday.group(0).strip(" ,").lower() in _data.load("layouts.yaml")["weekdays"]:
        start = weekday.start()
    head = re.sub(r"(?:\s*(?:\bon\b|\bat\b|[,|·•:–—-]))+\s*$", "", segment[:start], flags=re.I).strip()
    return (head, segment[start:].strip()) if head else None


def date_line(segment: str) -> Optional[tuple[str, Stamp]]:
    """('published' | 'updated' | 'date', stamp) when the segment is a date line and nothing else."""
    pats = _patterns()
    text, kind = segment.strip(), "date"
    for name, prefix in pats["prefixes"].items():
        if prefix.match(text):
            kind = name
            break
    found = _parse(text)
    if not found:
        return None
    stamp, spans = found
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    text = pats["noise"].sub(" ", text)
    if re.sub(r"[\s,:：|/()\[\]\-–—.·•]+", "", text):
        return None
    return kind, stamp
