"""Attribution, certainty, polarity and modality of event triggers, on hand-written sentences parsed by the real
model, and the factuality and attribution suites on gold data (skipped in a fresh clone)."""
from __future__ import annotations

import pytest

import dateline.nlp
from dateline import attribution
from dateline.evaluate import check_floors

from conftest import gold

PUBLISHED = "2015-10-23T10:49:00+09:00"


@pytest.fixture(scope="module")
def read(nlp):
    def parse(text):
        return nlp(dateline.nlp.make_doc(nlp, text, PUBLISHED))

    return parse


def trig(doc, word, nth=0):
    return [t for t in doc if t.text == word][nth]


def judge(read, text, word, nth=0):
    doc = read(text)
    tok = trig(doc, word, nth)
    attr, certainty, hedge = attribution.attribute(doc, tok)
    return doc, attr, certainty, hedge


# ------------------------------------------------------------------ attribution


@pytest.mark.parametrize("text, word, source, cue", [
    ("A source in Beijing said one official defected from Africa.", "defected", "A source in Beijing", "said"),
    ("The army fired two missiles, officials in Seoul said.", "fired", "officials in Seoul", "said"),
    ("According to Yonhap, the army fired two missiles on Monday.", "fired", "Yonhap", "According to"),
    ("KCNA reported that the leader inspected a munitions factory.", "inspected", "KCNA", "reported"),
    ("A defector told reporters that guards beat prisoners.", "beat", "A defector", "told"),
    ("The ministry claimed that the rebels attacked a convoy.", "attacked", "The ministry", "claimed"),
    ("The government announced that troops withdrew from the border.", "withdrew", "The government", "announced"),
    ("KCNA quoted a spokesman as saying the talks collapsed.", "collapsed", "a spokesman", "quoted"),
    ("The National Intelligence Service says defections rose sharply.", "rose", "The National Intelligence Service",
     "says"),
    ("Seoul accused Pyongyang of firing artillery shells.", "firing", "Seoul", "accused"),
    ("The council condemned North Korea for launching missiles.", "launching", "The council", "condemned"),
])
def test_source_and_cue(read, text, word, source, cue):
    _, attr, certainty, hedge = judge(read, text, word)
    assert certainty == "attributed" and hedge is None
    assert attr.source.text == source
    assert attr.cue.text == cue
    assert text[attr.source.start:attr.source.end] == source
    assert text[attr.cue.start:attr.cue.end] == cue


def test_source_place_comes_from_a_place_inside_the_phrase(read):
    _, attr, _, _ = judge(read, "A source in Beijing said one official defected from Africa.", "defected")
    assert attr.source.place is not None
    assert attr.source.place.text == "Beijing"
    assert attr.source.place.country == "CN"


def test_reporting_clause_after_the_account(read):
    text = ("Among dozens of officials who have defected to South Korea are senior staff of the bureau, "
            "a source said Thursday.")
    _, attr, certainty, _ = judge(read, text, "defected")
    assert certainty == "attributed"
    assert attr.source.text == "a source"


def test_the_cue_itself_is_not_attributed_to_its_own_source(read):
    _, attr, certainty, _ = judge(read, "The official reported valuable intelligence to South Korean authorities.",
                                  "reported")
    assert certainty == "asserted" and attr is None


def test_plain_statement_is_asserted(read):
    _, attr, certainty, hedge = judge(read, "Another official defected from a Chinese-speaking country.",
                                      "defected")
    assert (attr, certainty, hedge) == (None, "asserted", None)


def test_account_carries_to_a_pronoun_sentence_in_the_same_paragraph(read):
    text = "A defector said guards beat prisoners. They also starved them."
    _, attr, certainty, _ = judge(read, text, "starved")
    assert certainty == "attributed" and attr.source.text == "A defector"


def test_account_carries_to_a_quotation_that_goes_on(read):
    text = '"The enemy will pay," the spokesman said. "We will destroy them."'
    _, attr, certainty, _ = judge(read, text, "destroy")
    assert certainty == "attributed" and attr.source.text == "the spokesman"


def test_account_stops_at_a_new_paragraph(read):
    text = "A defector said guards beat prisoners.\n\nThey also starved them."
    _, attr, certainty, _ = judge(read, text, "starved")
    assert certainty == "asserted" and attr is None


