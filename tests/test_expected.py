"""The `expected` suite agrees with ../shared/tools/score_expected.py, and the examples hold their floors."""
import json
import subprocess
import sys

import pytest

from dateline import evaluate
from dateline.evaluate.expected import score

from conftest import SHARED


def shared_or_skip():
    if not (SHARED / "tools" / "score_expected.py").is_file():
        pytest.skip("../shared/tools is absent (fresh clone); it is present in CI")
    return SHARED


@pytest.mark.parametrize("name", ["seed.expected.json", "kcna-2024-10-09-test-fire.expected.json",
                                  "kcna-2024-05-27-satellite.expected.json"])
def test_agrees_with_the_shared_scorer(name, tmp_path, nlp):
    shared = shared_or_skip()
    from dateline.evaluate.expected import read_for

    exp_path = shared / "examples" / name
    exp = json.loads(exp_path.read_text())
    reading = read_for(exp_path, exp)
    (tmp_path / "r.json").write_text(json.dumps(reading))
    proc = subprocess.run([sys.executable, str(shared / "tools" / "score_expected.py"), str(exp_path), str(tmp_path / "r.json")],
                          capture_output=True, text=True, check=True)
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    ours = score(exp, reading)
    for key in ("checks_passed", "checks_total", "sections", "event_recall", "event_precision", "spurious_events"):
        assert ours[key] == theirs[key], key


def test_a_wrong_reading_scores_lower():
    exp = {"metadata": {"title": "A"}, "events": [{"id": "E1", "type": "DEFECT", "evidence": "fled", "historical": False}]}
    good = {"title": "A", "events": [{"type": "DEFECT", "sentence": {"text": "He fled."}, "historical": False}]}
    bad = {"title": "B", "events": [{"type": "ASSAULT", "sentence": {"text": "He fled."}, "historical": True}]}
    assert score(exp, good)["score"] == 1.0
    worse = score(exp, bad)
    assert worse["checks_passed"] == 0 and worse["event_precision"] == 0.0


def test_examples_hold_their_floors(nlp):
    shared = shared_or_skip()
    result = evaluate.run("expected", shared / "examples")
    assert evaluate.check_floors("expected", result) == []
