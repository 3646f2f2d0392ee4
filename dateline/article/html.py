"""HTML pages through trafilatura: body text, title, authors, date and site name, normalised to the Article
fields. Bodies get the same boilerplate and header cleaning as plain-text scrapes."""
from __future__ import annotations

import logging
import re
from typing import Optional
from urllib.parse import urlparse

import lxml.etree
import lxml.html

from .. import settings
from ..errors import InputError
from ..model import Article
from . import boilerplate, bylines, outlets, plaintext, stamps

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its per-page warnings are not the user's concern
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

# Without comments, otherwise trafilatura's defaults: favor_precision gains 0.003 F1 on the Scrapinghub benchmark
# but loses 0.013 on trafilatura's own snippet set (dateline eval article-extraction / article-metadata).
EXTRACT_OPTIONS = dict(include_comments=False, include_tables=True, with_metadata=True)
TIMESTAMP_XPATH = ("//meta[@property='article:published_time' or @name='article:published_time'"
                   " or @property='og:published_time' or @itemprop='datePublished' or @name='pubdate'"
                   " or @name='publishdate' or @name='date' or @name='dc.date.issued']/@content"
                   " | //time[@datetime]/@datetime")
TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|»)\s+")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
BYLINE_XPATH = ("//*[@rel='author' or @itemprop='author' or contains(@class,'byline') or contains(@class,'author')"
                " or contains(@class,'writer')]")
BY_NAME = re.compile(r"\bby\s+(.{3,80})$", re.I)
JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def parse_tree(html: str, source: Optional[str]) -> lxml.html.HtmlElement:
    """The page as an lxml tree; rejects pages with no elements or nested deeper than `max_html_depth`."""
    html = XML_DECLARATION.sub("", html, count=1)  # lxml refuses a decoded string that declares an encoding
    try:
        tree = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True, recover=True))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(f"malformed HTML: {exc}", fix="check that the file is a complete HTML page",
                         source=source) from exc
    if not isinstance(tree.tag, str):  # a page that is only a comment or a processing instruction
        raise InputError("HTML holds no elements", fix="check that the file is a complete HTML page", source=source)
    limit, depth, deepest = settings.get("max_html_depth"), 0, 0
    for event, _ in lxml.etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    if deepest > limit:
        raise InputError(f"HTML is nested {deepest} elements deep, over the limit of {limit}",
                         fix="check the page (deep nesting is a sign of a broken or hostile page), or raise "
                             "max_html_depth / DATELINE_MAX_HTML_DEPTH", source=source)
    return tree


def body_text(text: str) -> list[str]:
    """trafilatura's lines as paragraphs, without the boilerplate it let through."""
    return [p.strip() for p in text.split("\n")
            if p.strip() and not boilerplate.is_drop(p) and not boilerplate.is_caption(p)]


def _extract(html: str, url: Optional[str], source: Optional[str] = None, **options):
    import trafilatura  # imported here: loading it costs about a second, needed only for HTML

    try:
        return trafilatura.bare_extraction(html, url=url, **{**EXTRACT_OPTIONS, **options})
    except (AssertionError, AttributeError, IndexError, KeyError, TypeError, ValueError, RecursionError,
            lxml.etree.LxmlError) as exc:  # trafilatura and htmldate trip on some hostile markup
        raise InputError(f"the HTML extractor failed on this page ({type(exc).__name__}: {exc})",
                         fix="check that the file is a well-formed news page", source=source) from exc


def _fallback_body(tree) -> str:
    body = tree.find(".//body")
    node = body if body is not None else tree
    return "\n".join(t.strip() for t in node.xpath(".//p//text() | .//h1//text()") if t.strip())


