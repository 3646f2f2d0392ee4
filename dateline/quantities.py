"""The `quantities` stage: money, counts of people and things, casualties, measures and percentages, each
with its exact character span, on `doc._.quantities` (a sorted list of `model.Quantity`).

    "$5 million"                 value 5000000, unit "USD", role "money"
    "millions of U.S. dollars"   value 1000000, unit "USD", role "money", lower_bound True
    "part of the payment"        value None,    unit None,  role "money"  (a vague amount of money)
    "two Nodong missiles"        value 2,       unit "missile", role "weapons"
    "46 sailors were killed"     "46 sailors":  value 46, unit "sailor", role "killed"
    "dozens of officials"        value 24,      unit "official", role "people", lower_bound True
    "240 mm", "67 km"            role "measure";  "5%"  unit "%", role "percent"

Vague amounts record a floor and set lower_bound: plural powers of ten floor at one unit of their scale
("millions" >= 1,000,000, "tens of thousands" >= 10,000), plural group words at two groups ("dozens" >= 24,
"scores" >= 40); the table is `numbers.yaml`, `vague`.

Numbers are read from the text with patterns built from the lexicons in `dateline/data/quantities/`
(extended by `<data_dir>/quantities/*.yaml`), so any tokenisation works; the parse, when the pipeline has
one, only helps find the counted noun after a number. A bare number with nothing counted ("18 in 2014"),
a year ("in 2010") or part of a name ("Room 39", "Oct. 8") is not a quantity; `find_numbers` still lists
such numbers for the statistics stage.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Optional

from .model import Quantity
from .knowledge import merge, yaml_loader
from .nlp import arrays, component
from .nlp import text as text_of  # the Doc's text, kept: `doc.text` joins every token on each access

DATA = Path(__file__).resolve().parent / "data" / "quantities"
FILES = ("currencies", "numbers", "units", "nouns", "casualties", "statistics")


# ---------------------------------------------------------------- lexicons


@lru_cache(maxsize=1)
def lexicon() -> dict:
    """The bundled lexicons, extended by the user's `<data_dir>/quantities/*.yaml`."""
    import yaml

    from . import settings

    data = {name: yaml.load((DATA / f"{name}.yaml").read_text(encoding="utf-8"), Loader=yaml_loader()) for name in FILES}
    extra = settings.get("data_dir")
    for name in FILES if extra else ():
        path = Path(extra) / "quantities" / f"{name}.yaml"
        if path.is_file():
            merge(data[name], yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader()) or {})
    return data


def alternation(words) -> str:
    """A regex alternation of literal words, longest first so "US$" wins over "$"."""
    return _alternation(tuple(words))


@lru_cache(maxsize=1024)  # the statistics stage asks for the same cue lists for every number it reads
def _alternation(words: tuple) -> str:
    parts = [re.escape(w) for w in sorted(set(words), key=len, reverse=True)]
    if not all(p[:1].isascii() and (p[:1].islower() or p[:1].isdigit()) for p in parts):
        return "|".join(parts)
    # Grouped by first letter ("m(?:illion|n)|b(?:illion|n)"), in their order within each group: words with
    # different first letters never match at the same place, so this matches exactly what the flat list
    # matches (with or without re.I), and the regex engine tries one group at each position, not every word.
    groups: dict[str, list[str]] = {}
    for p in parts:
        groups.setdefault(p[0], []).append(p[1:])
    return "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in groups.items())


@lru_cache(maxsize=8192)  # the same nouns in every article
def singular(word: str) -> str:
    """A plain English singular, enough to look nouns up in the lexicons ("casualties" -> "casualty")."""
    w = word.lower()
    irregular = {"men": "man", "women": "woman", "children": "child", "people": "people", "police": "police",
                 "staff": "staff", "personnel": "personnel", "aircraft": "aircraft", "crew": "crew",
                 "munitions": "munition", "series": "series", "news": "news", "lives": "life", "wives": "wife"}
    if w in irregular:
        return irregular[w]
    if w.endswith("men") and len(w) > 4:
        return w[:-3] + "man"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 2:
        return w[:-1]
    return w


# Characters outside ASCII that an ASCII letter matches when case is ignored: dotted and dotless i, long s,
# Kelvin sign (tests/test_quantities.py checks every code point).
FOLDS = "\u0130\u0131\u017f\u212a"


