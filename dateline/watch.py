"""`dateline watch`: poll RSS/Atom feeds and read the articles they link to into the store.

    watch(feeds_file, db=..., interval=..., once=..., allow_hosts=...)   the loop the CLI calls
    Watcher(store, fetcher).poll(feeds) -> PollSummary                    one round over the feeds
    failures(store) / feed_status(store)                                   what went wrong, where each feed is

Each round, every feed is fetched with a conditional GET (the ETag and Last-Modified it sent last time, so an
unchanged feed costs one 304); items whose URL was taken before are skipped; each new page is fetched
through `dateline.fetch` (address checks, robots.txt, rate limit, size cap, retries) and goes through the
same path as `dateline ingest` (`pipeline.ingest_raw`). Every failed fetch is recorded in `fetch_failures`.
A page that failed for a passing reason (timeout, 5xx) is tried again on later polls, up to
`watch_item_attempts`; a feed that keeps failing is polled less often (the rest doubles per failure). The
feed's validators are saved only after its items are done, so a crash mid-poll re-reads the feed next time
and the item table keeps anything already taken from being fetched twice.
"""
from __future__ import annotations

import codecs
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from . import settings
from .errors import ConfigError, InputError
from .feeds import FeedItem, parse_feed
from .fetch import Fetcher, FetchError, Policy, Response
from .sources import RawInput

MAX_BACKOFF = timedelta(days=1)


@dataclass(frozen=True)
class FeedSpec:
    url: str
    name: Optional[str] = None


@dataclass
class PollSummary:
    feeds: int = 0
    not_modified: int = 0
    deferred: int = 0  # feeds skipped this round because they keep failing
    new_items: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (url, kind, reason)

    def to_dict(self) -> dict:
        return {"feeds": self.feeds, "not_modified": self.not_modified, "deferred": self.deferred,
                "new_items": self.new_items, "stored": self.stored, "duplicates": self.duplicates,
                "rejected": self.rejected,
                "failures": [{"url": u, "kind": k, "reason": r} for u, k, r in self.failures]}


# -- the feeds file -----------------------------------------------------------------------------------------

