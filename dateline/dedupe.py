"""The `dedupe` stage: near-duplicate articles (syndicated wire copy, light edits, the same story updated).

Exact copies share a content id and the store skips them. Near copies are found with MinHash signatures of
word shingles and an LSH index (datasketch): an article whose estimated Jaccard similarity to an earlier one
is at least `THRESHOLD` is linked to that first copy in the `duplicates` table and not extracted again.

With a store, the index lives in it: each document's signature in the `signatures` table and its LSH band
buckets in `signature_bands`, written when the document is checked, so an ingest keeps nothing per article in
memory and a restart finds the same index (reaching back to the most recent `LOOKBACK` documents: copies are
found among recent articles). Stored documents that have no signature yet (stored by another path, or
before this stage existed) get one when the index loads.

    THRESHOLD = 0.8   estimated Jaccard similarity of 5-word shingles; a wire story with a new first
                      paragraph or a changed byline stays above it, two reports of the same event written
                      separately stay far below it (typically < 0.2).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from hashlib import sha1 as _sha1
from typing import Iterable, Iterator, Optional

import numpy as np

THRESHOLD = 0.8
SHINGLE = 5  # words per shingle
PERMS = 128
SEED = 1
SCHEME = "affine32"  # datasketch's hashing scheme; stored signatures are only comparable within one scheme
MIN_SHINGLES = 8  # shorter texts are too small to call near copies
LOOKBACK = 200_000  # stored documents a run's index reaches back to (the most recent at its start)
# The (bands, rows) datasketch picks for THRESHOLD and PERMS: it searches every pair, integrating their error
# curves, about 10 ms each time an index opens (a test checks that its choice is still this one).
LSH_PARAMS = {THRESHOLD: (9, 13)}
# Signatures and links a deferred index holds until the next batch is stored (a batch and the articles in
# the workers hold far fewer); past it they are written at once, so a run of copies holds little.
MAX_PENDING = 1000

_WORD = re.compile(r"\w+", re.UNICODE)
_ASCII_WORD = re.compile(r"[a-z0-9_]+")  # the same words in lower-cased ASCII text, found faster


def _words(text: str) -> list[str]:
    lowered = text.lower()
    return (_ASCII_WORD if lowered.isascii() else _WORD).findall(lowered)


@dataclass
class Match:
    original_id: str
    similarity: float


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    words = _words(text)
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return set(map(" ".join, zip(*(words[i:] for i in range(size)))))


def _coded_shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """`shingles` as the UTF-8 bytes the hash reads: the words are encoded once, not once per shingle (a
    word holds no space, so splitting the encoded text on spaces gives the encoded words)."""
    words = _words(text)
    if len(words) < size:
        return {" ".join(words).encode("utf-8")} if words else set()
    coded = " ".join(words).encode("utf-8").split(b" ")
    return set(map(b" ".join, zip(*(coded[i:] for i in range(size)))))


def signature(text: str):
    return _signature(_coded_shingles(text))


def _signature(coded: set[bytes]):
    """The MinHash of encoded shingles, as datasketch's `update_batch` computes it with its default hash
    (the first 4 bytes of SHA-1, little-endian), the MurmurHash3 finalizer and the affine permutations; the
    digests go into one buffer that numpy reads, instead of through a Python hash function, `struct` and a
    list per shingle (a test compares the two)."""
    from datasketch import MinHash

    m = MinHash(num_perm=PERMS, seed=SEED, scheme=SCHEME, permutations=_permutations())
    if coded:
        digests = b"".join([_sha1(s).digest() for s in coded])
        hashed = _fmix32(np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32))
        a, b = m.permutations
        permuted = np.multiply.outer(hashed, a)
        permuted += b
        m.hashvalues = np.minimum(m.hashvalues, permuted.min(axis=0))
    return m


_FMIX = tuple(np.uint32(c) for c in (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16))


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before the permutations (uint32 arithmetic
    wraps, as intended)."""
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


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
    """The LSH index over the stored documents plus those checked earlier in this run. With a store, the index
    lives in it (`signatures` and their `signature_bands`) and nothing is kept in memory per document, so an
    ingest's memory stays flat however many articles it reads; without one, it is held in memory.

    `deferred` (the ingest's way): what a check writes (the signature of a new text, the link of a copy) is
    held until `write_pending` writes it inside the transaction that stores the next batch, instead of one
    transaction per article; checks find the held signatures as they find stored ones. At most MAX_PENDING
    are held: past that they are written at once. A crash loses only held rows, which a re-run writes again
    (they belong to articles not yet stored, or to copies that are found again)."""

    def __init__(self, store=None, threshold: float = THRESHOLD, deferred: bool = False):
        self.threshold = threshold
        self.store = store
        self.index = _StoreIndex(store, threshold) if store is not None else _MemoryIndex(threshold)
        self.links: list[tuple] = []  # `duplicates` rows held (deferred)
        if store is not None:
            for page in self.index.unsigned():
                self.save(page)
            self.index.deferred = deferred  # the stored documents are signed at once

    def save(self, docs: Iterable[tuple[str, str]]) -> None:
        """Index (id, text) pairs and keep their signatures in the store."""
        self.index.add_all([(doc_id, signature(text)) for doc_id, text in docs])

    def check(self, doc_id: str, text: str) -> Optional[Match]:
        """The earliest-indexed document this text nearly copies, or None. A text that is not a copy is
        added to the index so later inputs of the same run are checked against it."""
        coded = _coded_shingles(text)
        if len(coded) < MIN_SHINGLES:
            return None
        sig = _signature(coded)
        best = None
        for other, other_sig in self.index.candidates(doc_id, sig):  # earliest indexed first
            sim = float(sig.jaccard(other_sig))
            if sim >= self.threshold and (best is None or sim > best.similarity):
                best = Match(other, round(sim, 4))
        if best is None:
            self.index.add_all([(doc_id, sig)])
            self._bound()
        return best

    def record_prepared(self, prepared, match: Match) -> None:
        """Link a near copy (a `pipeline.Prepared` input) to its first copy: at once, or held (deferred)."""
        row = _prepared_link(prepared, match)
        if not self.index.deferred:
            _write_links(self.store, [row])
            return
        self.links.append(row)
        self._bound()

    def pending(self) -> bool:
        return bool(self.links or self.index.held)

    def write_pending(self, conn) -> None:
        """Write the held signatures and links on `conn`, inside the caller's transaction."""
        if self.index.held:
            self.index.write_held(conn)
        if self.links:
            conn.executemany(_INSERT_LINK, self.links)

    def written(self) -> None:
        """The transaction that wrote the held rows committed: let them go."""
        self.links = []
        self.index.clear_held()

    def _bound(self) -> None:
        if len(self.links) + len(self.index.held) > MAX_PENDING:
            with self.store.transaction() as conn:
                self.write_pending(conn)
            self.written()


