"""Within-article coreference, good enough for event arguments, and participant descriptions.

A rule-based resolver: an anaphor ("he", "she", "they", "it", "That official", "the diplomat", "the bank") goes
back to the nearest compatible mention introduced earlier (a named person or organisation, or a noun phrase
headed by a role noun such as "one official with Room 39"). Compatible means same number and class (person,
group, organisation); ranking prefers the fewest sentences back, then a subject, then the nearest. A definite
noun phrase needs the same head noun, unless its head is generic ("the official", "the man") or is the role
of a named person ("the leader" -> Kim Jong Un); a nationality in it must agree ("the South Korean president").

    resolve(doc)            -> {anaphor start char: antecedent start char}; the actors stage stores it on
                               doc._.corefs
    antecedent(doc, x)      -> Span | None, for a Token or Span
    describe(doc, x)        -> participant fields of any noun phrase (see its docstring)
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from operator import add
from typing import Optional, Union

from spacy.strings import get_string_id
from spacy.symbols import NOUN, PRON, PROPN
from spacy.tokens import Span, Token

from . import actors
from .actors import char_span, doc_cache, institution_entry, norm, person_context
from .event_args import entities, memo, memoised, text_of as span_text
from .nlp import _english_chunks, arrays, heads, noun_chunks
from .nlp import text as doc_text

PRONOUNS = {
    "he": ("sg", "person"), "him": ("sg", "person"), "his": ("sg", "person"), "himself": ("sg", "person"),
    "she": ("sg", "person"), "her": ("sg", "person"), "hers": ("sg", "person"), "herself": ("sg", "person"),
    "they": ("pl", "group"), "them": ("pl", "group"), "their": ("pl", "group"), "themselves": ("pl", "group"),
    "it": ("sg", "org"), "its": ("sg", "org"), "itself": ("sg", "org"),
}
DEFINITE = {"the", "that", "this", "these", "those", "such"}
GENERIC_HEADS = {"official", "man", "woman", "person", "individual", "people", "officials", "figure"}
QUANTIFIERS = {"dozen", "dozens", "hundred", "hundreds", "thousand", "thousands", "some", "many", "one", "two",
               "three", "several", "group", "number", "most", "all", "few", "couple", "handful", "each", "any",
               "none", "both", "majority", "score", "scores"}
ORG_VERBS = {"work", "serve", "belong"}
MAX_SENTENCES_BACK = 4
NON_ORG_KINDS = {"country", "person", "vessel", "aircraft", "group", None}

SpanLike = Union["Span", "Token", tuple]

# The same words as ids (a string's id is its hash, in every vocab), to test the token arrays
_PRONOUN_IDS = frozenset(get_string_id(w) for w in PRONOUNS)
_DEFINITE_IDS = frozenset(get_string_id(w) for w in DEFINITE)
_QUANTIFIER_IDS = frozenset(get_string_id(w) for w in QUANTIFIERS)
_POSS, _CONJ = get_string_id("poss"), get_string_id("conj")
_NP_DEPS = frozenset(get_string_id(label) for label in ("oprd", "nsubj", "dobj", "nsubjpass", "pcomp", "pobj",
                                                          "dative", "appos", "attr", "ROOT"))
_NOMINAL = frozenset((NOUN, PROPN, PRON))
_PRONOUN_WORDS = {get_string_id(w): w for w in PRONOUNS}
_PREP, _NORP = get_string_id("prep"), get_string_id("NORP")
_SUBJECTS = frozenset((get_string_id("nsubj"), get_string_id("nsubjpass")))
_MODIFIERS = frozenset(get_string_id(d) for d in ("compound", "amod", "nmod", "nummod"))
_NNS = get_string_id("NNS")
_WORDS = ("LOWER", "LEMMA", "POS", "TAG", "DEP", "ENT_TYPE")


class Mention:
    """A phrase that can be an antecedent. Its Span is made when it is asked for, and a noun phrase's country
    read from its words when asked for: most mentions are never chosen."""

    __slots__ = ("doc", "start", "end", "start_char", "end_char", "number", "kind", "head", "sent", "_country",
                 "role", "subject", "_span", "_reader")

    def __init__(self, doc, start: int, end: int, start_char: int, end_char: int, number: str, kind: str,
                 head: str, sent: int, country: Optional[str] = None, role: str = "", subject: bool = False,
                 span=None, reader=None):
        self.doc, self.start, self.end, self.start_char, self.end_char = doc, start, end, start_char, end_char
        self.number = number  # sg | pl
        self.kind = kind  # person | group | org
        self.head = head  # lemma of the head noun, lower case
        self.sent = sent  # sentence index
        self._country = country
        self.role = role  # a named person's role ("leader"), so "the leader" can find "Kim Jong Un"
        self.subject = subject  # its root is a subject
        self._span = span
        self._reader = reader  # () -> country, read on the first question

    @property
    def country(self) -> Optional[str]:
        if self._reader is not None:
            self._country, self._reader = self._reader(), None
        return self._country

    @property
    def span(self):
        if self._span is None:
            self._span = _chunk(self.doc, self.start, self.end)
        return self._span

    def lower_text(self) -> str:
        return doc_text(self.doc)[self.start_char:self.end_char].lower()  # the span's text


def _lex(doc):
    """The actor lexicon, looked up once per document (the lookup reads the settings, a file check)."""
    return memoised(doc, "coref.lexicon", lambda: doc_cache(doc, "lexicon", len(doc), lambda d: actors.lexicon()))


def _sent_index(doc) -> list:
    """Sentence number by token index."""
    return memoised(doc, "coref.sents", lambda: doc_cache(doc, "sents", len(doc), _sentence_numbers))


def _sentence_numbers(doc) -> list:
    out: list = []
    for n, sent in enumerate(actors.sentences(doc)):
        out.extend([n] * (sent.end - sent.start))
    return out


def _words(doc) -> tuple:
    """(ORTH, LOWER, LEMMA, POS, TAG, DEP, head index, ENT_TYPE, IDX, end character) of every token, as flat
    lists: the candidates for mentions and anaphors are picked and read from these without a Token per word."""
    words = doc.user_data.get("dateline.coref.words")
    if words is None or len(words[0]) != len(doc):
        lower, lemma, pos, tag, dep, ent = arrays(doc, _WORDS)
        orth = arrays(doc, ("ORTH",))[0]  # as the actors' name passes read them
        idx, length = arrays(doc, ("IDX", "LENGTH"))  # as `actors.char_span` and places read them
        words = (orth, lower, lemma, pos, tag, dep, heads(doc), ent, idx, list(map(add, idx, length)))
        doc.user_data["dateline.coref.words"] = words
    return words


def _root(heads, start: int, end: int) -> Optional[int]:
    """`doc[start:end].root.i` from the head indices: a sentence root in it, else its one token whose head
    lies outside; None when several do (spaCy then compares their depths)."""
    found = -1
    for k in range(start, end):
        h = heads[k]
        if h == k:
            return k
        if not start <= h < end:
            if found >= 0:
                return None
            found = k
    return found if found >= 0 else start


def _span_root(doc, heads, start: int, end: int) -> int:
    root = _root(heads, start, end)
    return root if root is not None else doc[start:end].root.i


def _chunk_table(doc) -> tuple:
    """(starts, ends, roots) of the noun chunks, kept for the Doc. spaCy's English rules (as
    `nlp.noun_chunks`), read from the arrays: a Token is made only for the head of a chunk, for its left
    edge."""
    key = "dateline.coref.chunks"
    cached = doc.user_data.get(key)
    if cached is None or cached[3] != len(doc):
        if doc.has_annotation("DEP") and doc.noun_chunks_iterator is _english_chunks():
            starts, ends = _english_bounds(doc)
        else:
            chunks = noun_chunks(doc)
            starts, ends = [c.start for c in chunks], [c.end for c in chunks]
        heads = _words(doc)[6]
        roots = [_span_root(doc, heads, start, end) for start, end in zip(starts, ends)]
        cached = doc.user_data[key] = (starts, ends, roots, len(doc))
    return cached[:3]


def _english_bounds(doc) -> tuple:
    """spacy.lang.en.syntax_iterators.noun_chunks: a noun, proper noun or pronoun with a noun phrase's
    dependency, or coordinated to one, from its left edge; no nested chunks."""
    _, _, _, pos, _, dep, heads, _, _, _ = _words(doc)
    starts, ends, prev_end = [], [], -1
    np_deps, nominal, conj = _NP_DEPS, _NOMINAL, _CONJ
    for i in [i for i, p in enumerate(pos) if p in nominal]:
        d = dep[i]
        if d not in np_deps:
            if d != conj:
                continue
            head = heads[i]
            while dep[head] == conj and heads[head] < head:
                head = heads[head]
            if dep[head] not in np_deps:
                continue
        left = doc[i].left_edge.i
        if left <= prev_end:
            continue
        prev_end = i
        starts.append(left)
        ends.append(i + 1)
    return starts, ends


def _chunk(doc, start: int, end: int):
    return Span(doc, start, end, label="NP")




def _role_kind(token, lex) -> Optional[tuple]:
    """(number, kind) of a noun that names people by role, else None."""
    return _role_kind_of(norm(token.lemma_), norm(token.text), token.tag_ in ("NNS", "NNPS"), lex)


def _role_kind_of(lemma: str, text: str, plural: bool, lex) -> Optional[tuple]:
    if lemma in lex.person_roles or text in lex.person_roles:
        return ("pl", "group") if plural else ("sg", "person")
    if lemma in lex.group_words or text in lex.group_words:
        return "pl", "group"
    return None


def _entity_mentions(doc, index: list) -> list:
    out = []
    _, _, lemma, pos, _, dep, heads, _, _, _ = _words(doc)
    for ent in doc._.entities or []:
        if ent.actor is None:
            continue
        span = char_span(doc, ent.start, ent.end)
        if span is None or _modifier(span, pos, dep, heads):
            continue  # "a Korean Air passenger plane" is about the plane
        kind = "person" if ent.actor.kind == "person" else "org"
        r = _span_root(doc, heads, span.start, span.end)
        out.append(Mention(doc, span.start, span.end, span.start_char, span.end_char, "sg", kind,
                           doc.vocab.strings[lemma[r]].lower(), index[span.start], ent.actor.country,
                           ent.actor.role or "", dep[r] in _SUBJECTS, span))
    return out


def _modifier(span, pos: list, dep: list, heads: list) -> bool:
    """True when the span only modifies a noun outside it ("Korean Air" in "a Korean Air plane")."""
    start, end = span.start, span.end
    outside = [k for k in range(start, end) if not start <= heads[k] < end]
    return bool(outside) and all(dep[k] in _MODIFIERS and pos[heads[k]] in (NOUN, PROPN) for k in outside)


def _chunk_mentions(doc, index: list, lex) -> list:
    out = []
    taken = {(e.start, e.end) for e in doc._.entities or []}
    taken_starts = {start for start, _ in taken}
    orth, lower, lemma, _, tag, dep, _, ent, idx, ends = _words(doc)
    read = _head_reader(lex)
    for start, end, r in zip(*_chunk_table(doc)):
        head = read(doc, orth[r], lower[r], lemma[r], tag[r])
        if head is None or lower[r] in _PRONOUN_IDS:
            continue  # no role, group, quantifier, organisation or institution noun: no mention
        start_char, end_char = idx[start], ends[end - 1]
        if start_char in taken_starts and (start_char, end_char) in taken:
            continue
        rk = head.role_kind
        if rk is None and head.quantifier:
            rk = _quantified_kind(doc[r], lex)
        if rk is None and (head.org_kind and lower[start] in _DEFINITE_IDS and not any(ent[start:end])
                           or head.institution):
            rk = ("pl", "group") if tag[r] == _NNS else ("sg", "org")
        if rk is not None:
            out.append(Mention(doc, start, end, start_char, end_char, rk[0], rk[1], head.lemma, index[start],
                               None, "", dep[r] in _SUBJECTS, None, _country_reader(doc, start, r, lex)))
    return out


def _country_reader(doc, start: int, end: int, lex):
    return lambda: _country_between(doc, start, end, lex)


def _country_between(doc, start: int, end: int, lex) -> Optional[str]:
    """`_country_in` of the tokens doc[start:end], read from their ids and the text."""
    words = _words(doc)
    orth, idx, ends = words[0], words[8], words[9]
    text = doc_text(doc)
    for i in range(start, end):
        if not lex.starts_orth(doc, orth[i]):
            continue
        for n in range(min(7, end - i), 0, -1):
            iso = lex.country_of(text[idx[i]:ends[i + n - 1]])
            if iso:
                return iso
    return None


class Head:
    """What a phrase's root noun makes of it, from the lexicon."""

    __slots__ = ("role_kind", "quantifier", "org_kind", "institution", "lemma")

    def __init__(self, role_kind, quantifier: bool, org_kind: bool, institution: bool, lemma: str):
        self.role_kind = role_kind  # `_role_kind`
        self.quantifier = quantifier  # "dozens (of officials)"
        self.org_kind = org_kind  # its lemma an organisation kind: "the bank" (after a definite word, no name)
        self.institution = institution  # "the South Korean military", "Chinese authorities" (not plural)
        self.lemma = lemma  # lower case


