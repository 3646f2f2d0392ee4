"""Readable terminal output for the CLI (rich). Formatting only: no reading, no SQL."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.table import Table


def _participant(p: dict | None) -> str:
    if not p:
        return ""
    bits = [p.get("name") or p.get("text") or ""]
    if p.get("country"):
        bits.append(f"[{p['country']}]")
    if p.get("orgs"):
        bits.append("(" + ", ".join(p["orgs"]) + ")")
    return " ".join(b for b in bits if b)


def _place(p: dict | None) -> str:
    if not p:
        return ""
    return f"{p.get('name') or p.get('text')}" + (f" [{p['country']}]" if p.get("country") else "")


def print_document(console: Console, doc) -> None:
    print_reading(console, doc.to_dict())


def print_reading(console: Console, r: dict) -> None:
    console.print(f"[bold]{r.get('title') or '(no title)'}[/bold]")
    meta = [r.get("outlet"), ", ".join(r.get("authors") or []), r.get("published"), r.get("dateline")]
    console.print(" · ".join(m for m in meta if m), style="dim")
    console.print(f"id {r['id']}  source {r.get('source_path') or ''}", style="dim")
    events = r.get("events") or []
    if events:
        t = Table(title=f"{len(events)} events", show_lines=True)
        for col in ("type", "trigger", "actor", "target", "where", "when", "how much", "certainty", "source"):
            t.add_column(col, overflow="fold")
        for e in events:
            where = _place(e.get("location") or e.get("destination") or e.get("origin"))
            date = e.get("date") or {}
            when = f"{date.get('start')}..{date.get('end')}" if date else ""
            if e.get("historical"):
                when += " (historical)"
            qty = "; ".join(q["text"] for q in e.get("quantities") or [])
            src = _participant((e.get("attribution") or {}).get("source"))
            t.add_row(e["type"] + (f"/{e['mode']}" if e.get("mode") else ""), e["trigger"]["text"],
                      _participant(e.get("actor")), _participant(e.get("target")), where, when, qty,
                      e["certainty"] + ("" if e.get("polarity") == "affirmed" else f", {e.get('polarity')}")
                      + ("" if e.get("modality") == "actual" else f", {e.get('modality')}"), src)
        console.print(t)
    else:
        console.print("[dim]no events[/dim]")
    for s in r.get("statistics") or []:
        series = ", ".join(f"{p['period']}: {p['value']:g}{' (so far)' if p.get('partial') else ''}" for p in s["series"])
        src = _participant((s.get("attribution") or {}).get("source"))
        console.print(f"[bold]statistic[/bold] {s['measure']}: {series}" + (f"  — {src}" if src else ""))
    ents = [e for e in r.get("entities") or [] if e.get("actor") or e.get("place")]
    if ents:
        names = sorted({f"{e['text']} ({(e.get('actor') or e.get('place') or {}).get('country') or '-'})" for e in ents})
        console.print("[bold]resolved[/bold] " + "; ".join(names))
    times = r.get("times") or []
    if times:
        console.print("[bold]times[/bold] " + "; ".join(f"{t['text']} = {t['value']}" for t in times))


@contextmanager
def ingest_progress(console: Console, enabled: bool = True) -> Iterator[Callable[[str, int], None]]:
    if not enabled:
        yield lambda source, n: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.completed} read"), TextColumn("[dim]{task.description}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("", total=None)

        def tick(source: str, n: int) -> None:
            progress.update(task, completed=n, description=source[-60:])

        yield tick


def print_summary(console: Console, summary, db: str) -> None:
    near = f" ({summary.near_duplicates} near copies linked)" if summary.near_duplicates else ""
    skipped = f", non-article records skipped {summary.skipped}" if summary.skipped else ""
    console.print(f"read {summary.read}, stored {summary.stored}, duplicates skipped {summary.duplicates}{near}, "
                  f"rejected {len(summary.rejected)}{skipped}  → {db}")
    for source, message in summary.rejected:
        console.print(f"  [yellow]rejected[/yellow] {message}", highlight=False)


def print_eval(console: Console, result: dict, below: list[str]) -> None:
    keys = ("precision", "recall", "f1", "accuracy", "macro_f1", "strict_f1", "relaxed_f1", "value_f1", "acc_161", "n")
    t = Table(title=f"eval {result.get('suite')}")
    t.add_column("system")
    shown = [k for k in keys if k in result]
    for k in shown:
        t.add_column(k, justify="right")

    def fmt(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v if v is not None else "")

    t.add_row("dateline", *[fmt(result.get(k)) for k in shown])
    for name, figures in (result.get("peers") or {}).items():
        t.add_row(name, *[fmt(figures.get(k)) for k in shown])
    console.print(t)
    for line in below:
        console.print(f"[red]below floor:[/red] {line}")
