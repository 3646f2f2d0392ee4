"""`dateline bench api`: latency of the HTTP API on a large generated store, and a concurrent load run.

The store is generated inside SQLite (a recursive CTE, no Python loop per row): `events` events in
`events / 10` documents and `events / 5` story-events, with types, countries, actors, certainties and dates
spread by fixed multiplicative hashes of the row number, 5% undated, 3% historical. The indexes are dropped
during the bulk insert and built again after it, as a bulk load would. A real uvicorn server on 127.0.0.1
then answers `requests` requests per endpoint, one at a time, and the p50/p95 of each is reported.

`load(...)` runs many concurrent clients against a server for a fixed number of requests, counting errors
and reporting p50/p99 (the load test in tests/test_api.py runs it while documents are being written).
"""
from __future__ import annotations

import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Optional

TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT",
         "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT", "DEFECT")
COUNTRIES = ("KP", "KR", "US", "CN", "JP", "RU", "GB", "FR", "DE", "IN", "PK", "IR", "IL", "UA", "SY", "TR", "BR",
             "ZA", "NG", "EG")
CERTAINTIES = ("asserted", "asserted", "attributed", "hedged")
WORDS = ("missile", "sanctions", "talks", "defector", "summit", "border", "exercise", "aid", "protest", "launch")