_READERS: dict = {}  # id(lexicon) -> (lexicon, reader)


def _head_reader(lex):
    """reader(doc, ORTH, LOWER, LEMMA, TAG id of a root) -> its `Head`, or None when neither a mention nor an
    anaphor can be read from a phrase with this root; memoised per lexicon and ids."""
    slot = _READERS.get(id(lex))
    if slot is None or slot[0] is not lex:
        if len(_READERS) > 8:
            _READERS.clear()
        slot = _READERS[id(lex)] = (lex, _reader(lex))
    return slot[1]


def _reader(lex):
    memo: dict = {}

    def read(doc, orth: int, lower: int, lemma: int, tag: int) -> Optional[Head]:
        key = (orth, lower, lemma, tag)
        if key in memo:
            return memo[key]
        if len(memo) > 200_000:
            memo.clear()
        strings = doc.vocab.strings
        head = memo[key] = _read_head(lex, strings[orth], strings[lower], strings[lemma], strings[tag])
        return head

    return read


def _read_head(lex, text: str, lower: str, lemma: str, tag: str) -> Optional[Head]:
    key = norm(lemma)
    role_kind = _role_kind_of(key, norm(text), tag in ("NNS", "NNPS"), lex)
    quantifier = lower in QUANTIFIERS
    org_kind = key in lex.org_kinds
    institution = tag != "NNS" and key in lex.institutions and lower != "state"
    if role_kind is None and not (quantifier or org_kind or institution):
        return None
    return Head(role_kind, quantifier, org_kind, institution, lemma.lower())