def _lsh(threshold: float):
    from datasketch import MinHashLSH

    return MinHashLSH(threshold=threshold, num_perm=PERMS, params=LSH_PARAMS.get(threshold))


def _bands(threshold: float) -> list[tuple[int, int]]:
    """The (start, end) hash ranges of the LSH bands datasketch picks for `threshold` and PERMS."""
    return list(_lsh(threshold).hashranges)


class _MemoryIndex:
    """datasketch's in-memory LSH, for checks without a store."""

    deferred, held = False, {}  # it writes nothing, so holds nothing

    def __init__(self, threshold: float):
        self.lsh = _lsh(threshold)
        self.sigs: dict[str, object] = {}
        self.order: dict[str, int] = {}  # insertion rank, kept rather than rebuilt on every check

    def clear_held(self) -> None:
        pass

    def add_all(self, pairs: list[tuple[str, object]]) -> None:
        for doc_id, sig in pairs:
            if doc_id not in self.sigs:
                self.order[doc_id] = len(self.sigs)
                self.sigs[doc_id] = sig
                self.lsh.insert(doc_id, sig)

    def candidates(self, doc_id: str, sig) -> list[tuple[str, object]]:
        return [(k, self.sigs[k]) for k in sorted(self.lsh.query(sig), key=lambda k: self.order.get(k, 0))]


