"""The `times` stage: temporal expressions normalised against the publication date.

Every expression becomes a `model.TimeExpr` with a TIMEX3-style value ("2015-10-22", "2014-W43", "198X",
"P3Y", "PRESENT_REF") and, for dates, the calendar range it covers with its precision. Relative expressions
("Thursday", "last year", "two weeks ago", "in March") are resolved against the anchor, the article's local
publication date; without an anchor only absolute ones ("in 2010", "the 1980s", "Oct. 5, 2015") are kept.

The patterns are data (`data/time/rules.yaml`, words in `data/time/lexicon.yaml`); this module expands them,
picks the longest non-overlapping matches, and turns each into a value with the rule's handler. Use
`resolve(text, anchor)` on any text, `range_of(text, anchor)` for the one expression in a phrase, or the
spaCy component `dateline.times.v1`, which fills `doc._.times`.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import yaml

try:  # the regex parser, to read what each rule's matches must contain
    from re import _constants as sre_constants, _parser as sre_parse
except ImportError:  # Python 3.10
    import sre_constants
    import sre_parse

from .errors import ConfigError
from .knowledge import yaml_loader
from .model import DateRange, TimeExpr
from .nlp import component, text as doc_text  # `doc.text` joins every token on each access

DATA = Path(__file__).resolve().parent / "data" / "time"

_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9])|\n\s*\n")
_SKIP = object()  # a handler's answer for words that are claimed but are not a time expression


# ---------------------------------------------------------------------------------------------- grammar

@dataclass
class Rule:
    name: str
    handler: str
    regex: re.Pattern
    order: int
    # For lower-cased text (see `_folded`): the same pattern, case-sensitive and behind a test of its first
    # character, which the regex engine runs far faster; None where the pattern sets its own flags.
    scan: Optional[re.Pattern] = None
    # Every match holds one string of each set (lower case): where one set is absent, the rule cannot match.
    needs: tuple[frozenset, ...] = ()
    # Its most telling need, and how far a match and what its engine reads past it reach (`_reach_of`): a
    # match then starts near an occurrence of an anchor string (`_anchored`). None where unknown.
    anchor: Optional[frozenset] = None
    reach: Optional[tuple] = None
    # `scan` with ASCII classes, for text of ASCII characters only (see `_plain_ascii`)
    ascii_scan: Optional[re.Pattern] = None

    def __post_init__(self):
        if self.scan is not None and self.ascii_scan is None:
            self.ascii_scan = re.compile(self.scan.pattern, re.A)


@dataclass
class Grammar:
    lex: dict
    rules: list[Rule]
    keys: re.Pattern  # a digit or a time word: every match contains one, so rules only run near them
    cues: tuple[re.Pattern, re.Pattern]  # future and past tense cues
    folded_keys: Optional[re.Pattern] = None  # `keys` for lower-cased text
    needles: tuple[str, ...] = ()  # every string of the rules' `needs` without white space
    spaced: tuple[str, ...] = ()  # and those with white space
    ascii_keys: Optional[re.Pattern] = None  # `folded_keys` with ASCII classes (see `_plain_ascii`)
    _in_word: dict = field(default_factory=dict)
    _by_first: dict = field(default_factory=dict)  # the needles by first character

    def __post_init__(self):
        if self.folded_keys is not None and self.ascii_keys is None:
            self.ascii_keys = re.compile(self.folded_keys.pattern, re.A)
        for s in self.needles:
            self._by_first.setdefault(s[0], []).append(s)

    def present(self, piece: str) -> set:
        """The needles that occur in `piece` (folded text). A needle without white space lies inside one
        white-space-delimited word, so the words' needles, kept per distinct word, add up to the answer."""
        return self.survey(piece)[0]

    def survey(self, piece: str) -> tuple[set, int]:
        """(`present(piece)`, the length of its longest word)."""
        found = {s for s in self.spaced if s in piece}
        words = set(piece.split())
        for word in words:
            held = self._in_word.get(word)
            if held is None:
                if len(self._in_word) > 50_000:  # bounded: a long run sees ever new words
                    self._in_word.clear()
                held = self._in_word[word] = frozenset(s for c in set(word) for s in self._by_first.get(c, ())
                                                       if s in word)
            found |= held
        return found, max(map(len, words), default=0)


