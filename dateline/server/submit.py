"""Ingest one article sent to the API: the same reading and store path as `dateline ingest`, on a raw
input built from the request body instead of a file."""
from __future__ import annotations

import hashlib
import json
import threading

from ..errors import InputError
from ..sources import RawInput

KINDS = {"text/plain": "text", "text/html": "html", "application/xhtml+xml": "html", "application/json": "record"}
_WRITE = threading.Lock()  # one ingest at a time per server: the store has one writer


def raw_input(body: bytes, content_type: str) -> RawInput:
    """The request body as a raw input: plain text, an HTML page, or a JSON record with `text` or `html`
    (and optional title, published, outlet, authors, url). Nothing is fetched from a URL."""
    kind = KINDS.get((content_type or "").split(";")[0].strip().lower())
    if kind is None:
        raise InputError(f"content type {content_type or '(none)'!r} is not accepted",
                         fix="send text/plain, text/html or application/json")
    if not body.strip():
        raise InputError("the request body is empty", fix="send the article in the body")
    source = "api:" + hashlib.sha256(body).hexdigest()[:16]
    if kind != "record":
        return RawInput(source, kind, data=body)
    try:
        record = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"the body is not JSON ({exc})", fix='send {"text": "..."} or {"html": "..."}') from None
    if not isinstance(record, dict) or not any(isinstance(record.get(k), str) for k in ("text", "html")):
        raise InputError("the JSON has no 'text' or 'html' string", fix='send {"text": "..."} or {"html": "..."}')
    return RawInput(source, "record", meta={k: v for k, v in record.items() if k in
                                             ("text", "html", "title", "published", "outlet", "authors", "url")})


def submit(store, raw: RawInput, model=None) -> dict:
    """Read, analyse and store one article (the library's `ingest_raw`, as `dateline watch` uses it); the
    summary says whether it was stored, a duplicate or rejected."""
    from .. import pipeline

    with _WRITE:
        summary = pipeline.ingest_raw([raw], store, model=model, batch_size=1, processes=1)
    return {**summary.to_dict(), "ids": list(summary.stored_ids)}
