"""The dashboard in a real browser: Debian's Chromium driven by Playwright (never a browser download of
Playwright's own), on a store holding the example articles and one hostile page. Each view is loaded and
checked against the API's numbers; a click goes from a timeline bar to an event to its document with the
evidence highlighted; hostile content stays inert; nothing is requested from any other host. Screenshots
are saved under artifacts/."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (`make browser` installs it as root)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the Python package playwright (pip install -e '.[test]')")

from dateline.bench_api import Server  # noqa: E402
from test_queries import HOSTILE_ID, documents  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory, nlp):
    from dateline import link, pipeline
    from dateline.store import open_store

    db = str(tmp_path_factory.mktemp("dash") / "dash.db")
    summary = pipeline.ingest([str(REPO / "examples" / "articles")], db=db)
    assert summary.stored >= 20
    store = open_store(db)
    hostile = [d for d in documents() if d.id == HOSTILE_ID]
    link.on_stored(store, store.write_documents(hostile))
    store.close()
    with Server(db) as srv:
        yield srv


@pytest.fixture(scope="module")
def api(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield lambda path, **params: c.get(path, params=params).json()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that refuses, and records, every request to a host other than the test server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []
    page.errors = []

    def guard(route):
        url = route.request.url
        if url.startswith(server.url + "/"):
            route.continue_()
        else:
            page.outside.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.base = server.url
    yield page
    assert page.outside == [], f"requests left the machine: {page.outside}"
    assert page.errors == [], page.errors
    context.close()


def visit(page, path: str, shot: str = ""):
    page.goto(page.base + path)
    page.wait_for_selector("body[data-ready]", timeout=15000)
    assert page.evaluate("document.body.dataset.ready") == "true", page.inner_text("main")
    if shot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{shot}.png"), full_page=True)


def test_timeline_shows_the_store_counts_and_one_bar_per_cell(page, api):
    visit(page, "/", "timeline")
    counts = api("/api/v1/overview")["counts"]
    for label, key in (("documents", "documents"), ("events", "events"), ("story-events", "story_events")):
        assert page.inner_text(f'.card[data-count="{label}"] strong') == str(counts[key])
    tl = api("/api/v1/timeline")
    cells = sum(1 for s in tl["series"] for c in s["counts"] if c)
    assert page.locator("rect.bar").count() == cells > 0
    shown = sum(int(x) for x in page.eval_on_selector_all("rect.bar", "els => els.map(e => e.dataset.count)"))
    assert shown == sum(s["total"] for s in tl["series"])
    assert f"{tl['undated']} undated" in page.inner_text("main")


def test_click_from_a_timeline_bar_to_an_event_to_its_document(page, api):
    visit(page, "/?period=month")
    bar = page.locator("rect.bar").first
    kind, period, count = bar.get_attribute("data-type"), bar.get_attribute("data-period"), int(bar.get_attribute("data-count"))
    bar.click()
    page.wait_for_url(re.compile(r"/events\?"))
    page.wait_for_selector("body[data-ready]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-click-1-events.png"), full_page=True)
    assert f"type={kind}" in page.url and f"since={period}" in page.url
    assert page.inner_text("#event-total") == str(count)
    assert page.locator("#events-table tbody tr").count() == count
    assert set(page.eval_on_selector_all("#events-table .chip", "els => els.map(e => e.textContent)")) == {kind}
    row = page.locator("#events-table tbody tr").first
    event_id, trigger = row.get_attribute("data-event"), row.locator("a.event-link").inner_text()
    row.locator("a.event-link").click()
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]+#event-"))
    page.wait_for_selector("body[data-ready]")
    page.wait_for_selector("mark.active")
    page.screenshot(path=str(ARTIFACTS / "dashboard-click-2-document.png"), full_page=False)
    assert page.locator(f'li.event-card.active[data-event="{event_id}"]').count() == 1
    triggers = page.eval_on_selector_all("mark.trigger.active", "els => els.map(e => e.textContent)")
    assert trigger in "".join(triggers)
    doc = api(f"/api/v1/documents/{event_id.rsplit('-', 1)[0]}")
    kinds = {h["kind"] for h in doc["highlights"] if h["event"] == event_id}
    shown = set(" ".join(page.eval_on_selector_all("mark.active", "els => els.map(e => e.dataset.kinds)")).split())
    assert shown == kinds and "trigger" in shown


def test_document_view_highlights_every_kind_and_links_stories(page, api):
    docs = api("/api/v1/documents", q="ballistic missiles East Sea", limit=1)["items"]
    doc = api(f"/api/v1/documents/{docs[0]['id']}")
    visit(page, f"/documents/{doc['id']}", "document")
    assert page.inner_text("h1") == doc["title"]
    assert page.inner_text("#article-text") == doc["text"]
    for kind in {h["kind"] for h in doc["highlights"]}:
        assert page.locator(f"#article-text mark.{kind}").count() >= 1, kind
    assert page.locator("li.event-card").count() == len(doc["events"])
    assert page.locator("a.story-link").count() == len(doc["stories"])
    page.locator("a.story-link").first.click()
    page.wait_for_url(re.compile(r"/stories/"))
    page.wait_for_selector("body[data-ready]")
    assert page.locator("a.report-link").count() >= 1


def test_event_table_filters(page, api):
    visit(page, "/events")
    page.select_option('#event-filters select[name="type"]', "COERCE")
    page.select_option('#event-filters select[name="historical"]', "false")
    page.click("#event-filters button[type=submit]")
    page.wait_for_url(re.compile(r"type=COERCE"))
    page.wait_for_selector("body[data-ready]")
    page.screenshot(path=str(ARTIFACTS / "dashboard-events.png"), full_page=True)
    expected = api("/api/v1/events", type="COERCE", historical="false", total="true")["total"]
    assert page.inner_text("#event-total") == str(expected) and expected > 0
    assert set(page.eval_on_selector_all("#events-table .chip", "els => els.map(e => e.textContent)")) == {"COERCE"}


def test_map_shows_points_and_shaded_countries(page, api):
    visit(page, "/map", "map")
    data = api("/api/v1/map")
    assert page.locator("svg.map circle.point").count() == len(data["points"]) > 0
    assert page.locator("#country-table tbody tr").count() == len(data["countries"])
    outlines = (REPO / "dateline/server/static/vendor/node_modules/world-atlas/countries-110m.json").exists()
    if outlines:
        assert page.locator("svg.map path.country").count() > 150
        assert page.locator('svg.map path.has-events[data-country="KP"]').count() == 1
    else:
        assert page.locator("#no-outlines").count() == 1


def test_network_draws_every_edge(page, api):
    visit(page, "/network", "network")
    data = api("/api/v1/network")
    assert page.locator("svg.network line.edge").count() == len(data["edges"]) > 0
    assert page.locator("svg.network circle.node").count() == len(data["nodes"])
    weights = page.eval_on_selector_all("line.edge", "els => els.map(e => +e.dataset.weight)")
    assert sorted(weights) == sorted(e["weight"] for e in data["edges"])


def test_trends_and_alerts(page, api):
    visit(page, "/trends", "trends")
    trends, alerts = api("/api/v1/trends"), api("/api/v1/alerts")
    assert page.locator("#trends-table tbody tr").count() == len(trends["series"]) > 0
    assert page.locator("#alerts > li").count() == len(alerts["items"])
    assert page.locator("#alerts > li.fired").count() == alerts["fired"]


@pytest.mark.parametrize("path,selector", [
    ("/documents", "a.doc-link"), ("/stories", "table.data tbody tr"), ("/actors", "table.data tbody tr"),
    ("/places", "table.data tbody tr"), ("/statistics", "main h1"), ("/search?q=missile", "ol.results mark"),
])
def test_other_views_load(page, path, selector):
    visit(page, path, path.strip("/").split("?")[0])
    assert page.locator(selector).count() >= 1


def test_hostile_article_is_inert(page):
    visit(page, f"/documents/{HOSTILE_ID}", "hostile")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main script, main img, main iframe").count() == 0
    assert page.inner_text("h1").startswith("<script>window.__pwned=3</script>")
    assert "<img src=x" in page.inner_text("#article-text")
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.inner_text(".inert-url") == "javascript:window.__pwned=4"
    visit(page, "/events?type=DEFECT")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main b").count() == 0  # the actor name '<b>defector</b>' is text