def _alternation(words, abbreviations: bool = False) -> str:
    """Regex alternation of words, longest first; spaces match any white space; with `abbreviations`, a
    short word may end in "." ("Oct.", "Wed.")."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        piece = re.escape(word).replace(r"\ ", r"\s+").replace(" ", r"\s+")
        parts.append(piece + (r"\.?" if abbreviations and _abbreviation(word) else ""))
    return _by_first_letter(parts)


def _by_first_letter(parts: list[str]) -> str:
    """The alternation of `parts`, grouped by first letter ("(?:m(?:onday|on)|t(?:uesday|ue))"), in their
    order within each group. Parts with different first letters never match at the same place, so the
    groups match exactly what the flat list matches; the regex engine then tries one group, not every
    word, at each position."""
    if not all(p[:1].isascii() and p[:1].isalnum() for p in parts):
        return "(?:" + "|".join(parts) + ")"
    groups: dict[str, list[str]] = {}
    for p in parts:
        groups.setdefault(p[0].lower(), []).append(p[1:])
    return "(?:" + "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in groups.items()) + ")"


def _abbreviation(word: str) -> bool:
    return len(word) <= 4 and word.isalpha() and word not in {"may", "june", "july", "fall"}


def _number_pattern(lex: dict) -> str:
    words = lex["numbers"]
    tens = [w for w, v in words.items() if isinstance(v, int) and 20 <= v <= 90 and v % 10 == 0]
    ones = [w for w, v in words.items() if isinstance(v, int) and 1 <= v <= 9 and w not in ("a", "an")]
    compound = f"{_alternation(tens)}(?:[- ]{_alternation(ones)})?"
    digits = r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d+)?)(?![\d,]\d)"  # not years
    return f"(?:{digits}|{compound}|{_alternation(words)})"


def _plural(unit: str) -> str:
    return {"century": "centuries", "millennium": "millennia"}.get(unit, unit + "s")


def _macros(lex: dict) -> dict[str, str]:
    units = list(lex["units"])
    return {
        "MONTH": _alternation(lex["months"], abbreviations=True),
        "WEEKDAY": _alternation(lex["weekdays"], abbreviations=True),
        "SEASON": _alternation(lex["seasons"]),
        "POD": _alternation(lex["parts_of_day"]),
        "NUM": _number_pattern(lex),
        "VAGUE": _alternation(lex["vague_numbers"]),
        "UNIT": _alternation(units),
        "UNITS": _alternation(units + [_plural(u) for u in units]),
        "ORD": _alternation(lex["ordinals"]),
        "DECADEWORD": _alternation(lex["decade_words"]),
        "DEICTIC": _alternation(lex["deictic_days"]),
        "REF": _alternation(lex["references"]),
        "SET": _alternation(lex["sets"]),
        "HOLIDAY": _alternation(lex["holidays"]),
        "FLOATING": _alternation(lex["floating_holidays"]),
        "DAY": r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?",
        # North Korea's calendar: Juche 1 is 1912; KCNA writes "Juche 113 (2024)".
        "JUCHE": r"Juche\s+(?P<juche>\d{1,3})(?:\s+\((?P<year>(?:19|20)\d\d)\))?",
        "YEAR": r"(?<![\d$€£¥#.,])(?:1\d{3}|20\d{2})(?![\d%]|[.,]\d)",
    }


def _key_words(lex: dict) -> re.Pattern:
    words = [w for name in ("months", "weekdays", "seasons", "parts_of_day", "ordinals", "decade_words",
                            "deictic_days", "references", "sets", "holidays", "floating_holidays")
             for w in lex[name]]
    words += [w for w in lex["numbers"] if w not in ("a", "an")]
    words += list(lex["units"]) + [_plural(u) for u in lex["units"]] + lex["vague_numbers"]
    words += ["noon", "midnight", "midday", "period", "half", "juche", "thousand", "aged", "ages", "age"]
    return re.compile(rf"\d|(?<!\w){_alternation(words)}", re.I)


def _windows(text: str, keys: re.Pattern, reach: int = 60) -> list[tuple[int, int]]:
    """Stretches of text around time words and digits, merged; the rest cannot hold a match."""
    spans: list[list[int]] = []
    for m in keys.finditer(text):
        lo, hi = max(0, m.start() - reach), min(len(text), m.end() + reach)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [(lo, hi) for lo, hi in spans]


def _compile(pattern: str, macros: dict[str, str], name: str) -> re.Pattern:
    try:
        expanded = re.sub(r"%([A-Z]+)%", lambda m: macros[m.group(1)], pattern)
        return re.compile(rf"(?<!\w)(?:{expanded})(?!\w)", re.I)
    except KeyError as exc:
        raise ConfigError(f"time rule {name!r} uses an unknown %{exc.args[0]}%",
                          fix=f"use one of: {', '.join('%' + k + '%' for k in sorted(macros))}") from exc
    except re.error as exc:
        raise ConfigError(f"time rule {name!r} is not a valid regular expression: {exc}",
                          fix="correct its pattern in dateline/data/time/rules.yaml") from exc


@lru_cache(maxsize=4)
def grammar(data_dir: Path = DATA) -> Grammar:
    """The lexicon and compiled rules, read once per process."""
    try:
        lex = yaml.load((data_dir / "lexicon.yaml").read_text(encoding="utf-8"), Loader=yaml_loader())
        spec = yaml.load((data_dir / "rules.yaml").read_text(encoding="utf-8"), Loader=yaml_loader())["rules"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the time rules in {data_dir}: {exc}",
                          fix="restore dateline/data/time/lexicon.yaml and rules.yaml") from exc
    macros = _macros(lex)
    rules = []
    for i, r in enumerate(spec):
        if r["handler"] not in HANDLERS:
            raise ConfigError(f"time rule {r['name']!r} names an unknown handler {r['handler']!r}",
                              fix=f"use one of: {', '.join(sorted(HANDLERS))}")
        regex = _compile(r["pattern"], macros, r["name"])
        scan = _scanner(regex)
        needs = _needs(scan) if scan else ()
        rules.append(Rule(r["name"], r["handler"], regex, i, scan, needs, *_anchor(scan, needs)))
    keys = _key_words(lex)
    needles = sorted({s for rule in rules for need in rule.needs for s in need})
    spaced = tuple(s for s in needles if any(c.isspace() for c in s))
    return Grammar(lex, rules, keys, _tense_patterns(lex), _scanner(keys, first_test=False),
                   tuple(s for s in needles if s not in spaced), spaced)


# ---------------------------------------------------------------------------------------------- fast scan
# The rules are case-insensitive regexes tried at every position of the windows: most of the stage's time.
# Two things make that cheaper without changing a single match. On lower-cased text a case-sensitive copy
# of each pattern is much faster (plain character tests), and a leading test of the characters a match can
# start with rejects most positions at once. And a rule whose required words (`needs`, read off the
# pattern itself) are absent from a window is not run there at all. The real match object, which the
# handlers read (capitals count for them), then comes from the original pattern at the position found.

_FLAGS = re.compile(r"\(\?[aiLmsux-]")  # inline flags: the folded copy would not keep them


def _folded(text: str) -> Optional[str]:
    """`text` in lower case, where that changes only A-Z: then a case-sensitive lower-case pattern matches
    it exactly where the case-insensitive pattern matches `text`. None where another character has a case
    (Unicode case rules would differ)."""
    if not text.isascii() and any(c.lower() != c or c.upper() != c for c in set(text) if not c.isascii()):
        return None
    return text.lower()


def _lower_pattern(pattern: str) -> str:
    """The pattern's letters in lower case; escapes ("\\S", "\\D") and "(?P" stay as written."""
    return re.sub(r"\\.|\(\?P|[A-Z]", lambda m: m.group().lower() if len(m.group()) == 1 else m.group(), pattern)


def _scanner(regex: re.Pattern, first_test: bool = True) -> Optional[re.Pattern]:
    """The case-sensitive copy of a case-insensitive `regex` for folded text (see `_folded`)."""
    if not regex.flags & re.I or _FLAGS.search(regex.pattern):
        return None
    pattern = _lower_pattern(regex.pattern)
    first = _first_class(pattern) if first_test else None
    return re.compile(f"(?={first}){pattern}" if first else pattern)


class _Disagree(Exception):
    """A scanner found a match its rule does not make: not expected; the plain rules then run instead."""


class _Unknown(Exception):
    """A part of a pattern the analysis below does not read: it then claims nothing."""


_C = sre_constants
_CATEGORIES = {_C.CATEGORY_DIGIT: r"\d", _C.CATEGORY_NOT_DIGIT: r"\D", _C.CATEGORY_SPACE: r"\s",
               _C.CATEGORY_NOT_SPACE: r"\S", _C.CATEGORY_WORD: r"\w", _C.CATEGORY_NOT_WORD: r"\W"}
