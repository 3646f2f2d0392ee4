"""Language of an article's text, from its script or, for Latin script, the share of each language's
function words (dateline/data/article/languages.yaml). Enough to keep non-English articles out of an
English pipeline; not a general-purpose identifier."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Optional

from . import _data

SAMPLE = 6000  # characters looked at
MIN_WORDS = 8  # below this a text is too short to judge
MIN_SHARE = 0.08  # function-word share the best language needs
LETTERS = re.compile(r"[^\W\d_]+")
ASCII_LETTERS = re.compile(r"[a-z]+")  # the same runs in lower-cased ASCII text, found faster


@lru_cache(maxsize=1)
def _tables() -> tuple[dict, dict, re.Pattern, dict]:
    """The scripts' patterns, the function words, one pattern for any listed script (a text with none of
    them needs no count per script), and each function word's languages (one lookup per distinct word)."""
    data = _data.load("languages.yaml")
    ranges = data.get("scripts") or {}
    scripts = {code: re.compile("[" + "".join(rs) + "]") for code, rs in ranges.items()}
    words = {code: frozenset(w.lower() for w in ws) for code, ws in (data.get("function_words") or {}).items()}
    any_script = re.compile("|".join(f"(?:{p.pattern})" for p in scripts.values()) or r"(?!)")
    languages_of: dict[str, list[str]] = {}
    for code, ws in words.items():
        for w in ws:
            languages_of.setdefault(w, []).append(code)
    return scripts, words, any_script, languages_of


def detect(text: str) -> Optional[str]:
    """ISO 639-1 code, or None when the text is too short or too unlike any listed language."""
    sample = (text or "")[:SAMPLE]
    if not any(map(str.isalpha, sample)):
        return None
    scripts, words, any_script, languages_of = _tables()
    if any_script.search(sample):  # else every script counts 0, which decides nothing below
        letters = sum(map(str.isalpha, sample))
        by_script = {code: len(p.findall(sample)) for code, p in scripts.items()}
        if by_script.get("ja", 0) > 0.05 * letters:
            return "ja"
        code, count = max(by_script.items(), key=lambda kv: kv[1], default=(None, 0))
        if count > 0.3 * letters:
            return code
    lowered = sample.lower()
    tokens = (ASCII_LETTERS if lowered.isascii() else LETTERS).findall(lowered)
    if len(tokens) < MIN_WORDS:
        return None
    hits = dict.fromkeys(words, 0)  # in the table's order, which breaks ties as before
    counts = Counter(tokens)
    for token in counts.keys() & languages_of.keys():  # the function words present, found by set intersection
        for code in languages_of[token]:
            hits[code] += counts[token]
    shares = {code: n / len(tokens) for code, n in hits.items()}
    best = max(shares, key=shares.get)
    return best if shares[best] >= MIN_SHARE else None
