"""The FastAPI application: JSON API under /api/v1, dashboard pages, their JSON twins and static files."""
from __future__ import annotations

import functools
import hmac
import json
import threading
from pathlib import Path
from typing import Optional

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import queries, settings
from ..errors import DatelineError, InputError, StoreError
from .guard import Guard, error_body

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
WORLD = STATIC / "vendor" / "node_modules" / "world-atlas" / "countries-110m.json"
VIEWS = ("timeline", "map", "network", "events", "stories", "documents", "actors", "places", "statistics",
         "trends", "search")


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    fix: Optional[str] = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 422, 500)}


class Stores:
    """One store connection per worker thread (a SQLite connection is not shared across threads)."""

    def __init__(self, db: str):
        self.db = db
        self.local = threading.local()

    def get(self):
        from ..store import open_store

        if getattr(self.local, "store", None) is None:
            self.local.store = open_store(self.db)
        return self.local.store


def create_app(db: Optional[str] = None, token: Optional[str] = None, max_request_bytes: Optional[int] = None) -> FastAPI:
    db = settings.get("db", db)
    token = settings.get("api_token", token)
    stores = Stores(db)
    app = FastAPI(title="dateline", version="1", docs_url=None, redoc_url=None,  # the stock docs pages load a CDN
                  openapi_url="/api/v1/openapi.json",
                  description="Events read from news articles, with their evidence. Every error has the shape "
                              '{"error": {"status", "code", "message", "fix"}}.')
    app.state.stores = stores
    _handlers(app)
    app.include_router(api_router(stores, token), prefix="/api/v1", responses=ERRORS)
    app.include_router(page_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, max_body=settings.get("max_request_bytes", max_request_bytes))
    return app


