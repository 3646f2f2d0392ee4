"""The `dedupe` stage: near-duplicate articles (syndicated wire copy, light edits, the same story updated).

Exact copies share a content id and the store skips them. Near copies are found with MinHash signatures of
word shingles and an LSH index (datasketch): an article whose estimated Jaccard similarity to an earlier one
is at least `THRESHOLD` is linked to that first copy in the `duplicates` table and not extracted again.

Signatures live in the `signatures` table, so the index is rebuilt from the store after a restart (the most
recent `LOOKBACK` documents: copies are found among recent articles); stored documents that have no signature
yet (stored since the last load, or before this stage existed) get one when the index loads.

    THRESHOLD = 0.8   estimated Jaccard similarity of 5-word shingles; a wire story with a new first
                      paragraph or a changed byline stays above it, two reports of the same event written
                      separately stay far below it (typically < 0.2).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from typing import Iterable, Optional

import numpy as np

THRESHOLD = 0.8
SHINGLE = 5  # words per shingle
PERMS = 128
SEED = 1
SCHEME = "affine32"  # datasketch's hashing scheme; stored signatures are only comparable within one scheme
MIN_SHINGLES = 8  # shorter texts are too small to call near copies
LOOKBACK = 200_000  # stored documents indexed at start (the most recent): bounds memory, ~1 KB each

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Match:
    original_id: str
    similarity: float


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def signature(text: str):
    from datasketch import MinHash

    m = MinHash(num_perm=PERMS, seed=SEED, scheme=SCHEME, permutations=_permutations())
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


def _from_blob(blob: bytes):
    from datasketch import MinHash

    return MinHash(num_perm=PERMS, seed=SEED, scheme=SCHEME, hashvalues=np.frombuffer(blob, dtype="<u8").copy(),
                   permutations=_permutations())


@lru_cache(maxsize=1)
def _permutations():
    """The hash permutations for PERMS and SEED, drawn once: datasketch draws them again for every MinHash."""
    from datasketch import MinHash

    return MinHash(num_perm=PERMS, seed=SEED, scheme=SCHEME).permutations


def _blob(m) -> bytes:
    return np.asarray(m.hashvalues, dtype="<u8").tobytes()


class NearDuplicates:
    """The LSH index over every stored document plus those seen earlier in this run."""

    def __init__(self, store=None, threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.store = store
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=PERMS)
        self.sigs: dict[str, object] = {}
        self.order: dict[str, int] = {}  # insertion rank, kept rather than rebuilt on every check
        if store is not None:
            self._load()

    def _load(self) -> None:
        rows = self.store.query("SELECT doc_id, hashes FROM (SELECT rowid AS r, doc_id, hashes FROM signatures "
                                "WHERE perms = ? AND seed = ? ORDER BY rowid DESC LIMIT ?) ORDER BY r",
                                (PERMS, SEED, LOOKBACK))
        for row in rows:
            self._insert(row["doc_id"], _from_blob(row["hashes"]))
        missing = self.store.query("SELECT d.id, d.text FROM documents d LEFT JOIN signatures s ON s.doc_id = d.id "
                                   "WHERE s.doc_id IS NULL ORDER BY d.rowid")
        self.save([(r["id"], r["text"]) for r in missing])

    def _insert(self, doc_id: str, sig) -> None:
        if doc_id not in self.sigs:
            self.order[doc_id] = len(self.sigs)
            self.sigs[doc_id] = sig
            self.lsh.insert(doc_id, sig)

    def save(self, docs: Iterable[tuple[str, str]]) -> None:
        """Index (id, text) pairs and keep their signatures in the store."""
        rows = []
        for doc_id, text in docs:
            sig = signature(text)
            self._insert(doc_id, sig)
            rows.append((doc_id, PERMS, SEED, _blob(sig)))
        if rows and self.store is not None:
            with self.store.transaction() as conn:
                conn.executemany("INSERT OR IGNORE INTO signatures VALUES (?, ?, ?, ?)", rows)

    def check(self, doc_id: str, text: str) -> Optional[Match]:
        """The earliest-indexed document this text nearly copies, or None. A text that is not a copy is
        added to the index (in memory) so later inputs of the same run are checked against it."""
        if len(shingles(text)) < MIN_SHINGLES:
            return None
        sig = signature(text)
        best = None
        for other in sorted(self.lsh.query(sig), key=lambda k: self.order.get(k, 0)):
            sim = float(sig.jaccard(self.sigs[other]))
            if sim >= self.threshold and (best is None or sim > best.similarity):
                best = Match(other, round(sim, 4))
        if best is None:
            self._insert(doc_id, sig)
        return best


def record(store, doc_id: str, match: Match, *, source=None, url=None, outlet=None, title=None,
           published=None) -> None:
    """Store the link from a near copy to its first copy."""
    with store.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (doc_id, match.original_id, match.similarity, source, url, outlet, title, published,
                      datetime.now(timezone.utc).isoformat(timespec="seconds")))


def record_prepared(store, prepared, match: Match) -> None:
    """`record` for a `pipeline.Prepared` input (the ingest hook)."""
    art = prepared.article
    record(store, prepared.id, match, source=prepared.raw.source, url=art.url, outlet=art.outlet,
           title=art.title, published=art.published)


def duplicates(store, original: Optional[str] = None, limit: int = 100) -> list[dict]:
    """Stored near-duplicate links, newest first, with the original's title and outlet."""
    where, params = ("WHERE u.original_id = ?", [original]) if original else ("", [])
    return store.query(
        "SELECT u.doc_id AS copy_id, u.original_id, u.similarity, u.outlet AS copy_outlet, u.published AS copy_published, "
        "u.source AS copy_source, u.url AS copy_url, d.outlet AS original_outlet, d.published AS original_published, "
        f"d.title AS original_title FROM duplicates u LEFT JOIN documents d ON d.id = u.original_id {where} "
        "ORDER BY u.found_at DESC, u.doc_id LIMIT ?", tuple(params + [limit]))
