"""Within-article coreference and participant descriptions, on hand-written text and the real model."""
from __future__ import annotations

import pytest

from dateline import coref
from dateline import nlp as nlp_stage

TEXT = (
    "A source in Beijing said one official with Room 39 who defected from Africa, where he had supervised "
    "North Korean workers, fled with part of the payment.\n"
    "Another official also under Room 39 defected from a Chinese-speaking country with millions of dollars.\n"
    "That official seized the opportunity of a holiday to defect.\n"
    "Another diplomat who defected from the Caribbean last year at one stage worked for the party's Room 35, "
    "which has been blamed for blowing up a Korean Air passenger plane in the 1980s.\n"
    "It later became the General Bureau of Reconnaissance.\n"
    "The official reported valuable intelligence to South Korean authorities.\n"
    "Meanwhile, a senior official of the North's Korea Taesong Bank absconded in Russia last year taking some "
    "of the bank's assets with him."
)


@pytest.fixture(scope="module")
def doc(nlp):
    return nlp(nlp_stage.make_doc(nlp, TEXT, "2015-10-23"))


def _at(doc, phrase, length=None):
    start = doc.text.index(phrase)
    return doc.char_span(start, start + (length or len(phrase)), alignment_mode="expand")


@pytest.mark.slow
def test_chunk_table_is_spacys_noun_chunks(doc):
    starts, ends, roots = coref._chunk_table(doc)
    chunks = list(doc.noun_chunks)
    assert list(zip(starts, ends)) == [(c.start, c.end) for c in chunks] and len(chunks) > 10
    assert roots == [c.root.i for c in chunks]


@pytest.mark.slow
@pytest.mark.parametrize("anaphor,length,expected", [
    ("he had", 2, "one official"),
    ("That official", None, "Another official"),
    ("The official", None, "Another diplomat"),
    ("It later", 2, "Room 35"),
    ("him.", 3, "a senior official"),
    ("the bank's", 8, "Korea Taesong Bank"),
])
def test_antecedents(doc, anaphor, length, expected):
    ante = coref.antecedent(doc, _at(doc, anaphor, length))
    assert ante is not None and ante.text.startswith(expected)
    assert doc._.corefs[_at(doc, anaphor, length).start_char] == ante.start_char


@pytest.mark.slow
def test_antecedent_of_a_token_and_of_a_non_anaphor(doc):
    he = _at(doc, "he had", 2)[0]
    assert coref.antecedent(doc, he).text == "one official"
    assert coref.antecedent(doc, _at(doc, "Another diplomat")) is None


@pytest.mark.slow
def test_describe_unnamed_member_of_an_organisation(doc):
    d = coref.describe(doc, _at(doc, "one official with Room 39"))
    assert (d["kind"], d["country"], d["role"]) == ("person", "KP", "official")
    assert d["orgs"][0] == "Room 39"
    d = coref.describe(doc, _at(doc, "a senior official of the North's Korea Taesong Bank"))
    assert (d["country"], d["role"], d["orgs"][0]) == ("KP", "senior official", "Korea Taesong Bank")


@pytest.mark.slow
def test_describe_follows_the_chain_and_the_verb(doc):
    d = coref.describe(doc, _at(doc, "Another diplomat"))
    assert d["country"] == "KP" and "Room 35" in d["orgs"] and "Korean Air" not in d["orgs"]
    back = coref.describe(doc, _at(doc, "The official"))
    assert back["text"] == "The official" and back["actor_id"] == d["actor_id"] and back["orgs"] == d["orgs"]
    that = coref.describe(doc, _at(doc, "That official"))
    assert that["country"] == "KP" and "Room 39" in that["orgs"]


@pytest.mark.slow
def test_describe_named_and_institutional_participants(doc):
    d = coref.describe(doc, _at(doc, "South Korean authorities"))
    assert (d["actor_id"], d["kind"], d["country"]) == ("KR-GOV", "government", "KR")
    d = coref.describe(doc, _at(doc, "It later", 2))
    assert (d["actor_id"], d["text"], d["country"]) == ("KP-ROOM35", "It", "KP")
    d = coref.describe(doc, _at(doc, "a Korean Air passenger plane"))
    assert d["country"] == "KR" and d["orgs"] == ["Korean Air"] and d["actor_id"] is None
    d = coref.describe(doc, _at(doc, "North Korean workers"))
    assert (d["kind"], d["country"], d["role"]) == ("group", "KP", "worker")