class _StoreIndex:
    """The LSH index as rows: a signature's buckets are its band slices, looked up by the primary key of
    `signature_bands`; its rank is its `signatures.rowid`. As the index in memory did, it holds the most recent
    LOOKBACK signatures found at load and every document signed since, including those checked by this run
    and not stored yet."""

    def __init__(self, store, threshold: float):
        self.store = store
        self.bands = _bands(threshold)
        self.deferred = False
        self.held: dict[str, bytes] = {}  # signatures not written yet (deferred), in the order checked
        self.held_buckets: dict[tuple[int, bytes], list[str]] = {}
        self._forget_unstored()
        rows = store.query("SELECT MIN(r) AS lo FROM (SELECT rowid AS r FROM signatures WHERE perms = ? AND seed = ? "
                           "ORDER BY rowid DESC LIMIT ?)", (PERMS, SEED, LOOKBACK))
        self.first = rows[0]["lo"] or 0  # the oldest signature in the look-back
        self._band_old_signatures()

    def _forget_unstored(self) -> None:
        """Drop the signatures of documents an earlier run checked and never stored (it was interrupted, or
        they failed in the NLP stages): they are no originals, and one read again is signed again with its
        place in this run. Their bucket rows stay, unreachable without the signature, and are the same rows
        if the document is signed again. (A run still going on another connection loses its unstored ones
        from the index too; they are signed when the index next loads.)"""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM signatures WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = signatures.doc_id)")

    def _band_old_signatures(self, page: int = 2000) -> None:
        """Bucket rows for signatures in the look-back that have none (written before the table existed), a
        page at a time so that a large store does not pass through memory at once."""
        start, end = self.bands[0]
        first_bucket = f"substr(s.hashes, {start * 8 + 1}, {(end - start) * 8})"  # literals: int4 on PostgreSQL
        after = self.first - 1
        while True:
            rows = self.store.query(
                "SELECT s.rowid AS r, s.doc_id, s.hashes FROM signatures s WHERE s.perms = ? AND s.seed = ? "
                f"AND s.rowid > ? AND NOT EXISTS (SELECT 1 FROM signature_bands b WHERE b.band = 0 AND b.bucket = "
                f"{first_bucket} AND b.doc_id = s.doc_id) ORDER BY s.rowid LIMIT ?", (PERMS, SEED, after, page))
            if not rows:
                return
            with self.store.transaction() as conn:
                conn.executemany("INSERT OR IGNORE INTO signature_bands VALUES (?, ?, ?)",
                                 [b for r in rows for b in self._band_rows(r["doc_id"], bytes(r["hashes"]))])
            after = rows[-1]["r"]

    def unsigned(self, page: int = 1000) -> Iterator[list[tuple[str, str]]]:
        """Stored documents without a signature (stored by another path, such as `dateline load`, or before
        this stage existed), in storage order, a page of texts at a time."""
        after = 0
        while True:
            rows = self.store.query(
                "SELECT d.rowid AS r, d.id, d.text FROM documents d LEFT JOIN signatures s ON s.doc_id = d.id "
                "WHERE s.doc_id IS NULL AND d.rowid > ? ORDER BY d.rowid LIMIT ?", (after, page))
            if not rows:
                return
            yield [(r["id"], r["text"]) for r in rows]
            after = rows[-1]["r"]

    def _band_rows(self, doc_id: str, blob: bytes) -> list[tuple]:
        return [(i, blob[start * 8:end * 8], doc_id) for i, (start, end) in enumerate(self.bands)]

    def add_all(self, pairs: list[tuple[str, object]]) -> None:
        if not pairs:
            return
        if self.deferred:
            for doc_id, sig in pairs:
                if doc_id not in self.held:
                    self.held[doc_id] = blob = _blob(sig)
                    for band, bucket, _ in self._band_rows(doc_id, blob):
                        self.held_buckets.setdefault((band, bucket), []).append(doc_id)
            return
        with self.store.transaction() as conn:
            self._write(conn, [(doc_id, _blob(sig)) for doc_id, sig in pairs])

    def _write(self, conn, blobs: list[tuple[str, bytes]]) -> None:
        conn.executemany("INSERT OR IGNORE INTO signatures VALUES (?, ?, ?, ?)",
                         [(doc_id, PERMS, SEED, blob) for doc_id, blob in blobs])
        conn.executemany("INSERT OR IGNORE INTO signature_bands VALUES (?, ?, ?)",
                         [b for doc_id, blob in blobs for b in self._band_rows(doc_id, blob)])

    def write_held(self, conn) -> None:
        self._write(conn, list(self.held.items()))

    def clear_held(self) -> None:
        self.held, self.held_buckets = {}, {}

    def candidates(self, doc_id: str, sig) -> list[tuple[str, object]]:
        """Stored signatures sharing a bucket, in storage order, then held ones, in the order checked (they
        are stored after every stored one)."""
        blob = _blob(sig)
        band_rows = self._band_rows(doc_id, blob)
        buckets = " OR ".join("(band = ? AND bucket = ?)" for _ in self.bands)
        params = [v for band, bucket, _ in band_rows for v in (band, bucket)]
        rows = self.store.query(
            f"SELECT s.doc_id, s.hashes FROM signatures s WHERE s.doc_id IN (SELECT doc_id FROM signature_bands "
            f"WHERE {buckets}) AND s.perms = ? AND s.seed = ? AND s.rowid >= ? AND s.doc_id <> ? ORDER BY s.rowid",
            tuple(params) + (PERMS, SEED, self.first, doc_id))
        found = [(r["doc_id"], _from_blob(bytes(r["hashes"]))) for r in rows]
        if self.held_buckets:
            seen = {other for other, _ in found}
            seen.add(doc_id)
            near = {other for band, bucket, _ in band_rows for other in self.held_buckets.get((band, bucket), ())}
            found += [(other, _from_blob(self.held[other])) for other in self.held if other in near and other not in seen]
        return found