def _quantified_kind(root, lex) -> Optional[tuple]:
    """"dozens of North Korean officials", "one of the diplomats": the people after "of"."""
    for prep in root.children:
        if prep.lower_ == "of":
            for pobj in prep.children:
                if pobj.dep_ == "pobj":
                    rk = _role_kind(pobj, lex)
                    if rk:
                        return ("sg", "person") if root.lower_ == "one" else ("pl", "group")
    return None


def mentions(doc) -> list:
    """Every mention that can be an antecedent, in text order (kept per document until entities change)."""
    return _mention_table(doc)[0]


def _mention_table(doc) -> tuple:
    """(mentions, their start characters, their sentence numbers, {kind: the same three of the mentions of
    that kind}). One mention per start character, in text order, so the sentence numbers do not decrease
    either: the mentions of a kind before an anaphor within its last sentences are one slice, found by
    bisection."""
    def find():
        key = tuple((e.start, e.end, e.actor is not None) for e in doc._.entities or [])
        return doc_cache(doc, "mentions", key, _find_mentions)

    return memoised(doc, "coref.mentions", find)


def _find_mentions(doc) -> tuple:
    index = _sent_index(doc)
    lex = _lex(doc)
    found = _entity_mentions(doc, index) + _chunk_mentions(doc, index, lex)
    seen, out = set(), []
    for m in sorted(found, key=lambda m: (m.start_char, -m.end_char)):
        if m.start_char not in seen:
            seen.add(m.start_char)
            out.append(m)
    kinds = {}
    for kind in ("person", "group", "org"):
        some = [m for m in out if m.kind == kind]
        kinds[kind] = (some, [m.start_char for m in some], [m.sent for m in some])
    return out, [m.start_char for m in out], [m.sent for m in out], kinds