@pytest.mark.slow
def test_describe_is_robust_to_any_phrase(doc):
    for x in [_at(doc, "last year"), _at(doc, "."), (0, 1), doc[0], _at(doc, "with millions of dollars")]:
        d = coref.describe(doc, x)
        assert set(d) >= {"text", "actor_id", "name", "kind", "country", "role", "orgs"}
    assert coref.describe(doc, _at(doc, "last year"))["kind"] is None


def test_describe_on_a_blank_pipeline(blank_nlp):
    doc = blank_nlp.make_doc("He left.")
    doc._.entities = []
    d = coref.describe(doc, doc[0:1])
    assert d["text"] == "He" and d["actor_id"] is None and d["orgs"] == []
    assert coref.resolve(doc) == {}


@pytest.mark.slow
def test_person_pronoun_prefers_the_subject_of_the_previous_sentence(nlp):
    text = "Kim Jong Un met the Chinese ambassador in Pyongyang. He praised the friendship."
    doc = nlp(nlp_stage.make_doc(nlp, text))
    assert coref.antecedent(doc, _at(doc, "He praised", 2)).text == "Kim Jong Un"
    assert coref.describe(doc, _at(doc, "He praised", 2))["actor_id"] == "KP-KIM-JONG-UN"


@pytest.mark.slow
def test_they_goes_to_a_group_not_a_person(nlp):
    text = "Three North Korean soldiers crossed the border. An officer said they were armed."
    doc = nlp(nlp_stage.make_doc(nlp, text))
    d = coref.describe(doc, _at(doc, "they were", 4))
    assert (d["kind"], d["country"]) == ("group", "KP")


@pytest.mark.slow
def test_it_goes_to_the_nearest_subject_institution(nlp):
    text = "North Korea fired two missiles on Sunday, the South Korean military said. It did not say where they fell."
    doc = nlp(nlp_stage.make_doc(nlp, text))
    d = coref.describe(doc, _at(doc, "It did", 2))
    assert (d["actor_id"], d["country"]) == ("KR-MIL", "KR")


@pytest.mark.slow
def test_describe_and_antecedent_never_raise_on_any_chunk_or_token(doc):
    for x in [*doc.noun_chunks, *list(doc)[::4], *(doc[i:i + 3] for i in range(0, len(doc) - 3, 7))]:
        d = coref.describe(doc, x)
        assert isinstance(d["orgs"], list) and d["text"] == (x.text if hasattr(x, "root") else d["text"])
        coref.antecedent(doc, x)


@pytest.mark.slow
def test_describe_people_of_a_country_as_a_group(nlp):
    doc = nlp(nlp_stage.make_doc(nlp, "Three North Koreans crossed the border."))
    d = coref.describe(doc, _at(doc, "Three North Koreans"))
    assert (d["kind"], d["country"], d["name"]) == ("group", "KP", None)


@pytest.mark.slow
def test_honorific_is_not_an_anaphor(nlp):
    doc = nlp(nlp_stage.make_doc(nlp, "A member of the council met the envoy. His Excellency Kim Song thanked him."))
    assert _at(doc, "His Excellency").start_char not in doc._.corefs
    assert _at(doc, "him.", 3).start_char in doc._.corefs


@pytest.mark.slow
@pytest.mark.parametrize("text,description,expected", [
    ("Kim Jong Un met Yoon Suk Yeol. The South Korean president said the talks went well.",
     "The South Korean president", "Yoon Suk Yeol"),
    ("Yoon Suk Yeol met Kim Jong Un. The North Korean leader said the talks went well.",
     "The North Korean leader", "Kim Jong Un"),
])
def test_definite_description_matches_role_and_nationality(nlp, text, description, expected):
    doc = nlp(nlp_stage.make_doc(nlp, text))
    assert coref.antecedent(doc, _at(doc, description)).text == expected