def starts(words, exact=(), raw=()) -> str:
    """A case-sensitive lookahead that holds wherever a match of `words` (as re.I reads them), of `exact`
    (as written) or of the regexes `raw` may begin, for a pattern compiled with re.I. re.I alternations are
    slow, as the engine enters every alternative at every place it tries; put at the head of a pattern,
    this test, a trie of the words in lower case whose branches start with a literal, rules out most word
    starts at once, and lets pass all the places where the pattern could match: a word in any case passes,
    as an upper-case letter or one of FOLDS where the lower-case path expects a lower-case letter ends the
    test with success. "" (no test) when a word is not plain ASCII."""
    if not all(w.isascii() for w in words):
        return ""
    trie: dict = {}
    for w in words:
        node = trie
        for c in w.lower():
            node = node.setdefault(c, {})
        node[""] = {}
    alts = [_trie(trie, first=True), *raw]
    if exact:
        alts.append(alternation(exact))
    return f"(?=(?-i:{'|'.join(alts)}))"


def places(words, exact=(), raw=()) -> Optional[re.Pattern]:
    """A case-sensitive pattern to run over the lower-cased text that finds, one character before it,
    every place after a non-letter where `words` (as re.I reads them), `exact` or the lower-case regexes
    `raw` may begin: see `scan`. None when a word is not plain ASCII."""
    if not all(w.isascii() for w in words):
        return None
    trie: dict = {}
    for w in [*words, *exact]:
        node = trie
        for c in w.lower():
            node = node.setdefault(c, {})
        node[""] = {}
    return re.compile(rf"[^a-z](?=(?:{'|'.join([*raw, _trie(trie, lower=True)])}))")


def scan(pattern: re.Pattern, where: Optional[re.Pattern], text: str) -> list[re.Match]:
    """`pattern.finditer(text)` for a pattern whose matches all start at 0 or after a character that is not
    an ASCII letter, trying it only at 0 and where `where` (from `places`) finds a place in text.lower().
    sre runs a case-sensitive pattern that starts with a character set far faster than an re.I pattern at
    every character. It tries the places in order, from the end of the last match on, as finditer does,
    and any place `where` skips holds no match: there a word of the pattern, in any case, is the same word
    in lower case, and the character before is a non-letter in lower case too. That holds for every
    character but FOLDS (which lower-case to other letters, or to two characters), so a text with one of
    them is scanned by finditer."""
    if where is None or (not text.isascii() and any(c in text for c in FOLDS)):
        return list(pattern.finditer(text))
    low, out, match, search = text.lower(), [], pattern.match, where.search
    m = match(text, 0)
    if m:
        out.append(m)
    at = m.end() - 1 if m else 0
    while (c := search(low, at)) is not None:
        m = match(text, c.end())
        if m:
            out.append(m)
        at = m.end() - 1 if m else c.end()
    return out


def _trie(node: dict, first: bool = False, lower: bool = False) -> str:
    if "" in node:
        return ""  # a word may end here
    alts = []
    for c, sub in node.items():
        rest = _trie(sub, lower=lower)
        cases = sorted({c, c.upper()}) if first and not lower else [c]
        alts.extend(re.escape(x) + rest for x in cases)
    if not lower:
        alts.append(f"[{FOLDS}]" if first else f"[A-Z{FOLDS}]")
    return f"(?:{'|'.join(alts)})"


