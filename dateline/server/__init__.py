"""The HTTP API and web dashboard over the store (FastAPI, served by uvicorn).

    create_app(db=..., token=..., max_request_bytes=...)   the ASGI app
    serve(db, host, port)                                   run it (what `dateline serve` calls)

Every dashboard page is also JSON: `/events` is the page, `/events.json` (= `/api/v1/events`) its data.
Handlers only parse parameters and call `dateline.queries` (reads) or `dateline.server.submit` (the write
endpoint); errors have one shape, `{"error": {"status", "code", "message", "fix"}}`.
"""
from .app import create_app, serve

__all__ = ["create_app", "serve"]
