"""Inputs real corpora come in: WARC / WARC.gz crawls and Parquet files of articles."""
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import dateline
from dateline.sources import iter_inputs
from dateline.store import open_store

PAGE = """<html><head><title>Border Guards Detain Smugglers</title></head><body><article>
<h1>Border Guards Detain Smugglers</h1>
<p>Chinese border guards detained five North Korean smugglers near Dandong on Sunday, local officials said.</p>
<p>The smugglers were carrying copper wire and mobile phones, the officials said.</p>
</article></body></html>"""


def write_warc(path, gz: bool):
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://news.example/a", "response",
                                                      payload=io.BytesIO(PAGE.encode()), http_headers=headers))
        img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://news.example/i.png", "response",
                                                      payload=io.BytesIO(b"\x89PNG..."), http_headers=img))
        writer.write_record(writer.create_warc_record("https://news.example/a", "request",
                                                      payload=io.BytesIO(b"GET /a HTTP/1.1\r\n\r\n")))


@pytest.mark.parametrize("name,gz", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_warc_pages_become_articles_and_other_records_are_counted(tmp_path, name, gz, nlp):
    path = tmp_path / name
    write_warc(path, gz)
    raws = list(iter_inputs([str(path)]))
    assert [r.kind for r in raws] == ["html", "skipped", "skipped"]
    assert raws[0].meta["url"] == "https://news.example/a" and raws[0].meta["fetched"]
    summary = dateline.ingest([str(path)], db=str(tmp_path / "w.db"))
    assert (summary.read, summary.stored, summary.skipped) == (1, 1, 2)
    doc = open_store(str(tmp_path / "w.db")).document(summary.stored_ids[0])
    assert doc["url"] == "https://news.example/a" and doc["fetched"]
    assert "five North Korean smugglers" in doc["text"]


def test_truncated_warc_is_rejected_with_a_reason(tmp_path):
    path = tmp_path / "bad.warc.gz"
    write_warc(path, True)
    path.write_bytes(path.read_bytes()[:60])
    raws = list(iter_inputs([str(path)]))
    assert raws and raws[-1].error is not None and "WARC" in str(raws[-1].error)


def test_parquet_rows_are_streamed_as_records(tmp_path):
    path = tmp_path / "a.parquet"
    table = pa.table({"text": ["First body.", None, "Third body."], "title": ["One", "Two", "Three"],
                      "url": ["u1", "u2", "u3"]})
    pq.write_table(table, path)
    raws = list(iter_inputs([str(path)]))
    assert [r.meta.get("title") for r in raws if r.error is None] == ["One", "Three"]
    assert "no text or html" in str(raws[1].error) and raws[1].source.endswith("a.parquet:2")


def test_parquet_without_a_body_column_is_rejected(tmp_path):
    path = tmp_path / "b.parquet"
    pq.write_table(pa.table({"title": ["x"]}), path)
    raws = list(iter_inputs([str(path)]))
    assert len(raws) == 1 and "no 'text' or 'html' column" in str(raws[0].error)