@dataclass(frozen=True)
class Patterns:
    number: re.Pattern
    number_places: Optional[re.Pattern]  # `places` for `scan`
    after_percent: re.Pattern
    after_currency: re.Pattern
    after_code: re.Pattern
    after_measure_word: re.Pattern
    after_measure_abbr: re.Pattern
    vague_money: re.Pattern
    vague_money_places: Optional[re.Pattern]
    casualty_before: dict
    casualty_after: dict
    casualty_nouns: dict
    categories: dict
    not_counted: frozenset
    stop_words: frozenset
    name_words: frozenset
    # values of number phrases already read ("two", "5 million"): they come back in every article; kept
    # here, so that a new lexicon (which makes new patterns) starts afresh
    values: dict = field(default_factory=dict, compare=False, hash=False)


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    lex = lexicon()
    cur, units, nouns, cas = (lex[k] for k in ("currencies", "units", "nouns", "casualties"))
    mods = [m for w in cur["words"].values() for m in (w.get("modifiers") or {})]
    # units with a capital ("MW", "kW") are matched as written; the others in any case ("KM", "Kilometres")
    exact_units = [u for u in units["measures"] if u != u.lower()]
    word_units = [u for u in units["measures"] if u == u.lower()]
    return Patterns(
        number=_number_pattern(lex["numbers"], cur),
        number_places=_number_places(lex["numbers"], cur),
        after_percent=re.compile(rf"(?:\s?%|\s+(?:{alternation(p for p in units['percent'] if p != '%')})\b)", re.I),
        after_currency=re.compile(rf"(?P<of>\s+of)?\s+(?:(?P<mod>{alternation(mods)})\s+)?"
                                  rf"(?P<cur>{alternation(cur['words'])})(?:s|es)?\b", re.I),
        after_code=re.compile(rf"\s?(?P<code>{alternation(cur['codes'])})\b"),
        after_measure_word=re.compile(rf"(?:\s?|-)(?P<unit>{alternation(word_units)})(?![A-Za-z])", re.I),
        after_measure_abbr=re.compile(rf"(?:\s?|-)(?P<unit>{alternation(exact_units)})(?![A-Za-z0-9])"),
        vague_money=_vague_money_pattern(nouns, cur),
        # a partitive starts after \b, and so after a non-letter, as `scan` needs
        vague_money_places=places(nouns["vague_partitives"]) if all(re.match(r"[A-Za-z]", w) for w in nouns["vague_partitives"]) else None,
        casualty_before={r: re.compile(rf"\b{starts(c['before'])}(?:{alternation(c['before'])})\s+(?:(?:{alternation(cas['before_between'])})\s+){{0,2}}$",
                                       re.I) for r, c in cas["roles"].items() if c.get("before")},
        casualty_after={r: re.compile(rf"^(?:\s+(?:{alternation(cas['between'])}))*\s+(?:{alternation(c['after'])})\b", re.I)
                        for r, c in cas["roles"].items() if c.get("after")},
        casualty_nouns={singular(n): r for r, c in cas["roles"].items() for n in c.get("nouns") or []},
        categories={_key(n): cat for cat in ("people", "weapons") for n in nouns[cat]},
        not_counted=frozenset(singular(n) for n in nouns["not_counted"]),
        stop_words=frozenset(w.lower() for w in nouns["stop_words"]),
        name_words=frozenset(w.lower() for w in nouns["name_words"]),
    )


def _vague_money_pattern(nouns: dict, cur: dict, guard: bool = True) -> re.Pattern:
    """ "part of the payment", "some of the bank's assets": a partitive, "of", a money noun or currency."""
    test = starts(nouns["vague_partitives"]) if guard else ""
    return re.compile(
        rf"\b{test}(?:{alternation(nouns['vague_partitives'])})\s+of\s+"
        r"(?:(?:the|his|her|its|their|our|this|that|these|those|all)\s+)?(?:[\w.-]+(?:'s|’s|s'|’)\s+)?"
        rf"(?:[a-z][\w.-]*\s+){{0,2}}?(?:{alternation([*nouns['money_nouns'], *cur['words']])})s?\b", re.I)


def _number_pattern(num: dict, cur: dict, guard: bool = True) -> re.Pattern:
    """[prefix] [currency symbol] (vague amount | numeral [scale] | number words), named groups for each."""
    wordnum = rf"(?:(?:{alternation(num['tens'])})(?:-(?:{alternation(num['units'])}))?|{alternation([*num['units'], *num['tens']])})"
    scale = alternation(num["scales"])
    # thousands grouped by commas ("1,047") or, as KCNA and many European outlets write, spaces ("10 000")
    numeral = r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
    more = rf"(?:(?:\s+|-)(?:{wordnum}|{scale})\b|(?<=hundred)\s+and\s+{wordnum}\b)"
    core = (rf"(?:(?P<numeral>{numeral})(?:\s?(?P<abbr>{alternation(num['abbreviations'])})(?![A-Za-z]))?"
            rf"|\b(?:half\s+an?|an?)(?=\s+(?:{scale})\b)|\b{wordnum}\b)(?:{more})*")
    vague = rf"\b(?P<vague>{alternation(num['vague'])})(?:\s+of\s+(?:{alternation(num['vague'])}))*(?:\s+(?:{scale})\b)?"
    prefix = rf"(?:\b(?P<prefix>{alternation(num['prefixes'])})\s+)?"
    symbol = rf"(?:(?<![A-Za-z])(?-i:(?P<symbol>{alternation([*cur['symbols'], *cur['codes']])}))\s?)?"
    # Every match starts after a non-letter: a prefix after "\b" (when each begins with a word character),
    # a symbol after "(?<![A-Za-z])", a number after "(?<![\w.,/-])". Testing that first changes no match
    # and spares the engine the rest of the pattern inside words.
    lead = r"(?<![A-Za-z])" if all(re.match(r"\w", p) for p in num["prefixes"]) else ""
    # Then it starts with a prefix, a symbol or code, a digit, "a"/"an" before white space, or a number word
    test = starts(_starting_words(num), exact=[*cur["symbols"], *cur["codes"]], raw=[r"\d", r"[aA][nN]?\s"]) if guard else ""
    return re.compile(rf"{lead}{test}{prefix}{symbol}(?<![\w.,/-])(?P<num>{vague}|{core})", re.I)


