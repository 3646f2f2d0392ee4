"""Boilerplate paragraphs (dateline/data/article/boilerplate.yaml): share and subscribe lines, navigation,
photo captions, footers, and the copyright line that names the outlet."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from . import _data

BULLETS = "•·▶►▲■□◆◇○●*-–—>|» \t\u00a0"


def bare(paragraph: str) -> str:
    """The paragraph without leading bullets and surrounding space, for matching."""
    return paragraph.strip().lstrip(BULLETS).strip()


def _needs(words) -> tuple[str, ...]:
    return tuple(str(w).lower() for w in words or ())


def may_match(needs: tuple[str, ...], text: str) -> bool:
    """False when a pattern whose every match holds one of `needs` (lower-cased words, case aside) cannot
    match `text`. Asked of ASCII text only: there lower-casing compares as the patterns' IGNORECASE does."""
    return not needs or not text.isascii() or _holds(text.lower(), needs)


def _holds(lowered: str, needs: tuple[str, ...]) -> bool:
    for word in needs:
        if word in lowered:
            return True
    return False


@lru_cache(maxsize=None)
def _pattern(key: str) -> re.Pattern:
    """One alternation of the key's plain patterns: it matches a whole paragraph when one of them does, and
    is searched once instead of once per pattern."""
    entries = _data.load("boilerplate.yaml").get(key) or []
    plain = [p for p in entries if not isinstance(p, dict)]
    return re.compile("|".join(f"(?:{p})" for p in plain) or r"(?!)", re.I | re.S)


@lru_cache(maxsize=None)
def _hinted(key: str) -> tuple[tuple[tuple[str, ...], re.Pattern], ...]:
    """The key's patterns written with the words their matches need ({pattern: ..., needs: [...]}): each
    is tried alone, and only on a paragraph that holds one of the words (they scan the whole paragraph)."""
    entries = _data.load("boilerplate.yaml").get(key) or []
    return tuple((_needs(p.get("needs")), re.compile(p["pattern"], re.I | re.S))
                 for p in entries if isinstance(p, dict))


MEMO_CHARS = 2000  # paragraphs up to this long have their answers remembered: the reader asks again


def _full(key: str, paragraph: str) -> bool:
    text = bare(paragraph)
    return _remembered(key, text) if len(text) <= MEMO_CHARS else _matches(key, text)


@lru_cache(maxsize=1024)
def _remembered(key: str, text: str) -> bool:
    return _matches(key, text)


def _matches(key: str, text: str) -> bool:
    if _pattern(key).fullmatch(text) is not None:
        return True
    lowered = text.lower() if text.isascii() else None  # see may_match
    for needs, pattern in _hinted(key):
        if (not needs or lowered is None or _holds(lowered, needs)) and pattern.fullmatch(text) is not None:
            return True
    return False


def is_drop(paragraph: str) -> bool:
    return _full("drop", paragraph)


def is_caption(paragraph: str) -> bool:
    return _full("captions", paragraph)


def is_footer_start(paragraph: str) -> bool:
    return _full("footer_start", paragraph)


def is_copyright(paragraph: str) -> bool:
    pattern, needs, max_words = _copyright()
    text = bare(paragraph)
    return (bool(pattern and may_match(needs, text) and pattern.search(text))
            and len(text.split()) <= int(max_words))


@lru_cache(maxsize=1)
def _copyright() -> tuple[Optional[re.Pattern], tuple[str, ...], object]:
    data = _data.load("boilerplate.yaml")
    pattern = re.compile(data["copyright"], re.I) if data.get("copyright") else None
    return pattern, _needs(data.get("copyright_needs")), data.get("copyright_max_words", 30)


def clean_copyright(line: str) -> str:
    """'© 2024 The Harbor Gazette Co., Ltd. All rights reserved.' -> 'The Harbor Gazette'."""
    text = bare(line)
    for pattern in _data.load("boilerplate.yaml").get("copyright_noise") or []:
        text = re.sub(pattern, " ", text, flags=re.I)
    text = re.sub(r"\s+", " ", text).strip(" .,;:-–—|&")
    return text if 1 <= len(text.split()) <= 8 else ""
