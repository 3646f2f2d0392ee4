"""dateline: reads news articles and writes down what happened in them.

    >>> import dateline
    >>> doc = dateline.read("article.txt")          # one article -> Document (the JSON output contract)
    >>> summary = dateline.ingest(["articles/"], db="dateline.db")
    >>> from dateline import evaluate; evaluate.run("timex", "../shared/data/temporal-tempeval3/TBAQ-cleaned")

Importing dateline is light: the spaCy model, the database and the web server load only when used.
"""
from __future__ import annotations

from .errors import ConfigError, DatelineError, EvaluationError, InputError, StoreError, UnsupportedLanguage
from .model import Document

__version__ = "0.1.0"

__all__ = [
    "read",
    "ingest",
    "open_store",
    "Document",
    "DatelineError",
    "InputError",
    "UnsupportedLanguage",
    "ConfigError",
    "StoreError",
    "EvaluationError",
    "__version__",
]


def read(path_or_text, **options) -> Document:
    """One article (a file path or the text itself) -> its reading. See `dateline.pipeline.read`."""
    from .pipeline import read as _read

    return _read(path_or_text, **options)


def ingest(paths, **options):
    """Files, folders, "-" (stdin) or JSON Lines -> the store. See `dateline.pipeline.ingest`."""
    from .pipeline import ingest as _ingest

    return _ingest(list(paths) if not isinstance(paths, str) else [paths], **options)


def open_store(path=None):
    from .store import open_store as _open

    return _open(path)
