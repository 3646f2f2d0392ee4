"""The times stage: hand-written sentences with their anchors, negatives, the spaCy component, the timex
suite's scorer, and the suite on the TempEval-3 gold data against its pinned floors."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from dateline import times
from dateline.errors import ConfigError
from dateline.evaluate import check_floors, timex
from dateline.model import DateRange, TimeExpr

from conftest import gold

ANCHOR = "2015-10-23T10:49+09:00"  # a Friday, local time


def found(text: str, anchor=ANCHOR) -> dict[str, str]:
    return {t.text: t.value for t in times.resolve(text, anchor)}


def one(text: str, anchor=ANCHOR) -> TimeExpr:
    got = times.resolve(text, anchor)
    assert len(got) == 1, got
    return got[0]


# ------------------------------------------------------------------------------------------- relative days

@pytest.mark.parametrize("text, value", [
    ("The official defected on Thursday.", "2015-10-22"),
    ("The talks ended Friday.", "2015-10-23"),  # the anchor's own weekday is the anchor
    ("He arrived Monday.", "2015-10-19"),
    ("Talks will resume on Monday.", "2015-10-26"),  # future tense looks ahead
    ("She left last Friday.", "2015-10-16"),
    ("The vote is next Thursday.", "2015-10-29"),
    ("It was announced yesterday.", "2015-10-22"),
    ("The report is out today.", "2015-10-23"),
])
def test_days_resolve_against_the_local_publication_date(text, value):
    assert list(found(text).values()) == [value]


def test_day_range_is_the_day_itself():
    t = one("The official defected on Thursday.")
    assert (t.text, t.start, t.end) == ("Thursday", 25, 33)
    assert t.range == DateRange("2015-10-22", "2015-10-22", "day")


def test_tonight_is_a_time_on_the_anchor_day():
    t = one("A rally is planned tonight.")
    assert (t.value, t.type) == ("2015-10-23TNI", "DATE")
    assert t.range == DateRange("2015-10-23", "2015-10-23", "day")


def test_clock_time_takes_its_weekday():
    assert found("It exploded at 3 p.m. Thursday.") == {"3 p.m. Thursday": "2015-10-22T15:00"}


# ------------------------------------------------------------------------------------------- calendar units

@pytest.mark.parametrize("text, words, value, rng", [
    ("He defected last year.", "last year", "2014", ("2014-01-01", "2014-12-31", "year")),
    ("Exports fell this year.", "this year", "2015", ("2015-01-01", "2015-12-31", "year")),
    ("There were 20 already this year.", "this year", "2015", ("2015-01-01", "2015-12-31", "year")),
    ("It opened earlier this month.", "earlier this month", "2015-10", ("2015-10-01", "2015-10-31", "month")),
    ("It closed last month.", "last month", "2015-09", ("2015-09-01", "2015-09-30", "month")),
    ("It happened two weeks ago.", "two weeks ago", "2015-W41", ("2015-10-05", "2015-10-11", "week")),
    ("They meet next week.", "next week", "2015-W44", ("2015-10-26", "2015-11-01", "week")),
    ("It began last summer.", "last summer", "2015-SU", ("2015-06-01", "2015-08-31", "month")),
    ("Profit rose in the third quarter.", "the third quarter", "2015-Q3", ("2015-07-01", "2015-09-30", "month")),
])
def test_relative_units(text, words, value, rng):
    t = one(text)
    assert (t.text, t.value) == (words, value)
    assert t.range == DateRange(*rng)


def test_month_alone_is_the_last_one_unless_the_tense_points_ahead():
    assert found("The test came in March.") == {"March": "2015-03"}
    assert found("The summit will be held in March.") == {"March": "2016-03"}
    assert found("He defected in May.") == {"May": "2015-05"}


def test_modal_may_and_the_verb_march_are_not_months():
    assert found("Officials may resign; protesters march on the capital.") == {}


@pytest.mark.parametrize("text, anchor, words, value", [
    ("It fired a missile on Oct. 8, the agency said.", "2024-10-09", "Oct. 8", "2024-10-08"),
    ("The test took place on October 9.", "2024-10-09", "October 9", "2024-10-09"),
    ("The launch failed on May 27.", "2024-05-27", "May 27", "2024-05-27"),
    ("He was arrested on Oct. 5.", ANCHOR, "Oct. 5", "2015-10-05"),
    ("It ended on Dec. 20.", "2016-01-10", "Dec. 20", "2015-12-20"),  # the year before a January anchor
    ("The treaty was signed on 5 June 2012.", ANCHOR, "5 June 2012", "2012-06-05"),
    ("It was signed on Sept. 27, 1989.", ANCHOR, "Sept. 27, 1989", "1989-09-27"),
])
def test_calendar_dates(text, anchor, words, value):
    assert found(text, anchor) == {words: value}


# ------------------------------------------------------------------------------------------- years and longer

def test_years_decades_centuries():
    t = one("a bombing in the 1980s")
    assert (t.text, t.value) == ("the 1980s", "198X")
    assert t.range == DateRange("1980-01-01", "1989-12-31", "decade")
    assert found("through the 1990s") == {"the 1990s": "199X"}
    assert found("since the mid-1990s") == {"the mid-1990s": "199X"}
    c = one("in the 19th century")
    assert (c.value, c.range) == ("18", DateRange("1800-01-01", "1899-12-31", "century"))


def test_years_and_ranges_of_years():
    assert found("The ship sank in 2010.") == {"2010": "2010"}
    got = times.resolve("from 2013 to 2015", ANCHOR)
    assert [(t.text, t.value) for t in got] == [("2013", "2013"), ("2015", "2015")]
    assert got[0].range == DateRange("2013-01-01", "2013-12-31", "year")


def test_counts_beside_years_are_not_years():
    text = "defections rose from eight in 2013 to 18 in 2014 to 20 already this year"
    assert found(text) == {"2013": "2013", "2014": "2014", "this year": "2015"}


def test_north_korean_calendar():
    assert found("held on January 1, Juche 113 (2024).", "2024-01-02") == {"January 1, Juche 113 (2024)": "2024-01-01"}
    assert found("One day in May Juche 106 (2017), he visited", "2024-01-02") == {"May Juche 106 (2017)": "2017-05"}
    assert found("in Juche 100", "2024-01-02") == {"Juche 100": "2011"}


def test_a_day_of_a_month_is_not_a_count():
    assert found("the June 25-July 27 month of joint struggle", "2024-10-09") == {
        "June 25": "2024-06-25", "July 27": "2024-07-27"}
    assert found("after two and a half years") == {"two and a half years": "P2.5Y"}


def test_holidays():
    assert found("on Christmas Day", "2015-12-28") == {"Christmas Day": "2015-12-25"}
    assert found("since Thanksgiving", "2015-12-28") == {"Thanksgiving": "2015-11-26"}
    assert found("a memorial day for the victims") == {}


def test_recent_years_reaches_back_from_the_anchor():
    t = one("in recent years")
    assert t.value == "PAST_REF"
    assert t.range.end == "2015-10-23" and t.range.start < "2015-01-01"


# ------------------------------------------------------------------------------------------- not dates

@pytest.mark.parametrize("text", [
    "staff of the party's Room 39",
    "eight officials defected",
    "a 240 mm rocket launcher",
    "flew 67 km",
    "the Malligyong-1-1 satellite",
    "a crowd of 2000 people",
    "No. 1945 was sold",
    "paid $1990 in fees",
])
def test_numbers_that_are_not_dates(text):
    assert times.resolve(text, ANCHOR) == []


@pytest.mark.parametrize("text", ["a man aged 45", "the 45-year-old diplomat", "she is 45 years old"])
def test_ages_are_not_time_expressions(text):
    assert times.resolve(text, ANCHOR) == []


@pytest.mark.parametrize("text, words, value", [
    ("He served for three years.", "three years", "P3Y"),
    ("a five-year plan", "five-year", "P5Y"),
    ("over the past two months", "the past two months", "P2M"),
    ("for several weeks", "several weeks", "PXW"),
    ("within 48 hours", "48 hours", "PT48H"),
    ("the eight-year war", "eight-year", "P8Y"),
    ("about five hours", "five hours", "PT5H"),
])
def test_durations_have_no_date_range(text, words, value):
    t = one(text)
    assert (t.text, t.value, t.type, t.range) == (words, value, "DURATION", None)


def test_sets():
    assert [(t.value, t.type) for t in times.resolve("It flies twice a week.", ANCHOR)] == [("P1W", "SET")]
    assert found("it earns $5 million a year") == {"a year": "P1Y"}


# ------------------------------------------------------------------------------------------- anchors

def test_without_anchor_only_absolute_expressions_resolve():
    text = "Last year it sank; in 2010 it moved; on Oct. 5, 2015 it returned; the 1980s."
    assert found(text, None) == {"2010": "2010", "Oct. 5, 2015": "2015-10-05", "the 1980s": "198X"}


def test_anchor_forms():
    assert times.parse_anchor("2015-10-23T10:49+09:00").isoformat() == "2015-10-23"
    assert times.parse_anchor("20151023") .isoformat() == "2015-10-23"
    assert times.parse_anchor("soon") is None
    assert found("on Thursday", "2015-10-23") == found("on Thursday", ANCHOR)


def test_range_of_a_phrase():
    assert times.range_of("in the 1980s") == DateRange("1980-01-01", "1989-12-31", "decade")
    assert times.range_of("last Thursday", "2015-10-23") == DateRange("2015-10-22", "2015-10-22", "day")
    assert times.range_of("for three years", ANCHOR) is None
    assert times.range_of("from 2013 to 2015") == DateRange("2013-01-01", "2015-12-31", "year")
    assert times.range_of("between May 2 and May 9", ANCHOR) == DateRange("2015-05-02", "2015-05-09", "day")
    assert times.range_of("in 2013, and later in 2015") == DateRange("2013-01-01", "2013-12-31", "year")


def test_times_in_a_sentence():
    got = times.resolve("It sank in 2010. It moved in 2013.", ANCHOR)
    assert [t.value for t in times.times_in(got, 17, 34)] == ["2013"]


@pytest.mark.parametrize("value, rng", [
    ("2015-W43", ("2015-10-19", "2015-10-25", "week")),
    ("2015-W43-WE", ("2015-10-24", "2015-10-25", "week")),
    ("2015-H2", ("2015-07-01", "2015-12-31", "month")),
    ("2015-WI", ("2015-12-01", "2016-02-29", "month")),
    ("2016-02", ("2016-02-01", "2016-02-29", "month")),
    ("20", ("2000-01-01", "2099-12-31", "century")),
])
def test_value_ranges(value, rng):
    assert times.value_range(value) == DateRange(*rng)


@pytest.mark.parametrize("value", ["P3Y", "PRESENT_REF", "XXXX-WXX-1", "2015-13", ""])
def test_values_without_a_range(value):
    assert times.value_range(value) is None


def test_a_broken_rule_file_says_where_to_fix_it(tmp_path):
    for name in ("lexicon.yaml", "rules.yaml"):
        shutil.copy(times.DATA / name, tmp_path / name)
    (tmp_path / "rules.yaml").write_text("rules:\n  - {name: bad, handler: year, pattern: '(unclosed'}\n")
    with pytest.raises(ConfigError, match="rules.yaml"):
        times.grammar(tmp_path)


# ------------------------------------------------------------------------------------------- the component

def test_component_fills_doc_times(blank_nlp):
    from dateline import nlp as nlp_stage

    doc = nlp_stage.make_doc(blank_nlp, "He defected last year, not on Thursday.", ANCHOR)
    doc = times.times_component(doc)
    assert [(t.text, t.value) for t in doc._.times] == [("last year", "2014"), ("Thursday", "2015-10-22")]


def test_full_pipeline_resolves_times(nlp):
    from dateline import nlp as nlp_stage

    doc = nlp(nlp_stage.make_doc(nlp, "North Korea fired two missiles on Thursday, a year after a test in "
                                      "the 1990s was revealed.", ANCHOR))
    values = {t.text: t.value for t in doc._.times}
    assert values["Thursday"] == "2015-10-22"
    assert values["the 1990s"] == "199X"
    assert doc.text[doc._.times[0].start:doc._.times[0].end] == doc._.times[0].text


def test_seed_expected_time_expressions(shared_dir):
    expected = json.loads((shared_dir / "examples" / "seed.expected.json").read_text())
    text = (shared_dir / "seed" / "000_b532e9020f82f185.txt").read_text()
    got = times.resolve(text, ANCHOR)
    for x in expected["time_expressions"]:
        assert any((x["text"] in t.text or t.text in x["text"]) and t.value == x["value"] for t in got), x


# ------------------------------------------------------------------------------------------- the timex suite

TML = """<?xml version="1.0" ?>
<TimeML>
<DCT><TIMEX3 tid="t0" type="DATE" value="2015-10-23" functionInDocument="CREATION_TIME">20151023</TIMEX3></DCT>
<TEXT>Prices rose <TIMEX3 tid="t1" type="DATE" value="2015-10-22">Thursday</TIMEX3> &amp; fell
<TIMEX3 tid="t2" type="DATE" value="2014">last year</TIMEX3>, over <TIMEX3 tid="t3" type="DURATION"
value="P2M">the past two months</TIMEX3> and in <TIMEX3 tid="t4" type="DATE" value="198">the 1980s</TIMEX3>.
</TEXT>
</TimeML>
"""


def test_read_tml_keeps_offsets_and_skips_the_dct(tmp_path):
    path = tmp_path / "a.tml"
    path.write_text(TML)
    doc = timex.read_tml(path)
    assert doc.dct == "2015-10-23"
    assert [(g.text, g.value) for g in doc.timexes] == [
        ("Thursday", "2015-10-22"), ("last year", "2014"), ("the past two months", "P2M"), ("the 1980s", "198")]
    assert all(doc.text[g.start:g.end] == g.text for g in doc.timexes)


def test_suite_scores_a_perfect_reading(tmp_path):
    (tmp_path / "a.tml").write_text(TML)
    result = timex.run(tmp_path)
    assert (result["strict_f1"], result["relaxed_f1"], result["value_f1"], result["accuracy"]) == (1, 1, 1, 1)
    assert result["n"] == 4


def test_scorer_counts_relaxed_and_value_errors():
    gold_items = [timex.Gold(0, 8, "Thursday", "2015-10-22", "DATE"), timex.Gold(20, 29, "last year", "2014", "DATE")]
    system = [TimeExpr("on Thursday", 0, 8, "2015-10-15", None, "DATE"),  # overlaps, wrong value
              TimeExpr("year", 25, 29, "2014", None, "DATE"),  # overlaps, not strict
              TimeExpr("Room", 40, 44, "2039", None, "DATE")]  # spurious
    counts = timex.score_doc(gold_items, system)
    counts["errors"] = []
    f = timex.figures(counts)
    assert (f["precision"], f["recall"]) == (round(2 / 3, 4), 1.0)
    assert f["strict_f1"] == round(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2), 4)
    assert f["value_f1"] == round(0.8 * 0.5, 4)


def test_canonical_values():
    assert timex.canonical("198") == timex.canonical("198X") == "198X"
    assert timex.canonical("2000-W7") == "2000-W07"
    assert timex.canonical("19XX") == "19"
    assert timex.canonical("2015-10-22") == "2015-10-22"


def test_timex_suite_on_tempeval3_holds_its_floors():
    data = gold("temporal-tempeval3/TBAQ-cleaned")
    result = timex.run(Path(data))
    assert result["n"] > 1800
    assert check_floors("timex", result) == []


# ------------------------------------------------------------------------------------------- robustness

from hypothesis import given, settings, strategies as st  # noqa: E402

WORDS = ["on", "Thursday", "last", "year", "in", "the", "1980s", "May", "27", "Oct.", "8", ",", "2015", "ago",
         "two", "weeks", "Juche", "113", "(2024)", "quarter", "third", "a", "day", "night", "Room", "39", "-"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=14), st.dates(), st.booleans())
def test_resolve_never_fails_and_offsets_hold(words, anchor, with_anchor):
    text = " ".join(words)
    for t in times.resolve(text, anchor if with_anchor else None):
        assert text[t.start:t.end] == t.text and t.value
        if t.range:
            assert t.range.start <= t.range.end


def test_dates_beyond_the_calendar_give_no_value_rather_than_an_error():
    import datetime as dt

    got = found("next year, last year, a century ago", dt.date(9999, 12, 31))
    assert got == {"last year": "9998", "a century ago": "98"}


# ------------------------------------------------------------------------------------------- fast scan

FAST_SCAN_TEXTS = [
    "On Thursday, Oct. 22, 2015, two weeks ago, the 1990s and Q3 2014 were named; JUCHE 113 (2024).",
    "MIDMARCH and Sept. 5 at 5 P.M. EST, nineteen eighty-four, the year-earlier quarter, each Monday.",
    "Room 39, a 45-year-old man, three-quarters of them, twice a year, for years, the coming months.",
    "Über ÉTÉ 2010: the fiscal year, İstanbul, ſeven days ago",  # letters with case rules of their own
    # Anchored scans: wide white space and long words stretch how far before its anchor a match may start.
    "About   seventy-five\n\n   years    ago, some 1,234,567.5 days later, the  eight-year-long plan ended.",
    "x" * 40 + " 3 years ago, " + "y" * 30 + " issue 12345678901234567890-55 and order 7 from now on",
    "Article 5 of the May 2 order; one day in May, every year, many   decades earlier, the past year.",
    "Three\x1cyears ago and five\x1c\x1fdays later",  # white space to Unicode only: not read with ASCII classes
]


def _plain_candidates(text: str) -> list:
    g = times.grammar()
    return [(c.start, c.end, c.rule.name, c.match.span(), c.match.groupdict())
            for lo, hi in times._windows(text, g.keys) for rule in g.rules for c in times._matches(rule, text, lo, hi)]


@pytest.mark.parametrize("text", FAST_SCAN_TEXTS)
def test_fast_scan_finds_exactly_what_the_plain_rules_find(text):
    got = [(c.start, c.end, c.rule.name, c.match.span(), c.match.groupdict()) for c in times._candidates(text, times.grammar())]
    assert sorted(got, key=str) == sorted(_plain_candidates(text), key=str)


def test_reach_bounds_a_match_by_the_texts_longest_runs():
    from re import _parser as sre_parse

    width, ahead = times._reach_of(sre_parse.parse(r"ab\s+c\d+(?=x\s*y)").data)
    assert width == (3, 1, 1) and ahead == (2, 1, 0)  # characters, runs of white space, runs of others
    assert times._reach_of(sre_parse.parse(r"a.+").data)[0] is None  # a run of anything: unbounded


def test_text_with_other_cased_letters_is_not_folded():
    assert times._folded("Über") is None and times._folded("İ") is None
    assert times._folded("“Quotes” – and ₩5") == "“quotes” – and ₩5"


@pytest.mark.parametrize("text", FAST_SCAN_TEXTS)
def test_every_match_holds_its_rule_needs(text):
    folded = times._folded(text)
    for c in times._candidates(text, times.grammar()):
        words = folded[c.start:c.end] if folded else text[c.start:c.end].lower()
        for need in c.rule.needs:
            assert any(s in words for s in need), (c.rule.name, words, need)


def test_grouped_alternation_matches_like_the_flat_one():
    words = ["mon", "monday", "march", "may", "a", "an", "a few", "oct"]
    flat = "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+")
                            for w in sorted(set(words), key=len, reverse=True)) + ")"
    grouped = times._alternation(words)
    assert grouped.startswith("(?:m(?:")
    for text in ["Monday", "mon", "an", "a few", "a  few", "mayor", "Oct.", "octopus", "x"]:
        assert [m.span() for m in re.finditer(flat, text, re.I)] == [m.span() for m in re.finditer(grouped, text, re.I)]


def test_needs_and_first_characters_are_read_off_the_pattern():
    scan = times._scanner(re.compile(r"(?<!\w)(?:(?:last|next)\s+(?P<u>week|month)s?)(?!\w)", re.I))
    assert scan.pattern.startswith("(?=[ln])")
    assert set(times._needs(scan)) == {frozenset({"last", "next"}), frozenset({"week", "month"})}
    assert times._scanner(re.compile(r"(?-i:Juche)", re.I)) is None  # own flags: left as it is