@dataclass
class Anaphor:
    number: str
    kind: str
    head: str
    definite: bool  # a noun phrase ("the official"), not a pronoun
    country: Optional[str] = None  # "the North Korean leader"


def _anaphor(doc, span, lex) -> Optional[Anaphor]:
    """What an anaphor asks of its antecedent, or None when the span does not refer back."""
    return memoised(doc, ("coref.anaphor", span.start, span.end), lambda: _read_anaphor(doc, span, lex))


def _read_anaphor(doc, span, lex) -> Optional[Anaphor]:
    return _anaphor_at(doc, span.start, span.end, lex)


def _anaphor_at(doc, start: int, end: int, lex, root: Optional[int] = None, words=None) -> Optional[Anaphor]:
    """`_read_anaphor` of doc[start:end] (whose root may be given), read from the token arrays (`_words`): a
    Token is made for the root only, when its words allow an anaphor."""
    if end <= start:
        raise IndexError("an empty span")  # as span[0] does
    orth, lower, lemma, pos, tag, dep, heads, ent, _, _ = words or _words(doc)
    if end - start == 1 and lower[start] in _PRONOUN_IDS:
        word = _PRONOUN_WORDS[lower[start]]
        return Anaphor(*PRONOUNS[word], word, False)
    if lower[start] not in _DEFINITE_IDS:  # most phrases: asked before the phrase's words are read
        return None
    r = _span_root(doc, heads, start, end) if root is None else root
    head = _head_reader(lex)(doc, orth[r], lower[r], lemma[r], tag[r])
    if head is None or head.role_kind is None and not head.org_kind:
        return None  # neither a role nor an organisation kind: no anaphor, whatever the other words
    names = [k for k in range(start, end) if pos[k] == PROPN or ent[k]]
    if any(ent[k] != _NORP for k in names):
        return None  # a name introduces; only a nationality may qualify a definite description
    if any(dep[k] == _PREP and heads[k] == r for k in range(start, end)):
        return None  # "the official of Room 39" introduces, it does not refer back
    rk = head.role_kind
    if rk is None and not any(ent[start:end]):
        rk = ("sg", "org")  # "the bank": an organisation kind in a phrase without a name
    return Anaphor(*rk, head.lemma, True, _country_in([doc[k] for k in names], lex)) if rk else None


