"""The `statistics` stage: numeric series that an article reports over periods, on `doc._.statistics`.

    "The National Intelligence Service says defections of disaffected senior officials are on the rise,
     from eight in 2013 to 18 in 2014 to 20 already this year."
    -> measure "defections of disaffected senior officials", series 2013: 8, 2014: 18, 2015: 20 (partial),
       attribution: source "The National Intelligence Service" (KR), cue "says"

A sentence holds a series when at least two values each stand just before a period ("eight in 2013",
"$2.5 billion a year earlier", "1,047 defectors arrived in 2019") and the points are joined by connector
words ("to", "from", "down from"). Periods come from `doc._.times` (the times stage), else from a small
fallback for years, months and "this year"/"last year"; "a year earlier" is read against the other point.
A period that contains the publication date, or follows "so far"/"already", is partial. The measure is
the subject of the clause that carries the values; attribution comes from `dateline.attribution`'s
reporting frames when there is a parse, else from "X says" / "according to X" patterns. Cue words live in
`dateline/data/quantities/statistics.yaml`. Runs last, after events.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Optional


from . import model, quantities
from .nlp import arrays, component
from .nlp import sentences as nlp_sentences
from .quantities import text_of

PERIOD = r"\d{4}(?:-(?:\d{2}(?:-\d{2})?|Q[1-4]|H[12]))?"  # the TIMEX values a series point may take
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


def cues() -> dict:
    return quantities.lexicon()["statistics"]


def _words(key: str) -> str:
    return quantities.alternation(cues()[key])


_COMPILED: dict = {}


def _rx(name: str) -> re.Pattern:
    """The patterns each value of a sentence is tested with, compiled once for the lexicon in use (building
    them from the cue lists on every call cost more than matching them)."""
    lex = quantities.lexicon()
    if _COMPILED.get("lexicon") is not lex:
        _COMPILED.clear()
        _COMPILED.update(lexicon=lex, **{k: re.compile(*build()) for k, build in _PATTERNS.items()})
    return _COMPILED[name]


_PATTERNS = {
    "change": lambda: (rf"\b(?:by|{_words('change_verbs')})(?:\s+(?:a|an|the|revised|another|further|some|about|nearly|around|roughly))*\s+$", re.I),
    "partial": lambda: (rf"\b(?:{_words('partial_cues')})(?:\s+(?:{_words('period_links')}))?\s*$", re.I),
    "relative": lambda: (rf"\b({quantities.alternation(cues()['relative_periods'])})\b", re.I),
    "links": lambda: (rf"(?:(?:{_words('period_links')})\s+)+", re.I),
    "period": lambda: (PERIOD,),
    "fallback": lambda: (rf"\b(?:(?P<year>(?:1[89]|20|21)\d{{2}})\b(?!,\d)|(?P<month>{'|'.join(MONTHS)})\b(?:\s+(?P<my>\d{{4}}))?)", re.I),
    "connectors": lambda: (rf"(?<![\w])(?:{_words('connectors')})(?![\w])", re.I),
}


@dataclass
class Point:
    start: int  # the value's span ("1,047 defectors")
    end: int
    value: float
    number_end: int  # where its number words end ("1,047")
    period_start: int
    period_end: int
    unit: Optional[str] = None
    period: Optional[str] = None  # "2013", "2015-03"
    relative: Optional[tuple] = None  # (unit, offset) against the neighbouring point
    partial_cue: bool = False


# ---------------------------------------------------------------- sentences and points


def sentences(doc) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without the white space spaCy leaves at its end."""
    text = text_of(doc)
    if doc.has_annotation("SENT_START"):
        # offsets from the token arrays: a Span's start_char and end_char each make a Token
        starts, lengths = arrays(doc, ("IDX", "LENGTH"))
        spans = [(starts[s.start], starts[s.end - 1] + lengths[s.end - 1]) for s in nlp_sentences(doc) if len(s)]
    else:
        spans = [(m.start(), m.end()) for m in re.finditer(r"\S.*?(?:[.!?](?=\s|$)|$)", text, re.S)]
    return [(a, a + len(text[a:b].rstrip())) for a, b in spans if text[a:b].strip()]


