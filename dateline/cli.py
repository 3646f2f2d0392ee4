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
out = Console()
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
def ingest(paths: List[str] = typer.Argument(..., help="Files, folders (recursive), JSON Lines, or - for stdin."),
           db: Optional[str] = DB,
           batch_size: Optional[int] = typer.Option(None, help="Articles per batch and transaction."),
           processes: Optional[int] = typer.Option(None, help="Worker processes for the NLP stage."),
           model: Optional[str] = typer.Option(None, help="spaCy pipeline to use."),
           as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")):
    """Read articles into the store, with a progress bar and a summary."""
    from . import settings
    from .pipeline import ingest as run_ingest
    from .report import ingest_progress, print_summary

    with ingest_progress(err, enabled=settings.get("progress") and not as_json) as tick:
        summary = run_ingest(paths, db=db, model=model, batch_size=batch_size, processes=processes, on_progress=tick)
    if as_json:
        sys.stdout.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_summary(out, summary, settings.get("db", db))


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
def events(db: Optional[str] = DB, fmt: Format = FMT, type: Optional[str] = typer.Option(None, help="Only this event type."),
           limit: int = 100):
    """Stored events."""
    from .store import open_store

    emit(open_store(db).events(type_=type, limit=limit), fmt, "events")


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
        emit([{"suite": k, "measures": v[1], "data": (evaluate.floors().get(k) or {}).get("data")}
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


@app.command(name="settings")
def settings_(fmt: Format = FMT):
    """The settings table: defaults, environment variables, current values."""
    from . import settings

    emit(settings.table(), fmt, "settings")


def main() -> None:
    try:
        app()
    except DatelineError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
