"""The statistics stage: reported numeric series with periods, partial flags, measure and attribution."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dateline import nlp as nlp_stage
from dateline import quantities, statistics

SEED_SENTENCE = ("The National Intelligence Service says defections of disaffected senior officials are on the "
                 "rise, from eight in 2013 to 18 in 2014 to 20 already this year.")


def stats(pipeline, text: str, published: str | None = "2015-10-23"):
    doc = nlp_stage.make_doc(pipeline, text, published)
    if "statistics" in pipeline.pipe_names:
        return pipeline(doc)._.statistics
    doc._.times = []
    doc._.entities = []
    quantities.quantities_component(doc)
    return statistics.statistics_component(doc)._.statistics


def series(stat) -> list[tuple]:
    return [(p.period, p.value, p.partial) for p in stat.series]


def test_seed_sentence_without_a_parse(blank_nlp):
    [stat] = stats(blank_nlp, SEED_SENTENCE)
    assert stat.measure == "defections of disaffected senior officials"
    assert series(stat) == [("2013", 8, False), ("2014", 18, False), ("2015", 20, True)]
    assert stat.attribution.source.text == "The National Intelligence Service"
    assert stat.attribution.cue.text == "says"
    assert stat.sentence.text == SEED_SENTENCE and stat.sentence.start == 0


def test_partial_follows_the_publication_year(blank_nlp):
    [stat] = stats(blank_nlp, SEED_SENTENCE, published="2016-02-01")
    # "this year" is now 2016, still running; 2013 and 2014 are closed
    assert series(stat) == [("2013", 8, False), ("2014", 18, False), ("2016", 20, True)]


def test_so_far_marks_partial_without_a_publication_date(blank_nlp):
    [stat] = stats(blank_nlp, "Arrivals fell from 1,137 in 2018 to 620 so far in 2019.", published=None)
    assert series(stat) == [("2018", 1137, False), ("2019", 620, True)]


def test_money_series_with_a_year_earlier(blank_nlp):
    [stat] = stats(blank_nlp, "Exports rose to $3 billion in 2022 from $2.5 billion a year earlier, the ministry said.",
                   published="2023-03-01")
    assert stat.measure == "Exports" and stat.unit == "USD"
    assert series(stat) == [("2021", 2_500_000_000, False), ("2022", 3_000_000_000, False)]
    assert stat.attribution.source.text == "the ministry" and stat.attribution.cue.text == "said"


def test_monthly_series_against_publication(blank_nlp):
    [stat] = stats(blank_nlp, "Steel output fell 5% to 120 tonnes in March from 126 tonnes in February, "
                              "according to the Korea Development Bank.", published="2015-10-23")
    assert stat.measure == "Steel output" and stat.unit == "t"
    assert series(stat) == [("2015-02", 126, False), ("2015-03", 120, False)]
    assert stat.attribution.source.text == "the Korea Development Bank"
    assert stat.attribution.cue.text == "according to"


def test_counted_noun_is_the_measure_when_the_subject_holds_the_value(blank_nlp):
    [stat] = stats(blank_nlp, "A total of 1,047 defectors arrived in 2019, down from 1,137 in 2018.")
    assert stat.measure == "defectors" and stat.unit == "defector"
    assert series(stat) == [("2018", 1137, False), ("2019", 1047, False)]


@pytest.mark.parametrize("text", [
    "He was born in 1990 and moved to Seoul in 2010 with 3 friends.",
    "Wages decreased by $6.9 billion in July after climbing $45 billion in June.",  # changes, not levels
    "In 2013 he defected; in 2014 he wrote a book about 18 officials.",
    "The ministry said 18 officials defected in 2014.",
    "It rose from eight in 2013 to 18 in 2014.",  # no measure: a pronoun
])
def test_no_series(blank_nlp, text):
    assert stats(blank_nlp, text) == []


def test_a_listed_series(blank_nlp):
    [stat] = stats(blank_nlp, "Recorded launches stood at 8 in 2013, 18 in 2014 and 20 this year.")
    assert series(stat) == [("2013", 8, False), ("2014", 18, False), ("2015", 20, True)]
    assert stat.measure == "Recorded launches"


def test_periods_are_timex_strings_sorted(blank_nlp):
    [stat] = stats(blank_nlp, "Unemployment rose from 3.5% in 2019 to 4.1% in 2020 and 4.4% in 2021.")
    assert [p.period for p in stat.series] == ["2019", "2020", "2021"]
    assert stat.unit == "%"


def test_reading_a_doc_is_reading_each_sentence(blank_nlp):
    """`read` takes each sentence's values from numbers read once for the doc; `statistic` reads them afresh."""
    text = " ".join([SEED_SENTENCE, "Arrivals fell from 1,137 in 2018 to 620 so far in 2019.", "Room 39 of Oct. 8.",
                     "Exports rose to $3 billion in 2022 from $2.5 billion a year earlier, the ministry said.",
                     "Recorded launches stood at 8 in 2013, 18 in\n2014 and 20 this year.", "at least", "5 in 2013."])
    doc = nlp_stage.make_doc(blank_nlp, text, "2015-10-23")
    doc._.times = []
    doc._.entities = []
    quantities.quantities_component(doc)
    each = [s for s in (statistics.statistic(doc, a, b) for a, b in statistics.sentences(doc)) if s is not None]
    assert statistics.read(doc) == each and len(each) == 4
    for a, b in statistics.sentences(doc):
        assert statistics._Values(doc).between(a, b) in ([], statistics.values_in(doc, a, b))