def load_feeds(path) -> list[FeedSpec]:
    """Feeds from a YAML file (a list of URLs or of {url, name}, bare or under `feeds:`) or a plain file with
    one URL a line (`#` starts a comment)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read feeds file {p} ({exc})", fix="pass a readable UTF-8 file of feed URLs") from exc
    entries = _yaml_entries(text, p) if p.suffix.lower() in (".yaml", ".yml") else _plain_entries(text)
    specs = list(dict.fromkeys(_spec(e, p) for e in entries))
    if not specs:
        raise ConfigError(f"feeds file {p} lists no feed", fix="add one feed URL per line (see dateline/data/feeds.example.yaml)")
    return specs


def _yaml_entries(text: str, path: Path) -> list:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"feeds file {path} is not valid YAML ({exc})", fix="correct the YAML") from exc
    if isinstance(data, dict):
        data = data.get("feeds")
    if not isinstance(data, list):
        raise ConfigError(f"feeds file {path} holds no list of feeds", fix="write `feeds:` followed by a list of URLs")
    return data


def _plain_entries(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _spec(entry, path: Path) -> FeedSpec:
    if isinstance(entry, str) and entry.strip():
        return FeedSpec(entry.strip())
    if isinstance(entry, dict) and isinstance(entry.get("url"), str) and entry["url"].strip():
        name = entry.get("name")
        return FeedSpec(entry["url"].strip(), str(name) if name is not None else None)
    raise ConfigError(f"feeds file {path}: entry {entry!r} is not a URL", fix="give each feed as a URL or as {url: ..., name: ...}")


# -- state in the store ------------------------------------------------------------------------------------

def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat(timespec="seconds")


class WatchState:
    """The watch tables of migration 0004: feeds, feed_items, fetch_failures."""

    def __init__(self, store):
        self.store = store

    def feed(self, url: str) -> Optional[dict]:
        rows = self.store.query("SELECT * FROM feeds WHERE url = ?", (url,))
        return rows[0] if rows else None

    def feed_ok(self, spec: FeedSpec, at: datetime, response: Response) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO feeds(url, name, etag, last_modified, last_polled, last_ok, failures) VALUES (?, ?, ?, ?, ?, ?, 0) "
                "ON CONFLICT(url) DO UPDATE SET name=excluded.name, etag=coalesce(excluded.etag, feeds.etag), "
                "last_modified=coalesce(excluded.last_modified, feeds.last_modified), last_polled=excluded.last_polled, "
                "last_ok=excluded.last_ok, failures=0, next_poll=NULL",
                (spec.url, spec.name, response.etag, response.last_modified, _iso(at), _iso(at)))

    def feed_failed(self, spec: FeedSpec, at: datetime, interval: float, back_off: bool = True) -> None:
        failures = ((self.feed(spec.url) or {}).get("failures") or 0) + 1
        # After k failures in a row the feed rests interval * (2^(k-1) - 1/2): the first failure costs no
        # round, each later one doubles the rest; the half interval absorbs jitter in when rounds start.
        wait = min(timedelta(seconds=interval * (2 ** min(failures - 1, 20) - 0.5)), MAX_BACKOFF)
        next_poll = _iso(at + wait) if back_off else None
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO feeds(url, name, last_polled, failures, next_poll) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET last_polled=excluded.last_polled, failures=excluded.failures, "
                "next_poll=excluded.next_poll", (spec.url, spec.name, _iso(at), failures, next_poll))

    def items(self, urls: list[str]) -> dict[str, dict]:
        known: dict[str, dict] = {}
        for start in range(0, len(urls), 500):  # SQLite's limit on bound parameters
            chunk = urls[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.store.query(f"SELECT url, status, attempts FROM feed_items WHERE url IN ({marks})", tuple(chunk)):
                known[row["url"]] = row
        return known

    def mark_items(self, outcomes: dict[str, str], feed_url: str, at: datetime) -> None:
        with self.store.transaction() as conn:
            for url, status in outcomes.items():
                conn.execute(
                    "INSERT INTO feed_items(url, feed_url, status, attempts, first_seen, last_try) VALUES (?, ?, ?, 1, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET status=excluded.status, attempts=feed_items.attempts + 1, "
                    "last_try=excluded.last_try", (url, feed_url, status, _iso(at), _iso(at)))

    def record_failure(self, url: str, feed_url: Optional[str], kind: str, reason: str, at: datetime) -> None:
        with self.store.transaction() as conn:
            conn.execute("INSERT INTO fetch_failures(url, feed_url, kind, reason, at) VALUES (?, ?, ?, ?, ?)",
                         (url, feed_url, kind, reason, _iso(at)))


def failures(store, limit: int = 100) -> list[dict]:
    """The most recent fetch failures, newest first."""
    return store.query("SELECT at, kind, url, feed_url, reason FROM fetch_failures ORDER BY id DESC LIMIT ?", (limit,))


def feed_status(store) -> list[dict]:
    return store.query("SELECT url, name, last_polled, last_ok, failures, next_poll, etag, last_modified FROM feeds ORDER BY url")


# -- one round -------------------------------------------------------------------------------------------------

def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Watcher:
    """Polls feeds into a store. `ingest` is the seam to the NLP pipeline: (raws, store) -> IngestSummary."""

    def __init__(self, store, fetcher: Fetcher, *, ingest: Optional[Callable] = None, model: Optional[str] = None,
                 interval: Optional[float] = None, now: Callable[[], datetime] = _utcnow):
        self.store = store
        self.state = WatchState(store)
        self.fetcher = fetcher
        self.ingest = ingest or _pipeline_ingest(model)
        self.interval = settings.get("watch_interval", interval)
        self.now = now

    def poll(self, feeds: Iterable[FeedSpec]) -> PollSummary:
        summary = PollSummary()
        for spec in feeds:
            summary.feeds += 1
            self.poll_feed(spec, summary)
        return summary

    def poll_feed(self, spec: FeedSpec, summary: PollSummary) -> None:
        state = self.state.feed(spec.url) or {}
        if state.get("next_poll") and self.now() < datetime.fromisoformat(state["next_poll"]):
            summary.deferred += 1
            return
        try:
            response = self.fetcher.get(spec.url, "feed", etag=state.get("etag"), last_modified=state.get("last_modified"))
            items = [] if response.not_modified else parse_feed(response.body, response.url)
        except InputError as err:
            kind = getattr(err, "kind", "feed")
            self._failed(spec.url, None, kind, err, summary)
            # a refused address sent nothing to anyone: no server to spare, and allowing it should work at once
            self.state.feed_failed(spec, self.now(), self.interval, back_off=kind != "blocked")
            return
        if response.not_modified:
            summary.not_modified += 1
        else:
            self._take(spec, items, summary)
        self.state.feed_ok(spec, self.now(), response)

    def _take(self, spec: FeedSpec, items: list[FeedItem], summary: PollSummary) -> None:
        known = self.state.items([i.url for i in items])
        todo = [i for i in items if i.url not in known or known[i.url]["status"] == "pending"]
        todo = todo[:settings.get("watch_max_items")]  # the rest wait for the next round
        if not todo:
            return
        summary.new_items += len(todo)
        outcomes: dict[str, str] = {}
        result = self.ingest(self._pages(spec, todo, known, outcomes, summary), self.store)
        for source, _reason in result.rejected:
            if outcomes.get(source) == "stored":
                outcomes[source] = "rejected"
        summary.stored += result.stored
        summary.duplicates += result.duplicates
        summary.rejected += len(result.rejected)
        self.state.mark_items(outcomes, spec.url, self.now())

    def _pages(self, spec: FeedSpec, items: list[FeedItem], known: dict, outcomes: dict,
               summary: PollSummary) -> Iterator[RawInput]:
        """The pages of new items as raw inputs, fetched one by one as the pipeline asks for them."""
        attempts = settings.get("watch_item_attempts")
        for item in items:
            try:
                page = self.fetcher.get(item.url, "page")
            except FetchError as err:
                self._failed(item.url, spec.url, err.kind, err, summary)
                tried = (known.get(item.url) or {}).get("attempts", 0) + 1
                outcomes[item.url] = "pending" if err.retry and tried < attempts else "failed"
                continue
            outcomes[item.url] = "stored"
            yield page_input(item, page, _iso(self.now()))

    def _failed(self, url: str, feed_url: Optional[str], kind: str, err: Exception, summary: PollSummary) -> None:
        reason = getattr(err, "reason", str(err))
        summary.failures.append((url, kind, reason))
        self.state.record_failure(url, feed_url, kind, reason, self.now())


def page_input(item: FeedItem, page: Response, fetched: str) -> RawInput:
    """A fetched page as the article record the pipeline reads; the feed's title and date travel with it."""
    try:
        html = decode_page(page.body, page.charset, item.url)
    except InputError as err:
        return RawInput(item.url, "record", error=err)
    meta = {"html": html, "url": page.url, "title": item.title, "published": item.published, "fetched": fetched}
    return RawInput(item.url, "record", meta={k: v for k, v in meta.items() if v})


