"""The article suites: their metrics on hand-made strings, and the floors on the gold data (skipped when
../shared/data is absent)."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from dateline.evaluate import article_extraction as extraction
from dateline.evaluate import article_metadata as metadata
from dateline.model import Article

from conftest import gold

harness = importlib.import_module("dateline.evaluate")


def test_shingle_match_counts_overlap_and_normalises():
    # 4-gram shingles: gold (a b c d), (b c d e); prediction (a b c d), (b c d x)
    assert extraction.match("a b c d e", "a b, c d x") == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert extraction.match("a b c d", "") == (0.0, 0.0, 1.0)
    assert extraction.match("short text", "short text") == (1.0, 0.0, 0.0)  # fewer than 4 tokens: one shingle


def test_metrics_average_per_page_and_f1_from_the_means():
    rows = [(1.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.0, 0.0, 1.0)]
    got = extraction.metrics(rows)
    # precision over pages with a prediction (1.0, 0.5); recall over pages with gold (1.0, 1.0, 0.0)
    assert got["precision"] == pytest.approx(0.75)
    assert got["recall"] == pytest.approx(0.6667, abs=1e-4)
    assert got["f1"] == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3), abs=1e-4)


def test_score_exact_accuracy_is_token_sequence_equality():
    got = extraction.score({"a": "One two, three four five.", "b": "x y z w v"}, {"a": "One two three four five", "b": "x"})
    assert got["accuracy"] == 0.5 and got["n"] == 2


def test_metadata_tally_scores_snippets_and_fields():
    entry = {"with": ["must appear", "also here"], "without": ["Share this"], "title": "A Title",
             "author": "Ann Lee; Bo Kim", "date": "2020-01-02"}
    art = Article(text="It must   appear. Share this", title="a title", authors=["Bo Kim", "Ann Lee"],
                  published="2020-01-02T10:00:00+09:00")
    tally = metadata.Tally()
    tally.page(entry, art)
    got = tally.result(1)
    assert (tally.tp, tally.fn, tally.fp, tally.tn) == (1, 1, 1, 0)
    assert got["precision"] == 0.5 and got["recall"] == 0.5
    assert got["details"]["title_accuracy"] == 1.0 and got["details"]["author_accuracy"] == 1.0
    assert got["details"]["date_accuracy"] == 1.0
    assert got["accuracy"] == pytest.approx(4 / 6, abs=1e-4) and got["n"] == 6


def test_metadata_missing_article_fails_its_fields():
    tally = metadata.Tally()
    tally.page({"with": ["x"], "without": ["y"], "title": "T", "date": ""}, None)
    got = tally.result(1)
    assert got["details"]["title_accuracy"] == 0.0 and got["details"]["date_n"] == 0
    assert (tally.fn, tally.tn) == (1, 1)


@pytest.mark.gold
def test_article_extraction_floors_and_peers():
    result = harness.run("article-extraction", gold("article-extraction-scrapinghub"))
    assert harness.check_floors("article-extraction", result) == []
    # The metric reproduces the benchmark's published figure for trafilatura 2.0.0 (F1 0.958).
    assert result["peers"]["trafilatura"]["f1"] == pytest.approx(0.958, abs=0.002)
    assert result["f1"] >= result["peers"]["trafilatura"]["f1"]
    assert result["n"] == 181


@pytest.mark.gold
def test_article_metadata_floors():
    result = harness.run("article-metadata", gold("article-metadata-trafilatura"), peers=False)
    assert harness.check_floors("article-metadata", result) == []
    for name in ("title", "author", "date"):
        assert result["details"][f"{name}_n"] > 40
        assert result["details"][f"{name}_accuracy"] > 0.5


@pytest.mark.gold
def test_seed_metadata_scores_13_of_13(shared_dir, tmp_path):
    from dateline.article import read
    from dateline.sources import RawInput

    seed = shared_dir / "seed" / "000_b532e9020f82f185.txt"
    art = read(RawInput(str(seed), "text", data=seed.read_bytes()))
    reading = tmp_path / "reading.json"
    reading.write_text(json.dumps({"title": art.title, "authors": art.authors, "published": art.published,
                                   "outlet": art.outlet, "text": art.text}), encoding="utf-8")
    out = subprocess.run([sys.executable, str(shared_dir / "tools" / "score_expected.py"),
                          str(shared_dir / "examples" / "seed.expected.json"), str(reading)],
                         capture_output=True, text=True, check=True).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["sections"]["metadata"] == "13/13"
