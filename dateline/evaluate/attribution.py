"""Suite `attribution`: reporting frames (source and cue) against PolNeAR.

Data: a PolNeAR split folder (`<data>/text/NAME.txt`, `<data>/attributions/NAME_ANNOTATOR.ann`), BRAT
stand-off over the raw text: `T` lines are Source / Cue / Content spans (character offsets, fragments joined
by ";"), `E` lines tie one Source, Cue and Content into an attribution. The gold sources and cues are the
spans that some `E` line uses; an article annotated twice is scored against each annotation file.

dateline's side is `dateline.attribution.frames(doc)` on the article parsed by the spaCy model: each frame's
cue words (with the auxiliaries before a verb cue: "has said") and source phrase.

Matching, one-to-one, each predicted span to at most one gold span and back:
    exact    the same character extent (white space at the edges ignored)
    overlap  the spans share at least one character
Figures: precision / recall / f1 = source, overlap match; strict_f1 = source, exact match; relaxed_f1 =
source, overlap match; cue_f1 / cue_strict_f1 the same for cues; relation_f1 = a frame whose cue and source
both overlap those of one gold attribution (a frame with no source matches an attribution with none);
n = gold attributions. `details` holds every precision and recall. `limit` caps the articles read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import EvaluationError

Extent = tuple[int, int]


@dataclass
class Gold:
    sources: set = field(default_factory=set)  # extents
    cues: set = field(default_factory=set)
    relations: list = field(default_factory=list)  # (source extent | None, cue extent)


def read_ann(path: Path) -> Gold:
    spans: dict[str, Extent] = {}
    relations: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("T") and len(cols) >= 2:
            label, _, offsets = cols[1].partition(" ")
            numbers = [int(x) for part in offsets.split(";") for x in part.split()]
            spans[cols[0]] = (min(numbers), max(numbers))
        elif line.startswith("E") and len(cols) >= 2:
            relations.append(dict(arg.split(":", 1) for arg in cols[1].split() if ":" in arg))
    gold = Gold()
    for rel in relations:
        cue = spans.get(rel.get("Cue", ""))
        source = spans.get(rel.get("Source", ""))
        if cue is None:
            continue
        gold.cues.add(cue)
        if source is not None:
            gold.sources.add(source)
        gold.relations.append((source, cue))
    return gold


def predicted(doc) -> list[tuple[Optional[Extent], Extent]]:
    """(source extent | None, cue extent) for each frame dateline finds in the document."""
    from .. import attribution

    out = []
    for frame in attribution.frames(doc):
        cue_tok = doc[frame.cue_start]
        first = min([frame.cue_start] + [c.i for c in cue_tok.children
                                          if c.dep_ in ("aux", "auxpass", "neg") and c.i < cue_tok.i])
        cue = (doc[first].idx, doc[frame.cue_end - 1].idx + len(doc[frame.cue_end - 1]))
        source = None
        if frame.source_start is not None:
            last = doc[frame.source_end - 1]
            source = (doc[frame.source_start].idx, last.idx + len(last))
        out.append((source, cue))
    return out


def _trim(text: str, ext: Extent) -> Extent:
    start, end = ext
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _overlaps(a: Extent, b: Extent) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def match(pred: list[Extent], gold: list[Extent], exact: bool) -> int:
    """How many predicted spans pair one-to-one with gold spans."""
    free = list(gold)
    hits = 0
    for p in pred:
        for g in free:
            if (p == g) if exact else _overlaps(p, g):
                free.remove(g)
                hits += 1
                break
    return hits


def match_relations(pred: list, gold: list) -> int:
    free = list(gold)
    hits = 0
    for src, cue in pred:
        for g_src, g_cue in free:
            same_source = (src is None and g_src is None) or (src and g_src and _overlaps(src, g_src))
            if _overlaps(cue, g_cue) and same_source:
                free.remove((g_src, g_cue))
                hits += 1
                break
    return hits


def _prf(hits_p: int, n_pred: int, hits_g: int, n_gold: int) -> dict:
    p = hits_p / n_pred if n_pred else 0.0
    r = hits_g / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def pairs(data: Path, limit: Optional[int] = None) -> list[tuple[Path, list[Path]]]:
    texts, anns = data / "text", data / "attributions"
    if not texts.is_dir() or not anns.is_dir():
        raise EvaluationError(f"{data} has no text/ and attributions/ folders",
                              fix="pass --data with a PolNeAR split, e.g. ../shared/data/attribution-polnear/dev")
    out = []
    for text in sorted(texts.glob("*.txt")):
        found = sorted(anns.glob(f"{text.stem}_*.ann"))
        if found:
            out.append((text, found))
    return out[:limit] if limit is not None else out


def run(data: Path, limit: Optional[int] = None, model: Optional[str] = None, **_) -> dict:
    from .factuality import load_parser

    nlp = load_parser(model)
    items = pairs(Path(data), limit)
    texts = [p.read_text(encoding="utf-8") for p, _ in items]
    counts = {k: 0 for k in ("n_pred", "n_gold_src", "n_pred_src", "n_gold_cue", "n_gold_rel")}
    hits = {k: 0 for k in ("src_exact", "src_overlap", "cue_exact", "cue_overlap", "rel")}
    for (text_path, anns), doc in zip(items, nlp.pipe(texts, batch_size=8)):
        text = doc.text
        frames = [(_trim(text, s) if s else None, _trim(text, c)) for s, c in predicted(doc)]
        for ann in anns:
            gold = read_ann(ann)
            _tally(text, frames, gold, counts, hits)
    return _figures(counts, hits, len(items))


def _tally(text: str, frames: list, gold: Gold, counts: dict, hits: dict) -> None:
    pred_src = [s for s, _ in frames if s is not None]
    pred_cue = [c for _, c in frames]
    gold_src = [_trim(text, s) for s in sorted(gold.sources)]
    gold_cue = [_trim(text, c) for c in sorted(gold.cues)]
    gold_rel = [(_trim(text, s) if s else None, _trim(text, c)) for s, c in gold.relations]
    counts["n_pred"] += len(frames)
    counts["n_pred_src"] += len(pred_src)
    counts["n_gold_src"] += len(gold_src)
    counts["n_gold_cue"] += len(gold_cue)
    counts["n_gold_rel"] += len(gold_rel)
    hits["src_exact"] += match(pred_src, gold_src, exact=True)
    hits["src_overlap"] += match(pred_src, gold_src, exact=False)
    hits["cue_exact"] += match(pred_cue, gold_cue, exact=True)
    hits["cue_overlap"] += match(pred_cue, gold_cue, exact=False)
    hits["rel"] += match_relations(frames, gold_rel)


def _figures(counts: dict, hits: dict, articles: int) -> dict:
    # One-to-one matching: the same hit count serves precision and recall.
    src_exact = _prf(hits["src_exact"], counts["n_pred_src"], hits["src_exact"], counts["n_gold_src"])
    src_overlap = _prf(hits["src_overlap"], counts["n_pred_src"], hits["src_overlap"], counts["n_gold_src"])
    cue_exact = _prf(hits["cue_exact"], counts["n_pred"], hits["cue_exact"], counts["n_gold_cue"])
    cue_overlap = _prf(hits["cue_overlap"], counts["n_pred"], hits["cue_overlap"], counts["n_gold_cue"])
    relation = _prf(hits["rel"], counts["n_pred"], hits["rel"], counts["n_gold_rel"])
    return {
        "precision": src_overlap["precision"],
        "recall": src_overlap["recall"],
        "f1": src_overlap["f1"],
        "strict_f1": src_exact["f1"],
        "relaxed_f1": src_overlap["f1"],
        "cue_f1": cue_overlap["f1"],
        "cue_strict_f1": cue_exact["f1"],
        "relation_f1": relation["f1"],
        "n": counts["n_gold_rel"],
        "details": {"source_exact": src_exact, "source_overlap": src_overlap, "cue_exact": cue_exact,
                    "cue_overlap": cue_overlap, "relation": relation, "articles": articles,
                    "predicted_frames": counts["n_pred"], "gold_sources": counts["n_gold_src"],
                    "gold_cues": counts["n_gold_cue"]},
    }