def generate(path: str, events: int) -> float:
    """Fill a new store at `path` with `events` generated events; returns the seconds it took."""
    from .store import open_store

    started = time.perf_counter()
    store = open_store(path)
    conn = store.conn
    conn.execute("PRAGMA synchronous=OFF")
    indexes = [(name, sql) for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('events', 'story_events')")]
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    _lookup_tables(conn)
    n_docs, n_stories = max(events // 10, 1), max(events // 5, 1)
    conn.execute("BEGIN")
    conn.execute(_DOCUMENTS, (n_docs,))
    conn.execute(_EVENTS, (events,))
    conn.execute(_EVENT_KEYS)
    conn.execute(_STORIES, (n_stories,))
    conn.execute("INSERT INTO story_mentions (event_id, story_id, doc_id) SELECT e.id, "
                 "printf('s-%d', (e.rowid - 1) % ?), e.doc_id FROM events e", (n_stories,))
    conn.execute("COMMIT")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA synchronous=NORMAL")
    store.close()
    return round(time.perf_counter() - started, 1)


def _lookup_tables(conn) -> None:
    for name, values in (("g_types", TYPES), ("g_countries", COUNTRIES), ("g_certainty", CERTAINTIES), ("g_words", WORDS)):
        conn.execute(f"CREATE TEMP TABLE {name} (k INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany(f"INSERT INTO {name} VALUES (?, ?)", list(enumerate(values)))


_DOCUMENTS = """
INSERT INTO documents (id, title, outlet, published, text, ingested_at, reading)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
SELECT printf('%016x', i), 'Generated report ' || i,
       'Outlet ' || (i % 40),
       date('2000-01-01', '+' || ((i * 7919) % 9000) || ' days') || 'T09:00:00+00:00',
       'Generated article ' || i || ' on ' || (SELECT v FROM g_words WHERE k = i % 10) || ' and '
         || (SELECT v FROM g_words WHERE k = (i * 7) % 10) || ' near ' || (SELECT v FROM g_countries WHERE k = i % 20) || '.',
       '2026-01-01T00:00:00+00:00', '{}'
FROM n
"""

_EVENTS = """
INSERT INTO events (id, doc_id, type, mode, cameo, trigger, sentence_start, sentence_end, actor_country,
                    target_country, place_country, date_start, date_end, precision, certainty, polarity, modality,
                    historical, record, actor_id, target_id)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),
rows AS (SELECT i, printf('%016x', i / 10) AS doc, (SELECT v FROM g_types WHERE k = (i * 2654435761) % 17) AS type,
                (SELECT v FROM g_countries WHERE k = (i * 40503) % 20) AS actor,
                (SELECT v FROM g_countries WHERE k = (i * 9973) % 20) AS target,
                (SELECT v FROM g_countries WHERE k = (i * 611953) % 20) AS place,
                CASE WHEN i % 20 = 0 THEN NULL ELSE date('2000-01-01', '+' || ((i * 7919) % 9000) || ' days') END AS day
         FROM n)
SELECT printf('%s-e%d', doc, i % 10 + 1), doc, type, NULL, '00', 'trigger', 0, 10, actor, target, place, day, day,
       CASE WHEN day IS NULL THEN NULL ELSE 'day' END,
       (SELECT v FROM g_certainty WHERE k = (i * 31) % 4), 'affirmed', 'actual', (i % 33 = 0),
       json_object('id', printf('%s-e%d', doc, i % 10 + 1), 'type', type,
                   'actor', json_object('text', actor, 'actor_id', actor || '-GOV', 'name', actor || ' government', 'country', actor),
                   'target', json_object('text', target, 'actor_id', target, 'name', target, 'country', target),
                   'location', json_object('text', place, 'name', place, 'country', place),
                   'sentence', json_object('text', 'Generated sentence.', 'start', 0, 'end', 19)),
       actor || '-GOV', target
FROM rows
"""

# The store's writer writes an event's keys with it (dateline.store.sqlite.event_keys); these are the same.
_EVENT_KEYS = """
INSERT OR IGNORE INTO event_keys(key, event_id, date_start)
SELECT k, id, date_start FROM (SELECT 'c:' || actor_country AS k, id, date_start FROM events
                               UNION SELECT 'c:' || target_country, id, date_start FROM events
                               UNION SELECT 'c:' || place_country, id, date_start FROM events
                               UNION SELECT 'a:' || actor_id, id, date_start FROM events
                               UNION SELECT 'a:' || target_id, id, date_start FROM events)
WHERE k IS NOT NULL
"""

_STORIES = """
INSERT INTO story_events (id, seq, type, modality, polarity, actor_id, actor_country, target_id, target_country,
                          place_country, date_start, date_end, precision, first_seen, last_seen, mentions, articles,
                          outlets, certainty, historical, conflicts, record)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),
rows AS (SELECT i, (SELECT v FROM g_types WHERE k = (i * 2654435761) % 17) AS type,
                (SELECT v FROM g_countries WHERE k = (i * 40503) % 20) AS actor,
                (SELECT v FROM g_countries WHERE k = (i * 9973) % 20) AS target,
                date('2000-01-01', '+' || ((i * 7919) % 9000) || ' days') AS day FROM n)
SELECT printf('s-%d', i), i, type, 'actual', 'affirmed', actor || '-GOV', actor, target, target, actor, day, day, 'day',
       day || 'T09:00:00+00:00', day || 'T09:00:00+00:00', 5, 1 + i % 5, 1 + i % 3, 'asserted', 0, 0,
       json_object('id', printf('s-%d', i), 'type', type, 'actor', json_object('name', actor || ' government'),
                   'target', json_object('name', target), 'evidence', json_array())
FROM rows
"""


# -- timing ---------------------------------------------------------------------------------------------
def endpoints(sample_doc: str) -> list[tuple[str, str, bool]]:
    """(name, path, is a filtered event query) for each endpoint measured."""
    return [
        ("events, first page", "/api/v1/events", False),
        ("events by type", "/api/v1/events?type=DEFECT", True),
        ("events by country", "/api/v1/events?country=KP", True),
        ("events by type and dates", "/api/v1/events?type=ASSAULT&since=2010-01&until=2012-12", True),
        ("events by actor", "/api/v1/events?actor=KP-GOV", True),
        ("events by certainty, not historical", "/api/v1/events?certainty=hedged&historical=false", True),
        ("events by type, country and certainty", "/api/v1/events?type=THREATEN&actor_country=KP&certainty=hedged", True),
        ("events by type, oldest first", "/api/v1/events?type=AID&sort=date", True),
        ("story-events by type", "/api/v1/story-events?type=DEFECT", False),
        ("documents", "/api/v1/documents", False),
        ("one document", f"/api/v1/documents/{sample_doc}", False),
        ("search", "/api/v1/search?q=missile%20talks", False),
        ("timeline by type", "/api/v1/timeline?type=DEFECT", False),
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(client, path: str, requests: int) -> dict:
    """Latency of `requests` sequential GETs of `path` (plus one of the page after, when there is one)."""
    times, status = [], set()
    first = client.get(path)
    nxt = first.json().get("next") if first.status_code == 200 and isinstance(first.json(), dict) else None
    for _ in range(requests):
        t0 = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        status.add(r.status_code)
    out = {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
           "status": sorted(status)}
    if nxt:
        join = "&" if "?" in path else "?"
        later = []
        for _ in range(max(requests // 4, 5)):
            t0 = time.perf_counter()
            client.get(f"{path}{join}cursor={nxt}")
            later.append((time.perf_counter() - t0) * 1000)
        out["next_page_p95_ms"] = round(percentile(later, 95), 1)
    return out


class Server:
    """A uvicorn server on 127.0.0.1 and a free port, in a thread of this process; a context manager."""

    def __init__(self, db: str, token: Optional[str] = None, max_request_bytes: Optional[int] = None):
        import socket

        import uvicorn

        from .server import create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        app = create_app(db=db, token=token, max_request_bytes=max_request_bytes)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    server_header=False, limit_concurrency=1000))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def run(events: int = 1_000_000, requests: int = 200, db: Optional[Path] = None) -> dict:
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        path = str(db or Path(tmp) / "bench.db")
        if Path(path).exists():
            raise FileExistsError(path)
        seconds = generate(path, events)
        with Server(path) as server, httpx.Client(base_url=server.url, timeout=60) as client:
            rows = []
            for name, url, filtered in endpoints(f"{(events // 20):016x}"):
                rows.append({"endpoint": name, "path": url, "filtered": filtered, **measure(client, url, requests)})
    filtered = [r["p95_ms"] for r in rows if r["filtered"]]
    return {"events": events, "generate_s": seconds, "requests": requests, "endpoints": rows,
            "filtered_events_p95_ms": max(filtered)}


# -- load -----------------------------------------------------------------------------------------------
def load(base_url: str, paths: Iterable[str], clients: int = 50, requests: int = 1000) -> dict:
    """`clients` concurrent clients share `requests` GETs over `paths` (round robin); every non-200 answer
    or transport failure counts as an error. Returns p50/p99 latency, errors and throughput."""
    import httpx

    paths = list(paths)
    per_client = [list(range(c, requests, clients)) for c in range(clients)]
    barrier = threading.Barrier(clients)

    def client_run(indexes: list[int]) -> tuple[list[float], list[str]]:
        times, errors = [], []
        with httpx.Client(base_url=base_url, timeout=30) as client:
            barrier.wait()
            for i in indexes:
                t0 = time.perf_counter()
                try:
                    r = client.get(paths[i % len(paths)])
                    if r.status_code != 200:
                        errors.append(f"{paths[i % len(paths)]}: {r.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"{paths[i % len(paths)]}: {type(exc).__name__}")
                times.append((time.perf_counter() - t0) * 1000)
        return times, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(client_run, per_client))
    wall = time.perf_counter() - started
    times = [t for ts, _ in results for t in ts]
    errors = [e for _, es in results for e in es]
    return {"clients": clients, "requests": len(times), "errors": len(errors), "error_samples": errors[:5],
            "p50_ms": round(percentile(times, 50), 1), "p99_ms": round(percentile(times, 99), 1),
            "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
            "requests_per_s": round(len(times) / wall, 1) if wall else 0.0}
