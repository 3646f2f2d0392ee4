"""The README documents what the code declares: every setting, every CLI command, every eval suite."""
from pathlib import Path

from typer.main import get_command

from dateline import settings
from dateline.cli import app
from dateline.evaluate import SUITES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table():
    for s in settings.SETTINGS:
        assert f"| `{s.name}` |" in README and f"DATELINE_{s.name.upper()}" in README, s.name


def test_every_command_is_named_in_the_readme():
    for name in get_command(app).commands:
        assert f"dateline {name}" in README, name


def test_every_eval_suite_is_named_in_the_readme():
    for name in SUITES:
        assert f"`{name}`" in README or f"eval {name}" in README, name


def test_import_dateline_stays_light():
    import subprocess
    import sys

    code = ("import sys, dateline; heavy = [m for m in ('spacy', 'sqlite3', 'fastapi', 'uvicorn', 'trafilatura', "
            "'dask', 'pyarrow', 'httpx') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
