"""Police actions suite: `dateline eval police --data ../shared/data/events-india-police/`.

IndiaPoliceEvents (Halterman et al. 2021) labels every sentence of every document, so recall is real. Three
of its questions are event types of ours:

    ARREST  "Did police arrest someone?"           a COERCE event of mode arrest
    FORCE   "Did police use force or violence?"    an ASSAULT event by a security force (or, with nobody
                                                   named, in a sentence that names what only a security
                                                   force uses: firing rounds, tear gas, a lathi-charge)
                                                   or a killing of militants by nobody named ("two
                                                   militants were killed"), or a clash whose own phrase
                                                   names the force ("died in the clash with police")
    KILL    "Did police kill someone?"             FORCE, in a sentence that reports deaths

An arrest needs no named actor ("50 persons were arrested"): arrests are police work. Negated and planned
events do not count, nor arrests that may happen ("likely to be arrested"); force that "had to" be used
does. A document is positive for a class when any of its sentences is. Figures: sentence-level precision,
recall and F1, micro-averaged over the three classes; per-class and document-level figures in `details`.

The full set is 674 documents; `limit` takes the first N documents by id (the CI test uses 120).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from ..errors import EvaluationError

CLASSES = ("ARREST", "FORCE", "KILL")
UNNAMED = {"they", "we", "them", "us", "he", "it"}
JUDICIAL = ("sentenc", "convict", "jail", "imprison")  # a court's sentence is not a police arrest
DEATH_WORDS = {"kill", "die", "death", "dead", "succumb", "toll", "body", "bodies", "killing", "shot"}
DATA = Path(__file__).resolve().parents[1] / "data" / "events" / "security_forces.yaml"


@lru_cache(maxsize=1)
def _forces() -> dict:
    from ..events import _extra_file

    out: dict = {}
    for path in (DATA, _extra_file(DATA.name)):
        if path is None:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, words in data.items():
            out[key] = out.get(key, frozenset()) | frozenset(str(w).lower() for w in words or [])
    return out


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise EvaluationError(f"missing {path.name} in {path.parent}",
                              fix="pass --data ../shared/data/events-india-police/")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load(data: Path, limit: Optional[int] = None) -> list[dict]:
    """Documents with their text, date and gold sentences (with character offsets into the text)."""
    docs = {d["doc_id"]: d for d in _read_jsonl(data / "docs.jsonl")}
    dates = {m["doc_id"]: m.get("date") for m in _read_jsonl(data / "metadata.jsonl")}
    sents: dict = {}
    for s in _read_jsonl(data / "sents.jsonl"):
        sents.setdefault(s["doc_id"], []).append(s)
    out = []
    for doc_id in sorted(docs)[:limit] if limit else sorted(docs):
        text = docs[doc_id]["doc_text"]
        out.append({"id": doc_id, "text": text, "date": dates.get(doc_id), "labels": set(docs[doc_id]["doc_labels"]),
                    "sents": _locate(text, sorted(sents.get(doc_id, []), key=lambda s: s["sent_id"]))})
    return out


def _locate(text: str, sents: list[dict]) -> list[dict]:
    cursor = 0
    for s in sents:
        needle = s["sent_text"].strip()
        at = text.find(needle, cursor) if needle else -1
        s["start"], s["end"] = (at, at + len(needle)) if at >= 0 else (cursor, cursor)
        cursor = max(cursor, s["end"])
    return sents


def _is_force(participant) -> bool:
    if participant is None:
        return False
    text = " ".join([participant.text or "", participant.name or ""] + list(participant.orgs or []))
    words = set(re.findall(r"[a-z][a-z'-]*", text.lower()))
    return bool(words & _forces()["words"])


def _unnamed(participant) -> bool:
    return participant is None or (participant.text or "").lower() in UNNAMED


def _state_target(participant) -> bool:
    """"Two militants were killed": an armed group's men killed by nobody named fell to security forces."""
    if participant is None:
        return False
    words = set(re.findall(r"[a-z][a-z'-]*", (participant.text or "").lower()))
    return bool(words & _forces().get("state_targets", frozenset()))