def _starting_words(num: dict) -> list:
    return [*num["prefixes"], *num["vague"], *num["units"], *num["tens"], "half"]


def _number_places(num: dict, cur: dict) -> Optional[re.Pattern]:
    """`places` for the number pattern, when each of its matches starts after a non-letter (its lead)."""
    if not all(re.match(r"\w", p) for p in num["prefixes"]):
        return None
    # "a"/"an" begins a number only before a scale ("a million"); lower case, as `places` reads
    scale = alternation([w.lower() for w in num["scales"]]) if all(w.isascii() for w in num["scales"]) else ""
    return places(_starting_words(num), exact=[*cur["symbols"], *cur["codes"]],
                  raw=[r"\d", rf"an?\s+(?:{scale})" if scale else r"an?\s"])


@lru_cache(maxsize=8192)  # the same nouns in every article
def _key(phrase: str) -> str:
    """Lexicon key of a noun phrase: its last two words, the last one singular ("crew member")."""
    parts = phrase.lower().split()
    return " ".join(parts[-2:-1] + [singular(parts[-1])])


# ---------------------------------------------------------------- numbers


@dataclass
class NumberMatch:
    """One number phrase in the text ("at least 46", "$5 million", "dozens", "eight")."""

    start: int
    end: int
    value: float
    lower_bound: bool = False
    currency: Optional[str] = None  # ISO code when a symbol or code stands before it
    vague: bool = False
    money_only: bool = False  # its scale ("5m") is only a scale in money
    text: str = ""
    words: str = ""  # the number itself, without prefix or symbol ("46", "tens of thousands")
    # `_no_count`, once read: both stages ask it of the same number
    no_count: Optional[bool] = field(default=None, compare=False, repr=False)


def find_numbers(text: str, start: int = 0, end: Optional[int] = None) -> list[NumberMatch]:
    """Every number phrase in text[start:end], with its value; offsets are into `text`."""
    out = []
    for m in patterns().number.finditer(text, start, len(text) if end is None else end):
        number = _number(m)
        if number is not None:
            out.append(number)
    return out


@dataclass
class Numbers:
    """Every match of the number pattern over a Doc's whole text, in order: its span, and its NumberMatch
    (None where `_number` reads no value)."""

    patterns: Patterns
    text: str
    starts: list
    ends: list
    found: list


def numbers(doc) -> Numbers:
    """The number phrases of the doc's whole text, read once per Doc (this stage reads them, and the
    statistics stage again sentence by sentence); read afresh when the lexicons have changed."""
    p = patterns()
    cached = doc.user_data.get("dateline.numbers")
    if cached is None or cached.patterns is not p:
        text = text_of(doc)
        matches = scan(p.number, p.number_places, text)
        cached = Numbers(p, text, [m.start() for m in matches], [m.end() for m in matches], [_number(m) for m in matches])
        doc.user_data["dateline.numbers"] = cached
    return cached