def values_in(doc, start: int, end: int, times=None) -> list[tuple[int, int, float, Optional[str], int]]:
    """(start, end, value, unit, number end) of the quantities and bare numbers of a sentence, in text order
    (`times`: the doc's `quantities.TimeSpans`, read once for all its sentences)."""
    return _values(doc, quantities.quantities_in(doc, start, end), quantities.bare_numbers(doc, start, end, times))


def _values(doc, quants: list, bare: list) -> list:
    """`values_in` from a sentence's quantities and bare numbers."""
    found = []
    for q in quants:
        if q.value is None:
            continue
        numbers = quantities.numbers_in(doc, q.start, q.end)
        if numbers:
            found.append((q.start, q.end, q.value, q.unit, numbers[0].end))
    for n in bare:
        if not any(s < n.end and n.start < e for s, e, *_ in found):
            found.append((n.start, n.end, n.value, n.currency, n.end))
    return sorted(found)


class _Values:
    """`values_in` for each sentence of a doc in turn, from the doc's quantities and numbers read once."""

    def __init__(self, doc):
        self.doc = doc
        self.times = quantities.TimeSpans(doc._.times or [])
        self.quants = doc._.quantities or []
        self.starts = [q.start for q in self.quants]
        if self.starts != sorted(self.starts):  # not as the quantities stage leaves them
            self.starts = None

    def between(self, start: int, end: int) -> list:
        """`values_in(doc, start, end)`, or [] where it would hold fewer than two values (no series)."""
        if self.starts is None:
            quants = quantities.quantities_in(self.doc, start, end)
        else:  # a quantity inside [start, end) starts there
            i, j = bisect_left(self.starts, start), bisect_left(self.starts, end)
            quants = [q for q in self.quants[i:j] if q.end <= end]
        numbers = quantities.numbers_in(self.doc, start, end)
        if len(quants) + len(numbers) < 2:  # each value is one of these
            return []
        return _values(self.doc, quants, quantities.bare_numbers(self.doc, start, end, self.times, numbers))


def points(doc, start: int, end: int, values: Optional[list] = None) -> list[Point]:
    """The values of the sentence doc.text[start:end] that stand before a period (`values`: its
    `values_in`, when already read)."""
    out = []
    for v_start, v_end, value, unit, number_end in values_in(doc, start, end) if values is None else values:
        if _is_change(text_of(doc), v_start):
            continue
        period = _period_after(doc, v_end, end)
        if period is not None:
            out.append(Point(v_start, v_end, value, number_end, unit=unit, **period))
    return out


def _is_change(text: str, start: int) -> bool:
    """ "rose 1.7 percent in July", "decreased by $6.9 billion": the value is a change, not a level."""
    before = text[max(0, start - 40):start]
    return bool(_rx("change").search(before))


def _gap(text: str) -> Optional[re.Match]:
    """The words between a value and its period: at most three, no digits, no clause break."""
    return re.fullmatch(r",?\s+(?:[A-Za-z’'-]+\s+){0,3}", text)


def _period_after(doc, v_end: int, limit: int) -> Optional[dict]:
    text = text_of(doc)
    window = text[v_end:min(limit, v_end + 60)]
    for finder in (_relative, _from_times, _fallback):
        found = finder(doc, window, v_end)
        if found is not None and _gap(text[v_end:found["period_start"]]):
            gap = text[v_end:found["period_start"]]
            found["partial_cue"] = bool(_rx("partial").search(gap))
            return found
    return None