_REPEATS = {_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", _C.MAX_REPEAT)}
_ZERO_WIDTH = {_C.AT, _C.ASSERT, _C.ASSERT_NOT}


def _first_class(pattern: str) -> Optional[str]:
    """A character class holding every character a match of `pattern` can start with; None if unknown."""
    try:
        parts, empty = _first_of(sre_parse.parse(pattern).data)
    except (_Unknown, re.error):
        return None
    return None if empty or not parts else "[" + "".join(sorted(set(parts))) + "]"


def _first_of(items) -> tuple[list[str], bool]:
    """(class parts for the first character, whether the sequence can match nothing)."""
    parts = []
    for op, av in items:
        more, empty = _first_of_item(op, av)
        parts += more
        if not empty:
            return parts, False
    return parts, True


def _first_of_item(op, av) -> tuple[list[str], bool]:
    if op is _C.LITERAL:
        return [re.escape(chr(av))], False
    if op is _C.IN:
        return [_class_part(o, a) for o, a in av], False
    if op is _C.SUBPATTERN:
        return _first_of(av[-1])
    if op is _C.BRANCH:
        parts, empty = [], False
        for alternative in av[1]:
            more, none = _first_of(alternative)
            parts, empty = parts + more, empty or none
        return parts, empty
    if op in _REPEATS:
        parts, empty = _first_of(av[2])
        return parts, empty or av[0] == 0
    if op in _ZERO_WIDTH:
        return [], True
    raise _Unknown(op)


def _class_part(op, av) -> str:
    if op is _C.LITERAL:
        return re.escape(chr(av))
    if op is _C.RANGE:
        return re.escape(chr(av[0])) + "-" + re.escape(chr(av[1]))
    if op is _C.CATEGORY and av in _CATEGORIES:
        return _CATEGORIES[av]
    raise _Unknown(op)


def _needs(regex: re.Pattern) -> tuple[frozenset, ...]:
    """Sets of strings such that every match of the (case-sensitive) `regex` contains one string of each."""
    try:
        return tuple(dict.fromkeys(_needs_of(sre_parse.parse(regex.pattern).data)))
    except (_Unknown, re.error):
        return ()


def _needs_of(items) -> list[frozenset]:
    """The needs of a sequence: the strings each run of parts with few exact forms spells ("m(?:on|ay)"
    gives "mon", "may"), and what each other required part needs."""
    needs, run = [], {""}
    for op, av in list(items) + [(None, None)]:
        forms = _forms(op, av) if op is not None else None
        if forms is not None and len(run) * len(forms) <= _MAX_FORMS:
            run = {a + b for a in run for b in forms}
            continue
        if run != {""}:
            needs.append(_shortest(run))
        run = forms if forms is not None else {""}
        if forms is None and op is not None:
            need = _need_of_item(op, av)
            if need:
                needs.append(need)
    return [need for need in needs if "" not in need]


_MAX_FORMS = 256


def _shortest(strings) -> frozenset:
    """Without the strings that contain another one: a match holding the longer holds the shorter."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _forms(op, av) -> Optional[set]:
    """Every string a part can match, if they are few; else None."""
    if op is _C.LITERAL:  # white space ends a run: the needs then lie within words (`Grammar.present`)
        return None if chr(av).isspace() else {chr(av)}
    if op is _C.SUBPATTERN:
        return _forms_of(av[-1])
    if op is _C.BRANCH:
        out = set()
        for alternative in av[1]:
            forms = _forms_of(alternative)
            if forms is None:
                return None
            out |= forms
        return out if len(out) <= _MAX_FORMS else None
    if op in _REPEATS and av[1] == 1:  # "x?" or "x"
        forms = _forms_of(av[2])
        return None if forms is None else forms | ({""} if av[0] == 0 else set())
    if op is _C.IN and all(o is _C.LITERAL and not chr(a).isspace() for o, a in av):
        return {chr(a) for o, a in av}
    if op in _ZERO_WIDTH:
        return None
    return None


def _forms_of(items) -> Optional[set]:
    out = {""}
    for op, av in items:
        forms = _forms(op, av)
        if forms is None or len(out) * len(forms) > _MAX_FORMS:
            return None
        out = {a + b for a in out for b in forms}
    return out


def _best(needs: list[frozenset]) -> Optional[frozenset]:
    """The most telling of several needs: longest shortest string, then fewest strings."""
    return max(needs, key=lambda n: (min(map(len, n)), -len(n))) if needs else None


def _need_of_item(op, av) -> Optional[frozenset]:
    if op is _C.SUBPATTERN:
        return _best(_needs_of(av[-1]))
    if op is _C.BRANCH:
        strings = set()
        for alternative in av[1]:
            need = _best(_needs_of(alternative))
            if need is None:
                return None
            strings |= need
        return frozenset(strings)
    if op in _REPEATS:
        return _best(_needs_of(av[2])) if av[0] >= 1 else None
    if op is _C.IN:  # a small set of plain characters (a category such as \d is left out: Unicode digits)
        chars = set()
        for o, a in av:
            if o is _C.LITERAL:
                chars.add(chr(a))
            elif o is _C.RANGE and a[1] - a[0] < 12:
                chars.update(chr(c) for c in range(a[0], a[1] + 1))
            else:
                return None
        return frozenset(chars)
    return None


# How far a match reaches. A width is (characters, runs of white space, runs of other characters), None
# where unbounded: a repeat without an upper bound matches a run of the characters its body can match, so
# where those are all white space, or all not, it matches no more than the text's longest such run.

_ZERO = (0, 0, 0)
_ATOMIC = getattr(_C, "ATOMIC_GROUP", None)
_NOT_SPACE_CATEGORIES = {_C.CATEGORY_DIGIT, _C.CATEGORY_WORD, _C.CATEGORY_NOT_SPACE}


def _anchor(scan: Optional[re.Pattern], needs: tuple[frozenset, ...]) -> tuple[Optional[frozenset], Optional[tuple]]:
    """(anchor, reach) of a rule: its most telling need, where the match's length is bounded. (Even a digit
    is rarer than the places a scan tries.)"""
    need = _best(list(needs))
    if scan is None or need is None:
        return None, None
    try:
        width, ahead = _reach_of(sre_parse.parse(scan.pattern).data)
    except (_Unknown, re.error):
        return None, None
    if width is None:
        return None, None
    return need, (width, ahead)


def _plus(x, y):
    return None if x is None or y is None else (x[0] + y[0], x[1] + y[1], x[2] + y[2])


def _most(x, y):
    return None if x is None or y is None else (max(x[0], y[0]), max(x[1], y[1]), max(x[2], y[2]))


def _reach_of(items) -> tuple[Optional[tuple], Optional[tuple]]:
    """(the greatest width of a match of the sequence, how far beyond its end lookaheads and boundary
    tests may read)."""
    width, ahead = _ZERO, _ZERO
    for op, av in items:
        w, a = _reach_of_item(op, av)
        width, ahead = _plus(width, w), _plus(ahead, a)
    return width, ahead


def _reach_of_item(op, av) -> tuple[Optional[tuple], Optional[tuple]]:
    if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
        return (1, 0, 0), _ZERO
    if op is _C.SUBPATTERN:
        return _reach_of(av[-1])
    if _ATOMIC is not None and op is _ATOMIC:
        return _reach_of(av)
    if op is _C.BRANCH:
        width, ahead = _ZERO, _ZERO
        for alternative in av[1]:
            w, a = _reach_of(alternative)
            width, ahead = _most(width, w), _most(ahead, a)
        return width, ahead
    if op in _REPEATS:
        w, a = _reach_of(av[2])
        if av[1] == _C.MAXREPEAT:
            kinds = _kinds(av[2])
            w = (0, 1, 0) if kinds == {"space"} else (0, 0, 1) if kinds == {"other"} else None
        elif w is not None:
            w = (w[0] * av[1], w[1] * av[1], w[2] * av[1])
        return w, a
    if op is _C.AT:
        return _ZERO, (1, 0, 0)
    if op in (_C.ASSERT, _C.ASSERT_NOT):
        w, a = _reach_of(av[1])
        return _ZERO, (_plus(w, a) if av[0] == 1 else a)  # a lookbehind reads back, but its lookaheads on
    raise _Unknown(op)


def _kinds(items) -> set:
    """Of the characters a sequence can match: "space" if some are white space, "other" if some are not,
    "any" if unknown."""
    out = set()
    for op, av in items:
        if op is _C.LITERAL:
            out.add("space" if chr(av).isspace() else "other")
        elif op is _C.IN:
            out |= _class_kinds(av)
        elif op is _C.SUBPATTERN:
            out |= _kinds(av[-1])
        elif _ATOMIC is not None and op is _ATOMIC:
            out |= _kinds(av)
        elif op is _C.BRANCH:
            for alternative in av[1]:
                out |= _kinds(alternative)
        elif op in _REPEATS:
            out |= _kinds(av[2])
        elif op not in _ZERO_WIDTH:
            out.add("any")
    return out


def _class_kinds(items) -> set:
    out = set()
    for op, av in items:
        if op is _C.LITERAL:
            out.add("space" if chr(av).isspace() else "other")
        elif op is _C.RANGE and av[1] - av[0] < 1000:
            out |= {"space" if chr(c).isspace() else "other" for c in range(av[0], av[1] + 1)}
        elif op is _C.CATEGORY and av in _NOT_SPACE_CATEGORIES:
            out.add("other")
        elif op is _C.CATEGORY and av is _C.CATEGORY_SPACE:
            out.add("space")
        else:
            out.add("any")
    return out


# ---------------------------------------------------------------------------------------------- context

@dataclass
class Result:
    value: str
    type: str = "DATE"
    range: Optional[DateRange] = None


@dataclass
class Context:
    """What a handler may look at: the text, the anchor date and the last date the text mentioned."""

    text: str
    anchor: Optional[dt.date]
    lex: dict
    cues: tuple[re.Pattern, re.Pattern]
    ref: Optional[tuple[dt.date, str]] = None  # (first day, granularity) of the last resolved date
    quarter: Optional[tuple[int, int]] = None  # (year, quarter) last mentioned
    probing: bool = False  # choosing matches: the last date is not known yet
    _tense: dict = field(default_factory=dict)
    _tense_end: dict = field(default_factory=dict)  # the end each cached tense was read with

    def tense(self, start: int, end: int) -> Optional[str]:
        """"future", "past" or None for the clause of [start, end): the tense cue nearest before it in
        its sentence (lexicon `tense_cues`), else the nearest one just after it."""
        if start not in self._tense:
            self._tense[start] = _tense(self.text, start, end, self.cues)
            self._tense_end[start] = end
        return self._tense[start]

    def future(self, start: int, end: int) -> bool:
        return self.tense(start, end) == "future"


def _tense_patterns(lex: dict) -> tuple[re.Pattern, re.Pattern]:
    cues = lex["tense_cues"]
    future = "|".join(cues["future"])
    past = "|".join(cues["past"] + [_alternation(cues["past_verbs"])])
    # A participle after "be"/"to" is no past ("will be held", "to be signed").
    return (re.compile(rf"(?<![\w'])(?:{future})(?!\w)", re.I),
            re.compile(rf"(?<![\w'])(?<!be )(?<!to )(?:{past})(?!\w)", re.I))


def _nearest_cue(window: str, patterns, last: bool) -> Optional[str]:
    best = None
    for tense, regex in zip(("future", "past"), patterns):
        for m in regex.finditer(window):
            pos = m.start() if last else -m.start()
            if best is None or pos > best[0]:
                best = (pos, tense)
    return best[1] if best else None


def _tense(text: str, start: int, end: int, patterns) -> Optional[str]:
    lo, hi = _sentence_bounds(text, start, end)
    before = _nearest_cue(text[max(lo, start - 80):start], patterns, last=True)
    return before or _nearest_cue(text[end:min(hi, end + 40)], patterns, last=False)


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 400), start):
        lo = m.end()
    m = _SENTENCE_END.search(text, end)
    return lo, (m.start() + 1 if m else len(text))


@lru_cache(maxsize=4096)  # the same few words ("last", "Thursday", "Oct.") in every article
def _key(text: str) -> str:
    """Lexicon key of matched words: lower case, single spaces, no trailing dot."""
    return re.sub(r"\s+", " ", text.strip().lower()).rstrip(".")


def _prev_word(text: str, start: int) -> str:
    m = re.search(r"([\w$€£¥#'.]+)\W*$", text[max(0, start - 30):start])
    return m.group(1).lower().rstrip(".") if m else ""


def _next_word(text: str, end: int) -> str:
    m = re.match(r"\W{0,2}?([\w%-]+)", text[end:end + 30])
    return m.group(1).lower() if m else ""


# ---------------------------------------------------------------------------------------------- values

def _quarter(month: int) -> int:
    return (month - 1) // 3 + 1


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def _shift(d: dt.date, n: float, unit: str) -> dt.date:
    n = int(n)
    if unit in ("day", "night"):
        return d + dt.timedelta(days=n)
    if unit in ("week", "weekend", "fortnight"):
        return d + dt.timedelta(weeks=n * (2 if unit == "fortnight" else 1))
    months = {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200}.get(unit)
    if months is None:
        return d
    shifted = _add_months(d, n * months)
    return shifted.replace(day=min(d.day, calendar.monthrange(shifted.year, shifted.month)[1]))


def _format(d: dt.date, gran: str) -> str:
    if gran == "day":
        return d.isoformat()
    if gran == "week":
        year, week, _ = d.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if gran == "weekend":
        year, week, _ = d.isocalendar()
        return f"{year:04d}-W{week:02d}-WE"
    if gran == "month":
        return f"{d.year:04d}-{d.month:02d}"
    if gran == "quarter":
        return f"{d.year:04d}-Q{_quarter(d.month)}"
    if gran == "decade":
        return f"{d.year // 10:03d}X"
    if gran == "century":
        return f"{d.year // 100:02d}"
    return f"{d.year:04d}"


_VALUE_FORMS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$"), "day"),
    (re.compile(r"^(\d{4})-W(\d{1,2})(-WE)?$"), "week"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-H([12])$"), "half"),
    (re.compile(r"^(\d{4})-(SP|SU|FA|WI)$"), "season"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{3})X$"), "decade"),
    (re.compile(r"^(\d{2})$"), "century"),
]

def _season_months(code: str) -> tuple[int, int]:
    """First and last month of a season (lexicon `season_months`; winter runs into the next year)."""
    first, last = grammar(DATA).lex["season_months"][code]  # the key resolve() uses: one grammar, read once
    return first, last


def _span(first: dt.date, last: dt.date, precision: str) -> DateRange:
    return DateRange(first.isoformat(), last.isoformat(), precision)


def _month_span(year: int, m1: int, m2: int) -> tuple[dt.date, dt.date]:
    last = _add_months(dt.date(year, 1, 1), m2 - 1)
    return dt.date(year, 1, 1).replace(month=m1), last.replace(day=calendar.monthrange(last.year, last.month)[1])


def value_range(value: str) -> Optional[DateRange]:
    """The calendar range a TIMEX3 date value covers, with its precision; None for durations, sets,
    *_REF values and values with unknown parts."""
    known = _value_range(value or "")
    return DateRange(*known) if known else None  # a new record each time: records are not shared


@lru_cache(maxsize=4096)  # the same values ("2015", "2015-10") come back in every article
def _value_range(value: str) -> Optional[tuple[str, str, str]]:
    for regex, form in _VALUE_FORMS:
        m = regex.match(value)
        if m:
            try:
                r = _FORM_RANGES[form](*m.groups())
            except ValueError:
                return None
            return r.start, r.end, r.precision
    return None


def _week_range(y, w, weekend=None):
    monday = dt.date.fromisocalendar(int(y), int(w), 1)
    if weekend:
        return _span(monday + dt.timedelta(days=5), monday + dt.timedelta(days=6), "week")
    return _span(monday, monday + dt.timedelta(days=6), "week")


_FORM_RANGES: dict[str, Callable[..., DateRange]] = {
    "day": lambda y, m, d: _span(dt.date(int(y), int(m), int(d)), dt.date(int(y), int(m), int(d)), "day"),
    "week": _week_range,
    "quarter": lambda y, q: _span(*_month_span(int(y), 3 * int(q) - 2, 3 * int(q)), "month"),
    "half": lambda y, h: _span(*_month_span(int(y), 6 * int(h) - 5, 6 * int(h)), "month"),
    "season": lambda y, s: _span(*_month_span(int(y), *_season_months(s)), "month"),
    "month": lambda y, m: _span(*_month_span(int(y), int(m), int(m)), "month"),
    "year": lambda y: _span(dt.date(int(y), 1, 1), dt.date(int(y), 12, 31), "year"),
    "decade": lambda d: _span(dt.date(int(d) * 10, 1, 1), dt.date(int(d) * 10 + 9, 12, 31), "decade"),
    "century": lambda c: _span(dt.date(max(1, int(c) * 100), 1, 1), dt.date(int(c) * 100 + 99, 12, 31),
                               "century"),
}


@lru_cache(maxsize=4096)
def _parse_value(value: str) -> Optional[tuple[dt.date, str]]:
    """(first day, granularity) of a date value, for expressions that count from the last date."""
    r = value_range(value)
    if r is None:
        return None
    gran = {"Q": "quarter", "W": "week"}.get(value[5:6], r.precision) if len(value) > 5 else r.precision
    return dt.date.fromisoformat(r.start), gran


def parse_anchor(published: Optional[str]) -> Optional[dt.date]:
    """The local calendar date of an ISO 8601 publication time ("2015-10-23T10:49+09:00" -> 2015-10-23)."""
    if not published:
        return None
    m = re.match(r"\s*(\d{4})-?(\d{2})-?(\d{2})", str(published))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------- numbers

def _number(text: Optional[str], lex: dict) -> Optional[float]:
    if not text:
        return None
    key = _key(text)
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", key):
        return float(key.replace(",", ""))
    if key in lex["numbers"]:
        return float(lex["numbers"][key])
    total = 0.0
    for word in re.split(r"[\s-]+", key):
        value = lex["numbers"].get(word)
        if value is None:
            return None
        total = total * value if value in (100, 12) and total else total + value
    return total


def _num_text(n: float) -> str:
    return str(int(n)) if n == int(n) else f"{n:g}"


def _unit(text: str, lex: dict) -> Optional[str]:
    key = _key(text).replace("-", " ")
    units = lex["units"]
    if key in units:
        return key
    for unit in units:
        if key == _plural(unit):
            return unit
    return None


# ---------------------------------------------------------------------------------------------- handlers

def _g(m: re.Match, name: str) -> Optional[str]:
    return m.group(name) if name in m.re.groupindex else None  # `groupdict()` would build every group


def _capitalised(word: Optional[str]) -> bool:
    return bool(word) and (word[0].isupper() or word.isupper())


def _month_of(m: re.Match, ctx: Context) -> Optional[int]:
    if _g(m, "mnum"):
        return int(m.group("mnum"))
    word = _g(m, "month")
    if not word or not _capitalised(word):
        return None
    return ctx.lex["months"].get(_key(word))


def _nearest_year(month: int, day: int, ctx: Context, start: int, end: int) -> int:
    """Year of a month (and day) given without one. The tense decides; without a cue, the most recent
    occurrence, unless the next one is only a few months ahead ("in February", said in October)."""
    a = ctx.anchor
    try:
        gap = (dt.date(a.year, month, min(day, 28)) - a).days
    except ValueError:
        return a.year
    tense = ctx.tense(start, end)
    soon = ctx.lex.get("future_window_days", 122)
    if gap > 0:
        # A past cue moves a date to last year only when it lies well ahead: participles such as "set
        # for" or "extended to" read as past but point forward.
        if tense == "future" or (tense is None and gap <= soon) or (tense == "past" and gap <= soon // 2):
            return a.year
        return a.year - 1
    if gap < 0:
        if (tense == "future" and gap < -30) or (tense is None and gap + 365 <= soon):
            return a.year + 1
    return a.year


def h_date(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    month = _month_of(m, ctx)
    day = int(re.match(r"\d+", m.group("day")).group()) if _g(m, "day") else None
    if month is None and not _g(m, "juche"):
        return None
    year_text = _g(m, "year") or (str(int(m.group("juche")) + 1911) if _g(m, "juche") else None)
    if year_text and month is None:
        return Result(year_text)  # "Juche 113 (2024)", "the New Year, Juche 113"
    if year_text:
        year = int(year_text) + (1900 if len(year_text) == 2 else 0)
    elif ctx.anchor is None:
        return None
    else:
        year = _nearest_year(month, day or 1, ctx, start, end)
    if day is None:
        return Result(f"{year:04d}-{month:02d}")
    try:
        return Result(dt.date(year, month, day).isoformat())
    except ValueError:
        return None


_MONTH_INTRO = {"in", "since", "until", "till", "by", "during", "of", "from", "to", "through", "before",
                "after", "between", "and", "or", "on", "early", "late", "mid", "last", "next", "this",
                "each", "every", "throughout", "in-", "into"}


def h_month(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    word = m.group("month")
    key = _key(word)
    if not _capitalised(word) or key not in ctx.lex["months"] or ctx.anchor is None:
        return None
    rel = _key(_g(m, "rel") or "")
    if key in ctx.lex["ambiguous_months"] and not rel and _prev_word(ctx.text, start) not in _MONTH_INTRO:
        return None
    if key in ctx.lex["ambiguous_months"] and _short_form(key, ctx.lex["months"]) and not word.endswith("."):
        return None  # "Mar", "Jan" alone are names more often than months
    month = ctx.lex["months"][key]
    a = ctx.anchor
    yrel = _key(_g(m, "yrel") or "")
    if yrel:
        return Result(f"{a.year + {'last': -1, 'next': 1}.get(yrel, 0):04d}-{month:02d}")
    if "last" in rel:
        year = a.year if month < a.month else a.year - 1
    elif "next" in rel:
        year = a.year if month > a.month else a.year + 1
    elif "this" in rel:
        year = a.year
    else:
        year = _nearest_year(month, 1, ctx, start, end) if month != a.month else a.year
    return Result(f"{year:04d}-{month:02d}")


def _short_form(key: str, names: dict) -> bool:
    return any(len(other) > len(key) and number == names[key] for other, number in names.items())


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if dt.date(year, month, d).weekday() == weekday]
    return dt.date(year, month, days[n - 1] if n > 0 else days[n])


def h_holiday(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    key = _key(m.group("holiday"))
    if not _capitalised(m.group("holiday")):
        return None  # "a memorial day for the victims" is not Memorial Day
    fixed = ctx.lex["holidays"].get(key)
    floating = ctx.lex["floating_holidays"].get(key)

    def on(year):
        return dt.date(year, *fixed) if fixed else _nth_weekday(year, floating[0], floating[1], floating[2])

    if _g(m, "year"):
        return Result(on(int(m.group("year"))).isoformat())
    if ctx.anchor is None:
        return None
    rel = _key(_g(m, "rel") or "")
    a = ctx.anchor
    if rel == "last" or (not rel and not ctx.future(start, end)):
        day = on(a.year) if on(a.year) <= a else on(a.year - 1)
    else:
        day = on(a.year) if on(a.year) >= a else on(a.year + 1)
    return Result(day.isoformat())


def _weekday_date(weekday: int, rel: str, ctx: Context, start: int, end: int) -> dt.date:
    """The weekday nearest the anchor on the side the words point to: the most recent one (the anchor's
    own weekday is the anchor) unless "next" or the future tense says otherwise."""
    a = ctx.anchor
    back = (a.weekday() - weekday) % 7
    ahead = (weekday - a.weekday()) % 7
    if rel == "last":
        return a - dt.timedelta(days=back or 7)
    if rel == "next":
        return a + dt.timedelta(days=ahead or 7)
    if ctx.future(start, end):
        return a + dt.timedelta(days=ahead)
    return a - dt.timedelta(days=back)


def _with_part_of_day(day: dt.date, pod: Optional[str], ctx: Context) -> Result:
    if pod and ctx.lex.get("part_of_day_in_value", True):
        # TimeBank types "Friday night" DATE; TIME is kept for clock times.
        return Result(f"{day.isoformat()}T{ctx.lex['parts_of_day'][_key(pod)]}", "DATE")
    return Result(day.isoformat())


def h_weekday(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    word = m.group("weekday")
    key = _key(word)
    if ctx.anchor is None or not _capitalised(word) or key not in ctx.lex["weekdays"]:
        return None
    if key in ctx.lex["ambiguous_weekdays"] and not word.endswith("."):
        return None
    rel = _key(_g(m, "rel") or "")
    day = _weekday_date(ctx.lex["weekdays"][key], rel, ctx, start, end)
    return _with_part_of_day(day, _g(m, "pod"), ctx)


def h_deictic(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    if ctx.anchor is None:
        return None
    word = _key(_g(m, "deictic") or "")
    rel = _key(_g(m, "rel") or "")
    pod = _g(m, "pod")
    offset = ctx.lex["deictic_days"].get(word, 0)
    if rel == "last" and _key(pod or "") == "night":
        offset = -1
    elif rel == "last":
        return None
    if word == "tonight":
        pod = "night"
    return _with_part_of_day(ctx.anchor + dt.timedelta(days=offset), pod, ctx)


def h_clock(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    if ctx.anchor is None:
        return None
    if _g(m, "named"):
        hour, minute = (0, 0) if _key(m.group("named")) == "midnight" else (12, 0)
    else:
        hour, minute = int(m.group("hour")), int(_g(m, "minute") or 0)
        pm = m.group("ampm").lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    day = ctx.ref[0] if ctx.ref and ctx.ref[1] == "day" else ctx.anchor
    if _g(m, "month") and _month_of(m, ctx):
        dated = h_date(m, ctx, start, end)
        day = dt.date.fromisoformat(dated.value) if dated and len(dated.value) == 10 else day
    elif _g(m, "weekday") and _capitalised(m.group("weekday")):
        day = _weekday_date(ctx.lex["weekdays"].get(_key(m.group("weekday")), day.weekday()), "", ctx,
                            start, end)
    elif _g(m, "deictic"):
        day = ctx.anchor + dt.timedelta(days=ctx.lex["deictic_days"].get(_key(m.group("deictic")), 0))
    return Result(f"{day.isoformat()}T{hour:02d}:{minute:02d}", "TIME")


_YEAR_INTRO = {"in", "since", "of", "from", "until", "till", "by", "circa", "c", "year", "between", "and",
               "before", "after", "to", "through", "during", "around", "fiscal"}


def h_year(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    year = int(m.group("year"))
    before = _prev_word(ctx.text, m.start("year"))
    if before in ctx.lex["not_before_year"] or _next_word(ctx.text, end) in ctx.lex["not_after_year"]:
        return None
    if ctx.text[max(0, m.start("year") - 1):m.start("year")] in "$€£¥#" and m.start("year") > 0:
        return None
    if year < 1800 and before not in _YEAR_INTRO:
        return None
    if ctx.anchor is not None and year > ctx.anchor.year + 100:
        return None
    return Result(f"{year:04d}")


def h_decade(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    if _g(m, "decade"):
        return Result(f"{m.group('decade')}X")
    digit = int(_g(m, "short") or ctx.lex["decade_words"][_key(m.group("word"))])
    century = 19
    if ctx.anchor is not None and ctx.anchor.year >= 2000 and 2000 + digit * 10 <= ctx.anchor.year:
        century = 20 if digit <= 2 else 19
    return Result(f"{century}{digit}X")


def h_century(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    key = _key(m.group("ord"))
    n = int(re.match(r"\d+", key).group()) if key[0].isdigit() else ctx.lex["ordinals"].get(key)
    if not n or key in ("last", "final") or n > 21:
        return None
    return Result(f"{n - 1:02d}")


_SEASON_INTRO = {"in", "during", "since", "until", "till", "by", "through", "over", "this", "that", "last",
                 "next", "early", "late", "of", "throughout", "before", "after"}


def h_season(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    code = ctx.lex["seasons"][_key(m.group("season"))]
    if _g(m, "year"):
        return Result(f"{m.group('year')}-{code}")
    rel = _key(_g(m, "rel") or "")
    if rel in ("", "the") and _prev_word(ctx.text, m.start()) not in _SEASON_INTRO:
        return None
    if rel in ("", "the") and _next_word(ctx.text, end) in ("of", "in", "to", "from", "into"):
        return None
    if ctx.anchor is None:
        return None
    a = ctx.anchor
    years = range(a.year - 2, a.year + 2)
    spans = [(y, *_month_span(y, *_season_months(code))) for y in years]
    if rel in ("last", "this past"):
        year = max(y for y, first, last in spans if last < a)
    elif rel == "next":
        year = min(y for y, first, last in spans if first > a)
    elif rel == "this":
        year = next(y for y, first, last in spans if last >= a)
    elif ctx.future(start, end):
        year = min(y for y, first, last in spans if last >= a)
    else:
        year = max(y for y, first, last in spans if first <= a)
    return Result(f"{year}-{code}")


def _ordinal(text: Optional[str], lex: dict) -> Optional[int]:
    if not text:
        return None
    key = _key(text)
    return int(key[0]) if key[0].isdigit() else lex["ordinals"].get(key)


def h_quarter(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    qn = _ordinal(_g(m, "ord") or _g(m, "qn") or _g(m, "qn2"), ctx.lex)
    rel = _key((_g(m, "rel") or "") + " " + (_g(m, "rel2") or ""))
    year_text = _g(m, "year") or _g(m, "year2")
    if qn and not 1 <= qn <= 4:
        return None
    if year_text and qn:
        return Result(f"{year_text}-Q{qn}")
    if ctx.anchor is None:
        return None
    a = ctx.anchor
    now_q = _quarter(a.month)
    if qn is None and year_text:
        return Result(f"{year_text}-Q{_reported_quarter(rel, ctx)[1]}")
    if qn is None:
        year, qn = _reported_quarter(rel, ctx)
    else:
        year = a.year + (-1 if "last" in rel else 1 if "next" in rel else 0)
        if not re.search(r"\b(?:this|last|next)\b", rel) and qn > now_q and not ctx.future(start, end):
            year -= 1  # a quarter not yet begun is last year's; companies "expect to report" past ones
    if "year-earlier" in rel or "year-ago" in rel:
        year -= 1
    return Result(f"{year}-Q{qn}")


def _reported_quarter(rel: str, ctx: Context) -> tuple[int, int]:
    """The quarter "the quarter" speaks of: the last one named, else the one before the anchor's (the
    quarter a company reports on)."""
    a = ctx.anchor
    current = dt.date(a.year, 3 * _quarter(a.month) - 2, 1)
    if "current" in rel or rel.strip() == "this":
        d = current
    elif "next" in rel:
        d = _add_months(current, 3)
    elif ctx.quarter and not re.search(r"\b(?:last|previous)\b", rel):
        return ctx.quarter
    else:
        d = _add_months(current, -3)
    return d.year, _quarter(d.month)


def h_half(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    half = 1 if _key(m.group("ord")) in ("first", "1st") else 2  # second, last, latter
    if _g(m, "year"):
        return Result(f"{m.group('year')}-H{half}")
    if ctx.anchor is None:
        return None
    rel = _key(_g(m, "rel") or "")
    year = ctx.anchor.year + (-1 if rel == "last" else 1 if rel == "next" else 0)
    return Result(f"{year}-H{half}")


_GRANULARITY = {"day": "day", "night": "day", "week": "week", "weekend": "weekend", "fortnight": "week",
                "month": "month", "quarter": "quarter", "year": "year", "decade": "decade",
                "century": "century"}


def h_relative(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    unit = _unit(m.group("unit"), ctx.lex)
    if ctx.anchor is None or unit not in _GRANULARITY:
        return None
    rel = _key(_g(m, "rel") or "this")
    step = -1 if rel in ("last", "the previous") else 1 if rel in ("next", "the coming", "the following") else 0
    base = ctx.anchor
    if rel in ("the previous", "the following", "the same") and ctx.ref:
        base = ctx.ref[0]
    if unit in ("day", "night") and rel in ("this", "last", "next"):
        return None  # "this day", "last night" read elsewhere or not a date
    if unit == "weekend" and rel == "last":
        base = ctx.anchor - dt.timedelta(days=ctx.anchor.weekday() + 1)
        step = 0
    return Result(_format(_shift(base, step, unit), _GRANULARITY[unit]))


def h_shifted(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    unit = _unit(m.group("unit"), ctx.lex)
    direction = _key(m.group("dir"))
    back = direction in ("ago", "earlier")
    if _g(m, "vague") or (unit and _key(m.group("unit")) == _plural(unit) and not _g(m, "num")):
        return Result("PAST_REF" if back else "FUTURE_REF")
    n = _number(_g(m, "num"), ctx.lex) if _g(m, "num") else 1.0
    if ctx.anchor is None or unit is None or n is None:
        return None
    base, gran = ctx.anchor, _GRANULARITY.get(unit, "day")
    if direction in ("earlier", "later") and ctx.ref and _FINENESS.index(ctx.ref[1]) <= _FINENESS.index(gran):
        base, ref_gran = ctx.ref
        gran = ref_gran if ref_gran in ("year", "quarter", "month") and gran == "year" else gran
    elif unit == "year" and ctx.quarter and "quarter" in ctx.text[max(0, start - 200):end + 40].lower():
        base, gran = dt.date(ctx.quarter[0], 3 * ctx.quarter[1] - 2, 1), "quarter"
    if gran == "weekend":
        gran = "week"
    return Result(_format(_shift(base, -n if back else n, unit), gran))


_FINENESS = ["day", "week", "weekend", "month", "quarter", "half", "season", "year", "decade", "century"]


def h_duration(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    unit = _unit(m.group("unit"), ctx.lex)
    if unit is None:
        return None
    spec = ctx.lex["units"][unit]
    if _g(m, "num") or not (_g(m, "vague") or _key(m.group("unit")) != unit):
        n = _number(m.group("num"), ctx.lex) if _g(m, "num") else 1.0  # "the past year": one
        if n is None or n <= 0:
            return None
        if _g(m, "num") and _prev_word(ctx.text, m.start("num")) in ctx.lex["months"]:
            return None  # "July 27 month of ..." is a date and a noun, not 27 months
        if _g(m, "half"):
            n += 0.5
        amount = _num_text(n * spec.get("factor", 1) * (3 if unit == "quarter" else 1))
    else:
        amount = "X"
    code = "M" if unit == "quarter" else spec["code"]
    return Result(f"P{'T' if spec.get('clock') else ''}{amount}{code}", "DURATION")


def h_set(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    key = _key(m.group("set"))
    if re.match(r"an? ", key) and "t" not in m.re.groupindex:
        return None  # "a year" is a rate only after an amount ("twice a year", "$5 million a year")
    value = ctx.lex["sets"].get(key)
    return Result(value, "SET") if value else None


def h_weekday_set(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    word = _g(m, "weekday") or m.group("plural")[:-1]
    weekday = ctx.lex["weekdays"].get(_key(word))
    if weekday is None or not _capitalised(word):
        return None
    pod = ctx.lex["parts_of_day"].get(_key(_g(m, "pod") or ""), "")
    return Result(f"XXXX-WXX-{weekday + 1}" + (f"T{pod}" if pod else ""), "SET")


def h_spoken_year(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    numbers = ctx.lex["numbers"]
    if _g(m, "tens"):
        return Result(f"{1900 + numbers[_key(m.group('tens'))] + numbers.get(_key(_g(m, 'ones') or ''), 0)}")
    return Result(f"{2000 + numbers.get(_key(_g(m, 'ones2') or ''), 0)}")


def h_anaphoric(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    """"that day", "later that year": the unit of the last date the text named."""
    unit = _unit(m.group("unit"), ctx.lex)
    order = ["day", "week", "month", "quarter", "year"]
    if ctx.probing:
        return Result("")
    if ctx.ref is None or ctx.ref[1] not in order or order.index(ctx.ref[1]) > order.index(unit):
        return None
    return Result(_format(ctx.ref[0], _GRANULARITY[unit]))


def h_weekend(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    if ctx.anchor is None:
        return None
    a = ctx.anchor
    if ctx.future(start, end):
        return Result(_format(a, "weekend"))
    return Result(_format(a - dt.timedelta(days=a.weekday() + 1) if a.weekday() < 5 else a, "weekend"))


def h_reference(m: re.Match, ctx: Context, start: int, end: int) -> Optional[Result]:
    key = _key(m.group("ref"))
    value = ctx.lex["references"].get(key)
    if value is None:
        return None
    if key == "now" and _next_word(ctx.text, end) in ("that", "defunct"):
        return None
    return Result(value, range=_reference_range(key, value, ctx))


def _reference_range(key: str, value: str, ctx: Context) -> Optional[DateRange]:
    a = ctx.anchor
    if a is None:
        return None
    if value == "PRESENT_REF":
        return _span(a, a, "day")
    span = ctx.lex.get("recent_span", {}).get(key.split()[-1]) if key.startswith("recent ") else None
    if not span:
        return None
    first = _shift(a, -span.get("years", 0), "year")
    first = _shift(first, -span.get("months", 0), "month")
    first = first - dt.timedelta(weeks=span.get("weeks", 0), days=span.get("days", 0))
    return _span(first, a, "year" if "years" in span else "month" if "months" in span else "day")


def h_skip(m: re.Match, ctx: Context, start: int, end: int):
    return _SKIP


HANDLERS: dict[str, Callable] = {
    "date": h_date, "month": h_month, "holiday": h_holiday, "weekday": h_weekday, "deictic": h_deictic,
    "clock": h_clock, "year": h_year, "decade": h_decade, "century": h_century, "season": h_season,
    "quarter": h_quarter, "half": h_half, "relative": h_relative, "shifted": h_shifted,
    "duration": h_duration, "set": h_set, "reference": h_reference, "skip": h_skip,
    "weekday_set": h_weekday_set, "spoken_year": h_spoken_year, "anaphoric": h_anaphoric,
    "weekend": h_weekend,
}


# ---------------------------------------------------------------------------------------------- matching

@dataclass
class _Candidate:
    start: int  # the whole match, context included: what overlaps are settled on
    end: int
    rule: Rule
    match: re.Match
    result: object = None  # the handler's answer while choosing, where it is also the final one

    @property
    def extent(self) -> tuple[int, int]:
        if "t" in self.match.re.groupindex and self.match.group("t") is not None:
            return self.match.span("t")
        return self.start, self.end


def _candidates(text: str, g: Grammar) -> list[_Candidate]:
    folded = _folded(text) if g.folded_keys else None
    try:
        found = _fast_candidates(text, folded, g) if folded is not None else None
    except _Disagree:
        found = None
    if found is None:
        found = []
        for lo, hi in _windows(text, g.keys):
            for rule in g.rules:
                found += _matches(rule, text, lo, hi)
    found.sort(key=lambda c: (-(c.end - c.start), c.rule.order, c.start))
    return found


def _matches(rule: Rule, text: str, lo: int, hi: int) -> list[_Candidate]:
    return [_Candidate(m.start(), m.end(), rule, m) for m in rule.regex.finditer(text, lo, hi) if m.end() > m.start()]


def _fast_candidates(text: str, folded: str, g: Grammar) -> list[_Candidate]:
    """`_candidates` on the folded text with the rules' scanners."""
    found = []
    found_at = _Occurrences(folded)
    ascii = _plain_ascii(folded)
    for lo, hi in _windows(folded, g.ascii_keys if ascii else g.folded_keys):
        present, longest = g.survey(folded[lo:hi])
        sizes = None
        for rule in g.rules:
            if rule.scan is None:
                found += _matches(rule, text, lo, hi)
                continue
            for need in rule.needs:
                if need.isdisjoint(present):
                    break
            else:
                scan = rule.ascii_scan if ascii else rule.scan
                if rule.anchor is None:
                    found += _scanned(rule, scan, text, folded, lo, hi)
                    continue
                if sizes is None:
                    sizes = max(map(len, _LONG_SPACES.findall(folded, lo, hi)), default=1), longest
                found += _anchored(rule, scan, text, found_at, lo, hi, present, sizes)
    return found


