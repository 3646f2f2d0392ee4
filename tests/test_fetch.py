"""The HTTP client of `dateline watch` against a real HTTP server on 127.0.0.1 that misbehaves on purpose:
slow answers, endless bodies, gzip bombs, redirect loops, redirects into the loopback network, wrong content
types, 500 then success, 304, robots.txt rules. Traffic goes only to 127.0.0.1; each server stops by itself
after SERVER_LIFETIME_S even if a test hangs."""
from __future__ import annotations

import gzip
import http.server
import threading
import time
from collections import Counter

import httpx
import pytest
from hypothesis import given, settings, strategies as st

from dateline.errors import InputError
from dateline.fetch import (Fetcher, FetchError, GuardedBackend, Policy, check_url, guarded_transport,
                            refused_address)

SERVER_LIFETIME_S = 120
LOOPBACK = frozenset({"127.0.0.1"})
ROBOTS = b"User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\n"


def page(title: str = "Talks resume", body: str = "") -> bytes:
    text = body or ("Negotiators from both countries met in Geneva on Tuesday to resume talks on the disputed "
                    "border, officials said. The meeting lasted four hours and ended without an agreement. ") * 3
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>".encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet test output
        pass

    def do_GET(self):
        self.server.hits[self.path] += 1
        route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            return self.reply(404, b"not found", "text/plain")
        route(self)

    def reply(self, status: int, body: bytes = b"", content_type: str = "text/html", headers: dict | None = None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302):
        self.reply(status, b"", "", {"Location": location})


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up on purpose (size caps, timeouts) are the point of these tests


class Server:
    """A threaded HTTP server on a free loopback port. `routes` maps a path to a function of the handler."""

    def __init__(self, routes: dict):
        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.routes = routes
        self.httpd.hits = Counter()
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.watchdog = threading.Timer(SERVER_LIFETIME_S, self.httpd.shutdown)
        self.watchdog.daemon = True

    @property
    def hits(self) -> Counter:
        return self.httpd.hits

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self):
        self.thread.start()
        self.watchdog.start()
        return self

    def __exit__(self, *exc):
        self.watchdog.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()


def fixed(body: bytes, content_type: str = "text/html", status: int = 200, headers: dict | None = None):
    return lambda h: h.reply(status, body, content_type, headers)


def endless(h):
    """200 with no length, 64 KB chunks until the client hangs up (bounded at 64 MB)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Connection", "close")
    h.end_headers()
    try:
        for _ in range(1024):
            h.wfile.write(b"<p>" + b"x" * 65_530 + b"</p>")
    except OSError:
        pass
    h.close_connection = True


def slow(h):
    time.sleep(1.5)
    h.reply(200, page())


def dripping(h):
    """Headers at once, then one byte every 0.1 s: never idle long enough for a read timeout."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100")
    h.end_headers()
    try:
        for _ in range(100):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.1)
    except OSError:
        pass


def flaky(failures: int):
    state = {"n": 0}

    def route(h):
        state["n"] += 1
        if state["n"] <= failures:
            return h.reply(500, b"busy", "text/plain")
        h.reply(200, page())
    return route


def conditional(h):
    if h.headers.get("If-None-Match") == '"v1"' or h.headers.get("If-Modified-Since") == "Tue, 03 Mar 2026 10:00:00 GMT":
        return h.reply(304, b"", "", {"ETag": '"v1"'})
    h.reply(200, page(), "text/html", {"ETag": '"v1"', "Last-Modified": "Tue, 03 Mar 2026 10:00:00 GMT"})


ZEROS_GZ = gzip.compress(b"\0" * 20_000_000)  # 20 MB that travels as about 20 KB


