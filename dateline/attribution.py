"""Who an event is attributed to, how sure the article is of it, whether it is denied, and whether it happened.

A library module, not a pipeline component: the events stage calls these three functions for each trigger
(a spaCy `Token` of a parsed `Doc`):

    attribute(doc, trigger) -> (Attribution | None, certainty, hedge Span | None)
    polarity(doc, trigger)  -> "affirmed" | "negated"
    modality(doc, trigger)  -> "actual" | "planned" | "threatened" | "habitual" | "hypothetical"

and, for callers that want the evidence, `hedge(doc, trigger)` and `modality_cue(doc, trigger)`.

All of it reads the dependency parse with cue lists kept as data in `dateline/data/attribution/*.yaml`
(extended by `<data_dir>/attribution/*.yaml` when the `data_dir` setting names a folder). A cue counts only
when it *scopes over* the trigger: it hangs on the trigger or on a word the trigger is the complement of
("reportedly dealt a blow by taking", "has been blamed for blowing up", "failed to launch"). Attribution comes
from reporting frames (a cue such as "said" or "according to", its source, and the words the account
covers). An account carries on to a following sentence of the same paragraph that has no frame of its own and
goes on with it (a quotation, or a pronoun subject: "A defector said guards beat prisoners. They also ...");
a quotation that opens the next paragraph goes on with the sentence just before it. An announcement ("A
spokesman ... issued the following press statement:") makes everything after it the announcer's account.
`frames(doc)` lists every in-sentence frame of a document (the attribution suite scores them);
`announcements(doc)` the announcements.
"""
from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from . import model
from .errors import ConfigError
from .event_args import (_entities_in, _passive_at, copied, entities, memo, memoised, span_record, text_of,
                         token_span, tree, words as doc_words)
from .nlp import arrays, sentence_at, sentence_of, sentences, text as doc_text
from .knowledge import merge, yaml_loader

DATA = Path(__file__).resolve().parent / "data" / "attribution"
CUE_FILES = ("reporting", "hedges", "negation", "modality", "scope")

# Dependency links along which a word shares the clause of the word above it, so that a cue on the
# upper word scopes over the lower one ("failed -xcomp-> launch", "blamed -prep-> for -pcomp-> blowing").
_CLIMB = {"xcomp", "pcomp", "pobj", "prep", "acomp", "oprd", "compound", "agent"}
# Links from an event noun up to a light verb that carries its cues ("did not carry out the attack").
_NOUN_CLIMB = {"dobj", "attr", "nsubjpass"}
# Links that open a clause of its own; the word above may govern it ("denied that ...") but its
# auxiliaries and adverbs do not reach down.
_CLAUSE = {"ccomp", "advcl", "parataxis", "csubj", "acl"}


@dataclass
class Frame:
    """One account in the text: the cue words, the source phrase (or None) and the tokens it covers."""

    cue_start: int  # token indices, end exclusive
    cue_end: int
    source_start: Optional[int]
    source_end: Optional[int]
    scope: frozenset
    # verb | object ("quoted X as saying") | preposition ("according to") | label ("X: ...") | announcement
    kind: str = "verb"


# ---------------------------------------------------------------- cue data


@lru_cache(maxsize=1)
def cues() -> dict:
    """The cue lists, bundled ones extended by the user's `<data_dir>/attribution/*.yaml`."""
    from . import settings

    data = {name: _load(DATA / f"{name}.yaml") for name in CUE_FILES}
    extra = settings.get("data_dir")
    if extra:
        for name in CUE_FILES:
            path = Path(extra) / "attribution" / f"{name}.yaml"
            if path.is_file():
                merge(data[name], _load(path))
    return data


def _load(path: Path) -> dict:
    import yaml

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"cue file {path} is not valid YAML ({exc.__class__.__name__})",
                          fix="correct the file: lists of lower-case words under the keys of the bundled file") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"cue file {path} holds no mapping of lists",
                          fix="write `key: [word, word]` lines, as in dateline/data/attribution/")
    return data


@lru_cache(maxsize=None)
def _set(*path: str) -> frozenset:
    node = cues()
    for key in path:
        node = node.get(key) or {}
    return frozenset(str(v).lower() for v in (node or []))


# ---------------------------------------------------------------- scope


# The cue rules read the parse from the document's lists (`event_args.Tree`) by token index: they climb from
# each trigger and look at the children of every word on the way, where a spaCy Token per step (and a
# StringStore lookup per label) would cost more than the tests.


def chain(trigger) -> list:
    """Token indices of the trigger and the words above it inside its clause, lowest first (hedges, polarity
    and modality each climb it: read once per trigger while the events stage reads the document)."""
    return _climb(trigger)[1]


def _climb(trigger) -> tuple:
    """(the Token the chain was first read for, the chain). A cue that only a trigger's own modifiers carry
    counts for the Token the chain was read for (kept as it was: a chain read for another event's anchor
    first does not count them)."""
    return memoised(trigger.doc, ("attribution.chain", trigger.i),
                    lambda: (trigger, _chain(tree(trigger.doc), trigger.i)))


def _chain(t, i: int) -> list:
    out = [i]
    if _is_noun(t, i):
        if not (t.dep[i] in _NOUN_CLIMB and t.lemma[t.head[i]] in _set("scope", "light_verbs")):
            return out
        i = t.head[i]
        out.append(i)
    while t.head[i] != i and (t.dep[i] in _CLIMB or (t.dep[i] == "conj" and _shares_clause(t, i))):
        i = t.head[i]
        out.append(i)
    return out


def _is_noun(t, i: int) -> bool:
    return t.pos[i] in ("NOUN", "PROPN") and t.tag[i] != "VBG"


def _shares_clause(t, i: int) -> bool:
    """A conjunct verb with no subject of its own and no "but" shares the first verb's cues."""
    dep = t.dep
    if any(dep[c] in ("nsubj", "nsubjpass", "expl") for c in t.kids[i]):
        return False
    return not any(dep[c] == "cc" and t.lower[c] in ("but", "yet") for c in t.kids[t.head[i]])


