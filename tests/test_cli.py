"""The CLI as a user runs it: extract, ingest, the query commands in each format, and errors."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dateline.cli import app

runner = CliRunner()

ARTICLE = """Navy Seizes Tanker Off Coast

By Lee Min-ho

June 4, 2019 14:20

South Korean coast guard officers seized a tanker carrying North Korean coal near Busan on Tuesday, officials said.
"""


@pytest.fixture
def article(tmp_path) -> Path:
    p = tmp_path / "tanker.txt"
    p.write_text(ARTICLE)
    return p


def test_extract_json_prints_the_contract(article, nlp):
    result = runner.invoke(app, ["extract", str(article), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["title"] == "Navy Seizes Tanker Off Coast"
    assert doc["authors"] == ["Lee Min-ho"]
    assert doc["published"].startswith("2019-06-04T14:20")
    assert doc["text"].startswith("South Korean coast guard")
    busan = [e for e in doc["entities"] if e["text"] == "Busan"]
    assert busan and busan[0]["place"]["country"] == "KR"


def test_extract_reads_stdin(nlp):
    result = runner.invoke(app, ["extract", "-", "--json"], input=ARTICLE)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "Navy Seizes Tanker Off Coast"


def test_ingest_then_query_in_every_format(article, tmp_path, nlp):
    db = str(tmp_path / "c.db")
    result = runner.invoke(app, ["ingest", str(article), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["stored"], summary["rejected"]) == (1, 1, [])
    docs = json.loads(runner.invoke(app, ["documents", "--db", db, "--format", "json"]).stdout)
    assert [d["title"] for d in docs] == ["Navy Seizes Tanker Off Coast"]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["entities", "--db", db, "--format", "csv"]).stdout)))
    assert any(r["text"] == "Busan" and r["country"] == "KR" for r in rows)
    shown = json.loads(runner.invoke(app, ["show", docs[0]["id"][:8], "--db", db, "--json"]).stdout)
    assert shown["id"] == docs[0]["id"] and shown["text"].startswith("South Korean")
    table = runner.invoke(app, ["documents", "--db", db])
    assert "Navy" in table.stdout and docs[0]["id"][:8] in table.stdout


def test_errors_are_one_line_with_a_fix_and_exit_2(tmp_path):
    exe = Path(sys.executable).parent / "dateline"
    proc = subprocess.run([str(exe), "show", "nope", "--db", str(tmp_path / "e.db")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "no document with id 'nope'" in proc.stderr and "Fix:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_eval_list_names_every_suite():
    from dateline.evaluate import SUITES

    result = runner.invoke(app, ["eval", "list"])
    assert result.exit_code == 0
    for name in SUITES:
        assert name in result.stdout


def test_settings_table_lists_env_names():
    result = runner.invoke(app, ["settings", "--format", "json"])
    rows = json.loads(result.stdout)
    assert {"name": "db", "env": "DATELINE_DB"}.items() <= rows[0].items()


def test_config_file_is_read_again_when_it_changes(tmp_path, monkeypatch):
    import os

    from dateline import settings
    from dateline.errors import ConfigError

    conf = tmp_path / "dateline.toml"
    monkeypatch.setenv("DATELINE_CONFIG", str(conf))
    assert settings.get("batch_size") == 32  # no file: the default
    conf.write_text("[dateline]\nbatch_size = 8\n", encoding="utf-8")
    assert settings.get("batch_size") == 8
    conf.write_text("[dateline]\nbatch_size = 16\nmax_events = 7\n", encoding="utf-8")
    os.utime(conf, ns=(1, 2_000_000_000_000_000_000))  # a new modification time, however coarse the clock
    assert settings.get("batch_size") == 16 and settings.get("max_events") == 7
    monkeypatch.setenv("DATELINE_BATCH_SIZE", "4")
    assert settings.get("batch_size") == 4  # the environment still wins over the file
    conf.write_text("[dateline\n", encoding="utf-8")
    os.utime(conf, ns=(1, 3_000_000_000_000_000_000))
    with pytest.raises(ConfigError, match="cannot read config file"):
        settings.get("max_events")