@pytest.fixture
def server():
    routes = {
        "/robots.txt": fixed(ROBOTS, "text/plain"),
        "/a.html": fixed(page()),
        "/private/secret.html": fixed(page()),
        "/slow.html": slow,
        "/drip.html": dripping,
        "/endless.html": endless,
        "/declared-huge.html": declared_huge,
        "/bomb.html": fixed(ZEROS_GZ, "text/html", headers={"Content-Encoding": "gzip"}),
        "/loop1": lambda h: h.redirect("/loop2"),
        "/loop2": lambda h: h.redirect("/loop1"),
        "/image.png": fixed(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png"),
        "/flaky.html": flaky(2),
        "/broken.html": flaky(100),
        "/gone.html": fixed(b"gone", "text/plain", 410),
        "/etag.html": conditional,
        "/to-a": lambda h: h.redirect("/a.html", 301),
        "/to-localhost": lambda h: h.redirect(f"http://localhost:{h.server.server_port}/a.html"),
        "/to-private": lambda h: h.redirect("http://10.0.0.8/admin"),
        "/to-metadata": lambda h: h.redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-file": lambda h: h.redirect("file:///etc/passwd"),
    }
    for n in range(10):
        routes[f"/chain{n}"] = (lambda k: lambda h: h.redirect(f"/chain{k + 1}"))(n)
    with Server(routes) as s:
        yield s


def declared_huge(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(10 ** 9))
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(b"<html>")
    h.close_connection = True


def policy(**kw) -> Policy:
    base = dict(allow_hosts=LOOPBACK, timeout=0.5, deadline=3.0, retries=2, backoff=0.01, max_bytes=200_000,
                max_redirects=4, host_interval=0.0, user_agent="dateline/test")
    base.update(kw)
    return Policy(**base)


def fetch_error(fetcher: Fetcher, url: str, kind: str = "page") -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.get(url, kind)
    return info.value


# -- against the real server ------------------------------------------------------------------------------

def test_a_plain_page_is_fetched(server):
    with Fetcher(policy()) as f:
        r = f.get(server.url("/a.html"))
    assert r.status == 200 and b"Geneva" in r.body and r.content_type == "text/html"


def test_loopback_is_refused_without_allow_host(server):
    with Fetcher(policy(allow_hosts=frozenset())) as f:
        err = fetch_error(f, server.url("/a.html"))
    assert err.kind == "blocked" and "loopback" in err.reason and "--allow-host 127.0.0.1" in str(err)
    assert sum(server.hits.values()) == 0  # not a single request reached the server


def test_slow_response_times_out_and_is_retried(server):
    sleeps = []
    with Fetcher(policy(retries=1), sleep=sleeps.append) as f:
        start = time.perf_counter()
        err = fetch_error(f, server.url("/slow.html"))
    assert err.kind == "timeout" and err.retry
    assert time.perf_counter() - start < 3.0
    assert server.hits["/slow.html"] == 2 and sleeps == [0.01]


def test_a_body_that_drips_is_cut_at_the_deadline(server):
    with Fetcher(policy(deadline=0.5, retries=0)) as f:
        start = time.perf_counter()
        err = fetch_error(f, server.url("/drip.html"))
    assert err.kind == "timeout" and time.perf_counter() - start < 2.0


def test_endless_body_is_abandoned_at_the_cap(server):
    with Fetcher(policy()) as f:
        start = time.perf_counter()
        err = fetch_error(f, server.url("/endless.html"))
    assert err.kind == "too_large" and not err.retry and "200,000" in err.reason
    assert time.perf_counter() - start < 3.0


def test_declared_length_over_the_cap_is_refused_before_reading(server):
    with Fetcher(policy()) as f:
        assert fetch_error(f, server.url("/declared-huge.html")).kind == "too_large"


def test_gzip_bomb_is_capped_after_decompression(server):
    assert len(ZEROS_GZ) < 200_000  # small on the wire: only the decompressed size can trip the cap
    with Fetcher(policy()) as f:
        assert fetch_error(f, server.url("/bomb.html")).kind == "too_large"


def test_redirect_loop_stops(server):
    with Fetcher(policy()) as f:
        err = fetch_error(f, server.url("/loop1"))
    assert err.kind == "redirect" and "loop" in err.reason
    assert server.hits["/loop1"] == 1 and server.hits["/loop2"] == 1


def test_redirect_chain_stops_at_the_hop_limit(server):
    with Fetcher(policy(max_redirects=4)) as f:
        err = fetch_error(f, server.url("/chain0"))
    assert err.kind == "redirect" and "more than 4" in err.reason
    assert sum(server.hits[f"/chain{n}"] for n in range(10)) == 5


def test_redirect_is_followed_and_rechecked(server):
    with Fetcher(policy()) as f:
        r = f.get(server.url("/to-a"))
    assert r.url == server.url("/a.html") and r.status == 200


@pytest.mark.parametrize("path, why", [("/to-localhost", "loopback"), ("/to-private", "private"),
                                       ("/to-metadata", "link-local"), ("/to-file", "scheme")])
def test_redirect_into_a_refused_address_is_blocked(server, path, why):
    with Fetcher(policy()) as f:
        err = fetch_error(f, server.url(path))
    assert err.kind == "blocked" and why in err.reason
    assert server.hits["/a.html"] == 0


def test_wrong_content_type_is_refused(server):
    with Fetcher(policy()) as f:
        err = fetch_error(f, server.url("/image.png"))
        assert err.kind == "content_type" and "image/png" in err.reason
        assert fetch_error(f, server.url("/robots.txt")).kind == "content_type"  # text/plain is no page
        assert fetch_error(f, server.url("/image.png"), kind="feed").kind == "content_type"


def test_500_then_success_is_retried_with_backoff(server):
    sleeps = []
    with Fetcher(policy(retries=3, backoff=0.01), sleep=sleeps.append) as f:
        r = f.get(server.url("/flaky.html"))
    assert r.status == 200 and server.hits["/flaky.html"] == 3
    assert sleeps == [0.01, 0.02]  # exponential: each wait twice the one before


def test_retries_are_bounded(server):
    sleeps = []
    with Fetcher(policy(retries=2), sleep=sleeps.append) as f:
        err = fetch_error(f, server.url("/broken.html"))
    assert err.kind == "status" and err.status == 500 and server.hits["/broken.html"] == 3
    assert sleeps == [0.01, 0.02]


def test_client_errors_are_not_retried(server):
    with Fetcher(policy()) as f:
        err = fetch_error(f, server.url("/gone.html"))
    assert err.status == 410 and not err.retry and server.hits["/gone.html"] == 1


def test_conditional_get_gets_304(server):
    with Fetcher(policy()) as f:
        first = f.get(server.url("/etag.html"))
        again = f.get(server.url("/etag.html"), etag=first.etag)
        by_date = f.get(server.url("/etag.html"), last_modified=first.last_modified)
    assert first.status == 200 and first.etag == '"v1"'
    assert again.not_modified and again.body == b"" and by_date.not_modified


def test_robots_txt_is_obeyed_and_read_once(server):
    with Fetcher(policy()) as f:
        assert fetch_error(f, server.url("/private/secret.html")).kind == "robots"
        assert f.get(server.url("/a.html")).status == 200  # otherbot's "Disallow: /" is not for us
    assert server.hits["/private/secret.html"] == 0
    assert server.hits["/robots.txt"] == 1


def test_robots_group_for_our_own_agent_wins():
    robots = b"User-agent: *\nDisallow:\n\nUser-agent: dateline\nDisallow: /\n"
    with Server({"/robots.txt": fixed(robots, "text/plain"), "/a.html": fixed(page())}) as s, \
            Fetcher(policy(user_agent="dateline/0.1 (test)")) as f:
        assert fetch_error(f, s.url("/a.html")).kind == "robots"
        assert s.hits["/a.html"] == 0


def test_missing_robots_txt_allows_everything():
    with Server({"/a.html": fixed(page())}) as s, Fetcher(policy()) as f:
        assert f.get(s.url("/a.html")).status == 200
        assert s.hits["/robots.txt"] == 1  # a 404


def test_robots_txt_server_error_means_stay_away():
    with Server({"/robots.txt": fixed(b"oops", "text/plain", 503), "/a.html": fixed(page())}) as s, \
            Fetcher(policy()) as f:
        assert fetch_error(f, s.url("/a.html")).kind == "robots"
        assert s.hits["/a.html"] == 0


def test_requests_to_one_host_are_spaced(server):
    with Fetcher(policy(host_interval=0.3)) as f:
        start = time.perf_counter()
        for _ in range(3):
            f.get(server.url("/a.html"))
    assert time.perf_counter() - start >= 0.6  # robots.txt, then three pages: at least two full intervals


def test_dns_rebinding_is_caught_at_connect(server):
    """The name resolves to a public address when checked, then to loopback when the socket connects.
    (Were the connect-time check gone, httpx would resolve localhost itself and reach the server.)"""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    resolve = lambda host, port: next(answers)  # noqa: E731
    transport = guarded_transport(frozenset(), resolve)
    with Fetcher(policy(allow_hosts=frozenset(), robots=False), transport=transport, resolve=resolve) as f:
        err = fetch_error(f, f"http://localhost:{server.httpd.server_port}/a.html")
    assert err.kind == "blocked" and "loopback" in str(err)
    assert server.hits["/a.html"] == 0


# -- units --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "224.0.0.1", "0.0.0.0", "240.0.0.1", "100.64.0.1", "::1", "fe80::1",
                                     "fc00::1", "ff02::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1"])
