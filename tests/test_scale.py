"""The Dask path on a local cluster of two workers stores exactly what the single-process ingest stores."""
import pyarrow.parquet as pq

import dateline
from dateline.scale import load, partitions, run_dask, shard_schema
from dateline.store import open_store

from test_pipeline import ARTICLE, OTHER

THIRD = """Talks Resume in Geneva

By Ana Ruiz

May 2, 2018 11:00

Negotiators from Iran and the European Union met in Geneva on Tuesday to discuss the nuclear deal, diplomats said.
"""


def corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in (("a.txt", ARTICLE), ("b.txt", OTHER), ("c.txt", THIRD), ("dup.txt", ARTICLE)):
        (folder / name).write_text(text)
    (folder / "empty.txt").write_text(" ")
    return folder


def test_partitions_cover_every_file_once(tmp_path):
    folder = corpus(tmp_path)
    parts = partitions([str(folder)], 3)
    files = sorted(f for p in parts for f in p)
    assert len(parts) == 3 and len(files) == 5 and len(set(files)) == 5


def test_dask_equals_single_process(tmp_path, nlp):
    folder = corpus(tmp_path)
    single = str(tmp_path / "single.db")
    dateline.ingest([str(folder)], db=single)
    result = run_dask([str(folder)], str(tmp_path / "shards"), workers=2)
    assert result["documents"] == 4 and result["rejected"] == 1  # the duplicate is settled at load time
    assert pq.read_table(tmp_path / "shards" / "events" / "part-00000.parquet").column_names == shard_schema()["events"]
    merged = str(tmp_path / "dask.db")
    assert load(str(tmp_path / "shards"), db=merged)["stored"] == 3
    assert load(str(tmp_path / "shards"), db=merged)["stored"] == 0  # idempotent
    a, b = open_store(single), open_store(merged)
    for sql in ("SELECT id, title, published, reading FROM documents ORDER BY id",
                "SELECT * FROM entities ORDER BY doc_id, idx",
                "SELECT * FROM times ORDER BY doc_id, idx",
                "SELECT * FROM events ORDER BY id",
                "SELECT * FROM statistics ORDER BY doc_id, idx",
                "SELECT source, reason FROM rejected ORDER BY source"):
        assert a.query(sql) == b.query(sql), sql


def test_shards_written_before_the_actor_id_columns_load_with_the_ids_of_the_records(tmp_path):
    from dateline.scale import _write_shard
    from dateline.store.sqlite import COLUMNS, document_rows

    from test_store import ALL_KEYS, parties_doc

    doc = parties_doc()
    for table, rows in document_rows(doc).items():
        columns = COLUMNS[table][:-2] if table == "events" else COLUMNS[table]
        _write_shard(tmp_path / "shards" / table, 0, columns, [row[:len(columns)] for row in rows])
    assert "actor_id" not in pq.read_table(tmp_path / "shards" / "events" / "part-00000.parquet").column_names
    loaded, written = open_store(str(tmp_path / "loaded.db")), open_store(str(tmp_path / "written.db"))
    assert load(str(tmp_path / "shards"), store=loaded)["stored"] == 1
    written.write_documents([doc])
    for sql in ("SELECT * FROM events ORDER BY id", ALL_KEYS):
        assert loaded.query(sql) == written.query(sql), sql
    assert [r["actor_id"] for r in loaded.query("SELECT actor_id FROM events ORDER BY id")] == ["KP-GOV", "KP-GOV", None, None]