def decode_page(body: bytes, charset: Optional[str], source: str) -> str:
    """Text of a page: the charset the server named when the bytes really are in it, else the article
    stage's own detection (byte-order mark, meta charset, UTF-8, then a guess)."""
    if charset:
        try:
            codecs.lookup(charset)
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown label: the bytes are read as if none were given
    from .article import decode

    return decode(body, source)


def _pipeline_ingest(model: Optional[str]) -> Callable:
    def run(raws, store):
        from .pipeline import ingest_raw

        return ingest_raw(raws, store, model=model)

    return run


# -- the loop ---------------------------------------------------------------------------------------------------

def watch(feeds_file, *, db: Optional[str] = None, interval: Optional[float] = None, once: bool = False,
          allow_hosts: Iterable[str] = (), model: Optional[str] = None, store=None, fetcher: Optional[Fetcher] = None,
          stop: Optional[threading.Event] = None, on_poll: Optional[Callable[[PollSummary], None]] = None) -> PollSummary:
    """Poll the feeds in `feeds_file` every `interval` seconds (once with `once`) until `stop` is set. The
    feeds file is read again each round, so edits take effect without a restart."""
    from .store import open_store

    load_feeds(feeds_file)  # a broken feeds file fails at once, before the store or the network
    own_store, own_fetcher = store is None, fetcher is None
    store = store or open_store(db)
    fetcher = fetcher or Fetcher(Policy.with_allowed(allow_hosts))
    stop = stop or threading.Event()
    watcher = Watcher(store, fetcher, model=model, interval=interval)
    try:
        while True:
            summary = watcher.poll(load_feeds(feeds_file))
            if on_poll:
                on_poll(summary)
            if once or stop.wait(watcher.interval):
                return summary
    finally:
        if own_fetcher:
            fetcher.close()
        if own_store:
            store.close()
