"""Arguments of an event read off the dependency parse: actor, target, places, date, quantities.

Helpers of `dateline.events`. Each function takes the trigger token (and its lexicon entry) and looks only at
the trigger's clause: a date, place or amount elsewhere in the sentence belongs to another clause (the
"said Thursday" of the reporting verb is not the date of the defection it reports).
"""
from __future__ import annotations

import importlib
import threading
from bisect import bisect_left, bisect_right
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from typing import Optional

from . import model
from .events import _temporal_at, cameo_root, lexicon, match_at
from .nlp import arrays, sentence_of, sentences, text as doc_text

NOUN_PLACES = {"pobj", "dobj", "nsubj", "nsubjpass", "compound", "poss", "attr", "appos", "npadvmod", "amod"}
DASHES = {"--", "\u2014", "\u2013", "-"}
RELATIVE_PRONOUNS = {"who", "which", "that", "whom", "whose"}
PRONOUNS = {"he", "she", "it", "they", "him", "her", "them", "we", "i", "you"}
ANAPHORIC_DETS = {"that", "this", "the", "these", "those"}
# Links that open a clause about something else: a date or amount under them is not the event's.
OTHER_CLAUSE = {"relcl", "acl", "appos", "ccomp", "parataxis", "advcl", "csubj"}
# Links along which a clause inherits the subject of the word above it.
SUBJECT_LINKS = {"conj", "xcomp", "advcl"}
ORG_LABELS = {"ORG", "NORP"}
ORG_KINDS = {"organization", "organisation", "government", "military", "party", "company", "bank", "media",
             "igo", "ngo", "agency", "rebel", "group"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
ORIGIN_PREPS = {"from", "out"}
DESTINATION_PREPS = {"to", "into", "toward", "towards"}
LOCATION_PREPS = {"in", "at", "near", "inside", "outside", "off", "across", "within", "around", "throughout"}
DESTINATION_TYPES = {"DEFECT", "MOBILIZE", "RETREAT", "CONSULT", "AID", "COERCE"}
OF_TARGET_TYPES = {"ASSAULT", "COERCE", "RETREAT", "ACCUSE", "SANCTION", "DEFECT"}
ON_TARGET_TYPES = {"ASSAULT", "ACCUSE", "SANCTION", "COERCE", "THREATEN", "PROTEST"}
WITH_TARGET_TYPES = {"CONSULT", "COOPERATE", "AGREE", "ASSAULT"}
TO_TARGET_TYPES = {"COOPERATE", "AID", "REQUEST", "SUPPORT", "RETREAT", "CONCEDE"}
WORK_VERBS = {"work", "serve"}
ASKING_TYPES = {"REQUEST": "planned", "AGREE": "planned", "THREATEN": "threatened"}
COMMANDS = {"order", "direct", "instruct"}  # an authority's order is carried out, not merely asked for
ASKED_LINKS = {"dobj", "xcomp", "ccomp", "pcomp", "pobj", "prep", "conj"}
MEMBER_PREPS = {"of", "with", "under", "for", "at", "in"}
NOT_ORG_TYPES = {"GPE", "LOC", "PERSON", "DATE", "TIME", "NORP", "FAC", "CARDINAL", "ORDINAL", "MONEY"}
CONTINUATION_VERBS = {"flee", "escape", "leave", "run", "go", "come", "arrive", "return", "disappear", "vanish"}
TAKE_VERBS = {"take", "carry", "steal", "embezzle", "grab", "smuggle", "bring", "pocket", "loot", "siphon"}
CONTROL_VERBS = {"prompt", "force", "compel", "oblige", "order", "ask", "urge", "lead", "leave", "cause", "push",
                 "instruct", "direct", "tell", "drive", "provoke", "allow", "permit", "enable"}
CASUALTY_VERBS = {"die", "kill", "injure", "wound", "hurt", "perish", "succumb", "maim"}
BACK_SUBJECTS = {"some", "many", "several", "most", "others", "they", "he", "she", "both", "few", "all",
                 "one", "two", "three", "none"}


@lru_cache(maxsize=None)
def _module(name: str):
    """A sibling stage module when it is installed, else None (stages land independently; looked up once)."""
    try:
        return importlib.import_module(f"dateline.{name}")
    except ImportError:
        return None


# ---------------------------------------------------------------- per-document memo


# While `events.extract` reads one document, the lookups its triggers share (the document's entities, the
# token ranges of its dates and amounts, dateline sentences, resolved anaphors) are kept here instead of being
# redone for each trigger. Only inside `reading(doc)`: a call outside it reads everything afresh, so a caller
# that changes a document between calls never sees stale results. Off `doc.user_data`, so Docs still serialise.
class _Memo(threading.local):
    entry: Optional[tuple] = None  # (doc, {key: value}) in each thread, None outside `reading`


_MEMO = _Memo()
_MISSING = object()


@contextmanager
def reading(doc):
    """Share per-document lookups among the calls made inside this block (the document must not change)."""
    outer = _MEMO.entry
    _MEMO.entry = (doc, {})
    try:
        yield
    finally:
        _MEMO.entry = outer


def memo(doc) -> Optional[dict]:
    """The memo of the document being read by `reading`, or None outside it."""
    entry = _MEMO.entry
    return entry[1] if entry is not None and entry[0] is doc else None


def memoised(doc, key, compute):
    """compute() once per `reading` block (and every time outside one)."""
    entry = _MEMO.entry
    if entry is None or entry[0] is not doc:
        return compute()
    value = entry[1].get(key, _MISSING)
    if value is _MISSING:
        value = entry[1][key] = compute()
    return value


def entities(doc) -> list:
    return memoised(doc, "entities", lambda: doc._.entities or [])


def text_of(span) -> str:
    """A span's text. spaCy joins it from the span's tokens on every access; while the events stage reads
    the document it is cut from the document's text, joined once (a Doc's text is its tokens' texts with
    their trailing whitespace, so the cut is the same string)."""
    doc = span.doc
    if memo(doc) is None or not len(span):
        return span.text
    return doc_text(doc)[span.start_char:span.end_char]


def span_record(doc, start: int, end: int) -> model.Span:
    """The span of tokens [start, end) (not empty) as a record, its offsets and text read from the document's
    arrays and text: no spaCy Span is made."""
    idx, length = arrays(doc, ("IDX", "LENGTH"))
    first, last = idx[start], idx[end - 1] + length[end - 1]
    return model.Span(text=doc_text(doc)[first:last], start=first, end=last)


# Strings by hash, shared by every Doc (a hash always names the same string): the StringStore decodes a
# string anew on each lookup, which costs more per word than everything else the stage does with it.
# Replaced by an empty table when it grows too large (a reader holding the old one is not disturbed).
# Labels (dependency labels, tags, entity types) are a closed set: their table stays small.
_NAMES: dict = {"orth": {}, "lemma": {}, "label": {}}
MAX_NAMES = 200_000

# The token columns the rules read, under the key coreference reads them with (`nlp.arrays` keeps them for
# the Doc): read from the Doc once for both stages.
COLUMNS = ("LOWER", "LEMMA", "POS", "TAG", "DEP", "ENT_TYPE")


def _decoded(doc, hashes: list, kind: str) -> list:
    """The strings of `hashes` (lower-cased for lemmas), in order."""
    table = _NAMES[kind]
    try:
        return _looked_up(table, hashes)  # mostly every string is known
    except KeyError:
        pass
    missing = set(hashes).difference(table)
    if missing:
        if len(table) + len(missing) > MAX_NAMES:
            table = _NAMES[kind] = {}
            missing = set(hashes)
        strings = doc.vocab.strings
        if kind == "lemma":
            table.update((h, strings[h].lower()) for h in missing)
        else:
            table.update((h, strings[h]) for h in missing)
    return _looked_up(table, hashes)


def _looked_up(table: dict, keys: list) -> list:
    """[table[k] for k in keys]: an itemgetter looks them up in C, three times as fast as a map over the
    table's bound __getitem__ (it returns a bare value for one key)."""
    if len(keys) > 1:
        return list(itemgetter(*keys)(table))
    return [table[k] for k in keys]


class Words:
    """The lower-case form and lower-case lemma of every token of a Doc, as plain lists (a word's string is
    decoded once, however often it occurs)."""

    tree = None  # the parse as lists (a `Tree`), read on the first `tree(doc)`

    def __init__(self, doc):
        if not len(doc):
            self.lower, self.lemma = [], []
            return
        lowers, lemmas = arrays(doc, COLUMNS)[:2]
        self.lower = _decoded(doc, lowers, "orth")  # a lower-case form is an orth string of its own
        self.lemma = _decoded(doc, lemmas, "lemma")


class Tree:
    """A Doc's dependency parse as plain lists by token index: head index, dependency label, coarse and fine
    tag, entity label, children (in text order, as `Token.children` gives them), with the words' lower-case
    forms and lemmas. The rules walk the parse through these: a spaCy Token made for each step, and each
    label decoded by the StringStore on each `.dep_`, cost more than the rule's own test."""

    __slots__ = ("head", "dep", "pos", "tag", "ent", "kids", "lower", "lemma")

    def __init__(self, doc, found: Words):
        from .nlp import heads

        self.lower, self.lemma = found.lower, found.lemma
        n = len(doc)
        if not n:
            self.head, self.dep, self.pos, self.tag, self.ent, self.kids = [], [], [], [], [], []
            return
        self.head = heads(doc)
        _, _, pos, tag, dep, ent = arrays(doc, COLUMNS)
        self.dep, self.pos, self.tag, self.ent = (_decoded(doc, col, "label") for col in (dep, pos, tag, ent))
        self.kids = kids = [()] * n  # a leaf shares the empty tuple: most words have no children
        for i, h in enumerate(self.head):
            if h != i:
                if kids[h]:
                    kids[h].append(i)
                else:
                    kids[h] = [i]


_WORDS = threading.local()


def words(doc) -> Words:
    """The Doc's words, read from its token array in one go: the stages test words against their lists for
    every token, and a spaCy Token made for each test costs more than the test. Kept for the last Doc seen
    in this thread (a parse does not change after the parser)."""
    entry = getattr(_WORDS, "entry", None)
    if entry is None or entry[0] is not doc or entry[1] != len(doc):
        entry = _WORDS.entry = (doc, len(doc), Words(doc))
    return entry[2]


def tree(doc) -> Tree:
    """The Doc's parse as lists (see `Tree`), read once for the Doc `words` keeps."""
    entry = getattr(_WORDS, "entry", None)  # (the rules ask for it many times per event: `words` inlined)
    if entry is not None and entry[0] is doc and entry[2].tree is not None and entry[1] == len(doc):
        return entry[2].tree
    found = words(doc)
    if found.tree is None:
        found.tree = Tree(doc, found)
    return found.tree


# ---------------------------------------------------------------- which tokens report events


def _passive_at(t, i: int) -> bool:
    dep = t.dep
    return any(dep[c] in ("auxpass", "nsubjpass") for c in t.kids[i]) or (
        t.tag[i] == "VBN" and dep[i] in ("acl", "amod"))


def governing_verb(tok):
    """The verb a noun trigger hangs on, through prepositions ("supervised the sinking")."""
    found = _governing_at(tree(tok.doc), tok.i)
    return tok.doc[found] if found is not None else None


def _governing_at(t, i: int) -> Optional[int]:
    head, dep, pos = t.head[i], t.dep[i], t.pos
    if dep in ("dobj", "attr", "nsubjpass", "oprd", "nsubj") and pos[head] in ("VERB", "AUX"):
        return head
    if dep == "pobj" and t.dep[head] in ("prep", "agent") and pos[t.head[head]] == "VERB":
        return t.head[head]
    return None


def reports_event(tok, entry, lex) -> bool:
    """Whether a token that matched a lexicon entry reports an event here (not a mention of a kind)."""
    return reports_event_at(tree(tok.doc), tok.i, entry, lex)


def reports_event_at(t, i: int, entry, lex) -> bool:
    """`reports_event` for the token at index `i` of the parse `t` (a `Tree`)."""
    if entry.pos == "verb":
        return _verb_reports(t, i, lex)
    return _noun_reports(t, i, entry, lex)


def _verb_reports(t, i: int, lex) -> bool:
    dep, kids = t.dep, t.kids[i]
    # "has been blamed for X" with nobody blaming: the article hedges X, nobody accuses anyone.
    if t.lemma[i] in lex.hedge_passives and _passive_at(t, i) and not any(dep[c] == "agent" for c in kids):
        return False
    # "the opportunity to defect", "a plan to withdraw": a noun's infinitive is a possibility, not an event.
    if dep[i] == "acl" and t.pos[t.head[i]] in ("NOUN", "PROPN") and any(
            dep[c] == "aux" and t.lower[c] == "to" for c in kids):
        return False
    # A word tagged as a verb in a noun's place ("rocket launcher shells") is a tagging slip.
    if dep[i] in NOUN_PLACES and t.tag[i] != "VBG":
        return False
    return dep[i] not in ("amod", "compound")


def _noun_reports(t, i: int, entry, lex) -> bool:
    dep, head = t.dep, t.head
    if dep[i] in ("compound", "amod", "nmod") and t.pos[head[i]] in ("NOUN", "PROPN"):
        return False
    if _casualty_cause(t, i):
        return True
    if dep[i] == "conj" and t.pos[head[i]] in ("NOUN", "PROPN"):
        i = _first_conjunct(t, i)  # "rioting and police firing left two dead": the pair stands where the first does
    verb = _governing_at(t, i)
    if verb is not None and t.lemma[verb] in lex.light_verbs and dep[i] in ("dobj", "attr", "nsubjpass"):
        return True
    if verb is not None and t.lemma[verb] == "be":
        return False
    kids = {dep[c] for c in t.kids[i]} | {t.lower[c] for c in t.kids[i] if dep[c] == "prep"}
    if t.tag[i] in ("NNS", "NNPS") and t.lemma[i] not in ("talk", "negotiation", "sanction", "consultation"):
        # A bare plural names a kind ("such defections"); with its own argument or verb it reports events
        # ("the arrests made by the police").
        return bool(kids & {"poss", "of"}) or _made_by_someone(t, i)
    if entry.extras or kids & {"poss", "of", "by", "on", "against", "with", "between"}:
        return True
    return dep[i] in ("nsubj", "nsubjpass") and verb is not None


def _made_by_someone(t, i: int) -> bool:
    dep = t.dep
    return any(dep[c] == "acl" and t.tag[c] == "VBN" and t.lemma[c] in ("make", "carry", "conduct")
               and any(dep[g] == "agent" for g in t.kids[c]) for c in t.kids[i])


def _first_conjunct(t, i: int) -> int:
    while t.dep[i] == "conj" and t.head[i] != i:
        i = t.head[i]
    return i


def _casualty_cause(t, i: int) -> bool:
    """"died in the clash", "injured in police firing": what people die or are hurt in is an event."""
    prep = t.head[i]
    return t.dep[i] == "pobj" and t.lower[prep] in ("in", "during") and t.lemma[t.head[prep]] in CASUALTY_VERBS


# ---------------------------------------------------------------- participants


def noun_phrase(tok):
    """The words of the noun phrase headed by tok, without its relative clauses and appositions."""
    return _phrase(tok.doc, tok.i)


def _phrase(doc, i: int):
    """`noun_phrase` of the token at index `i` (its Token is made only when the phrase is first read)."""
    found = memo(doc)
    if found is None:
        return _noun_phrase(doc, i)
    key = ("noun_phrase", i)
    span = found.get(key)  # (the memo's lookups inlined: asked several times per event)
    if span is None:
        span = found[key] = _noun_phrase(doc, i)
    return span


def _noun_phrase(doc, i: int):
    t = tree(doc)
    dep = t.dep
    end = i
    for child in t.kids[i]:
        if child < i:  # (the words after the head only)
            continue
        if dep[child] in ("relcl", "acl", "appos", "punct", "cc", "conj", "advcl"):
            break
        end = _clause_free_end(doc, t, child)
        if end < doc[child].right_edge.i:
            break
    start = doc[i].left_edge.i
    while start < i and dep[start] in ("punct", "cc"):
        start += 1
    return token_span(doc, start, end + 1)


def token_span(doc, start: int, end: int):
    """`doc[start:end]` for indices in range: the slice's checks (in Python) cost twice the Span."""
    return _span_type()(doc, start, end)


@lru_cache(maxsize=1)
def _span_type():
    from spacy.tokens import Span

    return Span


def _clause_free_end(doc, t, node: int) -> int:
    """The last token of node's subtree before any relative clause or apposition inside it."""
    dep = t.dep
    cut = [d for d in _subtree(t, node) if dep[d] in ("relcl", "acl", "appos") and d != node]
    if not cut:
        return doc[node].right_edge.i
    end = min(doc[d].left_edge.i for d in cut) - 1
    while end > node and dep[end] in ("punct", "cc"):
        end -= 1
    return end


def _subject(tok, depth: int = 0):
    found = _subject_at(tree(tok.doc), tok.i, depth)
    return tok.doc[found] if found is not None else None


# Roles are read from the document's parse lists by token index (`Tree`); the functions that take a Token
# wrap them for the rules that still walk Tokens.


def _subject_at(t, i: int, depth: int = 0) -> Optional[int]:
    dep = t.dep
    subjects = [c for c in t.kids[i] if dep[c] in ("nsubj", "csubj", "expl")]
    if subjects:
        # "Pyongyang, October 9 (KCNA) -- The Academy conducted": the subject nearest the verb.
        before = [c for c in subjects if c < i]
        subj = before[-1] if before else subjects[0]
        return subj if dep[subj] != "expl" else None
    # The parser sometimes hangs the subject on an auxiliary ("It was later became ...").
    for child in t.kids[i]:
        if dep[child] in ("aux", "auxpass") and depth == 0:
            found = _subject_at(t, child, 1)
            if found is not None:
                return found
    return None


def _relative_head(doc, t, i: int) -> int:
    """For a relative pronoun, the noun its clause describes."""
    clause = t.head[i]
    if t.lower[i] in RELATIVE_PRONOUNS and t.dep[clause] == "relcl":
        return _person_head(doc, t, t.head[clause]) if t.lower[i] in ("who", "whom") else t.head[clause]
    return i


def _person_head(doc, t, noun: int) -> int:
    """"one official with Room 39 who defected": "who" is the official, though the parser hangs the
    clause on the organisation."""
    above = t.head[t.head[noun]]
    if t.dep[noun] != "pobj" or t.pos[above] not in ("NOUN", "PRON"):
        return noun
    idx, length = arrays(doc, ("IDX", "LENGTH"))
    ent = _entity_at(doc, idx[noun], idx[noun] + length[noun])
    label = t.ent[noun]
    named = label in ("ORG", "GPE", "FAC", "LOC") or (t.pos[noun] == "PROPN" and label != "PERSON") or (
        ent is not None and (ent.label in ORG_LABELS | PLACE_LABELS or ent.place is not None or
                             (ent.actor is not None and _is_org(ent))))
    return above if named else noun


def _passive_subject_at(t, i: int) -> Optional[int]:
    return next((c for c in t.kids[i] if t.dep[c] == "nsubjpass"), None)


def _acting_subject(doc, t, node: int, lex) -> Optional[int]:
    """Who does what the verb at `node` says: its subject, or the subject it inherits up the tree."""
    dep, head = t.dep, t.head
    for _ in range(5):
        subj = _subject_at(t, node)
        if subj is not None:
            return _relative_head(doc, t, subj)
        if dep[node] == "relcl" and not _passive_at(t, node):
            return _person_head(doc, t, head[node])
        if dep[node] == "xcomp" or (dep[node] == "advcl" and t.lemma[head[node]] in CONTROL_VERBS):
            # Object control: "forcing the police to open fire" - the police open fire (the parser may
            # call the infinitive an adverbial clause: "prompting the personnel to open fire").
            obj = next((c for c in t.kids[head[node]] if dep[c] == "dobj"), None)
            if obj is not None:
                return _relative_head(doc, t, obj)
        if dep[node] in SUBJECT_LINKS and t.pos[head[node]] in ("VERB", "AUX"):
            node = head[node]
            if _passive_at(t, node):
                # "X has been blamed for blowing up": the one blamed is the one who blew up.
                return _inherited_subject(doc, t, node)
            continue
        if dep[node] == "pcomp" and dep[head[node]] == "prep" and t.pos[head[head[node]]] == "VERB":
            node = head[head[node]]
            if _passive_at(t, node) and t.lemma[node] in lex.hedge_passives:
                return _inherited_subject(doc, t, node)
            continue
        return None
    return None


def _inherited_subject(doc, t, node: int) -> Optional[int]:
    """The subject of a passive verb that a clause below it takes over, or the first conjunct's."""
    subj = _passive_subject_at(t, node)
    if subj is None:
        subj = _subject_at(t, node)
    if subj is None and t.dep[node] == "conj":
        subj = _subject_at(t, t.head[node])
        if subj is None:
            subj = _passive_subject_at(t, t.head[node])
    return _relative_head(doc, t, subj) if subj is not None else None


def _pobj_at(t, prep: int) -> Optional[int]:
    return next((c for c in t.kids[prep] if t.dep[c] in ("pobj", "pcomp")), None)


def _prep_objects_at(t, i: int, words) -> list:
    out = []
    dep = t.dep
    for child in t.kids[i]:
        if dep[child] in ("prep", "agent", "dative") and t.lower[child] in words and not _temporal_at(t, child):
            obj = _pobj_at(t, child)
            if obj is not None:
                out.append(obj)
    return out


def _agent_at(t, i: int) -> Optional[int]:
    for child in t.kids[i]:
        if t.dep[child] == "agent":
            return _pobj_at(t, child)
    return None


def _object_at(t, i: int, entry) -> Optional[int]:
    near = set().union(*entry.extras) if entry.extras else set()
    for child in t.kids[i]:
        if t.dep[child] in ("dobj", "dative") and t.lemma[child] not in near and t.lower[child] not in near:
            return child
    return None


def verb_roles(tok, entry, lex):
    """(actor token, target token) of a verb trigger."""
    doc = tok.doc
    return _tokens(doc, _verb_roles(doc, tree(doc), tok.i, entry, lex))


def _tokens(doc, ids: tuple) -> tuple:
    return tuple(doc[i] if i is not None else None for i in ids)


def _verb_roles(doc, t, i: int, entry, lex) -> tuple:
    if _passive_at(t, i):
        target = _passive_subject_at(t, i)
        if target is None and t.dep[i] in ("acl", "relcl"):
            target = t.head[i]
        return _agent_at(t, i), (_relative_head(doc, t, target) if target is not None else None)
    actor = _acting_subject(doc, t, i, lex)
    target = _object_at(t, i, entry)
    if target is None:
        target = _first(_prep_objects_at(t, i, _target_preps(entry.type)))
    if target is None:  # "imposed sanctions on Belarus": the pattern's own noun carries the target
        for child in t.kids[i]:
            if t.dep[child] == "dobj" and target is None:
                target = _first(_prep_objects_at(t, child, _target_preps(entry.type)))
    return actor, target


def _target_preps(event_type: str) -> set:
    preps = set()
    if event_type in ON_TARGET_TYPES:
        preps |= {"on", "against", "at", "upon"}
    if event_type in WITH_TARGET_TYPES:
        preps |= {"with"}
    if event_type in TO_TARGET_TYPES:
        preps |= {"to"}
    return preps


def _first(items):
    return items[0] if items else None


def noun_roles(tok, entry, lex):
    """(actor token, target token) of a noun trigger ("Russia's attack on X", "the sinking of Y")."""
    doc = tok.doc
    return _tokens(doc, _noun_roles(doc, tree(doc), tok.i, entry, lex))


def _noun_roles(doc, t, i: int, entry, lex) -> tuple:
    actor = None
    dep = t.dep
    for child in t.kids[i]:
        if dep[child] == "poss":
            actor = child
        elif dep[child] == "compound" and (t.ent[child] in ORG_LABELS | {"GPE"} | {"PERSON"} or
                                           t.lemma[child] in lex.agent_nouns):
            actor = child
    if actor is None:
        actor = _first(_prep_objects_at(t, i, {"by"}))
    verb = _governing_at(t, i)
    # "conducted a test-fire": the light verb's subject acts; "condemned the attack": it does not.
    if actor is None and verb is not None and dep[i] in ("dobj", "attr") and t.lemma[verb] in lex.light_verbs:
        actor = _acting_subject(doc, t, verb, lex)
    target = None
    if entry.type in OF_TARGET_TYPES:
        target = _first(_prep_objects_at(t, i, {"of"}))
    if target is None:
        target = _first(_prep_objects_at(t, i, _target_preps(entry.type) - {"to"}))
    if verb is not None and target is None and entry.type in TO_TARGET_TYPES:
        target = _first(_prep_objects_at(t, verb, {"to"}))
    return actor, target


def _entities_in(doc, start: int, end: int) -> list:
    """The entities inside the character range (callers do not change the list they get)."""
    kept = memo(doc)
    if kept is None:
        return [e for e in entities(doc) if e.start >= start and e.end <= end]
    key = ("entities_in", start, end)
    inside = kept.get(key)
    if inside is None:
        inside = kept[key] = _inside(kept, doc, start, end)
    return inside


def _inside(kept: dict, doc, start: int, end: int) -> list:
    # While the document is read, only the entities that start in the range are looked at, in their order.
    by_start = kept.get("entities.by_start")
    if by_start is None:
        by_start = kept["entities.by_start"] = _by_start(entities(doc))
    starts, order, found = by_start
    at = order[bisect_left(starts, start):bisect_right(starts, end)]
    if len(at) > 1:
        at.sort()
    return [found[k] for k in at if found[k].end <= end]


def _by_start(found: list) -> tuple:
    """(entity starts in increasing order, the entities' positions in that order, the entities)."""
    order = sorted(range(len(found)), key=lambda k: found[k].start)
    return [found[k].start for k in order], order, found


def _entity_at(doc, start: int, end: int):
    for e in entities(doc):
        if e.start < end and start < e.end:
            return e
    return None


def _is_org(ent) -> bool:
    if ent.actor is not None:
        return (ent.actor.kind or "").lower() in ORG_KINDS
    return ent.label == "ORG"


def _orgs_of(doc, span, head_tok) -> list:
    t = tree(doc)
    head = head_tok.i
    orgs = [e for e in _entities_in(doc, span.start_char, span.end_char) if _is_org(e)]
    verb = t.head[head] if t.dep[head] in ("nsubj", "nsubjpass") else None
    if verb is not None and t.lemma[verb] in WORK_VERBS:
        for obj in _prep_objects_at(t, verb, {"for", "in", "at", "with", "under"}):
            phrase = _phrase(doc, obj)
            orgs += [e for e in _entities_in(doc, phrase.start_char, phrase.end_char) if _is_org(e)]
    # "Among dozens of officials ... are senior staff of Room 39": the copula's subject names them.
    top = head
    while t.dep[top] == "pobj" and t.lower[t.head[top]] == "of" and t.pos[t.head[t.head[top]]] in ("NOUN", "NUM", "PRON"):
        top = t.head[t.head[top]]
    prep = t.head[top]
    if t.dep[top] == "pobj" and t.lower[prep] == "among" and t.lemma[t.head[prep]] == "be" and \
            doc[t.head[prep]].lemma_ == "be":  # (the lemma as written)
        for child in t.kids[t.head[prep]]:
            if t.dep[child] in ("nsubj", "attr") and child != prep:
                phrase = doc[doc[child].left_edge.i:doc[child].right_edge.i + 1]
                orgs += [e for e in _entities_in(doc, phrase.start_char, phrase.end_char) if _is_org(e)]
    # The participant itself is not one of its own organisations.
    idx = head_tok.idx
    orgs = [e for e in orgs if not (e.start <= idx < e.end)]
    names = list(dict.fromkeys(e.actor.name if e.actor is not None and e.actor.name else e.text for e in orgs))
    names += [n for n in _unresolved_orgs(doc, t, head, orgs) if n not in names]
    return names, orgs


def _unresolved_orgs(doc, t, head: int, known, preps=MEMBER_PREPS) -> list:
    """Proper names the phrase places its head in that no stage resolved ("an official with Room 39"):
    kept by their words, so a membership is not lost when the actor lexicon lacks the body."""
    out = []
    pos, dep = t.pos, t.dep
    for obj in _prep_objects_at(t, head, preps):
        if pos[obj] != "PROPN" or t.ent[obj] in NOT_ORG_TYPES:
            continue
        words = [i for i in _subtree(t, obj) if pos[i] in ("PROPN", "NUM") and dep[i] != "poss" and
                 not any(dep[c] == "case" for c in t.kids[i])]
        if not words:
            continue
        idx = arrays(doc, ("IDX", "LENGTH"))[0][obj]
        if any(e.start <= idx < e.end for e in known) or _entity_at(doc, idx, idx + 1) is not None \
                and _entity_at(doc, idx, idx + 1).place is not None:
            continue
        start, end = min(words), max(words)
        if end - start + 1 == len(words):
            out.append(span_record(doc, start, end + 1).text)
    return out


def _subtree(t, i: int) -> list:
    """Indices of the token at `i` and all its descendants (in no particular order)."""
    out = [i]
    for node in out:  # (grows while read)
        out.extend(t.kids[node])
    return out


def _antecedent(doc, tok):
    """The earlier mention a pronoun or "that official" refers to, when the actors stage knows it."""
    coref = _module("coref")
    fn = getattr(coref, "antecedent", None) if coref else None
    if fn is None:
        return None
    try:
        found = fn(doc, noun_phrase(tok))
    except (ValueError, IndexError, AttributeError, TypeError):
        return None
    if found is None:
        return None
    if hasattr(found, "start_char"):
        return found
    if hasattr(found, "start") and hasattr(found, "end"):
        return doc.char_span(found.start, found.end, alignment_mode="expand")
    return None


def _is_anaphor(t, i: int) -> bool:
    if t.lower[i] in PRONOUNS:
        return True
    return t.pos[i] == "NOUN" and any(t.dep[c] == "det" and t.lower[c] in ANAPHORIC_DETS | {"another"}
                                      for c in t.kids[i])


def _describe(doc, span) -> dict:
    """coref's description of the phrase, read once per phrase while the document is read (callers do not
    change the dict they get)."""
    kept = memo(doc)
    if kept is None:
        return _described(doc, span)
    key = ("describe", span.start, span.end)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _described(doc, span)
    return found


def _described(doc, span) -> dict:
    coref = _module("coref")
    fn = getattr(coref, "describe", None) if coref else None
    if fn is None:
        return {}
    try:
        return fn(doc, span) or {}
    except (ValueError, IndexError, AttributeError, TypeError, KeyError):
        return {}


def participant(doc, tok, extra_orgs: tuple = (), extra_names: tuple = ()) -> Optional[model.Participant]:
    """The participant named by the noun phrase that `tok` heads, resolved as far as the stages allow.
    `extra_orgs` are organisation entities the clause places it in ("defected ... under Room 39")."""
    if tok is None:
        return None
    if memo(doc) is None:
        return _participant(doc, tok, extra_orgs, extra_names)
    # Several triggers of a sentence often share an actor: read once, a copy for each event.
    key = ("participant", tok.i, tuple(id(e) for e in extra_orgs), tuple(extra_names))
    kept = memo(doc)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _participant(doc, tok, extra_orgs, extra_names)
    return copied(found, orgs=list(found.orgs))


def copied(record, **changes):
    """A shallow copy of a model record with some fields changed: what `dataclasses.replace` gives for the
    model's records (plain dataclasses, every field set by __init__, no __post_init__), without its
    per-field checks, which cost more than the copy."""
    out = object.__new__(type(record))
    out.__dict__.update(record.__dict__)
    out.__dict__.update(changes)
    return out


def _participant(doc, tok, extra_orgs: tuple, extra_names: tuple) -> model.Participant:
    t = tree(doc)
    span = noun_phrase(tok)
    conjuncts = [c for c in t.kids[tok.i] if t.dep[c] == "conj" and t.pos[c] in ("NOUN", "PROPN")]
    if conjuncts and t.dep[tok.i] in ("nsubj", "nsubjpass"):  # "activists and the police clashed": both act
        span = token_span(doc, span.start, max(_phrase(doc, c).end for c in conjuncts))
    info = dict(_describe(doc, span))
    names, orgs = _orgs_of(doc, span, tok)
    orgs += list(extra_orgs)
    names += [e.actor.name if e.actor is not None and e.actor.name else e.text for e in extra_orgs]
    names += [n for n in extra_names if n not in names]
    if _is_anaphor(t, tok.i):
        ante = _antecedent(doc, tok)
        if ante is not None:
            more = _describe(doc, ante)
            for key in ("actor_id", "name", "kind", "country", "role"):
                if not info.get(key) and more.get(key):
                    info[key] = more[key]
            more_names, more_orgs = _orgs_of(doc, ante, ante.root)
            names += [n for n in (more.get("orgs") or []) + more_names if n not in names]
            orgs += more_orgs
    names = [n for n in (info.get("orgs") or []) if isinstance(n, str)] + names
    names = list(dict.fromkeys(names))
    country = info.get("country") or _country_in(doc, span) or _first(
        [e.actor.country for e in orgs if e.actor is not None and e.actor.country])
    return model.Participant(
        text=text_of(span), actor_id=info.get("actor_id"), name=info.get("name"), kind=info.get("kind"),
        country=country, role=info.get("role"), orgs=names, start=span.start_char, end=span.end_char)


def _country_in(doc, span) -> Optional[str]:
    for e in _entities_in(doc, span.start_char, span.end_char):
        if e.actor is not None and e.actor.country:
            return e.actor.country
        if e.place is not None and e.place.country:
            return e.place.country
    return None


# ---------------------------------------------------------------- places


def _place_record(doc, t, obj: int, lex) -> Optional[model.EventPlace]:
    phrase = _phrase(doc, obj)
    ents = _entities_in(doc, phrase.start_char, phrase.end_char)
    idx, length = arrays(doc, ("IDX", "LENGTH"))
    head = _entity_at(doc, idx[obj], idx[obj] + length[obj])
    placed = [e for e in ents if e.place is not None]
    if head is not None and (head.place is not None or head.label in PLACE_LABELS):
        rec = head.place or (placed[0].place if placed else None)
        return _event_place(head.text, head.start, head.end, rec, head.place is None)
    if t.lemma[obj] in lex.place_nouns or t.lower[obj] in lex.place_nouns:
        return model.EventPlace(text=phrase.text, start=phrase.start_char, end=phrase.end_char)
    return None


def _event_place(text, start, end, rec, borrowed: bool) -> model.EventPlace:
    if rec is None:
        return model.EventPlace(text=text, start=start, end=end)
    if borrowed:
        # The place inside the phrase ("... Ground in Cholsan County") gives the country only.
        return model.EventPlace(text=text, country=rec.country, start=start, end=end)
    return model.EventPlace(text=text, place_id=rec.place_id, name=rec.name, country=rec.country,
                            feature=rec.feature, lat=rec.lat, lon=rec.lon, start=start, end=end)


def places(doc, tok, entry, lex) -> dict:
    """origin / destination / location of the event, from the prepositions on the trigger's clause."""
    t = tree(doc)
    dep, lower = t.dep, t.lower
    heads = [tok.i]
    verb = _governing_at(t, tok.i) if entry.pos == "noun" else None
    if verb is not None:
        heads.append(verb)
    if entry.pos == "verb" and entry.extras:  # "held talks in Geneva": the pattern's noun carries the place
        words = set().union(*entry.extras)
        heads += [c for c in t.kids[tok.i] if dep[c] == "dobj" and t.lemma[c] in words]
    out: dict = {}
    for head in heads:
        for child in t.kids[head]:
            if dep[child] not in ("prep", "advmod") or dep[child] == "advmod" and lower[child] != "out":
                continue
            obj = _pobj_at(t, child)
            if obj is None:
                continue
            role = _place_role(lower[child], entry.type)
            if role is None or role in out:
                continue
            rec = _place_record(doc, t, obj, lex)
            if rec is not None:
                out[role] = rec
    if "location" not in out:
        found = _nested_location(doc, t, heads, lex)
        if found is not None:
            out["location"] = found
    if entry.type == "CONSULT" and "location" not in out:
        obj = _object_at(t, tok.i, entry)
        if obj is not None and t.ent[obj] in PLACE_LABELS:
            rec = _place_record(doc, t, obj, lex)
            if rec is not None:
                out["location"] = rec
    return out


def _nested_location(doc, t, heads, lex) -> Optional[model.EventPlace]:
    """"launched ... aboard the rocket at the Sohae ground": a place phrase one step down the
    trigger's own prepositional phrases (not inside its subject or object)."""
    dep, lower = t.dep, t.lower
    for head in heads:
        for child in t.kids[head]:
            if dep[child] != "prep" or lower[child] in LOCATION_PREPS | ORIGIN_PREPS | DESTINATION_PREPS:
                continue
            obj = _pobj_at(t, child)
            for inner in (t.kids[obj] if obj is not None else ()):
                if dep[inner] == "prep" and lower[inner] in LOCATION_PREPS and _pobj_at(t, inner) is not None:
                    rec = _place_record(doc, t, _pobj_at(t, inner), lex)
                    if rec is not None:
                        return rec
    return None


def _place_role(prep: str, event_type: str) -> Optional[str]:
    if prep in ORIGIN_PREPS:
        return "origin"
    if prep in DESTINATION_PREPS and event_type in DESTINATION_TYPES:
        return "destination"
    if prep in LOCATION_PREPS:
        return "location"
    return None


# ---------------------------------------------------------------- scope, date, quantities


def scope(tok, entry, others: set) -> set:
    """Token indices of the event's own clause: the trigger's subtree (or its verb's, for a noun), less
    the clauses and other triggers nested in it."""
    doc, i = tok.doc, tok.i
    t = tree(doc)
    dep = t.dep
    root = i
    if entry.pos == "noun":
        verb = _governing_at(t, i)
        if verb is not None and dep[i] in ("dobj", "attr", "nsubjpass"):
            root = verb
    keep = set()
    sent = sentence_of(tok)
    skip = memoised(doc, ("dateline", sent.start), lambda: dateline_tokens(sent))
    stack = [root]
    while stack:
        node = stack.pop()
        if node in skip:
            continue
        keep.add(node)
        for child in t.kids[node]:
            if child in others and child != i:
                continue
            if dep[child] in OTHER_CLAUSE and child != i and not _contains(t, child, i) and \
                    not _same_subject_adjunct(t, child):
                continue
            if root != i and dep[child] in ("nsubj", "nsubjpass") and not _contains(t, child, i):
                continue
            stack.append(child)
    return keep


def dateline_tokens(sent) -> set:
    """Token indices of a wire dateline opening the sentence ("Pyongyang, October 9 (KCNA) --"): its
    place and date are where and when the story was filed, not where or when the event happened."""
    # (dashes, commas and brackets have no capitals: their lower-case form is their text)
    lower = words(sent.doc).lower
    head = range(sent.start, min(sent.start + 16, sent.end))
    if not any(lower[i] in DASHES for i in head):
        return set()
    pos = tree(sent.doc).pos
    for k, i in enumerate(head):
        if lower[i] in DASHES and k >= 2 and pos[head[0]] == "PROPN":
            if any(lower[j] in (",", "(") for j in head[:k]):
                return set(head[:k + 1])
    return set()


def _same_subject_adjunct(t, i: int) -> bool:
    """"absconded ... taking the assets with him": a participle with no subject of its own."""
    return t.dep[i] in ("advcl", "acl") and t.tag[i] == "VBG" and _subject_at(t, i) is None and \
        not any(t.dep[c] == "mark" for c in t.kids[i])


def _contains(t, node: int, i: int) -> bool:
    """Whether the token at `i` is in the subtree of `node` (is it or lies below it)."""
    while i != node:
        if t.head[i] == i:
            return False
        i = t.head[i]
    return True


def _token_ranges(doc, items) -> list:
    """(item, first token, end token) of each item with character offsets that the text has words at."""
    out = []
    for item in items:
        span = doc.char_span(item.start, item.end, alignment_mode="expand")
        if span is not None:
            out.append((item, span.start, span.end))
    return out


def _dates(doc) -> list:
    times = [t for t in doc._.times or [] if t.range is not None and (t.type or "DATE") in ("DATE", "TIME")]
    return _token_ranges(doc, times)


def _meeting(ranges: list, keep: set) -> list:
    """The (item, first token, end token) of `ranges` that have a token in `keep`, in order (a range outside
    keep's first and last token is ruled out without a look at its tokens)."""
    if not ranges or not keep:
        return []
    first, last = min(keep), max(keep)
    return [r for r in ranges if r[1] <= last and r[2] > first and not keep.isdisjoint(range(r[1], r[2]))]


def event_date(doc, tok, keep: set) -> Optional[model.EventDate]:
    best = None
    at = tok.i
    for t, start, end in _meeting(memoised(doc, "dates", lambda: _dates(doc)), keep):
        dist = start - at if at < start else at - (end - 1) if at >= end else 0  # the nearest word's distance
        if best is None or dist < best[0]:
            best = (dist, t)
    if best is None:
        return None
    t = best[1]
    return model.EventDate(text=t.text, start=t.range.start, end=t.range.end, precision=t.range.precision)


def historical(doc, date: Optional[model.EventDate]) -> bool:
    """The event ended well before publication: its date range ends before the year before publication."""
    if date is None:
        return False
    published = memoised(doc, "published", lambda: doc._.published)
    if not published:
        return False
    try:
        return int(date.end[:4]) < int(str(published)[:4]) - 1
    except ValueError:
        return False


def quantities(doc, tok, entry, keep: set, lex) -> list:
    out = []
    for q, start, end in _meeting(memoised(doc, "amounts", lambda: _token_ranges(doc, doc._.quantities or [])), keep):
        out.append(_with_role(q, entry))
    out += _taken(doc, keep, out, lex)
    return out


def _with_role(q, entry):
    if q.role:
        return q
    role = "money" if q.unit and len(q.unit) == 3 and q.unit.isupper() else None
    return model.Quantity(text=q.text, start=q.start, end=q.end, value=q.value, unit=q.unit, role=role,
                          lower_bound=q.lower_bound)


def _taken(doc, keep: set, have: list, lex) -> list:
    """Things taken away that no quantity covers: "with part of the payment", "taking the bank's assets"."""
    out = []
    taken = memoised(doc, "taken", lambda: _taken_at(words(doc).lemma, lex.taken_nouns))
    for i in sorted(keep & taken):
        tok = _partitive(doc[i])
        if tok.dep_ not in ("dobj", "pobj"):
            continue
        carrier = tok.head
        if tok.dep_ == "pobj" and carrier.lower_ != "with":
            continue
        if tok.dep_ == "dobj" and carrier.lemma_.lower() not in TAKE_VERBS:
            continue
        phrase = noun_phrase(tok)
        if any(q.start < phrase.end_char and phrase.start_char < q.end for q in have + out):
            continue
        out.append(model.Quantity(text=phrase.text, start=phrase.start_char, end=phrase.end_char, role="taken"))
    return out


def _taken_at(lemmas: list, nouns: frozenset) -> set:
    """Indices of the words whose lemma is a noun of things taken (mostly none: ruled out in one C pass)."""
    if nouns.isdisjoint(lemmas):
        return set()
    return {i for i, w in enumerate(lemmas) if w in nouns}


def _partitive(tok):
    """"part of the payment", "some of the assets": the phrase taken is headed by the part word."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.dep_ in ("dobj", "pobj"):
        return tok.head.head
    return tok


def extended_scope(tok, keep: set) -> set:
    """A relative-clause trigger also owns what its noun goes on to do in the same breath:
    "one official who defected from Africa fled with part of the payment"."""
    if tok.dep_ != "relcl":
        return keep
    noun = tok.head
    if noun.dep_ == "pobj" and noun.head.head.pos_ == "NOUN":
        noun = noun.head.head
    if noun.dep_ == "nsubj":
        verbs = [noun.head]
    elif noun.dep_ == "dobj":  # "said one official who defected ..., fled with": the parser's reading
        verbs = [c for c in noun.head.children if c.dep_ in ("advcl", "ccomp", "conj") and _subject(c) is None]
    else:
        verbs = []
    more = set(keep)
    for verb in verbs:
        if verb.lemma_.lower() not in CONTINUATION_VERBS:
            continue
        for child in verb.children:
            if child.dep_ in ("prep", "advcl", "xcomp", "dobj", "npadvmod") and child.i != noun.i:
                more |= {w.i for w in child.subtree}
    return more


# ---------------------------------------------------------------- the event


def build(doc, tok, entry, lex, others: frozenset = frozenset()) -> Optional[model.Event]:
    """The event reported by trigger `tok`; `others` are the token indices of the document's other triggers."""
    actor_tok, target_tok = (verb_roles if entry.pos == "verb" else noun_roles)(tok, entry, lex)
    keep = extended_scope(tok, scope(tok, entry, others))
    where = places(doc, tok, entry, lex)
    date = event_date(doc, tok, keep)
    trig = _trigger_span(doc, tok, entry)
    sent = sentence_of(tok)
    event = model.Event(
        id="", type=entry.type, mode=entry.mode, trigger=trig, sentence=span_record(doc, sent.start, sent.end),
        actor=participant(doc, actor_tok, *_clause_orgs(doc, tok, actor_tok)), target=participant(doc, target_tok),
        origin=where.get("origin"), destination=where.get("destination"), location=where.get("location"),
        date=date, quantities=quantities(doc, tok, entry, keep, lex), historical=historical(doc, date),
        cameo=cameo_root(entry.type), context=[entry.context] if entry.context else [],
    )
    _factuality(doc, tok, entry, event)
    return event


def _clause_orgs(doc, tok, actor_tok) -> tuple:
    """Organisations the clause puts its actor under: "Another official also under Room 39 defected"."""
    if actor_tok is None or actor_tok.pos_ not in ("NOUN", "PRON"):
        return (), ()
    found = []
    t = tree(doc)
    for obj in _prep_objects_at(t, tok.i, {"under"}):
        phrase = _phrase(doc, obj)
        found += [e for e in _entities_in(doc, phrase.start_char, phrase.end_char) if _is_org(e)]
    return tuple(found), tuple(_unresolved_orgs(doc, t, tok.i, found, {"under"}))


def _trigger_span(doc, tok, entry) -> model.Span:
    t = tree(doc)
    start = tok.i - 2 * len(entry.prefix)
    end = tok.i + 1
    for child in t.kids[tok.i]:
        if t.dep[child] == "prt" and child == end:
            end += 1
    return span_record(doc, start, end)


def _factuality(doc, tok, entry, event) -> None:
    attribution = _module("attribution")
    if attribution is None:
        return
    t = tree(doc)
    i = tok.i
    verb = _governing_at(t, i) if entry.pos == "noun" and t.dep[i] in ("dobj", "attr") else None
    anchor = doc[verb] if verb is not None and t.lemma[verb] != "be" else tok
    event.attribution, event.certainty, event.hedge = attribution.attribute(doc, tok)
    event.polarity = attribution.polarity(doc, anchor)
    event.modality = attribution.modality(doc, anchor)
    if entry.pos == "noun" and any(t.dep[c] == "det" and t.lower[c] in ("no", "zero") for c in t.kids[i]):
        event.polarity = "negated"  # "no arrests have been made"
    if event.modality == "actual":
        event.modality = _asked_for(t, i) or "actual"


def _asked_for(t, node: int) -> Optional[str]:
    """"demanded the arrest of", "ordered rounding up", "threatened to expel": what is asked for, promised or
    threatened has not happened."""
    for _ in range(4):
        if t.dep[node] not in ASKED_LINKS or t.head[node] == node:
            return None
        node = t.head[node]
        entry = match_at(t, node, lexicon()) if t.pos[node] == "VERB" and t.lemma[node] not in COMMANDS else None
        if entry is not None and entry.type in ASKING_TYPES:
            return ASKING_TYPES[entry.type]
    return None


# ---------------------------------------------------------------- merging


def merge(doc, events: list, lex) -> list:
    """One event per happening: same-type events of one actor in one sentence become one; a sentence
    with no trigger that only adds what was taken ("Some ... by taking millions of dollars") folds
    into the event before it."""
    out: list = []
    kin: dict = {}  # (type, sentence) -> the events kept so far: only these can be twins (see `_same`)
    for ev in sorted(events, key=lambda e: e.trigger.start):
        group = kin.setdefault((ev.type, ev.sentence.start), [])
        twin = next((o for o in group if _same(o, ev)), None)
        if twin is None:
            out.append(ev)
            group.append(ev)
        else:
            _absorb(twin, ev)
    _fold_continuations(doc, out)
    return out


def _same(a, b) -> bool:
    if a.type != b.type or a.sentence.start != b.sentence.start:
        return False
    # "The bombing of the embassy killed 63 people": the subject is the event itself.
    if b.actor is not None and b.actor.start is not None and \
            b.actor.start <= a.trigger.start and a.trigger.end <= b.actor.end:
        return True
    if a.actor is None or b.actor is None:
        return False
    return a.actor.start == b.actor.start or (
        a.actor.start <= b.actor.start < a.actor.end or b.actor.start <= a.actor.start < b.actor.end)


def _absorb(into, other) -> None:
    for role in ("target", "origin", "destination", "location", "date"):
        if getattr(into, role) is None and getattr(other, role) is not None:
            setattr(into, role, getattr(other, role))
    spans = {(q.start, q.end) for q in into.quantities}
    into.quantities += [q for q in other.quantities if (q.start, q.end) not in spans]


def _fold_continuations(doc, events: list) -> None:
    if not events:
        return
    by_sent = {e.sentence.start for e in events}
    qs = doc._.quantities or []
    sents = sentences(doc)
    starts = [sent.start_char for sent in sents]
    ends = [e.sentence.end for e in events]  # in text order, as `merge` leaves them
    for n, sent in enumerate(sents):
        if sent.start_char in by_sent:
            continue
        before = bisect_right(ends, sent.start_char)  # the events of earlier sentences
        # only the sentence right after the last of them (the first to start after its sentence ends)
        if not before or bisect_left(starts, events[before - 1].sentence.end) != n or not _refers_back(sent):
            continue
        last = events[before - 1]
        taken = [q for q in qs if sent.start_char <= q.start < sent.end_char and _is_money(q)
                 and _under_take(doc, q)]
        last.quantities += [_with_role(q, None) for q in taken if q not in last.quantities]


def _refers_back(sent) -> bool:
    subj = _subject(sent.root)
    return subj is not None and (subj.lower_ in BACK_SUBJECTS or subj.lemma_.lower() in BACK_SUBJECTS)


def _is_money(q) -> bool:
    return bool(q.unit) and len(q.unit) == 3 and q.unit.isupper()


def _under_take(doc, q) -> bool:
    span = doc.char_span(q.start, q.end, alignment_mode="expand")
    if span is None:
        return False
    node = span.root
    for _ in range(4):
        if node.lemma_.lower() in TAKE_VERBS or (node.lower_ == "with" and node.dep_ == "prep"):
            return True
        if node.head.i == node.i:
            break
        node = node.head
    return False
