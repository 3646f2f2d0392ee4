"""The HTTP client of `dateline watch`: polite, bounded and unable to reach the user's own network.

    Fetcher(policy, transport=None).get(url, kind="page" | "feed", etag=..., last_modified=...) -> Response

Every request, and every hop of a redirect, is checked before it is sent: only http and https, and every
address the host resolves to must be public (not private, loopback, link-local, multicast, reserved or
unspecified) unless the host is on the allow list. The same check runs again when the socket connects, so
a name that resolves differently the second time (DNS rebinding) is still refused. Redirects are followed by
hand, each hop re-checked, up to a hop limit. robots.txt is read once per host and obeyed; requests to one
host are spaced by a minimum interval; bodies are streamed and abandoned past a size cap (counted after
decompression, so a gzip bomb stops at the cap too); content types are checked; transient failures
(timeouts, connection errors, 429 and 5xx) are retried with exponential backoff, honouring Retry-After.

httpx errors are translated here, at this one boundary, into `FetchError` (an `InputError`) whose `kind`
says what went wrong. The network sits behind a transport seam: pass any `httpx.BaseTransport` (tests pass
`httpx.MockTransport`); the default is httpx's own transport with the connect-time address check.

    FetchError(InputError)   kind: blocked | robots | timeout | network | status | too_large |
                                   content_type | redirect
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from . import settings
from .errors import InputError

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/x-rss+xml", "application/x-atom+xml")
PAGE_TYPES = ("text/html", "application/xhtml+xml")
ACCEPT = {"feed": ", ".join(FEED_TYPES) + ";q=0.9, */*;q=0.1", "page": "text/html, application/xhtml+xml;q=0.9",
          "robots": "text/plain"}
ROBOTS_MAX_BYTES = 512_000
ROBOTS_TTL_S = 24 * 3600.0

Resolver = Callable[[str, int], list[str]]


class FetchError(InputError):
    """A URL that could not be fetched. `kind` names the cause; `retry` says whether trying again may help."""

    def __init__(self, message: str, *, kind: str, url: str, fix: Optional[str] = None, retry: bool = False,
                 status: Optional[int] = None, retry_after: Optional[float] = None):
        super().__init__(message, fix=fix, source=url)
        self.kind = kind
        self.url = url
        self.retry = retry
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait (429, 503)


@dataclass
class Policy:
    """What the fetcher may do; defaults come from the settings table."""

    allow_hosts: frozenset = frozenset()
    timeout: float = field(default_factory=lambda: settings.get("fetch_timeout"))
    deadline: float = field(default_factory=lambda: settings.get("fetch_deadline"))
    retries: int = field(default_factory=lambda: settings.get("fetch_retries"))
    backoff: float = field(default_factory=lambda: settings.get("fetch_backoff"))
    max_bytes: int = field(default_factory=lambda: settings.get("fetch_max_bytes"))
    max_redirects: int = field(default_factory=lambda: settings.get("fetch_max_redirects"))
    host_interval: float = field(default_factory=lambda: settings.get("fetch_host_interval"))
    user_agent: str = field(default_factory=lambda: settings.get("user_agent"))
    robots: bool = True

    @classmethod
    def with_allowed(cls, hosts: Iterable[str] = (), **kw) -> "Policy":
        extra = [h for h in str(settings.get("allow_hosts")).split(",") if h.strip()]
        return cls(allow_hosts=frozenset(h.strip().lower().strip("[]") for h in [*hosts, *extra]), **kw)


@dataclass
class Response:
    url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: Optional[str] = None
    etag: Optional[str] = None
    last_modified: Optional[str] = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# -- address checks -----------------------------------------------------------------------------------

def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r} ({exc})", kind="network", url=host,
                         fix="check the URL; the host may be down", retry=True) from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def refused_address(address: str) -> Optional[str]:
    """Why this address may not be fetched, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for flag in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):  # most telling first
        if getattr(ip, f"is_{flag}"):
            return f"{flag.replace('_', '-')} address {ip}"
    if not ip.is_global:  # shared (carrier-grade NAT) and other special-purpose ranges
        return f"non-public address {ip}"
    return None


def _host_allowed(host: str, allow: frozenset) -> bool:
    return host.lower().strip("[]") in allow