def numbers_in(doc, start: int, end: int) -> list[NumberMatch]:
    r"""`find_numbers(text, start, end)` of the doc's text, taken from `numbers(doc)` where that is the same.

    It is the same when no match over the whole text straddles `start` or `end`, and `end` is the end of
    the text or stands before a character that is not a word character. finditer(text, start, end) tries
    the pattern at each place from `start` on, as the whole-text scan does once its last match before
    `start` has ended (at or before `start`: none straddles it), and the pattern looks behind (lookbehinds,
    \b) at the real text before `start` either way. An attempt at a place before `end` reads the same
    characters in both scans until it reaches `end`; there the short scan sees the end of the text and the
    whole scan the character at `end`. That character, not a word character, makes every lookahead and \b
    of the pattern at `end` come out as at the end of the text ((?![A-Za-z]), (?!\d), \b; the positive
    lookahead "(?=\s+scale)" after "a" is followed by the same "\s+scale" in `more`, so it holds only where
    the match goes on past `end`; the `starts` test at the head of the pattern changes no match, with or
    without the text after `end`, so the pattern reads as without it). Any other difference is a path that
    consumes the character at `end`: it fails in the short scan, and in the whole scan it fails too, or it
    succeeds and the match straddles `end`. So at every place both scans find the same match, or none."""
    found = numbers(doc)
    text = found.text
    i = bisect_right(found.ends, start)  # the first match that ends after start
    j = bisect_left(found.starts, end, i)  # and the first that starts at or after end
    if (i < len(found.starts) and found.starts[i] < start) or (j > i and found.ends[j - 1] > end) \
            or (end < len(text) and _WORD.match(text, end)):
        return find_numbers(text, start, end)
    return [n for n in found.found[i:j] if n is not None]


_WORD = re.compile(r"\w")


def _number(m: re.Match) -> Optional[NumberMatch]:
    prefix, symbol, num, vague, abbr = m.group("prefix", "symbol", "num", "vague", "abbr")
    value = _vague_value(num) if vague else _value(num)
    if value is None:
        return None
    prefix = (prefix or "").lower()
    start, end = m.start(), m.end()
    if prefix and _particle(m.string, start, prefix):  # "hand over two suspects": no bound
        prefix, start = "", m.start("symbol") if symbol else m.start("num")
    return NumberMatch(start=start, end=end, value=value,
                       lower_bound=bool(vague) or bool(prefix and _remembered(_prefix_bound, prefix)),
                       currency=_symbol_code(symbol) if symbol else None, vague=bool(vague),
                       money_only=bool(abbr and _remembered(_money_only, abbr.lower())),
                       text=m.string[start:end], words=num.lower())


def _prefix_bound(prefix: str):
    table = lexicon()["numbers"]["prefixes"]
    return table[_canon(prefix, table)]["lower_bound"]


def _money_only(abbr: str):
    return lexicon()["numbers"]["abbreviations"][abbr].get("money_only")


def _particle(text: str, start: int, prefix: str) -> bool:
    """Whether the prefix word belongs to the verb before it ("hand over", "won over") rather than the number."""
    verbs = lexicon()["numbers"].get("particle_verbs", {}).get(prefix.split()[0], [])
    before = re.search(r"([A-Za-z]+)\s+$", text[max(0, start - 30):start])
    return bool(before) and before.group(1).lower() in verbs


def _canon(word: str, table: dict) -> str:
    key = re.sub(r"\s+", " ", word.lower())
    found = next((k for k in table if k.lower() == key), None)
    if found is None:  # "İ" lower-cases to "i" and a combining dot, which the pattern matched ignoring case
        found = next(k for k in table if _bare_letters(k.lower()) == _bare_letters(key))
    return found