def test_non_public_addresses_are_refused(address):
    assert refused_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert refused_address(address) is None


def test_every_resolved_address_is_checked():
    resolve = lambda host, port: ["93.184.216.34", "10.0.0.1"]  # noqa: E731
    with pytest.raises(FetchError) as info:
        check_url("https://mixed.example/", frozenset(), resolve)
    assert "private" in info.value.reason


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)",
                                 "http:///nohost", "http://[::1"])
def test_only_http_and_https_urls_with_a_host(url):
    with pytest.raises(FetchError) as info:
        check_url(url, frozenset(), lambda h, p: ["93.184.216.34"])
    assert info.value.kind == "blocked"


def test_allowed_host_is_not_resolved():
    def resolve(host, port):
        raise AssertionError("an allowed host needs no address check")
    assert check_url("http://intranet.local:8080/feed", frozenset({"intranet.local"}), resolve) == ("intranet.local", 8080)


def test_fetch_error_is_an_input_error_with_a_fix():
    err = FetchError("HTTP status 500", kind="status", url="https://x.example/", fix="try later", retry=True, status=500)
    assert isinstance(err, InputError) and "try later" in str(err) and err.source == "https://x.example/"


def test_mock_transport_seam_and_user_agent():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, headers={"Content-Type": "application/rss+xml; charset=ISO-8859-1"}, content=b"<rss/>")

    public = lambda host, port: ["93.184.216.34"]  # noqa: E731
    with Fetcher(policy(allow_hosts=frozenset(), user_agent="dateline/9"), transport=httpx.MockTransport(handler),
                 resolve=public) as f:
        r = f.get("https://news.example/feed", "feed")
    assert r.content_type == "application/rss+xml" and r.charset == "ISO-8859-1"
    assert seen[-1].headers["User-Agent"] == "dateline/9" and "rss" in seen[-1].headers["Accept"]


