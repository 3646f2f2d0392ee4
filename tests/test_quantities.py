"""The quantities stage: money, counts, casualties, measures and percentages with exact spans."""
from __future__ import annotations

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from dateline import nlp as nlp_stage
from dateline import quantities
from dateline.model import TimeExpr


def read(pipeline, text: str, published: str = "2015-10-23"):
    doc = nlp_stage.make_doc(pipeline, text, published)
    if "quantities" in pipeline.pipe_names:
        return pipeline(doc)._.quantities
    doc._.times = []
    return quantities.quantities_component(doc)._.quantities


def one(pipeline, text: str, wanted: str):
    found = [q for q in read(pipeline, text) if q.text == wanted]
    assert found, f"{wanted!r} not among {[q.text for q in read(pipeline, text)]}"
    return found[0]


MONEY = [
    ("He took $5 million with him.", "$5 million", 5_000_000, "USD", False),
    ("The fine was 3.5 billion won.", "3.5 billion won", 3_500_000_000, "KRW", False),
    ("They paid 100,000 euros.", "100,000 euros", 100_000, "EUR", False),
    ("Assets of ¥2 billion were frozen.", "¥2 billion", 2_000_000_000, "JPY", False),
    ("He fled with millions of U.S. dollars.", "millions of U.S. dollars", 1_000_000, "USD", True),
    ("He fled with millions of dollars.", "millions of dollars", 1_000_000, "USD", True),
    ("It cost tens of thousands of dollars.", "tens of thousands of dollars", 10_000, "USD", True),
    ("The deal is worth US$3bn.", "US$3bn", 3_000_000_000, "USD", False),
    ("A bribe of £3.5m was paid.", "£3.5m", 3_500_000, "GBP", False),
    ("Exports reached USD 5 million.", "USD 5 million", 5_000_000, "USD", False),
    ("The trade was 200 million yuan.", "200 million yuan", 200_000_000, "CNY", False),
    ("Wages of 5,000 North Korean won a month.", "5,000 North Korean won", 5_000, "KPW", False),
    ("He owed half a million dollars.", "half a million dollars", 500_000, "USD", False),
    ("It raised at least $2.3 million.", "at least $2.3 million", 2_300_000, "USD", True),
    ("Investors put in HK$40 million.", "HK$40 million", 40_000_000, "HKD", False),
    ("an investment of rs 45 crore was made", "rs 45 crore", 450_000_000, "INR", False),
]


@pytest.mark.parametrize("text, span, value, unit, bound", MONEY)
def test_money_value_currency_and_bound(blank_nlp, text, span, value, unit, bound):
    q = one(blank_nlp, text, span)
    assert (q.value, q.unit, q.role, q.lower_bound) == (value, unit, "money", bound)
    assert text[q.start:q.end] == span


@pytest.mark.parametrize("text, span", [
    ("He fled with part of the payment.", "part of the payment"),
    ("He absconded taking some of the bank’s assets with him.", "some of the bank’s assets"),
    ("Much of the money went missing.", "Much of the money"),
    ("They took all of his savings.", "all of his savings"),
    ("He fled with a large amount of cash.", "a large amount of cash"),
    ("He carried suitcases of U.S. dollars.", "suitcases of U.S. dollars"),
])
def test_vague_money_has_no_value_or_unit(blank_nlp, text, span):
    q = one(blank_nlp, text, span)
    assert (q.value, q.unit, q.role) == (None, None, "money")


def test_some_of_them_is_not_money(blank_nlp):
    assert read(blank_nlp, "Some of them have reportedly defected to third countries.") == []