def _relative(doc, window: str, offset: int) -> Optional[dict]:
    table = cues()["relative_periods"]
    m = _rx("relative").search(window)
    if not m:
        return None
    unit, shift = table[next(k for k in table if k.lower() == m.group(1).lower())]
    span = dict(period_start=offset + m.start(), period_end=offset + m.end())
    if unit.startswith("published"):
        period = _shift(_published(doc, unit), shift)
        return dict(span, period=period) if period else None
    return dict(span, relative=(unit, shift))


def _from_times(doc, window: str, offset: int) -> Optional[dict]:
    for t in doc._.times or []:
        if offset <= t.start < offset + len(window) and _rx("period").fullmatch(t.value or ""):
            head = _rx("links").match(t.text)
            return dict(period_start=t.start + (head.end() if head else 0), period_end=t.end, period=t.value)
    return None


def _fallback(doc, window: str, offset: int) -> Optional[dict]:
    """Bare years and month names, for pipelines without the times stage."""
    m = _rx("fallback").search(window)
    if not m:
        return None
    span = dict(period_start=offset + m.start(), period_end=offset + m.end())
    if m.group("year"):
        return dict(span, period=m.group("year"))
    month = MONTHS.index(m.group("month").lower()) + 1
    year = m.group("my") or _past_year_of_month(doc, month)
    return dict(span, period=f"{year}-{month:02d}") if year else None


def _past_year_of_month(doc, month: int) -> Optional[str]:
    published = doc._.published or ""
    if not re.match(r"\d{4}-\d{2}", published):
        return None
    year, now = int(published[:4]), int(published[5:7])
    return str(year if month <= now else year - 1)


def _published(doc, unit: str) -> Optional[str]:
    published = doc._.published or ""
    if unit == "published_year" and re.match(r"\d{4}", published):
        return published[:4]
    if unit == "published_month" and re.match(r"\d{4}-\d{2}", published):
        return published[:7]
    return None


def _shift(period: Optional[str], amount: int, unit: str = "") -> Optional[str]:
    if not period:
        return None
    year, _, month = period.partition("-")
    if month.isdigit() and unit != "year":
        total = int(year) * 12 + int(month) - 1 + amount
        return f"{total // 12}-{total % 12 + 1:02d}"
    return f"{int(year) + amount}" + (f"-{month}" if month else "")


def _resolve_relative(pts: list[Point]) -> None:
    for i, p in enumerate(pts):
        if p.relative is None:
            continue
        anchors = [q for q in pts[:i][::-1] + pts[i + 1:] if q.period]
        if anchors:
            p.period = _shift(anchors[0].period, p.relative[1], p.relative[0])


def _joined(text: str, pts: list[Point]) -> bool:
    """Each point is joined to the next by connector words ("to", "from", ", down from")."""
    for a, b in zip(pts, pts[1:]):
        gap = text[a.period_end:b.start]
        if re.search(r"\d", gap) or len(gap.split()) > 5:
            return False
        if re.fullmatch(r"\s*[,;]\s*", gap):  # a list: "8 in 2013, 18 in 2014 and 20 this year"
            continue
        if not _rx("connectors").search(gap):
            return False
    return True


# ---------------------------------------------------------------- the statistic


def read(doc) -> list[model.Statistic]:
    out = []
    spans = sentences(doc)
    values = _Values(doc) if spans else None
    for start, end in spans:
        found = values.between(start, end)
        if len(found) < 2:  # most sentences (as `_statistic` would answer)
            continue
        stat = _statistic(doc, start, end, found)
        if stat is not None:
            out.append(stat)
    return out


def statistic(doc, start: int, end: int, times=None) -> Optional[model.Statistic]:
    """The series the sentence doc.text[start:end] reports, or None (`times`: as for `values_in`)."""
    return _statistic(doc, start, end, values_in(doc, start, end, times))