def test_guarded_backend_refuses_unix_sockets():
    import httpcore

    with pytest.raises(httpcore.ConnectError):
        GuardedBackend(frozenset()).connect_unix_socket("/var/run/docker.sock")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=80), st.builds(lambda s: "http://" + s, st.text(max_size=60)),
                 st.builds(lambda s: "https://news.example/" + s, st.text(max_size=60))))
def test_any_url_gives_a_response_or_a_fetch_error(url):
    ok = lambda request: httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<p>x</p>")  # noqa: E731
    with Fetcher(policy(allow_hosts=frozenset(), retries=0), transport=httpx.MockTransport(ok),
                 resolve=lambda host, port: ["93.184.216.34"]) as f:
        try:
            f.get(url)
        except FetchError:
            pass


def test_retry_after_is_honoured_and_a_long_one_left_for_later():
    calls = []

    def handler(request):
        calls.append(request.url.path)
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        wait = {"/soon": "2", "/later": "3600"}[request.url.path]
        if calls.count(request.url.path) == 1:
            return httpx.Response(429, headers={"Retry-After": wait})
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<p>x</p>")

    sleeps = []
    with Fetcher(policy(allow_hosts=frozenset()), transport=httpx.MockTransport(handler), sleep=sleeps.append,
                 resolve=lambda host, port: ["93.184.216.34"]) as f:
        assert f.get("https://news.example/soon").status == 200
        assert sleeps == [2.0]  # the server's 2 s, not the 0.01 s backoff
        err = fetch_error(f, "https://news.example/later")
    assert err.status == 429 and err.retry_after == 3600 and sleeps == [2.0] and calls.count("/later") == 1
