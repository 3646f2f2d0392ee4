"""RSS and Atom feeds: the bytes of one feed become the articles it links to.

    parse_feed(data, source) -> list[FeedItem]     (raises InputError, never a feedparser or XML error)

feedparser reads RSS 0.9x/1.0/2.0 and Atom, and is lenient with broken XML. What it is given is made safe
first: it always receives a byte stream (given a str or bytes that looks like a path or URL, feedparser would
open that file or fetch that URL), and a document type that declares external entities, parameter entities,
entities that name other entities (billion laughs) or long ones (quadratic blowup) is refused before any XML
parser runs. Behind that, feedparser drops nested entity declarations and turns external general entities
off, and expat (2.4+) limits amplification.
"""
from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urljoin, urlsplit

from . import settings
from .errors import InputError

MAX_ENTITY_CHARS = 64  # a declared entity longer than this is no character name; it can only be a bomb
MAX_ENTITIES = 64

_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s*)?[^\s>]+\s+(SYSTEM|PUBLIC|\"([^\"]*)\"|'([^']*)')", re.I)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_CHAR_REF = re.compile(rb"&#(x[0-9A-Fa-f]+|[0-9]+);")


@dataclass
class FeedItem:
    url: str
    title: Optional[str] = None
    published: Optional[str] = None  # ISO 8601, UTC
    id: Optional[str] = None  # the item's guid / Atom id


def parse_feed(data: bytes, source: str) -> list[FeedItem]:
    """The items of one RSS or Atom feed that link to an http(s) page, in feed order, one per URL. Relative
    links are resolved against `source` when it is an http(s) URL."""
    if not isinstance(data, (bytes, bytearray)):
        raise InputError("a feed must be given as bytes", fix="pass the response body undecoded", source=source)
    limit = settings.get("max_bytes")
    if len(data) > limit:
        raise InputError(f"feed is {len(data):,} bytes, over the limit of {limit:,}",
                         fix="raise DATELINE_MAX_BYTES if the feed is trusted", source=source)
    check_entities(bytes(data), source)
    parsed = _feedparser(bytes(data), source)
    entries = parsed.get("entries") or []
    if not parsed.get("version") and not entries:
        raise InputError("not an RSS or Atom feed", source=source,
                         fix="check the URL in the feeds file: it should name the feed, not a page")
    return _items(entries, source)


def check_entities(data: bytes, source: str) -> None:
    """Refuse a document type whose entity declarations could read files, fetch URLs or expand without
    bound. Declarations can only come before the root element, so only that prologue is read."""
    first = _FIRST_ELEMENT.search(data)
    prologue = data[:first.start()] if first else data
    declared = len(_ENTITY_DECL.findall(prologue))
    if not declared:
        return
    safe = [m for m in _ENTITY.finditer(prologue) if not m.group(1) and m.group(2)[:1] in (b'"', b"'")
            and _plain_value(m.group(3) or m.group(4) or b"")]
    if len(safe) != declared or declared > MAX_ENTITIES:
        raise InputError("feed declares external, parameter or oversized XML entities; refused as unsafe",
                         fix="feeds do not need such declarations; ask the publisher to remove them", source=source)


def _plain_value(value: bytes) -> bool:
    """A short value that names no other entity (character references like &#160; are fine)."""
    return len(value) <= MAX_ENTITY_CHARS and b"&" not in _CHAR_REF.sub(b"", value)


def _feedparser(data: bytes, source: str):
    import feedparser  # loaded only when a feed comes

    base = source if urlsplit(source).scheme in ("http", "https") else ""
    try:
        return feedparser.parse(io.BytesIO(data), response_headers={"content-location": base} if base else None,
                                resolve_relative_uris=True, sanitize_html=True)
    except Exception as exc:  # feedparser's boundary: its own and its parsers' errors become an InputError
        raise InputError(f"feed cannot be parsed ({type(exc).__name__}: {exc})", source=source,
                         fix="check that the URL serves an RSS or Atom feed") from exc


def _items(entries, source: str) -> list[FeedItem]:
    base = source if urlsplit(source).scheme in ("http", "https") else None
    items, seen = [], set()
    for entry in entries:
        url = _link(entry, base)
        if not url or url in seen:
            continue
        seen.add(url)
        items.append(FeedItem(url=url, title=_text(entry.get("title")), published=_published(entry),
                              id=_text(entry.get("id"))))
    return items


def _link(entry, base: Optional[str]) -> Optional[str]:
    candidates = [entry.get("link")]
    candidates += [link.get("href") for link in entry.get("links") or [] if link.get("rel", "alternate") == "alternate"]
    if entry.get("guidislink"):
        candidates.append(entry.get("id"))
    for href in candidates:
        if not isinstance(href, str) or not href.strip():
            continue
        url = urljoin(base, href.strip()) if base else href.strip()
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return url
    return None


def _published(entry) -> Optional[str]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", value)
            except (ValueError, OverflowError):
                continue
    return None


def _text(value) -> Optional[str]:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None