@pytest.mark.parametrize("text, span, value, unit, role, bound", [
    ("Police arrested 15 agents on Monday.", "15 agents", 15, "agent", "arrested", False),
    ("Among dozens of North Korean officials who left.", "dozens of North Korean officials", 24, "official",
     "people", True),
    ("It fired two Nodong missiles.", "two Nodong missiles", 2, "missile", "weapons", False),
    ("It launched a dozen rockets.", "a dozen rockets", 12, "rocket", "weapons", False),
    ("The torpedo killed 46 sailors.", "46 sailors", 46, "sailor", "killed", False),
    ("In all 46 sailors were killed.", "46 sailors", 46, "sailor", "killed", False),
    ("The blast left 12 dead.", "12 dead", 12, "people", "killed", False),
    ("At least 30 people were injured.", "At least 30 people", 30, "people", "injured", True),
    ("Eight fishermen remain missing.", "Eight fishermen", 8, "fisherman", "missing", False),
    ("The attack was killing at least 12 civilians.", "at least 12 civilians", 12, "civilian", "killed", True),
    ("one hundred and twenty soldiers marched", "one hundred and twenty soldiers", 120, "soldier", "people", False),
    ("Nearly 300 000 young people volunteered.", "Nearly 300 000 young people", 300_000, "people", "people", False),
    ("The crash caused 46 deaths.", "46 deaths", 46, "people", "killed", False),
    ("Tripoli refused to hand over two Libyan suspects.", "two Libyan suspects", 2, "suspect", "people", False),
    ("Over 300 people were killed.", "Over 300 people", 300, "people", "killed", True),
    ("They said 200 fighter planes were in the Gulf.", "200 fighter planes", 200, "fighter plane", "weapons", False),
    ("The plane crashed, killing all 141 people on board.", "141 people", 141, "people", "killed", False),
])
def test_counts_and_casualties(blank_nlp, text, span, value, unit, role, bound):
    q = one(blank_nlp, text, span)
    assert (q.value, q.unit, q.role, q.lower_bound) == (value, unit, role, bound)


@pytest.mark.parametrize("text, span, value, unit", [
    ("a test-fire of 240 mm-caliber rocket shells", "240 mm", 240, "mm"),
    ("at a maximum range of 67 km while", "67 km", 67, "km"),
    ("240mm shells", "240mm", 240, "mm"),
    ("500 pounds of explosives", "500 pounds", 500, "lb"),
    ("a distance of 1 001.2km", "1 001.2km", 1001.2, "km"),
    ("tens of thousands of cubic meters of water", "tens of thousands of cubic meters", 10_000, "m3"),
])
def test_measures_are_not_counted_objects(blank_nlp, text, span, value, unit):
    q = one(blank_nlp, text, span)
    assert (q.value, q.unit, q.role) == (value, unit, "measure")


@pytest.mark.parametrize("text, span, value, unit", [
    ("Output rose 5% last year.", "5%", 5, "%"),
    ("registering 120 percent of its plan", "120 percent", 120, "%"),
    ("up 2.5 percentage points", "2.5 percentage points", 2.5, "pp"),
    ("yields fell 11 basis points", "11 basis points", 11, "bp"),
])
def test_percentages(blank_nlp, text, span, value, unit):
    q = one(blank_nlp, text, span)
    assert (q.value, q.unit, q.role) == (value, unit, "percent")


@pytest.mark.parametrize("text", [
    "Senior staff of the Workers Party's notorious Room 39 defected.",
    "It supervised the sinking of the Cheonan in 2010.",
    "He blew up a plane in the 1980s.",
    "The launch took place on Oct. 8 at 10:49.",
    "A 45-year-old man spent three years in jail.",
    "It launched the satellite Malligyong-1-1 on May 27, Juche 113 (2024).",
    "Defections rose from eight in 2013 to 18 in 2014.",
    "The two countries agreed to cooperate.",
    "One official defected to the South.",
    "The project moved in a three-dimensional way.",
    "the vhp programme of march 15 went ahead",
    "Austria drew with Scotland in World Cup group four qualifier on Saturday.",
    "Call Tel +44 171 542 8982 Fax +44 171 542 5017 for details.",
    "Azerbaijan beat Switzerland 2-1 in 12 minutes of play.",
])
def test_non_quantities(blank_nlp, text):
    assert read(blank_nlp, text) == []


def test_numbers_inside_time_expressions_are_skipped(blank_nlp):
    text = "He arrived 18 days ago with 3 agents."
    doc = nlp_stage.make_doc(blank_nlp, text)
    doc._.times = [TimeExpr(text="18 days ago", start=11, end=22, value="2015-10-05")]
    assert [q.text for q in quantities.quantities_component(doc)._.quantities] == ["3 agents"]


def test_offsets_are_exact_and_sorted(blank_nlp):
    text = ("Among dozens of officials, one fled with $5 million; 46 sailors were killed and "
            "the rocket flew 67 km, up 5%, taking part of the payment.")
    found = read(blank_nlp, text)
    assert [q.text for q in found] == ["dozens of officials", "$5 million", "46 sailors", "67 km", "5%",
                                       "part of the payment"]
    assert all(text[q.start:q.end] == q.text for q in found)


