"""The `scale-out` stage: the same pipeline over partitioned inputs on Dask, writing Parquet shards.

    run_dask(paths, shards_dir, scheduler=None, workers=2)   inputs -> shards_dir/<table>/part-NNNNN.parquet
    load(shards_dir, db)                                     shards -> the store, idempotently

Each partition is a list of input files; a worker loads the model once (per process, cached) and runs the
same article and NLP stages as `dateline ingest`. Shards have the columns of the store's per-document tables
(`dateline.store.sqlite.COLUMNS`), so DuckDB or Spark can query them directly, for example
`SELECT type, count(*) FROM 'shards/events/*.parquet' GROUP BY type`. Duplicates across partitions are
settled when the shards are loaded: a document id already in the store is skipped.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Optional

from .sources import iter_paths

TABLES = ("documents", "sentences", "entities", "times", "events", "statistics", "rejected")
REJECTED_COLUMNS = ("source", "reason", "fix", "kind")


def partitions(paths: Iterable[str], n: int) -> list[list[str]]:
    """Input files spread over `n` partitions, round robin in a stable order."""
    files = [str(p) for p in iter_paths(paths)]
    n = max(1, min(n, len(files)))
    return [files[i::n] for i in range(n)] if files else []


def process_partition(files: list[str], shards_dir: str, number: int, model: Optional[str] = None,
                      batch_size: int = 32) -> dict:
    """Run the pipeline over one partition and write its shards; returns its counts."""
    from . import pipeline
    from .sources import iter_inputs
    from .store.sqlite import COLUMNS, document_rows

    summary = pipeline.IngestSummary()
    tables: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
    rejected: list[tuple] = []

    class ShardSink:  # stands in for the store: rejected inputs go to their own shard
        def record_rejected(self, source, error, kind="input"):
            rejected.append((source, error.reason, error.fix, kind))

        def has_document(self, doc_id):
            return False

    sink = ShardSink()
    items = pipeline._new_articles(iter_inputs(files), sink, summary, None, near=False)
    for outcome in pipeline.analyse(items, model=model, batch_size=batch_size, processes=1):
        if isinstance(outcome, tuple):
            pipeline._reject(sink, summary, outcome[0], pipeline.DatelineError(outcome[1]), kind="stage")
            continue
        for table, rows in document_rows(outcome).items():
            tables[table].extend(rows)
    for table, columns in COLUMNS.items():
        _write_shard(Path(shards_dir) / table, number, columns, tables[table])
    _write_shard(Path(shards_dir) / "rejected", number, REJECTED_COLUMNS, rejected)
    return {"partition": number, "read": summary.read, "documents": len(tables["documents"]),
            "rejected": len(rejected), "duplicates": summary.duplicates}


def _write_shard(folder: Path, number: int, columns: tuple[str, ...], rows: list[tuple]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    schema = pa.schema([(c, _arrow_type(c)) for c in columns])
    pq.write_table(pa.table(data, schema=schema), folder / f"part-{number:05d}.parquet")


def _arrow_type(column: str):
    import pyarrow as pa

    ints = {"idx", "start", "end", "sentence_start", "sentence_end", "historical"}
    return pa.int64() if column in ints else pa.string()


def run_dask(paths: Iterable[str], shards_dir: str, scheduler: Optional[str] = None, workers: int = 2,
             model: Optional[str] = None, partitions_per_worker: int = 2) -> dict:
    """Process the inputs on a Dask cluster (a local one of `workers` processes when no address is given)."""
    from dask.distributed import Client, LocalCluster

    parts = partitions(paths, workers * partitions_per_worker)
    Path(shards_dir).mkdir(parents=True, exist_ok=True)
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [client.submit(process_partition, files, str(shards_dir), i, model, pure=False)
                   for i, files in enumerate(parts)]
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {"partitions": len(parts), "read": sum(r["read"] for r in results),
            "documents": sum(r["documents"] for r in results), "rejected": sum(r["rejected"] for r in results),
            "shards": str(shards_dir)}


def load(shards_dir: str, db: Optional[str] = None, store=None) -> dict:
    """Merge shards into the store. Idempotent: documents already stored are left as they are."""
    import pyarrow.parquet as pq

    from .errors import DatelineError, InputError
    from .store import open_store
    from .store.sqlite import COLUMNS

    root = Path(shards_dir)
    if not (root / "documents").is_dir():
        raise InputError(f"{root} holds no documents/ shards", fix="pass the folder written by `ingest --engine dask`")
    own = store is None
    store = store or open_store(db)
    stored = 0
    try:
        for shard in sorted((root / "documents").glob("part-*.parquet")):
            by_doc: dict[str, dict[str, list[tuple]]] = {}
            for table, columns in COLUMNS.items():
                path = root / table / shard.name
                if not path.is_file():
                    continue
                data = pq.read_table(path)
                missing = [c for c in columns if c not in data.column_names]
                for row in data.to_pylist():
                    if missing:
                        _fill_missing(table, row, missing)
                    key = row["id"] if table == "documents" else row["doc_id"]
                    by_doc.setdefault(key, {}).setdefault(table, []).append(tuple(row[c] for c in columns))
            stored += len(store.write_rows(v for v in by_doc.values() if "documents" in v))
            rejected_path = root / "rejected" / shard.name
            if rejected_path.is_file():
                for row in pq.read_table(rejected_path).to_pylist():
                    store.record_rejected(row["source"], DatelineError(row["reason"], fix=row["fix"]), kind=row["kind"])
    finally:
        if own:
            store.close()
    return {"stored": stored}


_PARTIES = {"actor_id": "actor", "target_id": "target"}  # events columns (migration 0007) and their record keys


def _fill_missing(table: str, row: dict, missing: list[str]) -> None:
    """Columns a shard written before they existed lacks: the events' actor ids are read from the record, as
    the store's migration fills them; any other is left empty."""
    record = json.loads(row["record"]) if table == "events" else {}
    for column in missing:
        party = record.get(_PARTIES.get(column))
        row[column] = party.get("actor_id") if party else None


def shard_schema() -> dict[str, list[str]]:
    """The shard tables and their columns (for the README and for DuckDB / Spark users)."""
    from .store.sqlite import COLUMNS

    return {**{t: list(c) for t, c in COLUMNS.items()}, "rejected": list(REJECTED_COLUMNS)}


if __name__ == "__main__":
    print(json.dumps(shard_schema(), indent=2))
