"""The `events` stage: who did what to whom, found by trigger lexicons over the dependency parse.

Knowledge lives in `dateline/data/events/`: `ontology.yaml` (the 16 PLOVER types plus DEFECT, with modes,
contexts and CAMEO root codes) and `triggers.yaml` (verbs and event nouns per type, with the few conditions
that keep them precise). Files of the same names under `<data_dir>/events/` extend them.

The component reads each token once: a lemma lookup gives the candidate trigger entries, the entry's
conditions are checked on the token's children, and the arguments are read off the parse by
`dateline.event_args`. Nothing here calls a model; the cost is a few dictionary lookups per token.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Optional

import yaml

from . import nlp as nlp_stage
from . import settings
from .errors import ConfigError
from .knowledge import yaml_loader

DATA = Path(__file__).resolve().parent / "data" / "events"
NONE_TYPE = "NONE"
CLAUSE_LINKS = {"advcl", "ccomp", "relcl", "conj", "parataxis", "csubj", "acl", "appos"}
# When two entries fit equally well, the codebook's order decides: material conflict first.
TIE_ORDER = ("ASSAULT", "COERCE", "SANCTION", "MOBILIZE", "PROTEST", "DEFECT", "THREATEN", "ACCUSE", "REJECT",
             "REQUEST", "AID", "COOPERATE", "RETREAT", "CONCEDE", "SUPPORT", "AGREE", "CONSULT")  # a lexicon entry of this type blocks a pattern instead of reporting an event


def _read_yaml(path: Path) -> dict:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read event knowledge file {path}: {exc}",
                          fix="correct the YAML (see dateline/data/events/ for the format) or remove the file")


def _extra_file(name: str) -> Optional[Path]:
    root = settings.get("data_dir")
    if not root:
        return None
    path = Path(root) / "events" / name
    return path if path.is_file() else None


def _merge_types(base: dict, more: dict) -> None:
    for name, spec in (more or {}).items():
        if name in base and isinstance(spec, dict):
            for key, value in spec.items():
                if isinstance(value, dict) and isinstance(base[name].get(key), dict):
                    base[name][key].update(value)
                elif isinstance(value, list) and isinstance(base[name].get(key), list):
                    base[name][key] = list(dict.fromkeys(base[name][key] + value))
                else:
                    base[name][key] = value
        else:
            base[name] = spec


@lru_cache(maxsize=1)
def ontology() -> dict:
    """The event types: name -> {cameo, quad, description, modes, contexts}, bundled file plus user file."""
    data = _read_yaml(DATA / "ontology.yaml")
    extra = _extra_file("ontology.yaml")
    if extra:
        more = _read_yaml(extra)
        _merge_types(data.setdefault("types", {}), more.get("types") or {})
        data["contexts"] = list(dict.fromkeys((data.get("contexts") or []) + (more.get("contexts") or [])))
    return data


def event_types() -> dict:
    return ontology()["types"]


def cameo_root(event_type: str) -> Optional[str]:
    spec = event_types().get(event_type) or {}
    return spec.get("cameo")


@dataclass(frozen=True)
class Entry:
    """One trigger pattern: a head lemma plus the conditions under which it reports an event."""

    type: str
    pos: str  # "verb" | "noun"
    head: str
    prefix: tuple = ()  # words before a hyphen: "test-fire" -> ("test",)
    extras: tuple = ()  # each a frozenset of alternative lemmas that must be near the head
    mode: Optional[str] = None
    context: Optional[str] = None
    not_with: frozenset = frozenset()
    transitive: bool = False
    prep_any: frozenset = frozenset()
    prep_none: frozenset = frozenset()
    needs_dep: frozenset = frozenset()
    intransitive: bool = False
    clause_none: bool = False
    subject_any: frozenset = frozenset()

    @property
    def specificity(self) -> int:
        # A hyphenated head ("test-fire") names the act more exactly than any word around it.
        return len(self.extras) + 2 * len(self.prefix) + bool(self.subject_any)


@dataclass
class Lexicon:
    verbs: dict  # head lemma -> [Entry]
    nouns: dict
    light_verbs: frozenset
    hedge_passives: frozenset
    place_nouns: frozenset
    taken_nouns: frozenset
    agent_nouns: frozenset = frozenset()
    cue_words: dict = None  # lemma -> type: nouns that only hint at an event ("donor", "protester")

    @cached_property
    def heads(self) -> frozenset:
        """Every head word of a verb or noun entry: a word outside it is no trigger, whatever its parse."""
        return frozenset(self.verbs) | frozenset(self.nouns)


def _word(x) -> str:
    """A word from a YAML list; YAML 1.1 reads a bare on/off as true/false, which here mean the words."""
    if x is True:
        return "on"
    if x is False:
        return "off"
    return str(x).lower()


def _tie_rank(event_type: str) -> int:
    return TIE_ORDER.index(event_type) if event_type in TIE_ORDER else len(TIE_ORDER)


def _entry(event_type: str, pos: str, key: str, value) -> Entry:
    spec = value if isinstance(value, dict) else {"mode": value}
    words = str(key).lower().split()
    parts = words[0].split("-")
    lower = lambda xs: frozenset(_word(x) for x in xs or [])  # noqa: E731
    return Entry(
        type=spec.get("type", event_type), pos=pos, head=parts[-1], prefix=tuple(parts[:-1]),
        extras=tuple(frozenset(w.split("|")) for w in words[1:]),
        mode=spec.get("mode"), context=spec.get("context"), not_with=lower(spec.get("not_with")),
        transitive=bool(spec.get("transitive")), prep_any=lower(spec.get("prep_any")),
        prep_none=lower(spec.get("prep_none")), needs_dep=lower(spec.get("needs_dep")),
        intransitive=bool(spec.get("intransitive")), clause_none=bool(spec.get("clause_none")),
        subject_any=lower(spec.get("subject_any")),
    )


def _lexicon_data() -> dict:
    data = _read_yaml(DATA / "triggers.yaml")
    extra = _extra_file("triggers.yaml")
    if extra:
        more = _read_yaml(extra)
        _merge_types(data.setdefault("types", {}), more.get("types") or {})
        for key in ("light_verbs", "hedge_passives", "place_nouns", "taken_nouns", "agent_nouns"):
            data[key] = list(data.get(key) or []) + list(more.get(key) or [])
        for event_type, words in (more.get("cue_words") or {}).items():
            data.setdefault("cue_words", {}).setdefault(event_type, []).extend(words or [])
    return data


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = _lexicon_data()
    verbs: dict = {}
    nouns: dict = {}
    for event_type, spec in (data.get("types") or {}).items():
        for pos, table in (("verb", verbs), ("noun", nouns)):
            for key, value in ((spec or {}).get(pos + "s") or {}).items():
                entry = _entry(event_type, pos, key, value)
                table.setdefault(entry.head, []).append(entry)
    for table in (verbs, nouns):
        for head in table:
            table[head].sort(key=lambda e: (-e.specificity, _tie_rank(e.type)))
    as_set = lambda k: frozenset(str(x).lower() for x in data.get(k) or [])  # noqa: E731
    cues = {str(w).lower(): t for t, words in (data.get("cue_words") or {}).items() for w in words or []}
    return Lexicon(verbs, nouns, as_set("light_verbs"), as_set("hedge_passives"), as_set("place_nouns"),
                   as_set("taken_nouns"), as_set("agent_nouns"), cues)


def near_lemmas(tok) -> set:
    """Lemmas and lower-case forms of a token's children and grandchildren (and the objects of their
    prepositions)."""
    from .event_args import words

    found = words(tok.doc)  # each word's strings from the document's lists, not from a new Token
    lemma, lower = found.lemma, found.lower
    out = set()
    if tok.tag_ == "VBG" and tok.dep_ == "acl":  # "police firing on the mob": the noun is who fires
        out.add(lemma[tok.head.i])
    for child in tok.children:
        # Another clause's words, the subject's and dates are not the pattern's ("... after they fired
        # rockets", "Kim, general secretary, received", "held in March").
        if child.dep_ in ("nsubj", "csubj") or child.ent_type_ in ("DATE", "TIME"):
            continue
        i = child.i
        if lower[i] == "according":  # an attribution ("according to"), and its lemma is "accord"
            continue
        if child.dep_ in CLAUSE_LINKS:  # the head word of a clause ("found him guilty"), not its contents
            out.add(lemma[i])
            continue
        out.add(lemma[i])
        out.add(lower[i])
        for grand in child.children:
            if grand.ent_type_ in ("DATE", "TIME"):
                continue
            out.add(lemma[grand.i])
            out.add(lower[grand.i])
            if grand.dep_ == "prep":  # "lifted a state of emergency"
                out.update(lemma[g.i] for g in grand.children if g.dep_ == "pobj")
    return out


def subject_lemmas(tok) -> set:
    """Lemmas of the verb's subject, shared along coordinated verbs, with the noun after its "of"
    ("thousands of protesters gathered")."""
    steps = 0
    while tok.dep_ == "conj" and steps < 10 and not any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children):
        tok, steps = tok.head, steps + 1
    out = set()
    for subj in (c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")):
        out.add(subj.lemma_.lower())
        out.update(g.lemma_.lower() for prep in subj.children if prep.lower_ == "of"
                   for g in prep.children if g.dep_ == "pobj")
    return out


def _preps(tok) -> set:
    """Prepositions on the token, less those that only say when ("fired missiles on Sunday")."""
    return {c.lower_ for c in tok.children if c.dep_ in ("prep", "agent", "dative") and not _temporal(c)}


def _temporal(prep) -> bool:
    if prep.lower_ == "to":  # "sentenced to ten years" is a term, not a time
        return False
    objs = [c for c in prep.children if c.dep_ == "pobj"]
    return bool(objs) and all(o.ent_type_ in ("DATE", "TIME") for o in objs)


def _is_transitive(tok) -> bool:
    deps = {c.dep_ for c in tok.children}
    return bool(deps & {"dobj", "ccomp", "xcomp", "nsubjpass", "auxpass", "dative", "oprd"}) or \
        (tok.tag_ == "VBN" and tok.dep_ in ("acl", "amod"))


def _fits(entry: Entry, tok, near: Optional[set]) -> bool:
    """`near` is None when the entry names no nearby words (then nobody read them)."""
    doc = tok.doc
    if entry.prefix:
        n = len(entry.prefix)
        start = tok.i - 2 * n
        if start < 0 or [doc[start + 2 * k].lower_ for k in range(n)] != list(entry.prefix):
            return False
        if any(doc[start + 2 * k + 1].text != "-" for k in range(n)):
            return False
    if any(not (alts & near) for alts in entry.extras):
        return False
    if entry.not_with and entry.not_with & near:
        return False
    if entry.transitive and not _is_transitive(tok):
        return False
    if entry.intransitive and any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in tok.children):
        return False
    if entry.clause_none and any(c.dep_ == "ccomp" for c in tok.children):
        return False
    if entry.needs_dep and not (entry.needs_dep & {c.dep_ for c in tok.children}):
        return False
    if entry.subject_any and not (entry.subject_any & subject_lemmas(tok)):
        return False
    if not (entry.prep_any or entry.prep_none):
        return True
    preps = _preps(tok) | {c.lower_ for c in tok.children if c.dep_ == "prt"}
    if entry.prep_any and not (entry.prep_any & preps):
        return False
    return not (entry.prep_none & preps)


def match(tok, lex: Optional[Lexicon] = None) -> Optional[Entry]:
    """The most specific lexicon entry that this token fulfils as a trigger, or None."""
    lex = lex or lexicon()
    if tok.pos_ == "VERB":
        table = lex.verbs
    elif tok.pos_ in ("NOUN", "PROPN"):
        table = lex.nouns
    else:
        return None
    entries = table.get(tok.lemma_.lower()) or table.get(tok.lower_)
    if not entries:
        return None
    near = None  # the words around the token, read only for an entry that names some
    for entry in entries:
        if near is None and (entry.extras or entry.not_with):
            near = near_lemmas(tok)
        if _fits(entry, tok, near):
            return None if entry.type == NONE_TYPE else entry
    return None


def triggers(doc, lex: Optional[Lexicon] = None) -> list[tuple]:
    """(token, entry) for every token that reports an event, in text order."""
    from . import event_args

    lex = lex or lexicon()
    found = []
    heads = lex.heads
    words = event_args.words(doc)
    for i, (lower, lemma) in enumerate(zip(words.lower, words.lemma)):
        if lower not in heads and lemma not in heads:
            continue
        tok = doc[i]
        entry = match(tok, lex)
        if entry is not None and event_args.reports_event(tok, entry, lex):
            found.append((tok, entry))
    # A noun that only completes a verb pattern ("held talks", "imposed sanctions") is the verb's event.
    if not any(e.pos == "noun" for _, e in found):
        return found  # (no noun to drop: the verbs' words need not be gathered)
    used = {c.i for tok, e in found if e.pos == "verb" and e.extras
            for c in list(tok.children) + [g for ch in tok.children for g in ch.children]}
    return [(t, e) for t, e in found if not (e.pos == "noun" and t.i in used)]


def extract(doc) -> list:
    from . import event_args

    lex = lexicon()
    with event_args.reading(doc):  # the triggers share the document's lookups
        found = triggers(doc, lex)
        ids = frozenset(tok.i for tok, _ in found)
        events = [event_args.build(doc, tok, entry, lex, ids) for tok, entry in found]
        events = event_args.merge(doc, [e for e in events if e is not None], lex)
    prefix = doc._.doc_id or "doc"
    for n, event in enumerate(events, 1):
        event.id = f"{prefix}-e{n}"
    return events


FACTORY = "dateline.events.v1"


@nlp_stage.component(FACTORY)
def events_component(doc):
    doc._.events = extract(doc)
    return doc
