"""Spaces put back around names that a scrape glued to their neighbours ("ComradeKim Jong Unvisited").
The names are data (dateline/data/article/glued.yaml); only a name touching a letter is changed."""
from __future__ import annotations

import re
from functools import lru_cache

from . import _data


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    return tuple(_data.load("glued.yaml").get("names") or ())


def unglue(text: str) -> str:
    """`text` with a space on each side of a listed name that touches a letter."""
    names = _names()
    if not names or not any(n in text for n in names):
        return text
    for name in names:
        if name not in text:  # nothing to change (asked of the text as changed so far)
            continue
        text = re.sub(rf"(?<=[A-Za-z]){re.escape(name)}", f" {name}", text)
        text = re.sub(rf"{re.escape(name)}(?=[A-Za-z])", f"{name} ", text)
    return text
