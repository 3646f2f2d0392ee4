"""The `sources` stage: turn paths, folders, standard input and JSON Lines into raw inputs.

Each raw input keeps where it came from (`source`: a path, `path:LINE` for a JSON Lines record, or
`<stdin>`) so that a failure names the input. Reading never raises for one bad input: the bad input is
yielded as a `RawInput` carrying its `error`, recorded as rejected downstream, and the batch goes on.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from . import settings
from .errors import InputError

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
PARQUET_SUFFIXES = {".parquet"}
RECORD_COLUMNS = ("text", "html", "url", "title", "published", "outlet", "authors")
TEXT_SUFFIXES = {".txt", ".text", ""}
SKIP_NAMES = {".DS_Store"}


@dataclass
class RawInput:
    source: str
    kind: str  # "text" | "html" | "record" (a JSON Lines / Parquet article record) | "skipped" (a WARC record that is no page)
    data: Optional[bytes] = None  # raw bytes for files; decoded by the article stage
    meta: dict = field(default_factory=dict)  # for records: text or html, url, title, published, outlet
    error: Optional[InputError] = None


def kind_of(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if path.name.lower().endswith(WARC_SUFFIXES) or head.startswith(b"WARC/"):
        return "warc"
    if suffix in PARQUET_SUFFIXES or head.startswith(b"PAR1"):
        return "parquet"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    sniff = head.lstrip()[:512].lower()
    if sniff.startswith((b"<!doctype html", b"<html")) or b"<body" in sniff:
        return "html"
    return "text"


def iter_paths(paths: Iterable[str]) -> Iterator[Path]:
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from sorted(q for q in path.rglob("*") if q.is_file() and q.name not in SKIP_NAMES
                              and not any(part.startswith(".") for part in q.relative_to(path).parts))
        else:
            yield path


def read_file(path: Path, max_bytes: Optional[int] = None) -> Iterator[RawInput]:
    limit = settings.get("max_bytes", max_bytes)
    source = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(2048)
        kind = kind_of(path, head)
        if kind in ("warc", "parquet", "jsonl"):  # containers are streamed, not held in memory
            yield from CONTAINERS[kind](path)
            return
        if size > limit:
            raise InputError(f"file is {size:,} bytes, over the limit of {limit:,}",
                             fix="split it, or raise the limit with --max-bytes / DATELINE_MAX_BYTES", source=source)
        data = path.read_bytes()
    except FileNotFoundError:
        yield RawInput(source, "text", error=InputError("no such file", fix="check the path", source=source))
        return
    except InputError as err:
        yield RawInput(source, "text", error=err)
        return
    except OSError as exc:
        yield RawInput(source, "text", error=InputError(f"cannot read file: {exc.strerror}",
                                                         fix="check its permissions", source=source))
        return
    yield RawInput(source, kind, data=data)


def read_jsonl_file(path: Path) -> Iterator[RawInput]:
    """A JSON Lines file, line by line: the size limit applies to each article, not to the file."""
    limit = settings.get("max_bytes")
    with path.open("rb") as f:
        yield from read_jsonl(f, str(path), limit)


def read_jsonl(data, source: str, limit: Optional[int] = None) -> Iterator[RawInput]:
    """Records of JSON Lines given as bytes or as a binary file object."""
    lines = data.splitlines() if isinstance(data, bytes) else data
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        if limit and len(line) > limit:
            yield RawInput(where, "record", error=InputError(
                f"line is {len(line):,} bytes, over the limit of {limit:,}", fix="raise --max-bytes / DATELINE_MAX_BYTES",
                source=where))
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield RawInput(where, "record", error=InputError(
                f"line is not JSON ({exc})", fix="make each line one JSON object", source=where))
            continue
        if not isinstance(record, dict) or not (isinstance(record.get("text"), str) or isinstance(record.get("html"), str)):
            yield RawInput(where, "record", error=InputError(
                "record has no 'text' or 'html' string", fix='give each line {"text": ...} or {"html": ...}',
                source=where))
            continue
        yield RawInput(where, "record", meta=record)


def read_warc(path: Path) -> Iterator[RawInput]:
    """HTTP responses with HTML bodies become pages with their URL and fetch date; other records are
    yielded as "skipped" so they can be counted."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    limit = settings.get("max_bytes")
    number = 0
    try:
        with path.open("rb") as stream:
            for number, record in enumerate(ArchiveIterator(stream), start=1):
                where = f"{path}#{number}"
                ctype = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
                if record.rec_type != "response" or "html" not in ctype.lower():
                    yield RawInput(where, "skipped")
                    continue
                body = record.content_stream().read(limit + 1)
                meta = {"url": record.rec_headers.get_header("WARC-Target-URI"),
                        "fetched": record.rec_headers.get_header("WARC-Date")}
                if len(body) > limit:
                    yield RawInput(where, "html", meta=meta, error=InputError(
                        f"page is over the limit of {limit:,} bytes", fix="raise --max-bytes", source=where))
                    continue
                yield RawInput(where, "html", data=body, meta=meta)
        if number == 0:
            raise ValueError("no WARC record found")
    except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
        yield RawInput(str(path), "warc", error=InputError(f"cannot read WARC archive: {exc}",
                                                            fix="check that the file is a complete WARC or WARC.gz", source=str(path)))


def read_parquet(path: Path, batch_rows: int = 256) -> Iterator[RawInput]:
    """Rows of a Parquet file of articles (columns text or html, url, title, published, outlet), streamed
    in batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        columns = [c for c in RECORD_COLUMNS if c in parquet.schema_arrow.names]
        if "text" not in columns and "html" not in columns:
            raise InputError("Parquet file has no 'text' or 'html' column", fix="name the body column text or html",
                             source=str(path))
        row = 0
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
            for record in batch.to_pylist():
                row += 1
                where = f"{path}:{row}"
                record = {k: v for k, v in record.items() if v is not None}
                if isinstance(record.get("published"), (int, float)) or hasattr(record.get("published"), "isoformat"):
                    record["published"] = str(record["published"].isoformat() if hasattr(record["published"], "isoformat") else record["published"])
                if not (isinstance(record.get("text"), str) or isinstance(record.get("html"), str)):
                    yield RawInput(where, "record", error=InputError("row has no text or html", fix="fill the body column", source=where))
                    continue
                yield RawInput(where, "record", meta=record)
    except InputError as err:
        yield RawInput(str(path), "record", error=err)
    except (pa.ArrowException, OSError) as exc:
        yield RawInput(str(path), "record", error=InputError(f"cannot read Parquet file: {exc}",
                                                              fix="check that the file is complete Parquet", source=str(path)))


CONTAINERS = {"warc": read_warc, "parquet": read_parquet, "jsonl": read_jsonl_file}


def read_stdin(stream=None) -> Iterator[RawInput]:
    stream = stream or sys.stdin.buffer
    data = stream.read()
    head = data.lstrip()[:1]
    if head == b"{":
        yield from read_jsonl(data, "<stdin>")
    else:
        yield RawInput("<stdin>", kind_of(Path("stdin"), data[:2048]), data=data)


def iter_inputs(paths: Iterable[str], max_bytes: Optional[int] = None) -> Iterator[RawInput]:
    """Every raw input under `paths` ("-" is standard input), in a stable order."""
    for p in paths:
        if p == "-":
            yield from read_stdin()
            continue
        for path in iter_paths([p]):
            yield from read_file(path, max_bytes)