def outer(trigger) -> Optional[int]:
    """Index of the word that governs the trigger's clause ("denied -ccomp-> attacked"), or None."""
    return _outer(tree(trigger.doc), chain(trigger))


def _outer(t, nodes: list) -> Optional[int]:
    top = nodes[-1]
    return t.head[top] if t.dep[top] in _CLAUSE else None


def _span(doc, tokens: Iterable) -> model.Span:
    toks = sorted(tokens, key=lambda t: t.i)
    start, end = toks[0].idx, toks[-1].idx + len(toks[-1])
    return model.Span(text=doc[toks[0].i:toks[-1].i + 1].text, start=start, end=end)


def _span_at(doc, ids) -> model.Span:
    """`_span` of the tokens at these indices."""
    return span_record(doc, min(ids), max(ids) + 1)


def _pairs(nodes: list) -> list:
    """(upper word, the chain word just below it) for each governor above the trigger."""
    return list(zip(nodes[1:], nodes[:-1]))


# ---------------------------------------------------------------- hedges


def hedge(doc, trigger) -> Optional[model.Span]:
    """The hedging words that scope over the trigger, or None."""
    t = tree(doc)
    first, nodes = _climb(trigger)
    for k, node in enumerate(nodes):
        found = _hedge_on(t, node, k == 0 and first is trigger)
        if found:
            return _span_at(doc, found)
    for upper, lower in _pairs(nodes):
        found = _hedge_governor(t, upper, lower, trigger.i)
        if found:
            return _span_at(doc, found)
    top = _outer(t, nodes)
    if top is not None and t.lemma[top] in _set("hedges", "passive_governors") and _passive_at(t, top):
        return _span_at(doc, _with_aux(t, top))
    if top is not None and _is_noun(t, top) and t.lemma[top] in _set("hedges", "nouns"):
        # "reports that the leader was injured", "allegations that he took bribes"
        return _span_at(doc, [c for c in t.kids[top] if t.dep[c] == "amod" and c < top] + [top])
    return None


def _hedge_on(t, node: int, is_trigger: bool) -> list:
    dep, lower = t.dep, t.lower
    adverbs, modals, modifiers = _set("hedges", "adverbs"), _set("hedges", "modals"), _set("hedges", "modifiers")
    for child in t.kids[node]:
        low = lower[child]
        if dep[child] in ("advmod", "npadvmod") and low in adverbs:
            return [child]
        if dep[child] == "aux" and low in modals:
            return [child] + [c for c in t.kids[node] if dep[c] == "aux" and c > child and lower[c] == "have"]
        if is_trigger and dep[child] == "amod" and low in modifiers:
            return [child]
    return []


def _hedge_governor(t, upper: int, lower: int, trigger: int) -> list:
    lemma = t.lemma[upper]
    # "was charged with murder", "is linked to the attacks": the doubt is on who did it, not on the event
    # noun; a verb or gerund ("has been blamed for blowing up") takes the hedge.
    verbal = t.pos[trigger] in ("VERB", "AUX") or t.dep[lower] != "prep"
    passive = lemma in _set("hedges", "passive_governors") and _passive_at(t, upper) and verbal
    if passive or lemma in _set("hedges", "governors"):
        link = [lower] if t.dep[lower] == "prep" else [
            c for c in t.kids[lower] if t.dep[c] == "aux" and t.lower[c] == "to"]
        return _with_aux(t, upper) + link
    return []


def _with_aux(t, i: int) -> list:
    return [c for c in t.kids[i] if t.dep[c] in ("aux", "auxpass") and c < i] + [i]


# ---------------------------------------------------------------- polarity


def polarity(doc, trigger) -> str:
    """"negated" when an odd number of negation cues scope over the trigger, else "affirmed"."""
    t = tree(doc)
    dep, lower, head = t.dep, t.lower, t.head
    i = trigger.i
    count = 0
    nodes = chain(trigger)
    words = _set("negation", "words")
    for node in nodes:
        count += sum(1 for c in t.kids[node] if _negates(t, c, words))
        if dep[node] in ("pobj", "pcomp") and lower[head[node]] == "without":
            count += 1
    count += sum(1 for c in t.kids[i] if dep[c] == "amod" and lower[c] in _set("negation", "modifiers"))
    if dep[i] in ("pobj", "pcomp") and lower[head[i]] == "of" and \
            t.lemma[head[head[i]]] in _set("negation", "noun_governors"):
        count += 1
    count += sum(1 for upper, _ in _pairs(nodes) if t.lemma[upper] in _set("negation", "governors"))
    top = _outer(t, nodes)
    if top is not None and t.lemma[top] in _set("negation", "governors") and dep[nodes[-1]] == "ccomp":
        count += 1
    return "negated" if count % 2 else "affirmed"


def _negates(t, c: int, words: frozenset) -> bool:
    dep, low = t.dep[c], t.lower[c]
    if dep == "neg":
        # "not only ... but also" affirms.
        return not (c + 1 < len(t.dep) and t.lower[c + 1] in ("only", "just", "merely", "simply"))
    if dep in ("aux", "auxpass") and low.endswith(("n't", "n’t")):  # "hasn't" kept as one token
        return True
    if dep in ("det", "advmod") and low in words:
        return True
    if dep == "advmod" and low == "longer" and any(t.lower[g] == "no" for g in t.kids[c]):
        return True  # "no longer works"
    if dep in ("nsubj", "nsubjpass") and (
            low in ("nobody", "nothing", "none") or any(t.dep[g] == "det" and t.lower[g] == "no" for g in t.kids[c])):
        return True
    return False


# ---------------------------------------------------------------- modality


def modality(doc, trigger) -> str:
    """actual | planned | threatened | habitual | hypothetical: threatened first, then hypothetical, planned,
    habitual; an infinitive that nothing marks as realised ("offered to help") is hypothetical."""
    return modality_cue(doc, trigger)[0]