def _country_in(tokens, lex) -> Optional[str]:
    return actors._country_in(tokens, lex) if tokens else None


def _compatible(ana: Anaphor, m: Mention) -> bool:
    if ana.country and m.country and ana.country != m.country:
        return False
    if ana.kind == "org":
        return m.kind == "org" and (not ana.definite or ana.head in m.lower_text())
    same = not ana.definite or ana.head == m.head or ana.head in GENERIC_HEADS
    if ana.kind == "group":
        return m.kind == "group" and same
    return m.kind == "person" and (same or ana.head in m.role.split())


def _as_span(doc, x):
    """A Span for a Span, a Token (its noun chunk, or the token alone) or a (start, end) character pair."""
    if isinstance(x, tuple):
        return doc.char_span(x[0], x[1], alignment_mode="expand")
    if isinstance(x, Token):
        if x.lower_ in PRONOUNS:
            return doc[x.i:x.i + 1]
        i = x.i
        starts, ends, _ = _chunk_table(doc)
        return next((_chunk(doc, start, end) for start, end in zip(starts, ends) if start <= i < end),
                    doc[i:i + 1])
    return x


def antecedent(doc, x: SpanLike):
    """The Span an anaphor (Token or Span: "he", "That official", "the bank") refers back to, or None."""
    span = _as_span(doc, x)
    if span is None:
        return None
    return memoised(doc, ("coref.antecedent", span.start, span.end), lambda: _antecedent(doc, span))


