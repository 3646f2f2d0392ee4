"""Alert rules: YAML checked with clear errors; a rise over the baseline fires with its p-value and
evidence; an ordinary week does not; threshold rules."""
from datetime import timedelta
from pathlib import Path

import pytest

from dateline import alerts
from dateline.errors import ConfigError
from dateline.store import open_store
from test_analysis import MONDAY, build

EXAMPLE = Path(__file__).resolve().parents[1] / "dateline" / "data" / "alerts.example.yaml"


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "t.db"))
    yield s
    s.close()


def rules(tmp_path, text):
    p = tmp_path / "rules.yaml"
    p.write_text(text, encoding="utf-8")
    return alerts.load_rules(p)


def test_example_rules_load():
    loaded = alerts.load_rules(EXAMPLE)
    assert loaded[0].where == {"type": "DEFECT", "actor_country": "KP"} and loaded[0].period == "week"
    assert loaded[1].test == "threshold" and loaded[2].mentions


@pytest.mark.parametrize("text,match", [
    ("rules:\n  - name: x\n    perod: week\n", "unknown field"),
    ("rules:\n  - name: x\n    test: magic\n", "test must be"),
    ("rules:\n  - name: x\n    test: threshold\n", "needs `threshold:`"),
    ("rules:\n  - name: x\n    where: {colour: red}\n", "unknown filter"),
    ("nothing: here\n", "no `rules:`"),
    ("rules: [\n", "not valid YAML"),
])
def test_bad_rules_say_what_is_wrong(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        rules(tmp_path, text)


def test_a_rise_fires_with_p_value_and_evidence(store, tmp_path):
    build(store, [1, 0, 1, 1, 0, 1, 0, 1, 5])
    rule = rules(tmp_path, "rules:\n  - name: KP defections\n    where: {type: DEFECT, actor_country: KP}\n"
                           "    period: week\n    baseline: 8\n    min_count: 2\n")
    (result,) = alerts.evaluate(store, rule)
    assert result["fired"] is True and result["period"] == "2024-W09" and result["count"] == 5
    assert result["baseline_mean"] == 0.625 and result["p_value"] < 0.01
    assert "Poisson" in result["reason"]
    assert len(result["evidence"]) == 5 and all(e["sentences"][0]["sentence"].startswith("A worker defected")
                                                for e in result["evidence"])
    (other_country,) = alerts.evaluate(store, rules(tmp_path, "rules:\n  - name: RU\n    where: {actor_country: RU}\n"))
    assert other_country["fired"] is False and other_country["count"] == 0 and other_country["evidence"] == []


def test_an_ordinary_week_does_not_fire_and_as_of_moves_the_window(store, tmp_path):
    build(store, [2, 1, 2, 1, 2, 1, 2, 1, 2])
    rule = rules(tmp_path, "rules:\n  - name: r\n    where: {type: DEFECT}\n")
    assert alerts.evaluate(store, rule)[0]["fired"] is False
    earlier = alerts.evaluate(store, rule, as_of=str(MONDAY + timedelta(weeks=2, days=6)))[0]
    assert earlier["period"] == "2024-W03" and earlier["count"] == 2


def test_threshold_rule(store, tmp_path):
    build(store, [0, 0, 3])
    rule = rules(tmp_path, "rules:\n  - name: t\n    where: {type: DEFECT}\n    test: threshold\n    threshold: 3\n")
    (result,) = alerts.evaluate(store, rule)
    assert result["fired"] is True and result["p_value"] is None and "threshold 3" in result["reason"]


def test_empty_store_reports_why_nothing_fired(store):
    (result,) = alerts.evaluate(store, [alerts.Rule(name="r")])
    assert result["fired"] is False and "no dated" in result["reason"]
