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


@lru_cache(maxsize=1)
def _tables() -> tuple[dict, dict]:
    data = _data.load("languages.yaml")
    scripts = {code: re.compile("[" + "".join(ranges) + "]") for code, ranges in (data.get("scripts") or {}).items()}
    words = {code: frozenset(w.lower() for w in ws) for code, ws in (data.get("function_words") or {}).items()}
    return scripts, words


def detect(text: str) -> Optional[str]:
    """ISO 639-1 code, or None when the text is too short or too unlike any listed language."""
    sample = (text or "")[:SAMPLE]
    letters = sum(map(str.isalpha, sample))
    if not letters:
        return None
    scripts, words = _tables()
    by_script = {code: len(p.findall(sample)) for code, p in scripts.items()}
    if by_script.get("ja", 0) > 0.05 * letters:
        return "ja"
    code, count = max(by_script.items(), key=lambda kv: kv[1], default=(None, 0))
    if count > 0.3 * letters:
        return code
    tokens = re.findall(r"[^\W\d_]+", sample.lower())
    if len(tokens) < MIN_WORDS:
        return None
    counts = Counter(tokens)  # each distinct word looked up once per language
    shares = {code: sum(n for t, n in counts.items() if t in ws) / len(tokens) for code, ws in words.items()}
    best = max(shares, key=shares.get)
    return best if shares[best] >= MIN_SHARE else None