def test_account_does_not_carry_to_a_new_subject(read):
    text = '"We will strike back." KCNA said. The army fired a missile.'
    doc, attr, certainty, _ = judge(read, text, "fired")
    assert certainty == "asserted"
    strike, *_ = attribution.attribute(doc, trig(doc, "strike"))
    assert strike.source.text == "KCNA"  # the quotation before the reporting clause is its account


def test_a_new_source_replaces_the_old_one(read):
    text = "A source said the official fled. The ministry said he returned."
    _, attr, _, _ = judge(read, text, "returned")
    assert attr.source.text == "The ministry"


def test_pronoun_source_takes_the_earlier_named_source(read):
    text = "The foreign ministry said the envoy left Seoul. It said he returned to Pyongyang."
    doc, attr, _, _ = judge(read, text, "returned")
    assert attr.source.text == "It"
    first, _, _ = attribution.attribute(doc, trig(doc, "left"))
    assert first.source.text == "The foreign ministry"
    for key in ("actor_id", "name", "kind", "country"):
        assert getattr(attr.source, key) == getattr(first.source, key)


# ------------------------------------------------------------------ certainty


@pytest.mark.parametrize("text, word, cue", [
    ("Some reportedly dealt a blow to the regime by taking millions of dollars.", "taking", "reportedly"),
    ("The general allegedly ordered the shooting.", "ordered", "allegedly"),
    ("The regime apparently executed the minister.", "executed", "apparently"),
    ("He is believed to have defected to China.", "defected", "is believed to"),
    ("Room 35 has been blamed for blowing up a passenger plane.", "blowing", "has been blamed for"),
    ("The troops may have crossed the border.", "crossed", "may have"),
    ("He is suspected of smuggling weapons.", "smuggling", "is suspected of"),
    ("Some of them have reportedly defected to third countries.", "defected", "reportedly"),
    ("There were reports that the leader was injured.", "injured", "reports"),
    ("The missile is likely to fail.", "fail", "likely to"),
])
def test_hedges(read, text, word, cue):
    _, _, certainty, hedge = judge(read, text, word)
    assert certainty == "hedged"
    assert hedge.text == cue
    assert text[hedge.start:hedge.end] == cue


def test_hedge_wins_over_attribution(read):
    _, attr, certainty, hedge = judge(read, "Officials said the army may have fired a missile.", "fired")
    assert certainty == "hedged" and hedge.text == "may have"
    assert attr.source.text == "Officials"


def test_unconfirmed_reports_hedge_their_account(read):
    _, attr, certainty, hedge = judge(read, "Unconfirmed reports say the leader was injured.", "injured")
    assert certainty == "hedged" and hedge.text == "Unconfirmed"


def test_hedge_on_a_relative_clause_does_not_reach_the_main_clause(read):
    text = "The bureau, which has reportedly smuggled arms, opened an office in Pyongyang."
    _, _, certainty, _ = judge(read, text, "opened")
    assert certainty == "asserted"


# ------------------------------------------------------------------ polarity


@pytest.mark.parametrize("text, word, expected", [
    ("The army did not fire any missiles.", "fire", "negated"),
    ("The army never fired any missiles.", "fired", "negated"),
    ("The rebels failed to capture the town.", "capture", "negated"),
    ("The delegation refused to attend the talks.", "attend", "negated"),
    ("He denied that the troops attacked the village.", "attacked", "negated"),
    ("There was no attack on the base.", "attack", "negated"),
    ("They fled without paying the smugglers.", "paying", "negated"),
    ("The army fired two missiles.", "fired", "affirmed"),
    ("The officials not only take information with them but also money.", "take", "affirmed"),
    ("The rebels did not fail to capture the town.", "capture", "affirmed"),
    ("Three people died in a failed attempt to cross the river.", "attempt", "negated"),
    ("Police barred the crowd from reaching the consulate.", "reaching", "negated"),
    ("Prices fell on a lack of buying.", "buying", "negated"),
    ("He no longer works for the ministry.", "works", "negated"),
])
def test_polarity(read, text, word, expected):
    doc = read(text)
    assert attribution.polarity(doc, trig(doc, word)) == expected


def test_negation_of_the_clause_does_not_reach_an_event_noun(read):
    doc = read("He has not appeared in public since the announcement.")
    assert attribution.polarity(doc, trig(doc, "announcement")) == "affirmed"
    assert attribution.polarity(doc, trig(doc, "appeared")) == "negated"