def modality_cue(doc, trigger) -> tuple[str, Optional[model.Span], str]:
    """(modality, the words that set it, how: "governor" | "condition" | "modal" | "adverb" | "infinitive" | "").
    "will" and "plans to" are both planned; callers that weigh them apart (the factuality suite) read `how`."""
    t = tree(doc)
    dep, lower, lemma = t.dep, t.lower, t.lemma
    nodes = chain(trigger)
    inner = [upper for upper, below in _pairs(nodes) if dep[below] in _GOVERNED]
    top = _outer(t, nodes)
    governors = inner + ([top] if top is not None else [])

    def pick(words: frozenset, among=None):
        return next((g for g in (governors if among is None else among) if lemma[g] in words), None)

    def out(value, toks, how):
        return value, (_span_at(doc, toks) if toks else None), how

    conditional = _condition_marker(doc, t, nodes)
    modals = [c for n in nodes for c in t.kids[n] if dep[c] == "aux"]
    found = pick(_set("modality", "threatened", "governors"))
    if found is None and conditional is not None:
        found = pick(_set("modality", "threatened", "conditional_governors"))
    if found is None and any(lower[c] in _set("modality", "planned", "modals") | {"would"} for c in modals):
        warner = pick(_set("modality", "threatened", "warnings"), [top] if top is not None else [])
        found = warner if warner is not None and _same_subject(doc, t, nodes[-1], warner) else None
    if found is not None:
        return out("threatened", [found], "governor")
    if conditional is not None:
        return out("hypothetical", [conditional], "condition")
    found = pick(_set("modality", "hypothetical", "governors"))
    if found is not None:
        return out("hypothetical", [found], "governor")
    hypothetical = [c for c in modals if lower[c] in _set("modality", "hypothetical", "modals")]
    if hypothetical and not (all(lower[c] == "would" for c in hypothetical) and _reported_would(doc, trigger)):
        return out("hypothetical", hypothetical[:1], "modal")
    planned = hypothetical or [c for c in modals if lower[c] in _set("modality", "planned", "modals")]
    if planned:
        return out("planned", planned[:1], "modal")
    found = next((g for g in inner if _plans(t, lemma[g], g)), None)
    if found is not None:
        return out("planned", [found], "governor")
    adverbs = [c for n in nodes for c in t.kids[n]
               if dep[c] in ("advmod", "npadvmod") and lower[c] in _set("modality", "habitual", "adverbs")]
    if adverbs:
        return out("habitual", adverbs[:1], "adverb")
    found = pick(_set("modality", "habitual", "governors"), inner)
    if found is not None:
        return out("habitual", [found], "governor")
    if _unrealized(t, trigger.i):
        return out("hypothetical", [t.head[trigger.i]], "infinitive")
    return "actual", None, ""


def _same_subject(doc, t, clause: int, governor: int) -> bool:
    """ "Pyongyang warned (that) it would retaliate": the clause's subject is the governor's own, by pronoun
    or by the same head word; "experts warned prices would rise" is no threat."""
    inner = next((c for c in t.kids[clause] if t.dep[c] in ("nsubj", "nsubjpass")), None)
    outer_subject = next((c for c in t.kids[governor] if t.dep[c] == "nsubj"), None)
    if inner is None or outer_subject is None:
        return False
    # (the lemmas as the parser wrote them, capitals and all)
    return t.lower[inner] in ("it", "they", "we", "he", "she", "i") or doc[inner].lemma_ == doc[outer_subject].lemma_


# The links by which a governor takes the trigger as its complement ("plans -xcomp-> launch").
_GOVERNED = {"xcomp", "prep", "pcomp", "acomp"}


def _reported_would(doc, trigger) -> bool:
    """ "said it would send troops": "would" is a future in the past inside an account."""
    return bool(cues()["modality"]["planned"].get("reported_would")) and _in_account(doc, trigger)


def _unrealized(t, i: int) -> bool:
    """A to-infinitive of purpose or intent ("fought to keep", "offered to help") under a governor that does
    not say it came about ("managed to", "began to")."""
    dep, head = t.dep, t.head
    if t.tag[i] == "VBG" and dep[i] == "pcomp" and t.pos[head[head[i]]] in ("NOUN", "ADJ"):
        # a gerund under a noun or adjective: "interest in resuming talks", "capable of competing"
        return t.lemma[head[head[i]]] not in _set("modality", "habitual", "governors")
    if not any(dep[c] == "aux" and t.lower[c] == "to" for c in t.kids[i]):
        return False
    if dep[i] not in ("xcomp", "advcl", "acl", "relcl", "ccomp"):
        return False
    lemma = t.lemma[head[i]]
    hedging = _set("hedges", "passive_governors") | _set("hedges", "governors")
    return lemma not in _set("modality", "realized_governors") and lemma not in hedging


def _plans(t, lemma: str, i: int) -> bool:
    if lemma not in _set("modality", "planned", "governors"):
        return False
    if lemma == "go":  # "is going to", not "went to fight"
        return t.tag[i] == "VBG"
    if lemma in ("set", "expect", "schedule", "slate", "poise"):  # "is set to", "is expected to"
        return _passive_at(t, i) or t.tag[i] == "VBN"
    return True


def _condition_marker(doc, t, nodes: list) -> Optional[int]:
    """The "if" (or "unless", "whether") of a condition or an indirect question the trigger is in, at any
    depth, or of a condition on the trigger's own clause; else None."""
    markers = _set("modality", "hypothetical", "markers")
    dep = t.dep

    def marker(clause):
        if dep[clause] not in ("advcl", "ccomp"):
            return None
        found = next((c for c in t.kids[clause] if dep[c] == "mark" and t.lower[c] in markers), None)
        # "if"/"whether" on a complement clause is an indirect question ("asked whether he fled").
        return found if dep[clause] == "advcl" or (found is not None and t.lower[found] in ("if", "whether")) else None

    found = _marker_above(t, nodes[0], marker, memoised(doc, "attribution.markers", dict))
    if found is not None:
        return found
    for node in nodes:
        for child in t.kids[node]:
            if dep[child] == "advcl":
                found = marker(child)
                if found is not None:
                    return found
    return None


