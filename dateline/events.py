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
    from .event_args import tree

    return _near(tree(tok.doc), tok.i)


# The rules below read the parse from the document's lists (`event_args.Tree`) by token index: a trigger
# candidate is tested without a spaCy Token for it or its children.
_DATES = ("DATE", "TIME")


def _near(t, i: int) -> set:
    dep, ent, lemma, lower, kids = t.dep, t.ent, t.lemma, t.lower, t.kids
    out = set()
    if t.tag[i] == "VBG" and dep[i] == "acl":  # "police firing on the mob": the noun is who fires
        out.add(lemma[t.head[i]])
    for c in kids[i]:
        # Another clause's words, the subject's and dates are not the pattern's ("... after they fired
        # rockets", "Kim, general secretary, received", "held in March").
        if dep[c] in ("nsubj", "csubj") or ent[c] in _DATES:
            continue
        if lower[c] == "according":  # an attribution ("according to"), and its lemma is "accord"
            continue
        if dep[c] in CLAUSE_LINKS:  # the head word of a clause ("found him guilty"), not its contents
            out.add(lemma[c])
            continue
        out.add(lemma[c])
        out.add(lower[c])
        for g in kids[c]:
            if ent[g] in _DATES:
                continue
            out.add(lemma[g])
            out.add(lower[g])
            if dep[g] == "prep":  # "lifted a state of emergency"
                out.update(lemma[o] for o in kids[g] if dep[o] == "pobj")
    return out


def subject_lemmas(tok) -> set:
    """Lemmas of the verb's subject, shared along coordinated verbs, with the noun after its "of"
    ("thousands of protesters gathered")."""
    from .event_args import tree

    return _subject_lemmas(tree(tok.doc), tok.i)


def _subject_lemmas(t, i: int) -> set:
    dep, kids = t.dep, t.kids
    steps = 0
    while dep[i] == "conj" and steps < 10 and not any(dep[c] in ("nsubj", "nsubjpass") for c in kids[i]):
        i, steps = t.head[i], steps + 1
    out = set()
    for subj in (c for c in kids[i] if dep[c] in ("nsubj", "nsubjpass")):
        out.add(t.lemma[subj])
        out.update(t.lemma[g] for prep in kids[subj] if t.lower[prep] == "of" for g in kids[prep] if dep[g] == "pobj")
    return out


def _preps(t, i: int) -> set:
    """Prepositions on the token, less those that only say when ("fired missiles on Sunday")."""
    dep = t.dep
    return {t.lower[c] for c in t.kids[i] if dep[c] in ("prep", "agent", "dative") and not _temporal_at(t, c)}


def _temporal_at(t, i: int) -> bool:
    if t.lower[i] == "to":  # "sentenced to ten years" is a term, not a time
        return False
    objs = [c for c in t.kids[i] if t.dep[c] == "pobj"]
    return bool(objs) and all(t.ent[o] in _DATES for o in objs)


_TRANSITIVE = frozenset({"dobj", "ccomp", "xcomp", "nsubjpass", "auxpass", "dative", "oprd"})


def _is_transitive(t, i: int) -> bool:
    dep = t.dep
    return any(dep[c] in _TRANSITIVE for c in t.kids[i]) or (t.tag[i] == "VBN" and dep[i] in ("acl", "amod"))


def _fits(entry: Entry, t, i: int, near: Optional[set]) -> bool:
    """`near` is None when the entry names no nearby words (then nobody read them)."""
    if entry.prefix:
        n = len(entry.prefix)
        start = i - 2 * n
        if start < 0 or [t.lower[start + 2 * k] for k in range(n)] != list(entry.prefix):
            return False
        if any(t.lower[start + 2 * k + 1] != "-" for k in range(n)):  # (only "-" has "-" as lower-case form)
            return False
    if any(alts.isdisjoint(near) for alts in entry.extras):  # (no intersection made)
        return False
    if entry.not_with and not entry.not_with.isdisjoint(near):
        return False
    if entry.transitive and not _is_transitive(t, i):
        return False
    dep, kids = t.dep, t.kids[i]
    if entry.intransitive and any(dep[c] in ("dobj", "ccomp", "xcomp") for c in kids):
        return False
    if entry.clause_none and any(dep[c] == "ccomp" for c in kids):
        return False
    if entry.needs_dep and not (entry.needs_dep & {dep[c] for c in kids}):
        return False
    if entry.subject_any and not (entry.subject_any & _subject_lemmas(t, i)):
        return False
    if not (entry.prep_any or entry.prep_none):
        return True
    preps = _preps(t, i) | {t.lower[c] for c in kids if dep[c] == "prt"}
    if entry.prep_any and not (entry.prep_any & preps):
        return False
    return not (entry.prep_none & preps)


def match(tok, lex: Optional[Lexicon] = None) -> Optional[Entry]:
    """The most specific lexicon entry that this token fulfils as a trigger, or None."""
    from .event_args import tree

    return match_at(tree(tok.doc), tok.i, lex or lexicon())


def match_at(t, i: int, lex: Lexicon) -> Optional[Entry]:
    """`match` for the token at index `i` of the parse `t` (an `event_args.Tree`)."""
    pos = t.pos[i]
    if pos == "VERB":
        table = lex.verbs
    elif pos in ("NOUN", "PROPN"):
        table = lex.nouns
    else:
        return None
    entries = table.get(t.lemma[i]) or table.get(t.lower[i])
    if not entries:
        return None
    near = None  # the words around the token, read only for an entry that names some
    for entry in entries:
        if near is None and (entry.extras or entry.not_with):
            near = _near(t, i)
        if _fits(entry, t, i, near):
            return None if entry.type == NONE_TYPE else entry
    return None


def triggers(doc, lex: Optional[Lexicon] = None) -> list[tuple]:
    """(token, entry) for every token that reports an event, in text order."""
    from . import event_args

    lex = lex or lexicon()
    found = []
    heads = lex.heads
    t = event_args.tree(doc)
    lower, lemma = t.lower, t.lemma
    for i in [i for i in range(len(lower)) if lower[i] in heads or lemma[i] in heads]:
        entry = match_at(t, i, lex)
        if entry is not None and event_args.reports_event_at(t, i, entry, lex):
            found.append((i, entry))
    # A noun that only completes a verb pattern ("held talks", "imposed sanctions") is the verb's event.
    if any(e.pos == "noun" for _, e in found):
        used = set()  # the children and grandchildren of verbs with a pattern
        for i, e in found:
            if e.pos == "verb" and e.extras:
                used.update(t.kids[i])
                for child in t.kids[i]:
                    used.update(t.kids[child])
        found = [(i, e) for i, e in found if not (e.pos == "noun" and i in used)]
    return [(doc[i], e) for i, e in found]


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