# ------------------------------------------------------------------ modality


@pytest.mark.parametrize("text, word, expected", [
    ("Pyongyang plans to launch a satellite next month.", "launch", "planned"),
    ("The leader will visit Moscow.", "visit", "planned"),
    ("The ministry is expected to announce sanctions.", "announce", "planned"),
    ("The team is set to arrive on Monday.", "arrive", "planned"),
    ("Officials said the army would send troops next week.", "send", "planned"),
    ("The North threatened to launch a nuclear strike.", "launch", "threatened"),
    ("The North vowed to retaliate if the drills continue.", "retaliate", "threatened"),
    ("The North warned that it would take strong countermeasures.", "take", "threatened"),
    ("Experts warned that prices would rise.", "rise", "planned"),
    ("The North often holds diplomats' families hostage in Pyongyang.", "holds", "habitual"),
    ("Guards routinely beat the prisoners.", "beat", "habitual"),
    ("North Korean craftsmen are famous for building bronze statues.", "building", "habitual"),
    ("If the talks collapse, the army could invade.", "invade", "hypothetical"),
    ("If the talks collapse, the army will invade.", "collapse", "hypothetical"),
    ("The army could invade the south.", "invade", "hypothetical"),
    ("The army invaded the south.", "invaded", "actual"),
    ("The rebels managed to capture the town.", "capture", "actual"),
])
def test_modality(read, text, word, expected):
    doc = read(text)
    assert attribution.modality(doc, trig(doc, word)) == expected


# ------------------------------------------------------------------ the seed's readings


SEED = (
    "Among dozens of North Korean officials who have defected from overseas to South Korea are senior staff "
    "of the Workers Party's notorious Room 39, a source said Thursday.\n\n"
    "Some reportedly dealt a blow to the valuta-strapped regime by taking millions of U.S. dollars with them.\n\n"
    "A source in Beijing said one official with Room 39 who defected from Africa, where he had supervised "
    "workers, fled with part of the payment.\n\n"
    "Another official also under Room 39 defected from a Chinese-speaking country with millions of dollars.\n\n"
    "The official reported valuable intelligence to South Korean authorities.\n\n"
    "Meanwhile, a senior official of the bank absconded in Russia last year.\n\n"
    "Some of them have reportedly defected to third countries."
)


def test_seed_like_article(read):
    doc = read(SEED)
    verdicts = [attribution.attribute(doc, t) for t in doc if t.text in ("defected", "fled", "absconded")]
    certainties = [c for _, c, _ in verdicts]
    assert certainties == ["attributed", "attributed", "attributed", "asserted", "asserted", "hedged"]
    assert verdicts[0][0].source.text == "a source"
    assert verdicts[1][0].source.text == "A source in Beijing"


# ------------------------------------------------------------------ data and frames


def test_cue_lists_hold_only_strings():
    # YAML reads a bare `no` as False: every cue must stay a string.
    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            yield from node

    for name, data in attribution.cues().items():
        bad = [v for v in walk(data) if not isinstance(v, str)]
        assert not bad, f"{name}.yaml has non-string cues {bad}"
    assert "no" in attribution._set("negation", "words")