def _statistic(doc, start: int, end: int, values: list) -> Optional[model.Statistic]:
    text = text_of(doc)
    if len(values) < 2:  # most sentences: a series needs two points, each a value
        return None
    pts = points(doc, start, end, values)
    if len(pts) < 2 or not _joined(text, pts):
        return None
    _resolve_relative(pts)
    series = _series(doc, pts)
    measure = measure_of(doc, start, end, pts)
    if len(series) < 2 or not measure:
        return None
    sentence = model.Span(text=text[start:end], start=start, end=end)
    return model.Statistic(measure=measure, sentence=sentence, series=series, unit=_unit(pts),
                           attribution=attribution_of(doc, start, end, pts))


def _series(doc, pts: list[Point]) -> list[model.SeriesPoint]:
    by_period = {}
    for p in pts:
        if p.period and p.period not in by_period:
            partial = running(p.period, doc._.published) or p.partial_cue
            by_period[p.period] = model.SeriesPoint(period=p.period, value=p.value, partial=partial)
    return [by_period[k] for k in sorted(by_period)]


def running(period: str, published: Optional[str]) -> bool:
    """Whether the period ("2015", "2015-10", "2015-Q4", "2015-H2") contains the publication date."""
    if not published or not re.match(r"\d{4}-\d{2}", published) or published[:4] != period[:4]:
        return False
    part, month = period[5:], int(published[5:7])
    if part.startswith("Q"):
        return int(part[1]) == (month - 1) // 3 + 1
    if part.startswith("H"):
        return int(part[1]) == (1 if month <= 6 else 2)
    return published.startswith(period)


def _unit(pts: list[Point]) -> Optional[str]:
    units = {p.unit for p in pts if p.unit}
    return units.pop() if len(units) == 1 else None


# ---------------------------------------------------------------- measure


def measure_of(doc, start: int, end: int, pts: list[Point]) -> Optional[str]:
    """The measured noun phrase: the subject of the clause that carries the values."""
    phrase = _subject_phrase(doc, pts[0]) if doc.has_annotation("DEP") else None
    if phrase is None:
        phrase = _leading_phrase(doc, start, pts[0].start)
    first = pts[0]
    if phrase is None or phrase[0] <= first.start < phrase[1]:
        # "A total of 1,047 defectors arrived ...": the measure is what the value counts
        phrase = (first.number_end, first.end)
    measure = _strip(text_of(doc)[phrase[0]:phrase[1]])
    return measure if re.search(r"[A-Za-z]{3}", measure) and not _pronoun(measure) else None


def _subject_phrase(doc, point: Point) -> Optional[tuple[int, int]]:
    span = doc.char_span(point.start, point.end, alignment_mode="expand")
    tok = span.root if span is not None else None
    for _ in range(8):
        if tok is None:
            return None
        subjects = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects and tok.pos_ in ("VERB", "AUX"):
            subtree = list(subjects[0].subtree)
            return subtree[0].idx, subtree[-1].idx + len(subtree[-1].text)
        if tok.pos_ == "VERB" and tok.dep_ == "conj" and (before := _noun_phrase_before(doc, tok)):
            return before  # a conjunct the parser left without its subject: "... as the barometer jumped to 60"
        if tok.head is tok:
            return None
        tok = tok.head
    return None


def _noun_phrase_before(doc, verb) -> Optional[tuple[int, int]]:
    """The noun phrase that ends just before the verb ("the group's barometer of manufacturing in the region")."""
    i = verb.i
    while i > 0 and doc[i - 1].pos_ in ("DET", "ADJ", "NOUN", "PROPN", "PART", "NUM", "ADP") \
            and doc[i - 1].lower_ not in ("as", "while", "because", "after", "before", "since", "when", "than", "if"):
        i -= 1
    while i < verb.i and doc[i].pos_ == "ADP":
        i += 1
    if i >= verb.i or not any(t.pos_ in ("NOUN", "PROPN") for t in doc[i:verb.i]):
        return None
    return doc[i].idx, doc[verb.i - 1].idx + len(doc[verb.i - 1].text)