def _antecedent(doc, span):
    lex = _lex(doc)
    ana = _anaphor(doc, span, lex)
    if ana is None:
        return None
    return _nearest(span.start, span.start_char, ana, _sent_index(doc), _mention_table(doc))


def _nearest(start: int, start_char: int, ana: Anaphor, index: list, table: tuple):
    """The antecedent of the anaphor at token `start` (asking `ana`) among the mentions of `table`."""
    here = index[start]
    # `_compatible` asks for a mention of the anaphor's kind
    found, starts, sents = table[3][ana.kind if ana.kind in ("org", "group") else "person"]
    lo, hi = bisect_left(sents, here - MAX_SENTENCES_BACK), bisect_left(starts, start_char)
    cands = [m for m in found[lo:hi]
             if m.end_char <= start_char and _compatible(ana, m) and not (m.start <= start < m.end)]
    if not cands:
        return None
    # In the same sentence the nearest mention wins (the parser often misplaces subjects of reported
    # speech); across sentences a subject is preferred, then the nearest.
    best = min(cands, key=lambda m: (here - m.sent, m.head != ana.head, here != m.sent and not m.subject,
                                     -m.start))
    return best.span


HONORIFICS = {"excellency", "majesty", "highness", "holiness", "eminence", "royal"}


def _honorific(doc, i: int, lower: list) -> bool:
    """"His Excellency", "Her Majesty" are titles, not references back (startswith: "ExcellencyKim" in
    scraped KCNA text)."""
    nxt = doc.vocab.strings[lower[i + 1]] if i + 1 < len(lower) else ""
    return any(nxt.startswith(h) for h in HONORIFICS)


def resolve(doc, lex=None) -> dict:
    """{anaphor start char: antecedent start char} for every anaphor of the document. `lex`: the actor
    lexicon when the caller has it in hand (kept for the document's later questions, not looked up again)."""
    if lex is not None:
        doc_cache(doc, "lexicon", len(doc), lambda d: lex)
    out = {}
    found = _anaphors(doc, _lex(doc))
    if found:
        index, table, idx = _sent_index(doc), _mention_table(doc), _words(doc)[8]
        for start, ana in found:
            ante = _nearest(start, idx[start], ana, index, table)
            if ante is not None:
                out[idx[start]] = ante.start_char
    return out


def _anaphors(doc, lex) -> list:
    """(first token, Anaphor) of each phrase that refers back: pronouns, then noun chunks, then possessors
    ("the bank's assets": the possessor is a phrase of its own). Read from the token arrays: a phrase
    refers back only when it is a lone pronoun or opens with a definite word."""
    words = _words(doc)
    lower, pos, dep = words[1], words[3], words[5]
    pronouns, definite = _PRONOUN_IDS, _DEFINITE_IDS
    out = []
    for i in [i for i, w in enumerate(lower) if w in pronouns]:
        if pos[i] == PRON and not _honorific(doc, i, lower):
            out.append((i, _anaphor_at(doc, i, i + 1, lex, None, words)))
    for start, end, root in zip(*_chunk_table(doc)):
        if lower[start] in definite and lower[root] not in pronouns:
            ana = _anaphor_at(doc, start, end, lex, root, words)
            if ana:
                out.append((start, ana))
    for i in [i for i, d in enumerate(dep) if d == _POSS]:
        if pos[i] == NOUN:
            left = doc[i].left_edge.i
            if lower[left] in definite or left == i and lower[i] in pronouns:
                ana = _anaphor_at(doc, left, i + 1, lex, None, words)
                if ana:
                    out.append((left, ana))
    return out


# ---------------------------------------------------------------- participant descriptions


def _empty(span) -> dict:
    return {"text": span_text(span), "actor_id": None, "name": None, "kind": None, "country": None, "role": None,
            "orgs": [], "start": span.start_char, "end": span.end_char}


def _entity_at(doc, token):
    """The first actor entity at the token."""
    return _entity_at_index(doc, token.i)


