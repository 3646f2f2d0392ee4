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
from typing import Optional, Union

from . import actors
from .actors import doc_cache, institution_entry, norm, person_context, text_of
from .event_args import entities, memo, memoised, text_of as span_text
from .nlp import noun_chunks

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


@dataclass
class Mention:
    span: object  # spaCy Span
    number: str  # sg | pl
    kind: str  # person | group | org
    head: str  # lemma of the head noun, lower case
    sent: int  # sentence index
    country: Optional[str] = None
    role: str = ""  # a named person's role ("leader"), so "the leader" can find "Kim Jong Un"

    @property
    def subject(self) -> bool:
        return self.span.root.dep_ in ("nsubj", "nsubjpass")


def _lex(doc):
    """The actor lexicon, looked up once per document (the lookup reads the settings, a file check)."""
    return memoised(doc, "coref.lexicon", lambda: doc_cache(doc, "lexicon", len(doc), lambda d: actors.lexicon()))


def _chunks(doc) -> list:
    """Noun chunks, or none when the document has no parse (a blank pipeline)."""
    return noun_chunks(doc)


def _sent_index(doc) -> dict:
    return memoised(doc, "coref.sents", lambda: doc_cache(
        doc, "sents", len(doc), lambda d: {tok.i: n for n, sent in enumerate(actors.sentences(d)) for tok in sent}))




def _role_kind(token, lex) -> Optional[tuple]:
    """(number, kind) of a noun that names people by role, else None."""
    lemma, text = norm(token.lemma_), norm(token.text)
    plural = token.tag_ in ("NNS", "NNPS")
    if lemma in lex.person_roles or text in lex.person_roles:
        return ("pl", "group") if plural else ("sg", "person")
    if lemma in lex.group_words or text in lex.group_words:
        return "pl", "group"
    return None


def _entity_mentions(doc, index: dict) -> list:
    out = []
    for ent in doc._.entities or []:
        if ent.actor is None:
            continue
        span = doc.char_span(ent.start, ent.end, alignment_mode="expand")
        if span is None or _modifier(span):
            continue  # "a Korean Air passenger plane" is about the plane
        kind = "person" if ent.actor.kind == "person" else "org"
        out.append(Mention(span, "sg", kind, span.root.lemma_.lower(), index[span.start], ent.actor.country,
                           ent.actor.role or ""))
    return out


def _modifier(span) -> bool:
    """True when the span only modifies a noun outside it ("Korean Air" in "a Korean Air plane")."""
    outside = [t for t in span if not (span.start <= t.head.i < span.end)]
    return bool(outside) and all(t.dep_ in ("compound", "amod", "nmod", "nummod") and t.head.pos_ in ("NOUN", "PROPN")
                                 for t in outside)


def _chunk_mentions(doc, index: dict, lex) -> list:
    out = []
    taken = {(e.start, e.end) for e in doc._.entities or []}
    for chunk in _chunks(doc):
        root = chunk.root
        if root.lower_ in PRONOUNS or (chunk.start_char, chunk.end_char) in taken:
            continue
        rk = _role_kind(root, lex)
        if rk is None and root.lower_ in QUANTIFIERS:
            rk = _quantified_kind(root, lex)
        if rk is None and (_org_head(chunk, lex) or _institution_head(chunk, lex)):
            rk = ("pl", "group") if root.tag_ == "NNS" else ("sg", "org")
        if rk is not None:
            country = _country_in([t for t in chunk if t.i < root.i], lex)
            out.append(Mention(chunk, rk[0], rk[1], root.lemma_.lower(), index[chunk.start], country))
    return out


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


def _institution_head(chunk, lex) -> bool:
    """"the South Korean military", "Chinese authorities": a country's institution named by a noun."""
    return chunk.root.tag_ != "NNS" and norm(chunk.root.lemma_) in lex.institutions and chunk.root.lower_ != "state"


def _org_head(chunk, lex) -> bool:
    return chunk[0].lower_ in DEFINITE and norm(chunk.root.lemma_) in lex.org_kinds and \
        not any(t.ent_type_ for t in chunk)


def mentions(doc) -> list:
    """Every mention that can be an antecedent, in text order (kept per document until entities change)."""
    def find():
        key = tuple((e.start, e.end, e.actor is not None) for e in doc._.entities or [])
        return doc_cache(doc, "mentions", key, _find_mentions)

    return memoised(doc, "coref.mentions", find)


def _find_mentions(doc) -> list:
    index = _sent_index(doc)
    lex = _lex(doc)
    found = _entity_mentions(doc, index) + _chunk_mentions(doc, index, lex)
    seen, out = set(), []
    for m in sorted(found, key=lambda m: (m.span.start_char, -m.span.end_char)):
        if m.span.start_char not in seen:
            seen.add(m.span.start_char)
            out.append(m)
    return out


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
    if len(span) == 1 and span[0].lower_ in PRONOUNS:
        return Anaphor(*PRONOUNS[span[0].lower_], span[0].lower_, False)
    if span[0].lower_ not in DEFINITE:  # most phrases: asked before the phrase's words are read
        return None
    root = span.root
    names = [t for t in span if t.pos_ == "PROPN" or t.ent_type_]
    if any(t.ent_type_ != "NORP" for t in names):
        return None  # a name introduces; only a nationality may qualify a definite description
    if any(t.dep_ == "prep" and t.head == root for t in span):
        return None  # "the official of Room 39" introduces, it does not refer back
    rk = _role_kind(root, lex)
    if rk is None and _org_head(span, lex):
        rk = ("sg", "org")
    return Anaphor(*rk, root.lemma_.lower(), True, _country_in(names, lex)) if rk else None


