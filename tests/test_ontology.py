"""The event ontology and trigger lexicons: files load, every type is coded, users can extend them."""
from __future__ import annotations

import pytest

from dateline import events

PLOVER = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT",
          "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")


@pytest.fixture
def fresh_caches():
    events.ontology.cache_clear()
    events.lexicon.cache_clear()
    yield
    events.ontology.cache_clear()
    events.lexicon.cache_clear()


def test_all_plover_types_and_defect_are_defined():
    types = events.event_types()
    assert set(PLOVER) | {"DEFECT"} == set(types)


@pytest.mark.parametrize("name", PLOVER)
def test_every_plover_type_maps_to_a_two_digit_cameo_root(name):
    code = events.cameo_root(name)
    assert code is not None and len(code) == 2 and code.isdigit() and 1 <= int(code) <= 20


def test_cameo_roots_follow_the_cameo_table():
    assert events.cameo_root("ASSAULT") == "18"
    assert events.cameo_root("CONSULT") == "04"
    assert events.cameo_root("PROTEST") == "14"
    assert events.cameo_root("DEFECT") is None  # CAMEO has no defection root: documented choice


def test_weapons_tests_are_a_mobilize_mode():
    assert "weapons-test" in events.event_types()["MOBILIZE"]["modes"]


def test_every_lexicon_type_is_in_the_ontology_and_modes_are_declared():
    types = events.event_types()
    lex = events.lexicon()
    for table in (lex.verbs, lex.nouns):
        for entries in table.values():
            for e in entries:
                assert e.type in types or e.type == events.NONE_TYPE, e
                if e.mode is not None and e.type in types and types[e.type]["modes"]:
                    assert e.mode in types[e.type]["modes"], (e.type, e.mode, e.head)


def test_yaml_on_off_read_as_words():
    lex = events.lexicon()
    strike = next(e for e in lex.nouns["strike"] if e.type == "PROTEST" and not e.extras)
    assert "on" in strike.prep_none  # YAML 1.1 would have made this `True`


def test_lexicon_entries_parse_phrases_and_hyphens():
    lex = events.lexicon()
    blow = [e for e in lex.verbs["blow"] if e.type == "ASSAULT"]
    assert blow and blow[0].extras == (frozenset({"up"}),)
    fire = [e for e in lex.nouns["fire"] if e.prefix == ("test",)]
    assert fire and fire[0].type == "MOBILIZE" and fire[0].mode == "weapons-test"


def test_user_data_dir_extends_types_and_triggers(tmp_path, monkeypatch, fresh_caches):
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "ontology.yaml").write_text(
        "types:\n  ELECT:\n    cameo: null\n    quad: verbal-cooperation\n    modes: [landslide]\n"
        "  PROTEST:\n    modes: [flashmob]\n", encoding="utf-8")
    (folder / "triggers.yaml").write_text(
        "types:\n  ELECT:\n    verbs:\n      elect: landslide\n  PROTEST:\n    verbs:\n      flashmob: flashmob\n",
        encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    types = events.event_types()
    assert "ELECT" in types
    assert "flashmob" in types["PROTEST"]["modes"] and "demo" in types["PROTEST"]["modes"]
    lex = events.lexicon()
    assert lex.verbs["elect"][0].type == "ELECT"
    assert lex.verbs["flashmob"][0].type == "PROTEST"
    assert any(e.type == "PROTEST" for e in lex.verbs["protest"])  # bundled entries stay


def test_broken_user_file_is_a_config_error(tmp_path, monkeypatch, fresh_caches):
    from dateline.errors import ConfigError

    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "triggers.yaml").write_text("types: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError):
        events.lexicon()


def test_subject_conditions_and_cue_words_load():
    lex = events.lexicon()
    gather = next(e for e in lex.verbs["gather"] if e.type == "PROTEST" and not e.extras)
    assert "protester" in gather.subject_any and gather.specificity == 1
    assert lex.cue_words["donor"] == "AID" and lex.cue_words["critic"] == "ACCUSE"


def test_user_cue_words_extend_the_bundled_ones(tmp_path, monkeypatch, fresh_caches):
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "triggers.yaml").write_text("cue_words:\n  PROTEST: [flashmobber]\n", encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    lex = events.lexicon()
    assert lex.cue_words["flashmobber"] == "PROTEST" and lex.cue_words["protester"] == "PROTEST"