@pytest.mark.parametrize("phrase, value", [
    ("eight", 8), ("twenty-five", 25), ("one hundred and twenty", 120), ("1.5 million", 1_500_000),
    ("2,000", 2000), ("10 000", 10_000), ("two dozen", 24), ("half a million", 500_000), ("3bn", 3e9),
    ("a hundred", 100), ("2.3 million", 2_300_000),
])
def test_number_values(phrase, value):
    found = quantities.find_numbers(phrase)
    assert len(found) == 1 and found[0].value == value and found[0].end == len(phrase)


@hsettings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=10**12))
def test_any_grouped_amount_of_dollars_reads_back(blank_nlp, amount):
    text = f"They paid {amount:,} dollars."
    q = one(blank_nlp, text, f"{amount:,} dollars")
    assert (q.value, q.unit) == (amount, "USD")


def test_quantities_in_a_span(blank_nlp):
    doc = nlp_stage.make_doc(blank_nlp, "He took $5 million. She took 100,000 euros.")
    doc._.times = []
    quantities.quantities_component(doc)
    assert [q.text for q in quantities.quantities_in(doc, 20, len(doc.text))] == ["100,000 euros"]
    assert [q.text for q in quantities.quantities_in(doc, 0, 19)] == ["$5 million"]


def test_user_lexicon_extends_the_bundled_one(blank_nlp, tmp_path, monkeypatch):
    folder = tmp_path / "quantities"
    folder.mkdir()
    (folder / "currencies.yaml").write_text("words:\n  zorkmid: {default: ZRK}\n", encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    quantities.lexicon.cache_clear()
    quantities.patterns.cache_clear()
    try:
        q = one(blank_nlp, "He paid 40 zorkmids and $3.", "40 zorkmids")
        assert (q.value, q.unit) == (40, "ZRK")
        assert one(blank_nlp, "He paid 40 zorkmids and $3.", "$3").unit == "USD"
    finally:
        monkeypatch.delenv("DATELINE_DATA_DIR")
        quantities.lexicon.cache_clear()
        quantities.patterns.cache_clear()



# ---------------------------------------------------------------- cheaper patterns, same matches

SAMPLES = ["He paid about US$5 million, some 3bn won and nearly twenty-five thousand euros to 46 sailors.",
           "Room 39 of Oct. 8, tens of thousands of people; half a million; KRW 300; 1,047 in 2019 and 18 in 2014.",
           "Xover 5, aboutten, A.5, ab12 over 7 million, The  Ministry 12 and Mr Kim 4"]


def test_grouped_alternation_matches_like_the_flat_one():
    import re

    words = ["million", "m", "mn", "billion", "bn", "b", "thousand", "two", "twenty", "USD", "us$"]
    for chosen in (words[:8], words):
        flat = "|".join(re.escape(w) for w in sorted(set(chosen), key=len, reverse=True))
        grouped = quantities.alternation(chosen)
        assert (grouped != flat) == (chosen is not words)  # capitals or symbols: left flat
        for flags in (0, re.I):
            for text in ["5 million", "5mn", "3 bn", "two thousand", "twenty", "M", "BN", "us$"]:
                assert [m.span() for m in re.finditer(flat, text, flags)] == \
                    [m.span() for m in re.finditer(grouped, text, flags)]


def test_number_pattern_lead_changes_no_match():
    import re

    p = quantities.patterns()
    assert p.number.pattern.startswith("(?<![A-Za-z])")
    plain = re.compile(p.number.pattern[len("(?<![A-Za-z])"):], re.I)
    for text in SAMPLES:
        assert [(m.span(), m.groupdict()) for m in p.number.finditer(text)] == \
            [(m.span(), m.groupdict()) for m in plain.finditer(text)]


def test_name_part_pattern_matches_like_the_unanchored_one():
    import re

    plain = re.compile(r"(\S*)(\s*)([A-Za-z][\w.'’-]*)[ \t]+$")
    for text in SAMPLES + CASES + ["Room  \n39 \n", " Oct. \t8", "\n\n(Room 39", "a b c d e \t\n", "  ", "x\n "]:
        for start in range(len(text) + 1):
            piece = text[max(0, start - 60):start]
            a, b = plain.search(piece), quantities._NAME_BEFORE.search(piece)
            assert (a and a.groups()) == (b and b.groups()), piece
            c = quantities._NAME_BEFORE.search(piece, len(piece) - quantities._TWO_RUNS.match(piece[::-1]).end())
            assert (a and a.groups()) == (c and c.groups()), piece


@hsettings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZ9 .(\t\n’-_\u00a0", max_size=70))
def test_name_part_search_from_the_last_two_runs_as_from_the_start(piece):
    a = quantities._NAME_BEFORE.search(piece)
    b = quantities._NAME_BEFORE.search(piece, len(piece) - quantities._TWO_RUNS.match(piece[::-1]).end())
    assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups()))