def _handlers(app: FastAPI) -> None:
    status_of = {InputError: (400, "bad_request"), StoreError: (503, "store_unavailable")}

    @app.exception_handler(DatelineError)
    async def dateline_error(request: Request, exc: DatelineError):
        status, code = next((v for cls, v in status_of.items() if isinstance(exc, cls)), (500, "internal_error"))
        return JSONResponse(error_body(status, code, exc.reason, exc.fix), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(error_body(422, "invalid_parameter", f"{where}: {first.get('msg', 'invalid value')}",
                                       "see /api/v1/openapi.json for the accepted values"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(exc.status_code, "http_error")
        fix = {404: "check the address; the API is listed at /api/v1/openapi.json"}.get(exc.status_code)
        return JSONResponse(error_body(exc.status_code, code, str(exc.detail), fix), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))


def fast(handler):
    """Serialise a handler's plain JSON data with the json module: FastAPI's generic encoder costs more than
    the query on a page of events. The signature is kept, so parameters and the schema are unchanged."""
    @functools.wraps(handler)
    def inner(*args, **kwargs):
        out = handler(*args, **kwargs)
        if isinstance(out, Response):
            return out
        body = json.dumps(out, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return Response(body.encode("utf-8"), media_type="application/json")

    return inner


def not_found(what: str) -> StarletteHTTPException:
    return StarletteHTTPException(404, f"no such {what}")


# -- the JSON API ---------------------------------------------------------------------------------------
def api_router(stores: Stores, token: str) -> APIRouter:
    r = APIRouter()
    store = Depends(stores.get)
    # FastAPI binds a Query object to the first parameter that uses it: each parameter gets its own.
    def limit():
        return Query(queries.DEFAULT_LIMIT, ge=1, le=queries.MAX_LIMIT, description="Rows per page.")

    def cursor():
        return Query(None, max_length=512, description="The `next` value of the previous page.")

    def text():
        return Query(None, max_length=200)

    @r.get("/overview", tags=["store"])
    @fast
    def overview(s=store):
        """Row counts and the span of dates in the store."""
        return queries.overview(s)

    @r.get("/documents", tags=["documents"])
    @fast
    def documents(s=store, outlet: Optional[str] = text(), since: Optional[str] = text(), until: Optional[str] = text(),
                  q: Optional[str] = text(), sort: Optional[str] = Query(None, description="published, title, ingested; - for descending"),
                  limit: int = limit(), cursor: Optional[str] = cursor(), total: bool = False):
        """Stored articles, newest first, filtered by outlet, publication dates and words (full text)."""
        return queries.documents(s, outlet=outlet, since=since, until=until, q=q, sort=sort, limit=limit,
                                 cursor=cursor, total=total)

    @r.get("/documents/{doc_id}", tags=["documents"])
    @fast
    def document(doc_id: str, s=store):
        """One article as the output contract, with evidence highlights and the story-event of each event."""
        found = queries.document(s, doc_id)
        if found is None:
            raise not_found("document")
        return found

    @r.post("/documents", tags=["documents"], status_code=201)
    async def submit(request: Request):
        """Submit an article (text/plain, text/html, or application/json with `text` or `html`) for ingestion.
        Off unless the server has a token (setting `api_token`); send it as `Authorization: Bearer TOKEN`."""
        check_token(token, request.headers.get("authorization", ""))
        from starlette.concurrency import run_in_threadpool

        from .submit import raw_input, submit as run_submit

        raw = raw_input(await request.body(), request.headers.get("content-type", ""))
        return await run_in_threadpool(lambda: run_submit(stores.get(), raw))

    @r.get("/search", tags=["documents"])
    @fast
    def search(q: str = Query(..., min_length=1, max_length=200), s=store, limit: int = limit(),
               cursor: Optional[str] = cursor()):
        """Full-text search over titles and bodies (all words must occur); best match first."""
        return queries.search(s, q, limit=limit, cursor=cursor)

    @r.get("/events", tags=["events"])
    @fast
    def events(s=store, type: Optional[str] = text(), mode: Optional[str] = text(), country: Optional[str] = text(),
               actor_country: Optional[str] = text(), target_country: Optional[str] = text(),
               place_country: Optional[str] = text(), actor: Optional[str] = text(), certainty: Optional[str] = text(),
               modality: Optional[str] = text(), polarity: Optional[str] = text(), historical: Optional[bool] = None,
               since: Optional[str] = text(), until: Optional[str] = text(), doc_id: Optional[str] = text(),
               sort: Optional[str] = Query(None, description="date, type, certainty; - for descending"),
               limit: int = limit(), cursor: Optional[str] = cursor(), total: bool = False):
        """Event mentions, newest first. Comma-separated values mean any of them; `country` matches the
        actor's, the target's or the place's country; `actor` an actor id on either side."""
        return queries.events(s, type=type, mode=mode, country=country, actor_country=actor_country,
                              target_country=target_country, place_country=place_country, actor=actor,
                              certainty=certainty, modality=modality, polarity=polarity, historical=historical,
                              since=since, until=until, doc_id=doc_id, sort=sort, limit=limit, cursor=cursor,
                              total=total)

    @r.get("/story-events", tags=["events"])
    @fast
    def story_events(s=store, type: Optional[str] = text(), country: Optional[str] = text(), actor: Optional[str] = text(),
                     since: Optional[str] = text(), until: Optional[str] = text(), certainty: Optional[str] = text(),
                     historical: Optional[bool] = None, min_articles: Optional[int] = Query(None, ge=1, le=100000),
                     sort: Optional[str] = Query(None, description="date, articles, mentions, first_seen; - for descending"),
                     limit: int = limit(), cursor: Optional[str] = cursor(), total: bool = False):
        """Story-events: one per real-world event, with how many articles reported it."""
        return queries.story_events(s, type=type, country=country, actor=actor, since=since, until=until,
                                    certainty=certainty, historical=historical, min_articles=min_articles,
                                    sort=sort, limit=limit, cursor=cursor, total=total)

    @r.get("/story-events/{story_id}", tags=["events"])
    @fast
    def story_event(story_id: str, s=store):
        """One story-event with its evidence: every report of it, with sentence and outlet."""
        found = queries.story(s, story_id)
        if found is None:
            raise not_found("story-event")
        return found

    @r.get("/actors", tags=["actors and places"])
    @fast
    def actors(s=store, q: Optional[str] = text(), kind: Optional[str] = text(), country: Optional[str] = text(),
               sort: Optional[str] = Query(None, description="mentions, documents, name; - for descending"),
               limit: int = limit(), cursor: Optional[str] = cursor(), total: bool = False):
        """Resolved actors with their mention and document counts."""
        return queries.actors(s, q=q, kind=kind, country=country, sort=sort, limit=limit, cursor=cursor, total=total)

    @r.get("/places", tags=["actors and places"])
    @fast
    def places(s=store, q: Optional[str] = text(), country: Optional[str] = text(), feature: Optional[str] = text(),
               sort: Optional[str] = Query(None, description="mentions, name; - for descending"),
               limit: int = limit(), cursor: Optional[str] = cursor(), total: bool = False):
        """Places resolved to the gazetteer, with coordinates."""
        return queries.places(s, q=q, country=country, feature=feature, sort=sort, limit=limit, cursor=cursor,
                              total=total)

    @r.get("/statistics", tags=["analysis"])
    @fast
    def statistics(s=store, measure: Optional[str] = text(), limit: int = limit(), cursor: Optional[str] = cursor()):
        """Reported statistics, one row per (measure, period, report), disagreements flagged."""
        return queries.statistics(s, measure=measure, limit=limit, cursor=cursor)

    @r.get("/trends", tags=["analysis"])
    @fast
    def trends(s=store, period: str = Query("month", pattern="^(day|week|month|year)$"),
               by: str = Query("type", max_length=40), mentions: bool = False, type: Optional[str] = text(),
               country: Optional[str] = text(), actor_country: Optional[str] = text(), actor: Optional[str] = text(),
               since: Optional[str] = text(), until: Optional[str] = text(), window: int = Query(8, ge=1, le=520),
               top: Optional[int] = Query(None, ge=1, le=queries.MAX_LIMIT)):
        """Counts per period with a change test on each series (the analysis library's `trends`)."""
        return queries.trends(s, period=period, by=by, mentions=mentions, type=type, country=country,
                              actor_country=actor_country, actor=actor, since=since, until=until, window=window,
                              top=top)

    @r.get("/alerts", tags=["analysis"])
    @fast
    def alerts(s=store, as_of: Optional[str] = text()):
        """The configured alert rules (setting `alert_rules`) evaluated against the store, with evidence."""
        return queries.alerts(s, as_of=as_of)

    @r.get("/timeline", tags=["dashboard"])
    @fast
    def timeline(s=store, period: Optional[str] = Query(None, pattern="^(month|year)$"), type: Optional[str] = text(),
                 country: Optional[str] = text(), actor: Optional[str] = text(), certainty: Optional[str] = text(),
                 historical: Optional[bool] = None, since: Optional[str] = text(), until: Optional[str] = text()):
        """Event mentions per period and type (each bar links to the event list for its type and period)."""
        return queries.timeline(s, period=period, type=type, country=country, actor=actor, certainty=certainty,
                                historical=historical, since=since, until=until)

    @r.get("/map", tags=["dashboard"])
    @fast
    def map_(s=store, type: Optional[str] = text(), country: Optional[str] = text(), actor: Optional[str] = text(),
             certainty: Optional[str] = text(), historical: Optional[bool] = None, since: Optional[str] = text(),
             until: Optional[str] = text()):
        """Event places with coordinates, and event counts per country with ISO numeric codes."""
        return queries.map_data(s, type=type, country=country, actor=actor, certainty=certainty,
                                historical=historical, since=since, until=until)

    @r.get("/network", tags=["dashboard"])
    @fast
    def network(s=store, type: Optional[str] = text(), country: Optional[str] = text(), since: Optional[str] = text(),
                until: Optional[str] = text(), limit: int = Query(200, ge=1, le=queries.MAX_LIMIT)):
        """Who acts on whom: actors as nodes, edges weighted by story-events."""
        return queries.network(s, type=type, country=country, since=since, until=until, limit=limit)

    @r.get("/facets", tags=["dashboard"])
    @fast
    def facets(s=store):
        """The values of the event filters, with counts."""
        return queries.facets(s)

    return r


def check_token(expected: str, header: str) -> None:
    if not expected:
        raise StarletteHTTPException(403, "writes are off on this server")
    given = header[7:] if header[:7].lower() == "bearer " else ""
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise StarletteHTTPException(401, "missing or wrong token", headers={"WWW-Authenticate": "Bearer"})


# -- pages ----------------------------------------------------------------------------------------------
def page_router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    shell = (HERE / "templates" / "page.html").read_text(encoding="utf-8")

    @r.get("/", response_class=HTMLResponse)
    @fast
    def home():
        return HTMLResponse(shell)

    @r.get("/static/world.json")
    @fast
    def world():
        if not WORLD.is_file():
            raise StarletteHTTPException(404, "map outlines are not installed (make web-assets)")
        return FileResponse(WORLD, media_type="application/json")

    @r.get("/{view}", response_class=HTMLResponse)
    @fast
    def view(view: str):
        if view not in VIEWS:
            raise not_found("page")
        return HTMLResponse(shell)

    @r.get("/documents/{doc_id}", response_class=HTMLResponse)
    @fast
    def document_page(doc_id: str):
        queries.document_id(doc_id)
        return HTMLResponse(shell)

    @r.get("/stories/{story_id}", response_class=HTMLResponse)
    @fast
    def story_page(story_id: str):
        queries.story_id(story_id)
        return HTMLResponse(shell)

    return r


def serve(db: Optional[str] = None, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    import uvicorn

    uvicorn.run(create_app(db=db), host=host, port=port, log_level=log_level, server_header=False)
