"""Spaces put back around names that a scrape glued to their neighbours ("ComradeKim Jong Unvisited").
The names are data (dateline/data/article/glued.yaml); only a name touching a letter is changed."""
from __future__ import annotations

import re
from functools import lru_cache

from . import _data


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    return tuple(_data.load("glued.yaml").get("names") or ())


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern, re.Pattern], ...]:
    """Per name: the name after a letter, the name before one. The first is written as the name's first
    character, then the look-behind at the letter: a pattern that opens with a literal is searched for it
    quickly, one that opens with a look-behind is tried at every position."""
    patterns = []
    for name in _names():
        first, rest = re.escape(name[:1]), re.escape(name[1:])
        patterns.append((name, re.compile(rf"{first}(?<=[A-Za-z]{first}){rest}"),
                         re.compile(rf"{re.escape(name)}(?=[A-Za-z])")))
    return tuple(patterns)


def unglue(text: str) -> str:
    """`text` with a space on each side of a listed name that touches a letter."""
    names = _names()
    if not names or not any(n in text for n in names):
        return text
    for name, after_letter, before_letter in _patterns():
        if name not in text:  # nothing to change (asked of the text as changed so far)
            continue
        text = after_letter.sub(f" {name}", text)
        text = before_letter.sub(f"{name} ", text)
    return text
