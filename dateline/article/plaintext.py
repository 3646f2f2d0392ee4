"""dateline's reader for plain-text scrapes: headline, bylines, date lines and mastheads at the head;
copyright lines, related links and share buttons at the foot; captions and navigation in between. The
body keeps its paragraphs' text unchanged, joined with blank lines, so offsets point into it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .. import settings
from ..model import Article
from . import boilerplate, bylines, datelines, outlets, stamps
from .boilerplate import bare

WRAP_MIN = 40  # a line cut by hard wrapping is at least this long
HEAD_LIMIT = 15  # paragraphs searched for header lines before the body must have begun
SEPARATORS = re.compile(r"\s+[|•·]\s+|\s{3,}|\t+")
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
END_MARK = re.compile(r"\s*\(\s*END\s*\)\s*$")


@dataclass
class Header:
    """What the head and foot of a scrape say about the article."""

    title: Optional[str] = None
    authors: list[str] = field(default_factory=list)
    dates: list[tuple[str, stamps.Stamp]] = field(default_factory=list)
    copyright_outlet: Optional[str] = None
    masthead: Optional[str] = None
    agency: Optional[str] = None

    def absorb(self, paragraph: str) -> bool:
        """Takes in a header or footer paragraph; False when it is not one (it is text)."""
        text = bare(paragraph)
        if not text:
            return True
        if boilerplate.is_copyright(text):
            self.copyright_outlet = self.copyright_outlet or outlets.name_of(text)
            return True
        if boilerplate.is_drop(text) or boilerplate.is_caption(text):
            return True
        whole = stamps.date_line(text)  # "Oct 23, 2015 | 10:49 AM" is one date split by a separator
        if whole:
            self._keep("date", whole)
            return True
        found = [f for s in SEPARATORS.split(text) if s.strip(" |•·") for f in self._classify(s)]
        if not found or not all(found):
            return False
        for kind, value in found:
            self._keep(kind, value)
        return True

    def _classify(self, segment: str) -> list:
        """One segment's header items; [None] when it is not header, two items for "By X on <date>"."""
        found = self._segment(segment)
        if found:
            return [found]
        split = stamps.split_before_date(segment)
        if split:
            parts = [self._segment(split[0]), self._segment(split[1])]
            if all(parts):
                return parts
        return [None]

    def _segment(self, segment: str):
        segment = segment.strip(" |•·")
        if outlets.exact(segment):
            return "masthead", outlets.exact(segment).name
        dated = stamps.date_line(segment) or self._outlet_and_date(segment)
        if dated:
            return "date", dated
        byline = bylines.parse(segment)
        if byline:
            return "byline", byline
        if boilerplate.is_drop(segment):
            return "drop", None
        return None

    def _outlet_and_date(self, segment: str):
        """'KYODO NEWS - Mar 2, 2024 - 19:45': a masthead before the date."""
        head = re.match(r"^(.{2,60}?)\s+(?:-|–|—|:)\s+", segment)
        outlet = outlets.exact(head.group(1)) if head else None
        if outlet is None or outlets.find_in(segment) is not outlet:  # searched only when the head is a masthead
            return None
        self.masthead = self.masthead or outlet.name
        return stamps.date_line(segment[head.end():])

    def _keep(self, kind: str, value) -> None:
        if kind == "masthead":
            self.masthead = self.masthead or value
        elif kind == "date":
            self.dates.append(value)
        elif kind == "byline":
            self.authors += [a for a in value.authors if a not in self.authors]
            self.agency = self.agency or value.agency

    def published(self, outlet: Optional[outlets.Outlet]) -> Optional[str]:
        ranked = sorted(self.dates, key=lambda d: ("published", "date", "updated").index(d[0]))
        if not ranked:
            return None
        stamp = ranked[0][1]
        offset = outlets.utc_offset(outlet, stamp.local()) or settings.get("default_timezone") or None
        return stamp.iso(offset)


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs; lines of a hard-wrapped block are joined with a space."""
    blocks = [b for b in re.split(r"\n[ \t\u00a0]*\n", text.replace("\r\n", "\n").replace("\r", "\n")) if b.strip()]
    lines_of = [[ln.strip() for ln in b.split("\n") if ln.strip()] for b in blocks]
    inner = [ln for lines in lines_of if len(lines) > 1 for ln in lines[:-1]]
    cut = [ln for ln in inner if len(ln) >= WRAP_MIN and not SENTENCE_END.search(ln)]  # broken mid-sentence
    wrapped = len(cut) >= 3 and len(cut) > 0.6 * len(inner)
    if wrapped:
        return [" ".join(lines) for lines in lines_of]
    return [ln for lines in lines_of for ln in lines]


def is_prose(paragraph: str) -> bool:
    text = bare(paragraph)
    return len(text.split()) >= 8 and bool(SENTENCE_END.search(text)) and not boilerplate.is_caption(text)


def looks_like_headline(paragraph: str) -> bool:
    text = bare(paragraph)
    words = text.split()
    return (0 < len(words) <= 25 and len(text) <= 250 and not re.search(r"[.,;:]$", text)
            and (text[0].isupper() or text[0].isdigit() or text[0] in "\"'‘“")
            and datelines.find(text) is None)


def _head(pars: list[str], header: Header, headlines: bool) -> int:
    i = 0
    while i < min(len(pars), HEAD_LIMIT):
        if header.absorb(pars[i]):
            i += 1
        elif headlines and looks_like_headline(pars[i]) and not is_prose(pars[i]):
            header.title = header.title or bare(pars[i])  # later ones are decks and kickers
            i += 1
        else:
            break
    return i


def _footer_start(pars: list[str], start: int) -> int:
    for j in range(start, len(pars)):
        if boilerplate.is_footer_start(pars[j]) and not any(is_prose(p) for p in pars[j + 1:]):
            return j
    return len(pars)


def _tail(pars: list[str], start: int, header: Header) -> int:
    end = _footer_start(pars, start)
    for p in pars[end:]:
        header.absorb(p)
    while end > start and (header.absorb(pars[end - 1]) or boilerplate.is_caption(pars[end - 1])
                           or _signature(pars, end - 1, start)):
        end -= 1
    return end


def _boilerplate(paragraph: str) -> bool:
    return boilerplate.is_drop(paragraph) or boilerplate.is_caption(paragraph) or boilerplate.is_copyright(paragraph)


def _signature(pars: list[str], k: int, start: int) -> bool:
    """A bare name under a byline at the foot ("Park Ji-won, Staff Reporter" / "Park Ji-won")."""
    name = bare(pars[k])
    return (k - 1 >= start and bool(bylines.NAME.fullmatch(name)) and len(name.split()) <= 4
            and bylines.parse(bare(pars[k - 1])) is not None)


def parse(text: str, title_hint: Optional[str] = None, headlines: bool = True) -> Article:
    """Reads a plain-text scrape. With `title_hint` (a title given with the input) the first paragraph is
    taken as the title only when it repeats that title. `headlines=False` keeps headline-like paragraphs
    at the head in the body (for text already cut out of a page, where they are subheadings)."""
    pars = paragraphs(text)
    header = Header()
    if title_hint is not None:
        header.title = title_hint
        if pars and _same(bare(pars[0]), title_hint):
            pars = pars[1:]
    start = _head(pars, header, headlines)
    end = _tail(pars, start, header)
    body = [p.strip() for p in pars[start:end] if not _boilerplate(p)]
    if body:
        body[-1] = END_MARK.sub("", body[-1])
    dateline = datelines.find(body[0]) if body else None
    outlet_name = header.copyright_outlet or header.masthead or header.agency or (dateline and dateline.agency)
    return Article(
        text="\n\n".join(body).strip(),
        title=header.title,
        authors=header.authors,
        published=header.published(outlets.lookup(outlet_name)),
        outlet=outlet_name,
        dateline=dateline.text if dateline else None,
    )


def _same(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\W+", " ", s).strip().lower()  # noqa: E731
    return norm(a) == norm(b)
