"""The evaluation harness: `dateline eval SUITE --data PATH`.

Every suite is registered here, in one table: name -> (module, what it measures). A suite module exposes
`run(data: Path, limit: int | None = None) -> dict`; the dict names its figures with the shared keys
(`precision`, `recall`, `f1`, `accuracy`, `macro_f1`, `strict_f1`, `relaxed_f1`, `value_f1`, `acc_161`,
`n`) wherever they apply, and may add a `details` dict and a `peers` table. Floors live in
`eval_floors.json` at the repository root; `check_floors` compares a result against them.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Optional

from ..errors import EvaluationError

SUITES: dict[str, tuple[str, str]] = {
    "expected": ("dateline.evaluate.expected", "a reading scored against a hand-written expectation file"),
    "article-extraction": ("dateline.evaluate.article_extraction", "HTML body extraction, shingle F1 (Scrapinghub benchmark)"),
    "article-metadata": ("dateline.evaluate.article_metadata", "title, author and date accuracy (trafilatura eval set)"),
    "timex": ("dateline.evaluate.timex", "TempEval-3 time expression extent and value F1"),
    "geoparsing": ("dateline.evaluate.geoparsing", "toponym F1 and accuracy within 161 km (LGL / GeoVirus)"),
    "ner": ("dateline.evaluate.ner", "CoNLL-2003 entity F1"),
    "plover": ("dateline.evaluate.plover", "PLOVER event-type accuracy and macro-F1 (untrained lexicons; also per half: inspected / never inspected)"),
    "police": ("dateline.evaluate.police", "arrests, force and killings, sentence and document P/R"),
    "factuality": ("dateline.evaluate.factuality", "certainty and polarity against factuality scores"),
    "attribution": ("dateline.evaluate.attribution", "attribution source and cue P/R/F1 (PolNeAR)"),
}

FIGURE_KEYS = ("precision", "recall", "f1", "accuracy", "macro_f1", "strict_f1", "relaxed_f1", "value_f1",
               "acc_161", "n")

FLOORS_FILE = Path(__file__).resolve().parents[2] / "eval_floors.json"


def run(suite: str, data: Path, limit: Optional[int] = None, **options) -> dict:
    if suite not in SUITES:
        raise EvaluationError(f"unknown suite {suite!r}", fix=f"choose one of: {', '.join(SUITES)}")
    data = Path(data)
    if not data.exists():
        raise EvaluationError(f"data path {data} does not exist",
                              fix="pass --data with the data set's path, e.g. ../shared/data/...")
    module = importlib.import_module(SUITES[suite][0])
    result = module.run(data, limit=limit, **options)
    result.setdefault("suite", suite)
    return result


def floors() -> dict:
    if not FLOORS_FILE.is_file():
        return {}
    return json.loads(FLOORS_FILE.read_text(encoding="utf-8"))


def check_floors(suite: str, result: dict) -> list[str]:
    """Messages for each figure below its pinned floor (empty when all hold)."""
    pinned = (floors().get(suite) or {}).get("floors") or {}
    return [f"{suite}: {key} = {result.get(key)} is below its floor {floor}"
            for key, floor in pinned.items()
            if not isinstance(result.get(key), (int, float)) or result[key] < floor]
