"""`dateline watch` against a real feed server on 127.0.0.1: new items taken once, failures recorded with
their kind, conditional GET, pages retried up to a limit, failing feeds spaced out, loopback refused unless
allowed, and (on the real model) articles stored with the feed's metadata."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from dateline.errors import ConfigError, InputError
from dateline.feeds import FeedItem
from dateline.fetch import Fetcher, Response
from dateline.pipeline import IngestSummary
from dateline.store import open_store
from dateline.watch import FeedSpec, PollSummary, Watcher, decode_page, failures, feed_status, load_feeds, watch

from test_fetch import ROBOTS, Server, fixed, page, policy, slow

NEVER_RESOLVED = lambda host, port: ["10.9.9.9"]  # noqa: E731  # any name but the allowed 127.0.0.1 is refused


def rss(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>Item {p}</title><link>{base}{p}</link>"
                    f"<pubDate>Tue, 03 Mar 2026 10:00:00 +0000</pubDate></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


class FakeIngest:
    """Stands in for the NLP pipeline: consumes the raw inputs, rejects pages that say REJECT."""

    def __init__(self):
        self.raws = []

    def __call__(self, raws, store):
        summary = IngestSummary()
        for raw in raws:
            self.raws.append(raw)
            summary.read += 1
            if raw.error or "REJECT" in raw.meta.get("html", ""):
                summary.rejected.append((raw.source, "not an article"))
            else:
                summary.stored += 1
        return summary


class Clock:
    def __init__(self):
        self.t = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.t


TALKS = ("Negotiators from both countries met in Geneva on Tuesday to resume talks on the disputed border, "
         "officials said. The meeting lasted four hours and ended without an agreement. ") * 3
STORM = ("A storm struck the southern coast on Monday, cutting power to 40,000 homes, the provincial government "
         "said. Two fishermen were reported missing near the port. ") * 3
FEED_PATHS = ["/a/1.html", "/a/2.html", "/private/3.html", "/image.png", "/slow.html", "/to-localhost", "/reject.html"]


@pytest.fixture
def site():
    routes = {"/robots.txt": fixed(ROBOTS, "text/plain"), "/a/1.html": fixed(page("One", TALKS)),
              "/a/2.html": fixed(page("Two", STORM)), "/private/3.html": fixed(page()),
              "/image.png": fixed(b"\x89PNG", "image/png"), "/slow.html": slow,
              "/reject.html": fixed(b"<html><body><!-- REJECT --></body></html>"), "/a/4.html": fixed(page("Four")),
              "/to-localhost": lambda h: h.redirect(f"http://localhost:{h.server.server_port}/a/1.html")}
    with Server(routes) as s:
        routes["/feed.xml"] = fixed(rss(s.base, FEED_PATHS), "application/rss+xml")
        yield s


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "watch.db"))
    yield s
    s.close()


def make_watcher(store, clock=None, **kw):
    fetcher = Fetcher(policy(retries=0, **kw), resolve=NEVER_RESOLVED)
    ingest = FakeIngest()
    return Watcher(store, fetcher, ingest=ingest, interval=100, now=clock or Clock()), ingest


def statuses(store) -> dict:
    return {r["url"].split(":", 2)[2].split("/", 1)[1]: (r["status"], r["attempts"])
            for r in store.query("SELECT url, status, attempts FROM feed_items")}


def test_one_poll_takes_new_items_and_records_each_failure(site, store):
    watcher, ingest = make_watcher(store)
    summary = watcher.poll([FeedSpec(site.url("/feed.xml"), "test feed")])
    assert summary.new_items == 7 and summary.stored == 2 and summary.rejected == 1
    assert sorted(kind for _, kind, _ in summary.failures) == ["blocked", "content_type", "robots", "timeout"]
    assert {r.meta["title"] for r in ingest.raws} == {"Item /a/1.html", "Item /a/2.html", "Item /reject.html"}
    assert all(r.meta["published"] == "2026-03-03T10:00:00+00:00" and r.kind == "record" for r in ingest.raws)
    assert statuses(store) == {"a/1.html": ("stored", 1), "a/2.html": ("stored", 1), "private/3.html": ("failed", 1),
                               "image.png": ("failed", 1), "slow.html": ("pending", 1), "to-localhost": ("failed", 1),
                               "reject.html": ("rejected", 1)}
    rows = failures(store)
    assert len(rows) == 4 and {r["feed_url"] for r in rows} == {site.url("/feed.xml")}
    assert site.hits["/private/3.html"] == 0 and site.hits["/a/1.html"] == 1  # the redirect to localhost was not followed


def test_second_poll_fetches_only_new_and_pending_items(site, store):
    watcher, ingest = make_watcher(store)
    feed = FeedSpec(site.url("/feed.xml"))
    watcher.poll([feed])
    site.httpd.routes["/feed.xml"] = fixed(rss(site.base, FEED_PATHS + ["/a/4.html"]), "application/rss+xml")
    summary = watcher.poll([feed])
    assert summary.new_items == 2 and summary.stored == 1  # /a/4.html, and /slow.html again
    assert site.hits["/a/1.html"] == 1 and site.hits["/a/4.html"] == 1 and site.hits["/slow.html"] == 2
    assert statuses(store)["slow.html"] == ("pending", 2)
    watcher.poll([feed])  # third try of three: given up
    assert statuses(store)["slow.html"] == ("failed", 3)
    watcher.poll([feed])
    assert site.hits["/slow.html"] == 3 and watcher.poll([feed]).new_items == 0


def test_unchanged_feed_costs_one_304(site, store):
    etag_feed = rss(site.base, ["/a/1.html"])

    def route(h):
        if h.headers.get("If-None-Match") == '"f1"':
            return h.reply(304, b"", "")
        h.reply(200, etag_feed, "application/atom+xml", {"ETag": '"f1"'})
    site.httpd.routes["/etag-feed"] = route
    watcher, _ = make_watcher(store)
    feed = FeedSpec(site.url("/etag-feed"))
    assert watcher.poll([feed]).stored == 1
    again = watcher.poll([feed])
    assert again.not_modified == 1 and again.new_items == 0 and site.hits["/a/1.html"] == 1
    assert feed_status(store)[0]["etag"] == '"f1"' and feed_status(store)[0]["failures"] == 0


def test_failing_feed_is_polled_less_often(site, store):
    site.httpd.routes["/down.xml"] = fixed(b"busy", "text/plain", 503)
    clock = Clock()
    watcher, _ = make_watcher(store, clock)
    feed = FeedSpec(site.url("/down.xml"))
    watcher.poll([feed])  # 1st failure: polled again next round
    clock.t += timedelta(seconds=100)
    watcher.poll([feed])  # 2nd failure: waits one more interval
    clock.t += timedelta(seconds=100)
    assert watcher.poll([feed]).deferred == 1 and site.hits["/down.xml"] == 2
    clock.t += timedelta(seconds=100)
    assert watcher.poll([feed]).deferred == 0 and site.hits["/down.xml"] == 3
    assert feed_status(store)[0]["failures"] == 3
    assert [r["kind"] for r in failures(store)] == ["status"] * 3


def test_not_a_feed_is_recorded(site, store):
    watcher, _ = make_watcher(store)
    summary = watcher.poll([FeedSpec(site.url("/a/1.html"))])
    assert [(kind, "not an RSS or Atom feed" in reason) for _, kind, reason in summary.failures] == [("feed", True)]


def test_loopback_feed_is_refused_without_allow_host(site, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(site.url("/feed.xml") + "\n")
    db = str(tmp_path / "w.db")
    summary = watch(feeds, db=db, once=True)
    assert [kind for _, kind, _ in summary.failures] == ["blocked"] and sum(site.hits.values()) == 0
    s = open_store(db)
    try:
        assert failures(s)[0]["kind"] == "blocked"
    finally:
        s.close()


def test_cli_watch_once_and_failures_listing(site, tmp_path):
    from dateline.cli import app

    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {site.url('/nothing.xml')}\n    name: gone\n")
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    refused = runner.invoke(app, ["watch", str(feeds), "--once", "--db", db, "--format", "json"])
    assert refused.exit_code == 0 and json.loads(refused.stdout)["failures"][0]["kind"] == "blocked"
    allowed = runner.invoke(app, ["watch", str(feeds), "--once", "--db", db, "--allow-host", "127.0.0.1", "-f", "json"])
    assert json.loads(allowed.stdout)["failures"][0]["kind"] == "status"  # reached the server: a 404
    listing = runner.invoke(app, ["watch", "--failures", "--db", db, "-f", "json"])
    assert [r["kind"] for r in json.loads(listing.stdout)] == ["status", "blocked"]
    assert runner.invoke(app, ["watch", "--db", db]).exit_code != 0  # neither a feeds file nor a listing


# -- units ----------------------------------------------------------------------------------------------------

def test_feeds_file_forms(tmp_path):
    plain = tmp_path / "feeds.txt"
    plain.write_text("# wires\nhttps://a.example/rss  # main\n\nhttps://b.example/atom\nhttps://a.example/rss\n")
    assert load_feeds(plain) == [FeedSpec("https://a.example/rss"), FeedSpec("https://b.example/atom")]
    yml = tmp_path / "feeds.yaml"
    yml.write_text("feeds:\n  - https://a.example/rss\n  - url: https://b.example/atom\n    name: B wire\n")
    assert load_feeds(yml) == [FeedSpec("https://a.example/rss"), FeedSpec("https://b.example/atom", "B wire")]


@pytest.mark.parametrize("name, text", [("empty.txt", "# nothing\n"), ("bad.yaml", "feeds: [unclosed"),
                                        ("dict.yaml", "feeds: {a: 1}"), ("item.yaml", "- 42\n"), ("missing.txt", None)])
def test_bad_feeds_files_are_config_errors(tmp_path, name, text):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_feeds(path)
    assert "Fix:" in str(info.value)


def test_the_example_feeds_file_loads():
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "dateline" / "data" / "feeds.example.yaml"
    specs = load_feeds(example)
    assert specs and all(s.url.startswith("https://") for s in specs)


def test_wrong_charset_label_falls_back_to_the_page_itself():
    korean = '<html><head><meta charset="euc-kr"></head><body>북한 외무성은 성명을 발표했다</body></html>'
    assert "외무성" in decode_page(korean.encode("euc-kr"), "utf-8", "<t>")  # the label lies; the meta tag does not
    assert decode_page("Café".encode("utf-8"), "x-no-such-codec", "<t>") == "Café"
    assert decode_page("Café".encode("latin-1"), "latin-1", "<t>") == "Café"


def test_undecodable_page_is_rejected_not_raised():
    from dateline.watch import page_input

    try:
        raw = page_input(FeedItem("https://n.example/x"), Response("https://n.example/x", 200, b"\x00\x01\x02" * 500), "now")
    except InputError:  # pragma: no cover - the reader must not raise here
        pytest.fail("page_input raised")
    assert raw.error is not None or raw.meta.get("html") is not None


def test_poll_summary_as_dict():
    s = PollSummary(feeds=1, failures=[("u", "timeout", "slow")])
    assert s.to_dict()["failures"] == [{"url": "u", "kind": "timeout", "reason": "slow"}]


# -- end to end on the real model -----------------------------------------------------------------------------

@pytest.mark.slow
def test_articles_reach_the_store_with_the_feed_metadata(site, store, nlp):
    fetcher = Fetcher(policy(retries=0), resolve=NEVER_RESOLVED)
    watcher = Watcher(store, fetcher, interval=100)
    summary = watcher.poll([FeedSpec(site.url("/feed.xml"))])
    assert summary.stored == 2 and summary.rejected == 1
    docs = {d["url"]: d for d in store.query("SELECT url, title, published FROM documents")}
    one = docs[site.url("/a/1.html")]
    assert one["title"] == "Item /a/1.html" and one["published"].startswith("2026-03-03T10:00")
    assert watcher.poll([FeedSpec(site.url("/feed.xml"))]).stored == 0


def test_bad_encodings_from_the_server(site, store):
    korean = ('<html><head><meta charset="euc-kr"><title>성명</title></head><body><article><p>'
              + "북한 외무성은 월요일 성명을 발표했다. " * 20 + "</p></article></body></html>")
    site.httpd.routes["/kr.html"] = fixed(korean.encode("euc-kr"), "text/html; charset=utf-8")  # the label lies
    site.httpd.routes["/junk.html"] = fixed(b"\xff\xfe\x00\x00" + bytes(range(256)) * 20, "text/html; charset=nonsense")
    feed = rss(site.base, ["/kr.html", "/junk.html"]).replace(b"Item", "Café".encode("latin-1"))  # bytes not UTF-8
    site.httpd.routes["/latin.xml"] = fixed(feed, "application/rss+xml; charset=utf-8")
    watcher, ingest = make_watcher(store)
    summary = watcher.poll([FeedSpec(site.url("/latin.xml"))])
    assert summary.new_items == 2 and not summary.failures
    by_url = {r.source.rsplit("/", 1)[1]: r for r in ingest.raws}
    assert "외무성" in by_url["kr.html"].meta["html"]
    assert by_url["junk.html"].error is not None or isinstance(by_url["junk.html"].meta.get("html"), str)


def test_new_items_beyond_the_per_round_cap_wait_for_the_next_round(site, store, monkeypatch):
    monkeypatch.setenv("DATELINE_WATCH_MAX_ITEMS", "2")
    site.httpd.routes["/three.xml"] = fixed(rss(site.base, ["/a/1.html", "/a/2.html", "/a/4.html"]), "application/rss+xml")
    watcher, ingest = make_watcher(store)
    feed = FeedSpec(site.url("/three.xml"))
    assert watcher.poll([feed]).new_items == 2
    assert watcher.poll([feed]).new_items == 1 and site.hits["/a/4.html"] == 1
    assert watcher.poll([feed]).new_items == 0