_C0_SPACES = re.compile("[\x1c-\x1f]")


def _plain_ascii(folded: str) -> bool:
    """Whether the text holds only ASCII characters, none of them the four that Unicode, and not ASCII,
    counts as white space: there the patterns read alike with ASCII classes, which the engine tests faster."""
    return folded.isascii() and _C0_SPACES.search(folded) is None


# Runs of white space longer than one: with the window's longest word, they bound what a repeat of white
# space, or of other characters, can match in the window (`_reach_of`).
_LONG_SPACES = re.compile(r"\s\s+")


def _scanned(rule: Rule, scan: re.Pattern, text: str, folded: str, lo: int, hi: int) -> list[_Candidate]:
    found = []
    for m in scan.finditer(folded, lo, hi):
        if m.end() > m.start():
            real = rule.regex.match(text, m.start(), hi)
            if real is None or real.end() != m.end():
                raise _Disagree(rule.name)
            found.append(_Candidate(m.start(), m.end(), rule, real))
    return found


def _anchored(rule: Rule, scan: re.Pattern, text: str, found_at: "_Occurrences", lo: int, hi: int,
              present: set, sizes: tuple[int, int]) -> list[_Candidate]:
    """`_scanned`, with the scanner tried only where a match can start: within its greatest length before an
    occurrence of an anchor string, up to the occurrence's end. Each search stops where the engine, trying
    those starts, could read no further (the match and its lookaheads), so what it finds there is what the
    whole window gives; the search then goes on from the match's end, as `finditer` does."""
    folded = found_at.folded
    (width, ahead), (spaces, words) = rule.reach, sizes
    most = width[0] + width[1] * spaces + width[2] * words
    beyond = None if ahead is None else most + ahead[0] + ahead[1] * spaces + ahead[2] * words + 2
    starts = []
    for at, end in found_at.within(rule.anchor, present, lo, hi):
        first = max(lo, at - most)
        if starts and first <= starts[-1][1] + 1:
            starts[-1][1] = max(starts[-1][1], end - 1)
        else:
            starts.append([first, end - 1])
    found, pos = [], lo
    for first, last in starts:
        pos = max(pos, first)
        end = hi if beyond is None else min(hi, last + beyond)
        while pos <= last:
            m = scan.search(folded, pos, end)
            if m is None or m.start() > last:
                break
            real = rule.regex.match(text, m.start(), hi)
            if real is None or real.end() != m.end() or m.end() == m.start():  # a rule with needs is never empty
                raise _Disagree(rule.name)
            found.append(_Candidate(m.start(), m.end(), rule, real))
            pos = m.end()
    return found