def _state_only(doc, event) -> bool:
    words = set(re.findall(r"[a-z][a-z'-]*", doc.text[event.sentence.start:event.sentence.end].lower()))
    return bool(words & _forces()["state_force_words"])


def event_classes(doc, event) -> set:
    if event.polarity == "negated" or event.modality in ("planned", "threatened"):
        return set()
    if event.type == "COERCE" and event.mode == "arrest":
        judicial = event.trigger.text.lower().startswith(JUDICIAL)
        return {"ARREST"} if event.modality != "hypothetical" and not judicial else set()
    if event.type == "ASSAULT" and (_is_force(event.actor) or (_unnamed(event.actor) and _state_only(doc, event))):
        return {"FORCE"}
    if event.type == "ASSAULT" and event.mode == "kill" and _unnamed(event.actor) and _state_target(event.target):
        return {"FORCE"}
    # A clash is mutual: "a mob clashed with the police" is force on both sides.
    if event.type == "ASSAULT" and event.trigger.text.lower().startswith("clash") and (
            _is_force(event.target) or _force_in_phrase(doc, event)):
        return {"FORCE"}
    return set()


def _force_in_phrase(doc, event) -> bool:
    """"died in the clash with police", "a police-mob clash": the noun's own phrase names the force."""
    span = doc.char_span(event.trigger.start, event.trigger.end, alignment_mode="expand")
    if span is None or span.root.pos_ not in ("NOUN", "PROPN"):
        return False
    root = span.root
    tokens = list(root.subtree)
    if root.dep_ == "pobj":  # "died in the clash with the police": the with-phrase hangs on the verb
        tokens += [t for prep in root.head.head.children if prep.lower_ == "with" for t in prep.subtree]
    words = {w for t in tokens for w in re.findall(r"[a-z][a-z'-]*", t.lower_.replace("-", " "))}
    return bool(words & _forces()["words"])


def sentence_classes(doc, events, start: int, end: int) -> set:
    found = set()
    for ev in events:
        if start <= ev.trigger.start < end:
            found |= event_classes(doc, ev)
    if "FORCE" in found:
        words = {t.lemma_.lower() for t in doc.char_span(start, end, alignment_mode="expand") or []}
        if words & DEATH_WORDS:
            found.add("KILL")
    return found


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _tally(pairs) -> dict:
    """pairs: (gold set, predicted set) per unit -> per-class and micro P/R/F1."""
    counts = {c: [0, 0, 0] for c in CLASSES}
    for gold, pred in pairs:
        for c in CLASSES:
            counts[c][0] += c in gold and c in pred
            counts[c][1] += c not in gold and c in pred
            counts[c][2] += c in gold and c not in pred
    micro = _prf(*(sum(v[k] for v in counts.values()) for k in range(3)))
    return {"micro": micro, "per_class": {c: _prf(*v) for c, v in counts.items()}}


def run(data: Path, limit: Optional[int] = None, **options) -> dict:
    from .. import nlp as nlp_stage

    docs = load(Path(data), limit)
    nlp = nlp_stage.load()
    sent_pairs, doc_pairs = [], []
    items = ((d["text"], d["date"], d) for d in docs)
    for doc, rec in nlp_stage.pipe(nlp, items, batch_size=16):
        events = doc._.events or []
        found_doc = set()
        for s in rec["sents"]:
            pred = sentence_classes(doc, events, s["start"], s["end"]) if s["end"] > s["start"] else set()
            sent_pairs.append((set(s["sent_labels"]) & set(CLASSES), pred))
            found_doc |= pred
        doc_pairs.append((rec["labels"] & set(CLASSES), found_doc))
    sent, docs_score = _tally(sent_pairs), _tally(doc_pairs)
    return {**{k: sent["micro"][k] for k in ("precision", "recall", "f1")}, "n": len(sent_pairs),
            "details": {"documents": len(doc_pairs), "sentence_per_class": sent["per_class"],
                        "document": docs_score["micro"], "document_per_class": docs_score["per_class"]}}