# ---------------------------------------------------------------- on the real model


@pytest.mark.slow
def test_real_model_counts_and_casualties(nlp):
    found = {q.text: q for q in read(nlp, "The North fired two Nodong missiles, and 46 sailors were killed "
                                          "when 15 agents stole 3.5 billion won.")}
    assert (found["two Nodong missiles"].unit, found["two Nodong missiles"].role) == ("missile", "weapons")
    assert found["46 sailors"].role == "killed"
    assert found["15 agents"].role == "people"
    assert found["3.5 billion won"].unit == "KRW"


@pytest.mark.slow
def test_seed_amounts(nlp, shared_dir):
    text = (shared_dir / "seed" / "000_b532e9020f82f185.txt").read_text(encoding="utf-8")
    found = {q.text.replace("’", "'"): q for q in read(nlp, text, "2015-10-23T10:49:00+09:00")}
    assert (found["millions of U.S. dollars"].unit, found["millions of U.S. dollars"].value) == ("USD", 1_000_000)
    assert found["millions of dollars"].unit == "USD" and found["millions of dollars"].lower_bound
    assert found["part of the payment"].role == "money"
    assert found["some of the bank's assets"].role == "money"
    assert not any("39" in t or "35" in t or "2010" in t for t in found)


# ---------------------------------------------------------------- cheaper scans, same matches

CASES = ["TWO hundred people, Two Dozen, tWo, twO men, ſix, ſeven, thırty, İn excess of 5, AT LEAST 3, At Least 4",
         "a million, A Million, an estimated 4, half a billion, US$3bn, usd 5, USD 5, $5, KM 5, Kelvin 5, a\tthousand",
         "In Excess Of 40 troops, UpWards of 30, No Fewer Than 6, NEARLY 7, nEarly 8, sEVeral dozens of, SEVERAL",
         "Millions Of Dollars, A Portion Of The Money, a PORTION of the cash, Part of the Payment, ALL of the cash",
         "TWO-THIRDS of the funds, Some Of The Bank's Assets, ᏚOME of it, fifty-ſix, ninety-niNE, Ab12 twenty"]


def test_folds_are_all_the_other_letters_ascii_letters_match():
    import re
    import string

    letter = re.compile("|".join(string.ascii_lowercase), re.I)
    found = {chr(c) for c in range(0x80, 0x110000) if letter.fullmatch(chr(c))}
    assert found == set(quantities.FOLDS)


def _both(guarded, plain, text):
    return ([(m.span(), m.groupdict()) for m in guarded.finditer(text)],
            [(m.span(), m.groupdict()) for m in plain.finditer(text)])


def test_starts_test_changes_no_match():
    lex = quantities.lexicon()
    p = quantities.patterns()
    plain_number = quantities._number_pattern(lex["numbers"], lex["currencies"], guard=False)
    plain_money = quantities._vague_money_pattern(lex["nouns"], lex["currencies"], guard=False)
    assert plain_number.pattern != p.number.pattern and plain_money.pattern != p.vague_money.pattern
    for text in SAMPLES + CASES:
        a, b = _both(p.number, plain_number, text)
        assert a == b and a
        a, b = _both(p.vague_money, plain_money, text)
        assert a == b


def _cased(word: str, mask: int) -> str:
    return "".join(c.upper() if mask >> (i % 16) & 1 else c for i, c in enumerate(word))


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["at least", "more than", "over", "tens", "several", "twenty", "five",
                                           "half", "a", "an", "an estimated", "million", "of", "dollars", "US$",
                                           "USD", "usd", "5", "1,000", "some", "part", "the", "payment", "won",
                                           "ſeven", "thırty", "İn excess of", "x", "-", ".", "’s"]),
                          st.integers(0, 2**16 - 1), st.sampled_from([" ", "", "  ", "\n", "-", ", "])),
                max_size=12))
def test_starts_test_changes_no_match_in_any_case(words):
    lex = quantities.lexicon()
    p = quantities.patterns()
    text = "".join(_cased(w, mask) + sep for w, mask, sep in words)
    a, b = _both(p.number, quantities._number_pattern(lex["numbers"], lex["currencies"], guard=False), text)
    assert a == b
    a, b = _both(p.vague_money, quantities._vague_money_pattern(lex["nouns"], lex["currencies"], guard=False), text)
    assert a == b


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["at least", "over", "tens of", "thousands", "several", "twenty", "-five", "half",
                                 "a", "million", "dollars", "$", "5", "1,000", "10 000", "in 2014", "Room", "39",
                                 "two", "3bn", ".", ",", "’", "x", "9a", " ", " ", "\n", "_"]), max_size=16),
       st.lists(st.integers(0, 200), min_size=2, max_size=2))