def extract(html: str, url: Optional[str] = None, source: Optional[str] = None) -> Article:
    """Body and metadata of one HTML page. Raises InputError when the page has no readable body."""
    tree = parse_tree(html, source)
    doc = _extract(html, url, source)
    text = doc.text if doc is not None and doc.text else ""
    if not text.strip():
        recall = _extract(html, url, source, favor_precision=False, favor_recall=True)
        text = (recall.text if recall is not None else "") or _fallback_body(tree)
        doc = doc or recall
    pars = body_text(text)
    if not pars:
        raise InputError("no article body found in the HTML", fix="check that the page holds an article "
                         "(not a login wall, index page or script-only app)", source=source)
    return _article(pars, doc, tree, url)


def clean_title(title: Optional[str], sitename: Optional[str], url: Optional[str]) -> Optional[str]:
    """The headline without the site name pages append to it: 'Title | The Japan Times' -> 'Title'."""
    if not title:
        return None
    parts = TITLE_SEPARATORS.split(title.strip())
    while len(parts) > 1 and _is_site(parts[-1], sitename, url):
        parts.pop()
    while len(parts) > 1 and _is_site(parts[0], sitename, url):
        parts.pop(0)
    return " ".join(parts) if len(parts) == 1 else _rejoin(title, parts)


def _rejoin(title: str, parts: list[str]) -> str:
    start = title.index(parts[0])
    return title[start:title.rindex(parts[-1]) + len(parts[-1])].strip()


def _is_site(part: str, sitename: Optional[str], url: Optional[str]) -> bool:
    squash = lambda s: re.sub(r"[^\w]", "", (s or "").lower())  # noqa: E731
    name = squash(part)
    if not name:
        return False
    host = squash(urlparse(url).hostname if url else "")
    site = squash(sitename)
    return bool((site and (name == site or name in site or site in name)) or (host and name in host)
                or outlets.exact(part))


def _article(pars: list[str], doc, tree, url: Optional[str]) -> Article:
    url = url or (doc.url if doc is not None else None)
    title = clean_title(doc.title, doc.sitename, url) if doc is not None else None
    scrape = plaintext.parse("\n\n".join(pars), title_hint=title, headlines=False)
    outlet = (outlets.by_url(url)
              or outlets.lookup(doc.sitename if doc is not None else None))
    outlet_name = outlet.name if outlet else (outlets.name_of(doc.sitename) if doc is not None and doc.sitename
                                               else scrape.outlet)
    authors = (bylines.split_names(doc.author if doc is not None else None) or scrape.authors
               or page_byline(tree))
    published = _published(doc.date if doc is not None else None, tree, outlet) or scrape.published
    return Article(text=scrape.text, title=title or scrape.title, authors=authors, published=published,
                   outlet=outlet_name, dateline=scrape.dateline, url=url)


def page_byline(tree) -> list[str]:
    """Authors from the page's byline or author elements, when trafilatura found none."""
    for element in tree.xpath(BYLINE_XPATH)[:20]:
        text = re.sub(r"\s+", " ", element.text_content()).strip()
        if not text or len(text) > 120:
            continue
        found = bylines.parse(text) or (BY_NAME.search(text) and bylines.parse("By " + BY_NAME.search(text).group(1)))
        if found:
            return found.authors
        names = bylines.split_names(text)
        if len(names) == 1 and 2 <= len(names[0].split()) <= 4 and bylines.NAME.fullmatch(names[0]):
            return names
    return []


def _published(date: Optional[str], tree, outlet) -> Optional[str]:
    """trafilatura's date, with the time and offset of a page timestamp on the same day when there is one."""
    if not date:
        return None
    candidates = [str(v) for v in tree.xpath(TIMESTAMP_XPATH)]
    candidates += JSONLD_DATE.findall(lxml.html.tostring(tree, encoding="unicode")[:500_000]) if not candidates else []
    for value in candidates:
        stamp = stamps.find(value)
        if stamp and stamp.hour is not None and stamp.iso()[:10] == date[:10]:
            return stamp.iso(outlets.utc_offset(outlet, stamp.local()))
    return date[:10]


__all__ = ["extract", "parse_tree", "body_text"]
