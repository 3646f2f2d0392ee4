"""The `article` stage: one raw input (bytes of a scrape or page, or a JSON Lines record) becomes an
`Article`: body text without boilerplate, title, authors, publication time with its UTC offset when it can
be known, outlet, language and wire dateline.

    read(raw)                 -> Article   (the ingest entry point; raises InputError / UnsupportedLanguage)
    decode(data, source)      -> str       (encoding.py)
    from_text(text)           -> Article   (plaintext.py: dateline's own header/footer reader)
    from_html(html, url)      -> Article   (html.py: trafilatura, then the same cleaning)

Knowledge (outlets, byline and date layouts, boilerplate, languages) lives in dateline/data/article/.
"""
from __future__ import annotations

import re

from datetime import datetime, timezone
from functools import lru_cache
from typing import Optional

from .. import settings
from ..errors import InputError, UnsupportedLanguage
from ..model import Article
from . import _data, bylines, language, plaintext, stamps
from .encoding import decode
from .unglue import unglue

__all__ = ["read", "decode", "from_text", "from_html", "check", "published_value", "reload"]

RECORD_FIELDS = ("title", "published", "outlet", "url")


def from_text(text: str, source: Optional[str] = None, title: Optional[str] = None) -> Article:
    return _from_text(text, source, title)[0]


def _from_text(text: str, source: Optional[str], title: Optional[str]) -> tuple[Article, int]:
    """The article and the length limit it was checked against, which `read` checks the body against too
    (each look-up of a setting reads the environment and looks for the config file)."""
    limit = _check_length(text, source)
    return plaintext.parse(text, title_hint=title), limit


def from_html(html: str, url: Optional[str] = None, source: Optional[str] = None) -> Article:
    from . import html as html_reader  # lxml and trafilatura load only when a page comes

    return html_reader.extract(html, url=url, source=source)


def read(raw) -> Article:
    """The article in one `sources.RawInput`; metadata given in a record wins over what is detected."""
    if raw.error is not None:
        raise raw.error
    if raw.kind == "record":
        article, limit = _from_record(raw.meta, raw.source)
    elif raw.kind == "html":
        article, limit = from_html(decode(raw.data, raw.source), source=raw.source), None
    else:
        article, limit = _from_text(decode(raw.data, raw.source), raw.source, None)
    article.text = unglue(article.text)
    article.title = unglue(article.title) if article.title else article.title
    return check(article, raw.source, limit)


def _from_record(meta: dict, source: str) -> tuple[Article, Optional[int]]:
    limit = None
    if isinstance(meta.get("html"), str) and meta["html"].strip():
        article = from_html(meta["html"], url=meta.get("url"), source=source)
    else:
        article, limit = _from_text(meta.get("text") or "", source, _str(meta.get("title")))
    for name in RECORD_FIELDS:
        if _str(meta.get(name)):
            setattr(article, name, _str(meta[name]))
    if meta.get("published") not in (None, ""):
        article.published = published_value(meta["published"])
    authors = meta.get("authors", meta.get("author"))
    if authors:
        article.authors = [str(a).strip() for a in authors if str(a).strip()] if isinstance(authors, list) \
            else bylines.split_names(str(authors))
    return article, limit


def reload() -> None:
    """Forgets the loaded knowledge files, so edits to them (or a new `data_dir`) take effect."""
    from . import boilerplate, datelines, outlets

    for cached in (_data.load, outlets.table, outlets._alias_pattern, boilerplate._pattern, boilerplate._hinted,
                   boilerplate._remembered, boilerplate._copyright, bylines._layouts, stamps._patterns,
                   stamps._remembered_date, datelines._pattern, language._tables, _published_text):
        cached.cache_clear()


def published_value(value) -> Optional[str]:
    """A record's publication time as ISO 8601: epoch seconds or milliseconds (UTC), date-time strings in
    the layouts the reader knows, then anything dateparser can read ("23 octobre 2015", RFC 2822). A value
    nothing can read is dropped (None) rather than kept: it would anchor relative dates wrongly."""
    return _published_text(value) if isinstance(value, str) else _published(value)


@lru_cache(maxsize=256)
def _published_text(value: str) -> Optional[str]:
    """`_published` of a string, remembered: the articles of a feed share their dates."""
    return _published(value)


def _published(value) -> Optional[str]:
    text = str(value).strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool) or re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        number = float(value)
        seconds = number / 1000 if number > 1e11 else number
        return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()
    dated = stamps.date_line(text)
    return dated[1].iso() if dated else _dateparser(text)


def _dateparser(text: str) -> Optional[str]:
    import dateparser  # loaded only for layouts the reader's own rules do not know

    parsed = dateparser.parse(text, settings={"STRICT_PARSING": True, "RETURN_AS_TIMEZONE_AWARE": False,
                                              "PREFER_DAY_OF_MONTH": "first",
                                              "PARSERS": ["custom-formats", "absolute-time"]})  # never relative to today
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        return parsed.isoformat()
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    return parsed.isoformat() if has_time else parsed.date().isoformat()


def _str(value) -> Optional[str]:
    return str(value).strip() or None if value is not None else None


def _check_length(text: str, source: Optional[str], limit: Optional[int] = None) -> int:
    limit = settings.get("max_chars") if limit is None else limit
    if len(text) > limit:
        raise InputError(f"text is {len(text):,} characters, over the limit of {limit:,}",
                         fix="split the article, or raise max_chars / DATELINE_MAX_CHARS", source=source)
    return limit


def check(article: Article, source: Optional[str], limit: Optional[int] = None) -> Article:
    """Rejects an article with no body, too long a body (than `limit`, or the `max_chars` setting), or a
    language outside the `languages` setting."""
    if not article.text.strip():
        raise InputError("no article text left after removing headers and boilerplate",
                         fix="check that the input holds an article body", source=source)
    _check_length(article.text, source, limit)
    article.language = language.detect(article.text)
    allowed = [code.strip() for code in str(settings.get("languages")).split(",") if code.strip()]
    if article.language and allowed and article.language not in allowed:
        raise UnsupportedLanguage(f"article is in language '{article.language}', not in {', '.join(allowed)}",
                                  fix="add the language to the `languages` setting (DATELINE_LANGUAGES) if "
                                      "a pipeline for it is installed, or leave the article out", source=source)
    return article
