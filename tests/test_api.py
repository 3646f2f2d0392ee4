"""The HTTP API on a real uvicorn server on 127.0.0.1 (a free port, started per module, stopped after):
endpoints and their JSON twins, the OpenAPI schema, one error shape, size limits, tokens, injection and
path traversal attempts, security headers, and a load run of 50 concurrent clients while documents are
written."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from dateline import link, queries
from dateline.bench_api import Server, load
from dateline.model import Document, Event, Participant, Span
from test_queries import HOSTILE_ID, INJECTIONS, build_store

TOKEN = "s3cret-token-for-tests"
LIMIT = 4096
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("api") / "api.db")
    build_store(path).close()
    return path


@pytest.fixture(scope="module")
def server(db):
    with Server(db, token=TOKEN, max_request_bytes=LIMIT) as srv:
        yield srv


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def assert_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message", "fix"}
    assert body["error"]["status"] == status and body["error"]["message"]
    assert "Traceback" not in r.text and "OperationalError" not in r.text and "sqlite3" not in r.text
    return body["error"]


READS = ["/api/v1/overview", "/api/v1/documents", "/api/v1/events", "/api/v1/story-events", "/api/v1/actors",
         "/api/v1/places", "/api/v1/statistics", "/api/v1/trends", "/api/v1/alerts", "/api/v1/timeline",
         "/api/v1/map", "/api/v1/network", "/api/v1/facets", "/api/v1/search?q=Seoul",
         "/api/v1/documents/a1a1a1a1a1a1a1a1", "/api/v1/story-events/s-b2b2b2b2b2b2b2b2-e1"]


@pytest.mark.parametrize("path", READS)
def test_every_read_endpoint_answers_json(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert isinstance(r.json(), dict)


def test_pages_are_also_json(client):
    pairs = {"/events.json?type=CONSULT&limit=3": "/api/v1/events?type=CONSULT&limit=3", "/index.json": "/api/v1/overview",
             "/documents/a1a1a1a1a1a1a1a1.json": "/api/v1/documents/a1a1a1a1a1a1a1a1",
             "/stories.json": "/api/v1/story-events", "/map.json": "/api/v1/map"}
    for page, api in pairs.items():
        assert client.get(page).json() == client.get(api).json()
    html = client.get("/events?type=CONSULT")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")


def test_event_filters_and_cursor_over_http(client):
    first = client.get("/api/v1/events", params={"type": "CONSULT", "limit": 10, "total": "true"}).json()
    assert first["total"] == 31 and len(first["items"]) == 10
    seen = [e["id"] for e in first["items"]]
    cursor = first["next"]
    while cursor:
        page = client.get("/api/v1/events", params={"type": "CONSULT", "limit": 10, "cursor": cursor}).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next"]
    assert len(seen) == len(set(seen)) == 31
    assert client.get("/api/v1/events", params={"country": "KR"}).json()["items"][0]["id"] == "b2b2b2b2b2b2b2b2-e1"
    # a filter form sends empty values for "any": no filter, not an error
    empty = client.get("/api/v1/events?type=&historical=&since=&country=KR&limit=5")
    assert empty.status_code == 200 and [e["id"] for e in empty.json()["items"]] == ["b2b2b2b2b2b2b2b2-e1"]


def test_document_has_offsets_highlights_and_stories(client):
    doc = client.get("/api/v1/documents/b2b2b2b2b2b2b2b2").json()
    ev = doc["events"][0]
    assert doc["text"][ev["trigger"]["start"]:ev["trigger"]["end"]] == "attacked"
    assert {h["kind"] for h in doc["highlights"]} >= {"trigger", "actor", "target", "place", "date"} - {"date"}
    assert doc["stories"][ev["id"]]["story_id"] == "s-b2b2b2b2b2b2b2b2-e1"


def test_openapi_schema_lists_every_endpoint_with_the_error_shape(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in READS:
        template = path.split("?")[0].replace("a1a1a1a1a1a1a1a1", "{doc_id}").replace("s-b2b2b2b2b2b2b2b2-e1", "{story_id}")
        assert template in paths and "get" in paths[template], template
    assert "post" in paths["/api/v1/documents"]
    error = schema["components"]["schemas"]["ErrorResponse"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    for path, ops in paths.items():
        for op in ops.values():
            for status in ("400", "404", "413", "422", "500"):
                assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse"), (path, status)
    names = {p["name"] for p in paths["/api/v1/events"]["get"]["parameters"]}
    assert names >= {"type", "country", "actor", "since", "until", "certainty", "historical", "sort", "limit", "cursor"}


def test_errors_have_one_shape(client):
    assert assert_error(client.get("/api/v1/documents/ffffffffffffffff"), 404)["code"] == "not_found"
    assert_error(client.get("/api/v1/story-events/s-nothing"), 404)
    assert_error(client.get("/no-such-page"), 404)
    assert_error(client.get("/api/v1/events", params={"limit": 0}), 422)
    assert_error(client.get("/api/v1/events", params={"historical": "maybe"}), 422)
    err = assert_error(client.get("/api/v1/events", params={"since": "2024-13"}), 400)
    assert "month" in err["message"] and err["fix"]
    assert_error(client.get("/api/v1/events", params={"cursor": "not-a-cursor"}), 400)
    assert_error(client.delete("/api/v1/events"), 405)


def test_an_unexpected_failure_is_a_500_in_the_error_shape(client, monkeypatch):
    def broken(store):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(queries, "overview", broken)
    err = assert_error(client.get("/api/v1/overview"), 500)
    assert "secret" not in json.dumps(err)


@pytest.mark.parametrize("value", INJECTIONS)
def test_sql_injection_in_every_filter_is_inert(client, db, value):
    store = __import__("dateline.store", fromlist=["open_store"]).open_store(db)
    before = store.counts()
    filters = {
        "/api/v1/events": ["type", "mode", "country", "actor_country", "target_country", "place_country", "actor",
                           "certainty", "modality", "polarity", "since", "until", "doc_id", "sort", "cursor"],
        "/api/v1/story-events": ["type", "country", "actor", "since", "until", "certainty", "sort", "cursor"],
        "/api/v1/documents": ["outlet", "since", "until", "q", "sort", "cursor"],
        "/api/v1/actors": ["q", "kind", "country", "sort"], "/api/v1/places": ["q", "country", "feature", "sort"],
        "/api/v1/statistics": ["measure"], "/api/v1/trends": ["type", "country", "actor", "by", "since"],
        "/api/v1/timeline": ["type", "country", "actor", "certainty"], "/api/v1/map": ["type", "country", "actor"],
        "/api/v1/network": ["type", "country"], "/api/v1/search": ["q"], "/api/v1/alerts": ["as_of"],
    }
    for path, names in filters.items():
        for name in names:
            r = client.get(path, params={name: value})
            assert r.status_code in (200, 400, 422), (path, name, r.status_code, r.text)
            if r.status_code != 200:
                assert_error(r, r.status_code)
            elif "items" in r.json() and path not in ("/api/v1/alerts", "/api/v1/statistics"):
                assert r.json()["items"] == [], (path, name)
    assert store.counts() == before
    assert client.get("/api/v1/events", params={"total": "true"}).json()["total"] == 35
    store.close()


@pytest.mark.parametrize("path", [
    "/api/v1/documents/..%2F..%2F..%2Fetc%2Fpasswd", "/api/v1/documents/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/documents/..%2F..%2Fetc%2Fpasswd", "/documents/....//....//etc/passwd", "/static/../../pyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2F..%2F..%2Fpyproject.toml", "/api/v1/documents/%00",
    "/documents/a1a1a1a1%00.json", "/static/vendor/../../app.py", "/stories/..%2F..%2Fetc%2Fpasswd.json",
])
def test_path_traversal_is_refused(client, path):
    r = client.get(path)
    assert r.status_code in (400, 404, 422), (path, r.status_code)
    assert "root:" not in r.text and "[project]" not in r.text and "import" not in r.text
    assert_error(r, r.status_code)


def test_oversized_requests_are_refused(client, server):
    big = b"x" * (LIMIT + 1)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"}
    assert_error(client.post("/api/v1/documents", content=big, headers=headers), 413)

    def chunks():  # no Content-Length: the limit holds while the body streams in
        for _ in range(8):
            yield b"y" * 1024

    assert_error(client.post("/api/v1/documents", content=chunks(), headers=headers), 413)
    assert_error(client.get("/api/v1/events", params={"type": "A" * 5000}), 414)
    assert_error(client.get("/api/v1/events", params={"type": "A" * 300}), 422)  # each filter value is bounded too


def test_writes_need_the_right_token(client, db):
    body = {"text": "North Korea fired a missile on Monday.", "title": "t"}
    err = assert_error(client.post("/api/v1/documents", json=body), 401)
    assert err["code"] == "unauthorized"
    for header in ("Bearer wrong", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN, f"Basic {TOKEN}", "Bearer x"):
        assert_error(client.post("/api/v1/documents", json=body, headers={"Authorization": header}), 401)
    assert_error(client.post("/api/v1/documents", content=b"{}", headers={"Authorization": f"Bearer {TOKEN}",
                                                                            "Content-Type": "application/json"}), 400)
    assert_error(client.post("/api/v1/documents", content=b"hi", headers={"Authorization": f"Bearer {TOKEN}",
                                                                            "Content-Type": "image/png"}), 400)


def test_writes_are_off_without_a_token(db):
    with Server(db, token="") as srv, httpx.Client(base_url=srv.url) as c:
        err = assert_error(c.post("/api/v1/documents", json={"text": "x"}, headers={"Authorization": f"Bearer {TOKEN}"}), 403)
        assert "off" in err["message"]


@pytest.mark.slow
def test_a_submitted_article_is_read_and_stored(client, nlp):
    text = ("SEOUL, March 4 (Yonhap) -- North Korea fired two ballistic missiles into the East Sea on Monday, "
            "South Korea's military said.")
    r = client.post("/api/v1/documents", json={"text": text, "title": "Launch", "published": "2024-03-04T10:00:00+09:00",
                                              "outlet": "Yonhap"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201, r.text
    doc_id = r.json()["ids"][0]
    doc = client.get(f"/api/v1/documents/{doc_id}").json()
    assert doc["title"] == "Launch" and any(e["type"] == "MOBILIZE" for e in doc["events"])
    again = client.post("/api/v1/documents", json={"text": text}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert again.status_code == 201 and again.json()["ids"] == [] and again.json()["duplicates"] == 1


def test_security_headers_on_every_kind_of_response(client):
    for path in ("/", "/events", "/api/v1/events", "/static/app.js", "/api/v1/documents/ffffffffffffffff", "/nope"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_hostile_document_comes_back_as_data(client):
    doc = client.get(f"/api/v1/documents/{HOSTILE_ID}").json()
    assert doc["title"].startswith("<script>") and doc["url"] == "javascript:window.__pwned=4"
    shell = client.get(f"/documents/{HOSTILE_ID}").text
    assert "__pwned" not in shell and "<script>window" not in shell  # the page holds no data, only the app


@pytest.fixture
def served(db):
    """`dateline serve` in its own process (so the clients' threads do not share its interpreter)."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "from dateline.cli import main; main()", "serve", "--db", db,
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/api/v1/overview", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "dateline serve did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_load_50_clients_while_documents_are_written(served, db):
    """50 concurrent clients, 1000 requests, against `dateline serve` while `dateline ingest` reads the
    example articles into the same database and a writer thread stores a document every few milliseconds
    (so writes overlap the whole run): zero errors; p50/p99 written to artifacts/load.json."""
    import subprocess
    import sys

    examples = Path(__file__).resolve().parents[1] / "examples" / "articles"
    ingest = subprocess.Popen([sys.executable, "-c", "from dateline.cli import main; main()", "ingest", str(examples),
                               "--db", db], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**__import__("os").environ,
                                                                                                "DATELINE_PROGRESS": "0"})
    stop = threading.Event()
    written = []

    def writer():
        from dateline.store import open_store

        store = open_store(db)
        n = 0
        while not stop.is_set() and n < 400:
            doc_id = f"{0xF0000000 + n:016x}"
            text = f"Officials met in Seoul for talks number {n}."
            ev = Event(id=f"{doc_id}-e1", type="CONSULT", trigger=Span("met", 10, 13), sentence=Span(text, 0, len(text)),
                       actor=Participant("Officials", actor_id="KR", name="South Korea", country="KR"))
            store.write_documents([Document(id=doc_id, text=text, title=f"Talks {n}", events=[ev],
                                            published="2024-06-01T00:00:00+00:00")])
            link.on_stored(store, [doc_id])
            written.append(doc_id)
            n += 1
            time.sleep(0.005)
        store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = load(served, ["/api/v1/events?limit=20", "/api/v1/events?country=KR", "/api/v1/documents",
                                   "/api/v1/search?q=talks", "/api/v1/story-events", "/events.json?type=CONSULT",
                                   "/api/v1/timeline", "/api/v1/documents/a1a1a1a1a1a1a1a1"], clients=50, requests=1000)
    finally:
        stop.set()
        thread.join()
        ingest_running = ingest.poll() is None
        _, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err.decode()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps({**result, "documents_written": len(written),
                                                     "ingest_still_running_at_end": ingest_running}, indent=2))
    print(f"\nload: {result['clients']} clients, {result['requests']} requests, {result['errors']} errors, "
          f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, {len(written)} documents written meanwhile, "
          f"ingest still running at the end: {ingest_running}")
    assert result["requests"] == 1000 and result["errors"] == 0, result["error_samples"]
    assert len(written) > 0