def _entity_at_index(doc, i: int):
    """The first actor entity at token `i`: while the events stage reads the document, from a table of the
    tokens that actor entities cover, made once (no Token is made for the words of a phrase)."""
    if memo(doc) is None:
        return _actor_entity_at(doc, doc[i].idx)
    return memoised(doc, "coref.actor_tokens", lambda: _actor_tokens(doc)).get(i)


def _actor_tokens(doc) -> dict:
    """token index -> the first actor entity (in the entities' order) whose characters hold the token's
    first character."""
    starts = arrays(doc, ("IDX", "LENGTH"))[0]  # strictly increasing
    out: dict = {}
    for e in entities(doc):
        if e.actor is not None:
            for i in range(bisect_left(starts, e.start), bisect_left(starts, e.end)):
                out.setdefault(i, e)
    return out


def _actor_entity_at(doc, idx: int):
    return next((e for e in entities(doc) if e.actor is not None and e.start <= idx < e.end), None)


def _head(span):
    """The noun that names the participant: "officials" in "dozens of North Korean officials"."""
    root = span.root
    if root.lower_ in QUANTIFIERS:
        for prep in root.children:
            if prep.lower_ == "of":
                pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
                if pobj is not None and pobj.i < span.end:
                    return pobj
    return root


def _org_entities(doc, indices) -> list:
    """The organisation entities at the tokens with these indices, first seen first."""
    seen, out = set(), []
    if memo(doc) is None:
        at = lambda i: _actor_entity_at(doc, doc[i].idx)  # noqa: E731
    else:  # the table of `_entity_at_index`, looked up once
        at = memoised(doc, "coref.actor_tokens", lambda: _actor_tokens(doc)).get
    for i in indices:
        ent = at(i)
        if ent is not None and ent.actor.kind not in NON_ORG_KINDS and ent.start not in seen:
            seen.add(ent.start)
            out.append(ent)
    return out


CLAUSES = {"relcl", "acl", "advcl", "ccomp", "xcomp", "pcomp", "conj", "parataxis"}


def _pruned(token) -> list:
    """The token's phrase without the clauses inside it ("Room 35, which ... blew up a Korean Air plane")."""
    out = [token]
    for child in token.children:
        if child.dep_ not in CLAUSES or child.pos_ not in ("VERB", "AUX"):
            out += _pruned(child)
    return out


def _attached_tokens(head) -> list:
    """Tokens of the phrases that say whom the head belongs to: "of/with/under/at Y", "Y's", and "worked for
    Y", "served in Y", "also under Y" on the head's own verb or relative clause."""
    toks = [t for child in head.children if child.dep_ in ("prep", "poss", "compound", "appos", "amod")
            for t in _pruned(child)]
    verbs = [c for c in head.children if c.dep_ == "relcl"]
    if head.dep_ in ("nsubj", "nsubjpass"):
        verbs.append(head.head)
    for verb in verbs:
        for child in verb.children:
            if child.dep_ == "prep" and (verb.lemma_ in ORG_VERBS or child.lower_ == "under"):
                toks += _pruned(child)
    return toks


def _org_names(lex, ents) -> list:
    names = []
    for ent in ents:
        names.append(ent.actor.name)
        entry = lex.entry(ent.actor.actor_id)
        for parent in (entry.memberships if entry else ()):
            if lex.entry(parent):
                names.append(lex.entry(parent).name)
    return list(dict.fromkeys(names))


def _from_actor(out: dict, actor) -> dict:
    out.update(actor_id=actor.actor_id, name=actor.name, kind=actor.kind, country=actor.country, role=actor.role)
    return out


def _describe_entity(doc, span, ent, lex) -> dict:
    out = _from_actor(_empty(span), ent.actor)
    entry = lex.entry(ent.actor.actor_id)
    parents = [lex.entry(p) for p in (entry.memberships if entry else ())]
    out["orgs"] = [p.name for p in parents if p]
    if ent.actor.kind == "person":
        espan = char_span(doc, ent.start, ent.end)
        role, orgs, iso = person_context(doc, espan, lex)
        out["role"] = out["role"] or role
        out["country"] = out["country"] or iso
        out["orgs"] = list(dict.fromkeys(out["orgs"] + _org_names(lex, orgs)))
    return out