# ---------------------------------------------------------------- on the real model


@pytest.mark.slow
def test_real_model_seed_sentence(nlp):
    [stat] = stats(nlp, SEED_SENTENCE)
    assert "defection" in stat.measure
    assert series(stat) == [("2013", 8, False), ("2014", 18, False), ("2015", 20, True)]
    assert stat.attribution.source.text == "The National Intelligence Service"
    assert stat.attribution.cue.text == "says"


@pytest.mark.slow
def test_real_model_trailing_source(nlp):
    [stat] = stats(nlp, "The number of defectors fell to 63 in 2021 from 229 in 2020, the Unification Ministry said.",
                   published="2022-01-10")
    assert "defectors" in stat.measure and "number" not in stat.measure
    assert series(stat) == [("2020", 229, False), ("2021", 63, False)]
    assert "Unification Ministry" in stat.attribution.source.text


@pytest.mark.slow
def test_real_model_subject_of_a_conjunct_verb(nlp):
    [stat] = stats(nlp, "The report underlined the strength in manufacturing as the group's barometer of "
                        "manufacturing jumped to 60 in August from 51.2 in July.", published="1996-08-30")
    assert stat.measure == "the group's barometer of manufacturing"
    assert series(stat) == [("1996-07", 51.2, False), ("1996-08", 60, True)]


def test_relative_clause_is_cut_from_the_measure(blank_nlp):
    [stat] = stats(blank_nlp, "Spending on durable goods, which includes cars, fell to $626.3 billion in July from "
                              "$633.6 billion in June.", published="1996-08-30")
    assert stat.measure == "Spending on durable goods"


@pytest.mark.slow
def test_seed_statistics_pass_the_expectation_file(nlp, shared_dir, tmp_path):
    text = (shared_dir / "seed" / "000_b532e9020f82f185.txt").read_text(encoding="utf-8")
    doc = nlp(nlp_stage.make_doc(nlp, text, "2015-10-23T10:49:00+09:00"))
    reading = tmp_path / "reading.json"
    reading.write_text(json.dumps({"statistics": [s.to_dict() for s in doc._.statistics]}), encoding="utf-8")
    out = subprocess.run([sys.executable, str(shared_dir / "tools" / "score_expected.py"),
                          str(shared_dir / "examples" / "seed.expected.json"), str(reading)],
                         capture_output=True, text=True, check=True).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["sections"]["statistics"] == "7/7"


@pytest.mark.parametrize("period, published, expected", [
    ("2015", "2015-10-23", True), ("2015-10", "2015-10-23T10:49:00+09:00", True), ("2015-Q4", "2015-10-23", True),
    ("2015-H2", "2015-10-23", True), ("2014", "2015-10-23", False), ("2015-Q3", "2015-10-23", False),
    ("2015-09", "2015-10-23", False), ("2015-H1", "2015-10-23", False), ("2015", None, False),
])
def test_running_period(period, published, expected):
    assert statistics.running(period, published) is expected