class _Occurrences:
    """Where strings occur in one folded text, each found on first use."""

    def __init__(self, folded: str):
        self.folded = folded
        self._at: dict[str, list[int]] = {}
        self._window: tuple[int, int] = (-1, -1)
        self._within: dict[frozenset, list[tuple[int, int]]] = {}  # for the last window: rules share anchors

    def within(self, anchor: frozenset, present: set, lo: int, hi: int) -> list[tuple[int, int]]:
        """(start, end) of every occurrence of the anchor's strings inside [lo, hi), in order (`present`:
        the needles found there)."""
        if self._window != (lo, hi):
            self._window, self._within = (lo, hi), {}
        out = self._within.get(anchor)
        if out is None:
            out = self._within[anchor] = self._find(anchor & present, lo, hi)
        return out

    def _find(self, strings, lo: int, hi: int) -> list[tuple[int, int]]:
        out = []
        for s in strings:
            at = self._at.get(s)
            if at is None:
                at = self._at[s] = _find_all(self.folded, s)
            n = len(s)
            for i in range(bisect_left(at, lo), len(at)):
                if at[i] + n > hi:
                    break
                out.append((at[i], at[i] + n))
        out.sort()
        return out


def _find_all(text: str, s: str) -> list[int]:
    out, i = [], text.find(s)
    while i >= 0:
        out.append(i)
        i = text.find(s, i + 1)
    return out