def _describe_phrase(doc, span, head, lex) -> dict:
    out = _empty(span)
    stop = min(head.i, span.end)  # the words before the head: doc[span.start:stop]
    lemma = norm(head.lemma_)
    inst = lex.institutions.get(lemma) or lex.institutions.get(norm(head.text))
    iso = _country_between(doc, span.start, stop, lex) or _short_form_between(doc, span.start, stop, lex)
    if inst and iso:
        return _from_actor(out, institution_entry(lex, iso, inst).actor())
    rk = _role_kind(head, lex)
    attached = _attached_tokens(head)
    orgs = _org_entities(doc, [*range(span.start, span.end), *(t.i for t in attached)])
    if rk is not None:
        strings, orth = doc.vocab.strings, _words(doc)[0]
        words = [norm(strings[orth[k]]) for k in range(span.start, stop)] + [lemma]
        out["kind"] = "person" if rk[1] == "person" else "group"
        out["actor_id"] = f"mention:{span.start_char}"
        out["role"] = actors._role_in(words, lex) or lemma
    out["orgs"] = _org_names(lex, orgs)
    out["country"] = iso or next((e.actor.country for e in orgs if e.actor.country), None) or \
        actors._country_in(attached, lex)
    return out


_POSSESSIVES = frozenset((get_string_id("'s"), get_string_id("\u2019s")))


def _short_form_between(doc, start: int, end: int, lex) -> Optional[str]:
    """A country's short form ("the North") in the tokens doc[start:end]: each pair of tokens, then their
    words without possessives; read from the ids and the text."""
    if end <= start:
        return None
    words = _words(doc)
    orth, lower, idx, ends = words[0], words[1], words[8], words[9]
    text = doc_text(doc)
    for n in range(start, end):
        iso = actors._short_form(doc, text[idx[n]:ends[min(n + 1, end - 1)]], lex)
        if iso:
            return iso
    strings = doc.vocab.strings
    joined = " ".join([strings[orth[k]] for k in range(start, end) if lower[k] not in _POSSESSIVES])
    return actors._short_form(doc, joined, lex) if joined else None


def describe(doc, x: SpanLike, _depth: int = 0) -> dict:
    """Participant fields of any noun phrase, for event arguments.

    describe(doc, x) -> {"text", "actor_id", "name", "kind", "country", "role", "orgs", "start", "end"}

    `x` is a spaCy Span, a Token (its noun chunk is used) or a (start_char, end_char) pair. An anaphor ("he",
    "That official") is described by its antecedent, keeping its own text and offsets. A named entity gives
    its actor record (and, for a person, the role and organisations of a title or apposition). Any other
    phrase is read from its head noun: a role noun gives kind "person" (singular) or "group" (plural) and the
    role ("senior official"); a country's institution gives "<ISO>-<CODE>" ("South Korean authorities" ->
    KR-GOV); organisations attached by "of/with/under/at", a possessive or "worked for" become `orgs`
    (with their parent organisations); the country comes from a demonym or country name in the phrase, else
    from the first organisation. Unknown fields are None (orgs []); it never raises on odd input.
    """
    span = _as_span(doc, x)
    if span is None or len(span) == 0:
        return {"text": "", "actor_id": None, "name": None, "kind": None, "country": None, "role": None,
                "orgs": [], "start": None, "end": None}
    lex = _lex(doc)
    if _depth < 5 and _anaphor(doc, span, lex):
        ante = antecedent(doc, span)
        if ante is not None:
            out = describe(doc, ante, _depth + 1)
            out.update(text=span_text(span), start=span.start_char, end=span.end_char)
            out["actor_id"] = out["actor_id"] or f"mention:{ante.start_char}"
            return out
    head = _head(span)
    ent = _entity_at(doc, head)
    if ent is not None and ent.label == "NORP" and head.tag_ in ("NNS", "NNPS"):
        out = _empty(span)  # "North Koreans": people of the country, not the country
        out.update(actor_id=f"mention:{span.start_char}", kind="group", country=ent.actor.country)
        return out
    if ent is not None:
        return _describe_entity(doc, span, ent, lex)
    return _describe_phrase(doc, span, head, lex)