def _marker_above(t, clause: int, marker, known: dict) -> Optional[int]:
    """The first marker of the word at `clause`, then of each word above it up to the root. The triggers of a
    sentence share the words above them: each word's answer is kept in `known`."""
    path = []
    found = None
    while True:
        if clause in known:
            found = known[clause]
            break
        path.append(clause)
        found = marker(clause)
        if found is not None or t.head[clause] == clause:
            break
        clause = t.head[clause]
    for node in path:
        known[node] = found
    return found


# ---------------------------------------------------------------- attribution


def _parsed(doc) -> bool:
    """Whether the Doc has a dependency parse (spaCy checks every token: asked once per document read)."""
    kept = memo(doc)
    if kept is None:
        return doc.has_annotation("DEP")
    found = kept.get("attribution.parsed")
    if found is None:
        found = kept["attribution.parsed"] = doc.has_annotation("DEP")
    return found


def frames(doc, sent=None) -> list[Frame]:
    """Every reporting frame in the sentence (or in the whole document when `sent` is None)."""
    if not _parsed(doc):  # no parse, no frames: a blank pipeline's Doc
        return []
    sents = [sent] if sent is not None else sentences(doc)
    out: list[Frame] = []
    for s in sents:
        out.extend(_sentence_frames(doc, s.start, s.end))
    return out


# The frames of the last document seen in this thread, by sentence: the events stage asks about many
# triggers of one document in a row. Kept off `doc.user_data` so that documents still serialise.
_LAST = threading.local()


def _doc_cache(doc) -> dict:
    entry = getattr(_LAST, "entry", None)
    if entry is None or entry[0] is not doc or entry[1] != len(doc):
        entry = _LAST.entry = (doc, len(doc), {})
    return entry[2]


def _sentence_frames(doc, start: int, end: int) -> list[Frame]:
    by_sentence = _doc_cache(doc)
    if (start, end) not in by_sentence:
        # Only a reporting verb, the first word of "according to" or a label mark can open a frame: a set
        # test on each word's strings rules out the rest before any parse is read.
        verbs, cue = _set("reporting", "verbs"), _cue_words()
        t = tree(doc)
        found = []
        words = by_sentence.get("cue words")  # (found in one pass over the whole document)
        if words is None:
            lower, lemma = t.lower, t.lemma
            words = by_sentence["cue words"] = [i for i in range(len(lower)) if lower[i] in cue or lemma[i] in verbs]
        for i in words[bisect_left(words, start):bisect_left(words, end)]:
            if t.lower[i] in cue:
                frame = _verb_frame(doc, t, i) or _prep_frame(doc[i]) or _label_frame(doc[i])
            else:
                frame = _verb_frame(doc, t, i)  # (no cue word: neither a prepositional cue nor a label)
            if frame is not None:
                found.append(frame)
        by_sentence[(start, end)] = _outermost_beliefs(doc, found)
    return by_sentence[(start, end)]


def _cue_words() -> frozenset:
    """The lower-case first words of the prepositional cues and the label marks (marks have no capitals, so
    a mark's lower-case form is its text)."""
    return _first_words() | _set("reporting", "label_colons") | _set("reporting", "label_dashes")


def _outermost_beliefs(doc, found: list[Frame]) -> list[Frame]:
    """ "Clinton said she thinks ...": a belief inside another account is part of that account."""
    beliefs = _set("reporting", "beliefs")
    lemmas = tree(doc).lemma
    return [f for f in found if not (lemmas[f.cue_start] in beliefs
                                     and any(f.cue_start in g.scope for g in found if g is not f))]


# The reporting-verb rules take the document's parse lists (`event_args.Tree`) and a token index.


def _verb_frame(doc, t, i: int) -> Optional[Frame]:
    lemma = t.lemma[i]
    if t.pos[i] not in ("VERB", "AUX") or lemma not in _set("reporting", "verbs") or not _reports(doc, t, i, lemma):
        return None
    kind = "object" if lemma in _set("reporting", "object_source_verbs") else "verb"
    source = _source_of(t, i, kind)
    if source is None and (kind == "object" or not _expletive_passive(t, i)):
        return None
    if source is not None and t.lower[source] in _set("reporting", "speakers"):
        return None
    frame = _make_frame(doc, t, i, [i], source, kind)
    frame.scope = frame.scope - set(_as_saying(doc, t, i))
    return frame


def _reports(doc, t, i: int, lemma: str) -> bool:
    """Whether this use of a reporting verb gives an account: it takes a clause ("said THAT ...", "told X TO
    ...", "X, officials said"), a charge ("accused X OF firing"), or is a "say"-like verb with a noun object
    or none ('"...?" Clinton said.'); "did not say", "daring him to say" and "Let's say" give none."""
    dep, lower, kids, head = t.dep, t.lower, t.kids[i], t.head[i]
    if any(dep[c] == "neg" or (dep[c] == "aux" and lower[c] == "to") for c in kids) or (
            t.lemma[head] == "let" and doc[head].lemma_ == "let"):  # (the lemma as written)
        return False
    if any(dep[c] in ("ccomp", "parataxis") for c in kids) or _follows_content(doc, t, i) or _as_saying(doc, t, i):
        return True
    if any(dep[c] == "xcomp" for c in kids) and any(dep[c] in ("dobj", "dative") for c in kids):
        return True
    if lemma in _set("reporting", "charge_verbs") and not _passive_at(t, i):
        if any(dep[c] == "prep" and lower[c] in ("of", "for") for c in kids):
            return True
    return lemma in _set("reporting", "noun_object") and not any(
        dep[c] == "prep" and lower[c] in ("about", "on", "for") for c in kids)


def _as_saying(doc, t, i: int) -> list:
    """The "as saying" of "quoted X as saying": part of the cue, not of the account."""
    for prep in t.kids[i]:
        if t.dep[prep] == "prep" and t.lower[prep] == "as":
            return [prep] + [c for c in t.kids[prep] if t.dep[c] == "pcomp" and t.lemma[c] in ("say", "tell")
                             and doc[c].lemma_ in ("say", "tell")]  # (the lemma as written)
    return []


