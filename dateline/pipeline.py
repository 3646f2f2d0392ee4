"""The whole pipeline, as library functions the CLI and the HTTP API both call.

    read(path_or_text)         one article -> model.Document
    ingest(paths, db=...)      many inputs -> the store, streaming, with a summary

Inputs flow sources -> article -> (duplicate check) -> nlp and the stage components -> store. Identity is
kept end to end (each article travels with its id and source), and one bad article is recorded with its
reason while the batch goes on.
"""
from __future__ import annotations

import gc
import hashlib
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from . import settings
from .errors import DatelineError, InputError
from .model import Article, Document, Span
from .sources import RawInput, iter_inputs


def document_id(text: str) -> str:
    """Content hash of the body text, so the same article read twice gets the same id."""
    normal = " ".join(text.split()).lower()  # each run of white space (\s, str.isspace) as one space, ends trimmed
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


@dataclass
class Prepared:
    """An article read and identified, waiting for the NLP stages."""

    id: str
    raw: RawInput
    article: Article


# At most this many stored ids are listed in a summary (`stored` counts them all): an ingest of millions of
# articles must not hold one string per article until it ends.
MAX_STORED_IDS = 10_000


@dataclass
class IngestSummary:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    near_duplicates: int = 0  # of `duplicates`: near copies linked to a first copy (dateline.dedupe)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (source, message)
    stored_ids: list[str] = field(default_factory=list)  # the first MAX_STORED_IDS stored, in order
    skipped: int = 0  # container records that hold no article (WARC requests, images, ...)

    def to_dict(self) -> dict:
        return {"read": self.read, "stored": self.stored, "duplicates": self.duplicates,
                "near_duplicates": self.near_duplicates, "skipped": self.skipped,
                "rejected": [{"source": s, "reason": r} for s, r in self.rejected]}


def prepare(raw: RawInput) -> Prepared:
    """Run the article stage on one raw input; raises InputError for bad input."""
    from . import article as article_stage

    if raw.error is not None:
        raise raw.error
    art = article_stage.read(raw)
    art.url = art.url or raw.meta.get("url")
    art.fetched = art.fetched or raw.meta.get("fetched")
    return Prepared(document_id(art.text), raw, art)


def to_document(doc, prepared: Prepared) -> Document:
    """Assemble the output record from a processed spaCy Doc and its article."""
    art, ext = prepared.article, doc._  # spaCy makes a new `doc._` on every access
    events = list(ext.events or [])
    entities = list(ext.entities or [])
    _check_sizes(prepared, len(entities), len(events))
    for n, ev in enumerate(events, start=1):
        ev.id = f"{prepared.id}-e{n}"
    return Document(
        id=prepared.id, text=art.text, url=art.url, source_path=prepared.raw.source, outlet=art.outlet,
        title=art.title, authors=list(art.authors), published=art.published, language=art.language,
        dateline=art.dateline, entities=entities, times=list(ext.times or []),
        events=events, statistics=list(ext.statistics or []),
        quantities=list(ext.quantities or []), fetched=art.fetched,
        sentences=_sentences(doc) if doc.has_annotation("SENT_START") else [],
    )


def _sentences(doc) -> list[Span]:
    """The sentences as records, their words cut from the kept text by the token offsets: a spaCy Span's
    `text` and `end_char` make a Token for every word."""
    from .nlp import arrays, sentences, text

    body = text(doc)
    starts, lengths = arrays(doc, ("IDX", "LENGTH"))
    out = []
    for sent in sentences(doc):
        start, last = starts[sent.start], sent.end - 1
        end = starts[last] + lengths[last]
        out.append(Span(body[start:end], start, end))
    return out


def _check_sizes(prepared: Prepared, n_entities: int, n_events: int) -> None:
    for what, n, name in (("entities", n_entities, "max_entities"), ("events", n_events, "max_events")):
        limit = settings.get(name)
        if n > limit:
            raise InputError(f"article yields {n} {what}, over the limit of {limit}",
                             fix=f"check that it is one article, not a list page; or raise {name} "
                                 f"(DATELINE_{name.upper()})", source=prepared.raw.source)


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
    try:
        return ingest_raw(iter_inputs(paths), store, model=model, batch_size=batch_size, processes=processes,
                          on_progress=on_progress)
    finally:
        if own_store:
            store.close()


