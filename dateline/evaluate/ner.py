"""The `ner` suite: CoNLL-2003 entity micro-F1 (exact span and type, conlleval style).

    dateline eval ner --data ../shared/data/ner-conll2003/eng.testa.iob1.txt

Each sentence of the IOB1 file (columns "token POS chunk NER") becomes a spaCy Doc built from its tokens, so
spans line up with the gold tokens. One pass through the model plus `dateline.entities` and `dateline.actors`
scores two readings with the same code:

    pipeline   doc._.entities after the actors stage's corrections    -> f1, precision, recall
    plain      doc.ents of the spaCy model alone                        -> peers["spacy-plain"]

spaCy labels are mapped to CoNLL types as follows; other labels (DATE, MONEY, CARDINAL, ...) are dropped:

    PERSON -> PER;  ORG -> ORG;  GPE, LOC, FAC -> LOC;
    NORP, EVENT, LAW, LANGUAGE, PRODUCT, WORK_OF_ART -> MISC

An entity counts as found when its token span and mapped type equal a gold entity's. Anchor: the plain small
model scores 0.60 micro-F1 on the held-out CoNLL test split with this mapping; the actor stage must not score
below the plain model.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator, Optional

from ..errors import EvaluationError

LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "NORP": "MISC",
          "EVENT": "MISC", "LAW": "MISC", "LANGUAGE": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC"}
TYPES = ("PER", "ORG", "LOC", "MISC")
STAGES = ("dateline.entities.v1", "dateline.actors.v1")


def read_conll(path: Path) -> Iterator[tuple[list[str], list[str]]]:
    """(tokens, IOB1 tags) per sentence; document separators are skipped."""
    tokens: list[str] = []
    tags: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvaluationError(f"cannot read {path}: {exc}", fix="pass --data with a CoNLL-2003 IOB file") from exc
    for line in lines + [""]:
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if tokens:
                yield tokens, tags
            tokens, tags = [], []
            continue
        if len(parts) < 2:
            raise EvaluationError(f"{path}: line {line!r} has no tag column",
                                  fix="use the CoNLL-2003 format: token POS chunk NER")
        tokens.append(parts[0])
        tags.append(parts[-1])


def gold_spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Entities of an IOB1 (or IOB2) tag list as (start, end, type) token spans."""
    spans, start, kind = set(), None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == kind
        if start is not None and not continues:
            spans.add((start, i, kind))
            start, kind = None, None
        if prefix in ("B", "I") and start is None:
            start, kind = i, label
    return spans


def plain_spans(doc) -> set[tuple[int, int, str]]:
    return {(e.start, e.end, LABELS[e.label_]) for e in doc.ents if e.label_ in LABELS}


def pipeline_spans(doc) -> set[tuple[int, int, str]]:
    out = set()
    for ent in doc._.entities or []:
        span = doc.char_span(ent.start, ent.end, alignment_mode="expand")
        if span is not None and ent.label in LABELS:
            out.add((span.start, span.end, LABELS[ent.label]))
    return out


def figures(counts: Counter) -> dict:
    tp, npred, ngold = counts["tp"], counts["pred"], counts["gold"]
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _count(counts: dict, gold: set, pred: set) -> None:
    for key in ("all", *TYPES):
        g = gold if key == "all" else {s for s in gold if s[2] == key}
        p = pred if key == "all" else {s for s in pred if s[2] == key}
        counts[key].update(tp=len(g & p), gold=len(g), pred=len(p))


def run(data: Path, limit: Optional[int] = None, model: Optional[str] = None, batch_size: int = 256,
        **options) -> dict:
    """Score the plain model and the model with dateline's entity corrections on a CoNLL-2003 file."""
    from spacy.tokens import Doc

    from .. import nlp as nlp_stage

    sentences = list(read_conll(Path(data)))[:limit] if limit else list(read_conll(Path(data)))
    if not sentences:
        raise EvaluationError(f"no sentences in {data}", fix="pass --data with a CoNLL-2003 IOB file")
    nlp = nlp_stage.load(model, stages=STAGES)
    docs = (Doc(nlp.vocab, words=tokens) for tokens, _ in sentences)
    plain = {k: Counter() for k in ("all", *TYPES)}
    ours = {k: Counter() for k in ("all", *TYPES)}
    for doc, (_, tags) in zip(nlp.pipe(docs, batch_size=batch_size), sentences):
        gold = gold_spans(tags)
        _count(plain, gold, plain_spans(doc))
        _count(ours, gold, pipeline_spans(doc))
    result = {**figures(ours["all"]), "n": len(sentences), "entities": ours["all"]["gold"]}
    result["details"] = {"by_type": {t: figures(ours[t]) for t in TYPES},
                         "plain_by_type": {t: figures(plain[t]) for t in TYPES},
                         "mapping": LABELS}
    result["peers"] = {"spacy-plain": figures(plain["all"])}
    return result