def _follows_content(doc, t, i: int) -> bool:
    """ "X happened, officials said": the reporting clause hangs after the content it reports, set off by
    a comma or a closing quote, with no subordinator of its own ("... if the drills continue")."""
    head, dep = t.head[i], t.dep
    if t.pos[head] not in ("VERB", "AUX"):
        return False
    if dep[i] == "parataxis":  # also mid-sentence: "Acts of protest, Mr. Obama said, are acts of patriotism"
        return True
    if i < head or dep[i] not in ("ccomp", "advcl") or any(dep[c] == "mark" for c in t.kids[i]):
        return False
    left = doc[i].left_edge.i
    # (quotation marks and commas have no capitals: the lower-case form is the text)
    return left > 0 and t.lower[left - 1] in (",", "\"", "”", "''", "'", "’")


def _expletive_passive(t, i: int) -> bool:
    return _passive_at(t, i) and any(t.dep[c] in ("nsubjpass", "expl") and t.lower[c] in _set("reporting", "expletives")
                                     for c in t.kids[i])


def _source_of(t, i: int, kind: str) -> Optional[int]:
    kids, dep = t.kids[i], t.dep
    if kind == "object":
        if _passive_at(t, i):  # "he was quoted as saying"
            return next((c for c in kids if dep[c] == "nsubjpass"), None)
        return next((c for c in kids if dep[c] in ("dobj", "pobj")), None)
    if _passive_at(t, i):
        agents = [g for c in kids if dep[c] == "agent" for g in t.kids[c] if dep[g] == "pobj"]
        return agents[0] if agents else None
    subject = next((c for c in kids if dep[c] == "nsubj"), None)
    if subject is None:
        subject = _borrowed_subject(t, i)
    if subject is not None and t.lower[subject] in ("who", "that") and dep[i] == "relcl":
        subject = t.head[i]  # "a staffer who told his subordinates ..."
    if subject is not None and t.lower[subject] == "there":
        return None
    return subject


def _borrowed_subject(t, i: int) -> Optional[int]:
    """The subject of the verb a participle or conjunct hangs on: "..., adding that ...", "began by saying"."""
    head = t.head[i]
    if t.dep[i] == "pcomp" and t.dep[head] == "prep":
        if t.lower[head] == "as":  # "quoted X as saying": part of the quoting verb's cue
            return None
        head = t.head[head]
    elif t.dep[i] not in _set("reporting", "borrow_subject_deps"):
        return None
    return next((c for c in t.kids[head] if t.dep[c] == "nsubj"), None)


def _label_frame(tok) -> Optional[Frame]:
    return _colon_frame(tok) or _dash_frame(tok)


def _colon_frame(tok) -> Optional[Frame]:
    """ "Yonhap: North fires missile", "PENCE: Well, ...": a short name and a colon open a line."""
    if tok.text not in _set("reporting", "label_colons"):
        return None
    name = _line_before(tok)
    if not name or len(name) > 5 or not all(t.pos_ == "PROPN" or t.is_title or t.is_upper for t in name):
        return None
    if any(t.lower_ in _set("reporting", "label_stopwords") for t in name):  # "Correction:", "Update:"
        return None
    rest = {t.i for t in tok.doc[tok.i + 1:sentence_of(tok).end] if not t.is_space}
    return _label(tok, name, rest) if rest else None


def _dash_frame(tok) -> Optional[Frame]:
    """'"We will win." ― Jane Doe': a dash after a closing quotation mark, then a name."""
    doc = tok.doc
    if tok.text not in _set("reporting", "label_dashes") or tok.i == 0 or not _is_quote(doc[tok.i - 1]):
        return None
    name = []
    for t in doc[tok.i + 1:tok.i + 6]:
        if t.is_space and not name and "\n" not in t.text:
            continue
        if t.pos_ != "PROPN":
            break
        name.append(t)
    return _label(tok, name, _quote_tokens_before(tok)) if name else None


def _line_before(tok) -> list:
    """The words from the start of the token's line up to it; [] when more than six tokens precede it."""
    start = tok.i
    while start > 0 and "\n" not in tok.doc[start - 1].text_with_ws:
        start -= 1
        if tok.i - start > 6:
            return []
    return [t for t in tok.doc[start:tok.i] if not t.is_space and not _is_quote(t) and t.text not in ("“", "(")]


def _quote_tokens_before(tok) -> set:
    """The quotation that ends right before `tok`, back to its opening mark."""
    out = set()
    for t in reversed(tok.doc[max(0, tok.i - 200):tok.i - 1]):
        if t.text in ("“", '"', "''", "``"):
            break
        out.add(t.i)
    return out


def _label(cue, source_toks: list, covered: set) -> Frame:
    return Frame(cue_start=cue.i, cue_end=cue.i + 1, source_start=source_toks[0].i,
                 source_end=source_toks[-1].i + 1, scope=frozenset(covered), kind="label")


def _prep_frame(tok) -> Optional[Frame]:
    if tok.lower_ not in _first_words():
        return None
    doc, t = tok.doc, tree(tok.doc)
    for phrase in _set("reporting", "prepositions"):
        words = phrase.split()
        if tok.i + len(words) > len(doc):
            continue
        if t.lower[tok.i:tok.i + len(words)] != words:
            continue
        last = tok.i + len(words) - 1
        objs = [c for c in t.kids[last] if t.dep[c] in ("pobj", "dobj")]
        if not objs:
            return None
        return _make_frame(doc, t, tok.i, list(range(tok.i, tok.i + len(words))), objs[0], "preposition")
    return None


@lru_cache(maxsize=1)
def _first_words() -> frozenset:
    return frozenset(p.split()[0] for p in _set("reporting", "prepositions"))