def _leading_phrase(doc, start: int, first_value: int) -> Optional[tuple[int, int]]:
    """Without a parse: the words before the first verb of the clause that reports the values."""
    text = text_of(doc)[start:first_value]
    report = list(re.finditer(rf"\b(?:{_words('report_cues')})\b(?:\s+that\b)?", text, re.I))
    begin = report[-1].end() if report else 0
    verbs = (r"\b(?:is|are|was|were|has|have|had|will|would|could|may|might|should|can|must|stood|reached|hit|"
             rf"totaled|totalled|{_words('trend_cues')})\b")
    stop = re.search(verbs, text[begin:], re.I)
    if stop is None:
        return None
    return start + begin, start + begin + stop.start()


def _strip(phrase: str) -> str:
    """The measure without lead-in words: "Worse still, the number of X, staged as Y" -> "X"."""
    parts = [p.strip() for p in phrase.split(",")]
    while len(parts) > 1 and len(parts[0].split()) <= 2 and not re.search(r"(?i)\b(?:of|s)\b", parts[0]):
        parts = parts[1:]
    phrase = parts[0] if len(parts) > 1 and len(parts[0].split()) > 1 else phrase
    phrase = re.split(r"\s*,\s+(?:which|who|whose|that|meant|including|excluding|staged|seen)\b", phrase)[0]
    phrase = phrase.strip(" ,;:")
    strip = sorted(cues()["measure_strip"], key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for word in strip:
            if phrase.lower().startswith(word + " "):
                phrase, changed = phrase[len(word):].strip(), True
    return phrase


def _pronoun(phrase: str) -> bool:
    return phrase.lower() in ("it", "they", "this", "that", "these", "those", "which", "he", "she", "we")


# ---------------------------------------------------------------- attribution


def attribution_of(doc, start: int, end: int, pts: list[Point]) -> Optional[model.Attribution]:
    """Who reports the series: the reporting frame over its values (with a parse), else a surface pattern."""
    found = None
    if doc.has_annotation("DEP"):
        from . import attribution

        span = doc.char_span(pts[0].start, pts[0].end, alignment_mode="expand")
        if span is not None:
            found = attribution.attribute(doc, span.root)[0]
    return found or _surface_attribution(doc, start, end)


def _surface_attribution(doc, start: int, end: int) -> Optional[model.Attribution]:
    text = text_of(doc)[start:end]
    cue = _words("report_cues")
    m = (re.match(rf"(?P<src>(?:[A-Z][\w.'’-]*|the|of|and|a|an)(?:\s+(?:[A-Z][\w.'’-]*|of|and|the|for))*)\s+(?P<cue>{cue})\b", text)
         or re.search(rf"(?P<cue>according to)\s+(?P<src>(?:the\s+)?[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|of|for|and))*)", text)
         or re.search(rf",\s+(?P<src>(?:the\s+|a\s+|an\s+)?[\w.'’-]+(?:\s+[\w.'’-]+){{0,4}}?)\s+(?P<cue>said|says|reported|estimated)\s*[.!]?$", text))
    if not m:
        return None
    s0, s1 = start + m.start("src"), start + m.start("src") + len(m.group("src").rstrip("."))
    c0, c1 = start + m.start("cue"), start + m.end("cue")
    return model.Attribution(source=source_participant(doc, s0, s1),
                             cue=model.Span(text=text_of(doc)[c0:c1], start=c0, end=c1))


def source_participant(doc, start: int, end: int) -> model.Participant:
    """A source phrase as a participant, with the actor of the entity inside it when the actors stage has one."""
    out = model.Participant(text=text_of(doc)[start:end], start=start, end=end)
    for ent in doc._.entities or []:
        if start <= ent.start and ent.end <= end and ent.actor is not None:
            actor = ent.actor
            out.actor_id, out.name, out.kind = actor.actor_id, actor.name, actor.kind
            out.country, out.role = actor.country, actor.role
            break
    return out


@component("dateline.statistics.v1")
def statistics_component(doc):
    doc._.statistics = read(doc)
    return doc
