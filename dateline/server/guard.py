"""The middleware in front of every request: size limits, security headers, the JSON twin of each page,
and the one error shape for anything that escapes a handler. Written as plain ASGI so that it also covers
errors raised while the body is streamed and responses of the static files."""
from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qsl, urlencode

log = logging.getLogger("dateline.server")

MAX_QUERY = 4096
# Inline scripts and styles are refused, as is every other origin: article text can never run as code.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
           (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin")]
# The JSON twin of each page: /events.json is /api/v1/events, /stories/ID.json is /api/v1/story-events/ID.
TWINS = [(re.compile(r"^/(?:index)?\.json$"), "/api/v1/overview"),
         (re.compile(r"^/stories(/[^/]+)?\.json$"), r"/api/v1/story-events\1"),
         (re.compile(r"^/(documents|events|actors|places|statistics|trends|alerts|search|timeline|map|network|facets)(/[^/]+)?\.json$"),
          r"/api/v1/\1\2")]


def error_body(status: int, code: str, message: str, fix=None) -> dict:
    return {"error": {"status": status, "code": code, "message": message, "fix": fix}}


class TooLarge(Exception):
    pass


class Guard:
    def __init__(self, app, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if len(scope.get("query_string", b"")) > MAX_QUERY:
            return await _send_error(send, 414, "uri_too_long", f"the query string is over {MAX_QUERY} bytes",
                                     "pass fewer or shorter parameters")
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return await _send_error(send, 413, "too_large", f"the request body is over {self.max_body:,} bytes",
                                     "send a smaller article, or raise the server's max_request_bytes setting")
        scope = _without_empty_parameters(_twin(scope))
        started = False
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise TooLarge()
            return message

        async def secured_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except TooLarge:
            if not started:
                await _send_error(send, 413, "too_large", f"the request body is over {self.max_body:,} bytes",
                                  "send a smaller article, or raise the server's max_request_bytes setting")
        except Exception:  # the last line: a traceback is logged, the client gets the error shape
            log.exception("request failed: %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await _send_error(send, 500, "internal_error", "the server failed on this request",
                                  "report it with the server's log; other requests are not affected")


def _twin(scope: dict) -> dict:
    path = scope.get("path", "")
    if not path.endswith(".json") or path.startswith(("/api/", "/static/")):
        return scope
    for pattern, target in TWINS:
        if pattern.match(path):
            new = pattern.sub(target, path)
            return {**scope, "path": new, "raw_path": new.encode("utf-8")}
    return scope


def _without_empty_parameters(scope: dict) -> dict:
    """`?type=&since=` (what a filter form sends for "any") means no filter, not an invalid value."""
    raw = scope.get("query_string", b"")
    if b"=&" not in raw + b"&" and not raw.endswith(b"="):
        return scope
    pairs = [(k, v) for k, v in parse_qsl(raw.decode("latin-1"), keep_blank_values=True) if v != ""]
    return {**scope, "query_string": urlencode(pairs).encode("latin-1")}


async def _send_error(send, status: int, code: str, message: str, fix: str) -> None:
    body = json.dumps(error_body(status, code, message, fix)).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())] + HEADERS})
    await send({"type": "http.response.body", "body": body})
