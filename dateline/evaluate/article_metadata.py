"""`article-metadata`: body snippets and title / author / date on trafilatura's evaluation pages.

Each page lists snippets that must appear in the extracted body (`with`: found = TP, missed = FN) and
snippets that must not (`without`: found = FP, absent = TN); precision, recall and F1 come from those counts
as in trafilatura's tests/evaluate.py. Where the annotation gives a title, author or date, that field is
scored too: title equal after normalising case, width, quotes and space; authors equal as a set of names;
date equal to the first ten characters of `published`. `accuracy` is the share of all checks (snippets and
fields) passed; per-field accuracies and counts are in `details`. trafilatura with its default settings is
scored by the same code as a peer.

    dateline eval article-metadata --data ../shared/data/article-metadata-trafilatura
"""
from __future__ import annotations

import gzip
import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..errors import EvaluationError, InputError
from ..model import Article

ANNOTATION_FILES = ("evaldata.en-subset.json", "evaldata.json")
FIELDS = ("title", "author", "date")


def norm(text: Optional[str]) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def _names(value) -> set[str]:
    parts = value if isinstance(value, list) else re.split(r";|,|\band\b|&", value or "")
    return {norm(p) for p in parts if norm(p)}


def field_ok(name: str, gold: str, article: Optional[Article]) -> bool:
    if article is None:
        return False
    if name == "title":
        return norm(article.title) == norm(gold)
    if name == "author":
        return _names(article.authors) == _names(gold)
    return (article.published or "")[:10] == gold.strip()[:10]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    fields: dict = field(default_factory=lambda: {f: [0, 0] for f in FIELDS})  # name -> [correct, total]

    def page(self, entry: dict, article: Optional[Article]) -> None:
        body = norm(article.text) if article else ""
        for snippet in entry.get("with") or []:
            found = norm(snippet) in body
            self.tp, self.fn = self.tp + found, self.fn + (not found)
        for snippet in entry.get("without") or []:
            found = norm(snippet) in body
            self.fp, self.tn = self.fp + found, self.tn + (not found)
        for name in FIELDS:
            gold = entry.get(name)
            if isinstance(gold, str) and gold.strip():
                self.fields[name][0] += field_ok(name, gold, article)
                self.fields[name][1] += 1

    def result(self, pages: int) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        checks = self.tp + self.fp + self.tn + self.fn + sum(t for _, t in self.fields.values())
        correct = self.tp + self.tn + sum(c for c, _ in self.fields.values())
        snippets = self.tp + self.fp + self.tn + self.fn
        details = {"pages": pages, "body_accuracy": round((self.tp + self.tn) / snippets, 4) if snippets else 0.0}
        for name, (c, t) in self.fields.items():
            details[f"{name}_accuracy"] = round(c / t, 4) if t else None
            details[f"{name}_n"] = t
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                "accuracy": round(correct / checks, 4) if checks else 0.0, "n": checks, "details": details}


def dateline_article(html: bytes, url: str, source: str) -> Optional[Article]:
    from ..article import decode, from_html

    try:
        return from_html(decode(html, source), url=url, source=source)
    except InputError:
        return None


def trafilatura_article(html: bytes, url: str, source: str) -> Optional[Article]:
    """trafilatura 'as shipped' (default settings), mapped to an Article: the peer dateline must beat."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return None
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Article(text=doc.text or "", title=doc.title, authors=authors, published=doc.date)


def _annotations(data: Path) -> dict:
    for name in ANNOTATION_FILES:
        path = data / name
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise EvaluationError(f"cannot read {path}: {exc}", fix="restore the annotation file") from exc
    raise EvaluationError(f"no annotation file ({' or '.join(ANNOTATION_FILES)}) in {data}",
                          fix="pass the article-metadata-trafilatura folder as --data")


def pages(data: Path, limit: Optional[int]) -> list[tuple[str, dict, Path]]:
    found = []
    for url, entry in sorted(_annotations(data).items()):
        path = data / "html" / f"{entry.get('file')}.gz"
        if path.is_file():
            found.append((url, entry, path))
    return found[:limit] if limit else found


def score(items, reader: Callable[[bytes, str, str], Optional[Article]]) -> dict:
    tally = Tally()
    for url, entry, path in items:
        tally.page(entry, reader(gzip.decompress(path.read_bytes()), url, str(path)))
    return tally.result(len(items))


def run(data: Path, limit: Optional[int] = None, peers: bool = True, **options) -> dict:
    items = pages(data, limit)
    if not items:
        raise EvaluationError(f"no annotated HTML pages found under {data / 'html'}",
                              fix="pass the article-metadata-trafilatura folder as --data")
    started = time.perf_counter()
    result = score(items, dateline_article)
    result["details"]["seconds"] = round(time.perf_counter() - started, 1)
    if peers:
        result["peers"] = {"trafilatura-default": score(items, trafilatura_article)}
    return result
