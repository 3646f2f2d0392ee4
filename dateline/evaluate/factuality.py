"""Suite `factuality`: dateline's certainty and polarity against per-predicate factuality scores.

Data: the "unified factuality" conversion of MEANTIME and UW (`<data>/meantime/*.conll`, `<data>/uw/*.conll`):
one token per line, tab-separated (index, word, score, PTB tag, head, dependency, lemma), a blank line between
sentences; the score is a float in [-3, +3] on annotated predicates and "_" elsewhere. The given parse is not
used: each sentence is re-parsed by dateline's spaCy model from its words, and the gold predicate's token is
the trigger.

Classes, gold side (`--option neg=-1 --option pos=2.5` to move the cut points):
    negated  score <= -1.0
    hedged   -1.0 < score < 2.5
    asserted score >= 2.5
Classes, dateline side: negated when `polarity` is negated; else hedged when `certainty` is hedged, or the
modality is threatened or hypothetical, or planned by a governing verb ("plans to", "wants to": an intention);
else asserted. An attributed event counts as asserted (both corpora score a reported event as the reporter's
claim of fact), and so does a future with "will" (both score "X will visit" near +3).

By default the dev and test splits are scored where present (the shared copy holds train and dev only; the cue
lists were developed by looking at the train splits, never at dev).
`limit` caps the sentences read from each file. Figures: accuracy, macro_f1 over the three classes, n
(predicates); `details` has per-class precision/recall/F1, the confusion table and per-corpus accuracy.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator, Optional

from ..errors import ConfigError, EvaluationError

CLASSES = ("asserted", "hedged", "negated")
NOT_ACTUAL = {"threatened", "hypothetical"}


def load_parser(model: Optional[str] = None):
    """The bare spaCy model (no dateline stages): these suites score the attribution library alone."""
    import spacy

    from .. import nlp as nlp_stage
    from .. import settings

    nlp_stage.register_extensions()
    name = settings.get("model", model)
    try:
        return spacy.load(name)
    except OSError as exc:
        raise ConfigError(f"spaCy model {name!r} is not installed",
                          fix="run `make install` or pass --model with an installed pipeline") from exc


def read_conll(path: Path, limit: Optional[int] = None) -> Iterator[tuple[list[str], list[tuple[int, float]]]]:
    """(words, [(predicate index, score)]) per sentence."""
    words: list[str] = []
    scored: list[tuple[int, float]] = []
    count = 0
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        cols = line.split("\t")
        if len(cols) >= 3:
            if cols[2] != "_":
                scored.append((len(words), float(cols[2])))
            words.append(cols[1])
            continue
        if words:
            yield words, scored
            count += 1
            if limit is not None and count >= limit:
                return
        words, scored = [], []


def gold_class(score: float, neg: float = -1.0, pos: float = 2.5) -> str:
    if score <= neg:
        return "negated"
    return "asserted" if score >= pos else "hedged"


def predicted_class(doc, token) -> str:
    from .. import attribution

    if attribution.polarity(doc, token) == "negated":
        return "negated"
    _, certainty, _ = attribution.attribute(doc, token)
    value, _, how = attribution.modality_cue(doc, token)
    if certainty == "hedged" or value in NOT_ACTUAL or (value == "planned" and how == "governor"):
        return "hedged"
    return "asserted"


def files(data: Path, splits: tuple[str, ...], corpora: tuple[str, ...]) -> list[Path]:
    found = [data / corpus / f"{split}.conll" for corpus in corpora for split in splits]
    found = [p for p in found if p.is_file()]
    if not found:
        raise EvaluationError(f"no {'/'.join(splits)} .conll files for {'/'.join(corpora)} under {data}",
                              fix="pass --data with the factuality folder (it holds meantime/ and uw/)")
    return found


def run(data: Path, limit: Optional[int] = None, splits: str = "dev,test", corpora: str = "meantime,uw",
        neg: float = -1.0, pos: float = 2.5, model: Optional[str] = None, **_) -> dict:
    from spacy.tokens import Doc

    nlp = load_parser(model)
    pairs: list[tuple[str, str, str]] = []  # (corpus, gold, predicted)
    for path in files(Path(data), tuple(splits.split(",")), tuple(corpora.split(","))):
        for words, scored in read_conll(path, limit):
            if not scored:
                continue
            doc = Doc(nlp.vocab, words=words)
            for _, proc in nlp.pipeline:
                doc = proc(doc)
            for index, score in scored:
                pairs.append((path.parent.name, gold_class(score, float(neg), float(pos)),
                              predicted_class(doc, doc[index])))
    return score_pairs(pairs)


def score_pairs(pairs: list[tuple[str, str, str]]) -> dict:
    confusion = Counter((g, p) for _, g, p in pairs)
    per_class = {}
    for c in CLASSES:
        tp = confusion[(c, c)]
        predicted = sum(v for (g, p), v in confusion.items() if p == c)
        gold = sum(v for (g, p), v in confusion.items() if g == c)
        prec = tp / predicted if predicted else 0.0
        rec = tp / gold if gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[c] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "gold": gold,
                        "predicted": predicted}
    n = len(pairs)
    correct = sum(v for (g, p), v in confusion.items() if g == p)
    by_corpus = {}
    for corpus in sorted({c for c, _, _ in pairs}):
        rows = [(g, p) for c, g, p in pairs if c == corpus]
        by_corpus[corpus] = {"accuracy": round(sum(g == p for g, p in rows) / len(rows), 4), "n": len(rows)}
    majority = max((sum(1 for _, g, _ in pairs if g == c), c) for c in CLASSES)[0] / n if n else 0.0
    return {
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_f1": round(sum(v["f1"] for v in per_class.values()) / len(CLASSES), 4),
        "n": n,
        "details": {"per_class": per_class, "by_corpus": by_corpus,
                    "confusion": {f"{g}->{p}": v for (g, p), v in sorted(confusion.items())},
                    "majority_baseline_accuracy": round(majority, 4)},
    }
