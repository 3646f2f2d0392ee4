"""Loads the article stage's knowledge files from dateline/data/article/, extended by the same file under
<data_dir>/article/ when the `data_dir` setting names one (lists are appended, mappings merged)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .. import settings
from ..errors import ConfigError
from ..knowledge import yaml_loader

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "article"


def _read(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read knowledge file {path}: {exc}", fix="correct the YAML or remove the file") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"knowledge file {path} is not a mapping", fix="give it top-level keys like the bundled one")
    return data


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = value + out[key]  # user entries first, so they win on overlap
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    data = _read(BUNDLED / name)
    extra_dir = settings.get("data_dir")
    if extra_dir:
        extra = Path(extra_dir) / "article" / name
        if extra.is_file():
            data = _merge(data, _read(extra))
    return data