def ingest_raw(raws: Iterable[RawInput], store, *, model: Optional[str] = None, batch_size: Optional[int] = None,
               processes: Optional[int] = None, on_progress=None) -> IngestSummary:
    """Raw inputs from any reader (files, feeds) into an open store, one transaction per batch. The near-duplicate
    index's own rows (signatures, links of copies) are written in the same transactions."""
    from . import dedupe

    summary = IngestSummary()
    size = settings.get("batch_size", batch_size)
    near = dedupe.NearDuplicates(store, deferred=True)
    batch: list[dict] = []
    with _fewer_collections():
        for item in process(raws, store, summary, model=model, batch_size=size, processes=processes,
                            on_progress=on_progress, as_rows=True, near=near):
            batch.append(item)
            if len(batch) >= size:
                _flush(store, batch, summary, near)
        _flush(store, batch, summary, near)
    return summary


# An ingest's main process makes many short-lived containers (the rows the workers send, linking's records):
# at Python's default threshold of 700 it ran a young collection every few articles, and the older
# generations' collections (a full one every few hundred articles) that those set off came to about 0.15 ms
# per article. While an ingest runs, a young collection waits for this many new containers (a few batches'
# rows), and the older ones come ten times as seldom.
GC_YOUNG = 10_000


@contextmanager
def _fewer_collections():
    old = gc.get_threshold()
    if not 0 < old[0] < GC_YOUNG:  # already as high, or collection turned off
        yield
        return
    gc.set_threshold(GC_YOUNG, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _flush(store, batch: list[dict], summary: IngestSummary, near=None) -> None:
    held = near is not None and near.pending()
    if not batch and not held:
        return
    new = store.write_rows(batch, then=near.write_pending if held else None)
    if held:
        near.written()
    from . import link

    link.on_stored(store, new)
    summary.stored += len(new)
    summary.stored_ids.extend(new[:max(0, MAX_STORED_IDS - len(summary.stored_ids))])
    summary.duplicates += len(batch) - len(new)
    batch.clear()


def process(raws: Iterable[RawInput], store, summary: IngestSummary, *, model=None, batch_size: int = 32,
            processes: Optional[int] = None, on_progress=None, as_rows: bool = False,
            near=True) -> Iterator[Document | dict]:
    """Stream raw inputs to Documents (or, `as_rows`, to their store rows), skipping stored duplicates and
    recording failures. `near`: see `_new_articles`."""
    items = _new_articles(raws, store, summary, on_progress, near)
    for outcome in analyse(items, model=model, batch_size=batch_size, processes=processes, as_rows=as_rows):
        if not isinstance(outcome, tuple):
            yield outcome
        else:
            source, reason = outcome
            _reject(store, summary, source, DatelineError(
                reason, fix="report this article with the message; the rest of the batch was stored"), kind="stage")


# Ids of the most recent articles passed on, to skip an exact copy that arrives before the first is stored
# (the store answers for older ones). Far more than can be in flight (batches in the workers and the one
# being gathered), and bounded, so the run's memory does not grow with the number of articles.
SEEN_WINDOW = 10_000


def _new_articles(raws: Iterable[RawInput], store, summary: IngestSummary, on_progress=None,
                  near=True) -> Iterator[Prepared]:
    """Articles read and not yet stored: bad inputs rejected, exact and near duplicates linked and skipped.
    `near`: the near-duplicate index to check with (a deferred one leaves its writes to the caller), True
    for one of the store's that writes at once, False for no near-duplicate check."""
    from collections import OrderedDict

    from . import dedupe

    if near is True:
        near = dedupe.NearDuplicates(store) if store is not None else None
    elif near is False:
        near = None
    seen: OrderedDict[str, None] = OrderedDict()
    for raw in raws:
        if raw.kind == "skipped":
            summary.skipped += 1
            continue
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
            near.record_prepared(prep, match)
            summary.duplicates += 1
            summary.near_duplicates += 1
            continue
        seen[prep.id] = None
        if len(seen) > SEEN_WINDOW:
            seen.popitem(last=False)
        yield prep


def analyse(items: Iterable[Prepared], *, model=None, batch_size: int = 32,
            processes: Optional[int] = None, as_rows: bool = False) -> Iterator[object]:
    """Run the NLP stages over prepared articles, in input order. Yields a Document for each article (or,
    `as_rows`, its store rows: see `store.sqlite.document_rows`), or (source, reason) for one whose stages
    failed. With several processes, each worker loads the model once and turns its batch into Documents
    itself (the stage records do not survive spaCy's own multiprocessing, which serialises Docs with
    msgpack); rows are cheaper to send back than Documents, and are what the store writes anyway."""
    n_process = settings.get("processes", processes)
    chunks = _chunks(items, batch_size)
    if n_process <= 1:
        _init_worker(model)
        for chunk in chunks:
            yield from _run_batch(chunk, as_rows)
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(n_process, initializer=_init_worker, initargs=(model,)) as pool:
        inflight: deque = deque()
        for chunk in chunks:
            inflight.append(pool.submit(_run_batch, chunk, as_rows))
            while len(inflight) > 2 * n_process:
                yield from inflight.popleft().result()
        while inflight:
            yield from inflight.popleft().result()


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER_NLP = None


def _init_worker(model: Optional[str]) -> None:
    global _WORKER_NLP
    _WORKER_NLP = _nlp(model)


def _run_batch(chunk: list[Prepared], as_rows: bool = False) -> list[object]:
    """One batch through the pipeline. The statistical spaCy stages run batched; dateline's rule stages then
    run article by article under a time limit, so one article that makes a stage raise or run too long is
    failed with its reason and the rest of the batch goes on."""
    from .nlp import make_doc, stage_names
    from .store.sqlite import document_rows

    nlp = _WORKER_NLP
    failures: dict[str, str] = {}

    def on_error(name, proc, docs, exc):
        for d in docs or []:
            failures[d._.doc_id] = f"stage {name} failed: {type(exc).__name__}: {exc}"

    nlp.default_error_handler = on_error  # function components report here; set_error_handler fails on Cython pipes
    ours = stage_names(nlp)
    limit = settings.get("article_timeout")
    by_id = {p.id: p for p in chunk}
    docs = ((make_doc(nlp, p.article.text, p.article.published, p.id), p.id) for p in chunk)
    done: dict[str, object] = {}
    # The words a batch adds to spaCy's vocabulary (strings, lexemes) are freed when the zone ends, or they
    # would pile up for the life of the process. The Documents and rows are plain records built inside the
    # zone, so they hold nothing of it.
    with nlp.memory_zone():
        for doc, doc_id in nlp.pipe(docs, as_tuples=True, batch_size=len(chunk), disable=ours):
            stage = "record"
            try:
                with time_limit(limit):
                    for stage in ours:
                        doc = nlp.get_pipe(stage)(doc)
                    stage = "record"
                    record = to_document(doc, by_id[doc_id])
                    done[doc_id] = document_rows(record) if as_rows else record
            except ArticleTimeout:
                failures[doc_id] = f"took longer than {limit:g} s (in stage {stage})"
            except Exception as exc:  # one article's failure must not sink the batch; the reason is kept
                failures[doc_id] = f"stage {stage} failed: {type(exc).__name__}: {exc}"
    _trim_lemma_cache(nlp)
    return [done[p.id] if p.id in done else (p.raw.source, failures.get(p.id, "the NLP stages returned no result"))
            for p in chunk]


LEMMA_CACHE = 50_000  # entries of spaCy's lemmatizer memo kept between batches


def _trim_lemma_cache(nlp) -> None:
    """spaCy's rule lemmatizer memoises the lemmas of every (word, tag, morphology) it meets and never drops
    one: emptied when it grows past LEMMA_CACHE (only speed depends on it, and the common words come back
    within a batch)."""
    cache = getattr(nlp.get_pipe("lemmatizer"), "cache", None) if "lemmatizer" in nlp.pipe_names else None
    if isinstance(cache, dict) and len(cache) > LEMMA_CACHE:
        cache.clear()


class ArticleTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Raise ArticleTimeout in this block after `seconds` (a no-op off the main thread or for 0)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ArticleTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _reject(store, summary: IngestSummary, source: str, err: DatelineError, kind: str = "input") -> None:
    summary.rejected.append((source, str(err)))
    if store is not None:
        store.record_rejected(source, err, kind=kind)