def _bare_letters(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _symbol_code(symbol: str) -> str:
    cur = lexicon()["currencies"]
    return cur["symbols"].get(symbol) or cur["codes"].get(symbol.upper())


def _remembered(read, phrase: str):
    memo = patterns().values
    key = (read.__name__, phrase)
    if key not in memo:
        if len(memo) > 10_000:
            memo.clear()
        memo[key] = read(phrase)
    return memo[key]


def _value(phrase: str) -> Optional[float]:
    """Value of "1.5 million", "twenty-five", "two dozen", "half a million", "3bn", "1,047"."""
    return _remembered(_read_value, phrase)


def _read_value(phrase: str) -> Optional[float]:
    lex = lexicon()["numbers"]
    small = {**lex["units"], **lex["tens"]}
    scales, abbrs = lex["scales"], lex["abbreviations"]
    parts = re.findall(r"\d[\d, \u00a0\u2009\u202f]*(?:\.\d+)?|[a-z]+", phrase.lower())
    factor = Decimal(1)
    if parts[:1] == ["half"]:
        factor, parts = Decimal("0.5"), parts[1:]
    total, current = Decimal(0), None
    for part in parts:
        if part[0].isdigit():
            current = (current or 0) + Decimal(re.sub(r"[^\d.]", "", part))
        elif part in small:
            current = (current or 0) + small[part]
        elif part in ("a", "an"):
            current = Decimal(1)
        elif part == "and":
            continue
        elif part in scales or part in abbrs:
            size = Decimal(scales.get(part) or abbrs[part]["value"])
            if size >= 1000:
                total, current = total + (current if current is not None else 1) * size, None
            else:
                current = (current if current is not None else 1) * size
        else:
            return None
    return _plain((total + (current or 0)) * factor)


def _vague_value(phrase: str) -> Optional[float]:
    """Floor of "tens of thousands", "dozens", "millions", "several hundred": the product of the floors."""
    return _remembered(_read_vague_value, phrase)


def _read_vague_value(phrase: str) -> Optional[float]:
    lex = lexicon()["numbers"]
    value = Decimal(1)
    for word in re.findall(r"[a-z]+", phrase.lower()):
        if word in lex["vague"]:
            value *= Decimal(lex["vague"][word]["value"])
        elif word in lex["scales"]:
            value *= Decimal(lex["scales"][word])
    return _plain(value)


def _plain(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


# ---------------------------------------------------------------- quantities


def read(doc) -> list[Quantity]:
    """All quantities in the doc, sorted by offset."""
    text = text_of(doc)
    # token offsets without making a Token object for each (the arrays the places stage has read)
    starts = arrays(doc, ("IDX", "LENGTH"))[0]
    times = TimeSpans((doc._.times or []) if doc.has_extension("times") else [])
    found = [q for n in numbers(doc).found if n is not None and (q := _classify(doc, text, starts, n, times)) is not None]
    p = patterns()
    for m in scan(p.vague_money, p.vague_money_places, text):
        if not any(q.start < m.end() and m.start() < q.end for q in found):
            found.append(Quantity(text=m.group(0), start=m.start(), end=m.end(), role="money"))
    found.sort(key=lambda q: (q.start, q.end))
    return found


class TimeSpans:
    """Where a doc's time expressions lie, to ask whether one of them holds a number."""

    def __init__(self, times):
        spans = sorted((t.start, t.end) for t in times)
        self.starts = [s for s, _ in spans]
        self.reach = list(accumulate((e for _, e in spans), max))  # the furthest end up to each start

    def cover(self, start: int, end: int) -> bool:
        """Whether an expression starts at or before `start` and ends at or after `end`."""
        i = bisect_right(self.starts, start)
        return i > 0 and self.reach[i - 1] >= end


def _classify(doc, text: str, starts: list, n: NumberMatch, times: TimeSpans) -> Optional[Quantity]:
    """The quantity a number phrase heads: money, percent, measure or a count, or None."""
    if n.vague and lexicon()["numbers"]["vague"][_first_word(n)]["of"] and not _OF.match(text, n.end):
        return None
    return (_money(text, n) or _percent(text, n) or _measure(text, n)
            or (None if _not_a_count(text, n, times) else _count(doc, text, starts, n)))


_OF = re.compile(r"\s+of\s")


def _first_word(n: NumberMatch) -> str:
    return re.match(r"[a-z]+", n.words).group(0)


def _quantity(text: str, n: NumberMatch, end: int, unit, role: str, value=None) -> Quantity:
    return Quantity(text=text[n.start:end], start=n.start, end=end, value=n.value if value is None else value,
                    unit=unit, role=role, lower_bound=n.lower_bound)


def _money(text: str, n: NumberMatch) -> Optional[Quantity]:
    p = patterns()
    if n.currency:
        code = p.after_code.match(text, n.end)
        return _quantity(text, n, code.end() if code else n.end, n.currency, "money")
    m = p.after_currency.match(text, n.end)
    if m and bool(m.group("of")) == n.vague and not _pound_weight(text, m):
        return _quantity(text, n, m.end(), _currency_code(m.group("cur"), m.group("mod")), "money")
    code = p.after_code.match(text, n.end)
    if code and not n.vague:
        return _quantity(text, n, code.end(), _symbol_code(code.group("code")), "money")
    return None


def _pound_weight(text: str, m: re.Match) -> bool:
    """"500 pounds of explosives" is a weight, not money."""
    return m.group("cur").lower() == "pound" and bool(re.compile(r"\s+of\b").match(text, m.end()))


def _currency_code(word: str, modifier: Optional[str]) -> str:
    entry = lexicon()["currencies"]["words"][word.lower()]
    if modifier:
        mods = {k.lower(): v for k, v in (entry.get("modifiers") or {}).items()}
        if modifier.lower() in mods:
            return mods[modifier.lower()]
    return entry["default"]


def _percent(text: str, n: NumberMatch) -> Optional[Quantity]:
    m = patterns().after_percent.match(text, n.end)
    if not m or n.vague:
        return None
    written = m.group(0).strip().lower()
    unit = next((v for k, v in lexicon()["units"]["percent"].items() if k.lower() == written), "%")
    return _quantity(text, n, m.end(), unit, "percent")


def _measure(text: str, n: NumberMatch) -> Optional[Quantity]:
    p = patterns()
    at = n.end
    if n.vague and (of := re.compile(r"\s+of(?=\s)").match(text, n.end)):
        at = of.end()  # "tens of thousands of cubic meters"
    m = p.after_measure_abbr.match(text, at) or p.after_measure_word.match(text, at)
    if not m:
        return None
    measures = lexicon()["units"]["measures"]
    unit = measures.get(m.group("unit")) or next(v for k, v in measures.items() if k.lower() == m.group("unit").lower())
    return _quantity(text, n, m.end(), unit, "measure")


def _not_a_count(text: str, n: NumberMatch, times: TimeSpans) -> bool:
    """A number that only money or a unit could make a quantity: a glued suffix ("1980s", "3rd"), a clock
    time, a name part ("Room 39", "Oct. 8", "Malligyong-1"), a number inside a time expression."""
    if times.cover(n.start, n.end):
        return True
    if n.no_count is None:  # the text around the number: read once for the number (its text is the doc's)
        n.no_count = _no_count(text, n)
    return n.no_count


def _no_count(text: str, n: NumberMatch) -> bool:
    if n.money_only or _GLUED_AFTER.match(text, n.end, n.end + 2) or _GLUED_BEFORE.search(text[max(0, n.start - 2):n.start]):
        return True  # glued, a clock time, or one group of a phone or code number ("171 542 8982")
    return n.currency is None and _name_part(text, n.start)


_GLUED_AFTER = re.compile(r"[A-Za-z]|[:/]\d")
_GLUED_BEFORE = re.compile(r"\d[ -]?$|[+#]$")


# The leftmost match never starts just after a non-space (the \S* before it could take that character
# too), so "(?<!\S)" changes no match and spares the engine a try at every character.
_NAME_BEFORE = re.compile(r"(?<!\S)(\S*)(\s*)([A-Za-z][\w.'’-]*)[ \t]+$")


# A match holds at most two runs of non-space characters: \S* (a run's start, after white space) and the
# word ([A-Za-z][\w.'’-]*, no space), which ends the last run before the spaces at the end (then $). So it
# starts at or after the start of the last run but one, where the search begins: _TWO_RUNS, over the text
# reversed, reaches there (white space, the last run, white space, the run before). Each try the search
# skips could only match with a third run; each it makes reads the same characters as before (the one
# before its start is white space, or none).
_TWO_RUNS = re.compile(r"\s*\S*\s*\S*")


def _name_part(text: str, start: int) -> bool:
    piece = text[max(0, start - 60):start]
    m = _NAME_BEFORE.search(piece, len(piece) - _TWO_RUNS.match(piece[::-1]).end())
    if m and m.group(3).lower() in patterns().name_words:
        return True
    if not m or not m.group(3)[0].isupper():
        return False
    opens_sentence = not m.group(1) or "\n" in m.group(2) or m.group(1)[-1] in ".!?\"“:;("
    return not opens_sentence


def _count(doc, text: str, starts: list, n: NumberMatch) -> Optional[Quantity]:
    """A count of people or things ("15 agents"), with its casualty role when a cue says so."""
    if _HYPHEN_WORD.match(text, n.end, n.end + 2) or _referential(text, n):
        return None  # "a three-dimensional way", "a two-day visit", "the two countries"
    of = _OF.match(text, n.end) if n.vague else None
    head = _counted_noun(doc, starts, of.end() if of else n.end)
    if head is None:  # a bare number counts only as casualties: "killed 46", "12 were injured"
        role = None if _year_like(n) or n.value == 1 else _casualty(text, n.start, n.end)
        return _quantity(text, n, n.end, "people", role) if role else None
    return _counted(text, n, *head) if head else None


_HYPHEN_WORD = re.compile(r"-[A-Za-z]")


def _counted(text: str, n: NumberMatch, end: int, noun: str) -> Optional[Quantity]:
    p = patterns()
    category = p.categories.get(noun)
    if category is None and _year_like(n):
        return None  # "the 2010 sinking"
    casualty = p.casualty_nouns.get(singular(noun.split()[-1]))
    role = casualty or (_casualty(text, n.start, end) if category == "people" else None)
    if role:
        return _quantity(text, n, end, "people" if casualty else noun, role)
    if n.value == 1 and not n.vague:
        return None  # "one official defected": a determiner more often than a count
    return _quantity(text, n, end, noun, category or "objects")


def _referential(text: str, n: NumberMatch) -> bool:
    """ "the two countries", "the three sides": a small number after "the" names known things, not a count."""
    return not n.vague and n.value <= 3 and bool(_THE.search(text[max(0, n.start - 5):n.start]))


_THE = re.compile(r"\bthe\s+$", re.I)


def _year_like(n: NumberMatch) -> bool:
    return bool(_YEAR.fullmatch(n.words)) and n.currency is None


_YEAR = re.compile(r"1\d{3}|20\d{2}|21\d{2}")


def _casualty(text: str, start: int, end: int) -> Optional[str]:
    p = patterns()
    before = text[max(0, start - 40):start]
    for role, rx in p.casualty_before.items():
        if rx.search(before):
            return role
    for role, rx in p.casualty_after.items():
        if rx.match(text[end:end + 80]):
            return role
    return None


def _counted_noun(doc, starts: list, char: int):
    """(end offset, lexicon key) of the noun counted by a number ending at `char`; None when there is none;
    False when the number counts time ("three years", "45-year-old") and so is no quantity here."""
    p = patterns()
    has_pos = doc.has_annotation("POS")
    head, prev = None, ""
    i = bisect_left(starts, char)
    for j in range(i, min(i + 6, len(doc))):  # not doc[i:i + 6]: a Span on every call
        tok = doc[j]
        low = tok.lower_
        if tok.text == "-" and not tok.whitespace_ and head is None:
            continue
        if not tok.is_alpha:
            break
        if singular(low) in p.not_counted or low in p.not_counted:
            return False if head is None else head
        key = _key(f"{prev} {low}") if prev and _key(f"{prev} {low}") in p.categories else _key(low)
        if _is_noun(tok, key, has_pos):
            head, prev = (tok.idx + len(tok.text), key), low
            continue
        if head is not None or not _is_modifier(tok, has_pos):
            break
        prev = low
    return head


def _is_noun(tok, key: str, has_pos: bool) -> bool:
    p = patterns()
    known = key in p.categories or singular(tok.lower_) in p.casualty_nouns
    if not tok.is_alpha:
        return False
    if has_pos:
        return tok.pos_ == "NOUN" or (known and tok.pos_ in ("PROPN", "ADJ", "VERB"))
    return known


def _is_modifier(tok, has_pos: bool) -> bool:
    if not tok.is_alpha or tok.lower_ in patterns().stop_words:
        return False
    if has_pos:
        return tok.pos_ in ("ADJ", "PROPN", "NOUN") or (tok.pos_ == "VERB" and tok.dep_ == "amod")
    return True


def bare_numbers(doc, start: int, end: int, times: Optional[TimeSpans] = None,
                 numbers: Optional[list] = None) -> list[NumberMatch]:
    """Numbers in doc.text[start:end] that are neither years, nor name parts, nor inside a time expression:
    the values of a reported series ("from eight in 2013 to 18 in 2014"). `times`: the doc's `TimeSpans`,
    when a caller asks for many sentences of one doc; `numbers`: `numbers_in(doc, start, end)`, when read."""
    times = TimeSpans(doc._.times or []) if times is None else times
    text = text_of(doc)
    return [n for n in (numbers_in(doc, start, end) if numbers is None else numbers)
            if not n.vague and not _year_like(n) and not _not_a_count(text, n, times)]


def quantities_in(doc, start_char: int, end_char: int) -> list[Quantity]:
    """The quantities lying inside doc.text[start_char:end_char] (for the events stage)."""
    return [q for q in (doc._.quantities or []) if start_char <= q.start and q.end <= end_char]


@component("dateline.quantities.v1")
def quantities_component(doc):
    doc._.quantities = read(doc)
    return doc

