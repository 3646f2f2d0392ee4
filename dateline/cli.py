"""The `dateline` command: a thin shell over the library. Each command parses its arguments, calls one
library function and formats what comes back; errors are the project's own, printed as cause and fix."""
from __future__ import annotations

import csv
import io
import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from .errors import DatelineError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Read news articles into a record of events: who did what to whom, where, when, how much, "
                       "according to whom, and how sure.")
out = Console(width=None if sys.stdout.isatty() else 160)  # piped output: wide tables, not wrapped cells
err = Console(stderr=True)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


DB = typer.Option(None, "--db", help="Database file (default: setting `db`, dateline.db).")
FMT = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")


def emit(rows: list[dict], fmt: Format, title: str = "") -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is Format.csv:
        buf = io.StringIO()
        if rows:
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    for key in (rows[0] if rows else {}):
        table.add_column(key, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row.values()])
    out.print(table if rows else f"[dim]no {title or 'rows'}[/dim]")


@app.command()
def extract(path: str = typer.Argument(..., help="An article file (text, HTML, JSON Lines record) or - for stdin."),
            as_json: bool = typer.Option(False, "--json", help="Print the document as the JSON output contract."),
            published: Optional[str] = typer.Option(None, help="Publication time to use (ISO 8601)."),
            model: Optional[str] = typer.Option(None, help="spaCy pipeline to use.")):
    """Read one article and print its reading."""
    from .pipeline import read

    source = sys.stdin.read() if path == "-" else path
    doc = read(source, model=model, published=published)
    if as_json:
        sys.stdout.write(json.dumps(doc.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    from .report import print_document

    print_document(out, doc)


@app.command()
def ingest(paths: List[str] = typer.Argument(..., help="Files, folders (recursive), JSON Lines, Parquet, WARC, or - for stdin."),
           db: Optional[str] = DB,
           batch_size: Optional[int] = typer.Option(None, help="Articles per batch and transaction."),
           processes: Optional[int] = typer.Option(None, help="Worker processes for the NLP stage."),
           model: Optional[str] = typer.Option(None, help="spaCy pipeline to use."),
           engine: str = typer.Option("local", help="local (into --db) or dask (Parquet shards into --shards)."),
           scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address; a local cluster when absent."),
           workers: int = typer.Option(2, help="Workers of the local Dask cluster."),
           shards: Path = typer.Option(Path("shards"), help="Folder for the Parquet shards of --engine dask."),
           as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")):
    """Read articles into the store, with a progress bar and a summary."""
    from . import settings
    from .report import ingest_progress, print_summary

    if engine == "dask":
        from .scale import run_dask

        result = run_dask(paths, str(shards), scheduler=scheduler, workers=workers, model=model)
        if as_json:
            sys.stdout.write(json.dumps(result, indent=2) + "\n")
        else:
            out.print(f"{result['documents']} documents from {result['read']} inputs in {result['partitions']} partitions "
                      f"({result['rejected']} rejected) -> {result['shards']}; merge with `dateline load {result['shards']} --db FILE`")
        return
    from .pipeline import ingest as run_ingest

    with ingest_progress(err, enabled=settings.get("progress") and not as_json) as tick:
        summary = run_ingest(paths, db=db, model=model, batch_size=batch_size, processes=processes, on_progress=tick)
    if as_json:
        sys.stdout.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from .store.dialect import redact

        print_summary(out, summary, redact(settings.get("db", db)))


@app.command()
def load(shards: Path = typer.Argument(..., help="Folder of Parquet shards written by `ingest --engine dask`."),
         db: Optional[str] = DB):
    """Merge Parquet shards into the store (idempotent)."""
    from .scale import load as load_shards

    result = load_shards(str(shards), db=db)
    out.print(f"stored {result['stored']} new documents")


@app.command()
def documents(db: Optional[str] = DB, fmt: Format = FMT, limit: int = 100,
              outlet: Optional[str] = typer.Option(None, help="Only this outlet.")):
    """List stored documents."""
    from .store import open_store

    rows = open_store(db).documents(limit=limit, outlet=outlet)
    if fmt is Format.table:  # the terminal is narrow: the path is in --format json/csv
        rows = [{k: v for k, v in r.items() if k != "source_path"} for r in rows]
    emit(rows, fmt, "documents")


@app.command()
def show(doc_id: str = typer.Argument(..., help="A document id (or a unique prefix)."), db: Optional[str] = DB,
         as_json: bool = typer.Option(False, "--json", help="Print the stored reading as JSON.")):
    """Show one stored document with its entities, times and events."""
    from .errors import InputError
    from .model import Document
    from .report import print_reading
    from .store import open_store

    reading = open_store(db).document(doc_id)
    if reading is None:
        raise InputError(f"no document with id {doc_id!r}", fix="list ids with `dateline documents`")
    if as_json:
        sys.stdout.write(json.dumps(reading, ensure_ascii=False, indent=2) + "\n")
    else:
        print_reading(out, reading)


@app.command()
def entities(db: Optional[str] = DB, fmt: Format = FMT, label: Optional[str] = typer.Option(None, help="Only this label (PERSON, ORG, GPE, ...)."),
             resolved: bool = typer.Option(False, help="Only entities resolved to an actor or place."), limit: int = 100):
    """Entities across the store, with mention and document counts."""
    from .store import open_store

    emit(open_store(db).entities(label=label, limit=limit, resolved_only=resolved), fmt, "entities")


@app.command()
def events(db: Optional[str] = DB, fmt: Format = FMT,
           type: Optional[str] = typer.Option(None, help="Event types, comma-separated (DEFECT,ASSAULT)."),
           country: Optional[str] = typer.Option(None, help="Actor, target or place in this country (ISO alpha-2)."),
           actor: Optional[str] = typer.Option(None, help="Actor id on either side (KP-WPK, person:...)."),
           certainty: Optional[str] = typer.Option(None, help="asserted, attributed or hedged."),
           historical: Optional[bool] = typer.Option(None, "--historical/--current", help="Only historical / only current events."),
           since: Optional[str] = typer.Option(None, help="Events dated from (2024, 2024-03, 2024-03-14)."),
           until: Optional[str] = typer.Option(None, help="Events dated until (the whole period included)."),
           sort: str = typer.Option("-date", help="date, -date, type or certainty."),
           limit: int = typer.Option(100, help="Rows to show (at most 500)."),
           cursor: Optional[str] = typer.Option(None, help="The `next` cursor of a previous page (JSON output).")):
    """Stored event mentions, with the filters and paging of the HTTP API."""
    from .queries import events as query_events
    from .store import open_store

    page = query_events(open_store(db), type=type, country=country, actor=actor, certainty=certainty,
                        historical=historical, since=since, until=until, sort=sort, limit=limit, cursor=cursor)
    rows = page["items"]
    if fmt is Format.table:
        keep = ("id", "type", "mode", "trigger", "actor_country", "target_country", "place", "date_start",
                "precision", "certainty", "historical")  # the participants' words are in --format json/csv
        rows = [{k: r.get(k) for k in keep} for r in rows]
    elif fmt is Format.json:
        sys.stdout.write(json.dumps(page, ensure_ascii=False, indent=2) + "\n")
        return
    emit(rows, fmt, "events")


@app.command()
def rejected(db: Optional[str] = DB, fmt: Format = FMT):
    """Inputs that could not be read, with the reason and the fix."""
    from .store import open_store

    emit(open_store(db).rejected(), fmt, "rejected inputs")


@app.command(name="eval")
def eval_(suite: str = typer.Argument(..., help="Suite name; `dateline eval list` lists them."),
          data: Optional[Path] = typer.Option(None, help="Path to the suite's data."),
          limit: Optional[int] = typer.Option(None, help="Score only the first N items (for a quick look)."),
          as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON.")):
    """Measure a stage on gold data. `dateline eval list` shows the suites."""
    from . import evaluate
    from .errors import EvaluationError
    from .report import print_eval

    if suite == "list":
        emit([{"suite": k, "measures": v[1], "data": "../shared/" + str((evaluate.floors().get(k) or {}).get("data"))}
              for k, v in evaluate.SUITES.items()], Format.table, "evaluation suites")
        return
    if data is None:
        raise EvaluationError("no --data given", fix=f"pass --data PATH, e.g. ../shared/{(evaluate.floors().get(suite) or {}).get('data', 'data/...')}")
    result = evaluate.run(suite, data, limit=limit)
    below = evaluate.check_floors(suite, result) if limit is None else []
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        print_eval(out, result, below)


def show_figures(result: dict, as_json: bool, rows: list[dict], title: str, footer: str = "") -> None:
    """A benchmark's figures: the whole result as JSON, or its rows as a table with a closing line."""
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    emit(rows, Format.table, title)
    if footer:
        out.print(footer)


bench_app = typer.Typer(help="Benchmarks, reported as ratios against a baseline run in the same session.")
app.add_typer(bench_app, name="bench")


_GENERATED_HELP = ("Generated corpus: news (about 300 words, 2.8 events per 100 words) or dense (every sentence "
                   "an event: a worst case).")


def _style(name: str) -> str:
    from .bench import STYLES

    if name not in STYLES:
        raise typer.BadParameter(f"--generated must be one of {', '.join(STYLES)}, not {name!r}")
    return name


@bench_app.command("throughput")
def bench_throughput(articles: int = typer.Option(200, help="Articles in the generated corpus."),
                     processes: int = typer.Option(1, help="Processes for both runs."),
                     corpus: Optional[Path] = typer.Option(None, help="KCNA archive folder to use instead of the generated corpus."),
                     generated: str = typer.Option("news", help=_GENERATED_HELP),
                     model: Optional[str] = typer.Option(None, help="spaCy pipeline."),
                     engine: str = typer.Option("local", help="local (bare spaCy vs dateline) or dask (1 vs 2 workers)."),
                     repeat: int = typer.Option(3, help="Runs of each phase, alternating; the fastest of each is reported."),
                     as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON.")):
    """Bare spaCy nlp.pipe against the whole dateline ingest on the same input: articles/s, words/s, peak memory, ratio."""
    from .bench import dask_scaling, throughput

    if engine == "dask":
        result = dask_scaling(articles=articles, model=model, corpus=corpus)
        show_figures(result, as_json, result["runs"], f"Dask local cluster, {result['articles']} articles")
        return
    result = throughput(articles=articles, processes=processes, model=model, corpus=corpus, style=_style(generated),
                        repeat=repeat)
    rows = [{"run": name, **{k: result[key][k] for k in ("articles", "seconds", "cpu_seconds", "articles_per_s",
                                                          "words_per_s", "peak_rss_mb")}}
            for name, key in (("bare spaCy nlp.pipe", "bare_spacy"), ("dateline ingest", "dateline"))]
    show_figures(result, as_json, rows, f"throughput, {result['processes']} process(es), {result['corpus']} corpus, "
                                        f"fastest of {result['repeat']} run(s) each",
                 f"ratio dateline / bare spaCy (articles/s): [bold]{result['ratio']}[/bold]; "
                 f"in CPU seconds: [bold]{result['cpu_ratio']}[/bold]")


@bench_app.command("stages")
def bench_stages(articles: int = typer.Option(100, help="Articles to run."),
                 corpus: Optional[Path] = typer.Option(None, help="KCNA archive folder to use instead of the generated corpus."),
                 generated: str = typer.Option("news", help=_GENERATED_HELP),
                 as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON.")):
    """Time per pipeline component; each dateline stage as a share of the spaCy parse of the same articles."""
    from .bench import stages

    result = stages(articles=articles, corpus=corpus, style=_style(generated))
    show_figures(result, as_json, result["components"], f"pipeline components, {result['articles']} articles",
                 f"dateline stages / spaCy parse: [bold]{result['ratio']}[/bold]")


@bench_app.command("memory")
def bench_memory(small: int = typer.Option(2000, help="Articles in the small run."),
                 large: int = typer.Option(20000, help="Articles in the large run."),
                 processes: int = typer.Option(2, help="Worker processes."),
                 as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON.")):
    """Peak memory of the whole ingest for a small and a large corpus (flat memory: ratio near 1)."""
    from .bench import memory

    result = memory(small=small, large=large, processes=processes)
    show_figures(result, as_json, result["runs"], f"peak memory, {processes} process(es)",
                 f"ratio large / small (peak RSS): [bold]{result['ratio']}[/bold]")


@app.command(name="settings")
def settings_(fmt: Format = FMT):
    """The settings table: defaults, environment variables, current values."""
    from . import settings

    emit(settings.table(), fmt, "settings")


# -- across articles: near-duplicates, story-events, trends, alerts, exports (dateline.dedupe, link, analysis,
# alerts, export) -------------------------------------------------------------------------------------------
class Period(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


class What(str, Enum):
    events = "events"
    story_events = "story-events"
    documents = "documents"
    statistics = "statistics"


class Layout(str, Enum):
    dateline = "dateline"
    gdelt = "gdelt"
    polecat = "polecat"


TYPE = typer.Option(None, "--type", help="Only this event type (DEFECT, ASSAULT, ...).")
COUNTRY = typer.Option(None, help="Only events whose actor, target or place is in this country (ISO alpha-2).")
SINCE = typer.Option(None, help="From this date (YYYY-MM-DD).")
UNTIL = typer.Option(None, help="Up to this date (YYYY-MM-DD).")


@app.command()
def stories(story_id: Optional[str] = typer.Argument(None, help="A story-event id (or unique prefix): show it with its evidence."),
            db: Optional[str] = DB, fmt: Format = FMT, type: Optional[str] = TYPE, country: Optional[str] = COUNTRY,
            since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
            min_articles: int = typer.Option(1, help="Only story-events reported by at least this many articles."),
            limit: int = 100):
    """Story-events: each real-world event once, with its reports, corroboration and conflicts."""
    from .errors import InputError
    from .link import stories as list_stories, story
    from .store import open_store

    store = open_store(db)
    if story_id is None:
        rows = list_stories(store, type_=type, country=country, since=since, until=until, min_articles=min_articles,
                            limit=limit)
        if fmt is Format.table:  # the terminal is narrow: the main columns only
            rows = [{k: r[k] for k in ("id", "type", "date_start", "precision", "actor_country", "place_name",
                                       "articles", "outlets", "conflicts")} for r in rows]
        emit(rows, fmt, "story-events")
        return
    rec = story(store, story_id)
    if rec is None:
        raise InputError(f"no story-event with id {story_id!r}", fix="list ids with `dateline stories`")
    if fmt is not Format.table:
        sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2) + "\n")
        return
    facts = {k: rec[k] for k in ("id", "type", "mode", "first_seen", "last_seen", "mentions", "articles", "outlets", "certainty", "historical")}
    facts.update(date=(rec.get("date") or {}).get("text") or (rec.get("date") or {}).get("start"),
                 place=(rec.get("place") or {}).get("name"))
    emit([facts], Format.table, "story-event")
    emit([{k: e[k] for k in ("outlet", "published", "sentence", "doc_id")} for e in rec["evidence"]], Format.table, "evidence")
    emit([{"field": c["field"], "value": v["value"], "sources": ", ".join(x["outlet"] or x["doc_id"] for x in v["sources"])}
          for c in rec["conflicts"] for v in c["values"]], Format.table, "conflicts")


@app.command()
def duplicates(db: Optional[str] = DB, fmt: Format = FMT, original: Optional[str] = typer.Option(None, help="Only copies of this document id."),
               limit: int = 100):
    """Near-duplicate articles found at ingest (syndicated or lightly edited copies), with their similarity."""
    from .dedupe import duplicates as list_duplicates
    from .store import open_store

    emit(list_duplicates(open_store(db), original=original, limit=limit), fmt, "near-duplicates")


@app.command()
def relink(db: Optional[str] = DB):
    """Rebuild every story-event from the stored events, from scratch (same result as linking on ingest)."""
    from .link import relink as run_relink
    from .store import open_store

    store = open_store(db)
    n = run_relink(store)
    k = store.query("SELECT COUNT(*) AS n FROM story_events")[0]["n"]
    out.print(f"linked {n} event mentions into {k} story-events")


@app.command()
def trends(db: Optional[str] = DB, fmt: Format = FMT, period: Period = typer.Option(Period.month, help="Counting period."),
           by: str = typer.Option("type", help="all, type, mode, actor_country, target_country, place_country, certainty, actor."),
           mentions: bool = typer.Option(False, "--mentions", help="Count event mentions instead of story-events."),
           type: Optional[str] = TYPE, country: Optional[str] = COUNTRY,
           actor_country: Optional[str] = typer.Option(None, help="Only this actor country."),
           since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
           window: int = typer.Option(8, help="Trailing periods in the change test's baseline."),
           top: int = typer.Option(8, help="Series shown (largest first)."),
           last: int = typer.Option(24, help="Periods shown in the table and chart (json and csv have all).")):
    """Counts over time with a change test (Poisson, latest period against the trailing baseline)."""
    from . import analysis
    from .store import open_store

    where = {"type": type, "country": country, "actor_country": actor_country}
    result = analysis.trends(open_store(db), period=period.value, by=by, mentions=mentions, where=where,
                             since=since, until=until, window=window, top=top)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is Format.csv:
        emit(analysis.rows(result), fmt)
        return
    wide = [{"period": p, **{s["key"]: s["counts"][i] for s in result["series"]}}
            for i, p in enumerate(result["periods"])][-last:]
    emit(wide, fmt, f"{result['unit']} per {period.value} by {by}")
    out.print(analysis.chart(result, last=last), highlight=False)
    emit([{k: (f"{v:.3g}" if k == "p_value" and v is not None else v) for k, v in row.items() if k != "test"}
          for row in analysis.changes(result)], fmt, "change in the latest period (Poisson test)")
    out.print(f"[dim]excluded: {result['excluded']}[/dim]")


@app.command()
def alerts(rules: Path = typer.Option(..., "--rules", help="YAML rules file (see dateline/data/alerts.example.yaml)."),
           db: Optional[str] = DB, as_of: Optional[str] = typer.Option(None, help="Evaluate as of this date (default: newest item)."),
           output: Optional[Path] = typer.Option(None, help="Also write the results, with evidence, as JSON here."),
           as_json: bool = typer.Option(False, "--json", help="Print the results as JSON.")):
    """Evaluate alert rules against the store and show what fired, with the evidence."""
    from .alerts import evaluate, load_rules
    from .store import open_store

    results = evaluate(open_store(db), load_rules(rules), as_of=as_of)
    text = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    if as_json:
        sys.stdout.write(text)
        return
    emit([{"rule": r["rule"], "fired": r["fired"], "period": r.get("period"), "count": r.get("count"),
           "baseline": r.get("baseline_mean"), "reason": r.get("reason")} for r in results], Format.table, "alerts")
    for r in results:
        for ev in r.get("evidence") or []:
            first = (ev.get("sentences") or [ev])[0]
            out.print(f"[bold]{r['rule']}[/bold]: {ev.get('story_id') or ev.get('event_id')} "
                      f"({ev.get('date') or ev.get('published')}, {ev.get('articles', 1)} article(s)): {first.get('sentence')}",
                      highlight=False)


@app.command(name="export")
def export_(fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", "-f", help="csv, jsonl or parquet."),
            what: What = typer.Option(What.events, help="events, story-events, documents or statistics."),
            layout: Layout = typer.Option(Layout.dateline, help="dateline, gdelt or polecat (events and story-events)."),
            output: Optional[str] = typer.Option(None, "--output", "-o", help="File to write (standard output if none; parquet needs one)."),
            type: Optional[str] = TYPE, country: Optional[str] = COUNTRY, since: Optional[str] = SINCE,
            until: Optional[str] = UNTIL, db: Optional[str] = DB):
    """Export the store as CSV, JSON Lines or Parquet, in dateline's layout or a GDELT- or POLECAT-like one."""
    from .export import export as run_export
    from .store import open_store

    n = run_export(open_store(db), what=what.value, fmt=fmt.value, layout=layout.value, output=output, type_=type,
                   country=country, since=since, until=until)
    if output:
        err.print(f"wrote {n} rows to {output}")


@app.command()
def serve(db: Optional[str] = DB, host: str = typer.Option("127.0.0.1", help="Address to bind (loopback by default)."),
          port: int = typer.Option(8000, help="Port to listen on.")):
    """Serve the HTTP API (/api/v1, schema at /api/v1/openapi.json) and the web dashboard."""
    from .server import serve as run_server

    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]note:[/yellow] listening on {host}: anyone who can reach it can read the store")
    err.print(f"dateline on http://{host}:{port}/ (API schema: /api/v1/openapi.json); Ctrl-C stops it")
    run_server(db=db, host=host, port=port)


@bench_app.command("api")
def bench_api(events: int = typer.Option(1_000_000, help="Generated events in the temporary store."),
              requests: int = typer.Option(200, help="Requests per endpoint."),
              db: Optional[Path] = typer.Option(None, help="Keep the generated store here (default: a temporary file)."),
              as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON.")):
    """p50/p95 latency of the main API endpoints on a generated store (a real server on loopback)."""
    from .bench_api import run as run_bench

    result = run_bench(events=events, requests=requests, db=db)
    show_figures(result, as_json, result["endpoints"], f"API latency, {result['events']:,} events, {requests} requests each",
                 f"generated in {result['generate_s']} s; filtered event queries p95 {result['filtered_events_p95_ms']} ms")


@app.command()
def watch(feeds_file: Optional[Path] = typer.Argument(None, help="YAML or plain file of feed URLs (see dateline/data/feeds.example.yaml)."),
          interval: Optional[float] = typer.Option(None, help="Seconds between polls (setting `watch_interval`)."),
          once: bool = typer.Option(False, "--once", help="Poll every feed once, then stop."),
          allow_host: List[str] = typer.Option([], "--allow-host", help="Host that may be fetched even on a private or loopback address (repeatable)."),
          failures: bool = typer.Option(False, "--failures", help="List the recorded fetch failures and stop."),
          feeds: bool = typer.Option(False, "--feeds", help="List the polled feeds with their state and stop."),
          limit: int = typer.Option(100, help="Rows for --failures."),
          model: Optional[str] = typer.Option(None, help="spaCy pipeline to use."),
          db: Optional[str] = DB, fmt: Format = FMT):
    """Poll RSS/Atom feeds and read the articles they link to into the store (Ctrl-C stops)."""
    from . import watch as watching

    if failures or feeds:
        from .store import open_store

        store = open_store(db)
        rows = watching.failures(store, limit) if failures else watching.feed_status(store)
        emit(rows, fmt, "fetch failures" if failures else "feeds")
        return
    if feeds_file is None:
        raise typer.BadParameter("give a FEEDS_FILE, or --failures / --feeds")

    def report(summary):
        line = summary.to_dict()
        if fmt is Format.json:
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            err.print(f"polled {line['feeds']} feeds: {line['new_items']} new items, {line['stored']} stored, "
                      f"{line['duplicates']} duplicates, {line['rejected']} rejected, {line['not_modified']} unchanged, "
                      f"{line['deferred']} deferred, {len(line['failures'])} failed fetches", highlight=False)

    try:
        watching.watch(feeds_file, db=db, interval=interval, once=once, allow_hosts=allow_host, model=model, on_poll=report)
    except KeyboardInterrupt:
        err.print("stopped")


def main() -> None:
    try:
        app()
    except DatelineError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
