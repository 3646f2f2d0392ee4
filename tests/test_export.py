"""Exports: CSV columns, JSON Lines documents as the output contract, Parquet read back with pyarrow, the
GDELT- and POLECAT-like layouts, filters, and the errors for impossible requests."""
import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from dateline import export, link
from dateline.errors import InputError
from dateline.store import open_store

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpora" / "linker-events.yaml"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = open_store(str(tmp_path_factory.mktemp("x") / "t.db"))
    docs, _ = link.corpus_documents(yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["documents"])
    s.write_documents(docs)
    link.link_pending(s)
    yield s
    s.close()


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_events_csv_to_stdout(store, capsys):
    assert export.export(store, what="events", fmt="csv") == 33
    rows = read_csv(capsys.readouterr().out)
    assert len(rows) == 33
    row = next(r for r in rows if r["event_id"] == "ew-0716-e1")
    assert row["type"] == "DEFECT" and row["cameo"] == "" and row["origin_name"] == "Rome"
    assert row["date_start"] == "2023-11-20" and row["story_id"] == link.story_of(store, "ew-0716-e1")
    assert row["outlet"] == "Eastern Wire" and row["certainty"] == "attributed"
    mob = next(r for r in rows if r["type"] == "MOBILIZE")
    assert mob["cameo"] == "15"  # from the ontology when the event record has none


def test_parquet_round_trip(store, tmp_path):
    out = tmp_path / "stories.parquet"
    n = export.export(store, what="story-events", fmt="parquet", output=str(out))
    table = pq.read_table(out)
    assert table.num_rows == n == 16
    data = table.to_pylist()
    launch = next(r for r in data if r["story_id"] == link.story_of(store, "hp-0528-e1"))
    assert launch["articles"] == 4 and launch["date_start"] == "2024-05-27" and launch["historical"] is False
    assert str(table.schema.field("articles").type) == "int64"


def test_parquet_needs_a_file(store):
    with pytest.raises(InputError, match="parquet needs a file"):
        export.export(store, what="events", fmt="parquet")


def test_documents_jsonl_is_the_output_contract(store, tmp_path):
    out = tmp_path / "docs.jsonl"
    export.export(store, what="documents", fmt="jsonl", output=str(out))
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 22
    assert set(docs[0]) >= {"id", "url", "outlet", "title", "published", "text", "entities", "times", "events", "statistics"}
    assert docs[0]["events"][0]["type"] == "MOBILIZE"


def test_gdelt_layout_for_story_events(store, tmp_path):
    out = tmp_path / "g.csv"
    export.export(store, what="story-events", fmt="csv", layout="gdelt", output=str(out), type_="MOBILIZE")
    rows = read_csv(out.read_text())
    assert list(rows[0])[:5] == ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]
    launch = next(r for r in rows if r["GLOBALEVENTID"] == link.story_of(store, "hp-0528-e1"))
    assert launch["SQLDATE"] == "20240527" and launch["EventRootCode"] == "15" and launch["QuadClass"] == "4"
    assert launch["Actor1CountryCode"] == "PRK" and launch["ActionGeo_CountryCode"] == "KN"  # ISO3 actors, FIPS geo
    assert (launch["NumMentions"], launch["NumArticles"], launch["NumSources"]) == ("4", "4", "4")
    assert launch["SOURCEURL"] == "https://harborpost.example/2024/05/28/satellite"  # the first report
    assert {r["dateline_type"] for r in rows} == {"MOBILIZE"}


def test_polecat_layout_for_events(store, tmp_path):
    out = tmp_path / "p.jsonl"
    export.export(store, what="events", fmt="jsonl", layout="polecat", output=str(out), country="IT")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["Event ID"] for r in rows} == {"dm-0715-e1", "cc-0716-e1", "ew-0716-e1"}
    r = next(x for x in rows if x["Event ID"] == "dm-0715-e1")
    assert r["Event Type"] == "defect" and r["Event Mode"] == "defect" and r["Actor Country"] == "PRK"
    assert r["Placename"] == "South Korea" and r["Country"] == "KOR"  # location absent: destination
    assert r["Publication Date"] == "2024-07-15" and r["Source"] == "Daily Meridian"


def test_date_filters(store):
    rows = export.story_rows(store, since="1980-01-01", until="1999-12-31")
    assert [r["date_start"] for r in rows] == ["1987-11-29"]
    events = export.event_rows(store, since="2024-06-01", until="2024-06-30")
    assert {e["type"] for e in events} == {"PROTEST"}


def test_statistics_and_bad_requests(store, capsys):
    assert export.export(store, what="statistics", fmt="csv") == 0
    with pytest.raises(InputError, match="layout is for events"):
        export.export(store, what="documents", fmt="csv", layout="gdelt")
    with pytest.raises(InputError, match="unknown format"):
        export.export(store, what="events", fmt="xlsx")


def test_cli_export_and_trends(store, tmp_path):
    from typer.testing import CliRunner

    from dateline.cli import app

    runner = CliRunner()
    out = tmp_path / "e.parquet"
    result = runner.invoke(app, ["export", "--format", "parquet", "--what", "events", "--layout", "gdelt",
                                 "--output", str(out), "--db", store.path, "--type", "PROTEST"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows == 5
    csv_out = runner.invoke(app, ["export", "--what", "story-events", "--db", store.path])
    assert read_csv(csv_out.stdout)[0]["story_id"].startswith("s-")
    trend = json.loads(runner.invoke(app, ["trends", "--db", store.path, "--period", "year", "--by", "type",
                                           "--format", "json"]).stdout)
    assert trend["unit"] == "story-events" and trend["periods"][-1] == "2024"
    table = runner.invoke(app, ["trends", "--db", store.path, "--period", "month", "--last", "6"])
    assert table.exit_code == 0 and "█" in table.stdout and "Poisson" in table.stdout
    rules = Path(__file__).resolve().parents[1] / "dateline" / "data" / "alerts.example.yaml"
    fired = runner.invoke(app, ["alerts", "--rules", str(rules), "--db", store.path, "--as-of", "2024-05-31",
                                "--output", str(tmp_path / "a.json")])
    assert fired.exit_code == 0 and "Weapons test reported" in fired.stdout
    results = json.loads((tmp_path / "a.json").read_text())
    weapons = next(r for r in results if r["rule"] == "Weapons test reported")
    assert weapons["fired"] is True and weapons["evidence"][0]["date"] == "2024-05-31"
