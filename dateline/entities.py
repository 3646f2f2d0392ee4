"""The `entities` stage: spaCy's named entities as dateline records on `doc._.entities`.

Later stages (actors, places) resolve these records and may add entities the model missed; they go through
`add_entities` so overlaps are settled in one place.
"""
from __future__ import annotations

from typing import Iterable

from .model import Entity
from .nlp import component
from .nlp import text as doc_text


def from_doc(doc) -> list[Entity]:
    text = doc_text(doc)  # an entity's text cut from the Doc's (a Span's `text` makes a Token per word)
    return [Entity(text=text[e.start_char:e.end_char], start=e.start_char, end=e.end_char, label=e.label_)
            for e in doc.ents]


def add_entities(doc, new: Iterable[Entity], replace_overlaps: bool = True) -> None:
    """Merge `new` into `doc._.entities`. An overlapping new entity replaces the old ones when
    `replace_overlaps`, else it is dropped. The list stays sorted by offset."""
    current = list(doc._.entities or [])
    for ent in new:
        clashes = [e for e in current if e.start < ent.end and ent.start < e.end]
        if clashes and not replace_overlaps:
            continue
        if clashes:
            # by identity: an entity equal to a clash has its span, so it clashes too (and `==` on entities
            # compares every field)
            gone = {id(e) for e in clashes}
            current = [e for e in current if id(e) not in gone]
        current.append(ent)
    current.sort(key=lambda e: (e.start, e.end))
    doc._.entities = current


@component("dateline.entities.v1")
def entities_component(doc):
    doc._.entities = from_doc(doc)
    return doc