def _apply(c: _Candidate, ctx: Context):
    start, end = c.extent
    try:
        return HANDLERS[c.rule.handler](c.match, ctx, start, end)
    except (ValueError, OverflowError):
        return None  # a date the calendar cannot hold ("next year" in 9999): no value rather than a crash


def _select(found: list[_Candidate], ctx: Context) -> list[_Candidate]:
    """Longest matches first; a match whose handler rejects it leaves its words to shorter ones."""
    taken = bytearray(len(ctx.text) + 1)  # the characters of the matches chosen (none is empty)
    chosen = []
    probe = Context(ctx.text, ctx.anchor, ctx.lex, ctx.cues, probing=True)
    for c in found:
        if taken.find(1, c.start, c.end) >= 0:
            continue  # overlaps a longer match already chosen
        result = _apply(c, probe)
        if result is None:
            continue
        taken[c.start:c.end] = b"\x01" * (c.end - c.start)
        chosen.append(c)
        start, end = c.extent
        if c.rule.handler not in _READS_CONTEXT and probe._tense_end.get(start, end) == end:
            c.result = result  # the same words, anchor and tense give the same answer: not asked twice
    return sorted(chosen, key=lambda c: c.start)


# Handlers whose answer depends on the dates read before (or on whether matches are being chosen): they
# are asked again once the earlier dates are known. The others answer the same both times.
_READS_CONTEXT = {"clock", "quarter", "relative", "shifted", "anaphoric"}