def _make_frame(doc, t, cue: int, cue_ids: list, source: Optional[int], kind: str) -> Frame:
    src = _source_ids(doc, t, source, cue) if source is not None else []
    cue_set = set(cue_ids)
    if kind == "preposition":  # the account is what the cue's head governs ("..., according to X")
        covered = _subtree(t, t.head[cue]) - _subtree(t, cue)
    else:
        covered = _subtree(t, cue) - _outside(t, cue)
        if _follows_content(doc, t, cue) or (kind == "object" and t.dep[cue] == "advcl"):
            covered |= _subtree(t, t.head[cue]) - _subtree(t, cue)
    covered |= _quote_before(doc, t, cue)
    covered -= set(src) | cue_set
    return Frame(cue_start=min(cue_set), cue_end=max(cue_set) + 1,
                 source_start=src[0] if src else None, source_end=src[-1] + 1 if src else None,
                 scope=frozenset(covered), kind=kind)


def _quote_before(doc, t, i: int) -> set:
    """'"We will strike back." KCNA said.': a reporting clause that opens its sentence right after a closing
    quotation mark reports the quoted sentence before it."""
    sent = sentence_at(doc, i)
    if sent.start == 0:
        return set()
    lower = t.lower  # (a space token's lower-case form is itself; quotation marks have no capitals)
    first = next((k for k in range(sent.start, sent.end) if not lower[k].isspace()), None)
    if first is None or doc[i].left_edge.i > first or lower[first] in _QUOTES:
        return set()
    prev = sentence_at(doc, sent.start - 1)
    last = next((k for k in range(prev.end - 1, prev.start - 1, -1) if not lower[k].isspace()), None)
    if last is None or lower[last] not in _QUOTES or _new_paragraph(doc, prev, sent):
        return set()
    return {k for k in range(prev.start, prev.end) if not lower[k].isspace()}


_QUOTES = ('"', "”", "''", "’", "'")


def _is_quote(tok) -> bool:
    return tok.text in _QUOTES


def _source_tokens(head, cue=None) -> list:
    """The source phrase: the head's noun phrase on the head's line, without a clause set off by a comma
    ("Mr. Kamin, who emphasized ...", "Trump, speaking to veterans") or holding the cue ("officials who said")."""
    doc = head.doc
    return [doc[k] for k in _source_ids(doc, tree(doc), head.i, cue.i if cue is not None else None)]


def _source_ids(doc, t, head: int, cue: Optional[int]) -> list:
    """`_source_tokens` by token index, read from the parse lists and the text (a Token is made only for a
    word whose punctuation flag is asked)."""
    lower = t.lower  # (a space token's lower-case form is itself, as a comma's is)
    cut = set()
    for child in t.kids[head]:
        if t.dep[child] not in ("relcl", "acl") or child < head:
            continue
        edge = doc[child].left_edge.i
        if (edge > 0 and lower[edge - 1] == ",") or (cue is not None and cue in _subtree(t, child)):
            cut |= _subtree(t, child)
    run: list = []
    for k in _in_order(t, head, []):
        if k in cut and k > head:
            break
        if lower[k].isspace() and "\n" in lower[k]:
            if k > head:
                break
            run = []
            continue
        run.append(k)
        if "\n" in _space_after(doc, k):
            if k >= head:
                break
            run = []
    return _trimmed_ids(doc, lower, run) or [head]


def _in_order(t, i: int, out: list) -> list:
    """The token at `i` and its descendants in `Token.subtree`'s order: each left child's subtree, the word,
    each right child's subtree."""
    kids = t.kids[i]
    for c in kids:
        if c < i:
            _in_order(t, c, out)
    out.append(i)
    for c in kids:
        if c > i:
            _in_order(t, c, out)
    return out


def _space_after(doc, k: int) -> str:
    """The token's `whitespace_`: the text between it and the next token."""
    idx, length = arrays(doc, ("IDX", "LENGTH"))
    end = idx[k + 1] if k + 1 < len(idx) else None
    return doc_text(doc)[idx[k] + length[k]:end]


def _trimmed_ids(doc, lower: list, ids: list) -> list:
    """`_trim_punct` by token index."""
    ids = list(ids)
    while ids and (doc[ids[0]].is_punct or lower[ids[0]].isspace()):
        ids.pop(0)
    while ids and (doc[ids[-1]].is_punct or lower[ids[-1]].isspace()):
        if lower[ids[-1]] == ")" and any(lower[k] == "(" for k in ids):
            break
        ids.pop()
    return ids


def _trim_punct(toks: list) -> list:
    """Drop punctuation at the edges, but keep a closing bracket whose opening one is inside."""
    toks = list(toks)
    while toks and (toks[0].is_punct or toks[0].is_space):
        toks.pop(0)
    while toks and (toks[-1].is_punct or toks[-1].is_space):
        if toks[-1].text == ")" and any(t.text == "(" for t in toks):
            break
        toks.pop()
    return toks


def _subtree(t, i: int) -> set:
    """Indices of the token at `i` and all its descendants."""
    out = {i}
    stack = [i]
    while stack:
        for c in t.kids[stack.pop()]:
            out.add(c)
            stack.append(c)
    return out


def _outside(t, i: int) -> set:
    """Subordinate clauses of a reporting verb that lie outside the account ("said it AFTER ...")."""
    out = set()
    dep = t.dep
    for child in t.kids[i]:
        if dep[child] == "advcl" and any(dep[g] == "mark" and t.lower[g] in _set("reporting", "outside_markers")
                                         for g in t.kids[child]):
            out |= _subtree(t, child)
        if dep[child] in ("nsubj", "nsubjpass", "npadvmod", "punct"):
            out |= _subtree(t, child)
    return out


def _covering(doc, trigger, found: list[Frame]) -> Optional[Frame]:
    hits = [f for f in found if trigger.i in f.scope]
    return min(hits, key=lambda f: (len(f.scope), f.kind != "verb")) if hits else None


