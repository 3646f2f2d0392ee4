"""`article-extraction`: body text extraction from HTML on the Scrapinghub article-extraction benchmark.

The benchmark's own metric (its evaluate.py): tokens are `\\w+` runs; each text becomes a multiset of 4-token
shingles; per page, TP/FP/FN are the shingle multiset overlaps, normalised to sum to 1 so long pages weigh no
more than short ones; precision and recall are averaged over pages (precision over pages with a prediction,
recall over pages with a gold body) and F1 is computed from the two means. `accuracy` is the share of pages
whose token sequence matches the gold body exactly. Every stored peer output is scored by the same code.

    dateline eval article-extraction --data ../shared/data/article-extraction-scrapinghub
"""
from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

from ..errors import EvaluationError, InputError

TOKEN = re.compile(r"\w+", re.UNICODE)
NGRAM = 4


def tokens(text: Optional[str]) -> list[str]:
    return TOKEN.findall(text or "")


def shingles(text: Optional[str], n: int = NGRAM) -> Counter:
    toks = tokens(text)
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i:i + n])


def match(true: str, pred: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one page's shingles."""
    gold, got = shingles(true), shingles(pred)
    keys = gold.keys() | got.keys()
    tp = sum(min(gold[k], got[k]) for k in keys)
    fp = sum(max(0, got[k] - gold[k]) for k in keys)
    fn = sum(max(0, gold[k] - got[k]) for k in keys)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def metrics(rows: list[tuple[float, float, float]], exact: Optional[list[bool]] = None) -> dict:
    precisions = [_precision(*r) for r in rows if r[0] + r[1] > 0]
    recalls = [_recall(*r) for r in rows if r[0] + r[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    out = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
           "n": len(rows)}
    if exact is not None:
        out["accuracy"] = round(sum(exact) / len(exact), 4) if exact else 0.0
    return out


def score(gold: dict[str, str], predicted: dict[str, str]) -> dict:
    keys = sorted(gold)
    rows = [match(gold[k], predicted.get(k) or "") for k in keys]
    exact = [tokens(gold[k]) == tokens(predicted.get(k)) for k in keys]
    return metrics(rows, exact)


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EvaluationError(f"cannot read {path}: {exc}", fix="point --data at the benchmark folder") from exc


def dateline_body(html_bytes: bytes, url: Optional[str], source: str) -> str:
    from ..article import decode, from_html

    try:
        return from_html(decode(html_bytes, source), url=url, source=source).text
    except InputError:
        return ""


def run(data: Path, limit: Optional[int] = None, peers: bool = True,
        extractor: Optional[Callable[[bytes, Optional[str], str], str]] = None, **options) -> dict:
    truth_file = data / "ground-truth.json"
    if not truth_file.is_file():
        raise EvaluationError(f"{truth_file} not found", fix="pass the article-extraction-scrapinghub folder as --data")
    truth = _load(truth_file)
    keys = sorted(truth)[:limit] if limit else sorted(truth)
    gold = {k: truth[k].get("articleBody") or "" for k in keys}
    extractor = extractor or dateline_body
    started, predicted = time.perf_counter(), {}
    for key in keys:
        page = data / "html" / f"{key}.html.gz"
        predicted[key] = extractor(gzip.decompress(page.read_bytes()), truth[key].get("url"), str(page))
    result = score(gold, predicted)
    result["details"] = {"seconds": round(time.perf_counter() - started, 1),
                         "empty": sum(not predicted[k].strip() for k in keys)}
    if peers:
        result["peers"] = peer_scores(data, gold)
    return result


def peer_scores(data: Path, gold: dict[str, str]) -> dict:
    """Each stored peer output under peer-output/, scored on the same pages."""
    table = {}
    for path in sorted((data / "peer-output").glob("*.json")):
        stored = _load(path)
        output = stored.get("output", stored) if isinstance(stored, dict) else {}
        table[path.stem] = score(gold, {k: (output.get(k) or {}).get("articleBody") or "" for k in gold})
    return table