def test_numbers_in_a_span_as_found_there(blank_nlp, words, edges):
    text = " ".join(words)
    doc = nlp_stage.make_doc(blank_nlp, text)
    start, end = sorted(min(e, len(text)) for e in edges)
    assert quantities.numbers_in(doc, start, end) == quantities.find_numbers(text, start, end)


def test_numbers_in_each_sentence_as_found_there(blank_nlp):
    from dateline import statistics

    for text in SAMPLES + CASES:
        doc = nlp_stage.make_doc(blank_nlp, text)
        for start, end in statistics.sentences(doc) + [(0, len(text))]:
            assert quantities.numbers_in(doc, start, end) == quantities.find_numbers(text, start, end)


def test_folds_are_all_the_characters_lower_case_moves_off_ascii_letters():
    """What `scan` assumes of str.lower(): one character for one, and an ASCII letter for an ASCII letter."""
    import string

    for c in map(chr, range(0x110000)):
        if c in quantities.FOLDS:
            continue
        low = c.lower()
        assert len(low) == 1, c
        assert (low in string.ascii_lowercase) == (c in string.ascii_letters), c
        assert low == c or not (c.isdecimal() or c.isspace()), c  # what \d and \s match stays as it is


def _scanned(pattern, where, text):
    return ([(m.span(), m.groupdict()) for m in quantities.scan(pattern, where, text)],
            [(m.span(), m.groupdict()) for m in pattern.finditer(text)])


def test_scan_finds_what_finditer_finds():
    p = quantities.patterns()
    assert p.number_places is not None and p.vague_money_places is not None
    for text in SAMPLES + CASES + [t.replace("ſ", "s").replace("ı", "i").replace("İ", "I") for t in CASES]:
        a, b = _scanned(p.number, p.number_places, text)
        assert a == b and a
        a, b = _scanned(p.vague_money, p.vague_money_places, text)
        assert a == b


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["at least", "more than", "over", "tens", "several", "twenty", "five",
                                           "half", "a", "An", "an estimated", "million", "of", "dollars", "US$",
                                           "USD", "usd", "5", "1,000", "some", "part", "the", "payment", "won",
                                           "€3", "x", "-", ".", "’s", "9a", "Kelvin", "(", "_"]),
                          st.integers(0, 2**16 - 1), st.sampled_from([" ", "", "  ", "\n", "-", ", "])),
                max_size=12))
def test_scan_finds_what_finditer_finds_in_any_case(words):
    p = quantities.patterns()
    text = "".join(_cased(w, mask) + sep for w, mask, sep in words)
    assert _scanned(p.number, p.number_places, text)[0] == _scanned(p.number, p.number_places, text)[1]
    assert _scanned(p.vague_money, p.vague_money_places, text)[0] == _scanned(p.vague_money, p.vague_money_places, text)[1]


def test_casualty_cue_start_test_changes_no_match():
    import re

    roles = quantities.lexicon()["casualties"]["roles"]
    texts = SAMPLES + CASES + ["were Killed 4", "KILLING at least 5", "kIlled all the 3", "Left Missing about 2",
                               "shot  dead 4", "Claimed the Lives of some 9", "ſhot dead 3", "deaths of  the "]
    for role, rx in quantities.patterns().casualty_before.items():
        plain = re.compile(rx.pattern.replace(quantities.starts(roles[role]["before"]), ""), re.I)
        assert plain.pattern != rx.pattern
        for text in texts:
            for start in range(len(text) + 1):
                before = text[max(0, start - 40):start]
                a, b = rx.search(before), plain.search(before)
                assert (a and a.span()) == (b and b.span()), before


def test_a_dotted_capital_i_in_a_prefix_reads_like_its_plain_spelling():
    """"İ" lower-cases to two characters; the prefix table is still found (it used to raise StopIteration)."""
    dotted = quantities.find_numbers("İn excess of 5 people", 0, 21)
    plain = quantities.find_numbers("In excess of 5 people", 0, 21)
    assert [(n.value, n.lower_bound) for n in dotted] == [(n.value, n.lower_bound) for n in plain] == [(5, True)]