def _country_in(tokens, lex) -> Optional[str]:
    return actors._country_in(tokens, lex) if tokens else None


def _compatible(ana: Anaphor, m: Mention) -> bool:
    if ana.country and m.country and ana.country != m.country:
        return False
    if ana.kind == "org":
        return m.kind == "org" and (not ana.definite or ana.head in m.span.text.lower())
    same = not ana.definite or ana.head == m.head or ana.head in GENERIC_HEADS
    if ana.kind == "group":
        return m.kind == "group" and same
    return m.kind == "person" and (same or ana.head in m.role.split())


def _as_span(doc, x):
    """A Span for a Span, a Token (its noun chunk, or the token alone) or a (start, end) character pair."""
    from spacy.tokens import Token

    if isinstance(x, tuple):
        return doc.char_span(x[0], x[1], alignment_mode="expand")
    if isinstance(x, Token):
        if x.lower_ in PRONOUNS:
            return doc[x.i:x.i + 1]
        return next((c for c in _chunks(doc) if c.start <= x.i < c.end), doc[x.i:x.i + 1])
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
    here = _sent_index(doc)[span.start]
    cands = [m for m in mentions(doc)
             if m.span.end_char <= span.start_char and here - m.sent <= MAX_SENTENCES_BACK and _compatible(ana, m)
             and not (m.span.start <= span.start < m.span.end)]
    if not cands:
        return None
    # In the same sentence the nearest mention wins (the parser often misplaces subjects of reported
    # speech); across sentences a subject is preferred, then the nearest.
    best = min(cands, key=lambda m: (here - m.sent, m.head != ana.head, here != m.sent and not m.subject,
                                     -m.span.start))
    return best.span


HONORIFICS = {"excellency", "majesty", "highness", "holiness", "eminence", "royal"}


def _honorific(token) -> bool:
    """"His Excellency", "Her Majesty" are titles, not references back (startswith: "ExcellencyKim" in
    scraped KCNA text)."""
    nxt = token.nbor(1).lower_ if token.i + 1 < len(token.doc) else ""
    return any(nxt.startswith(h) for h in HONORIFICS)


def resolve(doc) -> dict:
    """{anaphor start char: antecedent start char} for every anaphor of the document."""
    lex = _lex(doc)
    out = {}
    spans = [doc[t.i:t.i + 1] for t in doc if t.lower_ in PRONOUNS and t.pos_ == "PRON" and not _honorific(t)]
    spans += [c for c in _chunks(doc) if c.root.lower_ not in PRONOUNS and _anaphor(doc, c, lex)]
    # "the bank's assets": the possessor is a phrase of its own
    spans += [doc[t.left_edge.i:t.i + 1] for t in doc if t.dep_ == "poss" and t.pos_ == "NOUN"
              and _anaphor(doc, doc[t.left_edge.i:t.i + 1], lex)]
    for span in spans:
        ante = antecedent(doc, span)
        if ante is not None:
            out[span.start_char] = ante.start_char
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
    from spacy.attrs import IDX

    starts = doc.to_array(IDX).tolist() if len(doc) else []  # strictly increasing
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
    for i in indices:
        ent = _entity_at_index(doc, i)
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
        espan = doc.char_span(ent.start, ent.end, alignment_mode="expand")
        role, orgs, iso = person_context(doc, espan, lex)
        out["role"] = out["role"] or role
        out["country"] = out["country"] or iso
        out["orgs"] = list(dict.fromkeys(out["orgs"] + _org_names(lex, orgs)))
    return out


def _describe_phrase(doc, span, head, lex) -> dict:
    out = _empty(span)
    left = [t for t in span if t.i < head.i]
    words = [norm(t.text) for t in left] + [norm(head.lemma_)]
    inst = lex.institutions.get(norm(head.lemma_)) or lex.institutions.get(norm(head.text))
    iso = actors._country_in(left, lex) or _short_form_in(doc, left, lex)
    if inst and iso:
        return _from_actor(out, institution_entry(lex, iso, inst).actor())
    rk = _role_kind(head, lex)
    attached = _attached_tokens(head)
    orgs = _org_entities(doc, [*range(span.start, span.end), *(t.i for t in attached)])
    if rk is not None:
        out["kind"] = "person" if rk[1] == "person" else "group"
        out["actor_id"] = f"mention:{span.start_char}"
        out["role"] = actors._role_in(words, lex) or norm(head.lemma_)
    out["orgs"] = _org_names(lex, orgs)
    out["country"] = iso or next((e.actor.country for e in orgs if e.actor.country), None) or \
        actors._country_in(attached, lex)
    return out


def _short_form_in(doc, tokens, lex) -> Optional[str]:
    text = " ".join(t.text for t in tokens if t.lower_ not in ("'s", "\u2019s"))
    for n in range(len(tokens)):
        iso = actors._short_form(doc, text_of(tokens[n:n + 2]), lex)
        if iso:
            return iso
    return actors._short_form(doc, text, lex) if text else None


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