_INSERT_LINK = "INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


def record(store, doc_id: str, match: Match, *, source=None, url=None, outlet=None, title=None,
           published=None) -> None:
    """Store the link from a near copy to its first copy."""
    _write_links(store, [_link(doc_id, match, source, url, outlet, title, published)])


def record_prepared(store, prepared, match: Match) -> None:
    """`record` for a `pipeline.Prepared` input."""
    _write_links(store, [_prepared_link(prepared, match)])


def _link(doc_id: str, match: Match, source=None, url=None, outlet=None, title=None, published=None) -> tuple:
    return (doc_id, match.original_id, match.similarity, source, url, outlet, title, published,
            datetime.now(timezone.utc).isoformat(timespec="seconds"))


def _prepared_link(prepared, match: Match) -> tuple:
    art = prepared.article
    return _link(prepared.id, match, prepared.raw.source, art.url, art.outlet, art.title, art.published)


def _write_links(store, rows: list[tuple]) -> None:
    with store.transaction() as conn:
        conn.executemany(_INSERT_LINK, rows)


def duplicates(store, original: Optional[str] = None, limit: int = 100) -> list[dict]:
    """Stored near-duplicate links, newest first, with the original's title and outlet."""
    where, params = ("WHERE u.original_id = ?", [original]) if original else ("", [])
    return store.query(
        "SELECT u.doc_id AS copy_id, u.original_id, u.similarity, u.outlet AS copy_outlet, u.published AS copy_published, "
        "u.source AS copy_source, u.url AS copy_url, d.outlet AS original_outlet, d.published AS original_published, "
        f"d.title AS original_title FROM duplicates u LEFT JOIN documents d ON d.id = u.original_id {where} "
        "ORDER BY u.found_at DESC, u.doc_id LIMIT ?", tuple(params + [limit]))