def check_url(url: str, allow: frozenset, resolve: Resolver = system_resolver) -> tuple[str, int]:
    """Raise FetchError unless `url` is http(s) and its host is allowed or resolves only to public addresses.
    Returns (host, port)."""
    try:
        httpx.URL(url)  # what httpx would refuse later, refused here with the rest
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError (IDNA) is a ValueError
        raise FetchError(f"malformed URL ({exc})", kind="blocked", url=url, fix="correct the URL") from exc
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"scheme {parts.scheme or '(none)'!r} is not fetched", kind="blocked", url=url,
                         fix="only http and https URLs are fetched")
    if not host:
        raise FetchError("URL has no host", kind="blocked", url=url, fix="correct the URL")
    if not _host_allowed(host, allow):
        _check_addresses(host, resolve(host, port), url)
    return host, port


def _check_addresses(host: str, addresses: list[str], url: str) -> None:
    if not addresses:
        raise FetchError(f"host {host!r} resolves to no address", kind="network", url=url, retry=True)
    for address in addresses:
        why = refused_address(address)
        if why:
            raise FetchError(f"host {host!r} resolves to a {why}; refused so that feeds cannot reach your own network",
                             kind="blocked", url=url, fix=f"if you trust this host, allow it with --allow-host {host}")


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, re-checking the addresses at connect time and connecting to a checked one."""

    def __init__(self, allow: frozenset, resolve: Resolver = system_resolver):
        self.inner = httpcore.SyncBackend()
        self.allow = allow
        self.resolve = resolve

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if _host_allowed(host, self.allow):
            return self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = self.resolve(host, port)
        _check_addresses(host, addresses, f"{host}:{port}")
        return self.inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    def connect_unix_socket(self, *args, **kwargs):
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def guarded_transport(allow: frozenset, resolve: Resolver = system_resolver) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(retries=0)
    # httpx has no public hook for the network backend; httpcore's pool takes one, so it is set on the pool.
    transport._pool._network_backend = GuardedBackend(allow, resolve)
    return transport


# -- the fetcher ----------------------------------------------------------------------------------------

class Fetcher:
    def __init__(self, policy: Optional[Policy] = None, *, transport: Optional[httpx.BaseTransport] = None,
                 resolve: Resolver = system_resolver, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.policy = policy or Policy.with_allowed()
        self.resolve = resolve
        self.sleep = sleep
        self.clock = clock
        self.client = httpx.Client(transport=transport or guarded_transport(self.policy.allow_hosts, resolve),
                                   follow_redirects=False, trust_env=False,
                                   timeout=httpx.Timeout(self.policy.timeout),
                                   headers={"User-Agent": self.policy.user_agent})
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, tuple[float, Optional[urllib.robotparser.RobotFileParser]]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def get(self, url: str, kind: str = "page", etag: Optional[str] = None,
            last_modified: Optional[str] = None) -> Response:
        """GET with retries: transient failures are tried again after 1, 2, 4 ... times `backoff` seconds, or
        after the server's Retry-After when longer; one asking for more than `deadline` seconds is left to
        the next poll."""
        attempt = 0
        while True:
            try:
                return self._get_once(url, kind, etag, last_modified)
            except FetchError as err:
                asked = err.retry_after or 0.0
                if not err.retry or attempt >= self.policy.retries or asked > self.policy.deadline:
                    raise
                self.sleep(max(self.policy.backoff * (2 ** attempt), asked))
                attempt += 1

    def _get_once(self, url: str, kind: str, etag, last_modified) -> Response:
        headers = {"Accept": ACCEPT[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        for _ in range(self.policy.max_redirects + 1):
            check_url(url, self.policy.allow_hosts, self.resolve)
            if kind != "robots" and not self.allowed_by_robots(url):
                raise FetchError("robots.txt of this site disallows fetching it", kind="robots", url=url,
                                 fix="respect the site's wishes, or remove the URL from the feeds file")
            response = self._send(url, headers, kind)
            if isinstance(response, Response):
                return response
            url = response
            if url in seen:
                raise FetchError("redirect loop", kind="redirect", url=url, fix="report the broken redirect to the site")
            seen.add(url)
        raise FetchError(f"more than {self.policy.max_redirects} redirects", kind="redirect", url=url,
                         fix="report the redirect chain to the site")

    def _send(self, url: str, headers: dict, kind: str) -> Response | str:
        """One request: the response, or for a redirect the URL it points to."""
        self._wait_turn(urlsplit(url).hostname or "")
        start = self.clock()
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in (301, 302, 303, 307, 308) and r.headers.get("location"):
                    return urljoin(url, r.headers["location"].strip())
                if r.status_code == 304:
                    return Response(url, 304, etag=r.headers.get("etag"), last_modified=r.headers.get("last-modified"))
                _check_status(r, url)
                content_type, charset = _content_type(r, url, kind)
                body = self._read_capped(r, url, start, kind)
                return Response(url, r.status_code, body, content_type, charset, r.headers.get("etag"),
                                r.headers.get("last-modified"))
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out after {self.policy.timeout:g} s ({type(exc).__name__})", kind="timeout",
                             url=url, fix="the site is slow; it is tried again on the next poll", retry=True) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"network error: {type(exc).__name__}: {exc}", kind="network", url=url,
                             fix="check the URL; the site may be down", retry=True) from exc
        except (httpx.InvalidURL, UnicodeError) as exc:  # a name httpx or IDNA cannot encode
            raise FetchError(f"malformed URL ({exc})", kind="blocked", url=url, fix="correct the URL") from exc

    def _read_capped(self, r: httpx.Response, url: str, start: float, kind: str) -> bytes:
        cap = min(self.policy.max_bytes, ROBOTS_MAX_BYTES) if kind == "robots" else self.policy.max_bytes
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _too_large(url, cap)
        chunks, size = [], 0
        for chunk in r.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise _too_large(url, cap)
            if self.clock() - start > self.policy.deadline:
                raise FetchError(f"body took longer than {self.policy.deadline:g} s", kind="timeout", url=url,
                                 fix="the site is slow; it is tried again on the next poll", retry=True)
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_turn(self, host: str) -> None:
        """Space requests to one host by `host_interval` seconds."""
        with self._lock:
            last = self._last_request.get(host)
            now = self.clock()
            if last is not None and now - last < self.policy.host_interval:
                self.sleep(self.policy.host_interval - (now - last))
            self._last_request[host] = self.clock()

    # -- robots.txt ---------------------------------------------------------------------------------------
    def allowed_by_robots(self, url: str) -> bool:
        if not self.policy.robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        if cached is None or self.clock() - cached[0] > ROBOTS_TTL_S:
            cached = (self.clock(), self._read_robots(origin))
            self._robots[origin] = cached
        parser = cached[1]
        return True if parser is None else parser.can_fetch(_agent_token(self.policy.user_agent), url)

    def _read_robots(self, origin: str) -> Optional[urllib.robotparser.RobotFileParser]:
        """The parsed robots.txt; None (everything allowed) when there is none. As RFC 9309 says, a 4xx
        means no rules, while a server error or an unreachable site means stay away for now."""
        url = origin + "/robots.txt"
        parser = urllib.robotparser.RobotFileParser(url)
        try:
            response = self._get_once(url, "robots", None, None)
        except FetchError as err:
            if err.kind == "status" and 400 <= err.status < 500:
                return None
            if err.kind in ("content_type", "too_large"):
                return None
            parser.disallow_all = True
            return parser
        parser.parse(response.body.decode("utf-8", "replace").splitlines())
        return parser


def _agent_token(user_agent: str) -> str:
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


def _check_status(r: httpx.Response, url: str) -> None:
    if r.status_code < 300:
        return
    retry = r.status_code == 429 or r.status_code >= 500
    after = r.headers.get("retry-after", "").strip()
    raise FetchError(f"HTTP status {r.status_code}", kind="status", url=url, retry=retry, status=r.status_code,
                     retry_after=float(after) if after.isdigit() else None,
                     fix="tried again on the next poll" if retry else "check the URL")


def _content_type(r: httpx.Response, url: str, kind: str) -> tuple[str, Optional[str]]:
    """The media type and charset; raises for a type that cannot hold what `kind` expects. A missing type is
    let through: the feed and page readers sniff the bytes themselves."""
    header = r.headers.get("content-type", "")
    media = header.split(";", 1)[0].strip().lower()
    charset = None
    for param in header.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    wanted = {"feed": FEED_TYPES + PAGE_TYPES + ("text/plain",), "page": PAGE_TYPES, "robots": ("text/plain",)}[kind]
    if media and media not in wanted:
        raise FetchError(f"content type {media!r} is not a {kind}", kind="content_type", url=url,
                         fix=f"expected one of {', '.join(wanted)}")
    return media, charset


def _too_large(url: str, cap: int) -> FetchError:
    return FetchError(f"response is larger than {cap:,} bytes", kind="too_large", url=url,
                      fix="raise the cap with DATELINE_FETCH_MAX_BYTES if the site is trusted")
