"""The `timex` suite: time expressions scored against TimeML TIMEX3 gold the way TempEval-3 scores them.

Data: a folder of TimeML `.tml` files (searched recursively), e.g. TBAQ-cleaned or the TE3 platinum set.
Each file's DCT (document creation time) is the anchor; the DCT's own TIMEX3 is not scored, as in TE3,
where systems receive it. The text is the content of <TEXT> with the tags removed.

Measures (TempEval-3, UzZaman et al. 2013):
- strict extent match: a system expression and a gold one with exactly the same characters;
- relaxed extent match: they share at least one character. Precision counts system expressions that
  overlap some gold one, recall gold expressions that overlap some system one (`precision`, `recall`,
  `f1` = `relaxed_f1`);
- value F1 and type: each relaxed system match is paired with the gold expression it overlaps most;
  value F1 = relaxed F1 x the share of pairs with the same TIMEX3 value (TE3's attribute F1);
  `accuracy` = the share of pairs with the same type.
Values are compared after one notational clean-up (`canonical`): the gold files write the 1980s "198" and
week 7 "W7" where dateline writes the contract's "198X" and ISO's "W07"; these are the same value.
"""
from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import EvaluationError

# Value F1 on the TempEval-3 platinum test set (UzZaman et al. 2013 and the baseline); TBAQ is not
# that set, so these are anchors, not a same-data comparison.
PEERS = {
    "HeidelTime (TE3 platinum)": {"value_f1": 0.776},
    "SUTime (TE3 platinum)": {"value_f1": 0.674},
    "spaCy + dateparser baseline (TE3 platinum)": {"value_f1": 0.436},
}

@dataclass
class Gold:
    start: int
    end: int
    text: str
    value: str
    type: str


@dataclass
class GoldDoc:
    name: str
    text: str
    dct: Optional[str]
    timexes: list[Gold]


def _walk(node: ET.Element, parts: list[str], found: list[Gold], offset: int) -> int:
    """Append the node's inner text to `parts`, recording TIMEX3 spans; return the new offset."""
    if node.text:
        parts.append(node.text)
        offset += len(node.text)
    for child in node:
        if child.tag == "TIMEX3":
            inner = "".join(child.itertext())
            found.append(Gold(offset, offset + len(inner), inner, child.get("value", ""),
                              child.get("type", "")))
            parts.append(inner)
            offset += len(inner)
        else:
            offset = _walk(child, parts, found, offset)
        if child.tail:
            parts.append(child.tail)
            offset += len(child.tail)
    return offset


def read_tml(path: Path) -> GoldDoc:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise EvaluationError(f"{path} is not well-formed TimeML: {exc}",
                              fix="pass a folder of TimeML .tml files (e.g. TBAQ-cleaned)") from exc
    dct = root.find("./DCT/TIMEX3")
    body = root.find("TEXT")
    if body is None:
        raise EvaluationError(f"{path} has no <TEXT> element", fix="pass TimeML files with a <TEXT> body")
    parts: list[str] = []
    found: list[Gold] = []
    _walk(body, parts, found, 0)
    return GoldDoc(path.stem, "".join(parts), dct.get("value") if dct is not None else None, found)


def tml_files(data: Path) -> list[Path]:
    files = sorted(data.rglob("*.tml")) if data.is_dir() else [data]
    if not files:
        raise EvaluationError(f"no .tml files under {data}",
                              fix="pass --data ../shared/data/temporal-tempeval3/TBAQ-cleaned")
    return files


def canonical(value: str) -> str:
    """One spelling per TIMEX3 value: decades as "198X", centuries as "19", weeks zero-padded."""
    value = value or ""
    if re.fullmatch(r"\d{3}", value):
        return value + "X"
    if re.fullmatch(r"\d{2}XX", value):
        return value[:2]
    return re.sub(r"-W(\d)(?!\d)", r"-W0\1", value)


def _overlaps(a, b) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def score_doc(gold: list[Gold], system: list) -> dict:
    """Counts for one document (see the module docstring for what each means)."""
    c = {"gold": len(gold), "system": len(system), "strict": 0, "sys_matched": 0, "gold_matched": 0,
         "value": 0, "type": 0, "errors": []}
    gold_spans = {(g.start, g.end) for g in gold}
    for s in system:
        c["strict"] += (s.start, s.end) in gold_spans
        best = max(gold, key=lambda g: _overlaps(g, s), default=None)
        if best is None or _overlaps(best, s) == 0:
            c["errors"].append(("spurious", s.text, s.value, None))
            continue
        c["sys_matched"] += 1
        same_value = canonical(s.value) == canonical(best.value)
        c["value"] += same_value
        c["type"] += s.type == best.type
        if not same_value:
            c["errors"].append(("value", s.text, s.value, f"{best.text} = {best.value}"))
    for g in gold:
        hit = any(_overlaps(g, s) for s in system)
        c["gold_matched"] += hit
        if not hit:
            c["errors"].append(("missed", g.text, None, g.value))
    return c


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def figures(total: dict) -> dict:
    n_sys, n_gold = total["system"] or 1, total["gold"] or 1
    strict_p, strict_r = total["strict"] / n_sys, total["strict"] / n_gold
    p, r = total["sys_matched"] / n_sys, total["gold_matched"] / n_gold
    relaxed = _f1(p, r)
    pairs = total["sys_matched"] or 1
    return {
        "precision": round(p, 4), "recall": round(r, 4), "f1": round(relaxed, 4),
        "strict_f1": round(_f1(strict_p, strict_r), 4), "relaxed_f1": round(relaxed, 4),
        "value_f1": round(relaxed * total["value"] / pairs, 4),
        "accuracy": round(total["type"] / pairs, 4), "n": total["gold"],
    }


def run(data: Path, limit: Optional[int] = None, errors: int = 0, **options) -> dict:
    """Score the times stage on TimeML files under `data` (the first `limit` files when given);
    `errors` > 0 adds that many example errors to the details."""
    from .. import times

    files = tml_files(Path(data))[:limit] if limit else tml_files(Path(data))
    total = {"gold": 0, "system": 0, "strict": 0, "sys_matched": 0, "gold_matched": 0, "value": 0,
             "type": 0, "errors": []}
    began = time.perf_counter()
    for path in files:
        doc = read_tml(path)
        counts = score_doc(doc.timexes, times.resolve(doc.text, doc.dct))
        for key in total:
            total[key] += counts[key]
    result = figures(total)
    result["details"] = {"documents": len(files), "system": total["system"],
                         "seconds": round(time.perf_counter() - began, 2)}
    if errors:
        result["details"]["errors"] = [list(e) for e in total["errors"][:errors]]
    result["peers"] = PEERS
    return result