def _remember(ctx: Context, value: str, handler: str, text: str) -> None:
    """Keep the date for expressions that count from it ("a year earlier", "that day"); counted dates
    themselves are not kept, so that one shift does not feed the next."""
    parsed = _parse_value(value)
    if parsed is None or handler in ("shifted", "anaphoric"):
        return
    ctx.ref = parsed
    if parsed[1] == "quarter" and handler == "quarter" and not re.search(r"year[- ](?:earlier|ago)", text):
        ctx.quarter = (parsed[0].year, _quarter(parsed[0].month))


def resolve(text: str, anchor=None, data_dir: Path = DATA) -> list[TimeExpr]:
    """Every time expression in `text`, normalised against `anchor` (an ISO string, a date, or None: then
    only absolute expressions are resolved). Offsets are character offsets into `text`."""
    if isinstance(anchor, dt.datetime):
        anchor = anchor.date()
    elif not isinstance(anchor, dt.date):
        anchor = parse_anchor(anchor)
    g = grammar(data_dir)
    ctx = Context(text, anchor, g.lex, g.cues)
    out = []
    for c in _select(_candidates(text, g), ctx):
        result = c.result if c.result is not None else _apply(c, ctx)
        if result is None or result is _SKIP:
            continue
        start, end = c.extent
        rng = result.range if result.range else (value_range(result.value) if result.type != "DURATION" else None)
        out.append(TimeExpr(text[start:end], start, end, result.value, rng, result.type))
        _remember(ctx, result.value, c.rule.handler, text[start:end])
    return out


_JOINER = re.compile(r"\s*(?:to|and|through|until|till|-|–|—)\s*$", re.I)


def range_of(text: str, anchor=None) -> Optional[DateRange]:
    """The date range a phrase or sentence gives ("in the 1980s", "last Thursday", "from 2013 to 2015"):
    that of its first dated expression, or of the first pair joined as an interval; None without one.
    For the events stage and for users resolving a single phrase."""
    dated = [t for t in resolve(text, anchor) if t.range is not None]
    if not dated:
        return None
    first = dated[0]
    if len(dated) > 1 and _JOINER.match(text[first.end:dated[1].start]):
        return DateRange(first.range.start, dated[1].range.end, first.range.precision)
    return first.range


def times_in(times: list[TimeExpr], start: int, end: int) -> list[TimeExpr]:
    """The expressions of `doc._.times` inside [start, end), e.g. an event's sentence."""
    return [t for t in times if start <= t.start and t.end <= end]


FACTORY = "dateline.times.v1"


@component(FACTORY)
def times_component(doc):
    doc._.times = resolve(doc_text(doc), doc._.published)
    return doc

