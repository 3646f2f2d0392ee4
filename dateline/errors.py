"""dateline's own exceptions. Library errors (sqlite3, spaCy, lxml, httpx) are translated into these at one
boundary each, so users see a cause and a fix, never a raw traceback.

    DatelineError
    ├── InputError            an input cannot be read as an article (empty, binary, too large, bad JSON ...)
    │   └── UnsupportedLanguage
    ├── ConfigError           a setting, a data file or a model is missing or wrong
    ├── StoreError            the database cannot be opened or written (read-only, disk full, too new)
    └── EvaluationError       an evaluation suite cannot run on the data it was given
"""
from __future__ import annotations

from typing import Optional


class DatelineError(Exception):
    """Base class. `str(err)` is the message shown to users: the cause, then what to do."""

    def __init__(self, message: str, *, fix: Optional[str] = None, source: Optional[str] = None):
        self.reason = message
        self.fix = fix
        self.source = source
        parts = [f"{source}: {message}" if source else message]
        if fix:
            parts.append(f"Fix: {fix}")
        super().__init__(" ".join(parts))


class InputError(DatelineError):
    """An input that cannot be read as an article. Recorded as rejected; the batch goes on."""


class UnsupportedLanguage(InputError):
    pass


class ConfigError(DatelineError):
    pass


class StoreError(DatelineError):
    pass


class EvaluationError(DatelineError):
    pass