def test_user_cues_extend_the_bundled_ones(tmp_path, monkeypatch):
    (tmp_path / "attribution").mkdir()
    (tmp_path / "attribution" / "hedges.yaml").write_text("adverbs: [purportedly-ish]\n", encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    attribution.cues.cache_clear()
    attribution._set.cache_clear()
    try:
        adverbs = attribution._set("hedges", "adverbs")
        assert "purportedly-ish" in adverbs and "reportedly" in adverbs
    finally:
        monkeypatch.delenv("DATELINE_DATA_DIR")
        attribution.cues.cache_clear()
        attribution._set.cache_clear()


def test_frames_list_every_account(read):
    doc = read("Officials said the army fired. Yonhap reported that troops withdrew. The sun rose.")
    found = attribution.frames(doc)
    assert [doc[f.cue_start:f.cue_end].text for f in found] == ["said", "reported"]
    assert [doc[f.source_start:f.source_end].text for f in found] == ["Officials", "Yonhap"]


def test_first_person_inside_a_quotation_is_no_source(read):
    doc = read('"I think the talks failed," the envoy said.')
    found = attribution.frames(doc)
    assert [doc[f.source_start:f.source_end].text for f in found] == ["the envoy"]


# ------------------------------------------------------------------ suites on gold data


def test_attribution_suite_meets_its_floors():
    from dateline.evaluate import attribution as suite

    result = suite.run(gold("attribution-polnear/dev"))
    assert result["n"] > 2000
    assert not check_floors("attribution", result)


def test_factuality_suite_meets_its_floors():
    from dateline.evaluate import factuality

    result = factuality.run(gold("factuality"))
    assert result["n"] >= 3553  # MEANTIME dev 195 + UW dev 3,358 predicates (more where test splits exist)
    assert set(result["details"]["per_class"]) == {"asserted", "hedged", "negated"}
    assert result["accuracy"] > result["details"]["majority_baseline_accuracy"]
    assert not check_floors("factuality", result)


def test_gold_class_mapping():
    from dateline.evaluate.factuality import gold_class

    assert [gold_class(v) for v in (-3.0, -1.0, -0.8, 0.0, 2.4, 2.5, 3.0)] == [
        "negated", "negated", "hedged", "hedged", "hedged", "asserted", "asserted"]


def test_polnear_reader_and_matching(tmp_path):
    from dateline.evaluate import attribution as suite

    ann = tmp_path / "a_x.ann"
    ann.write_text("T1\tSource 0 5\tSmith\nT2\tCue 6 10\tsaid\nT3\tContent 11 20;25 30\tx\n"
                   "T4\tAttribution 6 10\tsaid\nE1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n", encoding="utf-8")
    gold = suite.read_ann(ann)
    assert gold.sources == {(0, 5)} and gold.cues == {(6, 10)}
    assert gold.relations == [((0, 5), (6, 10))]
    assert suite.match([(0, 5), (0, 3)], [(0, 5)], exact=True) == 1
    assert suite.match([(0, 3)], [(0, 5)], exact=False) == 1
    assert suite.match([(0, 3)], [(0, 5)], exact=True) == 0
    assert suite.match_relations([((1, 4), (6, 9))], gold.relations) == 1
    assert suite.match_relations([(None, (6, 9))], gold.relations) == 0


def test_an_unparsed_doc_gives_the_defaults(blank_nlp):
    doc = dateline.nlp.make_doc(blank_nlp, "Officials said the army reportedly did not fire.", PUBLISHED)
    tok = doc[5]
    assert attribution.attribute(doc, tok) == (None, "asserted", None)
    assert attribution.polarity(doc, tok) == "affirmed"
    assert attribution.modality(doc, tok) == "actual"
    assert attribution.frames(doc) == []


def test_every_token_of_awkward_text_gets_an_answer(read):
    text = ('"\n\n" ― \nYonhap: --\n\n‘ ” said, said. According to, according to nobody. "I think." '
            'It was reported. Not. If. Will? \n- • 39 % ; could have . ” ― ')
    doc = read(text)
    for tok in doc:
        attr, certainty, hedge = attribution.attribute(doc, tok)
        assert certainty in ("asserted", "attributed", "hedged")
        assert (certainty == "hedged") == (hedge is not None)
        assert attribution.polarity(doc, tok) in ("affirmed", "negated")
        assert attribution.modality(doc, tok) in ("actual", "planned", "threatened", "habitual", "hypothetical")
        if attr is not None and attr.source is not None:
            assert text[attr.source.start:attr.source.end] == attr.source.text
        if attr is not None:
            assert text[attr.cue.start:attr.cue.end] == attr.cue.text


def test_a_quotation_opening_the_next_paragraph_continues_the_account(read):
    text = '"The enemy will pay," the spokesman said.\n\n"We will destroy their bases."'
    _, attr, certainty, _ = judge(read, text, "destroy")
    assert certainty == "attributed" and attr.source.text == "the spokesman"


@pytest.mark.parametrize("text, word, expected", [
    ("The leader will visit Moscow.", "visit", ("planned", "will", "modal")),
    ("Pyongyang plans to launch a satellite.", "launch", ("planned", "plans", "governor")),
    ("The North threatened to launch a strike.", "launch", ("threatened", "threatened", "governor")),
    ("Reporters asked whether the envoy had defected.", "defected", ("hypothetical", "whether", "condition")),
    ("Guards routinely beat the prisoners.", "beat", ("habitual", "routinely", "adverb")),
    ("The army invaded the south.", "invaded", ("actual", None, "")),
])
def test_modality_cue_names_its_words(read, text, word, expected):
    doc = read(text)
    value, span, how = attribution.modality_cue(doc, trig(doc, word))
    assert (value, span.text if span else None, how) == expected
    if span is not None:
        assert text[span.start:span.end] == span.text


def test_source_organisation_and_its_country(read):
    text = "A spokesman for the Korean Central News Agency said the army fired a missile."
    doc, attr, _, _ = judge(read, text, "fired")
    assert attr.source.text == "A spokesman for the Korean Central News Agency"
    org = next(e for e in doc._.entities if "Korean Central News Agency" in e.text)
    expected = org.actor.name if org.actor else org.text
    assert attr.source.orgs == [expected]
    assert attr.source.country == (org.actor.country if org.actor else None)


def test_nationality_gives_the_source_a_country_not_a_place(read):
    doc, attr, _, _ = judge(read, "A North Korean official told Yonhap that the army fired a missile.", "fired")
    assert attr.source.text == "A North Korean official"
    assert attr.source.place is None
    nationality = next(e for e in doc._.entities if e.text == "North Korean")
    assert attr.source.country == (nationality.actor.country if nationality.actor else None)


def test_source_leaves_out_a_clause_set_off_by_a_comma(read):
    doc = read("Mr. Kamin, who advises the campaign, said the plan would simplify returns.")
    found = attribution.frames(doc)
    assert [doc[f.source_start:f.source_end].text for f in found] == ["Mr. Kamin"]


def test_source_keeps_a_bracket_it_opens(read):
    doc = read("Sen. Lindsey Graham (R-S.C.) said the deal was dead.")
    found = attribution.frames(doc)
    assert doc[found[0].source_start:found[0].source_end].text.endswith(")")


# ------------------------------------------------------------------ properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SOURCES = ["Officials", "A source in Beijing", "KCNA", "He", "The ministry, which denied it,", ""]
_CUES = ["said", "reported", "told reporters", "claimed", "added", ""]
_ADVERBS = ["reportedly", "never", "often", "allegedly", "not", "", "apparently"]
_VERBS = ["fired", "will fire", "may have fired", "plans to fire", "failed to fire", "threatened to fire", "fires"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(_SOURCES), st.sampled_from(_CUES), st.sampled_from(_ADVERBS), st.sampled_from(_VERBS),
       st.booleans(), st.sampled_from([" ", "\n\n", ' "', ", "]))
def test_verdicts_are_well_formed_on_generated_sentences(read, source, cue, adverb, verb, front, glue):
    account = f"{source} {cue}".strip()
    clause = f"the army {adverb} {verb} a missile".replace("  ", " ")
    text = f"{clause}, {account}." if front and account else f"{account}{glue}{clause}."
    doc = read(text.strip())
    for tok in doc:
        attr, certainty, hedge = attribution.attribute(doc, tok)
        assert (certainty == "hedged") == (hedge is not None)
        assert certainty == "asserted" or attr is not None or hedge is not None
        for span in [hedge] + ([attr.cue] if attr else []) + ([attr.source] if attr and attr.source else []):
            if span is not None:
                assert doc.text[span.start:span.end] == span.text
    fired = [t for t in doc if t.lower_ in ("fired", "fire", "fires")][0]
    if adverb != "not":  # "the army not fired" is no English; the parse of it proves nothing
        negations = (adverb == "never") + verb.startswith("failed")  # "never failed to fire" affirms
        assert attribution.polarity(doc, fired) == ("negated" if negations % 2 else "affirmed")


def test_a_broken_user_cue_file_says_what_to_fix(tmp_path, monkeypatch):
    from dateline.errors import ConfigError

    (tmp_path / "attribution").mkdir()
    (tmp_path / "attribution" / "negation.yaml").write_text("words: [not, [\n", encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    attribution.cues.cache_clear()
    attribution._set.cache_clear()
    try:
        with pytest.raises(ConfigError, match="negation.yaml"):
            attribution.cues()
    finally:
        monkeypatch.delenv("DATELINE_DATA_DIR")
        attribution.cues.cache_clear()
        attribution._set.cache_clear()


def test_name_colon_and_quote_dash_accounts(read):
    text = 'Yonhap: North Korea fires two missiles\n\n"We will win the war." \u2015 Jane Doe'
    doc, attr, certainty, _ = judge(read, text, "fires")
    assert (attr.source.text, attr.cue.text, certainty) == ("Yonhap", ":", "attributed")
    _, attr, _, _ = judge(read, text, "win")
    assert (attr.source.text, attr.cue.text) == ("Jane Doe", "\u2015")


def test_a_long_line_before_a_colon_is_no_name(read):
    doc = read("The ministry said in a long statement on Monday the following: the talks are over.")
    assert all(doc[f.cue_start].text != ":" for f in attribution.frames(doc))


def test_a_belief_inside_an_account_belongs_to_it(read):
    doc, attr, _, _ = judge(read, "Clinton said she thinks the economy grew.", "grew")
    assert attr.source.text == "Clinton" and attr.cue.text == "said"
    doc = read("Correction: the army fired two missiles.")
    assert attribution.frames(doc) == []


ANNOUNCED = ("Pyongyang, May 20 (KCNA) -- A spokesman for the Foreign Ministry released the following press "
             "statement on May 20:\n\nThe U.S. conducted a provocative drill near the peninsula.\n\n"
             "We will never tolerate it.\n\n"
             'The following is the KCNA commentary titled "Fascist violence":\n\nJapan discharged polluted water.')


def test_an_announced_statement_is_the_announcers_account(read):
    doc, attr, certainty, _ = judge(read, ANNOUNCED, "conducted")
    assert certainty == "attributed"
    assert (attr.source.text, attr.cue.text) == ("A spokesman for the Foreign Ministry", "released")
    _, attr, _, _ = judge(read, ANNOUNCED, "tolerate")
    assert attr.source.text == "A spokesman for the Foreign Ministry"
    _, attr, _, _ = judge(read, ANNOUNCED, "discharged")
    assert (attr.source.text, attr.cue.text) == ("the KCNA commentary", "The following is")


def test_an_announcement_covers_only_what_follows_it(read):
    text = "Troops crossed the border.\n\nThe ministry issued the following statement:\n\nWe condemn it."
    _, attr, certainty, _ = judge(read, text, "crossed")
    assert (attr, certainty) == (None, "asserted")


# ------------------------------------------------------------------ index-based readings equal the Token ones


ACCOUNTS = ('"We will strike back," said Mr. Kamin, who emphasized the point, on Monday. Trump, speaking to '
           'veterans, said the talks failed.\nOfficials who said (in private) that troops withdrew were wrong.\n\n'
           '"The army fired." KCNA said. He said the drills went on. Yonhap: North fires missile.')


def test_source_phrases_by_index_are_the_token_readings(read):
    doc = read(ACCOUNTS)
    tree = attribution.tree(doc)
    for tok in doc:
        assert attribution._in_order(tree, tok.i, []) == [t.i for t in tok.subtree]
        assert attribution._space_after(doc, tok.i) == tok.whitespace_
        run = [t.i for t in tok.subtree]
        assert attribution._trimmed_ids(doc, tree.lower, run) == [t.i for t in attribution._trim_punct(tok.subtree)]
    sents = dateline.nlp.sentences(doc)
    for prev, sent in zip(sents, sents[1:]):
        last = next(t for t in reversed(prev) if not t.is_space)
        first = next((t for t in sent if not t.is_space), None)
        between = doc[last.i + 1:first.i] if first is not None else []
        expected = first is None or "\n" in last.whitespace_ or any("\n" in t.text_with_ws for t in between)
        assert attribution._new_paragraph(doc, prev, sent) == expected


def test_a_pronoun_source_looks_back_through_the_frames_before_it(read):
    doc = read(ACCOUNTS)
    found = attribution.frames(doc)
    assert found
    for frame in found:
        cue = frame.cue_start
        before = [f for f in found if f.source_start is not None and f.source_end <= cue and f.cue_start < cue]
        assert attribution._sources_before(doc, cue, 5) == list(reversed(before[-5:]))


def test_the_next_sentence_is_read_only_when_its_frames_can_reach_back(read):
    doc = read(ACCOUNTS)
    sents = dateline.nlp.sentences(doc)
    for sent, after in zip(sents, sents[1:]):
        reaching = [f for f in attribution.frames(doc, after) if any(sent.start <= i < sent.end for i in f.scope)]
        assert not reaching or attribution._reached_back(doc, sent)
    assert any(attribution._reached_back(doc, sent) for sent in sents)  # '"The army fired." KCNA said.'
