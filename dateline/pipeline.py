"""The whole pipeline, as library functions the CLI and the HTTP API both call.

    read(path_or_text)         one article -> model.Document
    ingest(paths, db=...)      many inputs -> the store, streaming, with a summary

Inputs flow sources -> article -> (duplicate check) -> nlp and the stage components -> store. Identity is
kept end to end (each article travels with its id and source), and one bad article is recorded with its
reason while the batch goes on.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from . import settings
from .errors import DatelineError, InputError
from .model import Article, Document, Span
from .sources import RawInput, iter_inputs

_SPACE = re.compile(r"\s+")


def document_id(text: str) -> str:
    """Content hash of the body text, so the same article read twice gets the same id."""
    normal = _SPACE.sub(" ", text).strip().lower()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


@dataclass
class Prepared:
    """An article read and identified, waiting for the NLP stages."""

    id: str
    raw: RawInput
    article: Article


@dataclass
class IngestSummary:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    near_duplicates: int = 0  # of `duplicates`: near copies linked to a first copy (dateline.dedupe)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (source, message)
    stored_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"read": self.read, "stored": self.stored, "duplicates": self.duplicates,
                "near_duplicates": self.near_duplicates,
                "rejected": [{"source": s, "reason": r} for s, r in self.rejected]}


def prepare(raw: RawInput) -> Prepared:
    """Run the article stage on one raw input; raises InputError for bad input."""
    from . import article as article_stage

    if raw.error is not None:
        raise raw.error
    art = article_stage.read(raw)
    return Prepared(document_id(art.text), raw, art)


def to_document(doc, prepared: Prepared) -> Document:
    """Assemble the output record from a processed spaCy Doc and its article."""
    art = prepared.article
    events = list(doc._.events or [])
    for n, ev in enumerate(events, start=1):
        ev.id = f"{prepared.id}-e{n}"
    return Document(
        id=prepared.id, text=art.text, url=art.url, source_path=prepared.raw.source, outlet=art.outlet,
        title=art.title, authors=list(art.authors), published=art.published, language=art.language,
        dateline=art.dateline, entities=list(doc._.entities or []), times=list(doc._.times or []),
        events=events, statistics=list(doc._.statistics or []),
        quantities=list(doc._.quantities or []),
        sentences=[Span(s.text, s.start_char, s.end_char) for s in doc.sents] if doc.has_annotation("SENT_START") else [],
    )


def raw_from_text(text: str, source: str = "<text>") -> RawInput:
    return RawInput(source, "text", data=text.encode("utf-8"))


def read(path_or_text, *, model: Optional[str] = None, published: Optional[str] = None) -> Document:
    """Read one article: a path to a file (text, HTML or a one-line JSON Lines record), or the text itself.
    `published` overrides the publication time found in the article."""
    raws = _raws_for(path_or_text)
    prepared = prepare(raws[0])
    if published:
        prepared.article.published = published
    nlp = _nlp(model)
    from .nlp import make_doc

    doc = nlp(make_doc(nlp, prepared.article.text, prepared.article.published, prepared.id))
    return to_document(doc, prepared)


def _raws_for(path_or_text) -> list[RawInput]:
    if isinstance(path_or_text, Path) or (isinstance(path_or_text, str) and "\n" not in path_or_text
                                          and len(path_or_text) < 4096 and Path(path_or_text).is_file()):
        raws = list(iter_inputs([str(path_or_text)]))
        if not raws:
            raise InputError("file holds no article", fix="check that it is not empty", source=str(path_or_text))
        return raws
    return [raw_from_text(str(path_or_text))]


def _nlp(model: Optional[str]):
    from . import nlp

    return nlp.load(model)


def ingest(paths: Iterable[str], *, db: Optional[str] = None, model: Optional[str] = None,
           batch_size: Optional[int] = None, processes: Optional[int] = None,
           on_progress: Optional[Callable[[str, int], None]] = None, store=None) -> IngestSummary:
    """Read every input under `paths` into the store. Documents already stored are skipped before any NLP
    work; bad inputs are recorded as rejected with their reason. Writes are batched, one transaction per
    batch, so an interruption leaves only whole documents."""
    from .store import open_store

    own_store = store is None
    store = store or open_store(db)
    summary = IngestSummary()
    size = settings.get("batch_size", batch_size)
    try:
        batch: list[Document] = []
        for item in process(iter_inputs(paths), store, summary, model=model, batch_size=size,
                            processes=processes, on_progress=on_progress):
            batch.append(item)
            if len(batch) >= size:
                _flush(store, batch, summary)
        _flush(store, batch, summary)
    finally:
        if own_store:
            store.close()
    return summary


def _flush(store, batch: list[Document], summary: IngestSummary) -> None:
    if not batch:
        return
    new = store.write_documents(batch)
    from . import link

    link.on_stored(store, new)
    summary.stored += len(new)
    summary.stored_ids.extend(new)
    summary.duplicates += len(batch) - len(new)
    batch.clear()


def process(raws: Iterable[RawInput], store, summary: IngestSummary, *, model=None, batch_size: int = 32,
            processes: Optional[int] = None, on_progress=None) -> Iterator[Document]:
    """Stream raw inputs to Documents, skipping stored duplicates and recording failures."""
    from . import dedupe
    from .nlp import make_doc

    nlp = _nlp(model)
    near = dedupe.NearDuplicates(store) if store is not None else None
    pending: dict[str, Prepared] = {}
    seen: set[str] = set()

    def prepared_items() -> Iterator:
        for raw in raws:
            summary.read += 1
            if on_progress:
                on_progress(raw.source, summary.read)
            try:
                prep = prepare(raw)
            except DatelineError as err:
                _reject(store, summary, raw.source, err)
                continue
            if prep.id in seen or (store is not None and store.has_document(prep.id)):
                summary.duplicates += 1
                continue
            match = near.check(prep.id, prep.article.text) if near else None
            if match:
                dedupe.record_prepared(store, prep, match)
                summary.duplicates += 1
                summary.near_duplicates += 1
                continue
            seen.add(prep.id)
            pending[prep.id] = prep
            yield make_doc(nlp, prep.article.text, prep.article.published, prep.id), prep.id

    failures: dict[str, str] = {}

    def on_error(name, proc, docs, exc):
        for d in docs:
            failures[d._.doc_id] = f"stage {name} failed: {type(exc).__name__}: {exc}"

    nlp.default_error_handler = on_error  # function components report here; set_error_handler fails on Cython pipes
    n_process = settings.get("processes", processes)
    for doc, doc_id in nlp.pipe(prepared_items(), as_tuples=True, batch_size=batch_size, n_process=n_process):
        prep = pending.pop(doc_id)
        yield to_document(doc, prep)
        _reject_failed(store, summary, pending, failures)
    _reject_failed(store, summary, pending, failures, final=True)


def _reject_failed(store, summary, pending: dict, failures: dict, final: bool = False) -> None:
    for doc_id in list(failures) if not final else list(pending):
        prep = pending.pop(doc_id, None)
        if prep is None:
            continue
        reason = failures.pop(doc_id, "the NLP stage returned no result")
        _reject(store, summary, prep.raw.source, DatelineError(
            reason, fix="report this article with the message; the rest of the batch was stored"), kind="stage")


def _reject(store, summary: IngestSummary, source: str, err: DatelineError, kind: str = "input") -> None:
    summary.rejected.append((source, str(err)))
    if store is not None:
        store.record_rejected(source, err, kind=kind)
