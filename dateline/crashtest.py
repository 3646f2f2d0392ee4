"""Crash safety, proved: kill an ingest with SIGKILL at random moments, check the database after each kill,
then finish the ingest and check that exactly the missing articles were added.

    python -m dateline.crashtest [--kills 20] [--articles 40]      (also run by tests/test_crash.py)

After every kill: `PRAGMA integrity_check` is "ok", and every stored document is whole (its events,
entities and times rows match its stored reading). At the end: a plain re-run stores exactly the articles
still missing, and the store holds each article once.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_corpus(folder: Path, n: int) -> None:
    from .bench import generate

    folder.mkdir(parents=True, exist_ok=True)
    for i, record in enumerate(generate(n, seed=11)):
        (folder / f"a{i:04d}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")


def check_database(db: Path) -> list[str]:
    """Problems found in the store: integrity, and documents whose rows do not match their reading."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        problems = []
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            problems.append(f"integrity_check: {result}")
        for doc_id, reading in conn.execute("SELECT id, reading FROM documents"):
            r = json.loads(reading)
            for table, key in (("events", "events"), ("entities", "entities"), ("times", "times")):
                n = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE doc_id = ?", (doc_id,)).fetchone()[0]
                if n != len(r[key]):
                    problems.append(f"document {doc_id}: {n} {table} rows, reading has {len(r[key])}")
        return problems
    finally:
        conn.close()


def _ingest_cmd(corpus: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "dateline.cli", "ingest", str(corpus), "--db", str(db), "--batch-size", "2", "--json"]


def run(kills: int = 20, articles: int = 40, seed: int = 3, workdir: Path | None = None) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="dateline-crash-") as tmp:
        root = Path(workdir or tmp)
        corpus, db = root / "corpus", root / "crash.db"
        write_corpus(corpus, articles)
        env = {**os.environ, "DATELINE_PROGRESS": "0"}
        # One uninterrupted run into a scratch database tells how long an ingest takes here; kills then land
        # anywhere from start-up to the end of the work still left.
        started = time.perf_counter()
        subprocess.run(_ingest_cmd(corpus, root / "calibrate.db"), capture_output=True, env=env, check=True)
        full = time.perf_counter() - started
        survived, stored_counts, stretch = 0, [], 1.0
        for _ in range(kills):
            proc = subprocess.Popen(_ingest_cmd(corpus, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            stored = _count(db)
            time.sleep(rng.uniform(0.2, 0.2 + 0.8 * (1 - stored / articles)) * full * stretch)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            problems = check_database(db)
            if problems:
                return {"kills": survived, "problems": problems}
            survived += 1
            stored_counts.append(_count(db))
            # a machine busier than at calibration makes start-up slower: a kill that stored nothing waits longer
            stretch = stretch * 1.5 if stored_counts[-1] == stored else 1.0
        before = _count(db)
        done = subprocess.run(_ingest_cmd(corpus, db), capture_output=True, text=True, env=env)
        summary = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-500:]}
        after = _count(db)
        return {"kills": survived, "problems": check_database(db), "stored_before_final": before,
                "final_stored": summary.get("stored"), "final_duplicates": summary.get("duplicates"),
                "documents": after, "articles": articles, "stored_after_each_kill": stored_counts}


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--articles", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps(run(args.kills, args.articles), indent=2))