def _carried(doc, trigger) -> Optional[Frame]:
    """The account of an earlier sentence of the same paragraph that this frameless sentence continues; a
    quotation that opens the next paragraph continues the sentence just before it."""
    sent = sentence_of(trigger)
    if frames(doc, sent) or not _continues(sent):
        return None
    quoted = _opens_quote(sent)
    for step in range(3):
        if sent.start <= 0:
            return None
        prev = sentence_of(doc[sent.start - 1])
        if _new_paragraph(doc, prev, sent) and not (quoted and step == 0):
            return None
        found = frames(doc, prev)
        if found:
            return _covering(doc, prev.root, found) or found[-1]
        sent = prev
    return None


# The sentence tests below read the parse lists and the text: a space token's lower-case form is itself, and
# quotation marks have no capitals, so a mark's lower-case form is its text.


def _continues(sent) -> bool:
    """A sentence that goes on with the account before it: a quotation, or a pronoun subject."""
    if _opens_quote(sent):
        return True
    t = tree(sent.doc)
    # the sentence's root: its first word that is its own head, as `Span.root` finds it
    root = next((i for i in range(sent.start, sent.end) if t.head[i] == i), None)
    if root is None:
        root = sent.root.i
    subjects = [c for c in t.kids[root] if t.dep[c] in ("nsubj", "nsubjpass")]
    return any(t.lower[c] in _set("reporting", "continuing_subjects") for c in subjects)


def _opens_quote(sent) -> bool:
    lower = tree(sent.doc).lower
    first = _first_word(lower, sent.start, sent.end)
    return first is not None and (lower[first] in _QUOTES or lower[first] in ("“", "‘", "``"))


def _first_word(lower: list, start: int, end: int) -> Optional[int]:
    """Index of the first token of [start, end) that is not a space, or None."""
    return next((k for k in range(start, end) if not lower[k].isspace()), None)


def _new_paragraph(doc, prev, sent) -> bool:
    """A line break between the last word of `prev` and the first word of `sent`."""
    lower = tree(doc).lower
    last = next((k for k in range(prev.end - 1, prev.start - 1, -1) if not lower[k].isspace()), None)
    first = _first_word(lower, sent.start, sent.end)
    if last is None or first is None:
        return True
    # the text from the end of the last word to the first: the last word's trailing space and the tokens
    # between with theirs
    idx, length = arrays(doc, ("IDX", "LENGTH"))
    return "\n" in doc_text(doc)[idx[last] + length[last]:idx[first]]


def _in_account(doc, trigger) -> bool:
    return _covering(doc, trigger, _nearby_frames(doc, trigger)) is not None


def _nearby_frames(doc, trigger) -> list[Frame]:
    """Frames of the trigger's sentence and of the next one ('"..." KCNA said.' reports the sentence before)."""
    if not _parsed(doc):
        return []
    own, after = _sentence_pair(doc, trigger.i)
    i = trigger.i
    return own + [f for f in after if i in f.scope]


def _sentence_pair(doc, i: int) -> tuple:
    """(frames of the sentence holding token `i`, frames of the sentence after it): looked up once per sentence
    while the events stage reads the document, for all its triggers."""
    sent = sentence_at(doc, i)
    return memoised(doc, ("attribution.pair", sent.start), lambda: _pair(doc, sent))


def _pair(doc, sent) -> tuple:
    after = frames(doc, sentence_at(doc, sent.end)) if sent.end < len(doc) and _reached_back(doc, sent) else []
    return frames(doc, sent), after


def _reached_back(doc, sent) -> bool:
    """Whether a frame of the next sentence can cover words of this one: only a reporting clause right after
    a closing quotation mark (`_quote_before`) or a dash label after a quotation (`_dash_frame`) reaches
    back; a parse does not cross sentences. Else the next sentence's frames are not read for this one."""
    lower = tree(doc).lower  # (space tokens' lower-case form is themselves; marks have no capitals)
    last = next((k for k in range(sent.end - 1, sent.start - 1, -1) if not lower[k].isspace()), None)
    if last is not None and lower[last] in _QUOTES:
        return True
    dashes = _set("reporting", "label_dashes")
    return any(lower[k] in dashes for k in range(sent.end, sentence_at(doc, sent.end).end))


def attribute(doc, trigger) -> tuple[Optional[model.Attribution], str, Optional[model.Span]]:
    """(attribution, certainty, hedge span) of the event whose trigger is the token `trigger`."""
    frame = _covering(doc, trigger, _nearby_frames(doc, trigger))
    if frame is None and _parsed(doc) and not _in_cue(doc, trigger):
        carried = memoised(doc, ("attribution.carried", sentence_of(trigger).start), lambda: _carried(doc, trigger))
        frame = carried or _announced(doc, trigger)
    attribution = _attribution(doc, frame) if frame is not None else None
    hedged = hedge(doc, trigger) or (_source_hedge(doc, frame) if frame is not None else None)
    if hedged is not None:
        return attribution, "hedged", hedged
    if attribution is not None:
        return attribution, "attributed", None
    return None, "asserted", None


def _attribution(doc, frame: Frame) -> model.Attribution:
    """`to_attribution`, read once per frame while the events stage reads the document (each event gets
    its own copy)."""
    if memo(doc) is None:
        return to_attribution(doc, frame)
    key = ("attribution.of", frame.cue_start, frame.cue_end, frame.source_start, frame.source_end)
    found = memoised(doc, key, lambda: to_attribution(doc, frame))
    source = copied(found.source, orgs=list(found.source.orgs)) if found.source is not None else None
    return model.Attribution(source=source, cue=copied(found.cue) if found.cue is not None else None)


def announcements(doc) -> list[Frame]:
    """ "A spokesman ... issued the following press statement:", "The following is the KCNA commentary": what
    follows, to the end of the article, is the announcer's account."""
    if not _parsed(doc):
        return []
    cache = _doc_cache(doc)
    if "announcements" not in cache:
        # only a sentence with an announcement noun ("statement", "commentary") can hold one
        nouns = _set("reporting", "announcement_nouns")
        held = {sentence_at(doc, i).start for i, lemma in enumerate(doc_words(doc).lemma) if lemma in nouns}
        found = (_announcement(doc, sent) for sent in sentences(doc) if sent.start in held)
        cache["announcements"] = [f for f in found if f is not None]
    return cache["announcements"]


def _announcement(doc, sent) -> Optional[Frame]:
    nouns = _set("reporting", "announcement_nouns")
    objects: dict = {}  # head index -> its first announcement-noun object; read in one pass over the sentence
    lemmas = doc_words(doc).lemma
    for c in (doc[i] for i in range(sent.start, sent.end) if lemmas[i] in nouns):
        if c.dep_ in ("dobj", "attr") and sent.start <= c.head.i < sent.end:
            objects.setdefault(c.head.i, c)
    for head in sorted(objects):
        tok, obj = doc[head], objects[head]
        colon = _line_end_colon(doc, tok)
        following = any(c.lower_ == "following" for c in obj.children) or colon is not None
        subject = next((c for c in tok.children if c.dep_ == "nsubj"), None)
        if tok.lemma_.lower() in _set("reporting", "announcement_verbs") and following and subject is not None:
            source = subject
        elif tok.lemma_ == "be" and subject is not None and subject.lower_ == "following":
            source = obj  # "The following is the KCNA commentary titled ..."
        else:
            continue
        cue_start = subject.left_edge.i if source is obj else tok.i  # the cue "The following is"
        src = [t for t in _source_tokens(source, tok) if not any(a.dep_ == "acl" and t in a.subtree
                                                                  for a in source.children)]
        src = _trim_punct(src) or [source]
        start = colon.i + 1 if colon is not None else sent.end
        return Frame(cue_start=cue_start, cue_end=tok.i + 1, source_start=src[0].i, source_end=src[-1].i + 1,
                     scope=frozenset(range(start, len(doc))), kind="announcement")
    return None


def _line_end_colon(doc, tok):
    """The colon that ends the token's line ("... issued the following statement:\n"), or None. The parser
    often runs the sentence on past it, so the account starts there, not at the sentence's end."""
    for t in doc[tok.i + 1:]:
        if t.text == ":" and ("\n" in t.whitespace_ or (t.i + 1 < len(doc) and "\n" in doc[t.i + 1].text)):
            return t
        if "\n" in t.text_with_ws:
            return None
    return None


def _announced(doc, trigger) -> Optional[Frame]:
    before = [f for f in announcements(doc) if trigger.i in f.scope]
    return before[-1] if before else None


def _in_cue(doc, trigger) -> bool:
    i = trigger.i
    return any(f.cue_start <= i < f.cue_end or (f.source_start is not None and f.source_start <= i < f.source_end)
               for f in _sentence_pair(doc, i)[0])


def _source_hedge(doc, frame: Frame) -> Optional[model.Span]:
    if frame.source_start is None:
        return None
    hedges, lower = _set("hedges", "source_words"), tree(doc).lower
    words = [i for i in range(frame.source_start, frame.source_end) if lower[i] in hedges]
    return _span_at(doc, words) if words else None


def to_attribution(doc, frame: Frame) -> model.Attribution:
    cue = span_record(doc, frame.cue_start, frame.cue_end)
    source = None
    if frame.source_start is not None:
        span = token_span(doc, frame.source_start, frame.source_end)
        source = participant(doc, span)
        if span.root.lower_ in _set("reporting", "pronouns"):
            _fill_from_antecedent(doc, frame, source)
    return model.Attribution(source=source, cue=cue)


def participant(doc, span) -> model.Participant:
    """A source phrase as a participant: actor fields from the entity at its head, place from a place inside,
    organisations from the organisations inside ("a spokesman for the Foreign Ministry")."""
    head = span.root
    if doc.has_extension("entities"):
        idx = head.idx
        at_head = next((e for e in entities(doc) if e.start <= idx < e.end), None)
        inside = [e for e in _entities_in(doc, span.start_char, span.end_char) if e is not at_head]
    else:
        at_head, inside = None, []
    # "a source in Beijing"; a nationality ("a North Korean official") is no place.
    places = [e.place or model.Place(text=e.text) for e in inside if e.label in ("GPE", "LOC", "FAC")]
    orgs = [e for e in inside if e.place is None and e.label == "ORG"]
    # "a North Korean official", "a spokesman for KCNA": an unnamed source takes its country from these
    affiliations = [e for e in inside if e.actor is not None and e.actor.country and e.label in ("ORG", "NORP")]
    out = model.Participant(text=text_of(span), start=span.start_char, end=span.end_char,
                            place=places[0] if places else None,
                            orgs=list(dict.fromkeys(e.actor.name if e.actor else e.text for e in orgs)))
    actor = at_head.actor if at_head is not None else None
    if actor is not None:
        out.actor_id, out.name, out.kind = actor.actor_id, actor.name, actor.kind
        out.country, out.role = actor.country, actor.role
    else:
        out.country = affiliations[0].actor.country if affiliations else None
    return out


def _sources_before(doc, cue: int, most: int) -> list[Frame]:
    """The last `most` frames of `frames(doc)` with a source that ends and a cue that starts before token
    `cue`, nearest first: the sentences are read backwards from the cue's, only as far as needed."""
    out: list[Frame] = []
    sents = sentences(doc)
    last = bisect_right([s.start for s in sents], cue)  # (a frame of a later sentence starts after the cue)
    for sent in reversed(sents[:last]):
        for f in reversed(_sentence_frames(doc, sent.start, sent.end)):
            if f.source_start is not None and f.source_end <= cue and f.cue_start < cue:
                out.append(f)
                if len(out) == most:
                    return out
    return out


def _fill_from_antecedent(doc, frame: Frame, source: model.Participant) -> None:
    """ "He said ...": take the actor of the last named source before this one."""
    for f in _sources_before(doc, frame.cue_start, 5):
        span = token_span(doc, f.source_start, f.source_end)
        if span.root.lower_ in _set("reporting", "pronouns"):
            continue
        earlier = participant(doc, span)
        for key in ("actor_id", "name", "kind", "country", "role", "place"):
            setattr(source, key, getattr(earlier, key))
        source.orgs = list(earlier.orgs)
        return

